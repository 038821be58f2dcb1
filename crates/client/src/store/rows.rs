//! How rows become domain values: visits with their answers and photos, outbox entries,
//! the home screen's lines; and the one text format of stored times.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;
use zakupka_core::{Answer, AnswerValue, PhotoRef, Visit, VisitStatus};

use super::{OutboxEntry, VisitSummary};
use crate::StoreError;

/// Times are stored as RFC 3339 text in UTC to the millisecond, one format everywhere, so
/// that SQL compares them as text in time order.
pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn parse_ts(what: &str, s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            what: what.to_owned(),
            detail: format!("time `{s}`: {e}"),
        })
}

pub(super) fn corrupt(what: impl Into<String>, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        detail: e.to_string(),
    }
}

/// An outbox row as selected by the `outbox*` reads; the outer result is SQLite's, the
/// inner one says whether the row made sense.
#[allow(clippy::type_complexity)]
pub(super) fn outbox_row(r: &rusqlite::Row) -> rusqlite::Result<Result<OutboxEntry, StoreError>> {
    let id: String = r.get(0)?;
    let queued: String = r.get(3)?;
    let sent: Option<String> = r.get(6)?;
    let (revision, payload, attempts, last_error) = (r.get(1)?, r.get(2)?, r.get(4)?, r.get(5)?);
    Ok((|| {
        Ok(OutboxEntry {
            visit_id: Uuid::parse_str(&id).map_err(|e| corrupt("outbox visit id", e))?,
            revision,
            payload,
            queued_at: parse_ts("outbox time", &queued)?,
            attempts,
            last_error,
            sent_at: sent.map(|s| parse_ts("outbox sent time", &s)).transpose()?,
        })
    })())
}

/// (queued at, visit id, revision) of an outbox row, the order entries are sent in.
#[allow(clippy::type_complexity)]
pub(super) fn outbox_key(
    r: &rusqlite::Row,
) -> rusqlite::Result<Result<(DateTime<Utc>, Uuid, u32), StoreError>> {
    let (id, revision, queued): (String, u32, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
    Ok((|| {
        Ok((
            parse_ts("outbox time", &queued)?,
            Uuid::parse_str(&id).map_err(|e| corrupt("outbox visit id", e))?,
            revision,
        ))
    })())
}

/// A line of the visit list: id, office, scenario, status, started, updated, answered.
pub(super) fn visit_summary(
    r: &rusqlite::Row,
) -> rusqlite::Result<Result<VisitSummary, StoreError>> {
    let (id, office_id, scenario, status, started, updated, answered): (
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    );
    Ok((|| {
        Ok(VisitSummary {
            id: Uuid::parse_str(&id).map_err(|e| corrupt("visit id", e))?,
            office_id,
            scenario,
            status: VisitStatus::parse(&status).ok_or_else(|| corrupt("visit status", &status))?,
            started_at: parse_ts("visit start", &started)?,
            updated_at: parse_ts("visit update", &updated)?,
            answered: answered as usize,
        })
    })())
}

pub(super) fn load_visit(conn: &Connection, id: Uuid) -> Result<Visit, StoreError> {
    let key = id.to_string();
    let row = conn
        .query_row(
            "SELECT template_id, template_version, office_id, auditor, scenario, started_at, finished_at,
                    waiting_seconds, comment, status, revision
             FROM visits WHERE id = ?1",
            [&key],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<u32>>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, u32>(10)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::VisitNotFound(key.clone()))?;
    let (
        template_id,
        template_version,
        office_id,
        auditor,
        scenario,
        started,
        finished,
        waiting,
        comment,
        status,
        revision,
    ) = row;

    let mut photos: BTreeMap<String, Vec<PhotoRef>> = BTreeMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT item_id, sha256, mime, size FROM media.photos WHERE visit_id = ?1 ORDER BY added_at, sha256")?;
    for row in stmt.query_map([&key], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })? {
        let (item, sha256, mime, size) = row?;
        photos.entry(item).or_default().push(PhotoRef {
            sha256,
            mime,
            size: size.max(0) as u64,
        });
    }

    let mut answers = BTreeMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT item_id, value, comment, updated_at FROM answers WHERE visit_id = ?1 ORDER BY item_id")?;
    for row in stmt.query_map([&key], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })? {
        let (item, value, comment, updated) = row?;
        let value = value
            .map(|v| {
                serde_json::from_str::<AnswerValue>(&v)
                    .map_err(|e| corrupt(format!("answer to {item}"), e))
            })
            .transpose()?;
        let item_photos = photos.remove(&item).unwrap_or_default();
        answers.insert(
            item.clone(),
            Answer {
                value,
                comment,
                photos: item_photos,
                updated_at: parse_ts("answer time", &updated)?,
            },
        );
    }
    // Photos can come before any answer or comment on their item.
    for (item, item_photos) in photos {
        answers.insert(
            item,
            Answer {
                value: None,
                comment: String::new(),
                photos: item_photos,
                updated_at: parse_ts("visit start", &started)?,
            },
        );
    }

    Ok(Visit {
        id,
        template_id,
        template_version,
        office_id,
        auditor,
        scenario,
        started_at: parse_ts("visit start", &started)?,
        finished_at: finished.map(|f| parse_ts("visit finish", &f)).transpose()?,
        waiting_seconds: waiting,
        comment,
        status: VisitStatus::parse(&status).ok_or_else(|| corrupt("visit status", &status))?,
        revision,
        answers,
    })
}
