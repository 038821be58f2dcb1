//! Photos of visits, addressed by the SHA-256 of their bytes. An auditor uploads the photos
//! of their own pushed visits; a photo is read through a visit the caller may see (see
//! [`crate::scope`]) whose auditor uploaded it.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use zakupka_core::photo_type;
use zakupka_core::wire::{MAX_PHOTO_BYTES, Refusal, is_photo_address};

use crate::error::AppError;
use crate::scope::Scope;
use crate::time::ts;

/// A photo's address is the SHA-256 of its bytes and nothing else, so no path can be
/// smuggled through it.
pub fn check_address(sha256: &str) -> Result<(), AppError> {
    if is_photo_address(sha256) {
        Ok(())
    } else {
        Err(AppError::bad(
            Refusal::Invalid,
            "sha256",
            "must be 64 lowercase hex digits",
        ))
    }
}

/// Checks an upload before the database is touched: its size, that the bytes are what
/// the address says, and that they are an image. Returns the image's type.
pub fn check_upload(sha256: &str, body: &[u8]) -> Result<&'static str, AppError> {
    if body.len() > MAX_PHOTO_BYTES {
        return Err(AppError::too_large(format!(
            "a photo may be at most {MAX_PHOTO_BYTES} bytes"
        )));
    }
    if format!("{:x}", Sha256::digest(body)) != sha256 {
        return Err(AppError::bad(
            Refusal::Invalid,
            "body",
            "the bytes do not match the SHA-256 in the address",
        ));
    }
    photo_type(body)
        .ok_or_else(|| AppError::bad(Refusal::NotAnImage, "body", "not a JPEG, PNG or WebP image"))
}

/// A photo's type and bytes, if a visit the caller may see has it and that visit's auditor
/// uploaded it. Naming someone else's photo in a visit of one's own does not make it
/// readable: it is "not found", like someone else's visit.
pub fn get(conn: &Connection, sha256: &str, scope: &Scope) -> Result<(String, Vec<u8>), AppError> {
    let visible: bool = conn
        .prepare_cached(
            "SELECT 1 FROM visit_photos p JOIN visits v ON v.id = p.visit_id AND v.revision = p.revision
             JOIN photo_uploads u ON u.sha256 = p.sha256 AND u.auditor = v.auditor
             WHERE p.sha256 = ?1 AND (?2 IS NULL OR v.auditor = ?2)
             AND (?3 IS NULL OR v.office_id IN (SELECT value FROM json_each(?3))) LIMIT 1",
        )?
        .exists(params![sha256, scope.auditor, scope.offices])?;
    let photo = if visible {
        conn.query_row(
            "SELECT mime, bytes FROM photos WHERE sha256 = ?1",
            [sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
    } else {
        None
    };
    photo.ok_or_else(|| {
        AppError::not_found(Refusal::NotFound, "no such photo of a visit you may see")
    })
}

/// Keeps a photo a pushed visit of `auditor` references and records that `auditor`
/// uploaded it; `true` if it is new for `auditor` (whether another auditor sent the same
/// bytes before is not told). Refused once the auditor's photo bytes of the day would pass
/// `quota_bytes`.
pub fn put(
    conn: &mut Connection,
    sha256: &str,
    mime: &str,
    body: &[u8],
    auditor: &str,
    quota_bytes: u64,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let tx = conn.transaction()?;
    let referenced: bool = tx
        .prepare_cached(
            "SELECT 1 FROM visit_photos p JOIN visits v ON v.id = p.visit_id AND v.revision = p.revision
             WHERE p.sha256 = ?1 AND v.auditor = ?2 LIMIT 1",
        )?
        .exists(params![sha256, auditor])?;
    if !referenced {
        return Err(AppError::not_found(
            Refusal::PhotoNotInVisit,
            "no visit of yours has this photo: push the visit first",
        ));
    }
    let known: bool = tx
        .prepare_cached("SELECT 1 FROM photo_uploads WHERE sha256 = ?1 AND auditor = ?2")?
        .exists(params![sha256, auditor])?;
    if known {
        return Ok(false);
    }
    let (day, next_day) = crate::quota::day(now);
    let today: i64 = tx.query_row(
        "SELECT coalesce(sum(size), 0) FROM photo_uploads WHERE auditor = ?1 AND at >= ?2",
        params![auditor, ts(day)],
        |r| r.get(0),
    )?;
    crate::quota::check(
        today as u64 + body.len() as u64,
        quota_bytes,
        next_day,
        now,
        "photo bytes",
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO photos (sha256, mime, size, bytes, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![sha256, mime, body.len() as i64, body, ts(now)],
    )?;
    tx.execute(
        "INSERT INTO photo_uploads (sha256, auditor, size, at) VALUES (?1, ?2, ?3, ?4)",
        params![sha256, auditor, body.len() as i64, ts(now)],
    )?;
    tx.commit()?;
    Ok(true)
}
