//! Supervisors: the queue of submitted visits and a visit in full, with the decision.
//! Read from the server: it needs the network.

use std::collections::BTreeMap;

use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_client::api::VisitQuery;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{Decision, ReviewRequest, ReviewState, ServerVisit};
use zakupka_core::{ItemOutcome, score};

use super::{local_time, percent, points};
use crate::i18n;
use crate::state::{AppState, Screen};

fn state_label(lang: zakupka_core::Lang, s: ReviewState) -> &'static str {
    match s {
        ReviewState::Submitted => i18n::Q_SUBMITTED.get(lang),
        ReviewState::Returned => i18n::STATE_RETURNED.get(lang),
        ReviewState::Approved => i18n::STATE_APPROVED.get(lang),
        ReviewState::Rejected => i18n::STATE_REJECTED.get(lang),
    }
}

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
    let api = state.account().map(|a| a.api());
    let auditors = super::use_auditors();
    // The server filters; the text box narrows what came back, as the supervisor types.
    let visits = use_resource(move || {
        let api = api.clone();
        let query = VisitQuery {
            quarter: quarter(),
            branch: branch(),
            office: None,
            auditor: auditor(),
            state: filter(),
            flag: flag(),
        };
        async move {
            api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?
                .visits_where(&query)
                .await
                .map_err(|e| i18n::explain_sync(lang, &e))
        }
    });
    let office = |id: &str| state.office_name(id);
    let list: Vec<ServerVisit> = match &*visits.read() {
        Some(Ok(v)) => v
            .iter()
            .filter(|v| {
                let q = query().to_lowercase();
                q.is_empty()
                    || format!("{} {}", office(&v.office_id), v.auditor)
                        .to_lowercase()
                        .contains(&q)
            })
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let error = match &*visits.read() {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
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
                h1 { "{i18n::REVIEW.get(lang)}" }
            }
            div { class: "chips",
                for (f, label) in [(Some(ReviewState::Submitted), i18n::Q_SUBMITTED), (Some(ReviewState::Returned), i18n::STATE_RETURNED),
                                   (Some(ReviewState::Approved), i18n::STATE_APPROVED), (Some(ReviewState::Rejected), i18n::STATE_REJECTED), (None, i18n::ALL)] {
                    button { key: "{label.ru}", class: if filter() == f { "chip selected" } else { "chip" },
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
                super::flags::FlagFilter { flag }
                input { r#type: "search", placeholder: "{i18n::REVIEW_SEARCH.get(lang)}", value: "{query}", "data-testid": "filter-text",
                    oninput: move |e| query.set(e.value()) }
            }
            if let Some(e) = error { p { class: "failed", role: "alert", "data-testid": "queue-error", "{e}" } }
            super::auditors::AuditorFlagsSection { quarter: quarter() }
            p { class: "muted", "data-testid": "queue-count", "{list.len()}" }
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
                            super::flags::FlagChips { flags: v.presence_flags.clone() }
                        }
                    }
                }
            }
        }
    }
}

#[component]
pub fn ReviewVisit(visit_id: Uuid) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut reload = use_signal(|| 0u32);
    let mut comment = use_signal(String::new);
    let mut remarks = use_signal(BTreeMap::<String, String>::new);
    let mut error = use_signal(|| None::<String>);
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
            }
            Err(e) => error.set(Some(i18n::explain_sync(lang, &e))),
        }
    };
    let body = match &*detail.read() {
        None => rsx! { p { class: "muted", "…" } },
        Some(Err(e)) => rsx! { p { class: "failed", "{e}" } },
        Some(Ok((d, log, changed))) => {
            let changed = changed.clone();
            let visit = d.visit.clone();
            let Some(template) = state.template_for(&visit) else {
                return rsx! { p { class: "failed", "…" } };
            };
            let result = score(&template, &visit.values());
            let office = state.office_name(&visit.office_id);
            let open = d.state == ReviewState::Submitted;
            let log = log.clone();
            rsx! {
                h2 { "{office}" }
                super::PrintButton {}
                p { class: "muted", "{visit.auditor} · rev. {visit.revision} · {state_label(lang, d.state)}" }
                p { class: "muted", "data-testid": "visit-times",
                    "{i18n::STARTED.get(lang)}: {local_time(visit.started_at)}"
                    if let Some(f) = visit.finished_at { " · {i18n::FINISHED.get(lang)}: {local_time(f)} ({(f - visit.started_at).num_minutes()} {i18n::MINUTES.get(lang)})" }
                    if let Some(w) = visit.waiting_seconds { " · {i18n::WAITING_TIME.get(lang)}: {w.div_ceil(60)} {i18n::MINUTES.get(lang)}" }
                }
                for f in d.time_flags.iter() {
                    p { class: "warning", "data-testid": "time-flag", "⚠ {i18n::TIME_CHECK.get(lang)}: {i18n::time_flag(lang, *f)}" }
                }
                super::flags::PresenceBox { detail: d.clone(), reload }
                if visit.revision > 1 {
                    p { class: "changed-note", "data-testid": "changed-count", "{i18n::CHANGED.get(lang)}: {changed.len()}" }
                }
                div { class: "total", "data-testid": "review-score",
                    span { class: "value", "{percent(lang, result.percent)}" }
                }
                for (section, s) in template.sections.iter().zip(result.sections.iter()) {
                    details { key: "{section.id}", class: "section-score", open: true,
                        summary { div { class: "head", span { class: "title", "{section.title.get(lang)}" } span { class: "value", "{percent(lang, s.percent)}" } } }
                        ul { class: "breakdown",
                            for (item, i) in section.items.iter().zip(s.items.iter()) {
                                li { key: "{item.id}", "data-item": "{item.id}",
                                    class: if changed.iter().any(|c| c.item_id == item.id) { "changed" } else { "" },
                                    span { class: "title", "{item.label.get(lang)}" }
                                    span { class: "answer",
                                        "{super::summary::answer_text(lang, &template, &item.id, visit.answers.get(&item.id).and_then(|a| a.value.as_ref()))}"
                                        if let Some(c) = visit.answers.get(&item.id).map(|a| a.comment.clone()).filter(|c| !c.is_empty()) { " · «{c}»" }
                                    }
                                    if let Some(a) = visit.answers.get(&item.id).filter(|a| !a.photos.is_empty()) {
                                        div { class: "photos",
                                            for p in a.photos.iter() {
                                                ServerPhoto { key: "{p.sha256}", sha256: p.sha256.clone(), mime: p.mime.clone() }
                                            }
                                        }
                                    }
                                    span { class: "pts",
                                        match i.outcome { ItemOutcome::Scored { .. } => format!("{} / {}", points(i.earned), points(i.possible)), _ => "—".into() }
                                    }
                                    if let Some(c) = changed.iter().find(|c| c.item_id == item.id) {
                                        span { class: "was", "data-testid": "was",
                                            "{i18n::WAS.get(lang)}: {super::summary::answer_text(lang, &template, &item.id, c.before.as_ref())}"
                                            if c.comment_before != c.comment_after { " · «{c.comment_before}»" }
                                        }
                                    }
                                    if open {
                                        input { class: "remark-input", "data-remark": "{item.id}", placeholder: "{i18n::REVIEW_ON_ITEM.get(lang)}",
                                            value: "{remarks().get(&item.id).cloned().unwrap_or_default()}",
                                            oninput: { let id = item.id.clone(); move |e: FormEvent| { remarks.write().insert(id.clone(), e.value()); } } }
                                    }
                                }
                            }
                        }
                    }
                }
                if open {
                    label { class: "field",
                        span { "{i18n::VISIT_COMMENT.get(lang)}" }
                        textarea { rows: "2", "data-testid": "review-comment", value: "{comment}", oninput: move |e| comment.set(e.value()) }
                    }
                    if let Some(e) = error() { p { class: "failed", role: "alert", "data-testid": "review-error", "{e}" } }
                    footer { class: "actions column",
                        button { class: "primary big", "data-testid": "approve", onclick: move |_| decide(Decision::Approve), "{i18n::APPROVE.get(lang)}" }
                        button { class: "secondary big", "data-testid": "return", onclick: move |_| decide(Decision::Return), "{i18n::RETURN.get(lang)}" }
                        button { class: "danger big", "data-testid": "reject", onclick: move |_| decide(Decision::Reject), "{i18n::REJECT.get(lang)}" }
                    }
                }
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
        main { class: "screen review-visit", "data-testid": "review-visit",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Review), "← {i18n::REVIEW.get(lang)}" }
            }
            {body}
        }
    }
}

/// A photo of the visit under review, fetched from the server with the supervisor's token
/// (an `<img src>` cannot carry it), shown as a data URL.
#[component]
fn ServerPhoto(sha256: String, mime: String) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let sha = sha256.clone();
    // Outside the resource, so that it does not fetch again on every write to the store.
    let api = state.account().map(|a| a.api());
    let photo = use_resource(move || {
        let api = api.clone();
        let sha = sha.clone();
        async move {
            let bytes = api?.photo(&sha).await.ok()?;
            use base64::Engine;
            Some(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
    });
    match &*photo.read() {
        Some(Some(data)) => rsx! {
            figure { "data-photo": "{sha256}",
                img { src: "data:{mime};base64,{data}", alt: "{i18n::PHOTO.get(lang)}" }
            }
        },
        Some(None) => {
            rsx! { figure { class: "missing", "data-photo": "{sha256}", "{i18n::PHOTO_NOT_ON_SERVER.get(lang)}" } }
        }
        None => rsx! { figure { "data-photo": "{sha256}", "…" } },
    }
}
