//! The in-app inbox: notifications written in the transaction of the change they announce,
//! delivered to their user's devices by the change feed (`pull.rs`), marked read by the
//! user, and pruned once old. Who gets one: [`supervisors_of`] and [`managers_of`] a
//! branch, or a login directly.
//!
//! Due dates are announced by [`sweep`], run hourly by `serve` (and at its start), not at
//! pull: a pull reads on a reader connection and writes nothing, and a notification made
//! once on the writer reaches every device of its user the same, online or not.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::wire::{
    AssignmentStatus, DUE_SOON_DAYS, MAX_READ_BATCH, Notification, NotificationEntry, Refusal,
};

use crate::error::AppError;
use crate::sql::Text;
use crate::time::ts;

/// Read notifications leave the server (and the device) this many days after being read.
pub const KEEP_READ_DAYS: i64 = 90;
/// Unread ones leave after this many days: nobody is going to read them.
pub const KEEP_UNREAD_DAYS: i64 = 365;
/// An assignment overdue longer than this is not announced any more (it was, when it
/// became overdue); bounded so a pruned notification is never made again.
const OVERDUE_WINDOW_DAYS: u64 = 30;

/// Tells `login` about `notification` at `now` (the server's clock, which tests move), as
/// part of the caller's transaction `tx`.
pub fn notify_at(
    tx: &Connection,
    login: &str,
    notification: &Notification,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let (kind, params) = notification
        .to_columns()
        .map_err(|e| AppError::internal("notification", e))?;
    tx.prepare_cached(
        "INSERT INTO notifications (login, kind, params, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![login, kind, params, ts(now)])?;
    let id = tx.last_insert_rowid();
    announce(tx, login, id)?;
    Ok(id)
}

/// Tells each of `logins` (e.g. [`supervisors_of`] a branch) about `notification`.
pub fn notify_all(
    tx: &Connection,
    logins: &[String],
    notification: &Notification,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for login in logins {
        notify_at(tx, login, notification, now)?;
    }
    Ok(())
}

/// Puts notification `id` in `login`'s change feed, once: its earlier entry goes, so a
/// notification made and read costs one row of the feed, and a pull sends it as it is now.
fn announce(tx: &Connection, login: &str, id: i64) -> Result<(), AppError> {
    tx.prepare_cached("DELETE FROM changes WHERE kind = 'notification' AND ref = ?1")?
        .execute([id.to_string()])?;
    tx.prepare_cached("INSERT INTO changes (kind, ref, auditor) VALUES ('notification', ?1, ?2)")?
        .execute(params![id.to_string(), login])?;
    Ok(())
}

/// The supervisors who see visits to `branch_id`'s offices: those bound to it and those
/// bound to no branch (see `scope.rs`); disabled ones are left out.
pub fn supervisors_of(conn: &Connection, branch_id: &str) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT login FROM users u WHERE role = 'supervisor' AND disabled_at IS NULL
         AND (NOT EXISTS (SELECT 1 FROM supervisor_branches s WHERE s.login = u.login)
              OR EXISTS (SELECT 1 FROM supervisor_branches s
                         WHERE s.login = u.login AND s.branch_id = ?1))
         ORDER BY login",
    )?;
    let rows = stmt.query_map([branch_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The managers heading `branch_id`; disabled ones are left out.
pub fn managers_of(conn: &Connection, branch_id: &str) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT login FROM users WHERE role = 'manager' AND branch_id = ?1
         AND disabled_at IS NULL ORDER BY login",
    )?;
    let rows = stmt.query_map([branch_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Marks `ids` read for `login`. Ids of other users' notifications, unknown ones and those
/// already read change nothing (and are not told apart), so the same request may come
/// again. Each newly read one goes into the feed again for the user's other devices.
pub fn mark_read(
    conn: &mut Connection,
    login: &str,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    if ids.len() > MAX_READ_BATCH {
        return Err(AppError::bad(
            Refusal::Invalid,
            "ids",
            format!("at most {MAX_READ_BATCH} ids at a time"),
        ));
    }
    let tx = conn.transaction()?;
    let mut marked = 0;
    for &id in ids {
        let n = tx
            .prepare_cached(
                "UPDATE notifications SET read_at = ?3
                 WHERE id = ?1 AND login = ?2 AND read_at IS NULL",
            )?
            .execute(params![id, login, ts(now)])?;
        if n > 0 {
            announce(&tx, login, id)?;
            marked += 1;
        }
    }
    tx.commit()?;
    Ok(marked)
}

/// The id of the newest notification, 0 for none.
pub fn newest(conn: &Connection) -> Result<i64, AppError> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM notifications", [], |r| {
            r.get(0)
        })?,
    )
}

/// Marks every notification after `id` read (the demo's own, made while it is loaded).
pub fn read_after(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<usize, AppError> {
    Ok(conn.execute(
        "UPDATE notifications SET read_at = ?2 WHERE id > ?1 AND read_at IS NULL",
        params![id, ts(now)],
    )?)
}

/// Notification `id` as delivered, if it is `login`'s.
pub fn entry(
    conn: &Connection,
    login: &str,
    id: i64,
) -> Result<Option<NotificationEntry>, AppError> {
    let row = conn
        .prepare_cached(
            "SELECT kind, params, created_at, read_at FROM notifications
             WHERE id = ?1 AND login = ?2",
        )?
        .query_row(params![id, login], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })
        .optional()?;
    Ok(
        row.map(|(kind, params, created_at, read_at)| NotificationEntry {
            id,
            created_at,
            read_at,
            notification: Notification::from_columns(&kind, &params),
        }),
    )
}

/// What one [`sweep`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub made: usize,
    pub pruned: usize,
}

/// Announces assignments and corrective actions due within [`DUE_SOON_DAYS`] and those
/// overdue (each once; actions in `actions/due.rs`), and prunes old notifications; one
/// transaction.
pub fn sweep(conn: &mut Connection, now: DateTime<Utc>) -> Result<Swept, AppError> {
    let tx = conn.transaction()?;
    let made = assignments_due(&tx, now)? + crate::actions::due::announce(&tx, now)?;
    let pruned = prune(&tx, now)?;
    tx.commit()?;
    Ok(Swept { made, pruned })
}

fn assignments_due(tx: &Connection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let today = now.date_naive();
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let soon = day(today.checked_add_days(Days::new(DUE_SOON_DAYS.unsigned_abs())));
    let oldest = day(today.checked_sub_days(Days::new(OVERDUE_WINDOW_DAYS)));
    let candidates: Vec<(Text<Uuid>, String)> = tx
        .prepare_cached(
            "SELECT id, auditor FROM assignments
             WHERE cancelled_at IS NULL AND due >= ?1 AND due <= ?2",
        )?
        .query_map(params![oldest, soon], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut made = 0;
    for (Text(id), auditor) in candidates {
        let Some(a) = crate::assignments::get(tx, id, today)? else {
            continue;
        };
        let (assignment_id, office_id, due) = (a.id, a.office_id, a.due);
        let notification = match a.status {
            AssignmentStatus::Done => continue,
            AssignmentStatus::Overdue => Notification::AssignmentOverdue {
                assignment_id,
                office_id,
                due,
            },
            AssignmentStatus::Open => Notification::AssignmentDueSoon {
                assignment_id,
                office_id,
                due,
            },
        };
        let told = tx
            .prepare_cached(
                "SELECT 1 FROM notifications WHERE login = ?1 AND kind = ?2
                 AND json_extract(params, '$.assignment_id') = ?3",
            )?
            .exists(params![auditor, notification.kind(), id.to_string()])?;
        if !told {
            notify_at(tx, &auditor, &notification, now)?;
            made += 1;
        }
    }
    Ok(made)
}

/// Removes notifications read more than [`KEEP_READ_DAYS`] ago and unread ones older than
/// [`KEEP_UNREAD_DAYS`], with their entries in the feed.
fn prune(tx: &Connection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let before = |days: i64| ts(now - chrono::Duration::days(days));
    let ids: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM notifications WHERE read_at < ?1
             UNION SELECT id FROM notifications WHERE created_at < ?2 AND read_at IS NULL",
        )?
        .query_map(
            params![before(KEEP_READ_DAYS), before(KEEP_UNREAD_DAYS)],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    for id in &ids {
        tx.prepare_cached("DELETE FROM changes WHERE kind = 'notification' AND ref = ?1")?
            .execute([id.to_string()])?;
        tx.prepare_cached("DELETE FROM notifications WHERE id = ?1")?
            .execute([id])?;
    }
    Ok(ids.len())
}
