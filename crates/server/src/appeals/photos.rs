//! An appeal's evidence photos: the appeal names them, then its branch's manager uploads
//! each; whoever sees the appeal sees them.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use zakupka_core::wire::Refusal;

use super::{Viewer, get};
use crate::error::AppError;
use crate::time::ts;

fn not_named() -> AppError {
    AppError::not_found(Refusal::NotFound, "the appeal names no such photo")
}

/// Stores a photo the appeal names; `false` if it was stored before.
pub fn put_photo(
    conn: &Connection,
    appeal: &str,
    sha256: &str,
    mime: &str,
    bytes: &[u8],
    branch: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let a = get(conn, appeal, &Viewer::Branch(branch.to_owned()))?;
    if !a.photos.iter().any(|p| p == sha256) {
        return Err(not_named());
    }
    let n = conn.execute(
        "INSERT OR IGNORE INTO appeal_photos (appeal_id, sha256, mime, bytes, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![a.id.to_string(), sha256, mime, bytes, ts(now)],
    )?;
    Ok(n == 1)
}

/// A photo of an appeal `viewer` sees: its type and bytes.
pub fn photo(
    conn: &Connection,
    appeal: &str,
    sha256: &str,
    viewer: &Viewer,
) -> Result<(String, Vec<u8>), AppError> {
    let a = get(conn, appeal, viewer)?;
    conn.prepare_cached(
        "SELECT mime, bytes FROM appeal_photos WHERE appeal_id = ?1 AND sha256 = ?2",
    )?
    .query_row(params![a.id.to_string(), sha256], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()?
    .ok_or_else(not_named)
}
