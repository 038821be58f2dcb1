//! What a reviewer should look at first in a visit: the items that lost points, critical
//! items that earned nothing, and items the auditor commented on or photographed. Pure, so
//! the review screen only lays out what this decides.

use std::collections::BTreeMap;

use crate::scoring::{ItemOutcome, score};
use crate::template::Template;
use crate::visit::Answer;

/// Why an item needs the reviewer's attention; any of them may hold at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reasons {
    /// A critical item that earned nothing: it zeroes its section.
    pub critical: bool,
    /// The item earned less than it could (a critical failure is one too).
    pub failed: bool,
    /// The auditor wrote a comment on it.
    pub comment: bool,
    /// The auditor attached photos to it.
    pub photos: bool,
}

impl Reasons {
    pub fn any(self) -> bool {
        self.critical || self.failed || self.comment || self.photos
    }

    /// Lower comes first: critical failures, then other failures, then the rest.
    fn rank(self) -> u8 {
        if self.critical {
            0
        } else if self.failed {
            1
        } else {
            2
        }
    }
}

/// An item of the visit that needs attention, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attention {
    pub section_id: String,
    pub item_id: String,
    pub reasons: Reasons,
}

/// The items of `template` that need attention given `answers`, critical failures first,
/// then other failures, then items with comments or photos only; within each, in the
/// checklist's order. "Failed" is by the score's own figures: earned below possible, or a
/// critical item scored at zero (which fails even at weight zero). Unanswered and N/A items
/// fail nothing.
pub fn attention(template: &Template, answers: &BTreeMap<String, Answer>) -> Vec<Attention> {
    let values = answers
        .iter()
        .filter_map(|(id, a)| a.value.clone().map(|v| (id.clone(), v)))
        .collect();
    let result = score(template, &values);
    let mut found: Vec<Attention> = template
        .sections
        .iter()
        .zip(result.sections.iter())
        .flat_map(|(section, scored)| {
            section
                .items
                .iter()
                .zip(scored.items.iter())
                .map(move |(item, s)| {
                    let answer = answers.get(&item.id);
                    let scored_zero =
                        matches!(s.outcome, ItemOutcome::Scored { share } if share <= 0.0);
                    let critical = item.critical && scored_zero;
                    Attention {
                        section_id: section.id.clone(),
                        item_id: item.id.clone(),
                        reasons: Reasons {
                            critical,
                            failed: critical || s.earned < s.possible,
                            comment: answer.is_some_and(|a| !a.comment.trim().is_empty()),
                            photos: answer.is_some_and(|a| !a.photos.is_empty()),
                        },
                    }
                })
        })
        .filter(|a| a.reasons.any())
        .collect();
    // A stable sort keeps the checklist's order within each rank.
    found.sort_by_key(|a| a.reasons.rank());
    found
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::template::{Item, ItemKind, Section};
    use crate::visit::{AnswerValue, PhotoRef};
    use crate::{Label, Template};

    fn item(id: &str, weight: f64, critical: bool) -> Item {
        Item {
            id: id.into(),
            label: Label::new(id, id),
            hint: None,
            kind: ItemKind::Scale,
            weight,
            critical,
            allow_na: true,
            required: false,
            allow_comment: true,
            allow_photo: true,
            timer: false,
            photo_max_side: None,
        }
    }

    fn template() -> Template {
        let section = |id: &str, items: Vec<Item>| Section {
            id: id.into(),
            title: Label::new(id, id),
            items,
        };
        Template {
            id: "t".into(),
            version: 1,
            title: Label::new("t", "t"),
            scenarios: vec![],
            min_duration_minutes: None,
            sections: vec![
                section(
                    "a",
                    vec![
                        item("ok", 1.0, false),
                        item("low", 1.0, false),
                        item("noted", 1.0, false),
                    ],
                ),
                section(
                    "b",
                    vec![
                        item("crit", 2.0, true),
                        item("crit_weightless", 0.0, true),
                        item("na", 1.0, false),
                        item("pic", 1.0, false),
                        item("unanswered", 1.0, false),
                    ],
                ),
            ],
        }
    }

    fn answer(value: Option<AnswerValue>, comment: &str, photos: usize) -> Answer {
        Answer {
            value,
            comment: comment.into(),
            photos: (0..photos)
                .map(|n| PhotoRef {
                    sha256: format!("{n:064x}"),
                    mime: "image/jpeg".into(),
                    size: 1,
                    taken_at: None,
                    position: None,
                })
                .collect(),
            updated_at: Utc::now(),
        }
    }

    fn answers() -> BTreeMap<String, Answer> {
        let mark = |n| Some(AnswerValue::Scale(n));
        [
            ("ok", answer(mark(5), "", 0)),
            ("low", answer(mark(3), "", 0)),
            ("noted", answer(mark(5), "  вежливо  ", 0)),
            ("crit", answer(mark(1), "", 0)),
            ("crit_weightless", answer(mark(1), "", 0)),
            ("na", answer(Some(AnswerValue::NotApplicable), "", 0)),
            ("pic", answer(mark(5), "", 2)),
        ]
        .into_iter()
        .map(|(id, a)| (id.to_owned(), a))
        .collect()
    }

    fn ids(found: &[Attention]) -> Vec<&str> {
        found.iter().map(|a| a.item_id.as_str()).collect()
    }

    #[test]
    fn critical_failures_then_failures_then_comments_and_photos() {
        let found = attention(&template(), &answers());
        assert_eq!(
            ids(&found),
            ["crit", "crit_weightless", "low", "noted", "pic"]
        );
        let crit = &found[0].reasons;
        assert!(crit.critical && crit.failed && !crit.comment);
        assert_eq!(found[0].section_id, "b");
        let low = &found[2].reasons;
        assert!(low.failed && !low.critical);
        assert!(found[3].reasons.comment && !found[3].reasons.failed);
        assert!(found[4].reasons.photos && !found[4].reasons.failed);
    }

    #[test]
    fn full_marks_na_and_unanswered_need_nothing() {
        let found = attention(&template(), &answers());
        for quiet in ["ok", "na", "unanswered"] {
            assert!(!ids(&found).contains(&quiet), "{quiet} needs no attention");
        }
    }

    #[test]
    fn a_whitespace_comment_is_no_comment() {
        let mut a = answers();
        a.insert("ok".into(), answer(Some(AnswerValue::Scale(5)), " \n", 0));
        assert!(!ids(&attention(&template(), &a)).contains(&"ok"));
    }

    #[test]
    fn a_comment_on_a_failed_item_keeps_it_with_the_failures() {
        let mut a = answers();
        a.insert(
            "low".into(),
            answer(Some(AnswerValue::Scale(3)), "долго", 1),
        );
        let found = attention(&template(), &a);
        let low = found.iter().position(|f| f.item_id == "low").unwrap();
        let noted = found.iter().position(|f| f.item_id == "noted").unwrap();
        assert!(low < noted);
        assert!(
            found[low].reasons.failed && found[low].reasons.comment && found[low].reasons.photos
        );
    }
}
