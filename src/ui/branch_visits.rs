//! «Проверки филиала»: the manager's list of the approved visits to their branch's offices
//! and one visit item by item, as the server gives them to a manager (without who made
//! them). Each finding has «Обжаловать»: the appeal of that item, with the reason and
//! evidence photos, filed from where the manager reads it. Read from the server, so online.

use std::collections::BTreeMap;

use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_core::wire::{Appeal, ManagerAnswer, ManagerVisit, ManagerVisitDetail};
use zakupka_core::{Item, Lang};

use crate::i18n::{self, appeals as t};
use crate::state::{AppState, Screen};
use crate::ui::{percent, summary::answer_text};

mod appeal;

use appeal::AppealItemForm;

#[component]
pub fn BranchVisits() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let list = use_resource(move || async move {
        let api = state
            .account()
            .map(|a| a.api())
            .ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?;
        api.branch_visits()
            .await
            .map_err(|e| i18n::explain_sync(lang, &e))
    });
    let body = match &*list.read() {
        None => rsx! { p { class: "muted", "{t::LOADING.get(lang)}" } },
        Some(Err(e)) => {
            rsx! { p { class: "failed", role: "alert", "data-testid": "branch-visits-error", "{e}" } }
        }
        Some(Ok(l)) if l.is_empty() => {
            rsx! { p { class: "empty", "{t::NO_BRANCH_VISITS.get(lang)}" } }
        }
        Some(Ok(l)) => rsx! {
            ul { class: "visits", "data-testid": "branch-visits",
                for v in l.iter() { VisitRow { key: "{v.visit_id}", visit: v.clone() } }
            }
        },
    };
    rsx! {
        main { class: "screen branch-visits", "data-testid": "branch-visits-screen",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::BACK.get(lang)}" }
                h1 { "{t::BRANCH_VISITS.get(lang)}" }
            }
            {body}
        }
    }
}

/// "dd.mm.yyyy · office · findings: n".
fn headline(state: &AppState, lang: Lang, v: &ManagerVisit) -> String {
    let mut line = format!(
        "{} · {}",
        v.date.format("%d.%m.%Y"),
        state.office_name(&v.office_id)
    );
    if v.actions > 0 {
        line += &format!(" · {}: {}", t::FINDINGS.get(lang), v.actions);
    }
    line
}

#[component]
fn VisitRow(visit: ManagerVisit) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let id = visit.visit_id;
    rsx! {
        li {
            button { class: "row", "data-branch-visit": "{id}", onclick: move |_| state.go(Screen::BranchVisit(id)),
                span { class: "title", "{headline(&state, lang, &visit)}" }
                span { class: "meta", "{t::SCORE.get(lang)}: {percent(lang, visit.percent)}" }
            }
        }
    }
}

/// The visit and the manager's appeals of it, fetched together.
async fn fetch(
    state: AppState,
    lang: Lang,
    id: Uuid,
) -> Result<(ManagerVisitDetail, Vec<Appeal>), String> {
    let api = state
        .account()
        .map(|a| a.api())
        .ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?;
    let explain = |e| i18n::explain_sync(lang, &e);
    let visit = api.branch_visit(id).await.map_err(explain)?;
    let appeals = api.appeals(None).await.map_err(explain)?;
    let appeals = appeals.into_iter().filter(|a| a.visit_id == id).collect();
    Ok((visit, appeals))
}

#[component]
pub fn BranchVisit(visit_id: Uuid) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    // Bumped after an appeal is filed, so the item shows it.
    let reload = use_signal(|| 0u32);
    let found = use_resource(move || {
        let _ = reload();
        fetch(state, lang, visit_id)
    });
    let body = match &*found.read() {
        None => rsx! { p { class: "muted", "{t::LOADING.get(lang)}" } },
        Some(Err(e)) => {
            rsx! { p { class: "failed", role: "alert", "data-testid": "branch-visit-error", "{e}" } }
        }
        Some(Ok((visit, appeals))) => rsx! {
            VisitBody { detail: visit.clone(), appeals: appeals.clone(), reload }
        },
    };
    rsx! {
        main { class: "screen branch-visit", "data-testid": "branch-visit",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::BranchVisits), "← {t::BRANCH_VISITS.get(lang)}" }
                h1 { "{t::VISIT.get(lang)}" }
            }
            {body}
        }
    }
}

#[component]
fn VisitBody(detail: ManagerVisitDetail, appeals: Vec<Appeal>, reload: Signal<u32>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let template = state.template();
    let v = &detail.visit;
    let appealed: BTreeMap<String, Appeal> = appeals
        .into_iter()
        .map(|a| (a.item_id.clone(), a))
        .collect();
    rsx! {
        p { class: "muted", "data-testid": "branch-visit-head", "{headline(&state, lang, v)}" }
        p { "{t::SCORE.get(lang)}: " strong { "{percent(lang, v.percent)}" } }
        if !detail.comment.is_empty() {
            p { class: "remark", "{t::VISIT_COMMENT.get(lang)}: " super::Marked { text: detail.comment.clone() } }
        }
        for section in template.sections.iter() {
            section { key: "{section.id}", class: "section",
                h2 { super::Marked { text: section.title.get(lang).to_owned() } }
                ul { class: "visits",
                    for (item, answer) in section.items.iter().filter_map(|i| Some((i, detail.answers.get(&i.id)?))) {
                        BranchItem { key: "{item.id}", visit_id: v.visit_id, item: item.clone(),
                            answer: answer.clone(), action: detail.action_ids.get(&item.id).copied(),
                            appeal: appealed.get(&item.id).cloned(), reload }
                    }
                }
            }
        }
    }
}

/// One answered item: the answer, the auditor's comment and photos; a finding has its
/// action and «Обжаловать» (or the appeal made of it).
#[component]
fn BranchItem(
    visit_id: Uuid,
    item: Item,
    answer: ManagerAnswer,
    /// The action the finding made, if it made one.
    action: Option<Uuid>,
    appeal: Option<Appeal>,
    reload: Signal<u32>,
) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut open = use_signal(|| false);
    let template = state.template();
    let failed = action.is_some()
        || answer
            .value
            .as_ref()
            .is_some_and(|value| zakupka_core::actions::item_failed(&item, value));
    let said = answer_text(lang, &template, &item.id, answer.value.as_ref());
    let kept = action.is_some_and(|id| state.action(id).is_some());
    rsx! {
        li { class: "item", "data-item": "{item.id}", "data-failed": "{failed}",
            div { role: "group", "aria-labelledby": "label-{item.id}",
                p { class: "title", id: "label-{item.id}", super::Marked { text: item.label.get(lang).to_owned() } }
                p { "{i18n::actions::ANSWER.get(lang)}: " strong { "{said}" }
                    if failed { " " span { class: "badge critical", "{t::FINDING.get(lang)}" } }
                }
                if !answer.comment.is_empty() {
                    p { class: "remark", "{i18n::actions::AUDITOR_COMMENT.get(lang)}: " super::Marked { text: answer.comment.clone() } }
                }
                if !answer.photos.is_empty() {
                    div { class: "photos",
                        for p in answer.photos.iter() {
                            super::RemotePhoto { key: "{p.sha256}", at: super::PhotoAt::BranchVisit(visit_id, p.sha256.clone()) }
                        }
                    }
                }
                if let (Some(id), true) = (action, kept) {
                    button { class: "secondary", "data-testid": "to-action", onclick: move |_| state.go(Screen::Action(id)),
                        "{t::TO_ACTION.get(lang)}"
                    }
                }
                if let Some(a) = appeal {
                    p { "data-testid": "item-appeal", role: "status",
                        "{t::APPEALED.get(lang)}: "
                        span { class: "badge", "data-testid": "appeal-state", "{t::state(lang, a.state)}" }
                        if let Some(o) = a.outcome { " · {t::outcome(lang, o)}" }
                    }
                } else if failed && open() {
                    AppealItemForm { visit_id, item_id: item.id.clone(), reload, open }
                } else if failed {
                    button { class: "secondary", "data-testid": "appeal-item", "aria-expanded": "false",
                        onclick: move |_| open.set(true),
                        "{t::APPEAL_ITEM.get(lang)}"
                    }
                }
            }
        }
    }
}
