use std::collections::BTreeMap;

use proptest::prelude::*;
use zakupka_core::{
    AnswerValue, Band, ChoiceOption, Item, ItemKind, ItemOutcome, Label, Section, Template, score,
};

fn item(id: &str, kind: ItemKind, weight: f64) -> Item {
    Item {
        id: id.into(),
        label: Label::new(id, id),
        hint: None,
        kind,
        weight,
        critical: false,
        allow_na: true,
        required: true,
        allow_comment: true,
        allow_photo: false,
        timer: false,
        photo_max_side: None,
    }
}

fn waiting() -> ItemKind {
    ItemKind::Number {
        unit: Label::new("мин", "min"),
        bands: vec![
            Band {
                max: 15.0,
                score: 1.0,
            },
            Band {
                max: 25.0,
                score: 0.5,
            },
        ],
    }
}

fn choice() -> ItemKind {
    ItemKind::Choice {
        options: vec![
            ChoiceOption {
                id: "full".into(),
                label: Label::new("полностью", "fully"),
                score: 1.0,
            },
            ChoiceOption {
                id: "part".into(),
                label: Label::new("частично", "partly"),
                score: 0.5,
            },
            ChoiceOption {
                id: "none".into(),
                label: Label::new("нет", "no"),
                score: 0.0,
            },
        ],
    }
}

fn template(sections: Vec<Vec<Item>>) -> Template {
    Template {
        id: "t".into(),
        version: 1,
        title: Label::new("т", "t"),
        scenarios: vec![],
        min_duration_minutes: None,
        sections: sections
            .into_iter()
            .enumerate()
            .map(|(n, items)| Section {
                id: format!("s{n}"),
                title: Label::new("р", "s"),
                items,
            })
            .collect(),
    }
}

fn answers(pairs: &[(&str, AnswerValue)]) -> BTreeMap<String, AnswerValue> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn weights_and_shares_make_the_percentage() {
    let t = template(vec![vec![
        item("a", ItemKind::YesNo, 2.0),
        item("b", ItemKind::Scale, 1.0),
        item("w", waiting(), 1.0),
        item("c", choice(), 4.0),
    ]]);
    // a: 2 of 2; b: mark 3 = half of 1; w: 20 min = half of 1; c: partly = 2 of 4.
    let s = score(
        &t,
        &answers(&[
            ("a", AnswerValue::Yes),
            ("b", AnswerValue::Scale(3)),
            ("w", AnswerValue::Number(20.0)),
            ("c", AnswerValue::Choice("part".into())),
        ]),
    );
    assert_eq!(s.earned, 5.0);
    assert_eq!(s.possible, 8.0);
    assert_eq!(s.percent, Some(62.5));
    assert_eq!(s.item("w").unwrap().earned, 0.5);
    assert_eq!(
        s.item("b").unwrap().outcome,
        ItemOutcome::Scored { share: 0.5 }
    );
}

#[test]
fn waiting_time_bands_follow_the_thresholds() {
    let t = template(vec![vec![item("w", waiting(), 1.0)]]);
    let share = |m: f64| {
        score(&t, &answers(&[("w", AnswerValue::Number(m))]))
            .percent
            .unwrap()
    };
    assert_eq!(share(0.0), 100.0);
    assert_eq!(share(15.0), 100.0, "15 minutes or less is full marks");
    assert_eq!(share(15.5), 50.0);
    assert_eq!(share(25.0), 50.0);
    assert_eq!(share(26.0), 0.0);
}

#[test]
fn not_applicable_and_unanswered_items_leave_the_denominator() {
    let t = template(vec![vec![
        item("a", ItemKind::YesNo, 1.0),
        item("b", ItemKind::YesNo, 3.0),
        item("c", ItemKind::YesNo, 1.0),
    ]]);
    let s = score(
        &t,
        &answers(&[("a", AnswerValue::Yes), ("b", AnswerValue::NotApplicable)]),
    );
    assert_eq!(s.percent, Some(100.0));
    assert_eq!(s.possible, 1.0);
    assert_eq!(s.item("b").unwrap().outcome, ItemOutcome::NotApplicable);
    assert_eq!(s.item("c").unwrap().outcome, ItemOutcome::Unanswered);
    assert_eq!(
        score(&t, &BTreeMap::new()).percent,
        None,
        "nothing answered is no score, not zero"
    );
}

#[test]
fn a_failed_critical_item_zeroes_its_section_only() {
    let mut rude = item("rude", ItemKind::YesNo, 1.0);
    rude.critical = true;
    let t = template(vec![
        vec![rude, item("smile", ItemKind::YesNo, 5.0)],
        vec![item("clean", ItemKind::YesNo, 2.0)],
    ]);
    let s = score(
        &t,
        &answers(&[
            ("rude", AnswerValue::No),
            ("smile", AnswerValue::Yes),
            ("clean", AnswerValue::Yes),
        ]),
    );
    let first = s.section("s0").unwrap();
    assert_eq!(first.critical_failure.as_deref(), Some("rude"));
    assert_eq!(first.percent, Some(0.0));
    assert_eq!(
        first.items[1].earned, 5.0,
        "the item still shows what it earned before the zeroing"
    );
    assert_eq!(s.section("s1").unwrap().percent, Some(100.0));
    assert_eq!(s.earned, 2.0);
    assert_eq!(s.possible, 8.0);
    let passed = score(
        &t,
        &answers(&[("rude", AnswerValue::Yes), ("smile", AnswerValue::Yes)]),
    );
    assert_eq!(passed.section("s0").unwrap().critical_failure, None);
}

#[test]
fn answers_are_checked_against_their_item() {
    let mut no_na = item("a", ItemKind::YesNo, 1.0);
    no_na.allow_na = false;
    let t = template(vec![vec![
        no_na,
        item("b", ItemKind::Scale, 1.0),
        item("c", choice(), 1.0),
        item("w", waiting(), 1.0),
    ]]);
    assert!(t.check_answer("a", &AnswerValue::Yes).is_ok());
    let err = |id: &str, v: AnswerValue| t.check_answer(id, &v).unwrap_err().to_string();
    assert_eq!(
        err("a", AnswerValue::NotApplicable),
        "item `a` does not allow \"not applicable\""
    );
    assert_eq!(
        err("a", AnswerValue::Scale(3)),
        "item `a` expects yes or no"
    );
    assert_eq!(
        err("b", AnswerValue::Scale(6)),
        "item `b`: 6 is outside 1..=5"
    );
    assert_eq!(
        err("c", AnswerValue::Choice("maybe".into())),
        "item `c` has no option `maybe`"
    );
    assert_eq!(
        err("w", AnswerValue::Number(-1.0)),
        "item `w`: -1 is outside 0..=100000"
    );
    assert!(t.check_answer("w", &AnswerValue::Number(f64::NAN)).is_err());
    assert_eq!(
        err("zzz", AnswerValue::Yes),
        "item `zzz` is not in this checklist"
    );
}

#[test]
fn required_items_left_unanswered_are_listed_in_order() {
    let mut optional = item("b", ItemKind::YesNo, 1.0);
    optional.required = false;
    let t = template(vec![
        vec![item("a", ItemKind::YesNo, 1.0), optional],
        vec![item("c", ItemKind::YesNo, 1.0)],
    ]);
    assert_eq!(t.missing_required(&BTreeMap::new()), vec!["a", "c"]);
    assert_eq!(
        t.missing_required(&answers(&[("c", AnswerValue::NotApplicable)])),
        vec!["a"]
    );
}

// --- the laws, for any checklist and any answers ---------------------------------------

fn arb_kind() -> impl Strategy<Value = ItemKind> {
    prop_oneof![
        Just(ItemKind::YesNo),
        Just(ItemKind::Scale),
        Just(waiting()),
        Just(choice())
    ]
}

fn arb_value(kind: &ItemKind) -> BoxedStrategy<AnswerValue> {
    let specific: BoxedStrategy<AnswerValue> = match kind {
        ItemKind::YesNo => prop_oneof![Just(AnswerValue::Yes), Just(AnswerValue::No)].boxed(),
        ItemKind::Scale => (1u8..=5).prop_map(AnswerValue::Scale).boxed(),
        ItemKind::Number { .. } => (0.0..60.0f64).prop_map(AnswerValue::Number).boxed(),
        ItemKind::Choice { .. } => prop_oneof![Just("full"), Just("part"), Just("none")]
            .prop_map(|s| AnswerValue::Choice(s.into()))
            .boxed(),
    };
    prop_oneof![4 => specific, 1 => Just(AnswerValue::NotApplicable)].boxed()
}

/// A template of 1-4 sections of 1-6 items, and answers to some of its items.
fn arb_case() -> impl Strategy<Value = (Template, BTreeMap<String, AnswerValue>)> {
    prop::collection::vec(
        prop::collection::vec((arb_kind(), 0.1..10.0f64, any::<bool>()), 1..6),
        1..4,
    )
    .prop_flat_map(|sections| {
        let mut n = 0;
        let t = template(
            sections
                .into_iter()
                .map(|items| {
                    items
                        .into_iter()
                        .map(|(kind, weight, critical)| {
                            n += 1;
                            let mut i = item(&format!("i{n}"), kind, weight);
                            i.critical = critical;
                            i
                        })
                        .collect()
                })
                .collect(),
        );
        let values: Vec<_> = t
            .items()
            .map(|i| prop::option::weighted(0.8, arb_value(&i.kind)).boxed())
            .collect();
        (Just(t), values)
    })
    .prop_map(|(t, values)| {
        let answers = t
            .items()
            .zip(values)
            .filter_map(|(i, v)| Some((i.id.clone(), v?)))
            .collect();
        (t, answers)
    })
}

proptest! {
    #[test]
    fn percentages_stay_within_0_and_100((t, a) in arb_case()) {
        let s = score(&t, &a);
        for p in s.sections.iter().map(|s| s.percent).chain([s.percent]).flatten() {
            prop_assert!((0.0..=100.0).contains(&p), "{p}");
        }
        prop_assert!(s.earned <= s.possible + 1e-9);
    }

    #[test]
    fn scaling_every_weight_changes_nothing((t, a) in arb_case(), k in 0.01..100.0f64) {
        let mut scaled = t.clone();
        for section in &mut scaled.sections {
            for item in &mut section.items {
                item.weight *= k;
            }
        }
        let (s1, s2) = (score(&t, &a), score(&scaled, &a));
        prop_assert_eq!(s1.percent.is_some(), s2.percent.is_some());
        if let (Some(p1), Some(p2)) = (s1.percent, s2.percent) {
            prop_assert!((p1 - p2).abs() < 1e-9, "{p1} vs {p2}");
        }
        for (x, y) in s1.sections.iter().zip(&s2.sections) {
            if let (Some(p1), Some(p2)) = (x.percent, y.percent) {
                prop_assert!((p1 - p2).abs() < 1e-9);
            }
        }
    }

    /// Marking an item N/A scores the visit exactly as if the item were not in the
    /// checklist: the other items keep their shares of the points.
    #[test]
    fn not_applicable_is_the_same_as_absent((t, a) in arb_case(), pick in any::<prop::sample::Index>()) {
        let ids: Vec<String> = t.items().map(|i| i.id.clone()).collect();
        let target = pick.get(&ids).clone();
        let mut with_na = a.clone();
        with_na.insert(target.clone(), AnswerValue::NotApplicable);
        let mut without = t.clone();
        for section in &mut without.sections {
            section.items.retain(|i| i.id != target);
        }
        let mut rest = a.clone();
        rest.remove(&target);
        let (s1, s2) = (score(&t, &with_na), score(&without, &rest));
        prop_assert_eq!(s1.earned, s2.earned);
        prop_assert_eq!(s1.possible, s2.possible);
        prop_assert_eq!(s1.percent, s2.percent);
    }

    /// A better answer never lowers a score.
    #[test]
    fn a_better_answer_never_lowers_the_score((t, a) in arb_case(), pick in any::<prop::sample::Index>()) {
        let ids: Vec<String> = t.items().filter(|i| matches!(i.kind, ItemKind::YesNo)).map(|i| i.id.clone()).collect();
        prop_assume!(!ids.is_empty());
        let target = pick.get(&ids).clone();
        let mut worse = a.clone();
        worse.insert(target.clone(), AnswerValue::No);
        let mut better = a.clone();
        better.insert(target, AnswerValue::Yes);
        prop_assert!(score(&t, &better).earned >= score(&t, &worse).earned);
    }
}

#[test]
fn an_upheld_appeal_scores_its_item_as_decided_and_says_so() {
    use zakupka_core::{AppealOutcome, score_with};
    let mut door = item("door", ItemKind::YesNo, 1.0);
    door.critical = true;
    let t = template(vec![vec![door, item("smile", ItemKind::YesNo, 3.0)]]);
    let given = answers(&[("door", AnswerValue::No), ("smile", AnswerValue::Yes)]);
    // The critical failure zeroes the section as approved.
    assert_eq!(score(&t, &given).percent, Some(0.0));
    let passed = BTreeMap::from([("door".to_owned(), AppealOutcome::Passed)]);
    let s = score_with(&t, &given, &passed);
    assert_eq!(s.percent, Some(100.0));
    assert_eq!(s.item("door").unwrap().appeal, Some(AppealOutcome::Passed));
    assert_eq!(s.item("smile").unwrap().appeal, None);
    // Excluded: out of the possible points, as "not applicable" is.
    let given = answers(&[("door", AnswerValue::Yes), ("smile", AnswerValue::No)]);
    let excluded = BTreeMap::from([("smile".to_owned(), AppealOutcome::Excluded)]);
    let s = score_with(&t, &given, &excluded);
    assert_eq!((s.possible, s.percent), (1.0, Some(100.0)));
    assert_eq!(s.item("smile").unwrap().outcome, ItemOutcome::NotApplicable);
}
