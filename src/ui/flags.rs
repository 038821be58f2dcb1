//! Presence flags for supervisors: chips on the queue's rows, the queue's filter by flag,
//! and in a visit the flags with the distances behind them and the inclusion of an
//! own-branch visit in the rating (with a reason).

use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_core::presence::{Location, PresenceFlag, distance_m};
use zakupka_core::wire::{IncludeRequest, VisitDetail};

use super::local_time;
use crate::i18n::{self, presence as words};
use crate::state::AppState;

/// The flags of a visit in the queue.
#[component]
pub fn FlagChips(flags: Vec<PresenceFlag>) -> Element {
    let lang = (use_context::<AppState>().lang)();
    rsx! {
        for f in flags {
            span { key: "{f.as_str()}", class: "flag", "data-flag": "{f.as_str()}", "⚠ {words::flag(lang, f)}" }
        }
    }
}

/// The queue's filter: visits carrying one flag, or any.
#[component]
pub fn FlagFilter(flag: Signal<Option<PresenceFlag>>) -> Element {
    let lang = (use_context::<AppState>().lang)();
    rsx! {
        select { "data-testid": "filter-flag", "aria-label": "{words::FLAGS.get(lang)}",
            onchange: move |e| flag.set(PresenceFlag::parse(&e.value())),
            option { value: "", selected: flag().is_none(), "{words::FLAG_ANY.get(lang)}" }
            for f in PresenceFlag::ALL {
                option { key: "{f.as_str()}", value: "{f.as_str()}", selected: flag() == Some(f), "{words::flag(lang, f)}" }
            }
        }
    }
}

/// A visit's flags, where the device was against the office (supervisors get positions),
/// and for an own-branch visit its inclusion in the rating or the form to include it.
#[component]
pub fn PresenceBox(detail: VisitDetail, reload: Signal<u32>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut reason = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let visit = &detail.visit;
    let (visit_id, revision): (Uuid, u32) = (visit.id, visit.revision);
    let office = (state.directory)()
        .office(&visit.office_id)
        .and_then(|o| o.position);
    let distance = |at: &Location| office.map(|o| distance_m(o, at.point()).round());
    let fixes: Vec<(&str, Location)> = [
        (words::AT_START.get(lang), visit.start_location),
        (words::AT_FINISH.get(lang), visit.finish_location),
    ]
    .into_iter()
    .filter_map(|(when, at)| Some((when, at?)))
    .collect();
    let left_out = detail.presence_flags.contains(&PresenceFlag::OwnBranch);
    let include = move |_| async move {
        let Some(api) = state.account().map(|a| a.api()) else {
            return;
        };
        let request = IncludeRequest {
            reason: reason(),
            revision: Some(revision),
        };
        match api.include(visit_id, &request).await {
            Ok(_) => {
                error.set(None);
                reload += 1;
            }
            Err(e) => error.set(Some(i18n::explain_sync(lang, &e))),
        }
    };
    rsx! {
        section { class: "presence", "data-testid": "presence",
            for f in detail.presence_flags.iter() {
                p { key: "{f.as_str()}", class: "warning", "data-testid": "presence-flag", "data-flag": "{f.as_str()}",
                    "⚠ {words::FLAGS.get(lang)}: {words::flag(lang, *f)}"
                }
            }
            for (when, at) in fixes {
                p { key: "{when}", class: "muted", "data-testid": "location",
                    "{words::LOCATION_TITLE.get(lang)} {when}: "
                    if let Some(d) = distance(&at) { "{d} {words::METRES_FROM_OFFICE.get(lang)}, " }
                    "{words::ACCURACY.get(lang)} {at.accuracy_m.round()} {i18n::staff::METRES.get(lang)}"
                }
            }
            if let Some(inc) = &detail.included {
                p { class: "ok", "data-testid": "included",
                    "{words::INCLUDED.get(lang)}: {inc.by} · {local_time(inc.at)} · «{inc.reason}»"
                }
            } else if left_out {
                label { class: "field",
                    span { "{words::INCLUDE_REASON.get(lang)}" }
                    textarea { rows: "2", "data-testid": "include-reason", value: "{reason}", oninput: move |e| reason.set(e.value()) }
                }
                if let Some(e) = error() { p { class: "failed", role: "alert", "data-testid": "include-error", "{e}" } }
                button { class: "secondary", "data-testid": "include", disabled: reason().trim().is_empty(),
                    onclick: include, "{words::INCLUDE.get(lang)}"
                }
            }
        }
    }
}
