//! The review queue: the server's first page for the chosen filters, and the pages after
//! it on «Показать ещё», each asked with the cursor the page before gave.

use dioxus::prelude::*;
use zakupka_client::api::VisitQuery;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{ReviewState, ServerVisit};

use super::state_label;
use crate::i18n;
use crate::state::{AppState, Screen};
use crate::ui::local_time;

#[component]
pub fn ReviewQueue() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut filter = use_signal(|| Some(ReviewState::Submitted));
    let mut quarter = use_signal(|| None::<Quarter>);
    let mut branch = use_signal(|| None::<String>);
    let mut auditor = use_signal(|| None::<String>);
    let flag = use_signal(|| None);
    let mut query = use_signal(String::new);
    // The pages loaded after the first, and the cursor after the last of them (`None`:
    // only the first page is loaded, its own `next` applies).
    let mut more = use_signal(Vec::<ServerVisit>::new);
    let mut more_next = use_signal(|| None::<Option<String>>);
    let mut loading = use_signal(|| false);
    let mut more_error = use_signal(|| None::<String>);
    let api = state.account().map(|a| a.api());
    let auditors = crate::ui::use_auditors();
    let asked = move || VisitQuery {
        quarter: quarter(),
        branch: branch(),
        office: None,
        auditor: auditor(),
        state: filter(),
        flag: flag(),
        limit: None,
    };
    // The server filters; the text box narrows what came back, as the supervisor types.
    let first = {
        let api = api.clone();
        use_resource(move || {
            let api = api.clone();
            let query = asked();
            async move {
                let page = api
                    .ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?
                    .visits_where(&query, None)
                    .await
                    .map_err(|e| i18n::explain_sync(lang, &e))?;
                // Other filters, other pages: what was loaded after the old first page goes.
                more.set(Vec::new());
                more_next.set(None);
                more_error.set(None);
                Ok::<_, String>(page)
            }
        })
    };
    let next: Option<String> = match (more_next(), &*first.read()) {
        (Some(after_more), _) => after_more,
        (None, Some(Ok(page))) => page.next.clone(),
        _ => None,
    };
    let load_more = {
        let next = next.clone();
        move |_| {
            let (Some(api), Some(cursor)) = (api.clone(), next.clone()) else {
                return;
            };
            let query = asked();
            loading.set(true);
            spawn(async move {
                match api.visits_where(&query, Some(&cursor)).await {
                    Ok(page) => {
                        more.write().extend(page.visits);
                        more_next.set(Some(page.next));
                        more_error.set(None);
                    }
                    Err(e) => more_error.set(Some(i18n::explain_sync(lang, &e))),
                }
                loading.set(false);
            });
        }
    };
    let office = |id: &str| state.office_name(id);
    let wanted = |v: &ServerVisit| {
        let q = query().to_lowercase();
        q.is_empty()
            || format!("{} {}", office(&v.office_id), v.auditor)
                .to_lowercase()
                .contains(&q)
    };
    let list: Vec<ServerVisit> = match &*first.read() {
        Some(Ok(page)) => page
            .visits
            .iter()
            .chain(more.read().iter())
            .filter(|v| wanted(v))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let error = match &*first.read() {
        Some(Err(e)) => Some(e.clone()),
        _ => more_error(),
    };
    let now = Quarter::of(chrono::Utc::now());
    let quarters: Vec<Quarter> = std::iter::successors(Some(now), |q| Some(q.previous()))
        .take(6)
        .collect();
    let directory = (state.directory)();
    // Without the list the filter offers "all" only; the queue says what went wrong.
    let auditor_logins: Vec<String> = match &*auditors.read() {
        Some(Ok(list)) => list.iter().map(|a| a.login.clone()).collect(),
        _ => Vec::new(),
    };
    rsx! {
        main { class: "screen review", "data-testid": "review-queue",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::HOME.get(lang)}" }
                h1 { tabindex: "-1", "{i18n::REVIEW.get(lang)}" }
            }
            div { class: "chips", role: "group", "aria-label": "{i18n::staff::REVIEW_STATES.get(lang)}",
                for (f, label) in [(Some(ReviewState::Submitted), i18n::Q_SUBMITTED), (Some(ReviewState::Returned), i18n::STATE_RETURNED),
                                   (Some(ReviewState::Approved), i18n::STATE_APPROVED), (Some(ReviewState::Rejected), i18n::STATE_REJECTED), (None, i18n::ALL)] {
                    button { key: "{label.ru}", class: if filter() == f { "chip selected" } else { "chip" },
                        "aria-pressed": "{filter() == f}",
                        onclick: move |_| filter.set(f), "{label.get(lang)}"
                    }
                }
            }
            div { class: "filters",
                select { "data-testid": "filter-quarter", "aria-label": "{i18n::QUARTER.get(lang)}",
                    onchange: move |e| quarter.set(e.value().parse().ok()),
                    option { value: "", selected: quarter().is_none(), "{i18n::QUARTER_ANY.get(lang)}" }
                    for q in quarters {
                        option { key: "{q}", value: "{q}", selected: quarter() == Some(q), "{q}" }
                    }
                }
                select { "data-testid": "filter-branch", "aria-label": "{i18n::BRANCH.get(lang)}",
                    onchange: move |e| branch.set(Some(e.value()).filter(|b| !b.is_empty())),
                    option { value: "", selected: branch().is_none(), "{i18n::BRANCH_ANY.get(lang)}" }
                    for b in directory.branches.iter() {
                        option { key: "{b.id}", value: "{b.id}", selected: branch().as_deref() == Some(b.id.as_str()), "{b.name.get(lang)}" }
                    }
                }
                select { "data-testid": "filter-auditor", "aria-label": "{i18n::AUDITOR.get(lang)}",
                    onchange: move |e| auditor.set(Some(e.value()).filter(|a| !a.is_empty())),
                    option { value: "", selected: auditor().is_none(), "{i18n::AUDITOR_ANY.get(lang)}" }
                    for login in auditor_logins {
                        option { key: "{login}", value: "{login}", selected: auditor().as_deref() == Some(login.as_str()), "{login}" }
                    }
                }
                crate::ui::flags::FlagFilter { flag }
                input { r#type: "search", placeholder: "{i18n::REVIEW_SEARCH.get(lang)}", value: "{query}", "data-testid": "filter-text",
                    "aria-label": "{i18n::REVIEW_SEARCH.get(lang)}",
                    oninput: move |e| query.set(e.value()) }
            }
            if let Some(e) = error { p { class: "failed", role: "alert", "data-testid": "queue-error", "{e}" } }
            crate::ui::auditors::AuditorFlagsSection { quarter: quarter() }
            // Said when the filters change what is shown; the figure alone on screen.
            p { class: "muted", role: "status",
                span { class: "sr-only", "{i18n::staff::VISITS_SHOWN.get(lang)}: " }
                span { "data-testid": "queue-count", "{list.len()}" }
            }
            ul { class: "visits", "data-testid": "queue",
                for v in list.iter() {
                    li { key: "{v.visit_id}",
                        button { class: "row", "data-visit": "{v.visit_id}", "data-state": "{v.state.as_str()}",
                            onclick: { let id = v.visit_id; move |_| state.go(Screen::ReviewVisit(id)) },
                            span { class: "title", "{office(&v.office_id)}" }
                            span { class: "meta", "{v.auditor} · {local_time(v.received_at)} · {state_label(lang, v.state)}" }
                            if !v.time_flags.is_empty() {
                                span { class: "flag", "data-testid": "time-flag", "⚠ {i18n::TIME_CHECK.get(lang)}" }
                            }
                            crate::ui::flags::FlagChips { flags: v.presence_flags.clone() }
                        }
                    }
                }
            }
            if next.is_some() {
                button { class: "secondary big", "data-testid": "show-more", disabled: loading(), onclick: load_more,
                    "{i18n::SHOW_MORE.get(lang)}"
                }
            }
        }
    }
}
