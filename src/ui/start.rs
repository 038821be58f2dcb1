use dioxus::prelude::*;

use crate::i18n;
use crate::state::{AppState, Screen};

/// How many matches to draw at once: enough to scroll, few enough to stay fast on a phone.
const SHOWN: usize = 40;

#[component]
pub fn StartVisit() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut query = use_signal(String::new);
    let mut office = use_signal(|| None::<String>);
    let mut scenario = use_signal(|| None::<String>);
    let mut auditor = use_signal(|| state.auditor());
    let directory = (state.directory)();
    let template = state.template();
    let found = directory.search(&query(), lang);
    let count = found.len();
    let ready = office().is_some() && scenario().is_some() && !auditor().trim().is_empty();
    rsx! {
        main { class: "screen start", "data-testid": "start",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::BACK.get(lang)}" }
                h1 { "{i18n::START_VISIT.get(lang)}" }
            }
            super::location::LocationQuestion {}
            label { class: "field",
                span { "{i18n::CHOOSE_OFFICE.get(lang)}" }
                input { r#type: "search", placeholder: "{i18n::SEARCH_OFFICE.get(lang)}", "data-testid": "office-search",
                    value: "{query}", oninput: move |e| query.set(e.value()) }
            }
            p { class: "muted", "{i18n::OFFICES_FOUND.get(lang)}: {count}" }
            ul { class: "offices", "data-testid": "offices",
                for o in found.into_iter().take(SHOWN) {
                    li { key: "{o.id}",
                        button {
                            class: if office().as_deref() == Some(o.id.as_str()) { "row selected" } else { "row" },
                            "aria-pressed": "{office().as_deref() == Some(o.id.as_str())}",
                            "data-office": "{o.id}",
                            onclick: {
                                let id = o.id.clone();
                                move |_| office.set(Some(id.clone()))
                            },
                            span { class: "title", "{o.name.get(lang)}" }
                            span { class: "meta",
                                "{directory.branch(&o.branch_id).map_or(\"\", |b| b.name.get(lang))} · "
                                // Addresses are kept in Russian only: read with a Russian voice.
                                span { lang: "ru", "{o.address}" }
                            }
                        }
                    }
                }
            }
            h2 { "{i18n::SCENARIO.get(lang)}" }
            div { class: "choices", "data-testid": "scenarios",
                for s in template.scenarios.iter() {
                    button { key: "{s.id}",
                        class: if scenario().as_deref() == Some(s.id.as_str()) { "choice selected" } else { "choice" },
                        "aria-pressed": "{scenario().as_deref() == Some(s.id.as_str())}",
                        "data-scenario": "{s.id}",
                        onclick: {
                            let id = s.id.clone();
                            move |_| scenario.set(Some(id.clone()))
                        },
                        super::Marked { text: s.label.get(lang) }
                    }
                }
            }
            label { class: "field",
                span { "{i18n::AUDITOR.get(lang)}" }
                input { r#type: "text", placeholder: "{i18n::AUDITOR_PLACEHOLDER.get(lang)}", "data-testid": "auditor",
                    autocomplete: "username", value: "{auditor}", oninput: move |e| auditor.set(e.value()) }
            }
            footer { class: "actions",
                if !ready { p { class: "muted", "{i18n::NEED_OFFICE_SCENARIO.get(lang)}" } }
                button { class: "primary big", disabled: !ready, "data-testid": "begin",
                    onclick: move |_| {
                        if let (Some(o), Some(s)) = (office(), scenario()) {
                            state.start_visit(&o, &s, &auditor());
                        }
                    },
                    "{i18n::BEGIN.get(lang)}"
                }
            }
        }
    }
}
