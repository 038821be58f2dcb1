//! Corrective actions: the manager's «Недочёты» on home (by office, due, overdue first to
//! the eye), the supervisor's board «На проверку», and an action with its finding, plan,
//! evidence and history. Everything reads from the device, so it shows offline; each step
//! is stored first and sent by the sync loop.

use std::collections::BTreeMap;

use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_client::LocalAction;
use zakupka_core::wire::{Action, ActionState, Role};
use zakupka_core::{AnswerValue, ItemKind, Lang};

use super::{LangSwitch, SaveIndicator, local_time};
use crate::i18n::{self, actions as words};
use crate::photos::PhotoSource;
use crate::state::{AppState, Screen};

/// Home's entry: a manager's actions by office; a supervisor's button to the board.
#[component]
pub fn HomeEntry() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let Some(account) = state.account() else {
        return rsx! {};
    };
    match account.role {
        Role::Manager => rsx! {
            button { class: "secondary", "data-testid": "to-branch-visits", onclick: move |_| state.go(Screen::BranchVisits),
                "{i18n::appeals::BRANCH_VISITS.get(lang)}"
            }
            ActionsByOffice { list: state.actions() }
        },
        Role::Supervisor | Role::Admin => {
            let n = state.actions_to_verify().len();
            rsx! {
                button { class: "secondary", "data-testid": "to-actions-board", onclick: move |_| state.go(Screen::ActionsBoard),
                    "{words::TO_VERIFY.get(lang)} ({n})"
                }
            }
        }
        Role::Auditor => rsx! {},
    }
}

#[component]
fn ActionsByOffice(list: Vec<LocalAction>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut offices: BTreeMap<String, Vec<LocalAction>> = BTreeMap::new();
    for a in list {
        offices
            .entry(a.action.office_id.clone())
            .or_default()
            .push(a);
    }
    rsx! {
        section { class: "actions-list", "data-testid": "actions",
            h2 { "{words::ACTIONS.get(lang)}" }
            if offices.is_empty() {
                p { class: "empty", "{words::ACTIONS_NONE.get(lang)}" }
            }
            for (office, list) in offices {
                h3 { key: "{office}", class: "office-name", "{state.office_name(&office)}" }
                ul { class: "visits", "data-office": "{office}",
                    for a in list { ActionRow { key: "{a.action.id}", item: a } }
                }
            }
        }
    }
}

/// The supervisor's board: fixed actions waiting for verification.
#[component]
pub fn ActionsBoard() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let list = state.actions_to_verify();
    rsx! {
        main { class: "screen actions-board", "data-testid": "actions-board",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::BACK.get(lang)}" }
                h1 { tabindex: "-1", "{words::TO_VERIFY.get(lang)}" }
                SaveIndicator {}
                LangSwitch {}
            }
            if list.is_empty() {
                p { class: "empty", "{words::TO_VERIFY_NONE.get(lang)}" }
            }
            ul { class: "visits",
                for a in list { ActionRow { key: "{a.action.id}", item: a } }
            }
        }
    }
}

/// The item's question in the interface language; its id if the checklist lacks it.
fn question(state: &AppState, lang: Lang, item_id: &str) -> String {
    state
        .template()
        .item(item_id)
        .map_or(item_id.to_owned(), |i| i.label.get(lang).to_owned())
}

#[component]
fn ActionRow(item: LocalAction) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let a = item.action.clone();
    let id = a.id;
    let mut meta = vec![
        format!("{} {}", words::DUE.get(lang), a.due.format("%d.%m.%Y")),
        words::state(lang, a.state).to_owned(),
    ];
    if a.overdue {
        meta.push(words::OVERDUE.get(lang).to_owned());
    }
    if item.waiting > 0 {
        meta.push(words::WAITING.get(lang).to_owned());
    }
    let status = if a.overdue {
        "overdue"
    } else {
        a.state.as_str()
    };
    rsx! {
        li {
            button { class: "row", "data-action": "{id}", "data-state": "{a.state.as_str()}", "data-status": "{status}",
                "data-waiting": "{item.waiting > 0}",
                onclick: move |_| state.go(Screen::Action(id)),
                span { class: "title", super::Marked { text: question(&state, lang, &a.item_id) } }
                if a.critical { span { class: "badge critical", "{i18n::CRITICAL.get(lang)}" } }
                span { class: "meta", "{meta.join(\" · \")}" }
            }
        }
    }
}

/// An answer as the auditor gave it, in words.
fn answer_text(state: &AppState, lang: Lang, item_id: &str, value: &AnswerValue) -> String {
    let template = state.template();
    let item = template.item(item_id);
    match value {
        AnswerValue::Yes => i18n::YES.get(lang).to_owned(),
        AnswerValue::No => i18n::NO.get(lang).to_owned(),
        AnswerValue::Scale(n) => format!("{n} / 5"),
        AnswerValue::Number(x) => match item.map(|i| &i.kind) {
            Some(ItemKind::Number { unit, .. }) => format!("{x} {}", unit.get(lang)),
            _ => x.to_string(),
        },
        AnswerValue::Choice(id) => match item.map(|i| &i.kind) {
            Some(ItemKind::Choice { options }) => options
                .iter()
                .find(|o| o.id == *id)
                .map_or(id.clone(), |o| o.label.get(lang).to_owned()),
            _ => id.clone(),
        },
        AnswerValue::NotApplicable => i18n::NA.get(lang).to_owned(),
    }
}

#[component]
pub fn ActionScreen(action_id: Uuid) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let Some(item) = state.action(action_id) else {
        return rsx! {
            main { class: "screen", "data-testid": "action",
                header { class: "bar",
                    button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::BACK.get(lang)}" }
                }
                h1 { tabindex: "-1", "{words::ACTIONS.get(lang)}" }
                p { class: "empty", "{words::ACTIONS_NONE.get(lang)}" }
            }
        };
    };
    let a = item.action.clone();
    let role = state.account().map(|acc| acc.role);
    let back = if role == Some(Role::Manager) {
        Screen::Home
    } else {
        Screen::ActionsBoard
    };
    let mut meta = vec![
        format!("{} {}", words::DUE.get(lang), a.due.format("%d.%m.%Y")),
        words::state(lang, a.state).to_owned(),
    ];
    if item.waiting > 0 {
        meta.push(words::WAITING.get(lang).to_owned());
    }
    let overdue = a.overdue;
    rsx! {
        main { class: "screen action", "data-testid": "action", "data-state": "{a.state.as_str()}",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(back), "← {i18n::BACK.get(lang)}" }
                span { class: "office", "{state.office_name(&a.office_id)}" }
                SaveIndicator {}
            }
            h1 { class: "question", tabindex: "-1", super::Marked { text: question(&state, lang, &a.item_id) } }
            if a.critical { span { class: "badge critical", "{i18n::CRITICAL.get(lang)}" } }
            p { class: if overdue { "meta overdue" } else { "meta" }, "data-testid": "action-state",
                "{meta.join(\" · \")}"
                if overdue { strong { " · {words::OVERDUE.get(lang)}" } }
            }
            if item.refused.is_some() {
                p { class: "failed", "data-testid": "step-refused", "{words::STEP_REFUSED.get(lang)}" }
            }
            Finding { action: a.clone() }
            if role == Some(Role::Manager) && a.state.is_open() {
                ManagerForms { action: a.clone(), draft_photos: item.draft_photos.clone() }
            }
            if matches!(role, Some(Role::Supervisor | Role::Admin)) && a.state == ActionState::Done {
                VerifyForms { action: a.clone() }
            }
            History { action: a.clone() }
        }
    }
}

#[component]
fn Finding(action: Action) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let f = &action.finding;
    rsx! {
        section { class: "item finding", "data-testid": "finding",
            h2 { "{words::FINDING.get(lang)}" }
            p { "{words::ANSWER.get(lang)}: " strong { "{answer_text(&state, lang, &action.item_id, &f.answer)}" } }
            if !f.comment.is_empty() {
                p { class: "remark", "data-testid": "finding-comment", "{words::AUDITOR_COMMENT.get(lang)}: {f.comment}" }
            }
            div { class: "photos",
                for p in f.photos.iter() {
                    ActionPhotoView { key: "{p.sha256}", action_id: action.id, sha256: p.sha256.clone() }
                }
            }
        }
    }
}

/// The plan and «Устранено» with evidence, for the branch's manager.
#[component]
fn ManagerForms(action: Action, draft_photos: Vec<String>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let id = action.id;
    let mut plan = use_signal(|| action.plan.clone());
    let mut evidence = use_signal(String::new);
    let input_id = format!("action-photo-{id}");
    rsx! {
        section { class: "item", "data-testid": "plan-form",
            h2 { "{words::PLAN.get(lang)}" }
            textarea { class: "comment", rows: "3", "data-testid": "plan-text", "aria-label": "{words::PLAN.get(lang)}",
                placeholder: "{words::PLAN_PLACEHOLDER.get(lang)}", value: "{plan}",
                oninput: move |e: FormEvent| plan.set(e.value())
            }
            button { class: "secondary big", "data-testid": "save-plan", onclick: move |_| { state.plan_action(id, &plan.peek()); },
                "{words::SAVE_PLAN.get(lang)}"
            }
        }
        section { class: "item", "data-testid": "done-form",
            h2 { "{words::EVIDENCE.get(lang)}" }
            textarea { class: "comment", rows: "3", "data-testid": "evidence-text", "aria-label": "{words::EVIDENCE.get(lang)}",
                placeholder: "{words::EVIDENCE_PLACEHOLDER.get(lang)}", value: "{evidence}",
                oninput: move |e: FormEvent| evidence.set(e.value())
            }
            div { class: "photos",
                for sha in draft_photos.iter() {
                    figure { key: "{sha}", "data-sha256": "{sha}",
                        ActionPhotoView { action_id: id, sha256: sha.clone() }
                        button { class: "ghost", onclick: { let sha = sha.clone(); move |_| state.remove_action_photo(id, &sha) },
                            "{i18n::REMOVE.get(lang)}"
                        }
                    }
                }
                label { class: "secondary photo-add",
                    "+ {i18n::ADD_PHOTO.get(lang)}"
                    input { r#type: "file", accept: "image/jpeg,image/png,image/webp", "capture": "environment", class: "hidden-input",
                        id: "{input_id}", "data-testid": "evidence-photo",
                        onchange: { let input_id = input_id.clone(); move |e: FormEvent| add_photos(state, id, input_id.clone(), e) }
                    }
                }
            }
            button { class: "primary big", "data-testid": "mark-fixed",
                onclick: move |_| {
                    if state.close_action(id, &evidence.peek()) {
                        evidence.set(String::new());
                        // This form goes with the step: the focus to the screen's heading.
                        crate::page::focus_first("main h1");
                    }
                },
                "✓ {words::FIXED.get(lang)}"
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
async fn add_photos(state: AppState, id: Uuid, input_id: String, _e: FormEvent) {
    crate::actions::add_chosen(state, id, input_id).await;
}

#[cfg(not(target_arch = "wasm32"))]
async fn add_photos(state: AppState, id: Uuid, _input_id: String, e: FormEvent) {
    for (name, bytes) in crate::photos::chosen_originals(state, &e).await {
        state.add_action_photo(id, &name, &bytes);
    }
}

/// Verify or reopen, for a supervisor; verify is hidden from the one who closed it.
#[component]
fn VerifyForms(action: Action) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let id = action.id;
    let mine = state.closed_by_me(&action);
    let mut reason = use_signal(String::new);
    rsx! {
        section { class: "item", "data-testid": "verify-form",
            if mine {
                p { class: "muted", "data-testid": "closed-by-you", "{words::CLOSED_BY_YOU.get(lang)}" }
            } else {
                button { class: "primary big", "data-testid": "verify", onclick: move |_| { if state.verify_action(id) { crate::page::focus_first("main h1"); } },
                    "✓ {words::VERIFY.get(lang)}"
                }
            }
            textarea { class: "comment", rows: "2", "data-testid": "reopen-reason", "aria-label": "{words::REOPEN_REASON.get(lang)}",
                placeholder: "{words::REOPEN_REASON.get(lang)}", value: "{reason}",
                oninput: move |e: FormEvent| reason.set(e.value())
            }
            button { class: "secondary big", "data-testid": "reopen", onclick: move |_| { if state.reopen_action(id, &reason.peek()) { crate::page::focus_first("main h1"); } },
                "{words::REOPEN.get(lang)}"
            }
        }
    }
}

/// The action's steps in order, from what the server keeps of each.
#[component]
fn History(action: Action) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut lines: Vec<(String, String, &'static str)> = vec![(
        local_time(action.created_at),
        words::H_CREATED.get(lang).to_owned(),
        "created",
    )];
    if !action.plan.is_empty() {
        lines.push((
            String::new(),
            format!("{}: {}", words::H_PLANNED.get(lang), action.plan),
            "planned",
        ));
    }
    if let Some(reason) = &action.reopen_reason {
        lines.push((
            format!("{} {}", action.reopened, words::H_REOPENED_TIMES.get(lang)),
            format!("{}: {reason}", words::H_REOPENED.get(lang)),
            "reopened",
        ));
    }
    if let Some(at) = action.closed_at {
        let text = if action.evidence.is_empty() {
            words::H_DONE.get(lang).to_owned()
        } else {
            format!("{}: {}", words::H_DONE.get(lang), action.evidence)
        };
        lines.push((local_time(at), text, "done"));
    }
    if let Some(at) = action.verified_at {
        lines.push((
            local_time(at),
            words::H_VERIFIED.get(lang).to_owned(),
            "verified",
        ));
    }
    if let Some(outcome) = action.recheck {
        lines.push((
            String::new(),
            words::recheck(lang, outcome).to_owned(),
            "recheck",
        ));
    }
    rsx! {
        section { class: "item history", "data-testid": "history",
            h2 { "{words::HISTORY.get(lang)}" }
            ul {
                for (n, (when, text, step)) in lines.into_iter().enumerate() {
                    li { key: "{n}", "data-step": "{step}",
                        if !when.is_empty() { span { class: "muted", "{when} · " } }
                        "{text}"
                    }
                }
            }
            if !action.evidence_photos.is_empty() {
                div { class: "photos", "data-testid": "evidence-photos",
                    for p in action.evidence_photos.iter() {
                        ActionPhotoView { key: "{p.sha256}", action_id: action.id, sha256: p.sha256.clone() }
                    }
                }
            }
        }
    }
}

/// A photo of the action: from the device while it keeps it (evidence taken here), else
/// from the server; a placeholder offline.
#[component]
fn ActionPhotoView(action_id: Uuid, sha256: String) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let source = use_resource(move || {
        let sha256 = sha256.clone();
        state.data_version();
        async move {
            if state.photo_kept(&sha256).is_some() {
                return crate::photos::source(state, sha256).await;
            }
            let Some(account) = state.account() else {
                return PhotoSource::OnServer;
            };
            match account.api().action_photo(action_id, &sha256).await {
                Ok(bytes) => zakupka_core::photo_type(&bytes)
                    .map_or(PhotoSource::Missing, |mime| {
                        PhotoSource::Url(crate::photos::data_url(mime, &bytes))
                    }),
                Err(_) => PhotoSource::OnServer,
            }
        }
    });
    match source() {
        Some(PhotoSource::Url(src)) => rsx! { img { alt: "{i18n::PHOTO.get(lang)}", src } },
        Some(PhotoSource::OnServer) => rsx! {
            p { class: "photo-placeholder", "{words::PHOTO_OFFLINE.get(lang)}" }
        },
        Some(PhotoSource::Missing) => {
            rsx! { p { class: "photo-placeholder", "{i18n::PHOTO_MISSING.get(lang)}" } }
        }
        None => rsx! { p { class: "photo-placeholder", "…" } },
    }
}
