//! The server killed with SIGKILL in the middle of ingesting pushes: every visit it
//! acknowledged is in the database after a restart, the database is intact, and pushing
//! everything again stores the rest without a single duplicate.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use uuid::Uuid;
use zakupka_core::Visit;
use zakupka_core::wire::{PROTOCOL_HEADER, PushRequest, PushResponse, PushStatus};
use zakupka_server::demo;

mod common;
use common::{BIN, seeds};

/// The server on a free port, with a quota no real auditor has: one auditor sends
/// thousands of visits here.
fn serve(db: &Path) -> (Child, String) {
    common::serve_binary(db, &["--visits-per-day", "1000000"])
}

async fn login(http: &reqwest::Client, base: &str) -> String {
    common::login_http(http, base, "auditor1", "secret1-violet-ice").await
}

async fn push(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    visits: &[Visit],
) -> Result<PushResponse, reqwest::Error> {
    http.post(format!("{base}/api/v1/push"))
        .header(PROTOCOL_HEADER, "1")
        .bearer_auth(token)
        .json(&PushRequest {
            visits: visits.to_vec(),
        })
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[tokio::test]
async fn visits_acknowledged_before_a_kill_survive_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zakupka.db");
    let mut add = Command::new(BIN)
        .args(["user", "add", "auditor1", "--role", "auditor", "--db"])
        .arg(&db)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"secret1-violet-ice\n")
        .unwrap();
    assert!(add.wait().unwrap().success());

    // Rounds of fresh visits, each ended by a SIGKILL at a pseudo-random moment under load.
    // Short in CI; `ZAKUPKA_KILL_ROUNDS=100` for the long run.
    let rounds: u64 = std::env::var("ZAKUPKA_KILL_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let (template, directory) = demo::read_seeds(&seeds()).unwrap();
    let mut visits = zakupka_core::demo::generate_visits(
        &template,
        &directory,
        200 * rounds as usize,
        Utc::now(),
    );
    for v in &mut visits {
        v.auditor = "auditor1".into();
        v.id = Uuid::now_v7();
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next_delay = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        20 + seed % 160
    };

    let mut acknowledged: Vec<Uuid> = Vec::new();
    for (round, fresh) in (0..rounds).zip(visits.chunks(200)) {
        let (mut server, base) = serve(&db);
        let token = login(&http, &base).await;
        // Push batches concurrently and kill the server while they are in flight.
        let mut tasks = Vec::new();
        for (n, batch) in fresh.chunks(20).enumerate() {
            let (http, base, token, batch) =
                (http.clone(), base.clone(), token.clone(), batch.to_vec());
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(n as u64 * 7)).await;
                push(&http, &base, &token, &batch).await
            }));
        }
        tokio::time::sleep(Duration::from_millis(next_delay())).await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        for task in tasks {
            if let Ok(Ok(response)) = task.await {
                for r in response.results {
                    assert!(
                        matches!(r.status, PushStatus::Accepted | PushStatus::Duplicate),
                        "{r:?}"
                    );
                    acknowledged.push(r.visit_id);
                }
            }
        }
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        let mut present = conn.prepare("SELECT 1 FROM visits WHERE id = ?1").unwrap();
        for id in &acknowledged {
            assert!(
                present.exists([id.to_string()]).unwrap(),
                "round {round}: acknowledged visit {id} lost"
            );
        }
    }
    assert!(
        !acknowledged.is_empty(),
        "some pushes were acknowledged before the kills"
    );

    // After the crashes, the device sends everything again: nothing twice, nothing missing.
    let (mut server, base) = serve(&db);
    let token = login(&http, &base).await;
    for batch in visits.chunks(50) {
        push(&http, &base, &token, batch).await.unwrap();
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (rows, distinct): (i64, i64) = conn
        .query_row("SELECT count(*), count(DISTINCT id) FROM visits", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((rows, distinct), (visits.len() as i64, visits.len() as i64));
    println!(
        "kill: {} visits acknowledged before {rounds} SIGKILLs, all present; {} stored once in the end",
        acknowledged.len(),
        rows
    );
}
