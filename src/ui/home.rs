use dioxus::prelude::*;
use zakupka_client::{SyncState, VisitSummary};
use zakupka_core::wire::AssignmentStatus;
use zakupka_core::{Lang, VisitStatus};

use super::{LangSwitch, SaveIndicator, local_time};
use crate::i18n;
use crate::state::{AppState, Screen};
use crate::sync::{SyncFailure, SyncStatus};

/// Sent visits shown at a time; «Показать ещё» reads the next page from the store.
const PAGE: usize = 20;

#[component]
pub fn Home() -> Element {
    let state = use_context::<AppState>();
    use_hook(|| tracing::info!("home screen shown"));
    let lang = (state.lang)();
    // How many pages of sent visits are shown: a months-old store opens as fast as a new
    // one, and older visits are a tap away.
    let mut pages = use_signal(|| 1);
    let (drafts, unsent): (Vec<_>, Vec<_>) = state
        .open_visits()
        .into_iter()
        .partition(|v| v.summary.status == VisitStatus::Draft);
    let (sent, more) = state.sent_visits(pages(), PAGE);
    // Those not yet on the server first, then the sent ones, each newest first.
    let submitted: Vec<_> = unsent.into_iter().chain(sent).collect();
    rsx! {
        main { class: "screen home", "data-testid": "home",
            header { class: "bar",
                h1 { "{i18n::APP_NAME.get(lang)}" }
                SaveIndicator {}
                LangSwitch {}
            }
            SyncBar {}
            AssignedVisits {}
            super::actions::HomeEntry {}
            if drafts.is_empty() && submitted.is_empty() {
                p { class: "empty", "{i18n::NO_VISITS.get(lang)}" }
            }
            if !drafts.is_empty() {
                h2 { "{i18n::DRAFTS.get(lang)}" }
                ul { class: "visits", "data-testid": "drafts",
                    for v in drafts { VisitRow { key: "{v.summary.id}", visit: v.summary, sync: v.sync } }
                }
            }
            if !submitted.is_empty() {
                h2 { "{i18n::SUBMITTED.get(lang)}" }
                ul { class: "visits", "data-testid": "submitted",
                    for v in submitted { VisitRow { key: "{v.summary.id}", visit: v.summary, sync: v.sync } }
                }
            }
            if more {
                button { class: "secondary", "data-testid": "show-more", onclick: move |_| pages += 1,
                    "{i18n::SHOW_MORE.get(lang)}"
                }
            }
            footer { class: "actions",
                button { class: "primary big", "data-testid": "start-visit", onclick: move |_| state.go(Screen::Start),
                    "{i18n::START_VISIT.get(lang)}"
                }
            }
        }
    }
}

/// Who is signed in, when the last sync was, and a button to sync now.
#[component]
fn SyncBar() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let status = (state.sync_status)();
    let Some(account) = state.account() else {
        return rsx! {
            div { class: "sync-bar", "data-testid": "sync-bar",
                if let SyncStatus::Failed(SyncFailure::SignInAgain) = &status {
                    p { class: "failed", "data-testid": "sync-error", "{i18n::SYNC_SIGN_IN_AGAIN.get(lang)}" }
                } else {
                    p { class: "muted", "{i18n::NOT_SIGNED_IN.get(lang)}" }
                }
                button { class: "secondary", "data-testid": "to-account", onclick: move |_| state.go(Screen::Account),
                    "{i18n::SIGN_IN.get(lang)}"
                }
            }
        };
    };
    let last = state
        .last_sync()
        .map_or(i18n::NEVER.get(lang).to_owned(), local_time);
    let running = status == SyncStatus::Running;
    rsx! {
        div { class: "sync-bar", "data-testid": "sync-bar",
            div { class: "who",
                button { class: "ghost", onclick: move |_| state.go(Screen::Account), "{account.login}" }
                span { class: "muted", "data-testid": "last-sync", "{i18n::LAST_SYNC.get(lang)}: {last}" }
                if let SyncStatus::Failed(e) = &status {
                    span { class: "failed", "data-testid": "sync-error", "{failure_text(lang, e)}" }
                }
            }
            if account.role.reads_all_visits() {
                button { class: "secondary", "data-testid": "to-review", onclick: move |_| state.go(Screen::Review), "{i18n::REVIEW_SHORT.get(lang)}" }
                button { class: "secondary", "data-testid": "to-assign", onclick: move |_| state.go(Screen::Assignments), "{i18n::ASSIGNMENTS.get(lang)}" }
            }
            if !account.role.reads_all_visits() {
                button { class: "secondary", "data-testid": "to-cases", onclick: move |_| state.go(Screen::Cases), "{i18n::CASES.get(lang)}" }
            }
            super::inbox::InboxButton {}
            button { class: "secondary", "data-testid": "to-rating", onclick: move |_| state.go(Screen::Rating), "{i18n::RATING_SHORT.get(lang)}" }
            button { class: "secondary", disabled: running, "data-testid": "sync-now", onclick: move |_| state.sync_now(),
                if running { "{i18n::SYNCING.get(lang)}" } else { "↻ {i18n::SYNC_NOW.get(lang)}" }
            }
        }
    }
}

pub(crate) fn failure_text(lang: Lang, failure: &SyncFailure) -> String {
    match failure {
        SyncFailure::Offline => i18n::SYNC_OFFLINE.get(lang).to_owned(),
        SyncFailure::SignInAgain => i18n::SYNC_SIGN_IN_AGAIN.get(lang).to_owned(),
        SyncFailure::UpdateApp => i18n::SYNC_UPDATE_APP.get(lang).to_owned(),
        SyncFailure::Other(e) => format!("{}: {}", i18n::SYNC_FAILED.get(lang), e.get(lang)),
    }
}

fn sync_label(lang: Lang, sync: &SyncState) -> String {
    match sync {
        SyncState::Draft => i18n::STATE_DRAFT.get(lang).to_owned(),
        SyncState::Waiting { .. } => i18n::STATE_WAITING.get(lang).to_owned(),
        SyncState::Synced => i18n::STATE_SYNCED.get(lang).to_owned(),
        // The stored reason is the server's English, for support: the code is worded.
        SyncState::Refused { code, .. } => i18n::visit_refused(lang, *code, None),
        SyncState::Returned { comment } if comment.is_empty() => {
            i18n::STATE_RETURNED.get(lang).to_owned()
        }
        SyncState::Returned { comment } => format!("{}: {comment}", i18n::STATE_RETURNED.get(lang)),
        SyncState::Approved => i18n::STATE_APPROVED.get(lang).to_owned(),
        SyncState::Rejected { comment } if comment.is_empty() => {
            i18n::STATE_REJECTED.get(lang).to_owned()
        }
        SyncState::Rejected { comment } => format!("{}: {comment}", i18n::STATE_REJECTED.get(lang)),
    }
}

#[component]
fn VisitRow(visit: VisitSummary, sync: SyncState) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let office = super::case_title(&state, visit.case_id)
        .unwrap_or_else(|| state.office_name(&visit.office_id));
    let total = state.template().items().count();
    let (status, target) = match visit.status {
        VisitStatus::Draft => (
            format!("{} / {total} {}", visit.answered, i18n::ANSWERED.get(lang)),
            Screen::Checklist(visit.id),
        ),
        VisitStatus::Submitted => (sync_label(lang, &sync), Screen::Summary(visit.id)),
    };
    rsx! {
        li {
            button { class: "row", "data-visit": "{visit.id}", "data-sync": "{sync_tag(&sync)}", onclick: move |_| state.go(target),
                span { class: "title", "{office}" }
                span { class: "meta", "{local_time(visit.started_at)} · {status}" }
            }
        }
    }
}

/// A stable name of the state, for tests and styling.
fn sync_tag(sync: &SyncState) -> &'static str {
    match sync {
        SyncState::Draft => "draft",
        SyncState::Waiting { .. } => "waiting",
        SyncState::Synced => "synced",
        SyncState::Refused { .. } => "refused",
        SyncState::Returned { .. } => "returned",
        SyncState::Approved => "approved",
        SyncState::Rejected { .. } => "rejected",
    }
}

/// What the supervisor asked this auditor to visit, as last synced: it shows offline.
#[component]
fn AssignedVisits() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let list = state.assignments();
    if list.is_empty() {
        return rsx! {};
    }
    rsx! {
        h2 { "{i18n::ASSIGNMENTS.get(lang)}" }
        ul { class: "visits assignments", "data-testid": "assignments",
            for a in list {
                AssignedVisit { key: "{a.assignment.id}", item: a }
            }
        }
    }
}

#[component]
fn AssignedVisit(item: zakupka_client::LocalAssignment) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let a = item.assignment.clone();
    let template = state.template();
    let scenario = template
        .scenario(&a.scenario)
        .map_or(a.scenario.clone(), |s| s.label.get(lang).to_owned());
    // Sent from this phone counts as done before the server has said so.
    let shown = match item.visit {
        Some((_, VisitStatus::Submitted)) => AssignmentStatus::Done,
        _ => a.status,
    };
    let status = i18n::assignment_status(lang, shown);
    let tag = a.status.as_str();
    let (action, target) = match item.visit {
        None => (i18n::ASSIGNMENT_START, None),
        Some((id, VisitStatus::Draft)) => (i18n::ASSIGNMENT_CONTINUE, Some(Screen::Checklist(id))),
        Some((id, VisitStatus::Submitted)) => (i18n::ASSIGNMENT_SENT, Some(Screen::Summary(id))),
    };
    let due = a.due.format("%d.%m.%Y").to_string();
    rsx! {
        li {
            button { class: "row", "data-assignment": "{a.id}", "data-status": "{tag}",
                onclick: move |_| match target {
                    Some(screen) => state.go(screen),
                    None => state.start_assigned(&a),
                },
                span { class: "title", "{state.office_name(&item.assignment.office_id)}" }
                span { class: "meta", "{scenario} · {i18n::DUE_BY.get(lang)} {due} · {status}" }
                if !item.assignment.note.is_empty() {
                    span { class: "meta", "{item.assignment.note}" }
                }
                span { class: "action", "{action.get(lang)} →" }
            }
        }
    }
}
