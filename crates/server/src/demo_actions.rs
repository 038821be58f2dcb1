//! The demo's corrective actions: Серпухов's approved visits of the last two quarters give
//! their actions, as approvals would, and they are moved to every state a screen shows
//! (open and overdue, planned, done awaiting verification, verified, reopened, a repeat
//! defect, open and not yet due), so the manager `manager` (head of Серпухов) and the
//! supervisor see something on first start. Deterministic: the same visits, the same
//! states in the same order.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params};

use crate::error::AppError;
use crate::time::ts;

/// The branch the demo's manager heads.
pub const MANAGER_BRANCH: &str = "serpukhov";

/// What each action in turn becomes, by the order they were found in.
const STATES: [&str; 7] = [
    "overdue", "planned", "done", "verified", "reopened", "repeat", "open",
];

/// Makes and moves the demo's actions; returns how many.
pub fn load_actions(conn: &mut Connection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let since = ts(now - Duration::days(200));
    let tx = conn.transaction()?;
    let directory = crate::reference::directory(&tx)?;
    let offices: Vec<&str> = directory
        .offices
        .iter()
        .filter(|o| o.branch_id == MANAGER_BRANCH)
        .map(|o| o.id.as_str())
        .collect();
    let offices = serde_json::to_string(&offices).map_err(|e| AppError::internal("offices", e))?;
    let visits: Vec<(String, u32, DateTime<Utc>)> = tx
        .prepare(
            "SELECT v.id, v.revision, coalesce(v.finished_at, v.started_at)
             FROM reviews r JOIN visits v ON v.id = r.visit_id AND v.revision = r.revision
             WHERE r.state = 'approved' AND v.started_at >= ?1
             AND v.office_id IN (SELECT value FROM json_each(?2))
             ORDER BY v.started_at, v.id",
        )?
        .query_map(params![since, offices], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (id, revision, at) in &visits {
        crate::actions::create_for_visit(&tx, id, *revision, *at)?;
    }
    tx.execute(
        "UPDATE actions SET recheck = NULL, rechecked_by = NULL, rechecked_at = NULL",
        [],
    )?;
    let ids: Vec<(String, DateTime<Utc>)> = tx
        .prepare("SELECT id, created_at FROM actions ORDER BY created_at, item_id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (n, (id, created)) in ids.iter().enumerate() {
        let closed = ts(*created + Duration::days(5));
        let verified = ts(*created + Duration::days(6));
        let sql = match STATES[n % STATES.len()] {
            "planned" => "UPDATE actions SET state = 'planned', plan = 'Провести инструктаж сотрудников офиса' WHERE id = ?1",
            "done" => "UPDATE actions SET state = 'done', plan = 'Исправить до конца недели',
                evidence = 'Исправлено, проверено руководителем офиса', closed_by = 'manager', closed_at = ?2 WHERE id = ?1",
            "verified" => "UPDATE actions SET state = 'verified', evidence = 'Исправлено',
                closed_by = 'manager', closed_at = ?2, verified_by = 'supervisor', verified_at = ?3 WHERE id = ?1",
            "reopened" => "UPDATE actions SET reopen_reason = 'По фото не видно, что исправлено', reopened = 1 WHERE id = ?1",
            "repeat" => "UPDATE actions SET reopen_reason = 'repeat defect found by a later visit',
                reopened = 1, repeats = 1, recheck = 'repeat' WHERE id = ?1",
            "open" => "UPDATE actions SET due = ?4 WHERE id = ?1",
            _ => continue, // open since its visit, and overdue
        };
        let due = (now + Duration::days(10)).date_naive();
        let mut stmt = tx.prepare(sql)?;
        let wanted = stmt.parameter_count();
        let values: [&dyn rusqlite::ToSql; 4] = [id, &closed, &verified, &due];
        stmt.execute(&values[..wanted])?;
    }
    tx.commit()?;
    Ok(ids.len())
}
