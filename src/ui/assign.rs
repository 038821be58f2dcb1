//! Supervisors: assign visits to auditors and see the quarter's assignments. The form checks
//! with the server (a dry run) as it is filled in, so the own-branch refusal and the
//! consecutive-quarter warning show before anything is stored.

use chrono::{NaiveDate, Utc};
use dioxus::prelude::*;
use zakupka_core::Lang;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{
    Assignment, AssignmentRequest, AssignmentStatus, AssignmentWarning, Auditor, PAIR_MAX_DAYS,
    PairRequest, PairedVisit,
};

use crate::i18n;
use crate::state::{AppState, Screen};

/// How many offices the search shows at once.
const SHOWN: usize = 12;

fn last_day(q: Quarter) -> NaiveDate {
    let end = q.bounds().1.date_naive();
    end.pred_opt().unwrap_or(end)
}

fn warning_text(lang: Lang, w: &AssignmentWarning) -> String {
    match w {
        AssignmentWarning::ConsecutiveQuarter { quarter } => {
            format!("{} ({quarter})", i18n::ASSIGN_CONSECUTIVE.get(lang))
        }
    }
}

#[component]
pub fn AssignScreen() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let this_quarter = Quarter::of(Utc::now());
    let mut quarter = use_signal(|| this_quarter);
    let mut reload = use_signal(|| 0u32);
    let api = state.account().map(|a| a.api());
    let auditors = super::use_auditors();
    let list = use_resource(move || {
        let api = api.clone();
        let q = quarter();
        let _ = reload();
        async move {
            api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?
                .assignments(Some(q))
                .await
                .map_err(|e| i18n::explain_sync(lang, &e))
        }
    });
    let (auditors, auditors_failed): (Vec<Auditor>, Option<String>) = match &*auditors.read() {
        Some(Ok(a)) => (a.clone(), None),
        Some(Err(e)) => (Vec::new(), Some(e.clone())),
        None => (Vec::new(), None),
    };
    let load_error = auditors_failed.or_else(|| match &*list.read() {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
    });
    rsx! {
        main { class: "screen assign", "data-testid": "assign",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::HOME.get(lang)}" }
                h1 { tabindex: "-1", "{i18n::ASSIGN_TITLE.get(lang)}" }
            }
            label { class: "field",
                span { "{i18n::QUARTER.get(lang)}" }
                select { class: "field-input", "data-testid": "assign-quarter",
                    onchange: move |e| if let Ok(q) = e.value().parse() { quarter.set(q) },
                    for q in [this_quarter, this_quarter.next()] {
                        option { key: "{q}", value: "{q}", selected: quarter() == q, "{q}" }
                    }
                }
            }
            if let Some(e) = load_error { p { class: "failed", role: "alert", "{e}" } }
            AssignForm { quarter: quarter(), auditors: auditors.clone(), on_assigned: move |_| reload += 1 }
            h2 { "{i18n::ASSIGNMENTS.get(lang)} · {quarter}" }
            match &*list.read() {
                None => rsx! { p { class: "muted", "{i18n::LOADING_LIST.get(lang)}" } },
                Some(Err(_)) => rsx! {},
                Some(Ok(items)) if items.is_empty() => rsx! { p { class: "muted", "{i18n::NO_ASSIGNMENTS.get(lang)}" } },
                Some(Ok(items)) => rsx! {
                    ul { class: "visits", "data-testid": "assignment-list",
                        for a in items.iter() {
                            AssignmentLine { key: "{a.id}", assignment: a.clone(), on_cancelled: move |_| reload += 1 }
                        }
                    }
                },
            }
        }
    }
}

#[component]
fn AssignmentLine(assignment: Assignment, on_cancelled: EventHandler<()>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut error = use_signal(|| None::<String>);
    let a = assignment.clone();
    let cancel = move |_| async move {
        let Some(api) = state.account().map(|a| a.api()) else {
            return;
        };
        match api.cancel_assignment(assignment.id).await {
            Ok(()) => on_cancelled.call(()),
            Err(e) => error.set(Some(i18n::explain_sync(lang, &e))),
        }
    };
    rsx! {
        li { class: "assignment-line", "data-assignment": "{a.id}",
            div { class: "row", "data-status": "{a.status.as_str()}",
                span { class: "title", "{state.office_name(&a.office_id)}" }
                span { class: "meta", "{a.auditor} · {i18n::DUE_BY.get(lang)} {a.due.format(\"%d.%m.%Y\")} · {i18n::assignment_status(lang, a.status)}" }
                if a.pair_id.is_some() { span { class: "meta", "data-testid": "paired", "{i18n::PAIRED_VISIT.get(lang)}" } }
                if let Some(e) = error() { span { class: "failed", role: "alert", "data-testid": "cancel-error", "{e}" } }
            }
            if a.status != AssignmentStatus::Done {
                button { class: "ghost", "data-testid": "cancel-assignment", onclick: cancel, "{i18n::CANCEL_ASSIGNMENT.get(lang)}" }
            }
        }
    }
}

/// What the form asks the server: one assignment, or a paired visit (two auditors, one
/// shared window of at most [`PAIR_MAX_DAYS`] days).
#[derive(Clone, PartialEq)]
enum Ask {
    One(AssignmentRequest),
    Pair(PairRequest),
}

impl Ask {
    /// Checks (`dry_run`) or stores the request; the warnings either way.
    async fn send(
        mut self,
        api: &zakupka_client::api::Api,
        dry_run: bool,
    ) -> Result<Vec<AssignmentWarning>, zakupka_client::api::SyncError> {
        match &mut self {
            Ask::One(r) => {
                r.dry_run = dry_run;
                api.assign(r).await.map(|a| a.warnings)
            }
            Ask::Pair(r) => {
                r.dry_run = dry_run;
                api.pair(r).await.map(|a| a.warnings)
            }
        }
    }
}

#[component]
fn AssignForm(quarter: Quarter, auditors: Vec<Auditor>, on_assigned: EventHandler<()>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut auditor = use_signal(String::new);
    // A second auditor makes it a paired visit: both in one window of at most seven days.
    let mut partner = use_signal(String::new);
    let mut from = use_signal(|| last_day(quarter) - chrono::Duration::days(PAIR_MAX_DAYS));
    let mut query = use_signal(String::new);
    let mut office = use_signal(|| None::<String>);
    let mut scenario = use_signal(|| None::<String>);
    let mut due = use_signal(|| last_day(quarter));
    let mut note = use_signal(String::new);
    let mut outcome = use_signal(|| None::<Result<String, String>>);
    // A new quarter moves the due date to its end.
    let mut shown_quarter = use_signal(|| quarter);
    if *shown_quarter.peek() != quarter {
        shown_quarter.set(quarter);
        due.set(last_day(quarter));
        from.set(last_day(quarter) - chrono::Duration::days(PAIR_MAX_DAYS));
    }
    let directory = (state.directory)();
    let template = state.template();
    let request = move || -> Option<Ask> {
        let one = AssignmentRequest {
            auditor: Some(auditor()).filter(|a| !a.is_empty())?,
            office_id: office()?,
            quarter,
            scenario: scenario()?,
            due: due(),
            note: note(),
            dry_run: true,
        };
        if partner().is_empty() {
            return Some(Ask::One(one));
        }
        let window = |auditor: String| PairedVisit {
            auditor,
            from: from(),
            due: due(),
        };
        Some(Ask::Pair(PairRequest {
            visits: [window(one.auditor), window(partner())],
            office_id: one.office_id,
            quarter,
            scenario: one.scenario,
            note: one.note,
            dry_run: true,
        }))
    };
    // The auditor's own branch is known here: say so at once, without asking the server.
    let own_branch = {
        let office_branch =
            office().and_then(|o| directory.office(&o).map(|o| o.branch_id.clone()));
        [auditor(), partner()].iter().any(|login| {
            let branch = auditors
                .iter()
                .find(|a| &a.login == login)
                .and_then(|a| a.branch_id.clone());
            branch.is_some() && branch == office_branch
        })
    };
    // The account is read here, not in the resource, which would then check again on every
    // write to the store; the resource follows the form's fields only.
    let account_api = state.account().map(|a| a.api());
    let preview = use_resource(move || {
        let api = account_api.clone();
        async move {
            let r = request()?;
            let api = api?;
            Some(
                r.send(&api, true)
                    .await
                    .map_err(|e| i18n::explain_sync(lang, &e)),
            )
        }
    });
    let (warnings, refusal) = match &*preview.read() {
        Some(Some(Ok(w))) => (w.clone(), None),
        Some(Some(Err(e))) => (Vec::new(), Some(e.clone())),
        _ => (Vec::new(), None),
    };
    let refusal = if own_branch {
        Some(i18n::ASSIGN_OWN_BRANCH.get(lang).to_owned())
    } else {
        refusal
    };
    let ready = request().is_some() && refusal.is_none();
    let submit = move |_| async move {
        let (Some(r), Some(api)) = (request(), state.account().map(|a| a.api())) else {
            return;
        };
        match r.send(&api, false).await {
            Ok(_) => {
                outcome.set(Some(Ok(i18n::ASSIGNED.get(lang).to_owned())));
                office.set(None);
                partner.set(String::new());
                query.set(String::new());
                note.set(String::new());
                on_assigned.call(());
            }
            Err(e) => outcome.set(Some(Err(i18n::explain_sync(lang, &e)))),
        }
    };
    let found = directory.search(&query(), lang);
    let chosen = office().map(|o| state.office_name(&o));
    rsx! {
        section { class: "form", "data-testid": "assign-form",
            h2 { "{i18n::ASSIGN_NEW.get(lang)}" }
            label { class: "field",
                span { "{i18n::AUDITOR.get(lang)}" }
                select { "data-testid": "assign-auditor",
                    onchange: move |e| { auditor.set(e.value()); outcome.set(None); },
                    option { value: "", selected: auditor().is_empty(), "—" }
                    for a in auditors.iter() {
                        option { key: "{a.login}", value: "{a.login}", selected: auditor() == a.login,
                            if let Some(b) = &a.branch_id { "{a.login} ({state.branch_name(b)})" } else { "{a.login}" }
                        }
                    }
                }
            }
            label { class: "field",
                span { "{i18n::PAIR_PARTNER.get(lang)}" }
                select { "data-testid": "assign-partner",
                    onchange: move |e| { partner.set(e.value()); outcome.set(None); },
                    option { value: "", selected: partner().is_empty(), "{i18n::NO_PARTNER.get(lang)}" }
                    for a in auditors.iter().filter(|a| a.login != auditor()) {
                        option { key: "{a.login}", value: "{a.login}", selected: partner() == a.login, "{a.login}" }
                    }
                }
            }
            label { class: "field",
                span { "{i18n::CHOOSE_OFFICE.get(lang)}" }
                input { r#type: "search", placeholder: "{i18n::SEARCH_OFFICE.get(lang)}", "data-testid": "assign-office-search",
                    value: "{query}", oninput: move |e| { query.set(e.value()); outcome.set(None); } }
            }
            if let Some(name) = chosen {
                // Said when chosen: the list it was chosen from is gone then.
                p { class: "muted", role: "status", "data-testid": "assign-office", "✓ {name}" }
            }
            if !query().trim().is_empty() {
                ul { class: "offices", "data-testid": "assign-offices",
                    for o in found.into_iter().take(SHOWN) {
                        li { key: "{o.id}",
                            button {
                                class: if office().as_deref() == Some(o.id.as_str()) { "row selected" } else { "row" },
                                "data-office": "{o.id}",
                                onclick: { let id = o.id.clone(); move |_| {
                                    office.set(Some(id.clone()));
                                    query.set(String::new());
                                    // The list goes with the button that had the focus: back to the search box.
                                    crate::page::focus_first("[data-testid=\"assign-office-search\"]");
                                } },
                                span { class: "title", "{o.name.get(lang)}" }
                                span { class: "meta", "{state.branch_name(&o.branch_id)}" }
                            }
                        }
                    }
                }
            }
            div { class: "choices", "data-testid": "assign-scenarios", role: "group", "aria-label": "{i18n::staff::SCENARIOS.get(lang)}",
                for s in template.scenarios.iter() {
                    button { key: "{s.id}",
                        class: if scenario().as_deref() == Some(s.id.as_str()) { "choice selected" } else { "choice" },
                        "aria-pressed": "{scenario().as_deref() == Some(s.id.as_str())}",
                        "data-scenario": "{s.id}",
                        onclick: { let id = s.id.clone(); move |_| scenario.set(Some(id.clone())) },
                        "{s.label.get(lang)}"
                    }
                }
            }
            if !partner().is_empty() {
                p { class: "muted", "{i18n::PAIR_HINT.get(lang)}" }
                label { class: "field",
                    span { "{i18n::WINDOW_FROM.get(lang)}" }
                    input { r#type: "date", "data-testid": "assign-from", value: "{from}",
                        min: "{quarter.bounds().0.date_naive()}", max: "{last_day(quarter)}",
                        onchange: move |e| if let Ok(d) = e.value().parse() { from.set(d) } }
                }
            }
            label { class: "field",
                span { "{i18n::DUE.get(lang)}" }
                input { r#type: "date", "data-testid": "assign-due", value: "{due}",
                    min: "{quarter.bounds().0.date_naive()}", max: "{last_day(quarter)}",
                    onchange: move |e| if let Ok(d) = e.value().parse() { due.set(d) } }
            }
            label { class: "field",
                span { "{i18n::NOTE.get(lang)}" }
                textarea { rows: "2", "data-testid": "assign-note", value: "{note}", oninput: move |e| note.set(e.value()) }
            }
            if let Some(r) = &refusal { p { class: "refusal", role: "alert", "data-testid": "assign-refusal", "{r}" } }
            for w in warnings.iter() {
                p { class: "warning", "data-testid": "assign-warning", "{warning_text(lang, w)}" }
            }
            if request().is_none() { p { class: "muted", "{i18n::ASSIGN_NEED.get(lang)}" } }
            match outcome() {
                Some(Ok(m)) => rsx! { p { class: "saved", role: "status", "data-testid": "assign-done", "{m}" } },
                Some(Err(e)) => rsx! { p { class: "failed", role: "alert", "data-testid": "assign-error", "{e}" } },
                None => rsx! {},
            }
            button { class: "primary big", disabled: !ready, "data-testid": "assign-submit", onclick: submit,
                if warnings.is_empty() { "{i18n::ASSIGN.get(lang)}" } else { "{i18n::ASSIGN_ANYWAY.get(lang)}" }
            }
        }
    }
}
