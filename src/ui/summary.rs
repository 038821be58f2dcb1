use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_core::{AnswerValue, ItemKind, ItemOutcome, Lang, Template, VisitStatus, score};

use super::{SaveIndicator, local_time, percent, points};
use crate::i18n;
use crate::state::{AppState, Screen};

/// The score, section by section and item by item, the required items still open, and
/// submission. A submitted visit shows the same, read-only.
#[component]
pub fn Summary(visit_id: Uuid) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut confirming = use_signal(|| false);
    let mut confirming_delete = use_signal(|| false);
    let Some(visit) = state.visit(visit_id) else {
        return rsx! { p { class: "loading", "…" } };
    };
    let Some(template) = state.template_for(&visit) else {
        return rsx! { p { class: "failed", "…" } };
    };
    let values = visit.values();
    let result = score(&template, &values);
    let missing = template.missing_required(&values);
    let draft = visit.status == VisitStatus::Draft;
    let office = super::case_title(&state, visit.case_id)
        .unwrap_or_else(|| state.office_name(&visit.office_id));
    let raw = result.percent.map(|p| format!("{p}")).unwrap_or_default();

    rsx! {
        main { class: "screen summary", "data-testid": "summary",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::HOME.get(lang)}" }
                span { class: "office", "{office}" }
                SaveIndicator {}
            }
            h1 { "{i18n::SUMMARY.get(lang)}" }
            p { class: "print-only", "{office} · {visit.auditor} · {visit.id} · rev. {visit.revision}" }
            super::PrintButton {}
            p { class: "muted",
                "{i18n::STARTED.get(lang)}: {local_time(visit.started_at)}"
                if let Some(f) = visit.finished_at { " · {i18n::FINISHED.get(lang)}: {local_time(f)}" }
                if let Some(w) = visit.waiting_seconds { " · {i18n::WAITING_TIME.get(lang)}: {w.div_ceil(60)} {i18n::MINUTES.get(lang)}" }
            }
            div { class: "total", "data-testid": "total-score", "data-score": "{raw}",
                span { class: "label", "{i18n::SCORE.get(lang)}" }
                span { class: "value", "{percent(lang, result.percent)}" }
                span { class: "muted", "{points(result.earned)} / {points(result.possible)} {i18n::POINTS.get(lang)}" }
            }
            ReviewBox { visit_id, revision: visit.revision, submitted: !draft }
            if draft {
                if missing.is_empty() {
                    p { class: "ok", "data-testid": "missing-none", "✓ {i18n::ALL_ANSWERED.get(lang)}" }
                } else {
                    section { class: "missing", "data-testid": "missing",
                        h2 { "{i18n::MISSING.get(lang)}: {missing.len()}" }
                        ul {
                            for item_id in missing.iter() {
                                MissingItem { key: "{item_id}", visit_id, template: template.as_ref().clone(), item_id: item_id.clone() }
                            }
                        }
                    }
                }
            } else {
                p { class: "ok", "data-testid": "submitted-note", "{i18n::SUBMITTED_NOTE.get(lang)}" }
            }
            h2 { "{i18n::BREAKDOWN.get(lang)}" }
            for (section, s) in template.sections.iter().zip(result.sections.iter()) {
                details { key: "{section.id}", class: "section-score", "data-section": "{section.id}",
                    summary {
                        div { class: "head",
                            span { class: "title", super::Marked { text: section.title.get(lang) } }
                            span { class: "value", "{percent(lang, s.percent)}" }
                        }
                        // Outside the folded part: a zeroed section must explain itself at a glance.
                        if let Some(failed) = &s.critical_failure {
                            p { class: "critical-note", "data-testid": "critical-failure",
                                "⚠ {i18n::SECTION_ZEROED.get(lang)}: «{template.item(failed).map_or(failed.as_str(), |i| i.label.get(lang))}»"
                            }
                        }
                    }
                    ul { class: "breakdown",
                        for (item, i) in section.items.iter().zip(s.items.iter()) {
                            li { key: "{item.id}",
                                span { class: "title", super::Marked { text: item.label.get(lang) } }
                                span { class: "answer", "{answer_text(lang, &template, &item.id, values.get(&item.id))}" }
                                span { class: "pts",
                                    match i.outcome {
                                        ItemOutcome::Scored { .. } => format!("{} / {}", points(i.earned), points(i.possible)),
                                        _ => "—".to_owned(),
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if draft {
                label { class: "field",
                    span { "{i18n::VISIT_COMMENT.get(lang)}" }
                    textarea { rows: "3", value: "{visit.comment}", oninput: move |e| state.visit_comment(visit_id, &e.value()) }
                }
                footer { class: "actions column",
                    button { class: "primary big", disabled: !missing.is_empty(), "data-testid": "submit",
                        onclick: move |_| confirming.set(true), "{i18n::SUBMIT.get(lang)}"
                    }
                    button { class: "secondary big", "data-testid": "back-to-checklist",
                        onclick: move |_| state.go(Screen::Checklist(visit_id)), "← {i18n::BACK.get(lang)}"
                    }
                    button { class: "ghost danger-text", onclick: move |_| confirming_delete.set(true), "{i18n::DELETE_DRAFT.get(lang)}" }
                }
                if confirming() {
                    super::Dialog { id: "confirm-submit-dialog", title: i18n::SUBMIT.get(lang), on_close: move |_| confirming.set(false),
                        p { "{i18n::SUBMIT_CONFIRM.get(lang)}" }
                        div { class: "actions column",
                            button { class: "primary big", "data-testid": "confirm-submit",
                                // With where the device is now as the visit's finish (presence.rs).
                                onclick: move |_| async move { if state.submit_at_finish(visit_id).await { state.go(Screen::Home); } confirming.set(false); },
                                "{i18n::SUBMIT.get(lang)}"
                            }
                            button { class: "secondary big", onclick: move |_| confirming.set(false), "{i18n::CANCEL.get(lang)}" }
                        }
                    }
                }
                if confirming_delete() {
                    super::Dialog { id: "confirm-delete-dialog", title: i18n::DELETE_DRAFT.get(lang), on_close: move |_| confirming_delete.set(false),
                        p { "{i18n::DELETE_CONFIRM.get(lang)}" }
                        div { class: "actions column",
                            button { class: "danger big", onclick: move |_| state.delete_draft(visit_id), "{i18n::DELETE_DRAFT.get(lang)}" }
                            button { class: "secondary big", onclick: move |_| confirming_delete.set(false), "{i18n::CANCEL.get(lang)}" }
                        }
                    }
                }
            } else if !visit.comment.is_empty() {
                p { class: "visit-comment", "{visit.comment}" }
            }
        }
    }
}

#[component]
fn MissingItem(visit_id: Uuid, template: Template, item_id: String) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let section = template
        .sections
        .iter()
        .find(|s| s.items.iter().any(|i| i.id == item_id));
    let label = template
        .item(&item_id)
        .map_or(item_id.clone(), |i| i.label.get(lang).to_owned());
    let section_id = section.map(|s| s.id.clone()).unwrap_or_default();
    rsx! {
        li {
            button { class: "row",
                onclick: move |_| { state.set_position(visit_id, &section_id); state.go(Screen::Checklist(visit_id)); },
                "{label}"
            }
        }
    }
}

pub(super) fn answer_text(
    lang: Lang,
    template: &Template,
    item_id: &str,
    value: Option<&AnswerValue>,
) -> String {
    let Some(value) = value else {
        return i18n::NOT_ANSWERED.get(lang).to_owned();
    };
    match value {
        AnswerValue::Yes => i18n::YES.get(lang).to_owned(),
        AnswerValue::No => i18n::NO.get(lang).to_owned(),
        AnswerValue::Scale(n) => format!("{n} / 5"),
        AnswerValue::NotApplicable => i18n::NA.get(lang).to_owned(),
        AnswerValue::Number(n) => match template.item(item_id).map(|i| &i.kind) {
            Some(ItemKind::Number { unit, .. }) => format!("{} {}", points(*n), unit.get(lang)),
            _ => points(*n),
        },
        AnswerValue::Choice(c) => match template.item(item_id).map(|i| &i.kind) {
            Some(ItemKind::Choice { options }) => options
                .iter()
                .find(|o| &o.id == c)
                .map_or(c.clone(), |o| o.label.get(lang).to_owned()),
            _ => c.clone(),
        },
    }
}

/// What the supervisor said, and for a returned visit the way to correct it.
#[component]
fn ReviewBox(visit_id: Uuid, revision: u32, submitted: bool) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let Some(notes) = state.review_notes(visit_id) else {
        return rsx! {};
    };
    // Notes on the revision being corrected (the one before this draft), or on this one.
    let relevant = notes.revision == revision || (!submitted && notes.revision + 1 == revision);
    if !relevant || (notes.comment.is_empty() && notes.item_comments.is_empty()) {
        return rsx! {};
    }
    let returned = submitted
        && notes.state == zakupka_core::wire::ReviewState::Returned
        && notes.revision == revision;
    rsx! {
        section { class: "review-box", "data-testid": "review-notes",
            h2 {
                if notes.state == zakupka_core::wire::ReviewState::Returned { "{i18n::RETURNED_NOTE.get(lang)}" } else { "{i18n::REVIEWER.get(lang)}" }
            }
            if !notes.comment.is_empty() { p { class: "review-comment", "{notes.comment}" } }
            if !notes.item_comments.is_empty() {
                p { class: "muted", "{i18n::REVIEW_ON_ITEM.get(lang)}: {notes.item_comments.len()}" }
            }
            if returned {
                button { class: "primary big", "data-testid": "correct", onclick: move |_| state.correct(visit_id),
                    "{i18n::CORRECT.get(lang)}"
                }
            }
        }
    }
}
