//! The rating engine: places shared under both tie rules, the league boundary, branches
//! that cannot be rated and why, KPI normalisation, and a trace down to the visits.

use std::collections::BTreeMap;

use proptest::prelude::*;
use uuid::Uuid;
use zakupka_core::rating::{
    BranchQuarter, Criterion, Measure, Methodology, NotRated, TieRule, rate,
};
use zakupka_core::seed::parse_methodology;
use zakupka_core::{Branch, Label, League};

fn audits_only(tie_rule: TieRule) -> Methodology {
    Methodology {
        id: "m".into(),
        version: 1,
        title: Label::new("Рейтинг", "Rating"),
        league_threshold: 60_000,
        precision: 1,
        tie_rule,
        min_approved_visits: 1,
        adjust_for_auditor_severity: false,
        appeal_window_days: None,
        action_due_days: None,
        action_due_days_critical: None,
        criteria: vec![Criterion {
            id: "quality".into(),
            label: Label::new("Качество", "Quality"),
            weight: 1.0,
            measure: Measure::Audits,
        }],
    }
}

fn branch(id: &str, accounts: u32, scores: &[f64]) -> BranchQuarter {
    BranchQuarter {
        branch: Branch {
            id: id.into(),
            name: Label::new(id, id),
            district: String::new(),
            accounts,
        },
        visits: scores
            .iter()
            .enumerate()
            .map(|(n, s)| (Uuid::from_u128(n as u128 + 1), *s))
            .collect(),
        kpis: BTreeMap::new(),
        loop_figures: Default::default(),
    }
}

fn places(table: &zakupka_core::rating::LeagueTable) -> Vec<(String, u32)> {
    table
        .rows
        .iter()
        .map(|r| (r.branch_id.clone(), r.place))
        .collect()
}

#[test]
fn the_shipped_methodology_has_ten_weighted_criteria() {
    let m = parse_methodology(
        "seeds/methodology.toml",
        include_str!("../../../seeds/methodology.toml"),
    )
    .unwrap();
    // Ten weighted, and since issue 13 the loop's two shown at weight 0.
    assert_eq!(m.criteria.iter().filter(|c| c.weight > 0.0).count(), 10);
    assert_eq!(m.criteria.len(), 12);
    assert_eq!(m.criteria.iter().map(|c| c.weight).sum::<f64>(), 100.0);
    assert_eq!(
        (m.league_threshold, m.tie_rule, m.precision),
        (60_000, TieRule::Dense, 1)
    );
    assert!(matches!(m.criteria[0].measure, Measure::Audits));
}

#[test]
fn equal_scores_share_a_place_1_2_2_3_or_1_2_2_4() {
    let quarter = [
        branch("klin", 58_000, &[90.0]),
        branch("shatura", 29_000, &[80.0]),
        branch("balashikha-small", 30_000, &[80.0]),
        branch("mozhaysk", 31_000, &[70.0]),
    ];
    let dense = rate(&audits_only(TieRule::Dense), &quarter);
    let small = dense.iter().find(|t| t.league == League::Small).unwrap();
    assert_eq!(
        places(small),
        [
            ("klin".into(), 1),
            ("balashikha-small".into(), 2),
            ("shatura".into(), 2),
            ("mozhaysk".into(), 3)
        ]
    );
    let standard = rate(&audits_only(TieRule::Standard), &quarter);
    let small = standard.iter().find(|t| t.league == League::Small).unwrap();
    assert_eq!(
        small.rows.iter().map(|r| r.place).collect::<Vec<_>>(),
        [1, 2, 2, 4]
    );
}

#[test]
fn ties_are_judged_at_the_published_precision() {
    let quarter = [
        branch("a", 10, &[80.04]),
        branch("b", 10, &[79.96]),
        branch("c", 10, &[80.06]),
    ];
    let table = &rate(&audits_only(TieRule::Dense), &quarter)[1];
    assert_eq!(
        places(table),
        [("c".into(), 1), ("a".into(), 2), ("b".into(), 2)]
    );
    assert_eq!(table.rows[1].score, 80.0);
    assert_eq!(table.rows[0].score, 80.1);
}

#[test]
fn more_than_60000_accounts_is_the_large_league() {
    let quarter = [
        branch("at", 60_000, &[50.0]),
        branch("above", 60_001, &[50.0]),
    ];
    let tables = rate(&audits_only(TieRule::Dense), &quarter);
    assert_eq!(tables[0].league, League::Large);
    assert_eq!(places(&tables[0]), [("above".into(), 1)]);
    assert_eq!(places(&tables[1]), [("at".into(), 1)]);
}

#[test]
fn branches_without_enough_visits_or_with_missing_kpis_are_listed_with_the_reason() {
    let mut m = audits_only(TieRule::Dense);
    m.min_approved_visits = 2;
    m.criteria.push(Criterion {
        id: "complaints".into(),
        label: Label::new("Жалобы", "Complaints"),
        weight: 1.0,
        measure: Measure::Kpi {
            key: "complaints_per_10k".into(),
            best: 0.0,
            worst: 10.0,
        },
    });
    let mut full = branch("full", 10, &[80.0, 90.0]);
    full.kpis.insert("complaints_per_10k".into(), 2.5);
    let few = branch("few", 10, &[100.0]);
    let no_kpi = branch("no-kpi", 10, &[100.0, 100.0]);
    let table = &rate(&m, &[full, few, no_kpi])[1];
    assert_eq!(places(table), [("full".into(), 1)]);
    assert_eq!(
        table.not_rated,
        [
            (
                "few".to_string(),
                NotRated::TooFewVisits {
                    approved: 1,
                    needed: 2
                }
            ),
            (
                "no-kpi".to_string(),
                NotRated::MissingKpi {
                    keys: vec!["complaints_per_10k".into()]
                }
            ),
        ]
    );
    // The trace: mean visit score 85 and 2.5 complaints (75 of 100), weighted equally.
    let row = &table.rows[0];
    assert_eq!(row.criteria[0].value, 85.0);
    assert_eq!(row.criteria[1].score, 75.0);
    assert_eq!(row.score, 80.0);
    assert_eq!(row.criteria.iter().map(|c| c.points).sum::<f64>(), 80.0);
    assert_eq!(row.visits, [Uuid::from_u128(1), Uuid::from_u128(2)]);
}

#[test]
fn kpis_are_scored_between_worst_and_best_either_way_round() {
    let mut m = audits_only(TieRule::Dense);
    m.criteria = vec![Criterion {
        id: "k".into(),
        label: Label::new("k", "k"),
        weight: 1.0,
        measure: Measure::Kpi {
            key: "complaints".into(),
            best: 0.0,
            worst: 10.0,
        },
    }];
    let score = |v: f64| {
        let mut b = branch("b", 10, &[50.0]);
        b.kpis.insert("complaints".into(), v);
        rate(&m, &[b])[1].rows[0].score
    };
    assert_eq!(
        (score(0.0), score(5.0), score(10.0), score(25.0)),
        (100.0, 50.0, 0.0, 0.0)
    );
}

#[test]
fn methodology_errors_name_the_line_and_field() {
    let text = include_str!("../../../seeds/methodology.toml");
    let err = |t: &str| parse_methodology("m.toml", t).unwrap_err().to_string();
    let line = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    assert_eq!(
        err(&text.replace("tie_rule = \"1-2-2-3\"", "tie_rule = \"1-1-1\"")),
        format!(
            "m.toml, line {}, field `tie_rule`: `1-1-1` is not a tie rule: use \"1-2-2-3\" or \"1-2-2-4\"",
            line("tie_rule")
        )
    );
    assert_eq!(
        err(&text.replacen("weight = 20", "weight = 0", 1)),
        format!(
            "m.toml, line {}, field `criteria.weight`: 0 must be greater than 0 and at most 1000",
            line("weight = 20")
        )
    );
    assert!(
        err(&text.replacen("best = 0\nworst = 10", "worst = 10", 1))
            .contains("field `criteria.best`: criterion `complaints` needs `best` and `worst`")
    );
    assert!(
        err(&text.replace("precision = 1", "precision = 9"))
            .contains("field `precision`: 9 must be a whole number from 0 to 3")
    );
}

proptest! {
    /// Whatever the scores: places never go down the table, equal published scores share a
    /// place, dense places have no gaps, and standard places count the branches above.
    #[test]
    fn places_follow_the_scores(scores in prop::collection::vec(0.0..100.0f64, 1..30), dense in any::<bool>()) {
        let rule = if dense { TieRule::Dense } else { TieRule::Standard };
        let quarter: Vec<_> = scores.iter().enumerate().map(|(n, s)| branch(&format!("b{n:02}"), 10, &[(s * 2.0).round() / 2.0])).collect();
        let table = &rate(&audits_only(rule), &quarter)[1];
        prop_assert_eq!(table.rows.len(), scores.len());
        prop_assert_eq!(table.rows[0].place, 1);
        for pair in table.rows.windows(2) {
            prop_assert!(pair[0].score >= pair[1].score);
            if pair[0].score == pair[1].score {
                prop_assert_eq!(pair[0].place, pair[1].place);
            } else if dense {
                prop_assert_eq!(pair[1].place, pair[0].place + 1);
            }
        }
        if !dense {
            for r in &table.rows {
                let above = table.rows.iter().filter(|o| o.score > r.score).count() as u32;
                prop_assert_eq!(r.place, above + 1);
            }
        }
        for r in &table.rows {
            prop_assert!((0.0..=100.0).contains(&r.score));
        }
    }
}

#[test]
fn history_counts_leaderships_and_hands_the_cups_to_the_latest_leaders() {
    let m = audits_only(TieRule::Dense);
    let quarter = |q: &str, scores: &[(&str, u32, f64)]| {
        let branches: Vec<_> = scores
            .iter()
            .map(|(id, accounts, s)| branch(id, *accounts, &[*s]))
            .collect();
        (
            q.parse::<zakupka_core::rating::Quarter>().unwrap(),
            rate(&m, &branches),
        )
    };
    let published = vec![
        // Given out of order: the history sorts them.
        quarter(
            "2024-Q2",
            &[
                ("serpukhov", 90_000, 90.0),
                ("balashikha", 200_000, 80.0),
                ("klin", 58_000, 70.0),
                ("shatura", 29_000, 70.0),
            ],
        ),
        quarter(
            "2024-Q1",
            &[
                ("serpukhov", 90_000, 88.0),
                ("balashikha", 200_000, 89.0),
                ("klin", 58_000, 75.0),
                ("shatura", 29_000, 60.0),
            ],
        ),
    ];
    let h = zakupka_core::rating::history(&published);
    assert_eq!(
        h.quarters
            .iter()
            .map(|q| q.quarter.to_string())
            .collect::<Vec<_>>(),
        ["2024-Q1", "2024-Q2"]
    );
    assert_eq!(h.cup(League::Large), ["serpukhov"]);
    assert_eq!(
        h.cup(League::Small),
        ["klin", "shatura"],
        "a shared first place shares the cup"
    );
    assert_eq!(h.times_led["klin"], 2);
    assert_eq!(h.times_led["serpukhov"], 1);
    assert_eq!(h.times_led["balashikha"], 1);
    assert_eq!(
        h.scores["serpukhov"]
            .iter()
            .map(|s| s.1)
            .collect::<Vec<_>>(),
        [88.0, 90.0],
        "a trend, oldest first"
    );
}

#[test]
fn severity_adjustment_raises_a_harsh_auditors_branch_beside_the_raw_figure() {
    use zakupka_core::rating::adjust_for_severity;
    let mut harsh = branch("harsh", 10_000, &[70.0, 72.0]);
    harsh.visits = vec![(Uuid::from_u128(101), 70.0), (Uuid::from_u128(102), 72.0)];
    let fair = branch("fair", 10_000, &[75.0, 75.0]);
    // The harsh branch's visits were made by an auditor 10 points harsher than partners.
    let shift = |id: Uuid| if id.as_u128() > 100 { 10.0 } else { 0.0 };
    let mut m = audits_only(TieRule::Dense);
    let mut off = rate(&m, &[harsh.clone(), fair.clone()]);
    adjust_for_severity(&m, &mut off, shift);
    assert!(
        off[1].rows.iter().all(|r| r.adjusted_audits.is_none()),
        "off by default"
    );

    m.adjust_for_auditor_severity = true;
    let mut on = rate(&m, &[harsh, fair]);
    let before = on.clone();
    adjust_for_severity(&m, &mut on, shift);
    let small = &on[1];
    let row = |id: &str| small.rows.iter().find(|r| r.branch_id == id).unwrap();
    assert_eq!(row("harsh").adjusted_audits, Some(81.0));
    assert_eq!(row("fair").adjusted_audits, Some(75.0));
    // The published figure and the places stay the raw ones.
    assert_eq!((row("harsh").score, row("harsh").place), (71.0, 2));
    assert_eq!((row("fair").score, row("fair").place), (75.0, 1));
    for (a, b) in on.iter().zip(&before) {
        for (x, y) in a.rows.iter().zip(&b.rows) {
            assert_eq!(
                (x.place, x.score, &x.criteria),
                (y.place, y.score, &y.criteria)
            );
        }
    }
}

#[test]
fn the_severity_switch_is_read_from_the_methodology_and_off_by_default() {
    let text = include_str!("../../../seeds/methodology.toml");
    let seeded = parse_methodology("methodology.toml", text).unwrap();
    assert!(!seeded.adjust_for_auditor_severity);
    let on = text.replace(
        "adjust_for_auditor_severity = false",
        "adjust_for_auditor_severity = true",
    );
    assert!(
        parse_methodology("m.toml", &on)
            .unwrap()
            .adjust_for_auditor_severity
    );
    let absent = text.replace("adjust_for_auditor_severity = false", "");
    let m = parse_methodology("m.toml", &absent).unwrap();
    assert!(!m.adjust_for_auditor_severity);
    // Off, it is not in the JSON: stored methodologies read and compare as before.
    assert!(!serde_json::to_string(&m).unwrap().contains("adjust"));
}

#[test]
fn the_appeal_window_is_read_from_the_methodology_and_ten_days_by_default() {
    let text = include_str!("../../../seeds/methodology.toml");
    let seeded = parse_methodology("methodology.toml", text).unwrap();
    assert_eq!(seeded.appeal_window_days(), 10);
    assert!(
        !serde_json::to_string(&seeded)
            .unwrap()
            .contains("appeal_window")
    );
    let week = text.replace(
        "adjust_for_auditor_severity = false",
        "adjust_for_auditor_severity = false\nappeal_window_days = 7",
    );
    assert_eq!(
        parse_methodology("m.toml", &week)
            .unwrap()
            .appeal_window_days(),
        7
    );
    let wrong = text.replace(
        "adjust_for_auditor_severity = false",
        "adjust_for_auditor_severity = false\nappeal_window_days = -1",
    );
    let e = parse_methodology("m.toml", &wrong).unwrap_err();
    assert!(e.to_string().contains("appeal_window_days"), "{e}");
}

/// The loop as criteria (issue 13): at weight 0, as the shipped methodology has them, the
/// places are those of the other criteria; given weight, the branch that fixes on time
/// and without repeats moves up.
#[test]
fn fixing_on_time_and_without_repeats_moves_places_only_when_it_weighs() {
    use zakupka_core::rating::LoopFigures;
    let shipped = parse_methodology(
        "seeds/methodology.toml",
        include_str!("../../../seeds/methodology.toml"),
    )
    .unwrap();
    let loop_criteria: Vec<&Criterion> = shipped
        .criteria
        .iter()
        .filter(|c| matches!(c.measure, Measure::ActionsOnTime | Measure::RepeatDefects))
        .collect();
    assert_eq!(loop_criteria.len(), 2);
    assert!(loop_criteria.iter().all(|c| c.weight == 0.0));

    // Shatura audits a little better; Klin fixes everything on time, Shatura half, with
    // repeats.
    let mut klin = branch("klin", 30_000, &[80.0]);
    klin.loop_figures = LoopFigures {
        due: 4,
        on_time: 4,
        rechecked: 2,
        repeats: 0,
    };
    let mut shatura = branch("shatura", 29_000, &[82.0]);
    shatura.loop_figures = LoopFigures {
        due: 4,
        on_time: 2,
        rechecked: 2,
        repeats: 1,
    };
    let quarter = [klin, shatura];
    let mut m = audits_only(TieRule::Dense);
    for c in &loop_criteria {
        m.criteria.push((*c).clone());
    }
    let first = |m: &Methodology| {
        let tables = rate(m, &quarter);
        places(tables.iter().find(|t| t.league == League::Small).unwrap())[0]
            .0
            .clone()
    };
    assert_eq!(first(&m), "shatura", "weight 0: the audits alone decide");
    let small = rate(&m, &quarter);
    let row = &small
        .iter()
        .find(|t| t.league == League::Small)
        .unwrap()
        .rows[0];
    let on_time = row
        .criteria
        .iter()
        .find(|c| c.criterion_id == "actions-on-time")
        .unwrap();
    assert_eq!(
        (on_time.value, on_time.points),
        (50.0, 0.0),
        "shown, not counted"
    );
    let repeats = row
        .criteria
        .iter()
        .find(|c| c.criterion_id == "repeat-defects")
        .unwrap();
    assert_eq!((repeats.value, repeats.score), (50.0, 50.0));
    for c in m.criteria.iter_mut().skip(1) {
        c.weight = 10.0;
    }
    assert_eq!(first(&m), "klin", "given weight, the loop moves Klin up");
    // A branch with nothing due or re-checked loses nothing by it.
    let (value, score) = LoopFigures::default().on_time_score();
    assert_eq!((value, score), (100.0, 100.0));
    assert_eq!(LoopFigures::default().repeat_score(), (0.0, 100.0));
}
