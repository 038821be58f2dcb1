//! The quarterly rating: quarters, league tabs, places with bars, and a branch's score
//! explained criterion by criterion. Read from the server: it needs the network.

use dioxus::prelude::*;
use zakupka_core::League;
use zakupka_core::rating::{
    History as RatingHistory, LeagueTable, Methodology, NotRated, Quarter, RatedBranch,
};
use zakupka_core::wire::{ExportFormat, QuarterInfo};

use crate::i18n;
use crate::state::{AppState, Screen};

#[component]
pub fn RatingScreen() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let account = state.account();
    let mut chosen = use_signal(|| None::<String>);
    let mut league = use_signal(|| League::Large);
    // The league tabs, for the arrow keys to move the focus between them.
    let mut tabs = use_signal(|| [None::<std::rc::Rc<MountedData>>, None]);
    let mut open = use_signal(|| None::<String>);
    let mut version = use_signal(|| 0u32);
    let api = account.as_ref().map(|a| a.api());
    let api2 = api.clone();
    let api3 = api.clone();
    let history = use_resource(move || {
        let api = api3.clone();
        let _reload = version();
        async move { api?.rating_history().await.ok() }
    });
    let quarters = super::use_quarters(api);
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
                    .map_err(|e| i18n::explain_sync(lang, &e))?
                    .first()
                {
                    Some(q) => q.quarter.to_string(),
                    None => return Ok(None),
                },
            };
            api.rating(&q)
                .await
                .map(Some)
                .map_err(|e| i18n::explain_sync(lang, &e))
        }
    });
    // Publishing freezes a quarter for good: admins only, as the server holds.
    let can_publish = account
        .as_ref()
        .is_some_and(|a| a.role == zakupka_core::wire::Role::Admin);
    // Auditors' agreement and severity: supervisors and admins, as the server holds.
    let can_calibrate = account
        .as_ref()
        .is_some_and(|a| a.role != zakupka_core::wire::Role::Auditor);
    // Appeals: managers file them, supervisors and admins decide them; the network-wide
    // charts are for supervisors and admins.
    let role = account.as_ref().map(|a| a.role);
    let can_appeal =
        role.is_some_and(|r| r == zakupka_core::wire::Role::Manager || r.reads_all_visits());
    let can_chart = role.is_some_and(|r| r.reads_all_visits());
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
                if let Some(Some(h)) = &*history.read() {
                    Cups { history: h.clone(), league: league() }
                }
                if let Some(t) = table {
                    LeagueView {
                        table: t,
                        methodology: r.methodology.clone(),
                        open: open(),
                        on_open: move |id| open.set(Some(id)),
                        past: history.read().clone().flatten().unwrap_or_default(),
                    }
                }
                ExportButtons { quarter: r.quarter.to_string() }
                if r.published_at.is_none() && can_publish {
                    super::publish::PublishButton { quarter: r.quarter.to_string(), on_done: move |_| version += 1 }
                }
            }
        }
    };
    rsx! {
        main { class: "screen rating", "data-testid": "rating",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::HOME.get(lang)}" }
                h1 { tabindex: "-1", "{i18n::RATING.get(lang)}" }
            }
            // A row of its own under the header, wrapping: in the header «Калибровка» ran off a
            // 360 px screen, and as a fixed bar at the foot «Графики» fell below a 740 px one.
            if can_calibrate || can_appeal || can_chart {
                nav { class: "screen-links",
                    if can_calibrate { button { class: "ghost", "data-testid": "to-calibration", onclick: move |_| state.go(Screen::Calibration), "{i18n::CALIBRATION.get(lang)}" } }
                    if can_appeal { button { class: "ghost", "data-testid": "to-appeals", onclick: move |_| state.go(Screen::Appeals), "{i18n::appeals::APPEALS.get(lang)}" } }
                    if can_chart { button { class: "ghost", "data-testid": "to-charts", onclick: move |_| state.go(Screen::Charts), "{i18n::appeals::CHARTS.get(lang)}" } }
                }
            }
            div { class: "chips", "data-testid": "quarters", role: "group", "aria-label": "{i18n::staff::QUARTERS.get(lang)}",
                for (n, q) in quarter_list.iter().enumerate() {
                    {
                        let on = chosen().as_deref() == Some(&q.quarter.to_string()) || (chosen().is_none() && n == 0);
                        rsx! {
                            button { key: "{q.quarter}", class: if on { "chip selected" } else { "chip" }, "aria-pressed": "{on}",
                                "data-quarter": "{q.quarter}",
                                onclick: { let q = q.quarter.to_string(); move |_| { chosen.set(Some(q.clone())); open.set(None); } },
                                "{q.quarter}"
                                // The star says "not published" to the eye only.
                                if !q.published {
                                    span { "aria-hidden": "true", " *" }
                                    span { class: "sr-only", " ({i18n::staff::NOT_PUBLISHED_MARK.get(lang)})" }
                                }
                            }
                        }
                    }
                }
            }
            // Tabs as ARIA has them: one stop for Tab, the arrows (Home, End) between leagues.
            div { class: "tabs", role: "tablist", "aria-label": "{i18n::staff::LEAGUES.get(lang)}",
                onkeydown: move |e: KeyboardEvent| {
                    let to = match e.key() {
                        Key::ArrowLeft | Key::Home => League::Large,
                        Key::ArrowRight | Key::End => League::Small,
                        _ => return,
                    };
                    e.prevent_default();
                    league.set(to);
                    open.set(None);
                    if let Some(tab) = tabs.peek()[usize::from(to == League::Small)].clone() {
                        spawn(async move { let _ = tab.set_focus(true).await; });
                    }
                },
                for (n, (l, label)) in [(League::Large, i18n::LARGE_LEAGUE), (League::Small, i18n::SMALL_LEAGUE)].into_iter().enumerate() {
                    button { key: "{label.ru}", role: "tab", id: "league-{n}", class: if league() == l { "tab selected" } else { "tab" },
                        "aria-selected": "{league() == l}", "aria-controls": "league-panel",
                        tabindex: if league() == l { "0" } else { "-1" },
                        "data-league": if l == League::Large { "large" } else { "small" },
                        onmounted: move |e: MountedEvent| tabs.write()[n] = Some(e.data()),
                        onclick: move |_| { league.set(l); open.set(None); },
                        "{label.get(lang)}"
                    }
                }
            }
            div { role: "tabpanel", id: "league-panel", "aria-labelledby": if league() == League::Large { "league-0" } else { "league-1" },
                {body}
            }
        }
    }
}

#[component]
fn LeagueView(
    table: LeagueTable,
    methodology: Methodology,
    open: Option<String>,
    on_open: EventHandler<String>,
    past: RatingHistory,
) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let name = |id: &str| state.branch_name(id);
    let precision = usize::from(methodology.precision);
    // Quarters published before intervals were computed have none; places stand alone.
    let uncertain = table
        .rows
        .iter()
        .any(|r| r.interval.is_some_and(|i| i.low < i.high));
    rsx! {
        ol { class: if uncertain { "places with-intervals" } else { "places" }, "data-testid": "places",
            for row in table.rows.iter() {
                li { key: "{row.branch_id}", "data-branch": "{row.branch_id}", "data-place": "{row.place}",
                    button { class: "row place-row", onclick: { let id = row.branch_id.clone(); move |_| on_open.call(id.clone()) },
                        span { class: "placing", "data-testid": "placing",
                            span { class: if row.place <= 3 { "place top" } else { "place" }, "{row.place}" }
                            if let Some(i) = row.interval.filter(|i| i.low < i.high) {
                                span { class: "range", title: "{i18n::PLACE_INTERVAL.get(lang)}", " ({i.low}–{i.high})" }
                            }
                        }
                        span { class: "title", "{name(&row.branch_id)}"
                            if row.interval.is_some_and(|i| i.not_separable_from_leader) {
                                " "
                                span { class: "tie-badge", "data-testid": "not-separable", "{i18n::NOT_SEPARABLE.get(lang)}" }
                            }
                        }
                        svg { class: "score-bar", width: "100%", height: "8", view_box: "0 0 100 8", preserve_aspect_ratio: "none", "aria-hidden": "true",
                            rect { x: "0", y: "0", width: "100", height: "8", rx: "2", class: "bar-bg" }
                            rect { x: "0", y: "0", width: "{row.score.clamp(0.0, 100.0)}", height: "8", rx: "2", class: "bar-fill" }
                        }
                        span { class: "score", "{row.score:.precision$}" }
                    }
                    if open.as_deref() == Some(row.branch_id.as_str()) {
                        BranchExplained {
                            row: row.clone(),
                            methodology: methodology.clone(),
                            trend: past.scores.get(&row.branch_id).cloned().unwrap_or_default(),
                        }
                    }
                }
            }
        }
        if uncertain {
            p { class: "muted", "data-testid": "interval-note", "{i18n::PLACE_INTERVAL_NOTE.get(lang)}" }
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
fn BranchExplained(
    row: RatedBranch,
    methodology: Methodology,
    trend: Vec<(Quarter, f64)>,
) -> Element {
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
        if let Some(adjusted) = row.adjusted_audits {
            p { class: "muted", "data-testid": "adjusted-index", "{i18n::ADJUSTED_INDEX.get(lang)}: {adjusted:.1}" }
        }
        // A supervisor bound to other branches is not told this branch's visits.
        if !row.visits.is_empty() {
            p { class: "muted", "{i18n::VISITS_BEHIND.get(lang)}: {row.visits.len()}" }
        }
        if trend.len() > 1 {
            Trend { points: trend }
        }
    }
}

/// A branch's published scores over the quarters, as a small line chart.
#[component]
fn Trend(points: Vec<(Quarter, f64)>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let (w, h, pad) = (300.0, 90.0, 14.0);
    let low = points
        .iter()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min)
        .min(100.0)
        .floor()
        - 5.0;
    let high = points
        .iter()
        .map(|p| p.1)
        .fold(f64::NEG_INFINITY, f64::max)
        .ceil()
        + 5.0;
    let span = (high - low).max(1.0);
    let xy: Vec<(f64, f64, Quarter, f64)> = points
        .iter()
        .enumerate()
        .map(|(n, (q, s))| {
            let x = pad + (w - 2.0 * pad) * n as f64 / (points.len() - 1) as f64;
            let y = pad + (h - 2.0 * pad) * (1.0 - (s - low) / span);
            (x, y, *q, *s)
        })
        .collect();
    let line = xy
        .iter()
        .map(|(x, y, _, _)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    rsx! {
        figure { class: "trend", "data-testid": "trend",
            figcaption { class: "muted", "{i18n::TREND.get(lang)}" }
            // The figures are in the table below it.
            svg { width: "100%", view_box: "0 0 {w} {h}", "aria-hidden": "true",
                polyline { points: "{line}", class: "trend-line" }
                for (x, y, q, s) in xy.iter() {
                    g { key: "{q}",
                        circle { cx: "{x}", cy: "{y}", r: "3", class: "trend-dot" }
                        text { x: "{x}", y: "{h - 2.0}", class: "trend-label", "text-anchor": "middle", "{q}" }
                        text { x: "{x}", y: "{y - 6.0}", class: "trend-value", "text-anchor": "middle", "{s:.1}" }
                    }
                }
            }
            super::charts::ChartTable {
                head: vec![i18n::QUARTER.get(lang).to_owned(), i18n::SCORE.get(lang).to_owned()],
                rows: points.iter().map(|(q, s)| vec![q.to_string(), format!("{s:.1}")]).collect::<Vec<_>>(),
            }
        }
    }
}

/// Who holds the league's rotating cup, and how often branches have led it.
#[component]
fn Cups(history: RatingHistory, league: League) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let name = |id: &str| state.branch_name(id);
    let holders = history.cup(league);
    if holders.is_empty() {
        return rsx! {};
    }
    let leaders: Vec<String> = history
        .quarters
        .iter()
        .map(|q| {
            let ids = if league == League::Large {
                &q.large
            } else {
                &q.small
            };
            format!(
                "{}: {}",
                q.quarter,
                ids.iter().map(|i| name(i)).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    rsx! {
        section { class: "cups", "data-testid": "cups",
            p { class: "cup",
                "{i18n::CUP.get(lang)}: "
                for id in holders.iter() {
                    strong { key: "{id}", "{name(id)} " }
                    span { class: "muted", "({i18n::TIMES_LED.get(lang)} {history.times_led.get(id).copied().unwrap_or(0)}) " }
                }
            }
            details {
                summary { "{i18n::LEADERS.get(lang)}" }
                ul { for l in leaders.iter() { li { key: "{l}", "{l}" } } }
            }
        }
    }
}

/// Downloads the rating as CSV or XLSX.
#[component]
fn ExportButtons(quarter: String) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut saved = use_signal(|| None::<Result<String, String>>);
    rsx! {
        div { class: "export",
            for format in ExportFormat::ALL {
                button { key: "{format}", class: "secondary", "data-export": "{format}",
                    onclick: {
                        let quarter = quarter.clone();
                        move |_| {
                            let quarter = quarter.clone();
                            async move {
                                let Some(api) = state.account().map(|a| a.api()) else { return };
                                let fetched = api.rating_export(&quarter, format).await;
                                let name = format!("rating-{quarter}.{format}");
                                saved.set(Some(super::save_download(lang, &name, fetched).await));
                            }
                        }
                    },
                    "{i18n::EXPORT.get(lang)} {format.as_str().to_uppercase()}"
                }
            }
        }
        super::Downloaded { saved: saved() }
    }
}
