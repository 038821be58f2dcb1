//! Scoring a visit: points per item, per section and in total, explainable down to one
//! answer.
//!
//! The rules, in the words an auditor or a branch head would use:
//! - an item earns `weight × share`, where the share comes from the answer (yes = all,
//!   no = nothing, a mark of 1..5 = 0, ¼, ½, ¾, all, a number by its bands, an option by
//!   its score);
//! - "not applicable" and unanswered items are left out of the possible points;
//! - a critical item that earns nothing zeroes its whole section;
//! - a percentage is earned over possible points, for each section and for the visit.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::template::Template;
use crate::visit::AnswerValue;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemOutcome {
    Scored { share: f64 },
    NotApplicable,
    Unanswered,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub item_id: String,
    pub outcome: ItemOutcome,
    /// Points the answer earned before any critical failure of its section.
    pub earned: f64,
    pub possible: f64,
    /// An upheld appeal changed how this item is scored (the answer stays as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<AppealOutcome>,
}

/// What an upheld appeal makes of an item: scored as passed (full points), or left out of
/// the possible points like "not applicable".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    Passed,
    Excluded,
}

impl AppealOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealOutcome::Passed => "passed",
            AppealOutcome::Excluded => "excluded",
        }
    }

    pub fn parse(s: &str) -> Option<AppealOutcome> {
        match s {
            "passed" => Some(AppealOutcome::Passed),
            "excluded" => Some(AppealOutcome::Excluded),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionScore {
    pub section_id: String,
    /// Points counted for the section: zero when a critical item failed.
    pub earned: f64,
    pub possible: f64,
    /// `None` when nothing in the section could be scored.
    pub percent: Option<f64>,
    /// The first critical item that earned nothing, which zeroed this section.
    pub critical_failure: Option<String>,
    pub items: Vec<ItemScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub earned: f64,
    pub possible: f64,
    /// `None` when nothing in the visit could be scored.
    pub percent: Option<f64>,
    pub sections: Vec<SectionScore>,
}

impl Score {
    pub fn section(&self, id: &str) -> Option<&SectionScore> {
        self.sections.iter().find(|s| s.section_id == id)
    }

    pub fn item(&self, id: &str) -> Option<&ItemScore> {
        self.sections
            .iter()
            .flat_map(|s| s.items.iter())
            .find(|i| i.item_id == id)
    }
}

fn percent(earned: f64, possible: f64) -> Option<f64> {
    (possible > 0.0).then(|| (earned / possible * 100.0).clamp(0.0, 100.0))
}

/// Scores `answers` (by item id) against `template`. Answers to items the template does
/// not have are ignored: they cannot earn or lose points.
pub fn score(template: &Template, answers: &BTreeMap<String, AnswerValue>) -> Score {
    score_with(template, answers, &BTreeMap::new())
}

/// [`score`] with the items of upheld appeals (by item id) scored as decided: the rating
/// and the score's explanation use this; calibration keeps the raw answers.
pub fn score_with(
    template: &Template,
    answers: &BTreeMap<String, AnswerValue>,
    appeals: &BTreeMap<String, AppealOutcome>,
) -> Score {
    let sections: Vec<SectionScore> = template
        .sections
        .iter()
        .map(|section| {
            let mut critical_failure = None;
            let items: Vec<ItemScore> = section
                .items
                .iter()
                .map(|item| {
                    let appeal = appeals.get(&item.id).copied();
                    let (outcome, earned, possible) = match (appeal, answers.get(&item.id)) {
                        (Some(AppealOutcome::Excluded), _) => {
                            (ItemOutcome::NotApplicable, 0.0, 0.0)
                        }
                        (Some(AppealOutcome::Passed), _) => {
                            (ItemOutcome::Scored { share: 1.0 }, item.weight, item.weight)
                        }
                        (None, None) => (ItemOutcome::Unanswered, 0.0, 0.0),
                        (None, Some(value)) => match item.fraction(value) {
                            None => (ItemOutcome::NotApplicable, 0.0, 0.0),
                            Some(share) => {
                                if item.critical && share <= 0.0 && critical_failure.is_none() {
                                    critical_failure = Some(item.id.clone());
                                }
                                (
                                    ItemOutcome::Scored { share },
                                    item.weight * share,
                                    item.weight,
                                )
                            }
                        },
                    };
                    ItemScore {
                        item_id: item.id.clone(),
                        outcome,
                        earned,
                        possible,
                        appeal,
                    }
                })
                .collect();
            let possible: f64 = items.iter().map(|i| i.possible).sum();
            let earned = if critical_failure.is_some() {
                0.0
            } else {
                items.iter().map(|i| i.earned).sum()
            };
            SectionScore {
                section_id: section.id.clone(),
                earned,
                possible,
                percent: percent(earned, possible),
                critical_failure,
                items,
            }
        })
        .collect();
    let earned = sections.iter().map(|s| s.earned).sum();
    let possible = sections.iter().map(|s| s.possible).sum();
    Score {
        earned,
        possible,
        percent: percent(earned, possible),
        sections,
    }
}
