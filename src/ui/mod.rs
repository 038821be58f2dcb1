//! Screens and the small pieces they share. Components take owned props and call
//! [`AppState`](crate::state::AppState) methods; they hold no domain logic.

mod account;
mod actions;
pub(crate) mod appeals;
mod assign;
mod auditors;
mod branch_visits;
mod calibration;
mod cases;
mod charts;
mod checklist;
mod dialog;
mod error;
mod flags;
mod home;
pub mod icons;
mod inbox;
mod live;
mod location;
mod publish;
mod rating;
mod remote_photo;
mod review;
mod start;
pub(crate) mod summary;

pub use account::AccountScreen;
pub use actions::{ActionScreen, ActionsBoard};
pub use appeals::{AppealForm, AppealsScreen};
pub use assign::AssignScreen;
pub use branch_visits::{BranchVisit, BranchVisits};
pub use calibration::CalibrationScreen;
pub use cases::{CaseSituation, CasesScreen, case_title};
pub use charts::ChartsScreen;
pub use checklist::Checklist;
pub use dialog::Dialog;
pub use error::{DatabaseError, Fatal, OpenElsewhere};
pub use home::Home;
pub use inbox::InboxScreen;
pub use live::LiveRegion;
pub use rating::RatingScreen;
pub use remote_photo::{PhotoAt, RemotePhoto};
pub use review::{ReviewQueue, ReviewVisit};
pub use start::StartVisit;
pub use summary::Summary;

use dioxus::prelude::*;
use zakupka_core::Lang;

use crate::i18n;
use crate::state::{AppState, SaveState};

/// "62,5 %" in Russian, "62.5%" in English; the figure is rounded to one decimal place.
pub fn percent(lang: Lang, value: Option<f64>) -> String {
    match value {
        None => i18n::NO_SCORE.get(lang).to_owned(),
        Some(v) => match lang {
            Lang::Ru => format!("{} %", format!("{v:.1}").replace('.', ",")),
            Lang::En => format!("{v:.1}%"),
        },
    }
}

pub fn points(value: f64) -> String {
    let s = format!("{value:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

pub fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

#[component]
pub fn SaveIndicator() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let (class, text) = match (state.save)() {
        SaveState::Idle => ("save idle", String::new()),
        SaveState::Saving => ("save saving", i18n::SAVING.get(lang).to_owned()),
        SaveState::Saved => ("save saved", format!("✓ {}", i18n::SAVED.get(lang))),
        SaveState::Failed(e) => (
            "save failed",
            format!("{}: {e}", i18n::SAVE_FAILED.get(lang)),
        ),
    };
    rsx! { span { class, role: "status", "aria-live": "polite", "data-testid": "save-state", "{text}" } }
}

#[component]
pub fn LangSwitch() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let other = if lang == Lang::Ru { Lang::En } else { Lang::Ru };
    rsx! {
        // Named in its own language, and marked so: «English» is read with an English voice.
        button { class: "lang", lang: other.code(), "data-testid": "lang-switch", onclick: move |_| state.set_lang(other),
            "{i18n::LANGUAGE.get(lang)}"
        }
    }
}

/// The last refused action, explained. Stays until dismissed or the next successful write.
#[component]
pub fn Notice() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    match (state.notice)() {
        None => rsx! {},
        Some(message) => rsx! {
            div { class: "notice", role: "alert", "data-testid": "notice",
                span { "{message}" }
                button { class: "ghost", onclick: move |_| state.dismiss_notice(), "{i18n::DISMISS.get(lang)}" }
            }
        },
    }
}

/// Prints the screen as a report: every folded section opened first.
#[component]
pub fn PrintButton() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    rsx! {
        button { class: "ghost no-print", "data-testid": "print",
            onclick: move |_| {
                crate::page::print_report();
            },
            icons::Print {}
            " {i18n::PRINT.get(lang)}"
        }
    }
}

/// The auditors with their branches, from the server (supervisors' screens).
pub fn use_auditors() -> Resource<Result<Vec<zakupka_core::wire::Auditor>, String>> {
    let state = use_context::<AppState>();
    let lang = *state.lang.peek();
    // Read once, outside the resource: reading the account inside would subscribe it to
    // every write to the store and fetch again on each.
    let api = state.account().map(|a| a.api());
    use_resource(move || {
        let api = api.clone();
        async move {
            api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?
                .auditors()
                .await
                .map_err(|e| i18n::explain_sync(lang, &e))
        }
    })
}

/// Saves a file fetched from the server where the platform keeps downloads: where it went,
/// or why not, in `lang`.
pub async fn save_download(
    lang: Lang,
    name: &str,
    fetched: Result<Vec<u8>, zakupka_client::api::SyncError>,
) -> Result<String, String> {
    match fetched {
        Ok(bytes) => crate::platform::save_file(name, &bytes).await.map_err(|e| {
            tracing::warn!("export not saved: {e}");
            i18n::EXPORT_FAILED.get(lang).to_owned()
        }),
        Err(e) => Err(i18n::explain_sync(lang, &e)),
    }
}

/// Where the last download was saved, or why it was not.
#[component]
pub fn Downloaded(saved: Option<Result<String, String>>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    match saved {
        Some(Ok(place)) => {
            rsx! { p { class: "ok", "data-testid": "exported", "{i18n::SAVED.get(lang)}: {place}" } }
        }
        Some(Err(e)) => rsx! { p { class: "failed", "{e}" } },
        None => rsx! {},
    }
}

/// The quarters with something to rate, newest first, from the server through `api`.
pub fn use_quarters(
    api: Option<zakupka_client::api::Api>,
) -> Resource<Result<Vec<zakupka_core::wire::QuarterInfo>, String>> {
    let state = use_context::<AppState>();
    let lang = *state.lang.peek();
    use_resource(move || {
        let api = api.clone();
        async move {
            api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?
                .rating_quarters()
                .await
                .map_err(|e| i18n::explain_sync(lang, &e))
        }
    })
}

/// The quarters to choose from and the one shown: the user's choice, else the newest.
#[derive(Clone, Copy)]
pub struct QuarterChoice {
    pub quarters: Resource<Result<Vec<zakupka_core::wire::QuarterInfo>, String>>,
    /// What the user tapped; `None` until then.
    pub chosen: Signal<Option<String>>,
    /// The quarter shown, derived from the two above.
    pub current: Memo<Option<String>>,
}

impl QuarterChoice {
    /// The quarters listed so far (none while loading or after an error).
    pub fn list(&self) -> Vec<zakupka_core::wire::QuarterInfo> {
        match &*self.quarters.read() {
            Some(Ok(list)) => list.clone(),
            _ => Vec::new(),
        }
    }
}

/// [`use_quarters`] with the choice among them (calibration and charts).
pub fn use_quarter_choice(api: Option<zakupka_client::api::Api>) -> QuarterChoice {
    let quarters = use_quarters(api);
    let chosen = use_signal(|| None::<String>);
    let current = use_memo(move || {
        chosen().or_else(|| match &*quarters.read() {
            Some(Ok(list)) => list.first().map(|q| q.quarter.to_string()),
            _ => None,
        })
    });
    QuarterChoice {
        quarters,
        chosen,
        current,
    }
}

/// Text in the interface language with any Russian in English text marked `lang="ru"`, so
/// a screen reader reads a quotation with a Russian voice.
#[component]
pub fn Marked(text: String) -> Element {
    let state = use_context::<AppState>();
    if (state.lang)() == Lang::Ru {
        return rsx! { "{text}" };
    }
    let runs: Vec<(bool, String)> = i18n::a11y::russian_runs(&text)
        .into_iter()
        .map(|(ru, s)| (ru, s.to_owned()))
        .collect();
    rsx! {
        for (ru, s) in runs {
            if ru {
                span { lang: "ru", "{s}" }
            } else {
                "{s}"
            }
        }
    }
}
