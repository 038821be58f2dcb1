//! What a device pulls: the changes after its cursor that concern it (the directory,
//! checklists, review decisions on its auditor's visits, and its user's notifications),
//! from the monotonic `changes` sequence.

use rusqlite::{Connection, params};
use zakupka_core::Template;
use zakupka_core::wire::{ChangeKind, PullResponse, Refusal, VisitUpdate};

use crate::error::AppError;
use crate::{notifications, reference, visits};

/// How many changes one pull returns at most.
const PULL_PAGE: i64 = 500;

/// The changes after `cursor` that `auditor`'s devices may see, a page at a time, read in
/// one transaction so the page and its cursor agree.
pub fn pull(conn: &mut Connection, cursor: u64, auditor: &str) -> Result<PullResponse, AppError> {
    let cursor = i64::try_from(cursor)
        .map_err(|_| AppError::bad(Refusal::Invalid, "cursor", "too large"))?;
    let tx = conn.transaction()?;
    let rows: Vec<(i64, String, String)> = tx
        .prepare_cached(
            "SELECT seq, kind, ref FROM changes WHERE seq > ?1 AND (auditor IS NULL OR auditor = ?2)
             ORDER BY seq LIMIT ?3",
        )?
        .query_map(params![cursor, auditor, PULL_PAGE], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let more = rows.len() as i64 == PULL_PAGE;
    // A full page ends at its last row; otherwise everything this device may see up to the
    // newest change has been returned.
    let next = if more {
        rows.last().map_or(cursor, |r| r.0)
    } else {
        tx.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
            r.get::<_, i64>(0)
        })?
        .max(cursor)
    };
    let directory = if rows.iter().any(|r| r.1 == ChangeKind::Directory.as_str()) {
        Some(reference::directory(&tx)?)
    } else {
        None
    };
    let mut templates: Vec<Template> = Vec::new();
    let mut visits: Vec<VisitUpdate> = Vec::new();
    let mut inbox = Vec::new();
    for (_, kind, key) in &rows {
        match ChangeKind::parse(kind) {
            Some(ChangeKind::Template) => {
                let (id, version) = key.rsplit_once(':').unwrap_or((key, "0"));
                let version: u32 = version.parse().unwrap_or(0);
                if !templates.iter().any(|t| t.id == id && t.version == version) {
                    templates.extend(reference::template(&tx, id, version)?);
                }
            }
            Some(ChangeKind::Visit) if !visits.iter().any(|v| v.visit_id.to_string() == *key) => {
                visits.extend(visits::update(&tx, key)?);
            }
            // The feed keeps one entry per notification; the login is checked again.
            Some(ChangeKind::Notification) => {
                if let Ok(id) = key.parse::<i64>() {
                    inbox.extend(notifications::entry(&tx, auditor, id)?);
                }
            }
            _ => {}
        }
    }
    Ok(PullResponse {
        next_cursor: next as u64,
        more,
        directory,
        templates,
        visits,
        notifications: inbox,
    })
}
