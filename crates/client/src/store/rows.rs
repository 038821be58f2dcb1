//! How rows become domain values: visits with their answers and photos, outbox entries,
//! the home screen's lines; the one text format of stored times; and how TEXT columns
//! holding ids, states and JSON are read.
//!
//! Times and JSON are read through rusqlite's `chrono` and `serde_json` features. Ids are
//! not: rusqlite's `uuid` feature reads and writes 16-byte BLOBs, and the store has always
//! kept ids as hyphenated TEXT (so has the server), so [`Text`] reads them, as it reads the
//! states kept by name.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::de::{DeserializeOwned, IntoDeserializer};
use uuid::Uuid;
use zakupka_core::wire::{Refusal, ReviewState};
use zakupka_core::{Answer, AnswerValue, GeoPoint, PhotoRef, Visit, VisitStatus};

use super::{OutboxEntry, VisitSummary};
use crate::StoreError;

/// Times are stored as RFC 3339 text in UTC to the millisecond, one format everywhere, so
/// that SQL compares them as text in time order. (rusqlite's own `DateTime` writer puts a
/// space where this has a `T`, which would not compare with the rows already stored; its
/// reader takes both.)
pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn corrupt(what: impl Into<String>, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        detail: e.to_string(),
    }
}

/// A value kept as TEXT by name, read as a column: `row.get::<_, Text<Uuid>>(0)?.0`, or
/// [`RowExt::text`].
pub(super) struct Text<T>(pub T);

/// How a value kept as TEXT is read back.
pub(super) trait FromText: Sized {
    /// What the value is, for the error when a stored one is not.
    const WHAT: &'static str;
    fn from_text(s: &str) -> Option<Self>;
}

impl FromText for Uuid {
    const WHAT: &'static str = "id";
    fn from_text(s: &str) -> Option<Self> {
        Uuid::parse_str(s).ok()
    }
}

impl FromText for VisitStatus {
    const WHAT: &'static str = "visit status";
    fn from_text(s: &str) -> Option<Self> {
        VisitStatus::parse(s)
    }
}

impl FromText for ReviewState {
    const WHAT: &'static str = "review state";
    fn from_text(s: &str) -> Option<Self> {
        ReviewState::parse(s)
    }
}

/// Kept by its wire name (`own_branch`); one this app does not know reads as `Other`.
impl FromText for Refusal {
    const WHAT: &'static str = "refusal code";
    fn from_text(s: &str) -> Option<Self> {
        let name: serde::de::value::StrDeserializer<serde::de::value::Error> =
            s.into_deserializer();
        serde::Deserialize::deserialize(name).ok()
    }
}

/// The wire name of a refusal code, as it is stored.
pub(super) fn refusal_name(code: Refusal) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => "other".to_owned(),
    }
}

impl<T: FromText> FromSql for Text<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        T::from_text(s)
            .map(Text)
            .ok_or_else(|| FromSqlError::Other(format!("`{s}` is not a {}", T::WHAT).into()))
    }
}

/// A JSON column read as `T`, through rusqlite's `serde_json` feature.
pub(super) struct Json<T>(pub T);

impl<T: DeserializeOwned> FromSql for Json<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let json = serde_json::Value::column_result(value)?;
        serde_json::from_value(json)
            .map(Json)
            .map_err(FromSqlError::other)
    }
}

pub(super) trait RowExt {
    /// The TEXT column `idx` read as `T` (see [`Text`]).
    fn text<T: FromText>(&self, idx: usize) -> rusqlite::Result<T>;
    /// The JSON column `idx` read as `T` (see [`Json`]).
    fn json<T: DeserializeOwned>(&self, idx: usize) -> rusqlite::Result<T>;
}

impl RowExt for Row<'_> {
    fn text<T: FromText>(&self, idx: usize) -> rusqlite::Result<T> {
        self.get::<_, Text<T>>(idx).map(|t| t.0)
    }

    fn json<T: DeserializeOwned>(&self, idx: usize) -> rusqlite::Result<T> {
        self.get::<_, Json<T>>(idx).map(|t| t.0)
    }
}

/// An outbox row: visit_id, revision, payload, queued_at, attempts, last_error, sent_at.
pub(super) fn outbox_row(r: &Row) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        visit_id: r.text(0)?,
        revision: r.get(1)?,
        payload: r.get(2)?,
        queued_at: r.get(3)?,
        attempts: r.get(4)?,
        last_error: r.get(5)?,
        sent_at: r.get(6)?,
    })
}

/// (queued at, visit id, revision) of an outbox row, the order entries are sent in.
pub(super) fn outbox_key(r: &Row) -> rusqlite::Result<(DateTime<Utc>, Uuid, u32)> {
    Ok((r.get(2)?, r.text(0)?, r.get(1)?))
}

/// A line of the visit list: id, office, scenario, status, started, updated, answered,
/// case.
pub(super) fn visit_summary(r: &Row) -> rusqlite::Result<VisitSummary> {
    Ok(VisitSummary {
        id: r.text(0)?,
        office_id: r.get(1)?,
        scenario: r.get(2)?,
        status: r.text(3)?,
        started_at: r.get(4)?,
        updated_at: r.get(5)?,
        answered: r.get::<_, i64>(6)? as usize,
        case_id: r.get::<_, Option<Text<Uuid>>>(7)?.map(|t| t.0),
    })
}

/// A visit with its answers and the photos of each item.
pub(super) fn load_visit(conn: &Connection, id: Uuid) -> Result<Visit, StoreError> {
    let key = id.to_string();
    let mut visit = conn
        .prepare_cached(
            "SELECT template_id, template_version, office_id, auditor, scenario, started_at,
                    finished_at, waiting_seconds, comment, status, revision, case_id,
                    start_location, finish_location
             FROM visits WHERE id = ?1",
        )?
        .query_row([&key], |r| {
            Ok(Visit {
                id,
                template_id: r.get(0)?,
                template_version: r.get(1)?,
                office_id: r.get(2)?,
                auditor: r.get(3)?,
                scenario: r.get(4)?,
                started_at: r.get(5)?,
                finished_at: r.get(6)?,
                waiting_seconds: r.get(7)?,
                start_location: r.get::<_, Option<Json<_>>>(12)?.map(|j| j.0),
                finish_location: r.get::<_, Option<Json<_>>>(13)?.map(|j| j.0),
                comment: r.get(8)?,
                status: r.text(9)?,
                revision: r.get(10)?,
                answers: BTreeMap::new(),
                case_id: r.get::<_, Option<Text<Uuid>>>(11)?.map(|t| t.0),
            })
        })
        .optional()?
        .ok_or_else(|| StoreError::VisitNotFound(key.clone()))?;

    let mut photos: BTreeMap<String, Vec<PhotoRef>> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT item_id, sha256, mime, size, taken_at, latitude, longitude FROM media.photos
         WHERE visit_id = ?1 ORDER BY added_at, sha256",
    )?;
    for row in stmt.query_map([&key], |r| {
        let position = match (r.get(5)?, r.get(6)?) {
            (Some(lat), Some(lon)) => GeoPoint::new(lat, lon),
            _ => None,
        };
        let photo = PhotoRef {
            sha256: r.get(1)?,
            mime: r.get(2)?,
            size: r.get::<_, i64>(3)?.max(0) as u64,
            taken_at: r.get(4)?,
            position,
        };
        Ok((r.get::<_, String>(0)?, photo))
    })? {
        let (item, photo) = row?;
        photos.entry(item).or_default().push(photo);
    }

    let mut stmt = conn.prepare_cached(
        "SELECT item_id, value, comment, updated_at FROM answers WHERE visit_id = ?1
         ORDER BY item_id",
    )?;
    for row in stmt.query_map([&key], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, DateTime<Utc>>(3)?,
        ))
    })? {
        let (item, value, comment, updated_at) = row?;
        // Parsed here, not as a JSON column: a damaged answer is reported by its item.
        let value = value
            .map(|v| {
                serde_json::from_str::<AnswerValue>(&v)
                    .map_err(|e| corrupt(format!("answer to {item}"), e))
            })
            .transpose()?;
        let photos = photos.remove(&item).unwrap_or_default();
        let answer = Answer {
            value,
            comment,
            photos,
            updated_at,
        };
        visit.answers.insert(item, answer);
    }
    // Photos can come before any answer or comment on their item.
    for (item, photos) in photos {
        let answer = Answer {
            value: None,
            comment: String::new(),
            photos,
            updated_at: visit.started_at,
        };
        visit.answers.insert(item, answer);
    }
    Ok(visit)
}
