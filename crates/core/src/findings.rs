//! Which answers are findings: what a branch is asked to fix and what the network-wide
//! charts count. An item fails when its answer is "no", a mark of 1 or 2, a number outside
//! its full-score band, or an option that scores nothing; a critical item fails whenever
//! it earns nothing.

use crate::template::{Item, ItemKind};
use crate::visit::AnswerValue;

/// Whether `value` is a failed answer to `item`; "not applicable" never is.
pub fn failed(item: &Item, value: &AnswerValue) -> bool {
    let Some(share) = item.fraction(value) else {
        return false;
    };
    if item.critical && share <= 0.0 {
        return true;
    }
    match (&item.kind, value) {
        (ItemKind::Scale, AnswerValue::Scale(mark)) => *mark <= 2,
        (ItemKind::Choice { .. }, _) => share <= 0.0,
        _ => share < 1.0,
    }
}
