//! Calibration cases on the auditor's device: the list (kept offline, synced with the
//! assignments), and the case's situation shown above the checklist in place of an office.
//! An answer is filled in and submitted exactly like a visit. Supervisors publish cases with
//! `zakupka-server case add FILE.toml` or `POST /api/v1/cases`.

use chrono::Utc;
use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_client::LocalCase;
use zakupka_core::VisitStatus;

use crate::i18n;
use crate::state::{AppState, Screen};

#[component]
pub fn CasesScreen() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let cases = state.read(|s| s.cases()).unwrap_or_default();
    rsx! {
        main { class: "screen cases", "data-testid": "cases",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::HOME.get(lang)}" }
                h1 { tabindex: "-1", "{i18n::CASES.get(lang)}" }
            }
            p { class: "muted", "{i18n::CASES_ABOUT.get(lang)}" }
            if cases.is_empty() {
                p { class: "empty", "{i18n::NO_CASES.get(lang)}" }
            }
            ul { class: "visits", "data-testid": "case-list",
                for c in cases { CaseRow { key: "{c.case.id}", item: c } }
            }
        }
    }
}

#[component]
fn CaseRow(item: LocalCase) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let id = item.case.id;
    let (action, target) = match item.answer {
        None => (i18n::ASSIGNMENT_START, None),
        Some((v, VisitStatus::Draft)) => (i18n::ASSIGNMENT_CONTINUE, Some(Screen::Checklist(v))),
        Some((v, VisitStatus::Submitted)) => (i18n::ASSIGNMENT_SENT, Some(Screen::Summary(v))),
    };
    rsx! {
        li {
            button { class: "row", "data-case": "{id}",
                onclick: move |_| match target {
                    Some(screen) => state.go(screen),
                    None => start(state, id),
                },
                span { class: "title", "{item.case.title}" }
                span { class: "meta", "{super::local_time(item.case.published_at)}" }
                span { class: "action", "{action.get(lang)} →" }
            }
        }
    }
}

/// Starts an answer to the case as the signed-in auditor and opens the checklist.
fn start(state: AppState, case_id: Uuid) {
    let auditor = state
        .account()
        .map(|a| a.login)
        .unwrap_or_else(|| state.auditor());
    if let Some(visit) = state.write(|s| s.start_case(case_id, &auditor, Utc::now())) {
        state.go(Screen::Checklist(visit.id));
    }
}

/// The title of the case a visit answers, for the header and the home screen's line.
pub fn case_title(state: &AppState, case_id: Option<Uuid>) -> Option<String> {
    let id = case_id?;
    let case = state.read(|s| s.case(id)).flatten();
    Some(case.map_or_else(|| i18n::CASE.get((state.lang)()).to_owned(), |c| c.title))
}

/// The situation to judge, shown at the top of the checklist instead of an office.
#[component]
pub fn CaseSituation(case_id: Uuid) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let Some(case) = state.read(|s| s.case(case_id)).flatten() else {
        return rsx! {};
    };
    rsx! {
        section { class: "case-situation", "data-testid": "case-situation",
            p { class: "muted", "{i18n::CASE.get(lang)}" }
            h2 { "{case.title}" }
            for (n, para) in case.text.split("\n\n").enumerate() {
                p { key: "{n}", "{para}" }
            }
            for sha256 in case.photos {
                super::RemotePhoto { key: "{sha256}", at: super::PhotoAt::Case(sha256.clone()) }
            }
        }
    }
}
