//! The loop's last step: the office's next visit re-checks the items with open or recently
//! fixed actions (the auditor is told which, the office is not), and its approval judges
//! them: a passed item confirms the fix, a failed one is a repeat defect.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params};
use zakupka_core::actions::FailedItem;
use zakupka_core::{Template, Visit};

use crate::error::AppError;
use crate::time::ts;

/// How long after it was closed a fixed item is still re-checked.
pub const RECHECK_DAYS: i64 = 90;

/// The actions of `office` to re-check at `now`: (action id, item id, state), oldest first;
/// with `visit`, only those found before it started, and not by itself (a corrected
/// revision approved again does not re-check its own findings).
fn to_recheck(
    conn: &Connection,
    office: &str,
    now: DateTime<Utc>,
    visit: Option<&Visit>,
) -> Result<Vec<(String, String, String)>, AppError> {
    let since = ts(now - Duration::days(RECHECK_DAYS));
    let mut stmt = conn.prepare_cached(
        "SELECT id, item_id, state FROM actions WHERE office_id = ?1
         AND (state IN ('open', 'planned') OR closed_at >= ?2)
         AND (?3 IS NULL OR (visit_id != ?3 AND created_at < ?4))
         ORDER BY created_at, id",
    )?;
    let (id, started) = match visit {
        Some(v) => (Some(v.id.to_string()), Some(ts(v.started_at))),
        None => (None, None),
    };
    let rows = stmt.query_map(params![office, since, id, started], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The item ids of `office` with open or recently fixed actions, for its next visit.
pub fn recheck_items(
    conn: &Connection,
    office: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let items: BTreeSet<String> = to_recheck(conn, office, now, None)?
        .into_iter()
        .map(|(_, item, _)| item)
        .collect();
    Ok(items.into_iter().collect())
}

/// Judges the re-checked items of an approved `visit`: each answered item with an earlier
/// action of the office confirms the fix (passed) or is a repeat defect (failed: a closed
/// action is reopened and its repeats counted; an unclosed one stays as it is). Returns the
/// items so judged, which get no new action: the earlier one carries them.
pub fn judge_rechecks(
    tx: &Connection,
    visit: &Visit,
    template: &Template,
    failed: &[FailedItem],
    now: DateTime<Utc>,
) -> Result<BTreeSet<String>, AppError> {
    let failed: BTreeSet<&str> = failed.iter().map(|f| f.item_id.as_str()).collect();
    let values = visit.values();
    let visit_id = visit.id.to_string();
    let mut judged = BTreeSet::new();
    for (action, item, state) in to_recheck(tx, &visit.office_id, now, Some(visit))? {
        let answered = values
            .get(&item)
            .zip(template.item(&item))
            .is_some_and(|(v, i)| i.fraction(v).is_some());
        if !answered {
            continue; // not applicable or unanswered: nothing learnt
        }
        judged.insert(item.clone());
        let closed = matches!(state.as_str(), "done" | "verified");
        let (outcome, step) = if !failed.contains(item.as_str()) {
            tx.execute(
                "UPDATE actions SET recheck = 'fix_confirmed', rechecked_by = ?2, rechecked_at = ?3
                 WHERE id = ?1",
                params![action, visit_id, ts(now)],
            )?;
            ("fix_confirmed", "action_fix_confirmed")
        } else if closed {
            tx.execute(
                "UPDATE actions SET recheck = 'repeat', rechecked_by = ?2, rechecked_at = ?3,
                     repeats = repeats + 1, reopened = reopened + 1, state = 'open',
                     reopen_reason = 'repeat defect found by a later visit'
                 WHERE id = ?1",
                params![action, visit_id, ts(now)],
            )?;
            ("repeat", "action_repeat")
        } else {
            tx.execute(
                "UPDATE actions SET rechecked_by = ?2, rechecked_at = ?3 WHERE id = ?1",
                params![action, visit_id, ts(now)],
            )?;
            continue;
        };
        let detail = serde_json::json!({ "action": action, "visit": visit_id, "outcome": outcome });
        super::audit(tx, now, "server", step, &detail)?;
    }
    Ok(judged)
}
