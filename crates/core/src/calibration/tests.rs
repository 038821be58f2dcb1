//! Agreement and severity on data whose truth is known: the worked example is in
//! `alpha.rs`; here simulated quarters with auditors of known severity, and properties.

use proptest::prelude::*;

use super::*;
use crate::demo::Lcg;

fn uniform(rng: &mut Lcg) -> f64 {
    (rng.below(1 << 30) as f64 + 0.5) / f64::from(1u32 << 30)
}

/// A standard normal number (Box–Muller).
fn normal(rng: &mut Lcg) -> f64 {
    let (u, v) = (uniform(rng), uniform(rng));
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|a, b| xs[*a].total_cmp(&xs[*b]));
    let mut r = vec![0.0; xs.len()];
    for (rank, i) in order.into_iter().enumerate() {
        r[i] = rank as f64;
    }
    r
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma) * (x - ma)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb) * (y - mb)).sum();
    cov / (va * vb).sqrt()
}

const AUDITORS: usize = 30;

/// A quarter: 30 auditors whose true severities are drawn (sd 8 points); 150 offices,
/// each visited in 3 weeks of the quarter by a random pair of different auditors within
/// the week (a unit); 20 items a visit (10 yes/no, 6 marks, 4 banded numbers), each
/// office's service of each item its own level, each answer that level shifted by the
/// auditor's severity and noise, then as coarse as the item's kind allows.
///
/// `coarse` false keeps each share as seen, so the
/// model holds exactly and its intervals can be held to their 90%.
fn simulate_as(seed: u64, coarse: bool) -> (Vec<f64>, Vec<Observation>) {
    let mut rng = Lcg::new(seed);
    let truth: Vec<f64> = (0..AUDITORS).map(|_| 8.0 * normal(&mut rng)).collect();
    let mut observations = Vec::new();
    for office in 0..150 {
        for week in 0..3 {
            let a = rng.below(AUDITORS as u64) as usize;
            let b = (a + 1 + rng.below(AUDITORS as u64 - 1) as usize) % AUDITORS;
            let unit = format!("o{office}-w{week}");
            let levels: Vec<f64> = (0..20).map(|_| 0.3 + 0.7 * uniform(&mut rng)).collect();
            for auditor in [a, b] {
                for (i, level) in levels.iter().enumerate() {
                    let seen = level - truth[auditor] / 100.0 + 0.12 * normal(&mut rng);
                    let share = match i {
                        _ if !coarse => seen,
                        0..10 => f64::from(u8::from(seen > 0.5)),
                        10..16 => (seen.clamp(0.0, 1.0) * 4.0).round() / 4.0,
                        _ => (seen.clamp(0.0, 1.0) * 2.0).round() / 2.0,
                    };
                    observations.push(Observation {
                        unit: unit.as_str().into(),
                        item: format!("i{i}").into(),
                        rater: Rater::Auditor(format!("a{auditor:02}").into()),
                        value: share,
                        answer: share,
                    });
                }
            }
        }
    }
    (truth, observations)
}

/// (true, estimated) severities of the auditors the quarter paired, and how many of
/// their 90% intervals hold the truth.
fn estimate(seed: u64) -> (Vec<f64>, Vec<f64>, usize) {
    estimate_as(seed, true)
}

fn estimate_as(seed: u64, coarse: bool) -> (Vec<f64>, Vec<f64>, usize) {
    let (truth, observations) = simulate_as(seed, coarse);
    let found = severities(&observations);
    let mut covered = 0;
    let (mut t, mut e) = (Vec::new(), Vec::new());
    for s in &found {
        let i: usize = s.login[1..].parse().unwrap_or(0);
        // Centred on the mean, as the estimates are (no keys).
        let mean = truth.iter().sum::<f64>() / truth.len() as f64;
        let true_s = truth[i] - mean;
        if s.low.is_some_and(|l| l <= true_s) && s.high.is_some_and(|h| true_s <= h) {
            covered += 1;
        }
        t.push(true_s);
        e.push(s.severity);
    }
    (t, e, covered)
}

#[test]
fn simulated_severities_rank_as_the_true_ones() {
    let (truth, estimated, _) = estimate(2026);
    assert_eq!(truth.len(), AUDITORS);
    let rho = spearman(&truth, &estimated);
    assert!(rho >= 0.9, "Spearman {rho:.3}");
    // Yes/no and marks coarsen the shift, so the estimates are in the answers' points,
    // not the latent ones: the intervals are judged where the model holds, below.
}

#[test]
fn severity_intervals_hold_the_truth_about_nine_times_in_ten() {
    let (mut covered, mut all) = (0, 0);
    for seed in 0..10 {
        let (truth, estimated, c) = estimate_as(seed, false);
        assert!(spearman(&truth, &estimated) >= 0.9);
        covered += c;
        all += truth.len();
    }
    let share = covered as f64 / all as f64;
    assert!(
        (0.8..=0.97).contains(&share),
        "{covered} of {all} intervals hold the truth"
    );
}

#[test]
fn keys_anchor_severity_in_points() {
    // Auditor `h` scores every item a fifth below the key, `l` a tenth above it.
    let mut observations = Vec::new();
    for unit in 0..5 {
        for item in 0..4 {
            let key = 0.2 + 0.1 * f64::from(item) + 0.05 * f64::from(unit);
            for (rater, value) in [
                (Rater::Key, key),
                (Rater::Auditor("h".into()), key - 0.2),
                (Rater::Auditor("l".into()), key + 0.1),
            ] {
                observations.push(Observation {
                    unit: format!("case{unit}").into(),
                    item: format!("i{item}").into(),
                    rater,
                    value,
                    answer: value,
                });
            }
        }
    }
    let found = severities(&observations);
    let logins: Vec<&str> = found.iter().map(|s| s.login.as_str()).collect();
    assert_eq!(logins, ["h", "l"], "the key is no auditor");
    assert!((found[0].severity - 20.0).abs() < 1e-6, "{found:?}");
    assert!((found[1].severity + 10.0).abs() < 1e-6, "{found:?}");
}

#[test]
fn lone_visits_say_nothing_about_severity() {
    let o = |unit: &str, login: &str, value: f64| Observation {
        unit: unit.into(),
        item: "i".into(),
        rater: Rater::Auditor(login.into()),
        value,
        answer: value,
    };
    let found = severities(&[o("u1", "a", 0.0), o("u1", "b", 1.0), o("u2", "c", 0.0)]);
    let logins: Vec<&str> = found.iter().map(|s| s.login.as_str()).collect();
    assert_eq!(logins, ["a", "b"]);
    assert!(found[0].severity > 0.0 && found[1].severity < 0.0);
    assert_eq!(found[0].low, None, "one unit gives no interval");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn severities_rank_well_for_any_quarter(seed in any::<u64>()) {
        let (truth, estimated, _) = estimate(seed);
        let rho = spearman(&truth, &estimated);
        prop_assert!(rho >= 0.7, "Spearman {rho:.3}");
    }

    #[test]
    fn perfect_agreement_is_one(
        units in prop::collection::vec((0u8..5, 2usize..5), 2..30),
    ) {
        let values: Vec<Vec<f64>> =
            units.iter().map(|(v, m)| vec![f64::from(*v); *m]).collect();
        let varies = units.iter().any(|u| u.0 != units[0].0);
        for level in [Level::Nominal, Level::Ordinal, Level::Interval] {
            let a = alpha(level, &values);
            if varies {
                prop_assert_eq!(a, Some(1.0));
            } else {
                prop_assert_eq!(a, None);
            }
        }
    }

    #[test]
    fn alpha_is_at_most_one_and_ignores_unit_order(
        units in prop::collection::vec(prop::collection::vec(0u8..5, 0..5), 1..30),
    ) {
        let values: Vec<Vec<f64>> = units
            .iter()
            .map(|u| u.iter().map(|v| f64::from(*v)).collect())
            .collect();
        let mut reversed = values.clone();
        reversed.reverse();
        for level in [Level::Nominal, Level::Ordinal, Level::Interval] {
            let a = alpha(level, &values);
            prop_assert!(a.is_none_or(|a| a <= 1.0 + 1e-12));
            let b = alpha(level, &reversed);
            let same = match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (a, b) => a == b,
            };
            prop_assert!(same, "{:?} vs {:?}", a, b);
        }
    }
}

fn checklist() -> Template {
    let text = include_str!("../../../../seeds/checklist.toml");
    crate::seed::parse_template("checklist.toml", text).expect("the seed checklist")
}

#[test]
fn items_answered_at_random_are_marked_unreliable_wording() {
    let template = checklist();
    let items: Vec<&Item> = template.items().collect();
    let (steady, random) = (items[0], items[1]);
    let mut rng = Lcg::new(5);
    let mut observations = Vec::new();
    for unit in 0..40 {
        // Two auditors agree on the first item, and answer the second independently.
        let agreed = if unit % 2 == 0 {
            AnswerValue::Yes
        } else {
            AnswerValue::No
        };
        for login in ["a", "b"] {
            let rater = Rater::Auditor(login.into());
            let coin = if rng.below(2) == 0 {
                AnswerValue::Yes
            } else {
                AnswerValue::No
            };
            let unit: std::sync::Arc<str> = format!("u{unit}").into();
            observations.extend(Observation::of(
                steady,
                &agreed,
                unit.clone(),
                rater.clone(),
            ));
            observations.extend(Observation::of(random, &coin, unit.clone(), rater.clone()));
            // "Not applicable" is a missing value, not a disagreement.
            observations.extend(Observation::of(
                steady,
                &AnswerValue::NotApplicable,
                unit,
                rater,
            ));
        }
    }
    let (sections, _) = calibrate(&template, &observations);
    let item = |id: &str| {
        sections
            .iter()
            .flat_map(|s| s.items.iter())
            .find(|i| i.item_id == id)
            .expect("item reported")
    };
    let (s, r) = (item(&steady.id), item(&random.id));
    assert_eq!((s.alpha, s.unreliable, s.units), (Some(1.0), false, 40));
    assert!(
        r.alpha.is_some_and(|a| a < RELIABLE_ALPHA) && r.unreliable,
        "{r:?}"
    );
    let untouched = item(&items[5].id);
    assert_eq!((untouched.alpha, untouched.unreliable), (None, false));
    assert_eq!(sections[0].items.len(), template.sections[0].items.len());
}
