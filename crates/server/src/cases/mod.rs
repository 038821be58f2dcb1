//! Calibration cases: a supervisor publishes a reference situation (a text, photos, the
//! checklist it is judged by) with its key, the reference answers; auditors score it on
//! their devices like a visit. Case answers are stored in `case_answers`, never in
//! `visits`: the rating, the review queue, quotas and pulls read only `visits`, so no case
//! answer can count in any of them. [`observations`] gives what calibration compares.

mod answers;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{CalibrationCase, CaseRequest, MAX_CASE_TEXT_CHARS, Refusal};
use zakupka_core::{AnswerValue, ItemOutcome, Template, Visit};

use crate::error::AppError;
use crate::sql::{Json, Text};
use crate::time::{quarter_span, ts};

pub use answers::store_answer;

/// Longest title, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// Checks a case before it is published: its texts, its checklist and scenario, its photos
/// (already uploaded), and its key, answered as a submitted visit must be.
fn check(conn: &Connection, req: &CaseRequest) -> Result<Template, AppError> {
    for (field, text, max) in [
        ("title", &req.title, MAX_TITLE_CHARS),
        ("text", &req.text, MAX_CASE_TEXT_CHARS),
    ] {
        if text.trim().is_empty() {
            return Err(AppError::bad(Refusal::Invalid, field, "must not be empty"));
        }
        if text.chars().count() > max {
            return Err(AppError::bad(
                Refusal::TooLong,
                field,
                format!("at most {max} characters"),
            ));
        }
    }
    let template = crate::reference::template(conn, &req.template_id, req.template_version)?
        .ok_or_else(|| {
            AppError::bad(
                Refusal::UnknownChecklist,
                "template_version",
                format!(
                    "unknown checklist {} version {}",
                    req.template_id, req.template_version
                ),
            )
        })?;
    if template.scenario(&req.scenario).is_none() {
        return Err(AppError::bad(
            Refusal::UnknownScenario,
            "scenario",
            format!("no scenario `{}` in the checklist", req.scenario),
        ));
    }
    let mut stored = conn.prepare_cached("SELECT 1 FROM case_photos WHERE sha256 = ?1")?;
    for (n, sha256) in req.photos.iter().enumerate() {
        if !stored.exists([sha256])? {
            return Err(AppError::bad(
                Refusal::NotFound,
                format!("photos[{n}]"),
                "upload the photo first (PUT /api/v1/cases/photos/{sha256})",
            ));
        }
    }
    for (item_id, value) in &req.key {
        template.check_answer(item_id, value).map_err(|e| {
            AppError::bad(Refusal::InvalidKey, format!("key.{item_id}"), e.to_string())
        })?;
    }
    if let Some(missing) = template.missing_required(&req.key).first() {
        return Err(AppError::bad(
            Refusal::InvalidKey,
            format!("key.{missing}"),
            "a required item has no reference answer",
        ));
    }
    Ok(template)
}

/// Publishes a case; it reaches auditors' devices at their next sync.
pub fn publish(
    conn: &Connection,
    req: &CaseRequest,
    by: &str,
    now: DateTime<Utc>,
) -> Result<CalibrationCase, AppError> {
    check(conn, req)?;
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO cases (id, title, text, template_id, template_version, scenario, photos, key,
                            published_by, published_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id.to_string(),
            req.title.trim(),
            req.text.trim(),
            req.template_id,
            req.template_version,
            req.scenario,
            to_json(&req.photos)?,
            to_json(&req.key)?,
            by,
            ts(now)
        ],
    )?;
    get(conn, id, true)?.ok_or_else(|| AppError::Internal("case vanished".into()))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::internal("case json", e))
}

const SELECT: &str = "SELECT id, title, text, template_id, template_version, scenario, photos,
    published_by, published_at, key FROM cases";

fn read(r: &rusqlite::Row, with_key: bool) -> rusqlite::Result<CalibrationCase> {
    Ok(CalibrationCase {
        id: r.get::<_, Text<Uuid>>(0)?.0,
        title: r.get(1)?,
        text: r.get(2)?,
        template_id: r.get(3)?,
        template_version: r.get(4)?,
        scenario: r.get(5)?,
        photos: r.get::<_, Json<Vec<String>>>(6)?.0,
        published_by: r.get(7)?,
        published_at: r.get(8)?,
        key: if with_key {
            Some(r.get::<_, Json<BTreeMap<String, AnswerValue>>>(9)?.0)
        } else {
            None
        },
    })
}

/// One case; with its key only when `with_key` (supervisors).
pub fn get(
    conn: &Connection,
    id: Uuid,
    with_key: bool,
) -> Result<Option<CalibrationCase>, AppError> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id.to_string()], |r| read(r, with_key))
        .optional()?)
}

/// Every published case, newest first; keys only when `with_key` (supervisors).
pub fn list(conn: &Connection, with_key: bool) -> Result<Vec<CalibrationCase>, AppError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY published_at DESC, id"))?;
    let rows = stmt.query_map([], |r| read(r, with_key))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Stores a case's photo (checked by [`crate::photos::check_upload`] first). Returns
/// whether it is new.
pub fn put_photo(
    conn: &Connection,
    sha256: &str,
    mime: &str,
    bytes: &[u8],
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO case_photos (sha256, mime, bytes, uploaded_by, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![sha256, mime, bytes, by, ts(now)],
    )?;
    Ok(n == 1)
}

/// A case photo's type and bytes: anyone signed in may see what a published case shows.
pub fn photo(conn: &Connection, sha256: &str) -> Result<(String, Vec<u8>), AppError> {
    conn.prepare_cached("SELECT mime, bytes FROM case_photos WHERE sha256 = ?1")?
        .query_row([sha256], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| AppError::not_found(Refusal::NotFound, "no such case photo"))
}

/// One figure calibration compares: the share of an item's points (0 to 1) that an
/// auditor's answer to a case earned, or that the key earns (`auditor` `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub case_id: Uuid,
    pub item_id: String,
    pub auditor: Option<String>,
    pub value: f64,
}

/// Each item's share of points in every case answer started in `quarter`, and in the key
/// of each case answered then (once per case). Scored by `core::scoring` exactly as a
/// visit is; items not applicable or unanswered give no row (missing, not zero).
pub fn observations(conn: &Connection, quarter: Quarter) -> Result<Vec<Observation>, AppError> {
    let (start, end) = quarter_span(quarter);
    let mut stmt = conn.prepare_cached(
        "SELECT a.case_id, a.auditor, a.payload, c.template_id, c.template_version, c.key
         FROM case_answers a JOIN cases c ON c.id = a.case_id
         WHERE a.started_at >= ?1 AND a.started_at < ?2 ORDER BY a.case_id, a.auditor, a.id",
    )?;
    type Row = (
        Text<Uuid>,
        String,
        Json<Visit>,
        String,
        u32,
        Json<BTreeMap<String, AnswerValue>>,
    );
    let rows: Vec<Row> = stmt
        .query_map(params![start, end], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut templates: BTreeMap<(String, u32), Template> = BTreeMap::new();
    let mut keyed: Vec<Uuid> = Vec::new();
    let mut out = Vec::new();
    for (Text(case_id), auditor, Json(answer), template_id, version, Json(key)) in rows {
        let slot = (template_id, version);
        if !templates.contains_key(&slot) {
            let t = crate::reference::template(conn, &slot.0, slot.1)?
                .ok_or_else(|| AppError::Internal(format!("checklist {slot:?} of a case")))?;
            templates.insert(slot.clone(), t);
        }
        let template = &templates[&slot];
        if !keyed.contains(&case_id) {
            keyed.push(case_id);
            out.extend(shares(template, &key, case_id, None));
        }
        out.extend(shares(template, &answer.values(), case_id, Some(auditor)));
    }
    Ok(out)
}

/// The rows of one set of answers: each scored item's share of its points.
fn shares(
    template: &Template,
    answers: &BTreeMap<String, AnswerValue>,
    case_id: Uuid,
    auditor: Option<String>,
) -> Vec<Observation> {
    zakupka_core::score(template, answers)
        .sections
        .into_iter()
        .flat_map(|s| s.items)
        .filter_map(|i| match i.outcome {
            ItemOutcome::Scored { share } => Some(Observation {
                case_id,
                item_id: i.item_id,
                auditor: auditor.clone(),
                value: share,
            }),
            ItemOutcome::NotApplicable | ItemOutcome::Unanswered => None,
        })
        .collect()
}
