//! Calibration: do auditors agree? Krippendorff's alpha of each checklist item and
//! section over the units several raters scored (paired visits of one office, calibration
//! cases), and each auditor's severity against partners and keys. Pure: the server
//! gathers the observations.

mod alpha;
mod severity;

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use alpha::{Level, Sums, alpha};
pub use severity::{SeveritySums, severities};

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
    Auditor(Arc<str>),
    Key,
}

/// An observation by numbers: the item and the rater as numbered by the one who adds it
/// ([`Calibrator::item`], [`Calibrator::rater`]), the share and the answer as in
/// [`Observation`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub item: u32,
    pub rater: u32,
    pub value: f64,
    pub answer: f64,
}

/// One rater's answer to one item of one unit (a group of paired visits, a case). Shared
/// strings: a national quarter has millions of observations of a few thousand units.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub unit: Arc<str>,
    pub item: Arc<str>,
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
        unit: impl Into<Arc<str>>,
        rater: Rater,
    ) -> Option<Observation> {
        let (share, answer) = Observation::measure(item, value)?;
        Some(Observation {
            unit: unit.into(),
            item: item.id.as_str().into(),
            rater,
            value: share,
            answer,
        })
    }

    /// (share of points, answer as alpha compares it) of `value` given to `item`; `None`
    /// for "not applicable".
    pub fn measure(item: &Item, value: &AnswerValue) -> Option<(f64, f64)> {
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
        Some((share, answer))
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

/// Agreement per item and section of `template` (items it does not have are left out),
/// and the auditors' severities, of observations of any units in any order.
pub fn calibrate(
    template: &Template,
    observations: &[Observation],
) -> (Vec<SectionAgreement>, Vec<AuditorSeverity>) {
    let mut c = Calibrator::new(template);
    for unit in severity::by_unit(observations) {
        c.add_unit(&unit);
    }
    c.finish()
}

/// [`calibrate`] a unit at a time: what it keeps of each unit is a few sums, so a quarter
/// of any size fits in memory.
pub struct Calibrator<'t> {
    template: &'t Template,
    /// Item id → (section, item) index.
    at: HashMap<&'t str, (usize, usize)>,
    /// Item index → section index.
    section_of: Vec<usize>,
    /// Numbers of items the checklist lacks.
    extra: HashMap<Arc<str>, u32>,
    items: Vec<Sums>,
    sections: Vec<Sums>,
    severity: SeveritySums,
}

impl<'t> Calibrator<'t> {
    pub fn new(template: &'t Template) -> Calibrator<'t> {
        let mut at = HashMap::new();
        let mut items = Vec::new();
        let mut section_of = Vec::new();
        for (s, section) in template.sections.iter().enumerate() {
            for item in &section.items {
                at.insert(item.id.as_str(), (s, items.len()));
                items.push(Sums::new(level(&item.kind)));
                section_of.push(s);
            }
        }
        let sections = vec![Sums::new(Level::Interval); template.sections.len()];
        Calibrator {
            template,
            at,
            section_of,
            extra: HashMap::new(),
            items,
            sections,
            severity: SeveritySums::default(),
        }
    }

    /// The number of item `id` in the cells: its place in the checklist, or a number
    /// after them for an item it lacks (which counts for severity only).
    pub fn item(&mut self, id: &str) -> u32 {
        if let Some(&(_, i)) = self.at.get(id) {
            return i as u32;
        }
        let next = (self.items.len() + self.extra.len()) as u32;
        *self.extra.entry(Arc::from(id)).or_insert(next)
    }

    /// The number of `rater` in the cells.
    pub fn rater(&mut self, rater: &Rater) -> u32 {
        self.severity.rater(rater)
    }

    /// Adds every observation of one unit.
    pub fn add_unit(&mut self, observations: &[Observation]) {
        let mut cells: Vec<Cell> = observations
            .iter()
            .map(|o| Cell {
                item: self.item(&o.item),
                rater: self.rater(&o.rater),
                value: o.value,
                answer: o.answer,
            })
            .collect();
        self.add_cells(&mut cells);
    }

    /// Adds one unit's cells, numbered by [`Calibrator::item`] and [`Calibrator::rater`],
    /// in any order (they are sorted here).
    pub fn add_cells(&mut self, cells: &mut [Cell]) {
        // Stable: within an item the raters keep their order.
        cells.sort_by_key(|c| c.item);
        let mut answers = Vec::new();
        let mut shares = Vec::new();
        for cell in cells.chunk_by(|a, b| a.item == b.item) {
            let i = cell[0].item as usize;
            if i >= self.items.len() {
                continue;
            }
            // Alpha is agreement between auditors: a case's key is the standard they are
            // judged by (severity), not one more observer.
            answers.clear();
            shares.clear();
            for c in cell.iter().filter(|c| !self.severity.is_key(c.rater)) {
                answers.push(c.answer);
                shares.push(c.value);
            }
            self.items[i].add(&answers);
            // A section pools its items: each (unit, item) a unit, on shares.
            self.sections[self.section_of[i]].add(&shares);
        }
        self.severity.add_cells(cells);
    }

    pub fn finish(self) -> (Vec<SectionAgreement>, Vec<AuditorSeverity>) {
        let mut items = self.items.iter();
        let sections = self
            .template
            .sections
            .iter()
            .zip(&self.sections)
            .map(|(section, sums)| {
                let items: Vec<ItemAgreement> = section
                    .items
                    .iter()
                    .zip(items.by_ref())
                    .map(|(item, sums)| {
                        let a = sums.alpha();
                        ItemAgreement {
                            item_id: item.id.clone(),
                            label: item.label.clone(),
                            level: level(&item.kind),
                            alpha: a,
                            units: sums.units,
                            unreliable: a.is_some_and(|a| a < RELIABLE_ALPHA),
                        }
                    })
                    .collect();
                let a = sums.alpha();
                SectionAgreement {
                    section_id: section.id.clone(),
                    title: section.title.clone(),
                    alpha: a,
                    units: sums.units,
                    unreliable: a.is_some_and(|a| a < RELIABLE_ALPHA),
                    items,
                }
            })
            .collect();
        (sections, self.severity.finish())
    }
}

#[cfg(test)]
mod tests;
