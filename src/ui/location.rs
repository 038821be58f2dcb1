//! The question about location, asked once and saying why (presence evidence, see
//! `src/presence.rs`): shown where a visit starts, until the auditor answers.

use dioxus::prelude::*;

use crate::i18n::presence as words;
use crate::state::AppState;

#[component]
pub fn LocationQuestion() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    if !state.location_question() {
        return rsx! {};
    }
    rsx! {
        section { class: "location-question", "data-testid": "location-question",
            h2 { "{words::LOCATION_TITLE.get(lang)}" }
            p { "{words::LOCATION_WHY.get(lang)}" }
            div { class: "location-actions",
                button { class: "primary", "data-testid": "location-allow", onclick: move |_| state.answer_location(true),
                    "{words::LOCATION_ALLOW.get(lang)}"
                }
                button { class: "ghost", "data-testid": "location-deny", onclick: move |_| state.answer_location(false),
                    "{words::LOCATION_NOT_NOW.get(lang)}"
                }
            }
        }
    }
}
