//! Sync throughput: 1,000 submitted visits of 40 answers pushed from a client store to a
//! local server over loopback and durably stored, against a baseline measured in the same
//! run: the same request bytes POSTed to a bare endpoint that inserts each visit's JSON
//! into SQLite with the same pragmas, without auth, validation or idempotency.
//!
//! Run: cargo bench -p zakupka-client --bench sync

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use chrono::Utc;
use uuid::Uuid;
use zakupka_client::api::Api;
use zakupka_client::sync::sync_once;
use zakupka_client::{NewVisit, Store};
use zakupka_core::demo::cycled_answer;
use zakupka_core::wire::{MAX_PUSH_BATCH, PushRequest, Role};
use zakupka_server::{Db, auth, demo};

const VISITS: usize = 1000;
const REPETITIONS: usize = 5;

fn durable(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn
}

/// The baseline endpoint: split the batch and insert each visit's JSON as it came.
async fn raw_insert(
    State(conn): State<Arc<Mutex<rusqlite::Connection>>>,
    body: Bytes,
) -> &'static str {
    #[derive(serde::Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        visits: Vec<&'a serde_json::value::RawValue>,
    }
    tokio::task::spawn_blocking(move || {
        let raw: Raw = serde_json::from_slice(&body).unwrap();
        let mut conn = conn.lock().unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO raw (payload) VALUES (?1)")
                .unwrap();
            for v in raw.visits {
                stmt.execute([v.get()]).unwrap();
            }
        }
        tx.commit().unwrap();
    })
    .await
    .unwrap();
    "ok"
}

async fn listen(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (template, directory) =
        demo::read_seeds(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")).unwrap();
    assert!(template.items().count() >= 40, "40 answers per visit");

    // The device: 1,000 submitted visits waiting in the outbox (not timed).
    let store = Store::open(&dir.path().join("device.db")).unwrap();
    store.import_template(&template).unwrap();
    store.set_directory(&directory, Utc::now()).unwrap();
    for n in 0..VISITS {
        let new = NewVisit {
            template_id: template.id.clone(),
            template_version: template.version,
            office_id: directory.offices[n % directory.offices.len()].id.clone(),
            auditor: "auditor1".into(),
            scenario: template.scenarios[n % template.scenarios.len()].id.clone(),
        };
        let v = store.start_visit(&new, Utc::now()).unwrap();
        for (i, item) in template.items().enumerate() {
            let value = cycled_answer(item, n + i, (n + i) % 5 == 0);
            store
                .set_answer(v.id, &item.id, &value, Utc::now())
                .unwrap();
        }
        store.submit(v.id, Utc::now()).unwrap();
    }
    let batches: Vec<Vec<u8>> = store
        .outbox()
        .unwrap()
        .chunks(MAX_PUSH_BATCH)
        .map(|chunk| {
            let visits = chunk
                .iter()
                .map(|e| serde_json::from_str(&e.payload).unwrap())
                .collect();
            serde_json::to_vec(&PushRequest { visits }).unwrap()
        })
        .collect();
    let bytes: usize = batches.iter().map(Vec::len).sum();

    drop(store);
    let http = reqwest::Client::new();
    let url_of = |n: usize| dir.path().join(format!("server-{n}.db"));

    // Interleaved repetitions, each on fresh databases; the medians are reported, since a
    // single run on a small machine swings with fsync timing.
    let (mut baseline_runs, mut sync_runs) = (Vec::new(), Vec::new());
    for rep in 0..REPETITIONS {
        // Baseline: the same bytes, POSTed and inserted.
        let raw = durable(&dir.path().join(format!("baseline-{rep}.db")));
        raw.execute_batch("CREATE TABLE raw (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
            .unwrap();
        let base = listen(
            axum::Router::new()
                .route("/raw", post(raw_insert))
                .with_state(Arc::new(Mutex::new(raw))),
        )
        .await;
        let started = Instant::now();
        for body in &batches {
            let r = http
                .post(format!("{base}/raw"))
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
        }
        baseline_runs.push(started.elapsed());

        // Zakupka: the sync engine against the real server, on files with the same pragmas,
        // from a copy of the device's database with its 1,000 waiting visits.
        let device = dir.path().join(format!("device-{rep}.db"));
        std::fs::copy(dir.path().join("device.db"), &device).unwrap();
        std::fs::copy(
            dir.path().join("device.db-media"),
            dir.path().join(format!("device-{rep}.db-media")),
        )
        .unwrap();
        let db = Db::open(&url_of(rep)).unwrap();
        db.blocking(|c| {
            demo::publish(c, &template, &directory)?;
            auth::add_user(
                c,
                "auditor1",
                Role::Auditor,
                "secret1-violet-ice",
                Utc::now(),
            )
        })
        .unwrap();
        // One auditor sends the bench's 1,000 visits in a run, past a real one's daily quota.
        let mut settings = zakupka_server::Settings::default();
        settings.limits.visits_per_day = u64::MAX;
        let url = listen(zakupka_server::app_with(db.clone(), None, settings)).await;
        let token = Api::new(&url, None)
            .login("auditor1", "secret1-violet-ice", Uuid::now_v7())
            .await
            .unwrap()
            .token;
        let api = Api::new(&url, Some(token));
        let local = Mutex::new(Store::open(&device).unwrap());
        let started = Instant::now();
        let report = sync_once(&local, &api, Utc::now).await.unwrap();
        sync_runs.push(started.elapsed());
        assert_eq!(report.pushed, VISITS);
        let stored: i64 = db
            .blocking(|c| Ok(c.query_row("SELECT count(*) FROM visits", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(stored, VISITS as i64);
    }
    baseline_runs.sort();
    sync_runs.sort();
    let (baseline, synced) = (baseline_runs[REPETITIONS / 2], sync_runs[REPETITIONS / 2]);

    let rate = |d: std::time::Duration| VISITS as f64 / d.as_secs_f64();
    println!(
        "sync bench: {VISITS} visits x {} answers, {:.1} MB of JSON",
        template.items().count(),
        bytes as f64 / 1e6
    );
    println!(
        "  zakupka sync : {:>8.0} visits/s (median of {REPETITIONS} runs: {:.0} ms, incl. pull and outbox bookkeeping)",
        rate(synced),
        synced.as_secs_f64() * 1e3
    );
    println!(
        "  baseline     : {:>8.0} visits/s ({:.0} ms, same bytes POSTed and inserted raw)",
        rate(baseline),
        baseline.as_secs_f64() * 1e3
    );
    println!(
        "  ratio        : {:.2} of baseline (target >= 0.5); target >= 5000 visits/s",
        rate(synced) / rate(baseline)
    );
}
