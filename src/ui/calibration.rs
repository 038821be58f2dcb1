//! «Калибровка», for supervisors: how far auditors agree on each checklist item and
//! section (Krippendorff's alpha, with the items whose wording is unreliable marked), and
//! how harsh each auditor scores, with its 90% interval. Read from the server.

use dioxus::prelude::*;
use zakupka_core::Lang;
use zakupka_core::calibration::{AuditorSeverity, Level, SectionAgreement};
use zakupka_core::wire::{Calibration, QuarterInfo};

use crate::i18n;
use crate::state::{AppState, Screen};

#[component]
pub fn CalibrationScreen() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let api = state.account().map(|a| a.api());
    let choice = super::use_quarter_choice(api.clone());
    let calibration = use_resource(move || {
        let api = api.clone();
        let q = (choice.current)();
        async move {
            let api = api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?;
            let Some(q) = q else { return Ok(None) };
            api.calibration(&q)
                .await
                .map(Some)
                .map_err(|e| i18n::explain_sync(lang, &e))
        }
    });
    let body = match &*calibration.read() {
        None => rsx! { p { class: "muted", "{i18n::CALIBRATION_LOADING.get(lang)}" } },
        Some(Err(e)) => rsx! { p { class: "failed", "data-testid": "calibration-error", "{e}" } },
        Some(Ok(None)) => rsx! { p { class: "empty", "{i18n::NO_RATING.get(lang)}" } },
        Some(Ok(Some(c))) => rsx! { CalibrationView { calibration: c.clone() } },
    };
    rsx! {
        main { class: "screen calibration", "data-testid": "calibration",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Rating), "← {i18n::RATING_SHORT.get(lang)}" }
                h1 { tabindex: "-1", "{i18n::CALIBRATION_TITLE.get(lang)}" }
            }
            QuarterChips { quarters: choice.list(), current: (choice.current)(), chosen: choice.chosen }
            {body}
        }
    }
}

/// The quarters to choose from, the one shown marked; a tap sets `chosen`.
#[component]
pub(super) fn QuarterChips(
    quarters: Vec<QuarterInfo>,
    current: Option<String>,
    chosen: Signal<Option<String>>,
) -> Element {
    let lang = (use_context::<AppState>().lang)();
    rsx! {
        div { class: "chips", "data-testid": "quarters", role: "group", "aria-label": "{i18n::staff::QUARTERS.get(lang)}",
            for q in quarters.iter() {
                button { key: "{q.quarter}",
                    class: if current.as_deref() == Some(&q.quarter.to_string()) { "chip selected" } else { "chip" },
                    "aria-pressed": "{current.as_deref() == Some(&q.quarter.to_string())}",
                    "data-quarter": "{q.quarter}",
                    onclick: { let q = q.quarter.to_string(); move |_| chosen.set(Some(q.clone())) },
                    "{q.quarter}"
                }
            }
        }
    }
}

#[component]
fn CalibrationView(calibration: Calibration) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let c = calibration;
    rsx! {
        p { class: "muted", "data-testid": "calibration-basis",
            "{i18n::CALIBRATION_BASIS.get(lang)} {c.units}, {i18n::CALIBRATION_VISITS.get(lang)} {c.visits}"
        }
        if c.units == 0 {
            p { class: "empty", "{i18n::CALIBRATION_NONE.get(lang)}" }
        } else {
            h2 { "{i18n::AGREEMENT.get(lang)}" }
            p { class: "muted", "{i18n::AGREEMENT_HINT.get(lang)}" }
            for s in c.sections.iter() {
                SectionView { key: "{s.section_id}", section: s.clone() }
            }
            h2 { "{i18n::SEVERITY.get(lang)}" }
            p { class: "muted", "{i18n::SEVERITY_HINT.get(lang)}" }
            table { class: "explain severity", "data-testid": "severity",
                tbody {
                    for a in c.auditors.iter() {
                        tr { key: "{a.login}", "data-auditor": "{a.login}",
                            td { "{a.login}" }
                            td { "{severity(lang, a)}" }
                            td { class: "muted", "{a.units} {i18n::PAIRED_UNITS.get(lang)}" }
                        }
                    }
                }
            }
        }
        CsvButton { quarter: c.quarter.to_string() }
    }
}

#[component]
fn SectionView(section: SectionAgreement) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let s = section;
    rsx! {
        details { class: "agreement", "data-section": "{s.section_id}", open: s.unreliable || s.items.iter().any(|i| i.unreliable),
            summary {
                strong { super::Marked { text: s.title.get(lang) } }
                " α {alpha(lang, s.alpha)}"
                if s.unreliable { span { class: "badge failed", " {i18n::UNRELIABLE_WORDING.get(lang)}" } }
            }
            table { class: "explain",
                tbody {
                    for i in s.items.iter() {
                        tr { key: "{i.item_id}", "data-item": "{i.item_id}", "data-unreliable": "{i.unreliable}",
                            td { super::Marked { text: i.label.get(lang) } }
                            td { class: "muted", "{level(lang, i.level)}" }
                            td { "α {alpha(lang, i.alpha)}" }
                            td { class: "muted", "{i.units} {i18n::PAIRED_UNITS.get(lang)}" }
                            td { if i.unreliable { span { class: "badge failed", "{i18n::UNRELIABLE_WORDING.get(lang)}" } } }
                        }
                    }
                }
            }
        }
    }
}

/// A figure with the language's decimal mark.
fn decimal(lang: Lang, value: f64, places: usize) -> String {
    let s = format!("{value:.places$}");
    match lang {
        Lang::Ru => s.replace('.', ","),
        Lang::En => s,
    }
}

fn alpha(lang: Lang, value: Option<f64>) -> String {
    value.map_or(i18n::ALPHA_UNKNOWN.get(lang).to_owned(), |a| {
        decimal(lang, a, 2)
    })
}

fn level(lang: Lang, level: Level) -> &'static str {
    match level {
        Level::Nominal => i18n::LEVEL_NOMINAL.get(lang),
        Level::Ordinal => i18n::LEVEL_ORDINAL.get(lang),
        Level::Interval => i18n::LEVEL_INTERVAL.get(lang),
    }
}

/// "+6,5 (2,3…10,8)": the severity with its sign, and its interval where there is one.
fn severity(lang: Lang, a: &AuditorSeverity) -> String {
    let signed = |v: f64| {
        let s = decimal(lang, v.abs(), 1);
        if v >= 0.05 {
            format!("+{s}")
        } else if v <= -0.05 {
            format!("−{s}")
        } else {
            s
        }
    };
    match (a.low, a.high) {
        (Some(l), Some(h)) => format!("{} ({}…{})", signed(a.severity), signed(l), signed(h)),
        _ => signed(a.severity),
    }
}

/// Downloads the calibration as CSV, as the rating's export does.
#[component]
fn CsvButton(quarter: String) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut saved = use_signal(|| None::<Result<String, String>>);
    rsx! {
        div { class: "export",
            button { class: "secondary", "data-export": "csv",
                onclick: move |_| {
                    let quarter = quarter.clone();
                    async move {
                        let Some(api) = state.account().map(|a| a.api()) else { return };
                        let fetched = api.calibration_export(&quarter).await;
                        let name = format!("calibration-{quarter}.csv");
                        saved.set(Some(super::save_download(lang, &name, fetched).await));
                    }
                },
                "{i18n::EXPORT.get(lang)} CSV"
            }
        }
        super::Downloaded { saved: saved() }
    }
}
