//! Autosave latency: how long the auditor's tap waits for one answer to be durably saved
//! through the client store, against bare rusqlite writing the same row with the same
//! pragmas (WAL, synchronous = FULL, foreign keys on), in the same run, on files in one
//! temporary directory.
//!
//! The two writers alternate save by save, so whatever the disk does (other processes'
//! fsyncs, the host's write-back) falls on both alike. Each round starts from fresh
//! databases; the medians of the rounds' p50 and p99 are reported.
//!
//! Run: cargo bench -p zakupka-client --bench autosave

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::{Connection, params};
use uuid::Uuid;
use zakupka_client::{NewVisit, Store};
use zakupka_core::demo::cycled_answer;
use zakupka_core::{Directory, Item, Template};
use zakupka_server::demo;

const SAVES: usize = 2_000;
const ROUNDS: usize = 5;
const TARGET_RATIO: f64 = 1.5;

/// The baseline: the answers table alone, nothing else in the database.
fn bare(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(
        "CREATE TABLE answers (
            visit_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            value TEXT,
            comment TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (visit_id, item_id)
        )",
    )
    .unwrap();
    conn
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// One round on fresh databases: every save timed, store and baseline alternating.
fn round(
    dir: &Path,
    n: usize,
    template: &Template,
    directory: &Directory,
) -> (Vec<Duration>, Vec<Duration>) {
    let store = Store::open(&dir.join(format!("store-{n}.db"))).unwrap();
    store.import_template(template).unwrap();
    store.set_directory(directory, Utc::now()).unwrap();
    let visit = store
        .start_visit(
            &NewVisit {
                template_id: template.id.clone(),
                template_version: template.version,
                office_id: directory.offices[0].id.clone(),
                auditor: "auditor1".into(),
                scenario: template.scenarios[0].id.clone(),
            },
            Utc::now(),
        )
        .unwrap();
    let base = bare(&dir.join(format!("baseline-{n}.db")));
    let visit_key = Uuid::now_v7().to_string();

    let items: Vec<&Item> = template.items().collect();
    let (mut ours, mut theirs) = (Vec::with_capacity(SAVES), Vec::with_capacity(SAVES));
    for i in 0..SAVES {
        let item = items[i % items.len()];
        // A valid answer that changes with each pass, as an auditor changing their mind would.
        let n = i / items.len();
        let answer = cycled_answer(item, n, !n.is_multiple_of(2));

        let started = Instant::now();
        store
            .set_answer(visit.id, &item.id, &answer, Utc::now())
            .unwrap();
        ours.push(started.elapsed());

        // Everything the same row needs, and nothing more: the value as JSON, the time,
        // one upsert committed on its own.
        let started = Instant::now();
        let json = serde_json::to_string(&answer).unwrap();
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        base.prepare_cached(
            "INSERT INTO answers (visit_id, item_id, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (visit_id, item_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .unwrap()
        .execute(params![visit_key, item.id, json, now])
        .unwrap();
        theirs.push(started.elapsed());
    }
    // The saves really landed: every item holds its last answer.
    let stored = store.visit(visit.id).unwrap();
    assert_eq!(stored.answers.len(), items.len());
    ours.sort();
    theirs.sort();
    (ours, theirs)
}

fn main() {
    let (template, directory) =
        demo::read_seeds(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let (mut p50s, mut p99s, mut base_p50s, mut base_p99s) = (vec![], vec![], vec![], vec![]);
    for n in 0..ROUNDS {
        let (ours, theirs) = round(dir.path(), n, &template, &directory);
        let ratio = |p| percentile(&ours, p).as_secs_f64() / percentile(&theirs, p).as_secs_f64();
        println!(
            "  round {n}: store p50 {:.0} µs p99 {:.0} µs | baseline p50 {:.0} µs p99 {:.0} µs | ratio p50 {:.2} p99 {:.2}",
            micros(percentile(&ours, 0.50)),
            micros(percentile(&ours, 0.99)),
            micros(percentile(&theirs, 0.50)),
            micros(percentile(&theirs, 0.99)),
            ratio(0.50),
            ratio(0.99),
        );
        p50s.push(percentile(&ours, 0.50));
        p99s.push(percentile(&ours, 0.99));
        base_p50s.push(percentile(&theirs, 0.50));
        base_p99s.push(percentile(&theirs, 0.99));
    }

    println!(
        "autosave bench: {SAVES} saves each for the store and the baseline, {ROUNDS} rounds, \
         checklist of {} items, files in {}",
        template.items().count(),
        dir.path().display()
    );
    for (name, ours, theirs) in [
        ("p50", median(p50s), median(base_p50s)),
        ("p99", median(p99s), median(base_p99s)),
    ] {
        let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
        println!(
            "autosave {name}: {:.0} µs (baseline {:.0} µs, ratio {ratio:.2}) target ratio <= {TARGET_RATIO} {}",
            micros(ours),
            micros(theirs),
            if ratio <= TARGET_RATIO {
                "MET"
            } else {
                "MISSED"
            }
        );
    }
}
