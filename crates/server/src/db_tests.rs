//! Upgrades from older schemas keep what they hold.

use super::*;

/// A database at `path` with the steps before the one containing `marker`: later steps
/// (other features') may follow it in the list.
fn schema_before(path: &Path, marker: &str) -> Connection {
    let before = STEPS
        .iter()
        .position(|s| s.contains(marker))
        .expect("the step exists");
    let mut conn = Connection::open(path).unwrap();
    configure(&conn).unwrap();
    for (n, step) in STEPS.iter().enumerate().take(before) {
        let tx = conn.transaction().unwrap();
        tx.execute_batch(step).unwrap();
        tx.pragma_update(None, "user_version", n as i64 + 1)
            .unwrap();
        tx.commit().unwrap();
    }
    conn
}

/// The change feed rebuilt to carry notifications keeps its entries and its sequence, so
/// the cursors devices hold still mean the same entries.
#[test]
fn the_change_feed_keeps_its_sequence_through_the_step_that_adds_notifications() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = schema_before(&path, "CREATE TABLE notifications");
        conn.execute_batch(
            "INSERT INTO changes (kind, ref) VALUES ('directory', 'directory');
             INSERT INTO changes (kind, ref, auditor) VALUES ('visit', 'v1', 'anna');
             INSERT INTO changes (kind, ref, auditor) VALUES ('visit', 'v2', 'anna');
             DELETE FROM changes WHERE ref = 'v2';",
        )
        .unwrap();
        let refused = conn.execute(
            "INSERT INTO changes (kind, ref, auditor) VALUES ('notification', '1', 'anna')",
            [],
        );
        assert!(refused.is_err(), "the old feed has no notifications");
    }
    let db = Db::open(&path).unwrap();
    db.blocking(|c| {
        let kept: Vec<(i64, String)> = c
            .prepare("SELECT seq, ref FROM changes ORDER BY seq")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        assert_eq!(kept, [(1, "directory".to_owned()), (2, "v1".to_owned())]);
        c.execute(
            "INSERT INTO changes (kind, ref, auditor) VALUES ('notification', '1', 'anna')",
            [],
        )?;
        // Never a sequence number a device may already have passed (3 was given, then its
        // entry went).
        assert_eq!(c.last_insert_rowid(), 4);
        Ok(())
    })
    .unwrap();
}

/// A database written before managers existed: its users, their tokens and assignments
/// survive the rebuilt `users` table, and a manager can then be stored.
#[test]
fn users_survive_the_step_that_admits_managers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = schema_before(&path, "CREATE TABLE users_next");
        conn.execute_batch(
            "INSERT INTO users (login, role, password_hash, created_at, branch_id, demo)
                 VALUES ('anna', 'auditor', 'h', '2026-01-01T00:00:00Z', 'klin', 1);
             INSERT INTO tokens (hash, login, device_id, created_at, expires_at)
                 VALUES ('t', 'anna', 'd', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z');",
        )
        .unwrap();
        let refused = conn.execute(
            "INSERT INTO users (login, role, password_hash, created_at, branch_id)
                 VALUES ('masha', 'manager', 'h', '2026-01-01T00:00:00Z', 'klin')",
            [],
        );
        assert!(refused.is_err(), "the old schema has no managers");
    }
    let db = Db::open(&path).unwrap();
    db.blocking(|c| {
        let (role, branch, demo): (String, String, bool) = c.query_row(
            "SELECT role, branch_id, demo FROM users WHERE login = 'anna'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        assert_eq!(
            (role.as_str(), branch.as_str(), demo),
            ("auditor", "klin", true)
        );
        let tokens: i64 = c.query_row(
            "SELECT count(*) FROM tokens t JOIN users u USING (login)",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(tokens, 1);
        c.execute(
            "INSERT INTO users (login, role, password_hash, created_at, branch_id)
                 VALUES ('masha', 'manager', 'h', '2026-01-01T00:00:00Z', 'klin')",
            [],
        )?;
        // Foreign keys are on again after the steps: a token of nobody is refused.
        let orphan = c.execute(
            "INSERT INTO tokens (hash, login, device_id, created_at, expires_at)
                 VALUES ('u', 'nobody', 'd', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')",
            [],
        );
        assert!(orphan.is_err());
        Ok(())
    })
    .unwrap();
}

/// The rating reads a quarter's visits from the index on their finish alone, and the
/// calibration one range of `visit_measures` in its key's order: no visit read from its
/// page of the table, no sort (at national scale those were most of their time).
#[test]
fn a_quarters_visits_are_read_in_one_range_without_a_sort() {
    let db = Db::open_in_memory().unwrap();
    db.blocking(|c| {
        let plan = |sql: &str| -> Result<Vec<String>, AppError> {
            Ok(c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?
                .query_map(["a", "b"], |r| r.get::<_, String>(3))?
                .collect::<Result<_, _>>()?)
        };
        let rating = plan(
            "SELECT v.id, v.office_id, v.score FROM visits v
             CROSS JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
             WHERE r.state = 'approved' AND v.finished_at >= ?1 AND v.finished_at < ?2",
        )?;
        assert!(
            rating[0].contains("COVERING INDEX visits_by_finish"),
            "{rating:?}"
        );
        let calibration = plan(
            "SELECT m.office_id, m.finished_at, m.visit_id, m.revision, m.auditor,
                    m.template_id, m.template_version, m.measures
             FROM visit_measures m
             CROSS JOIN reviews r ON r.visit_id = m.visit_id AND r.revision = m.revision
             WHERE m.quarter = ?1 AND r.state = 'approved' AND ?2 = ?2
             ORDER BY m.office_id, m.finished_at",
        )?;
        assert!(
            calibration[0].contains("PRIMARY KEY (quarter=?)"),
            "{calibration:?}"
        );
        assert!(
            !calibration.iter().any(|p| p.contains("B-TREE")),
            "{calibration:?}"
        );
        Ok(())
    })
    .unwrap();
}

/// Visits stored before the measures were keyed by quarter keep their measures, and
/// those received before measures were kept at all get an empty blob (their payload is
/// read instead), both under the visit's quarter, office and finish.
#[test]
fn measures_move_under_their_quarter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let before = STEPS
        .iter()
        .position(|s| s.contains("CREATE TABLE visit_measures_next"))
        .unwrap();
    {
        let mut conn = Connection::open(&path).unwrap();
        configure(&conn).unwrap();
        for (n, step) in STEPS.iter().enumerate().take(before) {
            let tx = conn.transaction().unwrap();
            tx.execute_batch(step).unwrap();
            tx.pragma_update(None, "user_version", n as i64 + 1)
                .unwrap();
            tx.commit().unwrap();
        }
        let visit = |id: &str, finished: Option<&str>| {
            conn.execute(
                "INSERT INTO visits (id, revision, auditor, office_id, template_id,
                     template_version, started_at, finished_at, payload, payload_sha256,
                     device_id, received_at, section_scores)
                 VALUES (?1, 1, 'anna', 'klin-1', 't', 2, '2026-05-01T09:00:00.000Z', ?2,
                     '{}', 'x', 'd', '2026-05-01T10:00:00.000Z', '{}')",
                rusqlite::params![id, finished],
            )
            .unwrap();
        };
        visit("measured", Some("2026-05-01T09:40:00.000Z"));
        visit("older", Some("2026-07-01T00:10:00.000Z"));
        visit("unfinished", None);
        conn.execute(
            "INSERT INTO visit_measures (visit_id, revision, measures) VALUES ('measured', 1, X'0102')",
            [],
        )
        .unwrap();
    }
    let db = Db::open(&path).unwrap();
    let rows: Vec<(String, String, String, Vec<u8>)> = db
        .blocking(|c| {
            Ok(c.prepare(
                "SELECT visit_id, quarter, office_id, measures FROM visit_measures ORDER BY visit_id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert_eq!(
        rows,
        vec![
            (
                "measured".into(),
                "2026-Q2".into(),
                "klin-1".into(),
                vec![1, 2]
            ),
            ("older".into(), "2026-Q3".into(), "klin-1".into(), vec![]),
        ]
    );
}
