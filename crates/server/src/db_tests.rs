//! Upgrades from older schemas keep what they hold.

use super::*;

/// A database written before managers existed: its users, their tokens and assignments
/// survive the rebuilt `users` table, and a manager can then be stored.
#[test]
fn users_survive_the_step_that_admits_managers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // The step that admits managers, wherever later steps put it from the end.
    let before = STEPS
        .iter()
        .position(|s| s.contains("CREATE TABLE users_next"))
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

/// The rating and the calibration read a quarter's visits from the index on their finish
/// alone (a lookup in the table per visit was most of their time at national scale).
#[test]
fn a_quarters_visits_are_read_from_the_index_alone() {
    let db = Db::open_in_memory().unwrap();
    db.blocking(|c| {
        for sql in [
            "SELECT v.id, v.office_id, v.score FROM visits v
             CROSS JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
             WHERE r.state = 'approved' AND v.finished_at >= ?1 AND v.finished_at < ?2",
            "SELECT v.office_id, v.finished_at, v.id, v.revision, v.auditor, v.template_id,
                    v.template_version FROM visits v
             CROSS JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
             WHERE r.state = 'approved' AND v.finished_at >= ?1 AND v.finished_at < ?2",
        ] {
            let plan: Vec<String> = c
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?
                .query_map(["a", "b"], |r| r.get::<_, String>(3))?
                .collect::<Result<_, _>>()?;
            assert!(
                plan[0].contains("COVERING INDEX visits_by_finish"),
                "{plan:?}"
            );
        }
        Ok(())
    })
    .unwrap();
}
