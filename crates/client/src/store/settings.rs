//! Small named values the app keeps beside the visits: the account, the open screen, the
//! sync cursor.

use rusqlite::{Connection, OptionalExtension, params};

use super::Store;
use crate::StoreError;

impl Store {
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        put_setting(&self.conn, key, value)
    }
}

/// Writes a setting on `conn`, or inside a transaction that also writes other things.
pub(super) fn put_setting(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}
