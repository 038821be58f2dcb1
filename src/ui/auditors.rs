//! Supervisors: each auditor's share of flagged visits in a quarter (presence flags and
//! conflicts), a section of the review queue.

use dioxus::prelude::*;
use zakupka_core::rating::Quarter;

use crate::i18n::{self, presence as words};
use crate::state::AppState;

#[component]
pub fn AuditorFlagsSection(quarter: Option<Quarter>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let api = state.account().map(|a| a.api());
    let quarter = quarter.unwrap_or_else(|| Quarter::of(chrono::Utc::now()));
    let shares = use_resource(use_reactive!(|quarter| {
        let api = api.clone();
        async move {
            api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?
                .auditor_flags(quarter)
                .await
                .map_err(|e| i18n::explain_sync(lang, &e))
        }
    }));
    let body = match &*shares.read() {
        None => rsx! { p { class: "muted", "…" } },
        Some(Err(e)) => rsx! { p { class: "failed", "{e}" } },
        Some(Ok(list)) => rsx! {
            table { class: "auditor-flags",
                thead { tr {
                    th { scope: "col", "{i18n::AUDITOR.get(lang)}" }
                    th { scope: "col", "{i18n::staff::FLAGGED_OF.get(lang)}" }
                    th { scope: "col", "{i18n::staff::FLAGGED_SHARE.get(lang)}" }
                } }
                tbody {
                    for a in list.iter() {
                        tr { key: "{a.auditor}", "data-auditor": "{a.auditor}",
                            th { scope: "row", "{a.auditor}" }
                            td { "{a.flagged} {words::FLAGGED.get(lang)} / {a.visits} {words::VISITS.get(lang)}" }
                            td { class: "share", "data-testid": "flag-share", "{(a.share() * 100.0).round()} %" }
                        }
                    }
                }
            }
        },
    };
    rsx! {
        details { class: "auditor-flags", "data-testid": "auditor-flags",
            summary { "{words::AUDITOR_FLAGS.get(lang)} · {quarter}" }
            {body}
        }
    }
}
