//! Purging personal data that is no longer needed: the comments and photos of visits in
//! published quarters that ended before a date. The scores, answers and published
//! ratings stay, so the rating and every figure behind it read the same afterwards.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde_json::Value;
use zakupka_core::rating::Quarter;

use crate::error::AppError;
use crate::time::{quarter_span, ts};

/// What a purge changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    pub quarters: Vec<String>,
    pub visits: usize,
    pub photos: usize,
}

/// Removes the comments (the auditor's, on the visit and its items, and the reviewers')
/// and the photos of every visit finished in a published quarter that ended by `before`,
/// and writes what it did to the audit log, all in one transaction. Deleted bytes are
/// overwritten on disk (`secure_delete`), not merely unlinked; older backups still hold
/// them.
pub fn purge_personal_data(
    conn: &mut Connection,
    before: DateTime<Utc>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Purged, AppError> {
    conn.pragma_update(None, "secure_delete", true)?;
    let tx = conn.transaction()?;
    let mut purged = Purged::default();
    for quarter in published_quarters(&tx)? {
        if quarter.bounds().1 > before {
            continue;
        }
        purged.quarters.push(quarter.to_string());
        let (start, end) = quarter_span(quarter);
        let visits: Vec<(String, i64, String)> = tx
            .prepare(
                "SELECT id, revision, payload FROM visits WHERE finished_at >= ?1 AND finished_at < ?2",
            )?
            .query_map([&start, &end], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        for (id, revision, payload) in visits {
            tx.execute(
                "UPDATE visits SET payload = ?1 WHERE id = ?2 AND revision = ?3",
                params![without_comments_and_photos(&payload)?, id, revision],
            )?;
            purged.visits += 1;
        }
        // Photos go with the visit; one that a later visit also references stays for it.
        tx.execute(
            "DELETE FROM visit_photos WHERE visit_id IN
               (SELECT id FROM visits WHERE finished_at >= ?1 AND finished_at < ?2)",
            [&start, &end],
        )?;
        tx.execute(
            "UPDATE reviews SET comment = '', item_comments = '{}' WHERE visit_id IN
               (SELECT id FROM visits WHERE finished_at >= ?1 AND finished_at < ?2)",
            [&start, &end],
        )?;
        // The review log is append-only for everyone else; a purge is the one change made
        // to it, and is itself logged below.
        tx.execute_batch("DROP TRIGGER review_log_no_update;")?;
        tx.execute(
            "UPDATE review_log SET comment = '', item_comments = '{}' WHERE visit_id IN
               (SELECT id FROM visits WHERE finished_at >= ?1 AND finished_at < ?2)",
            [&start, &end],
        )?;
        tx.execute_batch(
            "CREATE TRIGGER review_log_no_update BEFORE UPDATE ON review_log
             BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;",
        )?;
    }
    purged.photos = tx.execute(
        "DELETE FROM photos WHERE sha256 NOT IN (SELECT sha256 FROM visit_photos)",
        [],
    )?;
    // Who uploaded a photo that is gone is no longer needed either.
    tx.execute(
        "DELETE FROM photo_uploads WHERE sha256 NOT IN (SELECT sha256 FROM photos)",
        [],
    )?;
    let detail = serde_json::json!({ "before": ts(before), "purged": &purged });
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'purge-personal-data', ?3)",
        params![ts(now), actor, detail.to_string()],
    )?;
    tx.commit()?;
    // The freed pages are zeroed in the WAL; copy them over the database file now.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(purged)
}

fn published_quarters(conn: &Connection) -> Result<Vec<Quarter>, AppError> {
    let texts: Vec<String> = conn
        .prepare("SELECT quarter FROM published ORDER BY quarter")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    texts
        .iter()
        .map(|t| {
            t.parse()
                .map_err(|e| AppError::Internal(format!("published quarter {t:?}: {e}")))
        })
        .collect()
}

/// The visit as stored, with its comment, its items' comments and its photos emptied; every
/// other field (answers, times) kept as it was.
fn without_comments_and_photos(payload: &str) -> Result<String, AppError> {
    let mut visit: Value = serde_json::from_str(payload)
        .map_err(|e| AppError::Internal(format!("a stored visit is not JSON: {e}")))?;
    if let Some(comment) = visit.get_mut("comment") {
        *comment = Value::String(String::new());
    }
    if let Some(Value::Object(answers)) = visit.get_mut("answers") {
        for answer in answers.values_mut() {
            if let Value::Object(answer) = answer {
                answer.insert("comment".into(), Value::String(String::new()));
                answer.insert("photos".into(), Value::Array(Vec::new()));
            }
        }
    }
    Ok(visit.to_string())
}
