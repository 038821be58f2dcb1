//! Operations on a live server's data: a backup taken while devices push restores every
//! visit, decision and photo the server had acknowledged; restore never overwrites a
//! database in use by mistake; a purge of personal data removes comments and photos of old
//! published quarters and nothing the rating needs.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use chrono::Utc;
use rusqlite::Connection;
use zakupka_core::rating::Quarter;
use zakupka_server::{Db, backup, purge};

mod common;
use common::*;

/// A PNG made unique by bytes after its end, as a camera makes every photo unique.
fn unique_png(n: u64) -> Vec<u8> {
    let mut png = PNG.to_vec();
    png.extend_from_slice(format!("zakupka-{n}").as_bytes());
    png
}

/// What the server acknowledged: a visit, the photo it stored for it, the approval.
#[derive(Clone, Debug)]
struct Acked {
    visit: uuid::Uuid,
    photo: String,
    approved: bool,
}

/// One auditor's stream of visits, each with a photo, each then approved; every step
/// recorded once the server has answered it.
async fn push_load(
    s: Arc<Server>,
    auditor: &'static str,
    stop: Arc<AtomicBool>,
    acked: Arc<std::sync::Mutex<Vec<Acked>>>,
) {
    let token = s.login(auditor).await;
    let supervisor = s.login("supervisor").await;
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let photo = unique_png(n * 10 + u64::from(auditor == "auditor2"));
        let visit = s.with_photo(s.visit(auditor), &photo);
        let missing = s.push_ok(&token, &visit).await;
        assert_eq!(missing, vec![sha256(&photo)]);
        s.put_photo(Some(&token), &sha256(&photo), &photo)
            .await
            .expect(StatusCode::CREATED);
        let i = {
            let mut list = acked.lock().unwrap();
            list.push(Acked {
                visit: visit.id,
                photo: sha256(&photo),
                approved: false,
            });
            list.len() - 1
        };
        let body = serde_json::json!({ "decision": "approve", "revision": 1 });
        s.post_json(
            &format!("/api/v1/visits/{}/review", visit.id),
            Some(&supervisor),
            &body,
        )
        .await
        .expect(StatusCode::OK);
        acked.lock().unwrap()[i].approved = true;
    }
}

fn has(conn: &Connection, sql: &str, param: &str) -> bool {
    conn.prepare(sql).unwrap().exists([param]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_during_pushes_restores_every_acknowledged_visit_decision_and_photo() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("zakupka.db");
    let s = Arc::new(Server::with(Db::open(&live).unwrap()));
    // A database of some size, so that the copy takes long enough for pushes to land
    // while it runs.
    s.db.blocking(|c| {
        let tx = c.transaction()?;
        for i in 0..120 {
            tx.execute(
                "INSERT INTO photos (sha256, mime, size, bytes, received_at)
                 VALUES (printf('%064d', ?1), 'image/png', 1048576, randomblob(1048576), '2026-01-01T00:00:00.000Z')",
                [i],
            )?;
        }
        tx.commit()?;
        Ok(())
    })
    .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let load: Vec<_> = ["auditor1", "auditor2"]
        .into_iter()
        .map(|a| tokio::spawn(push_load(s.clone(), a, stop.clone(), acked.clone())))
        .collect();
    while acked.lock().unwrap().iter().filter(|a| a.approved).count() < 6 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let before: Vec<Acked> = acked.lock().unwrap().clone();
    let copy = dir.path().join("backup.db");
    let (from, to) = (live.clone(), copy.clone());
    let copied = tokio::task::spawn_blocking(move || backup::backup(&from, &to))
        .await
        .unwrap()
        .expect("backup while serving");
    let during = acked.lock().unwrap().len() - before.len();
    // The pushes go on for a little while after, then stop.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    assert!(copied.photos >= 120, "{copied}");
    assert!(
        during > 0,
        "the server answered no push while the backup ran"
    );

    let restored = dir.path().join("restored/zakupka.db");
    backup::restore(&copy, &restored, false).expect("restore into a new database");
    let conn = Connection::open(&restored).unwrap();
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdict, "ok");
    for a in &before {
        let id = a.visit.to_string();
        assert!(
            has(&conn, "SELECT 1 FROM visits WHERE id = ?1", &id),
            "visit {id} lost"
        );
        assert!(
            has(&conn, "SELECT 1 FROM photos WHERE sha256 = ?1", &a.photo),
            "photo {} of visit {id} lost",
            a.photo
        );
        if a.approved {
            assert!(
                has(
                    &conn,
                    "SELECT 1 FROM reviews WHERE visit_id = ?1 AND state = 'approved'",
                    &id
                ),
                "the approval of {id} lost"
            );
        }
    }
    // What the copy holds is whole: no visit without its review state, no photo whose
    // bytes are not the ones its address names.
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM visits v LEFT JOIN reviews r ON r.visit_id = v.id WHERE r.visit_id IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    let mut photos = conn
        .prepare("SELECT sha256, bytes FROM photos WHERE mime = 'image/png' AND size < 1000")
        .unwrap();
    let rows = photos
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .unwrap();
    for row in rows {
        let (sha, bytes) = row.unwrap();
        assert_eq!(sha256(&bytes), sha);
    }
    eprintln!(
        "{} acknowledged before the backup, {during} while it ran",
        before.len()
    );
}

fn users_and_visits(db: &Path) -> (i64, i64) {
    let conn = Connection::open(db).unwrap();
    let n = |t: &str| {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    (n("users"), n("visits"))
}

#[tokio::test]
async fn restore_refuses_a_database_in_use_without_force() {
    let dir = tempfile::tempdir().unwrap();
    // The backup: one visit by auditor1.
    let source = dir.path().join("source.db");
    {
        let s = Server::with(Db::open(&source).unwrap());
        let token = s.login("auditor1").await;
        s.push_ok(&token, &s.visit("auditor1")).await;
    }
    let copy = dir.path().join("copy.db");
    backup::backup(&source, &copy).unwrap();
    // The database in use: two visits.
    let target = dir.path().join("target.db");
    {
        let s = Server::with(Db::open(&target).unwrap());
        let token = s.login("auditor2").await;
        s.push_ok(&token, &s.visit("auditor2")).await;
        s.push_ok(&token, &s.visit("auditor2")).await;
    }
    let before = users_and_visits(&target);

    let refused = std::process::Command::new(BIN)
        .args(["restore", "--from"])
        .arg(&copy)
        .arg("--db")
        .arg(&target)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("--force"), "{said}");
    assert_eq!(
        users_and_visits(&target),
        before,
        "a refused restore changes nothing"
    );

    let forced = std::process::Command::new(BIN)
        .args(["restore", "--force", "--from"])
        .arg(&copy)
        .arg("--db")
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    assert_eq!(users_and_visits(&target), users_and_visits(&source));

    // Something that is not a Zakupka backup is refused before anything is touched.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just text").unwrap();
    assert!(backup::restore(&junk, &dir.path().join("fresh.db"), false).is_err());
}

#[tokio::test]
async fn the_backup_command_copies_a_database_being_served() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("zakupka.db");
    let s = Server::with(Db::open(&live).unwrap());
    let token = s.login("auditor1").await;
    let photo = unique_png(1);
    let visit = s.with_photo(s.visit("auditor1"), &photo);
    s.push_ok(&token, &visit).await;
    s.put_photo(Some(&token), &sha256(&photo), &photo)
        .await
        .expect(StatusCode::CREATED);
    // Into a folder that is not there yet, as a first nightly run finds it.
    let copy = dir.path().join("backups/nightly.db");
    let out = std::process::Command::new(BIN)
        .arg("backup")
        .arg("--db")
        .arg(&live)
        .arg("--to")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One self-contained file, no WAL beside it, with the visit and its photo.
    assert!(!dir.path().join("backups/nightly.db-wal").exists());
    assert!(!dir.path().join("backups/nightly.db.partial").exists());
    let conn = Connection::open(&copy).unwrap();
    assert!(has(
        &conn,
        "SELECT 1 FROM visits WHERE id = ?1",
        &visit.id.to_string()
    ));
    assert!(has(
        &conn,
        "SELECT 1 FROM photos WHERE sha256 = ?1",
        &sha256(&photo)
    ));
}

#[tokio::test]
async fn purging_personal_data_keeps_scores_and_the_published_rating() {
    let s = Server::new();
    let methodology = demo_methodology();
    let old = Quarter::of(Utc::now()).previous().previous();
    s.db.blocking(|c| {
        zakupka_server::demo::load_history(c, &s.template, &s.directory, &methodology, &[old])
    })
    .unwrap();
    let auditor = s.login("auditor1").await;
    let supervisor = s.login("supervisor").await;
    let in_quarter = |mut v: zakupka_core::Visit, q: Quarter| {
        let start = q.bounds().0 + chrono::Duration::days(10);
        v.started_at = start;
        v.finished_at = Some(start + chrono::Duration::hours(1));
        for a in v.answers.values_mut() {
            a.updated_at = start;
        }
        v.comment = "кассир Иванова грубила".into();
        for a in v.answers.values_mut() {
            a.comment = "видно лицо сотрудника".into();
        }
        v
    };
    let photo = unique_png(7);
    let old_visit = in_quarter(s.with_photo(s.visit("auditor1"), &photo), old);
    s.push_ok(&auditor, &old_visit).await;
    s.put_photo(Some(&auditor), &sha256(&photo), &photo)
        .await
        .expect(StatusCode::CREATED);
    let body = serde_json::json!({ "decision": "approve", "revision": 1, "comment": "Иванова, проверить" });
    s.post_json(
        &format!("/api/v1/visits/{}/review", old_visit.id),
        Some(&supervisor),
        &body,
    )
    .await
    .expect(StatusCode::OK);
    let recent = in_quarter(s.visit("auditor1"), Quarter::of(Utc::now()));
    s.push_ok(&auditor, &recent).await;
    s.db.blocking(|c| zakupka_server::rating::publish(c, old, &methodology, "admin", Utc::now()))
        .unwrap();
    let rating_before = s
        .get(&format!("/api/v1/rating?quarter={old}"), Some(&supervisor))
        .await
        .expect(StatusCode::OK)
        .text();
    let score = |id: uuid::Uuid| -> (Option<f64>, String) {
        s.db.blocking(|c| {
            Ok(c.query_row(
                "SELECT score, section_scores FROM visits WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap()
    };
    let score_before = score(old_visit.id);
    assert!(score_before.0.is_some());

    let purged =
        s.db.blocking(|c| purge::purge_personal_data(c, Utc::now(), "test", Utc::now()))
            .unwrap();
    assert_eq!(purged.quarters, vec![old.to_string()]);
    assert_eq!(purged.photos, 1);

    assert_eq!(score(old_visit.id), score_before, "the score stays");
    let json = |v: &zakupka_core::wire::VisitDetail| serde_json::to_value(v).unwrap();
    let after = s.detail(&supervisor, old_visit.id).await;
    let text = json(&after).to_string();
    for gone in ["Иванова", "видно лицо", &sha256(&photo)] {
        assert!(!text.contains(gone), "{gone} is still in {text}");
    }
    s.get(
        &format!("/api/v1/photos/{}", sha256(&photo)),
        Some(&supervisor),
    )
    .await
    .expect(StatusCode::NOT_FOUND);
    let log = s
        .get(
            &format!("/api/v1/visits/{}/log", old_visit.id),
            Some(&supervisor),
        )
        .await
        .expect(StatusCode::OK);
    assert!(!log.text().contains("Иванова"), "{}", log.text());
    assert_eq!(
        s.get(&format!("/api/v1/rating?quarter={old}"), Some(&supervisor))
            .await
            .expect(StatusCode::OK)
            .text(),
        rating_before,
        "the published rating reads the same"
    );
    // The visit of a quarter not yet published keeps everything.
    assert!(
        json(&s.detail(&supervisor, recent.id).await)
            .to_string()
            .contains("грубила")
    );
    // The purge is on the record, and the record cannot be edited.
    let logged: String =
        s.db.blocking(|c| {
            Ok(c.query_row(
                "SELECT detail FROM audit_log WHERE action = 'purge-personal-data'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(logged.contains(&old.to_string()), "{logged}");
    assert!(
        s.db.blocking(|c| Ok(c.execute("DELETE FROM audit_log", [])?))
            .is_err()
    );
    // The review log is append-only again afterwards.
    assert!(
        s.db.blocking(|c| Ok(c.execute("UPDATE review_log SET comment = 'x'", [])?))
            .is_err()
    );
}

fn demo_methodology() -> zakupka_core::rating::Methodology {
    zakupka_server::demo::read_methodology(&seeds()).unwrap()
}
