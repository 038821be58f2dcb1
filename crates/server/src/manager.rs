//! What a branch's manager sees of the visits to its offices: approved ones only, and never
//! who made them: no login, device, positions or photo metadata. Other branches' visits,
//! and visits not approved, do not exist for a manager.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::Visit;
use zakupka_core::wire::{ActionPhoto, ManagerAnswer, ManagerVisit, ManagerVisitDetail, Refusal};

use crate::error::AppError;
use crate::sql::{Json, Text};

/// The offices of `branch`, as a JSON array for `json_each`.
fn offices(conn: &Connection, branch: &str) -> Result<String, AppError> {
    let directory = crate::reference::directory(conn)?;
    let ids: Vec<&str> = directory
        .offices
        .iter()
        .filter(|o| o.branch_id == branch)
        .map(|o| o.id.as_str())
        .collect();
    serde_json::to_string(&ids).map_err(|e| AppError::internal("offices", e))
}

const APPROVED: &str =
    "FROM reviews r JOIN visits v ON v.id = r.visit_id AND v.revision = r.revision
    WHERE r.state = 'approved' AND v.office_id IN (SELECT value FROM json_each(?1))";

fn summary(visit: &Visit, percent: Option<f64>, actions: u32) -> ManagerVisit {
    ManagerVisit {
        visit_id: visit.id,
        office_id: visit.office_id.clone(),
        template_id: visit.template_id.clone(),
        template_version: visit.template_version,
        scenario: visit.scenario.clone(),
        date: visit.started_at.date_naive(),
        percent,
        actions,
    }
}

fn actions_of(conn: &Connection, visit: &str) -> Result<BTreeMap<String, Uuid>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT item_id, id FROM actions WHERE visit_id = ?1")?;
    let rows = stmt.query_map([visit], |r| Ok((r.get(0)?, r.get::<_, Text<Uuid>>(1)?.0)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The approved visits to the offices of `branch`, newest first.
pub fn list(conn: &Connection, branch: &str) -> Result<Vec<ManagerVisit>, AppError> {
    let sql = format!(
        "SELECT v.payload, v.score, (SELECT count(*) FROM actions a WHERE a.visit_id = v.id)
         {APPROVED} ORDER BY v.started_at DESC, v.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([offices(conn, branch)?], |r| {
        let visit = r.get::<_, Json<Visit>>(0)?.0;
        Ok(summary(&visit, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The approved visit `id` of an office of `branch` in full, anonymous; "not found" for
/// any other.
pub fn detail(conn: &Connection, branch: &str, id: &str) -> Result<ManagerVisitDetail, AppError> {
    let sql = format!("SELECT v.payload, v.score {APPROVED} AND v.id = ?2");
    let (Json(visit), percent): (Json<Visit>, Option<f64>) = conn
        .prepare_cached(&sql)?
        .query_row(params![offices(conn, branch)?, id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or_else(|| AppError::not_found(Refusal::NotFound, format!("no visit {id}")))?;
    let action_ids = actions_of(conn, id)?;
    let answers = visit
        .answers
        .iter()
        .map(|(item, a)| {
            let photos = a
                .photos
                .iter()
                .map(|p| ActionPhoto {
                    sha256: p.sha256.clone(),
                    mime: p.mime.clone(),
                })
                .collect();
            let answer = ManagerAnswer {
                value: a.value.clone(),
                comment: a.comment.clone(),
                photos,
            };
            (item.clone(), answer)
        })
        .collect();
    Ok(ManagerVisitDetail {
        visit: summary(&visit, percent, action_ids.len() as u32),
        comment: visit.comment.clone(),
        answers,
        action_ids,
    })
}

/// A photo of the approved visit `id` of `branch` that its auditor uploaded, without its
/// metadata (refused when it cannot be rewritten without).
pub fn photo(
    conn: &Connection,
    branch: &str,
    id: &str,
    sha256: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let detail = detail(conn, branch, id)?;
    let named = detail
        .answers
        .values()
        .any(|a| a.photos.iter().any(|p| p.sha256 == sha256));
    if !named {
        return Err(AppError::not_found(
            Refusal::NotFound,
            "no such photo of this visit",
        ));
    }
    crate::actions::finding_photo(conn, id, sha256)
}
