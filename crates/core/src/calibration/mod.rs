//! Calibration: do auditors agree? Krippendorff's alpha of each checklist item and
//! section over the units several raters scored (paired visits of one office, calibration
//! cases), and each auditor's severity against partners and keys. Pure: the server
//! gathers the observations.

mod alpha;
mod severity;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

pub use alpha::{Level, alpha};
pub use severity::severities;

use crate::label::Label;
use crate::template::{Item, ItemKind, Template};
use crate::visit::AnswerValue;

/// Below this alpha an item's answers are not reliable enough to rest conclusions on
/// (Krippendorff's lowest acceptable value for tentative conclusions): its wording is
/// for the methodology owner to look at.
pub const RELIABLE_ALPHA: f64 = 0.667;

/// Who gave a value: an auditor, or the key of a calibration case (the right answer).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rater {
    Auditor(String),
    Key,
}

/// One rater's answer to one item of one unit (a group of paired visits, a case).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub unit: String,
    pub item: String,
    pub rater: Rater,
    /// The share of the item's points the answer earned, 0 to 1 (as `scoring` counts it):
    /// what severity compares.
    pub value: f64,
    /// The answer as alpha compares it at the item's level: yes 1, no 0; the mark; the
    /// number; a choice's option by its place in the list.
    pub answer: f64,
}

impl Observation {
    /// The observation of `value` given to `item`; `None` for "not applicable", which is
    /// a missing value, as is an unanswered item.
    pub fn of(
        item: &Item,
        value: &AnswerValue,
        unit: impl Into<String>,
        rater: Rater,
    ) -> Option<Observation> {
        let share = item.fraction(value)?;
        let answer = match (&item.kind, value) {
            (ItemKind::Choice { options }, AnswerValue::Choice(id)) => {
                options.iter().position(|o| &o.id == id)? as f64
            }
            (_, AnswerValue::Yes) => 1.0,
            (_, AnswerValue::No) => 0.0,
            (_, AnswerValue::Scale(mark)) => f64::from(*mark),
            (_, AnswerValue::Number(n)) if n.is_finite() => *n,
            _ => return None,
        };
        Some(Observation {
            unit: unit.into(),
            item: item.id.clone(),
            rater,
            value: share,
            answer,
        })
    }
}

/// The level an item's answers are measured at.
pub fn level(kind: &ItemKind) -> Level {
    match kind {
        ItemKind::YesNo | ItemKind::Choice { .. } => Level::Nominal,
        ItemKind::Scale => Level::Ordinal,
        ItemKind::Number { .. } => Level::Interval,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemAgreement {
    pub item_id: String,
    pub label: Label,
    pub level: Level,
    /// `None` when no unit has two values of it, or they never vary.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub alpha: Option<f64>,
    /// Units with at least two values of the item.
    pub units: u32,
    /// Alpha below [`RELIABLE_ALPHA`]: the wording needs the methodology owner's look.
    pub unreliable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionAgreement {
    pub section_id: String,
    pub title: Label,
    /// The section's items pooled: every (unit, item) is a unit, compared on the share
    /// of points (interval), so items of every kind count alike.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub alpha: Option<f64>,
    pub units: u32,
    pub unreliable: bool,
    pub items: Vec<ItemAgreement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditorSeverity {
    pub login: String,
    /// Percentage points of an item's share the auditor scores below partners and keys on
    /// the same item of the same unit: above zero harsher, below zero more lenient.
    pub severity: f64,
    /// The 90% interval's ends; `None` with fewer than two units to judge the spread by.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub low: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub high: Option<f64>,
    /// Units shared with another rater that the estimate rests on.
    pub units: u32,
    pub observations: u32,
}

/// One item's values by unit: the answers (for the item's alpha) and the shares (pooled
/// for its section's).
type ByUnit<'a> = BTreeMap<&'a str, (Vec<f64>, Vec<f64>)>;

/// Agreement per item and section of `template` (items it does not have are left out),
/// and the auditors' severities.
pub fn calibrate(
    template: &Template,
    observations: &[Observation],
) -> (Vec<SectionAgreement>, Vec<AuditorSeverity>) {
    // item → unit → values, for alpha on answers (item level) and on shares (section).
    let mut by_item: HashMap<&str, ByUnit> = HashMap::new();
    for o in observations {
        let (answers, shares) = by_item
            .entry(o.item.as_str())
            .or_default()
            .entry(o.unit.as_str())
            .or_default();
        answers.push(o.answer);
        shares.push(o.value);
    }
    let paired = |units: &ByUnit| units.values().filter(|(a, _)| a.len() >= 2).count() as u32;
    let sections = template
        .sections
        .iter()
        .map(|section| {
            let empty = BTreeMap::new();
            let items: Vec<ItemAgreement> = section
                .items
                .iter()
                .map(|item| {
                    let units = by_item.get(item.id.as_str()).unwrap_or(&empty);
                    let answers: Vec<Vec<f64>> = units.values().map(|u| u.0.clone()).collect();
                    let a = alpha(level(&item.kind), &answers);
                    ItemAgreement {
                        item_id: item.id.clone(),
                        label: item.label.clone(),
                        level: level(&item.kind),
                        alpha: a,
                        units: paired(units),
                        unreliable: a.is_some_and(|a| a < RELIABLE_ALPHA),
                    }
                })
                .collect();
            let pooled: Vec<Vec<f64>> = section
                .items
                .iter()
                .filter_map(|i| by_item.get(i.id.as_str()))
                .flat_map(|units| units.values().map(|u| u.1.clone()))
                .collect();
            let a = alpha(Level::Interval, &pooled);
            SectionAgreement {
                section_id: section.id.clone(),
                title: section.title.clone(),
                alpha: a,
                units: pooled.iter().filter(|u| u.len() >= 2).count() as u32,
                unreliable: a.is_some_and(|a| a < RELIABLE_ALPHA),
                items,
            }
        })
        .collect();
    (sections, severities(observations))
}

#[cfg(test)]
mod tests;
