//! «Апелляции»: a manager's appeals with their decisions and the form to appeal an item of
//! an approved visit of their branch; for supervisors and admins the board of the
//! appeals in their scope, pending first, to uphold (counted as passed, or left out) or
//! reject with a reason. Read from and sent to the server at once: an appeal needs the
//! network (the form says so), unlike the auditor's screens.

use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_core::wire::{
    Appeal, AppealDecision, AppealDecisionRequest, AppealRequest, AppealState, Role,
};
use zakupka_core::{AppealOutcome, Lang};

use crate::i18n::{self, appeals as t};
use crate::state::{AppState, Screen};
use crate::ui::{local_time, percent};

#[component]
pub fn AppealsScreen() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let account = state.account();
    let manager = account.as_ref().is_some_and(|a| a.role == Role::Manager);
    let reload = use_signal(|| 0u32);
    let api = account.map(|a| a.api());
    let list = use_resource(move || {
        let api = api.clone();
        let _ = reload();
        async move {
            let api = api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?;
            api.appeals(None)
                .await
                .map_err(|e| i18n::explain_sync(lang, &e))
        }
    });
    let body = match &*list.read() {
        None => rsx! { p { class: "muted", "{t::LOADING.get(lang)}" } },
        Some(Err(e)) => rsx! { p { class: "failed", "data-testid": "appeals-error", "{e}" } },
        Some(Ok(l)) if l.is_empty() => rsx! { p { class: "empty", "{t::NO_APPEALS.get(lang)}" } },
        Some(Ok(l)) => rsx! {
            ul { class: "appeal-list", "data-testid": "appeal-list",
                for a in l.iter() {
                    AppealCard { key: "{a.id}", appeal: a.clone(), decidable: !manager, reload }
                }
            }
        },
    };
    rsx! {
        main { class: "screen appeals", "data-testid": "appeals",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Rating), "← {i18n::RATING_SHORT.get(lang)}" }
                h1 { tabindex: "-1", if manager { "{t::MY_APPEALS.get(lang)}" } else { "{t::APPEALS.get(lang)}" } }
            }
            if manager { NewAppeal {} }
            {body}
        }
    }
}

/// The manager names the visit (until the manager's visit view links here) and goes on to
/// the form.
#[component]
fn NewAppeal() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut number = use_signal(String::new);
    let mut wrong = use_signal(|| false);
    rsx! {
        section { class: "new-appeal",
            h2 { "{t::NEW_APPEAL.get(lang)}" }
            label { class: "field",
                span { "{t::VISIT_NUMBER.get(lang)}" }
                input { "data-testid": "appeal-visit", value: "{number}", oninput: move |e| number.set(e.value()) }
            }
            if wrong() { p { class: "failed", role: "alert", "{t::BAD_VISIT_NUMBER.get(lang)}" } }
            button { class: "secondary", "data-testid": "appeal-open-form",
                onclick: move |_| match Uuid::parse_str(number().trim()) {
                    Ok(id) => state.go(Screen::AppealForm(id)),
                    Err(_) => wrong.set(true),
                },
                "{t::OPEN_FORM.get(lang)}"
            }
        }
    }
}

/// One appeal: the item, the reason, the decision or, on the board, the decision's form.
#[component]
fn AppealCard(appeal: Appeal, decidable: bool, reload: Signal<u32>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let a = appeal;
    let item = state
        .template()
        .item(&a.item_id)
        .map_or(a.item_id.clone(), |i| i.label.get(lang).to_owned());
    let office = state.office_name(&a.office_id);
    let scores = match (a.approved_score, a.score) {
        (Some(before), Some(after)) if a.state == AppealState::Upheld => {
            format!(
                "{} → {}",
                percent(lang, Some(before)),
                percent(lang, Some(after))
            )
        }
        (before, _) => percent(lang, before),
    };
    rsx! {
        li { class: "appeal card", "data-appeal": "{a.id}", "data-state": "{a.state.as_str()}",
            p { strong { "{item}" } }
            p { class: "muted", "{office} · {local_time(a.at)} · {a.by}" }
            p { "«{a.reason}»" }
            p { span { class: "badge", "data-testid": "appeal-state", "{t::state(lang, a.state)}" }
                if let Some(o) = a.outcome { " · {t::outcome(lang, o)}" }
            }
            p { class: "muted", "data-testid": "appeal-score", "{t::SCORE_BEFORE_AFTER.get(lang)}: {scores}" }
            if let Some(r) = &a.decision_reason {
                p { class: "muted", "data-testid": "appeal-decision-reason",
                    "{a.decided_by.clone().unwrap_or_default()}: «{r}»" }
            }
            if decidable && a.state == AppealState::Pending {
                Decide { id: a.id, reload }
            }
        }
    }
}

#[component]
fn Decide(id: Uuid, reload: Signal<u32>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut reason = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    // One op id per decision on screen: a repeated tap or a retry is the same decision.
    let op_id = use_hook(Uuid::now_v7);
    let decide = move |decision: AppealDecision, outcome: Option<AppealOutcome>| async move {
        if reason().trim().is_empty() {
            error.set(Some(t::REASON_REQUIRED.get(lang).to_owned()));
            return;
        }
        let Some(api) = state.account().map(|a| a.api()) else {
            return;
        };
        busy.set(true);
        let request = AppealDecisionRequest {
            op_id,
            decision,
            outcome,
            reason: reason(),
        };
        match api.decide_appeal(id, &request).await {
            Ok(_) => {
                error.set(None);
                reload += 1;
            }
            Err(e) => error.set(Some(i18n::explain_sync(lang, &e))),
        }
        busy.set(false);
    };
    rsx! {
        label { class: "field",
            span { "{t::DECISION_REASON.get(lang)}" }
            textarea { rows: "2", "data-testid": "appeal-decision", value: "{reason}",
                oninput: move |e| reason.set(e.value()) }
        }
        if let Some(e) = error() { p { class: "failed", role: "alert", "data-testid": "appeal-error", "{e}" } }
        footer { class: "actions column",
            button { class: "primary", disabled: busy(), "data-testid": "uphold-passed",
                onclick: move |_| decide(AppealDecision::Uphold, Some(AppealOutcome::Passed)),
                "{t::UPHOLD_PASSED.get(lang)}" }
            button { class: "secondary", disabled: busy(), "data-testid": "uphold-excluded",
                onclick: move |_| decide(AppealDecision::Uphold, Some(AppealOutcome::Excluded)),
                "{t::UPHOLD_EXCLUDED.get(lang)}" }
            button { class: "danger", disabled: busy(), "data-testid": "appeal-reject",
                onclick: move |_| decide(AppealDecision::Reject, None),
                "{t::REJECT.get(lang)}" }
        }
    }
}

/// The appeal form of the manager: an item of visit `visit_id` and the reason.
#[component]
pub fn AppealForm(visit_id: Uuid) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut item = use_signal(String::new);
    let mut reason = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let op_id = use_hook(Uuid::now_v7);
    let template = state.template();
    let send = move |_| async move {
        if item().is_empty() {
            error.set(Some(t::CHOOSE_ITEM.get(lang).to_owned()));
            return;
        }
        if reason().trim().is_empty() {
            error.set(Some(t::REASON_REQUIRED.get(lang).to_owned()));
            return;
        }
        let Some(api) = state.account().map(|a| a.api()) else {
            return;
        };
        busy.set(true);
        let request = AppealRequest {
            op_id,
            visit_id,
            item_id: item(),
            reason: reason(),
            photos: Vec::new(),
        };
        match api.file_appeal(&request).await {
            Ok(_) => state.go(Screen::Appeals),
            Err(e) => error.set(Some(i18n::explain_sync(lang, &e))),
        }
        busy.set(false);
    };
    rsx! {
        main { class: "screen appeal-form", "data-testid": "appeal-form",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Appeals), "← {t::APPEALS.get(lang)}" }
                h1 { tabindex: "-1", "{t::NEW_APPEAL.get(lang)}" }
            }
            p { class: "muted", "{t::VISIT_NUMBER.get(lang)}: {visit_id}" }
            label { class: "field",
                span { "{t::ITEM.get(lang)}" }
                select { "data-testid": "appeal-item", value: "{item}", onchange: move |e| item.set(e.value()),
                    option { value: "", "{t::CHOOSE_ITEM.get(lang)}" }
                    for i in template.items() {
                        option { key: "{i.id}", value: "{i.id}", "{i.label.get(lang)}" }
                    }
                }
            }
            label { class: "field",
                span { "{t::REASON.get(lang)}" }
                textarea { rows: "4", maxlength: "{zakupka_core::wire::MAX_APPEAL_REASON_CHARS}",
                    "data-testid": "appeal-reason", value: "{reason}", oninput: move |e| reason.set(e.value()) }
            }
            p { class: "muted", "{t::ONLINE_ONLY.get(lang)}" }
            if let Some(e) = error() { p { class: "failed", role: "alert", "data-testid": "appeal-error", "{e}" } }
            footer { class: "actions",
                button { class: "primary big", disabled: busy(), "data-testid": "appeal-send", onclick: send,
                    "{t::SEND.get(lang)}" }
            }
        }
    }
}

/// The upheld appeals of a visit, by item, for its score and explanation.
pub fn upheld(appeals: &[Appeal]) -> std::collections::BTreeMap<String, AppealOutcome> {
    appeals
        .iter()
        .filter(|a| a.state == AppealState::Upheld)
        .filter_map(|a| Some((a.item_id.clone(), a.outcome?)))
        .collect()
}

/// "changed by appeal: counted as passed — «reason»" for an item's row.
pub fn note(lang: Lang, appeals: &[Appeal], item: &str) -> Option<String> {
    let a = appeals
        .iter()
        .find(|a| a.item_id == item && a.state == AppealState::Upheld)?;
    Some(format!(
        "{}: {} — «{}»",
        t::BY_APPEAL.get(lang),
        a.outcome.map_or("", |o| t::outcome(lang, o)),
        a.decision_reason.clone().unwrap_or_default()
    ))
}
