//! The sample visits the demo, the tests and the benches share: valid against the shipped
//! seeds, every item answered, and the same answers on every run.

use chrono::{TimeZone, Utc};
use zakupka_core::demo::{Lcg, cycled_visit, generate_visits};
use zakupka_core::seed::{parse_directory, parse_template};
use zakupka_core::{Directory, Template, Visit};

fn seeds() -> (Template, Directory) {
    let template = parse_template(
        "checklist.toml",
        include_str!("../../../seeds/checklist.toml"),
    )
    .unwrap();
    let directory = parse_directory(
        "branches.csv",
        include_str!("../../../seeds/branches.csv"),
        "offices.csv",
        include_str!("../../../seeds/offices.csv"),
    )
    .unwrap();
    (template, directory)
}

/// A visit without what differs from run to run (the random part of its id).
fn content(v: &Visit) -> String {
    let mut v = v.clone();
    v.id = uuid::Uuid::nil();
    serde_json::to_string(&v).unwrap()
}

#[test]
fn generated_visits_are_valid_complete_and_reproducible() {
    let (t, d) = seeds();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap();
    let visits = generate_visits(&t, &d, 40, now);
    let items = t.items().count();
    assert!(items >= 40, "the benches push visits of 40 answers");
    for v in &visits {
        v.validate(&t, &d).unwrap();
        assert_eq!(v.answers.len(), items);
        assert!(v.finished_at.unwrap() < now);
    }
    let again = generate_visits(&t, &d, 40, now);
    assert_eq!(
        visits.iter().map(content).collect::<Vec<_>>(),
        again.iter().map(content).collect::<Vec<_>>()
    );
    let scores: std::collections::BTreeSet<u64> = visits
        .iter()
        .filter_map(|v| zakupka_core::score(&t, &v.values()).percent)
        .map(|p| p.round() as u64)
        .collect();
    assert!(scores.len() > 5, "a spread of scores: {scores:?}");

    let finished = now - chrono::Duration::hours(1);
    for n in 0..10 {
        let v = cycled_visit(&t, &d.offices[n].id, "auditor1", n, 20, finished);
        v.validate(&t, &d).unwrap();
        assert_eq!(v.answers.len(), items);
    }
}

#[test]
fn the_generator_is_the_same_on_every_run() {
    let draw = |seed| {
        let mut rng = Lcg::new(seed);
        (0..5).map(|_| rng.below(1000)).collect::<Vec<_>>()
    };
    assert_eq!(draw(7), draw(7));
    assert_ne!(draw(7), draw(11));
    assert_eq!(Lcg::new(7).below(0), 0);
}
