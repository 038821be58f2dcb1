use dioxus::prelude::*;
use zakupka_client::VisitSummary;
use zakupka_core::VisitStatus;

use super::{LangSwitch, SaveIndicator, local_time};
use crate::i18n;
use crate::state::{AppState, Screen};

#[component]
pub fn Home() -> Element {
    let state = use_context::<AppState>();
    use_hook(|| tracing::info!("home screen shown"));
    let lang = (state.lang)();
    let visits = state.visits();
    let (drafts, submitted): (Vec<_>, Vec<_>) = visits
        .into_iter()
        .partition(|v| v.status == VisitStatus::Draft);
    rsx! {
        main { class: "screen home", "data-testid": "home",
            header { class: "bar",
                h1 { "{i18n::APP_NAME.get(lang)}" }
                SaveIndicator {}
                LangSwitch {}
            }
            if drafts.is_empty() && submitted.is_empty() {
                p { class: "empty", "{i18n::NO_VISITS.get(lang)}" }
            }
            if !drafts.is_empty() {
                h2 { "{i18n::DRAFTS.get(lang)}" }
                ul { class: "visits", "data-testid": "drafts",
                    for v in drafts { VisitRow { key: "{v.id}", visit: v } }
                }
            }
            if !submitted.is_empty() {
                h2 { "{i18n::SUBMITTED.get(lang)}" }
                ul { class: "visits", "data-testid": "submitted",
                    for v in submitted { VisitRow { key: "{v.id}", visit: v } }
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

#[component]
fn VisitRow(visit: VisitSummary) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let directory = (state.directory)();
    let office = directory
        .office(&visit.office_id)
        .map_or(visit.office_id.clone(), |o| o.name.get(lang).to_owned());
    let total = state.template().items().count();
    let (status, target) = match visit.status {
        VisitStatus::Draft => (
            format!("{} / {total} {}", visit.answered, i18n::ANSWERED.get(lang)),
            Screen::Checklist(visit.id),
        ),
        VisitStatus::Submitted => (
            i18n::WAITING_SYNC.get(lang).to_owned(),
            Screen::Summary(visit.id),
        ),
    };
    rsx! {
        li {
            button { class: "row", "data-visit": "{visit.id}", onclick: move |_| state.go(target),
                span { class: "title", "{office}" }
                span { class: "meta", "{local_time(visit.started_at)} · {status}" }
            }
        }
    }
}
