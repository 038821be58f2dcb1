//! The inbox on the device: the user's notifications as the pull brought them, readable
//! with no network. Reading one is written here first (`read_unsent`) and sent by the sync
//! engine later (`POST /notifications/read`, which the server takes again harmlessly).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params};
use zakupka_core::wire::{Notification, NotificationEntry};

use super::Store;
use super::rows::{corrupt, ts};
use crate::StoreError;

/// Read notifications leave the device this many days after being read, as on the server.
pub const KEEP_READ_DAYS: i64 = 90;
/// Unread ones after this many days since they were made.
pub const KEEP_UNREAD_DAYS: i64 = 365;

/// One notification as the inbox shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalNotification {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub read: bool,
    pub notification: Notification,
}

impl Store {
    /// The newest `limit` notifications, newest first.
    pub fn notifications(&self, limit: usize) -> Result<Vec<LocalNotification>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, created_at, read_at IS NOT NULL, kind, params FROM notifications
             ORDER BY created_at DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(LocalNotification {
                id: r.get(0)?,
                created_at: r.get(1)?,
                read: r.get(2)?,
                notification: Notification::from_columns(
                    &r.get::<_, String>(3)?,
                    &r.get::<_, String>(4)?,
                ),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many notifications are unread: the badge on home.
    pub fn unread_notifications(&self) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM notifications WHERE read_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Marks notification `id` read on the device, to be told to the server at the next
    /// sync. Reading one already read changes nothing.
    pub fn read_notification(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE notifications SET read_at = ?2, read_unsent = 1
             WHERE id = ?1 AND read_at IS NULL",
            params![id, ts(now)],
        )?;
        Ok(())
    }

    /// The ids read on the device and not yet told to the server, oldest first.
    pub fn unsent_reads(&self) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM notifications WHERE read_unsent = 1 ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The server took the read marks of `ids`.
    pub fn reads_sent(&self, ids: &[i64]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("UPDATE notifications SET read_unsent = 0 WHERE id = ?1")?;
            for id in ids {
                stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// Stores what a pull brought, within its transaction: one row per id, so a pull repeated
/// after a lost answer adds nothing; a read on this device is kept even if the server does
/// not know it yet. Then the old ones go, as on the server.
pub(super) fn store_pulled(
    tx: &Connection,
    entries: &[NotificationEntry],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO notifications (id, kind, params, created_at, read_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET read_at = coalesce(notifications.read_at, excluded.read_at)",
    )?;
    for e in entries {
        // A kind this build does not know is kept as unknown; never a failed sync.
        let (kind, params) = e
            .notification
            .to_columns()
            .map_err(|err| corrupt("notification", err))?;
        upsert.execute(params![
            e.id,
            kind,
            params,
            ts(e.created_at),
            e.read_at.map(ts)
        ])?;
    }
    tx.prepare_cached(
        "DELETE FROM notifications WHERE read_unsent = 0
         AND (read_at < ?1 OR (read_at IS NULL AND created_at < ?2))",
    )?
    .execute(params![
        ts(now - Duration::days(KEEP_READ_DAYS)),
        ts(now - Duration::days(KEEP_UNREAD_DAYS))
    ])?;
    Ok(())
}
