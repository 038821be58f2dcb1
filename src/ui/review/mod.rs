//! Supervisors: the queue of submitted visits (`queue`) and a visit in full with the
//! decision (`visit`: what needs attention first, sections folded, remarks opened on tap,
//! keyboard shortcuts from `keys`). Read from the server: it needs the network.

mod item;
mod keys;
mod queue;
mod visit;

pub use queue::ReviewQueue;
pub use visit::ReviewVisit;

use zakupka_core::wire::ReviewState;

use crate::i18n;

fn state_label(lang: zakupka_core::Lang, s: ReviewState) -> &'static str {
    match s {
        ReviewState::Submitted => i18n::Q_SUBMITTED.get(lang),
        ReviewState::Returned => i18n::STATE_RETURNED.get(lang),
        ReviewState::Approved => i18n::STATE_APPROVED.get(lang),
        ReviewState::Rejected => i18n::STATE_REJECTED.get(lang),
    }
}
