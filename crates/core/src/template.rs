//! Checklist templates: what an auditor is asked, and how each answer is worth points.

use serde::{Deserialize, Serialize};

use crate::label::Label;
use crate::visit::AnswerValue;

/// A versioned checklist. A visit records the id and version it was filled with, so a
/// template is never changed in place: a new version is a new `Template`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Template {
    pub id: String,
    pub version: u32,
    pub title: Label,
    pub sections: Vec<Section>,
    /// What the shopper asks about at the desk; the auditor picks one per visit.
    pub scenarios: Vec<Scenario>,
    /// The shortest a real visit takes, in minutes: a shorter one is flagged for review
    /// (`presence.rs`), never refused. On the wire only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_duration_minutes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scenario {
    pub id: String,
    pub label: Label,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Section {
    pub id: String,
    pub title: Label,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub id: String,
    pub label: Label,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub hint: Option<Label>,
    pub kind: ItemKind,
    /// Relative worth of the item within the checklist; only ratios matter.
    pub weight: f64,
    /// A critical item answered with zero points zeroes its whole section.
    pub critical: bool,
    pub allow_na: bool,
    pub required: bool,
    pub allow_comment: bool,
    pub allow_photo: bool,
    /// The app offers a stopwatch that fills this item (waiting time in the queue).
    pub timer: bool,
    /// The longest side in pixels the device keeps of this item's photos, where the
    /// checklist asks for other than [`DEFAULT_PHOTO_MAX_SIDE`] (a document to read may need
    /// more). Absent from the JSON when not set, so older readers see the same checklist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_max_side: Option<u32>,
}

/// The longest side in pixels of a photo as the device keeps it: 2048 px is a 4:3 photo of
/// 3 megapixels, enough to read a price tag or a sign, and under 800 KB as JPEG.
pub const DEFAULT_PHOTO_MAX_SIDE: u32 = 2048;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    YesNo,
    /// 1 (worst) to 5 (best).
    Scale,
    /// A measured number where less is better, scored by the first band it fits.
    Number {
        unit: Label,
        bands: Vec<Band>,
    },
    Choice {
        options: Vec<ChoiceOption>,
    },
}

/// "`max` or less earns `score` of the item's weight"; above the last band earns nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Band {
    pub max: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChoiceOption {
    pub id: String,
    pub label: Label,
    /// Share of the item's weight this option earns, 0 to 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub score: f64,
}

pub const SCALE_MIN: u8 = 1;
pub const SCALE_MAX: u8 = 5;
/// No real measurement of minutes or counts in an office comes near this; larger values are typos.
pub const NUMBER_MAX: f64 = 100_000.0;

/// Why an answer does not fit its item.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("item `{0}` is not in this checklist")]
    UnknownItem(String),
    #[error("item `{item}` does not allow \"not applicable\"")]
    NotApplicableNotAllowed { item: String },
    #[error("item `{item}` expects {expected}")]
    WrongKind {
        item: String,
        expected: &'static str,
    },
    #[error("item `{item}`: {value} is outside {min}..={max}")]
    OutOfRange {
        item: String,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("item `{item}` has no option `{option}`")]
    UnknownOption { item: String, option: String },
}

impl Template {
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|i| i.id == id)
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    /// Required items without an answer, in checklist order.
    pub fn missing_required(
        &self,
        answers: &std::collections::BTreeMap<String, AnswerValue>,
    ) -> Vec<String> {
        self.items()
            .filter(|i| i.required && !answers.contains_key(&i.id))
            .map(|i| i.id.clone())
            .collect()
    }

    /// Checks that `value` is a possible answer to item `item_id`.
    pub fn check_answer(&self, item_id: &str, value: &AnswerValue) -> Result<(), AnswerError> {
        let item = self
            .item(item_id)
            .ok_or_else(|| AnswerError::UnknownItem(item_id.into()))?;
        item.check_answer(value)
    }
}

impl Item {
    /// The longest side in pixels the device keeps of this item's photos.
    pub fn photo_side(&self) -> u32 {
        self.photo_max_side.unwrap_or(DEFAULT_PHOTO_MAX_SIDE)
    }

    pub fn check_answer(&self, value: &AnswerValue) -> Result<(), AnswerError> {
        let item = || self.id.clone();
        match (&self.kind, value) {
            (_, AnswerValue::NotApplicable) if self.allow_na => Ok(()),
            (_, AnswerValue::NotApplicable) => {
                Err(AnswerError::NotApplicableNotAllowed { item: item() })
            }
            (ItemKind::YesNo, AnswerValue::Yes | AnswerValue::No) => Ok(()),
            (ItemKind::Scale, AnswerValue::Scale(v)) if (SCALE_MIN..=SCALE_MAX).contains(v) => {
                Ok(())
            }
            (ItemKind::Scale, AnswerValue::Scale(v)) => Err(AnswerError::OutOfRange {
                item: item(),
                value: f64::from(*v),
                min: f64::from(SCALE_MIN),
                max: f64::from(SCALE_MAX),
            }),
            (ItemKind::Number { .. }, AnswerValue::Number(v))
                if v.is_finite() && (0.0..=NUMBER_MAX).contains(v) =>
            {
                Ok(())
            }
            (ItemKind::Number { .. }, AnswerValue::Number(v)) => Err(AnswerError::OutOfRange {
                item: item(),
                value: *v,
                min: 0.0,
                max: NUMBER_MAX,
            }),
            (ItemKind::Choice { options }, AnswerValue::Choice(id)) => {
                if options.iter().any(|o| &o.id == id) {
                    Ok(())
                } else {
                    Err(AnswerError::UnknownOption {
                        item: item(),
                        option: id.clone(),
                    })
                }
            }
            (kind, _) => Err(AnswerError::WrongKind {
                item: item(),
                expected: kind.expects(),
            }),
        }
    }

    /// The share of the weight an answer earns, 0 to 1; `None` for "not applicable".
    pub fn fraction(&self, value: &AnswerValue) -> Option<f64> {
        match (&self.kind, value) {
            (_, AnswerValue::NotApplicable) => None,
            (ItemKind::YesNo, AnswerValue::Yes) => Some(1.0),
            (ItemKind::YesNo, AnswerValue::No) => Some(0.0),
            (ItemKind::Scale, AnswerValue::Scale(v)) => {
                let v = (*v).clamp(SCALE_MIN, SCALE_MAX);
                Some(f64::from(v - SCALE_MIN) / f64::from(SCALE_MAX - SCALE_MIN))
            }
            (ItemKind::Number { bands, .. }, AnswerValue::Number(v)) => {
                Some(bands.iter().find(|b| *v <= b.max).map_or(0.0, |b| b.score))
            }
            (ItemKind::Choice { options }, AnswerValue::Choice(id)) => Some(
                options
                    .iter()
                    .find(|o| &o.id == id)
                    .map_or(0.0, |o| o.score),
            ),
            // An answer of the wrong kind is refused by `check_answer` before it is stored;
            // should one arrive from old data it earns nothing rather than crash the screen.
            _ => Some(0.0),
        }
    }
}

impl ItemKind {
    fn expects(&self) -> &'static str {
        match self {
            ItemKind::YesNo => "yes or no",
            ItemKind::Scale => "a mark from 1 to 5",
            ItemKind::Number { .. } => "a number",
            ItemKind::Choice { .. } => "one of its options",
        }
    }
}
