//! Storing pushed visits. Idempotent by (visit id, revision): a retried push finds the same
//! revision stored and answers "duplicate" without touching anything.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use zakupka_core::wire::{PushResult, PushStatus};
use zakupka_core::{Directory, Template, Visit};

use crate::error::AppError;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn template(conn: &Connection, id: &str, version: u32) -> Result<Option<Template>, AppError> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM templates WHERE id = ?1 AND version = ?2",
            params![id, version],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b)
            .map_err(|e| AppError::Internal(format!("template {id} v{version}: {e}")))
    })
    .transpose()
}

pub fn directory(conn: &Connection) -> Result<Directory, AppError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM directory", [], |r| r.get(0))
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b).map_err(|e| AppError::Internal(format!("directory: {e}")))
    })
    .transpose()
    .map(Option::unwrap_or_default)
}

/// Checks every visit of a push before anything is stored, so a bad one refuses the whole
/// request and names itself: `visits[2].answers.x`.
pub fn validate(conn: &Connection, auditor: &str, visits: &[Visit]) -> Result<(), AppError> {
    let directory = directory(conn)?;
    let mut templates: Vec<Template> = Vec::new();
    for (n, visit) in visits.iter().enumerate() {
        let at = |field: &str| format!("visits[{n}].{field}");
        if visit.auditor != auditor {
            return Err(AppError::bad(
                at("auditor"),
                format!(
                    "you are logged in as `{auditor}`, the visit is `{}`'s",
                    visit.auditor
                ),
            ));
        }
        let known = templates
            .iter()
            .any(|t| t.id == visit.template_id && t.version == visit.template_version);
        if !known {
            let t =
                template(conn, &visit.template_id, visit.template_version)?.ok_or_else(|| {
                    AppError::bad(
                        at("template_version"),
                        format!(
                            "unknown checklist {} version {}",
                            visit.template_id, visit.template_version
                        ),
                    )
                })?;
            templates.push(t);
        }
        let t = templates
            .iter()
            .find(|t| t.id == visit.template_id && t.version == visit.template_version);
        if let Some(t) = t {
            visit
                .validate(t, &directory)
                .map_err(|e| AppError::bad(at(&e.field), e.message))?;
        }
    }
    Ok(())
}

/// Stores one visit inside `tx` (the caller commits). Returns what the device is told.
pub fn store(
    tx: &Transaction,
    visit: &Visit,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<PushResult, AppError> {
    let id = visit.id.to_string();
    let payload =
        serde_json::to_string(visit).map_err(|e| AppError::Internal(format!("visit json: {e}")))?;
    let digest = format!("{:x}", Sha256::digest(payload.as_bytes()));
    let result = |status, reason: Option<String>, missing| PushResult {
        visit_id: visit.id,
        revision: visit.revision,
        status,
        reason,
        missing_photos: missing,
    };
    let owner: Option<String> = tx
        .query_row(
            "SELECT auditor FROM visits WHERE id = ?1 LIMIT 1",
            [&id],
            |r| r.get(0),
        )
        .optional()?;
    if owner.as_deref().is_some_and(|o| o != visit.auditor) {
        return Ok(result(
            PushStatus::Rejected,
            Some("this visit id belongs to another auditor".into()),
            vec![],
        ));
    }
    let stored: Option<String> = tx
        .query_row(
            "SELECT payload_sha256 FROM visits WHERE id = ?1 AND revision = ?2",
            params![id, visit.revision],
            |r| r.get(0),
        )
        .optional()?;
    match stored {
        Some(d) if d == digest => {
            return Ok(result(
                PushStatus::Duplicate,
                None,
                missing_photos(tx, visit)?,
            ));
        }
        Some(_) => {
            return Ok(result(
                PushStatus::Rejected,
                Some(format!(
                    "revision {} of this visit was already received with other content",
                    visit.revision
                )),
                vec![],
            ));
        }
        None => {}
    }
    tx.prepare_cached("INSERT INTO visits (id, revision, auditor, office_id, template_id, template_version, started_at, finished_at,
                             payload, payload_sha256, device_id, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")?.execute(
        params![
            id,
            visit.revision,
            visit.auditor,
            visit.office_id,
            visit.template_id,
            visit.template_version,
            ts(visit.started_at),
            visit.finished_at.map(ts),
            payload,
            digest,
            device_id,
            ts(now)
        ],
    )?;
    let mut answer = tx.prepare_cached(
        "INSERT INTO answers (visit_id, revision, item_id, value, comment) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut photo = tx.prepare_cached(
        "INSERT OR IGNORE INTO visit_photos (visit_id, revision, item_id, sha256) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (item, a) in &visit.answers {
        let value = a
            .value
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| AppError::Internal(format!("answer json: {e}")))?;
        answer.execute(params![id, visit.revision, item, value, a.comment])?;
        for p in &a.photos {
            photo.execute(params![id, visit.revision, item, p.sha256])?;
        }
    }
    tx.prepare_cached("INSERT INTO reviews (visit_id, revision, state, updated_at) VALUES (?1, ?2, 'submitted', ?3)
         ON CONFLICT (visit_id) DO UPDATE SET revision = excluded.revision, state = 'submitted', comment = '',
             item_comments = '{}', updated_at = excluded.updated_at
         WHERE excluded.revision >= reviews.revision")?.execute(
        params![id, visit.revision, ts(now)],
    )?;
    tx.prepare_cached("INSERT INTO changes (kind, ref, auditor) VALUES ('visit', ?1, ?2)")?
        .execute(params![id, visit.auditor])?;
    Ok(result(
        PushStatus::Accepted,
        None,
        missing_photos(tx, visit)?,
    ))
}

fn missing_photos(conn: &Connection, visit: &Visit) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM photos WHERE sha256 = ?1")?;
    let mut missing = Vec::new();
    for p in visit.answers.values().flat_map(|a| a.photos.iter()) {
        if !stmt.exists([&p.sha256])? && !missing.contains(&p.sha256) {
            missing.push(p.sha256.clone());
        }
    }
    Ok(missing)
}
