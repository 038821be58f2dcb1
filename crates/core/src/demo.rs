//! Sample visits, the same on every machine: the demo's, and those the tests and benches
//! push. One generator for all of them, so what the benches measure is what the demo
//! shows. Pure like the rest of this crate: the caller stores what it gets.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::presence::Location;
use crate::{Answer, AnswerValue, Directory, Item, ItemKind, Office, Template, Visit, VisitStatus};

/// A small deterministic generator (a 64-bit linear congruential one): sample data and
/// injected faults come out the same on every run, without a dependency.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }

    /// The next number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Plausible submitted visits for the demo: mostly good answers, some lapses, every item
/// answered, started over the last weeks before `now` at offices of `directory`, by
/// `auditor1` and `auditor2` in turn.
pub fn generate_visits(
    template: &Template,
    directory: &Directory,
    count: usize,
    now: DateTime<Utc>,
) -> Vec<Visit> {
    let mut rng = Lcg::new(7);
    (0..count)
        .map(|n| {
            let office = &directory.offices[rng.below(directory.offices.len() as u64) as usize];
            let started = now - Duration::hours(6 + rng.below(24 * 60) as i64);
            let auditor = if n % 2 == 0 { "auditor1" } else { "auditor2" };
            plausible_visit(template, office, auditor, started, n as u32, &mut rng)
        })
        .collect()
}

/// One plausible submitted visit of `office` started at `started`: every item answered,
/// mostly well, at the office's own level of service. `n` tells visits started in the
/// same second apart in their ids.
pub fn plausible_visit(
    template: &Template,
    office: &Office,
    auditor: &str,
    started: DateTime<Utc>,
    n: u32,
    rng: &mut Lcg,
) -> Visit {
    let finished = started + Duration::minutes(20 + rng.below(40) as i64);
    // Each office has its own level of service, so the demo has a spread of scores.
    let quality = 55 + (office.id.bytes().map(u64::from).sum::<u64>() % 45);
    let mut answers = BTreeMap::new();
    for item in template.items() {
        let good = rng.below(100) < quality;
        let value = match &item.kind {
            _ if item.allow_na && rng.below(100) < 5 => AnswerValue::NotApplicable,
            ItemKind::YesNo if good || item.critical && rng.below(100) < 90 => AnswerValue::Yes,
            ItemKind::YesNo => AnswerValue::No,
            ItemKind::Scale => AnswerValue::Scale(if good {
                4 + rng.below(2) as u8
            } else {
                2 + rng.below(2) as u8
            }),
            ItemKind::Number { .. } => AnswerValue::Number(if good {
                3 + rng.below(12)
            } else {
                14 + rng.below(20)
            } as f64),
            ItemKind::Choice { options } => {
                let pick = if good {
                    0
                } else {
                    rng.below(options.len() as u64) as usize
                };
                AnswerValue::Choice(options[pick].id.clone())
            }
        };
        answers.insert(item.id.clone(), answered(value, finished));
    }
    let scenario = rng.below(template.scenarios.len() as u64) as usize;
    let mut visit = submitted(
        template,
        &office.id,
        auditor,
        scenario,
        (started, finished),
        n,
        answers,
    );
    // At the office, a few tens of metres off as phones indoors are; from `n`, not from
    // `rng`, so the answers (and every figure made from them) stay what they were.
    if let Some(at) = office.position {
        let off = f64::from(n % 7) * 0.0001;
        let fix = |lat: f64, at_time| Location {
            lat,
            lon: at.lon + off,
            accuracy_m: 15.0 + f64::from(n % 5) * 5.0,
            at: at_time,
        };
        visit.start_location = Some(fix(at.lat + off, started));
        visit.finish_location = Some(fix(at.lat - off, finished));
    }
    visit
}

/// A valid answer to `item` that cycles through its kind's values with `k`; a yes/no item
/// answers no when `lapse`. For benches and tests that want many different answers
/// without randomness.
pub fn cycled_answer(item: &Item, k: usize, lapse: bool) -> AnswerValue {
    match &item.kind {
        ItemKind::YesNo if lapse => AnswerValue::No,
        ItemKind::YesNo => AnswerValue::Yes,
        ItemKind::Scale => AnswerValue::Scale(1 + (k % 5) as u8),
        ItemKind::Number { .. } => AnswerValue::Number((k % 30) as f64),
        ItemKind::Choice { options } => AnswerValue::Choice(options[k % options.len()].id.clone()),
    }
}

/// A submitted visit of `office` by `auditor`, finished at `finished` after 35 minutes,
/// every item answered by [`cycled_answer`] varying with `n`; `lapses` (0-100) makes the
/// office's service better or worse, so a rating has a spread of scores. Built directly,
/// as the server benches need hundreds of thousands.
pub fn cycled_visit(
    template: &Template,
    office: &str,
    auditor: &str,
    n: usize,
    lapses: usize,
    finished: DateTime<Utc>,
) -> Visit {
    let mut answers = BTreeMap::new();
    for (i, item) in template.items().enumerate() {
        let k = n.wrapping_mul(31).wrapping_add(i * 7);
        let value = cycled_answer(item, k, k % 100 < lapses);
        answers.insert(item.id.clone(), answered(value, finished));
    }
    let started = finished - Duration::minutes(35);
    let scenario = n % template.scenarios.len();
    submitted(
        template,
        office,
        auditor,
        scenario,
        (started, finished),
        0,
        answers,
    )
}

fn answered(value: AnswerValue, at: DateTime<Utc>) -> Answer {
    Answer {
        value: Some(value),
        comment: String::new(),
        photos: vec![],
        updated_at: at,
    }
}

/// The visit around `answers`, submitted as revision 1, its template's `scenario`-th
/// scenario.
fn submitted(
    template: &Template,
    office: &str,
    auditor: &str,
    scenario: usize,
    (started, finished): (DateTime<Utc>, DateTime<Utc>),
    subsec_nanos: u32,
    answers: BTreeMap<String, Answer>,
) -> Visit {
    // A v7 id from the visit's own time, as a device makes it; its random part keeps it
    // unique.
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, started.timestamp() as u64, subsec_nanos);
    Visit {
        id: Uuid::new_v7(ts),
        template_id: template.id.clone(),
        template_version: template.version,
        office_id: office.to_owned(),
        auditor: auditor.to_owned(),
        scenario: template.scenarios[scenario].id.clone(),
        started_at: started,
        finished_at: Some(finished),
        waiting_seconds: None,
        comment: String::new(),
        status: VisitStatus::Submitted,
        revision: 1,
        answers,
        case_id: None,
        start_location: None,
        finish_location: None,
    }
}
