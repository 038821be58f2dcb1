//! Limits that keep one user or one busy client from taking the server from everyone:
//! daily quotas per user (visits sent, photo bytes uploaded), answered 429 with
//! `Retry-After` until the next UTC day; and the request timeout and concurrency cap the
//! router applies (see `routes::app_with`).

use std::time::Duration;

use chrono::{DateTime, Days, Utc};
use rusqlite::{Connection, params};
use zakupka_core::Visit;

use crate::time::ts;

use crate::error::AppError;

/// What the server allows; [`Limits::default`] is what `serve` uses unless told otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Visit revisions one auditor may send in a UTC day. An auditor makes a few a day; a
    /// device that sends hundreds is broken or not a device.
    pub visits_per_day: u64,
    /// Photo bytes one auditor may upload in a UTC day: 40 visits of 20 photos of 1 MB.
    pub photo_bytes_per_day: u64,
    /// The longest a request may take, body included, before it is answered 408: long
    /// enough for the largest photo over a slow phone network.
    pub request_timeout: Duration,
    /// Requests served at once; further ones wait their turn.
    pub max_concurrent_requests: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            visits_per_day: 500,
            photo_bytes_per_day: 800 * 1024 * 1024,
            request_timeout: Duration::from_secs(120),
            max_concurrent_requests: 512,
        }
    }
}

/// The start of `now`'s UTC day and of the next.
pub fn day(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    (start, start.checked_add_days(Days::new(1)).unwrap_or(start))
}

/// Refuses with 429 `quota_exceeded` when `used` (including what is asked now) is over
/// `allowed`, retrying at `next_day`.
pub fn check(
    used: u64,
    allowed: u64,
    next_day: DateTime<Utc>,
    now: DateTime<Utc>,
    what: &str,
) -> Result<(), AppError> {
    if used <= allowed {
        return Ok(());
    }
    Err(AppError::QuotaExceeded {
        retry_after: (next_day - now).num_seconds().max(1) as u64,
        message: format!("the daily quota of {allowed} {what} is used up: try again tomorrow"),
    })
}

/// Refuses the whole push (429, nothing stored, the device tries again after
/// `Retry-After`) if the revisions in it that are new would take `auditor` past the
/// day's quota. Resends of stored revisions do not count. Pushes at the same moment may
/// together pass the quota by a batch: it stops a flood, it is not a ledger.
pub fn visits_within(
    conn: &Connection,
    auditor: &str,
    visits: &[Visit],
    per_day: u64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (day, next_day) = day(now);
    let sent: i64 = conn
        .prepare_cached("SELECT count(*) FROM visits WHERE auditor = ?1 AND received_at >= ?2")?
        .query_row(params![auditor, ts(day)], |r| r.get(0))?;
    let mut stored = conn.prepare_cached("SELECT 1 FROM visits WHERE id = ?1 AND revision = ?2")?;
    let mut new = 0u64;
    for v in visits {
        if !stored.exists(params![v.id.to_string(), v.revision])? {
            new += 1;
        }
    }
    if new == 0 {
        return Ok(());
    }
    check(sent as u64 + new, per_day, next_day, now, "visits")
}
