//! Visits as the server holds them: one visit in full, its revisions, and where it stands
//! in review (the queue is `queue.rs`). Auditors read only their own visits; for
//! them someone else's visit is "not found": its existence is not their business.

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::Visit;
use zakupka_core::wire::{Refusal, ReviewState, VisitDetail, VisitUpdate};

use crate::error::AppError;
use crate::scope::Scope;
use crate::sql::{Json, Text};

/// A visit id from a request path, in the form the tables hold it.
pub fn key(id: &str) -> Result<String, AppError> {
    Ok(Uuid::parse_str(id)
        .map_err(|_| AppError::bad(Refusal::Invalid, "id", "not a visit id"))?
        .to_string())
}

/// A visit's latest revision in full, if the caller may see it. Its missing photos are
/// those its auditor has not uploaded: whether someone else has is not theirs to know.
pub fn detail(conn: &Connection, id: &str, scope: &Scope) -> Result<VisitDetail, AppError> {
    scope.visible(conn, id)?;
    let (Json(visit), Json(time_flags)): (Json<Visit>, Json<_>) = conn.query_row(
        "SELECT payload, time_flags FROM visits WHERE id = ?1 ORDER BY revision DESC LIMIT 1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let update =
        update(conn, id)?.ok_or_else(|| AppError::Internal(format!("no review row for {id}")))?;
    let missing = conn
        .prepare_cached(
            "SELECT DISTINCT p.sha256 FROM visit_photos p WHERE p.visit_id = ?1 AND p.revision = ?2
             AND p.sha256 NOT IN (SELECT sha256 FROM photo_uploads WHERE auditor = ?3)
             ORDER BY p.sha256",
        )?
        .query_map(params![id, visit.revision, visit.auditor], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let (presence_flags, included) = crate::presence::of_visit(conn, id, visit.revision)?;
    // Appeals are between a branch and the supervisors: not the auditor's to read.
    let appeals = if scope.auditor.is_none() {
        let all = crate::appeals::Viewer::Branches(None);
        crate::appeals::list(conn, &all, None, None, Some(id))?
    } else {
        Vec::new()
    };
    Ok(VisitDetail {
        visit,
        state: update.state,
        missing_photos: missing,
        time_flags,
        presence_flags,
        included,
        appeals,
    })
}

/// Every revision of a visit, oldest first, as the auditor's device sent them.
pub fn revisions(conn: &Connection, id: &str, scope: &Scope) -> Result<Vec<Visit>, AppError> {
    scope.visible(conn, id)?;
    let mut stmt =
        conn.prepare_cached("SELECT payload FROM visits WHERE id = ?1 ORDER BY revision")?;
    let rows = stmt.query_map([id], |r| r.get::<_, Json<Visit>>(0).map(|v| v.0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Where a visit stands in review, as its auditor's devices are told.
pub fn update(conn: &Connection, id: &str) -> Result<Option<VisitUpdate>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT visit_id, revision, state, comment, item_comments FROM reviews WHERE visit_id = ?1",
        )?
        .query_row([id], |r| {
            Ok(VisitUpdate {
                visit_id: r.get::<_, Text<Uuid>>(0)?.0,
                revision: r.get(1)?,
                state: r.get::<_, Text<ReviewState>>(2)?.0,
                comment: r.get(3)?,
                item_comments: r.get::<_, Json<_>>(4)?.0,
            })
        })
        .optional()?)
}
