//! Load: many devices syncing at once over loopback against the real server. Every device
//! logs in at the same instant; once all have their token, every device at the same instant
//! pulls until nothing is left, then pushes its visits in batches. The two waves are kept
//! apart because a login is an Argon2 check, slow by design: mixed in, the logins' CPU would
//! be measured as sync latency. Prints visits per second, request latency (p50, p99) by
//! kind and overall, errors, and checks in the database that every pushed visit is stored
//! exactly once. Baseline in the same run: the same batches stored one after another
//! through the server's own ingest functions (parse, validate, one transaction per batch),
//! without HTTP, auth or concurrency. The ratio can exceed 1: under load the server stores
//! the pushes that wait together in one commit, the baseline waits for the disk per batch.
//!
//! The server runs in this process, on its own tokio runtime, from `zakupka_server::app`:
//! the bench needs no separately built binary, and the clients run on a second runtime, so
//! they share the two cores with the server as separate programs would, through the OS.
//!
//! Run: cargo bench -p zakupka-server --bench load
//! Sizes: ZAKUPKA_LOAD_DEVICES (200), ZAKUPKA_LOAD_BATCHES (5 per device),
//! ZAKUPKA_LOAD_BATCH_VISITS (10 per batch); ZAKUPKA_BENCH_QUICK=1 takes 20 devices.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Deserialize;
use tokio::sync::Barrier;
use uuid::Uuid;
use zakupka_core::wire::{
    API_PREFIX, LoginRequest, LoginResponse, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse,
    PushResponse, PushStatus, Role,
};
use zakupka_core::{Directory, Template, Visit};
use zakupka_server::{AppError, Db, auth, demo, ingest, reference};

use common::{percentile, size, verdict};

const PASSWORD: &str = "load-test-password";
const TARGET_P99: Duration = Duration::from_millis(250);

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
enum Kind {
    Login,
    Pull,
    Push,
}

#[derive(Default)]
struct DeviceReport {
    latencies: Vec<(Kind, Duration)>,
    errors: Vec<String>,
    pushed: usize,
}

fn login_of(d: usize) -> String {
    format!("auditor{d:04}")
}

/// One push body per batch, as a device's outbox sends it: the visits' JSON in an array.
fn bodies(
    template: &Template,
    directory: &Directory,
    device: usize,
    batches: usize,
    per_batch: usize,
) -> (Vec<Vec<u8>>, Vec<Uuid>) {
    let now = Utc::now();
    let mut ids = Vec::new();
    let bodies = (0..batches)
        .map(|b| {
            let visits: Vec<Visit> = (0..per_batch)
                .map(|k| {
                    let n = device * batches * per_batch + b * per_batch + k;
                    let office = &directory.offices[n % directory.offices.len()].id;
                    let at = now - chrono::Duration::minutes(n as i64 % 600);
                    zakupka_core::demo::cycled_visit(template, office, &login_of(device), n, 20, at)
                })
                .collect();
            ids.extend(visits.iter().map(|v| v.id));
            serde_json::to_vec(&zakupka_core::wire::PushRequest { visits }).unwrap()
        })
        .collect();
    (bodies, ids)
}

/// The baseline: what the push handler does with a batch, minus HTTP, auth and waiting
/// for the lock: parse each visit, validate, store in one transaction, commit.
fn ingest_directly(
    db: &Db,
    cache: &reference::ReferenceCache,
    login: &str,
    body: &[u8],
) -> Result<usize, AppError> {
    #[derive(Deserialize)]
    struct Raw {
        visits: Vec<Box<serde_json::value::RawValue>>,
    }
    let raw: Raw = serde_json::from_slice(body).map_err(|e| AppError::Internal(e.to_string()))?;
    let visits: Vec<Visit> = raw
        .visits
        .iter()
        .map(|v| serde_json::from_str(v.get()))
        .collect::<Result<_, _>>()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    db.blocking(|conn| {
        let reference = cache.reference(conn, &visits)?;
        ingest::validate(&reference, login, &visits)?;
        let tx = conn.transaction()?;
        for (v, text) in visits.iter().zip(&raw.visits) {
            let r = ingest::store(
                &tx,
                v,
                text.get(),
                (reference.template_of(v)?, &reference.directory),
                "baseline",
                Utc::now(),
            )?;
            if r.status != PushStatus::Accepted {
                return Err(AppError::Internal(format!("{:?}", r.status)));
            }
        }
        tx.commit()?;
        Ok(visits.len())
    })
}

async fn device(
    base: String,
    device: usize,
    batches: Vec<Vec<u8>>,
    start: Arc<Barrier>,
    sync: Arc<Barrier>,
) -> DeviceReport {
    let mut report = DeviceReport::default();
    // A client of its own: each device has its own connection, as phones would.
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{base}{API_PREFIX}{path}");
    start.wait().await;

    let login = LoginRequest {
        login: login_of(device),
        password: PASSWORD.into(),
        device_id: Uuid::now_v7(),
    };
    let t = Instant::now();
    let sent = http
        .post(url("/login"))
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION)
        .json(&login)
        .send()
        .await;
    let token = match read::<LoginResponse>(sent).await {
        Ok(r) => {
            report.latencies.push((Kind::Login, t.elapsed()));
            Some(r.token)
        }
        Err(e) => {
            report.errors.push(format!("login: {e}"));
            None
        }
    };
    sync.wait().await;
    let Some(token) = token else {
        return report;
    };
    let authed = |r: reqwest::RequestBuilder| {
        r.header(PROTOCOL_HEADER, PROTOCOL_VERSION)
            .bearer_auth(&token)
    };

    let mut cursor = 0;
    loop {
        let t = Instant::now();
        let sent = authed(http.get(url(&format!("/pull?cursor={cursor}"))))
            .send()
            .await;
        match read::<PullResponse>(sent).await {
            Ok(page) => {
                report.latencies.push((Kind::Pull, t.elapsed()));
                cursor = page.next_cursor;
                if !page.more {
                    break;
                }
            }
            Err(e) => {
                report.errors.push(format!("pull: {e}"));
                break;
            }
        }
    }

    for body in batches {
        let t = Instant::now();
        let sent = authed(http.post(url("/push")))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        match read::<PushResponse>(sent).await {
            Ok(r) => {
                report.latencies.push((Kind::Push, t.elapsed()));
                for result in r.results {
                    if result.status == PushStatus::Accepted {
                        report.pushed += 1;
                    } else {
                        report.errors.push(format!(
                            "push: visit {} {:?} {}",
                            result.visit_id,
                            result.status,
                            result.reason.unwrap_or_default()
                        ));
                    }
                }
            }
            Err(e) => report.errors.push(format!("push: {e}")),
        }
    }
    report
}

/// The whole response is read before the clock stops; a failure is any transport error or
/// a status other than success.
async fn read<T: serde::de::DeserializeOwned>(
    sent: reqwest::Result<reqwest::Response>,
) -> Result<T, String> {
    let response = sent.map_err(|e| e.to_string())?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
    }
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

fn main() {
    let devices = size("ZAKUPKA_LOAD_DEVICES", 200);
    let batches = std::env::var("ZAKUPKA_LOAD_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let per_batch = std::env::var("ZAKUPKA_LOAD_BATCH_VISITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let total = devices * batches * per_batch;
    let dir = tempfile::tempdir().unwrap();
    let (template, directory) =
        demo::read_seeds(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")).unwrap();

    // Every device's push bodies, made before anything is timed.
    let made = Instant::now();
    let work: Vec<(Vec<Vec<u8>>, Vec<Uuid>)> = (0..devices)
        .map(|d| bodies(&template, &directory, d, batches, per_batch))
        .collect();
    let answers = template.items().count();
    let bytes: usize = work.iter().flat_map(|w| &w.0).map(Vec::len).sum();
    println!(
        "load bench: {devices} devices x {batches} pushes x {per_batch} visits of {answers} answers = {total} visits, {:.1} MB of JSON (made in {:.1} s)",
        bytes as f64 / 1e6,
        made.elapsed().as_secs_f64()
    );

    // Baseline: the same batches through the ingest functions, one after another.
    let baseline_db = Db::open(&dir.path().join("baseline.db")).unwrap();
    baseline_db
        .blocking(|c| demo::publish(c, &template, &directory))
        .unwrap();
    let cache = reference::ReferenceCache::default();
    let started = Instant::now();
    let mut stored = 0;
    for (d, (bodies, _)) in work.iter().enumerate() {
        for body in bodies {
            stored += ingest_directly(&baseline_db, &cache, &login_of(d), body).unwrap();
        }
    }
    let baseline_time = started.elapsed();
    assert_eq!(stored, total);
    drop(baseline_db);

    // The server: seeds published, one auditor per device. Argon2 takes tens of
    // milliseconds by design, so one hash is made and given to every user; each login
    // still pays a full verification.
    let path = dir.path().join("server.db");
    let db = Db::open(&path).unwrap();
    db.blocking(|c| {
        demo::publish(c, &template, &directory)?;
        auth::add_user(c, &login_of(0), Role::Auditor, PASSWORD, Utc::now())?;
        let tx = c.transaction()?;
        for d in 1..devices {
            tx.execute(
                "INSERT INTO users (login, role, password_hash, created_at)
                 SELECT ?1, role, password_hash, created_at FROM users WHERE login = ?2",
                [login_of(d), login_of(0)],
            )?;
        }
        tx.commit()?;
        Ok(())
    })
    .unwrap();
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let base = server.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = zakupka_server::app(db.clone(), None);
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    });

    let clients = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut expected: Vec<Uuid> = Vec::with_capacity(total);
    let mut sync_cpu = Duration::ZERO;
    let (reports, login_wall, wall) = clients.block_on(async {
        let start = Arc::new(Barrier::new(devices + 1));
        let sync = Arc::new(Barrier::new(devices + 1));
        let mut tasks = Vec::new();
        for (d, (bodies, ids)) in work.into_iter().enumerate() {
            expected.extend(ids);
            let device = device(base.clone(), d, bodies, start.clone(), sync.clone());
            tasks.push(tokio::spawn(device));
        }
        start.wait().await;
        let started = Instant::now();
        sync.wait().await;
        let login_wall = started.elapsed();
        let (started, cpu) = (Instant::now(), common::cpu_time());
        let mut reports = Vec::new();
        for t in tasks {
            reports.push(t.await.unwrap());
        }
        sync_cpu = common::cpu_time().saturating_sub(cpu);
        (reports, login_wall, started.elapsed())
    });
    drop(clients);
    drop(server);
    drop(db);

    // What is on disk, read by a connection of its own.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut stored: HashMap<String, usize> = HashMap::new();
    {
        let mut stmt = conn.prepare("SELECT id FROM visits").unwrap();
        for id in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            *stored.entry(id.unwrap()).or_default() += 1;
        }
    }
    let rows: usize = stored.values().sum();
    let present_once = expected
        .iter()
        .filter(|id| stored.get(&id.to_string()) == Some(&1))
        .count();

    let mut by_kind: HashMap<Kind, Vec<Duration>> = HashMap::new();
    let (mut all, mut sync) = (Vec::new(), Vec::new());
    let mut errors = Vec::new();
    let mut pushed = 0;
    for r in reports {
        for (k, d) in r.latencies {
            by_kind.entry(k).or_default().push(d);
            all.push(d);
            if k != Kind::Login {
                sync.push(d);
            }
        }
        errors.extend(r.errors);
        pushed += r.pushed;
    }
    all.sort();
    sync.sort();
    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let http_rate = rate(pushed, wall);
    let base_rate = rate(total, baseline_time);
    println!(
        "load throughput: {http_rate:.0} visits/s ({pushed} visits in {:.2} s from the first pull to the last push; baseline {base_rate:.0} visits/s through ingest without HTTP, one batch after another, in {:.2} s; ratio {:.2})",
        wall.as_secs_f64(),
        baseline_time.as_secs_f64(),
        http_rate / base_rate
    );
    println!(
        "load CPU: the sync wave used {:.2} s of CPU (server and clients) in {:.2} s; machine load average {}",
        sync_cpu.as_secs_f64(),
        wall.as_secs_f64(),
        common::load_average()
    );
    println!(
        "load logins: all {devices} at once took {:.2} s (Argon2, one check per core at a time)",
        login_wall.as_secs_f64()
    );
    let mut kinds: Vec<_> = by_kind.into_iter().collect();
    kinds.sort_by_key(|k| k.0);
    for (kind, mut lat) in kinds {
        lat.sort();
        let p99 = percentile(&lat, 99.0);
        println!(
            "load {kind:?} latency: p99 {:.1} ms, p50 {:.1} ms, max {:.1} ms over {} requests; target p99 < {} ms {}",
            ms(p99),
            ms(percentile(&lat, 50.0)),
            ms(*lat.last().unwrap_or(&Duration::ZERO)),
            lat.len(),
            TARGET_P99.as_millis(),
            verdict(p99 < TARGET_P99)
        );
    }
    for (name, lat) in [
        ("sync (pull and push)", &sync),
        ("overall (with login)", &all),
    ] {
        let p99 = percentile(lat, 99.0);
        println!(
            "load {name} latency: p99 {:.1} ms, p50 {:.1} ms over {} requests; target p99 < {} ms {}",
            ms(p99),
            ms(percentile(lat, 50.0)),
            lat.len(),
            TARGET_P99.as_millis(),
            verdict(p99 < TARGET_P99)
        );
    }
    println!(
        "load errors: {}; target 0 {}",
        errors.len(),
        verdict(errors.is_empty())
    );
    for e in errors.iter().take(5) {
        println!("  {e}");
    }
    println!(
        "load count check: {rows} visit rows, {} distinct, {present_once} of {total} pushed present exactly once; target all {}",
        stored.len(),
        verdict(rows == total && present_once == total)
    );
}
