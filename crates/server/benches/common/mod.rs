//! What both server benches share: sizes from the environment, and valid submitted visits
//! made the way the client's sync bench makes them (every item answered, values cycling
//! through each item's kind), but built directly: going through a device store would cost
//! one durable transaction per answer and dominate the run.

#![allow(dead_code)] // each bench uses its own part of this

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;
use zakupka_core::{Answer, AnswerValue, ItemKind, Template, Visit, VisitStatus};

/// `ZAKUPKA_BENCH_QUICK=1` shrinks every default size tenfold, for a smoke run in CI.
pub fn quick() -> bool {
    std::env::var("ZAKUPKA_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// A size from `var`, else `default` (a tenth of it in quick mode, at least 1).
pub fn size(var: &str, default: usize) -> usize {
    match std::env::var(var).ok().and_then(|v| v.parse().ok()) {
        Some(n) => n,
        None if quick() => (default / 10).max(1),
        None => default,
    }
}

/// A submitted visit of `office` by `auditor`, finished at `finished`. `n` varies the
/// answers as the client's sync bench does; `lapses` (0-100) makes an office's service
/// better or worse, so a rating has a spread of scores.
pub fn visit(
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
        let value = match &item.kind {
            ItemKind::YesNo if k % 100 < lapses => AnswerValue::No,
            ItemKind::YesNo => AnswerValue::Yes,
            ItemKind::Scale => AnswerValue::Scale(1 + (k % 5) as u8),
            ItemKind::Number { .. } => AnswerValue::Number((k % 30) as f64),
            ItemKind::Choice { options } => {
                AnswerValue::Choice(options[k % options.len()].id.clone())
            }
        };
        answers.insert(
            item.id.clone(),
            Answer {
                value: Some(value),
                comment: String::new(),
                photos: vec![],
                updated_at: finished,
            },
        );
    }
    let started = finished - Duration::minutes(35);
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, started.timestamp() as u64, 0);
    Visit {
        // v7 from the visit's own time, as a device makes it; its random part keeps it unique.
        id: Uuid::new_v7(ts),
        template_id: template.id.clone(),
        template_version: template.version,
        office_id: office.to_owned(),
        auditor: auditor.to_owned(),
        scenario: template.scenarios[n % template.scenarios.len()].id.clone(),
        started_at: started,
        finished_at: Some(finished),
        waiting_seconds: None,
        comment: String::new(),
        status: VisitStatus::Submitted,
        revision: 1,
        answers,
    }
}

/// The `q`-th percentile of sorted `values` (nearest rank).
pub fn percentile(sorted: &[std::time::Duration], q: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let rank = ((q / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn verdict(met: bool) -> &'static str {
    if met { "MET" } else { "MISSED" }
}

/// CPU time this process has used so far (user and system), from /proc; zero elsewhere.
pub fn cpu_time() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name; the
    // kernel counts them in USER_HZ, 100 a second on Linux.
    std::time::Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// The machine's one-minute load average, to read the figures by: other programs share
/// the cores.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}
