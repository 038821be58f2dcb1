//! A visit in review, exceptions first. The first screen of a phone holds what a decision
//! needs: the score, the flags, the comment and the decision buttons. Below, the items that
//! need attention (`zakupka_core::review::attention`), then the checklist's sections with
//! the rest, folded, each with its count. Remark boxes open on tap (`item.rs`); at a
//! keyboard A approves and R returns (`keys.rs`).

use std::collections::{BTreeMap, BTreeSet};

use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_core::review::{Reasons, attention};
use zakupka_core::wire::{Decision, ReviewRequest, ReviewState, VisitDetail};
use zakupka_core::{Item, ItemOutcome, ItemScore, score_with};

use super::item::ReviewItem;
use super::{keys, state_label};
use crate::i18n;
use crate::state::{AppState, Screen};
use crate::ui::{local_time, percent, points};

#[component]
pub fn ReviewVisit(visit_id: Uuid) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut reload = use_signal(|| 0u32);
    let mut comment = use_signal(String::new);
    let remarks = use_signal(BTreeMap::<String, String>::new);
    let opened = use_signal(BTreeSet::<String>::new);
    let mut error = use_signal(|| None::<String>);
    // Rejecting is final (the visit leaves the rating for good): it is asked once more.
    let mut confirming_reject = use_signal(|| false);
    let api = state.account().map(|a| a.api());
    let detail = use_resource(move || {
        let api = api.clone();
        let _ = reload();
        async move {
            let api = api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?;
            let d = api
                .visit(visit_id)
                .await
                .map_err(|e| i18n::explain_sync(lang, &e))?;
            let log = api
                .visit_log(visit_id)
                .await
                .map_err(|e| i18n::explain_sync(lang, &e))?;
            // A correction is read against the revision it corrects.
            let changed = if d.visit.revision > 1 {
                let revisions = api
                    .visit_revisions(visit_id)
                    .await
                    .map_err(|e| i18n::explain_sync(lang, &e))?;
                let previous = revisions
                    .iter()
                    .rev()
                    .find(|v| v.revision < d.visit.revision);
                previous
                    .map(|p| zakupka_core::changes(p, &d.visit))
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            Ok::<_, String>((d, log, changed))
        }
    });
    let decide = move |decision: Decision| async move {
        let Some(api) = state.account().map(|a| a.api()) else {
            return;
        };
        // The decision is on the revision on screen: if the auditor has sent a correction
        // since, the server refuses (revision_changed) rather than decide it unseen.
        let Some(revision) = detail
            .peek()
            .as_ref()
            .and_then(|d| d.as_ref().ok())
            .filter(|d| d.0.state == ReviewState::Submitted)
            .map(|d| d.0.visit.revision)
        else {
            return;
        };
        let request = ReviewRequest {
            decision,
            revision,
            comment: comment(),
            item_comments: remarks(),
        };
        match api.review(visit_id, &request).await {
            Ok(_) => {
                error.set(None);
                reload += 1;
                // Said through the live region: the state line is redrawn, not changed in place.
                let now = match decision {
                    Decision::Approve => ReviewState::Approved,
                    Decision::Return => ReviewState::Returned,
                    Decision::Reject => ReviewState::Rejected,
                };
                state.announce(state_label(lang, now));
                // The buttons that had the focus are gone: it goes to the screen's heading
                // rather than dropping to the page.
                crate::page::focus_first("main h1");
            }
            Err(e) => error.set(Some(i18n::explain_sync(lang, &e))),
        }
    };
    keys::use_page_keys(decide);
    let title = match &*detail.read() {
        Some(Ok((d, _, _))) => state.office_name(&d.visit.office_id),
        _ => i18n::staff::VISIT_IN_REVIEW.get(lang).to_owned(),
    };
    let body = match &*detail.read() {
        None => rsx! { p { class: "muted", "…" } },
        Some(Err(e)) => rsx! { p { class: "failed", "{e}" } },
        Some(Ok((d, log, changed))) => {
            let visit = d.visit.clone();
            let Some(template) = state.template_for(&visit) else {
                return rsx! { p { class: "failed", "…" } };
            };
            // Upheld appeals score their items as decided; the answers stay as given.
            let result = score_with(
                &template,
                &visit.values(),
                &crate::ui::appeals::upheld(&d.appeals),
            );
            let needs = attention(&template, &visit.answers);
            let reasons: BTreeMap<&str, Reasons> = needs
                .iter()
                .map(|a| (a.item_id.as_str(), a.reasons))
                .collect();
            let open = d.state == ReviewState::Submitted;
            // Each item's row, by id; shown once, under attention or in its section.
            let row = |item: &Item, scored: &ItemScore| {
                let answer = visit.answers.get(&item.id);
                let was = changed.iter().find(|c| c.item_id == item.id).map(|c| {
                    let before = crate::ui::summary::answer_text(
                        lang,
                        &template,
                        &item.id,
                        c.before.as_ref(),
                    );
                    if c.comment_before != c.comment_after {
                        format!("{before} · «{}»", c.comment_before)
                    } else {
                        before
                    }
                });
                rsx! {
                    ReviewItem { key: "{item.id}",
                        item_id: item.id.clone(),
                        label: item.label.get(lang).to_owned(),
                        answer: crate::ui::summary::answer_text(lang, &template, &item.id, answer.and_then(|a| a.value.as_ref())),
                        comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
                        photos: answer.map(|a| a.photos.clone()).unwrap_or_default(),
                        points: match scored.outcome { ItemOutcome::Scored { .. } => format!("{} / {}", points(scored.earned), points(scored.possible)), _ => "—".into() },
                        was,
                        appeal: crate::ui::appeals::note(lang, &d.appeals, &item.id),
                        reasons: reasons.get(item.id.as_str()).copied(),
                        decidable: open,
                        remarks,
                        opened,
                    }
                }
            };
            let item_of = |id: &str| {
                template
                    .sections
                    .iter()
                    .zip(result.sections.iter())
                    .find_map(|(s, r)| s.items.iter().zip(r.items.iter()).find(|(i, _)| i.id == id))
            };
            let log = log.clone();
            rsx! {
                Top { detail: d.clone(), reload, percent: result.percent, changed: changed.len() }
                if open {
                    label { class: "field",
                        span { "{i18n::VISIT_COMMENT.get(lang)}" }
                        textarea { rows: "2", "data-testid": "review-comment", value: "{comment}",
                            onkeydown: |e: KeyboardEvent| e.stop_propagation(),
                            oninput: move |e| comment.set(e.value()) }
                    }
                    if let Some(e) = error() { p { class: "failed", role: "alert", "data-testid": "review-error", "{e}" } }
                    footer { class: "actions column decide",
                        button { class: "primary big", "data-testid": "approve", "aria-keyshortcuts": keys::APPROVE_KEY,
                            onclick: move |_| decide(Decision::Approve),
                            "{i18n::APPROVE.get(lang)}" kbd { "{keys::APPROVE_KEY}" } }
                        button { class: "secondary big", "data-testid": "return", "aria-keyshortcuts": keys::RETURN_KEY,
                            onclick: move |_| decide(Decision::Return),
                            "{i18n::RETURN.get(lang)}" kbd { "{keys::RETURN_KEY}" } }
                        button { class: "danger big", "data-testid": "reject", "aria-haspopup": "dialog",
                            onclick: move |_| confirming_reject.set(true), "{i18n::REJECT.get(lang)}" }
                    }
                    if confirming_reject() {
                        crate::ui::Dialog { id: "confirm-reject-dialog", title: i18n::staff::REJECT_TITLE.get(lang),
                            on_close: move |_| confirming_reject.set(false),
                            p { "{i18n::staff::REJECT_CONFIRM.get(lang)}" }
                            div { class: "actions column",
                                button { class: "danger big", "data-testid": "confirm-reject",
                                    onclick: move |_| async move { confirming_reject.set(false); decide(Decision::Reject).await; },
                                    "{i18n::REJECT.get(lang)}" }
                                button { class: "secondary big", onclick: move |_| confirming_reject.set(false), "{i18n::CANCEL.get(lang)}" }
                            }
                        }
                    }
                }
                details { class: "section-score attention", open: true, "data-testid": "attention",
                    summary { div { class: "head", span { class: "title", "{i18n::NEEDS_ATTENTION.get(lang)} ({needs.len()})" } } }
                    if needs.is_empty() {
                        p { class: "muted pad", "{i18n::NOTHING_NEEDS_ATTENTION.get(lang)}" }
                    }
                    ul { class: "breakdown",
                        for (item, scored) in needs.iter().filter_map(|a| item_of(&a.item_id)) {
                            {row(item, scored)}
                        }
                    }
                }
                for (section, s) in template.sections.iter().zip(result.sections.iter()) {
                    {
                        let rest: Vec<(&Item, &ItemScore)> = section.items.iter().zip(s.items.iter())
                            .filter(|(i, _)| !reasons.contains_key(i.id.as_str())).collect();
                        rsx! {
                            details { key: "{section.id}", class: "section-score", "data-section": "{section.id}",
                                summary { div { class: "head",
                                    span { class: "title", crate::ui::Marked { text: section.title.get(lang) } " ({rest.len()})" }
                                    span { class: "value", "{percent(lang, s.percent)}" }
                                } }
                                ul { class: "breakdown",
                                    for (item, scored) in rest { {row(item, scored)} }
                                }
                            }
                        }
                    }
                }
                crate::ui::PrintButton {}
                h2 { "{i18n::HISTORY.get(lang)}" }
                ol { class: "log", "data-testid": "log",
                    for e in log.iter() {
                        li { key: "{e.at}{e.to.as_str()}",
                            "{local_time(e.at)} · {e.by} · rev. {e.revision} · {state_label(lang, e.to)}"
                            if !e.comment.is_empty() { " · «{e.comment}»" }
                        }
                    }
                }
            }
        }
    };
    rsx! {
        // Focusable (a click anywhere in it focuses it); its key presses are the shortcuts.
        // With the focus on nothing, `keys::use_page_keys` hears them from the page.
        main { class: "screen review-visit", "data-testid": "review-visit", tabindex: "-1",
            onkeydown: move |e: KeyboardEvent| {
                if let Some(d) = keys::decision(&e) {
                    e.prevent_default();
                    spawn(decide(d));
                }
            },
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Review), "← {i18n::REVIEW.get(lang)}" }
            }
            h1 { tabindex: "-1", "data-testid": "review-title", "{title}" }
            {body}
        }
    }
}

/// The head of the visit: where and by whom, when, the score and the flags.
#[component]
fn Top(detail: VisitDetail, reload: Signal<u32>, percent: Option<f64>, changed: usize) -> Element {
    let visit = &detail.visit;
    let state = detail.state;
    let app = use_context::<AppState>();
    let lang = (app.lang)();
    rsx! {
        p { class: "muted", "data-testid": "review-state", "{visit.auditor} · rev. {visit.revision} · {state_label(lang, state)}" }
        p { class: "muted", "data-testid": "visit-times",
            "{i18n::STARTED.get(lang)}: {local_time(visit.started_at)}"
            if let Some(f) = visit.finished_at { " · {i18n::FINISHED.get(lang)}: {local_time(f)} ({(f - visit.started_at).num_minutes()} {i18n::MINUTES.get(lang)})" }
            if let Some(w) = visit.waiting_seconds { " · {i18n::WAITING_TIME.get(lang)}: {w.div_ceil(60)} {i18n::MINUTES.get(lang)}" }
        }
        div { class: "review-head",
            // The figure alone on screen; its name for the ear.
            span { class: "sr-only", "{i18n::SCORE.get(lang)}:" }
            div { class: "total", "data-testid": "review-score",
                span { class: "value", "{crate::ui::percent(lang, percent)}" }
            }
            // The visit's flags, beside the score: the device's clock, presence and the
            // own-branch inclusion.
            div { class: "flags", "data-testid": "review-flags",
                for f in detail.time_flags.iter() {
                    p { class: "warning", "data-testid": "time-flag", "⚠ {i18n::TIME_CHECK.get(lang)}: {i18n::time_flag(lang, *f)}" }
                }
                crate::ui::flags::PresenceBox { detail: detail.clone(), reload }
            }
        }
        if visit.revision > 1 {
            p { class: "changed-note", "data-testid": "changed-count", "{i18n::CHANGED.get(lang)}: {changed}" }
        }
    }
}
