//! The quarterly rating: quarters, league tabs, places with bars, and a branch's score
//! explained criterion by criterion. Read from the server: it needs the network.

use dioxus::prelude::*;
use zakupka_core::League;
use zakupka_core::rating::{LeagueTable, Methodology, NotRated, RatedBranch};
use zakupka_core::wire::QuarterInfo;

use crate::i18n;
use crate::state::{AppState, Screen};

#[component]
pub fn RatingScreen() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let account = state.account();
    let mut chosen = use_signal(|| None::<String>);
    let mut league = use_signal(|| League::Large);
    let mut open = use_signal(|| None::<String>);
    let mut version = use_signal(|| 0u32);
    let api = account.as_ref().map(|a| a.api());
    let api2 = api.clone();
    let quarters = use_resource(move || {
        let api = api.clone();
        async move {
            let api = api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?;
            api.rating_quarters().await.map_err(|e| e.to_string())
        }
    });
    let rating = use_resource(move || {
        let api = api2.clone();
        let _reload = version();
        async move {
            let api = api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?;
            let q = match chosen() {
                Some(q) => q,
                None => match api
                    .rating_quarters()
                    .await
                    .map_err(|e| e.to_string())?
                    .first()
                {
                    Some(q) => q.quarter.to_string(),
                    None => return Ok(None),
                },
            };
            api.rating(&q).await.map(Some).map_err(|e| e.to_string())
        }
    });
    let can_publish = account.as_ref().is_some_and(|a| a.role.reads_all_visits());
    let quarter_list: Vec<QuarterInfo> = match &*quarters.read() {
        Some(Ok(q)) => q.clone(),
        _ => Vec::new(),
    };
    let body = match &*rating.read() {
        None => rsx! { p { class: "muted", "{i18n::LOADING_RATING.get(lang)}" } },
        Some(Err(e)) => {
            rsx! { p { class: "failed", "data-testid": "rating-error", "{i18n::RATING_OFFLINE.get(lang)} ({e})" } }
        }
        Some(Ok(None)) => rsx! { p { class: "empty", "{i18n::NO_RATING.get(lang)}" } },
        Some(Ok(Some(r))) => {
            let table = r.tables.iter().find(|t| t.league == league()).cloned();
            let r = r.clone();
            rsx! {
                p { class: "muted", "data-testid": "rating-status",
                    match r.published_at {
                        Some(t) => format!("{} {}", i18n::PUBLISHED.get(lang), t.format("%d.%m.%Y")),
                        None => i18n::NOT_PUBLISHED.get(lang).to_owned(),
                    }
                    " · {r.methodology.title.get(lang)} v{r.methodology.version}"
                }
                if let Some(t) = table {
                    LeagueView { table: t, methodology: r.methodology.clone(), open: open(), on_open: move |id| open.set(Some(id)) }
                }
                if r.published_at.is_none() && can_publish {
                    PublishButton { quarter: r.quarter.to_string(), on_done: move |_| version += 1 }
                }
            }
        }
    };
    rsx! {
        main { class: "screen rating", "data-testid": "rating",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::HOME.get(lang)}" }
                h1 { "{i18n::RATING.get(lang)}" }
            }
            div { class: "chips", "data-testid": "quarters",
                for (n, q) in quarter_list.iter().enumerate() {
                    button { key: "{q.quarter}",
                        class: if chosen().as_deref() == Some(&q.quarter.to_string()) || (chosen().is_none() && n == 0) { "chip selected" } else { "chip" },
                        "data-quarter": "{q.quarter}",
                        onclick: { let q = q.quarter.to_string(); move |_| { chosen.set(Some(q.clone())); open.set(None); } },
                        "{q.quarter}"
                        if !q.published { " *" }
                    }
                }
            }
            div { class: "tabs", role: "tablist",
                for (l, label) in [(League::Large, i18n::LARGE_LEAGUE), (League::Small, i18n::SMALL_LEAGUE)] {
                    button { key: "{label.ru}", role: "tab", class: if league() == l { "tab selected" } else { "tab" },
                        "aria-selected": "{league() == l}", "data-league": if l == League::Large { "large" } else { "small" },
                        onclick: move |_| { league.set(l); open.set(None); },
                        "{label.get(lang)}"
                    }
                }
            }
            {body}
        }
    }
}

#[component]
fn LeagueView(
    table: LeagueTable,
    methodology: Methodology,
    open: Option<String>,
    on_open: EventHandler<String>,
) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let directory = (state.directory)();
    let name = |id: &str| {
        directory
            .branch(id)
            .map_or(id.to_owned(), |b| b.name.get(lang).to_owned())
    };
    let precision = usize::from(methodology.precision);
    rsx! {
        ol { class: "places", "data-testid": "places",
            for row in table.rows.iter() {
                li { key: "{row.branch_id}", "data-branch": "{row.branch_id}", "data-place": "{row.place}",
                    button { class: "row place-row", onclick: { let id = row.branch_id.clone(); move |_| on_open.call(id.clone()) },
                        span { class: if row.place <= 3 { "place top" } else { "place" }, "{row.place}" }
                        span { class: "title", "{name(&row.branch_id)}" }
                        svg { class: "score-bar", width: "100%", height: "8", view_box: "0 0 100 8", preserve_aspect_ratio: "none", "aria-hidden": "true",
                            rect { x: "0", y: "0", width: "100", height: "8", rx: "2", class: "bar-bg" }
                            rect { x: "0", y: "0", width: "{row.score.clamp(0.0, 100.0)}", height: "8", rx: "2", class: "bar-fill" }
                        }
                        span { class: "score", "{row.score:.precision$}" }
                    }
                    if open.as_deref() == Some(row.branch_id.as_str()) {
                        BranchExplained { row: row.clone(), methodology: methodology.clone() }
                    }
                }
            }
        }
        if !table.not_rated.is_empty() {
            h2 { "{i18n::NOT_RATED.get(lang)}" }
            ul { class: "not-rated",
                for (id, why) in table.not_rated.iter() {
                    li { key: "{id}", "{name(id)}: {not_rated(lang, why)}" }
                }
            }
        }
    }
}

fn not_rated(lang: zakupka_core::Lang, why: &NotRated) -> String {
    match (lang, why) {
        (zakupka_core::Lang::Ru, NotRated::TooFewVisits { approved, needed }) => {
            format!("одобренных проверок {approved} из {needed}")
        }
        (zakupka_core::Lang::En, NotRated::TooFewVisits { approved, needed }) => {
            format!("{approved} approved visits of {needed}")
        }
        (zakupka_core::Lang::Ru, NotRated::MissingKpi { keys }) => {
            format!("нет показателей {}", keys.join(", "))
        }
        (zakupka_core::Lang::En, NotRated::MissingKpi { keys }) => {
            format!("no KPI {}", keys.join(", "))
        }
    }
}

/// Why a branch has its score: each criterion's measure, its 0-100 score and its points.
#[component]
fn BranchExplained(row: RatedBranch, methodology: Methodology) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    rsx! {
        table { class: "explain", "data-testid": "explain",
            thead { tr {
                th { "{i18n::CRITERION.get(lang)}" }
                th { "{i18n::VALUE.get(lang)}" }
                th { "0–100" }
                th { "{i18n::POINTS.get(lang)}" }
            } }
            tbody {
                for c in row.criteria.iter() {
                    tr { key: "{c.criterion_id}",
                        td { "{methodology.criteria.iter().find(|m| m.id == c.criterion_id).map_or(c.criterion_id.clone(), |m| m.label.get(lang).to_owned())}" }
                        td { "{c.value:.1}" }
                        td { "{c.score:.1}" }
                        td { "{c.points:.2}" }
                    }
                }
            }
        }
        p { class: "muted", "{i18n::VISITS_BEHIND.get(lang)}: {row.visits.len()}" }
    }
}

#[component]
fn PublishButton(quarter: String, on_done: EventHandler<()>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut error = use_signal(|| None::<String>);
    rsx! {
        button { class: "secondary big", "data-testid": "publish",
            onclick: move |_| {
                let quarter = quarter.clone();
                async move {
                    let Some(api) = state.account().map(|a| a.api()) else { return };
                    match api.publish_rating(&quarter).await {
                        Ok(_) => on_done.call(()),
                        Err(e) => error.set(Some(e.to_string())),
                    }
                }
            },
            "{i18n::PUBLISH.get(lang)}"
        }
        if let Some(e) = error() { p { class: "failed", "{e}" } }
    }
}
