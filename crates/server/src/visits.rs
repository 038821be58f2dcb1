//! Visits as the server holds them: the review queue with its filters, one visit in full,
//! its revisions, and where it stands in review. Auditors read only their own visits; for
//! them someone else's visit is "not found": its existence is not their business.

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::presence::PresenceFlag;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{Refusal, ReviewState, ServerVisit, VisitDetail, VisitUpdate};
use zakupka_core::{Directory, Visit};

use crate::error::AppError;
use crate::scope::Scope;
use crate::sql::{Json, Text};

/// A visit id from a request path, in the form the tables hold it.
pub fn key(id: &str) -> Result<String, AppError> {
    Ok(Uuid::parse_str(id)
        .map_err(|_| AppError::bad(Refusal::Invalid, "id", "not a visit id"))?
        .to_string())
}

/// The review queue's filters; empty texts filter nothing.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filter {
    pub auditor: Option<String>,
    /// Visits made (started) in this quarter.
    pub quarter: Option<String>,
    pub office: Option<String>,
    /// Visits to any office of this branch, as the directory has them now.
    pub branch: Option<String>,
    /// The review state of the current revision.
    pub state: Option<String>,
    /// Only visits whose current revision carries this presence flag (`far`, …).
    pub flag: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !v.trim().is_empty())
}

/// The queue: the current revision of each visit that passes `filter` and that the
/// caller may see, newest received first.
pub fn list(
    conn: &Connection,
    filter: &Filter,
    scope: &Scope,
    directory: &Directory,
) -> Result<Vec<ServerVisit>, AppError> {
    // Auditors see their own visits whatever they ask for.
    let auditor = scope
        .auditor
        .as_deref()
        .or(filter.auditor.as_deref().filter(|a| !a.is_empty()));
    let (from, to) = given(&filter.quarter)
        .map(|q| q.parse::<Quarter>())
        .transpose()
        .map_err(|e| AppError::bad(Refusal::Invalid, "quarter", e))?
        .map(crate::time::quarter_span)
        .unzip();
    let state =
        given(&filter.state)
            .map(|s| {
                ReviewState::parse(s).map(ReviewState::as_str).ok_or_else(|| {
                AppError::bad(
                    Refusal::Invalid,
                    "state",
                    format!("no review state `{s}`: use submitted, returned, approved or rejected"),
                )
            })
            })
            .transpose()?;
    let flag = given(&filter.flag)
        .map(|f| {
            PresenceFlag::parse(f)
                .map(PresenceFlag::as_str)
                .ok_or_else(|| {
                    AppError::bad(Refusal::Invalid, "flag", format!("no presence flag `{f}`"))
                })
        })
        .transpose()?;
    let branch_offices = given(&filter.branch)
        .map(|b| {
            if directory.branch(b).is_none() {
                return Err(AppError::bad(
                    Refusal::UnknownBranch,
                    "branch",
                    format!("no branch `{b}` in the directory"),
                ));
            }
            let ids: Vec<&str> = directory
                .offices
                .iter()
                .filter(|o| o.branch_id == b)
                .map(|o| o.id.as_str())
                .collect();
            serde_json::to_string(&ids).map_err(|e| AppError::internal("offices", e))
        })
        .transpose()?;
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.revision, v.auditor, v.office_id, r.state, v.received_at, v.time_flags,
                v.presence_flags
         FROM visits v JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
         WHERE (?1 IS NULL OR v.auditor = ?1)
           AND (?2 IS NULL OR v.started_at >= ?2) AND (?3 IS NULL OR v.started_at < ?3)
           AND (?4 IS NULL OR v.office_id = ?4)
           AND (?5 IS NULL OR v.office_id IN (SELECT value FROM json_each(?5)))
           AND (?6 IS NULL OR r.state = ?6)
           AND (?7 IS NULL OR v.office_id IN (SELECT value FROM json_each(?7)))
           AND (?8 IS NULL OR EXISTS (SELECT 1 FROM json_each(v.presence_flags) WHERE value = ?8))
         ORDER BY v.received_at DESC, v.id LIMIT 5000",
    )?;
    let office = given(&filter.office);
    let rows = stmt.query_map(
        params![
            auditor,
            from,
            to,
            office,
            branch_offices,
            state,
            scope.offices,
            flag
        ],
        |r| {
            Ok(ServerVisit {
                visit_id: r.get::<_, Text<Uuid>>(0)?.0,
                revision: r.get(1)?,
                auditor: r.get(2)?,
                office_id: r.get(3)?,
                state: r.get::<_, Text<ReviewState>>(4)?.0,
                received_at: r.get(5)?,
                time_flags: r.get::<_, Json<_>>(6)?.0,
                presence_flags: r.get::<_, Json<_>>(7)?.0,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
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
    Ok(VisitDetail {
        visit,
        state: update.state,
        missing_photos: missing,
        time_flags,
        presence_flags,
        included,
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
