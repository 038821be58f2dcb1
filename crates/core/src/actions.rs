//! Corrective actions, pure: which items of an approved visit failed, so that each becomes
//! an action for the office, and by when it is due. The rules follow scoring's (`Item::fraction`):
//! - yes/no answered no; a mark of 1 or 2; a number outside its full-score band; a choice
//!   that scores nothing;
//! - every critical item that earned nothing (it zeroed its section);
//! - "not applicable" and unanswered items never fail.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use crate::rating::Methodology;
use crate::template::{Item, ItemKind, Template};
use crate::visit::AnswerValue;

/// Days to fix a failed item when the methodology does not say.
pub const DEFAULT_DUE_DAYS: u32 = 30;
/// Days to fix a failed critical item when the methodology does not say.
pub const DEFAULT_DUE_DAYS_CRITICAL: u32 = 7;

/// Marks of this or less are a failure (of 1 to 5).
const FAILED_MARK: u8 = 2;

/// An item of a visit that failed: it becomes a corrective action.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedItem {
    pub item_id: String,
    pub critical: bool,
    pub answer: AnswerValue,
}

/// Whether `value`, the answer to `item`, is a failure to be fixed.
pub fn item_failed(item: &Item, value: &AnswerValue) -> bool {
    let Some(share) = item.fraction(value) else {
        return false; // not applicable
    };
    if item.critical && share <= 0.0 {
        return true;
    }
    match (&item.kind, value) {
        (ItemKind::Scale, AnswerValue::Scale(mark)) => *mark <= FAILED_MARK,
        (ItemKind::Number { .. }, AnswerValue::Number(_)) => share < 1.0,
        // yes/no answered no, a choice scoring nothing, and an answer of the wrong kind
        // from old data (which earns nothing).
        _ => share <= 0.0,
    }
}

/// The failed items of a visit's `answers`, in checklist order.
pub fn failed_items(
    template: &Template,
    answers: &BTreeMap<String, AnswerValue>,
) -> Vec<FailedItem> {
    template
        .items()
        .filter_map(|item| {
            let value = answers.get(&item.id)?;
            item_failed(item, value).then(|| FailedItem {
                item_id: item.id.clone(),
                critical: item.critical,
                answer: value.clone(),
            })
        })
        .collect()
}

/// The last day to fix an item found on `found` (the day of approval): the methodology's
/// days for critical or other items, or the defaults.
pub fn due_date(methodology: Option<&Methodology>, found: NaiveDate, critical: bool) -> NaiveDate {
    let days = if critical {
        methodology
            .and_then(|m| m.action_due_days_critical)
            .unwrap_or(DEFAULT_DUE_DAYS_CRITICAL)
    } else {
        methodology
            .and_then(|m| m.action_due_days)
            .unwrap_or(DEFAULT_DUE_DAYS)
    };
    found
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// Whether an action still to be fixed on `today` is past its `due` day.
pub fn overdue(still_open: bool, due: NaiveDate, today: NaiveDate) -> bool {
    still_open && today > due
}

#[cfg(test)]
mod tests;
