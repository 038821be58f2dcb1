use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::label::Label;
use crate::template::{Band, ChoiceOption, Section};

fn item(id: &str, kind: ItemKind, critical: bool) -> Item {
    Item {
        id: id.into(),
        label: Label::new("x", "x"),
        hint: None,
        kind,
        weight: 1.0,
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
    let number = ItemKind::Number {
        unit: Label::new("мин", "min"),
        bands: vec![
            Band {
                max: 15.0,
                score: 1.0,
            },
            Band {
                max: 30.0,
                score: 0.5,
            },
        ],
    };
    let choice = ItemKind::Choice {
        options: vec![
            ChoiceOption {
                id: "good".into(),
                label: Label::new("a", "a"),
                score: 1.0,
            },
            ChoiceOption {
                id: "some".into(),
                label: Label::new("b", "b"),
                score: 0.5,
            },
            ChoiceOption {
                id: "none".into(),
                label: Label::new("c", "c"),
                score: 0.0,
            },
        ],
    };
    Template {
        id: "t".into(),
        version: 1,
        title: Label::new("t", "t"),
        sections: vec![Section {
            id: "s".into(),
            title: Label::new("s", "s"),
            items: vec![
                item("yes_no", ItemKind::YesNo, false),
                item("mark", ItemKind::Scale, false),
                item("wait", number, false),
                item("choice", choice, false),
                item("critical_mark", ItemKind::Scale, true),
            ],
        }],
        scenarios: vec![],
        min_duration_minutes: None,
    }
}

fn failed(answers: &[(&str, AnswerValue)]) -> Vec<String> {
    let answers: BTreeMap<String, AnswerValue> = answers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    failed_items(&template(), &answers)
        .into_iter()
        .map(|f| f.item_id)
        .collect()
}

#[test]
fn each_kind_fails_by_its_own_rule() {
    use AnswerValue::*;
    // Everything passing: nothing to fix.
    let passing = [
        ("yes_no", Yes),
        ("mark", Scale(3)),
        ("wait", Number(15.0)),
        ("choice", Choice("some".into())),
        ("critical_mark", Scale(3)),
    ];
    assert!(failed(&passing).is_empty(), "{:?}", failed(&passing));
    let failing = [
        ("yes_no", No),
        ("mark", Scale(2)),
        ("wait", Number(15.5)),
        ("choice", Choice("none".into())),
        ("critical_mark", Scale(1)),
    ];
    assert_eq!(
        failed(&failing),
        ["yes_no", "mark", "wait", "choice", "critical_mark"]
    );
    // A mark of 2 on a critical item earns a quarter: not a critical failure, but a mark
    // of 2 all the same.
    assert_eq!(failed(&[("critical_mark", Scale(2))]), ["critical_mark"]);
    // Not applicable and unanswered never fail.
    assert!(failed(&[("yes_no", NotApplicable), ("mark", NotApplicable)]).is_empty());
}

#[test]
fn a_critical_item_that_earned_nothing_fails_whatever_its_kind() {
    let mut t = template();
    t.sections[0].items[2].critical = true; // the waiting time
    let answers = BTreeMap::from([("wait".to_owned(), AnswerValue::Number(45.0))]);
    let found = failed_items(&t, &answers);
    assert_eq!(found.len(), 1);
    assert!(found[0].critical);
    assert_eq!(found[0].answer, AnswerValue::Number(45.0));
}

#[test]
fn due_dates_come_from_the_methodology_or_the_defaults() {
    let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    assert_eq!(
        due_date(None, day, false),
        NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
    );
    assert_eq!(
        due_date(None, day, true),
        NaiveDate::from_ymd_opt(2026, 3, 8).unwrap()
    );
    let text = include_str!("../../../../seeds/methodology.toml").replace(
        "adjust_for_auditor_severity = false",
        "adjust_for_auditor_severity = false\naction_due_days = 14\naction_due_days_critical = 3",
    );
    let m = crate::seed::parse_methodology("methodology.toml", &text).unwrap();
    assert_eq!(
        due_date(Some(&m), day, false),
        NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
    );
    assert_eq!(
        due_date(Some(&m), day, true),
        NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()
    );
    let bad = text.replace("action_due_days = 14", "action_due_days = 0");
    let e = crate::seed::parse_methodology("methodology.toml", &bad).unwrap_err();
    assert!(e.to_string().contains("action_due_days"), "{e}");
}

#[test]
fn overdue_is_open_past_its_due_day() {
    let due = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
    assert!(!overdue(true, due, due));
    assert!(overdue(true, due, due.succ_opt().unwrap()));
    assert!(!overdue(false, due, due.succ_opt().unwrap()));
}
