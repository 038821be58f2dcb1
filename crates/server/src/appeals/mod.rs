//! Appeals: a branch's manager contests one item of an approved visit of their branch,
//! within the methodology's window after the approval and before the visit's quarter is
//! published; a supervisor other than the approver decides (`decide.rs`). An upheld
//! appeal changes the visit's score for the rating (`appeal_scores`), never its answers,
//! so calibration still compares what auditors saw. Every step is in the audit log.

mod decide;
mod photos;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{
    Appeal, AppealRequest, AppealState, MAX_APPEAL_PHOTOS, MAX_APPEAL_REASON_CHARS, Notification,
    Refusal,
};
use zakupka_core::{AppealOutcome, Visit};

use crate::error::AppError;
use crate::sql::{Json, Text};
use crate::time::ts;

pub use decide::decide;
pub use photos::{photo, put_photo};

/// Whose appeals a caller sees: a manager their branch's; supervisors and admins those of
/// the branches they are bound to, or every branch's (`None`).
#[derive(Debug, Clone)]
pub enum Viewer {
    Branch(String),
    Branches(Option<BTreeSet<String>>),
}

impl Viewer {
    /// The appeals `user` sees: managers heading a branch, supervisors and admins; other
    /// callers are refused.
    pub fn of(conn: &Connection, user: &crate::auth::AuthUser) -> Result<Viewer, AppError> {
        if user.role.reads_all_visits() {
            let bound = crate::scope::bound_branches(conn, &user.login)?;
            return Ok(Viewer::Branches((!bound.is_empty()).then_some(bound)));
        }
        if user.role == zakupka_core::wire::Role::Manager
            && let Some(branch) = crate::assignments::branch_of(conn, &user.login)?
        {
            return Ok(Viewer::Branch(branch));
        }
        Err(AppError::role_forbidden(
            "only managers heading a branch, supervisors and admins may see appeals",
        ))
    }

    /// The branches as a JSON array for `json_each`, `None` for every branch.
    fn branches(&self) -> Result<Option<String>, AppError> {
        let list: Option<Vec<&str>> = match self {
            Viewer::Branch(b) => Some(vec![b.as_str()]),
            Viewer::Branches(bs) => bs
                .as_ref()
                .map(|bs| bs.iter().map(String::as_str).collect()),
        };
        list.map(|l| serde_json::to_string(&l).map_err(|e| AppError::internal("viewer", e)))
            .transpose()
    }
}

const COLUMNS: &str =
    "a.id, a.visit_id, a.revision, a.item_id, a.office_id, a.branch_id, a.quarter,
    a.by_login, a.at, a.reason, a.photos, a.state, a.outcome, a.decided_by, a.decided_at,
    a.decision_reason, s.score, v.score";

const FROM: &str = "FROM appeals a
    JOIN visits v ON v.id = a.visit_id AND v.revision = a.revision
    LEFT JOIN appeal_scores s ON s.visit_id = a.visit_id AND s.revision = a.revision";

fn read(r: &Row) -> rusqlite::Result<Appeal> {
    let approved: Option<f64> = r.get(17)?;
    Ok(Appeal {
        id: r.get::<_, Text<Uuid>>(0)?.0,
        visit_id: r.get::<_, Text<Uuid>>(1)?.0,
        revision: r.get(2)?,
        item_id: r.get(3)?,
        office_id: r.get(4)?,
        branch_id: r.get(5)?,
        quarter: r.get::<_, Text<Quarter>>(6)?.0,
        by: r.get(7)?,
        at: r.get(8)?,
        reason: r.get(9)?,
        photos: r.get::<_, Json<_>>(10)?.0,
        state: r.get::<_, Text<AppealState>>(11)?.0,
        outcome: r
            .get::<_, Option<String>>(12)?
            .and_then(|o| AppealOutcome::parse(&o)),
        decided_by: r.get(13)?,
        decided_at: r.get(14)?,
        decision_reason: r.get(15)?,
        score: r.get::<_, Option<f64>>(16)?.or(approved),
        approved_score: approved,
    })
}

/// One appeal, if `viewer` may see it.
pub fn get(conn: &Connection, id: &str, viewer: &Viewer) -> Result<Appeal, AppError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} {FROM} WHERE a.id = ?1
         AND (?2 IS NULL OR a.branch_id IN (SELECT value FROM json_each(?2)))"
    ))?
    .query_row(params![id, viewer.branches()?], read)
    .optional()?
    .ok_or_else(|| AppError::not_found(Refusal::NotFound, format!("no appeal {id}")))
}

/// The appeals `viewer` sees, pending first, then newest first; optionally only those in
/// `state`, of `quarter`, of `visit`.
pub fn list(
    conn: &Connection,
    viewer: &Viewer,
    state: Option<AppealState>,
    quarter: Option<Quarter>,
    visit: Option<&str>,
) -> Result<Vec<Appeal>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} {FROM}
         WHERE (?1 IS NULL OR a.branch_id IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR a.state = ?2) AND (?3 IS NULL OR a.quarter = ?3)
           AND (?4 IS NULL OR a.visit_id = ?4)
         ORDER BY a.state != 'pending', a.at DESC, a.id"
    ))?;
    let rows = stmt.query_map(
        params![
            viewer.branches()?,
            state.map(AppealState::as_str),
            quarter.map(|q| q.to_string()),
            visit
        ],
        read,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The ids of the quarter's undecided appeals: publishing waits for them.
pub fn pending(conn: &Connection, quarter: Quarter) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM appeals WHERE quarter = ?1 AND state = 'pending' ORDER BY at, id",
    )?;
    let rows = stmt.query_map([quarter.to_string()], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The items of a visit's revision whose appeals were upheld, and as what.
pub fn upheld(
    conn: &Connection,
    visit_id: &str,
    revision: u32,
) -> Result<BTreeMap<String, AppealOutcome>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT item_id, outcome FROM appeals
         WHERE visit_id = ?1 AND revision = ?2 AND state = 'upheld'",
    )?;
    let rows = stmt.query_map(params![visit_id, revision], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (item, outcome) = row?;
        if let Some(o) = outcome.as_deref().and_then(AppealOutcome::parse) {
            out.insert(item, o);
        }
    }
    Ok(out)
}

/// A reason as stored: trimmed, required, no longer than the limit.
fn reason(text: &str, field: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::bad(
            Refusal::ReasonRequired,
            field,
            "say why: a reason is required",
        ));
    }
    if text.chars().count() > MAX_APPEAL_REASON_CHARS {
        return Err(AppError::bad(
            Refusal::TooLong,
            field,
            format!("longer than {MAX_APPEAL_REASON_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Appends to the append-only audit log.
fn audit(
    conn: &Connection,
    now: DateTime<Utc>,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
        params![ts(now), actor, action, detail.to_string()],
    )?;
    Ok(())
}

/// What an appeal is about: the visit's approved revision, its office and quarter, and
/// when it was approved.
struct Appealed {
    revision: u32,
    office_id: String,
    quarter: Quarter,
    approved_at: DateTime<Utc>,
    visit: Visit,
}

/// The visit `visit_id` if it is approved and to an office of `branch`; else not found,
/// as it is for the manager.
fn appealed(conn: &Connection, visit_id: &str, branch: &str) -> Result<Appealed, AppError> {
    let not_found = || AppError::not_found(Refusal::NotFound, format!("no visit {visit_id}"));
    let row = conn
        .query_row(
            "SELECT v.revision, v.office_id, COALESCE(v.finished_at, v.started_at), v.payload,
                    (SELECT l.at FROM review_log l WHERE l.visit_id = v.id AND l.revision = v.revision
                     AND l.to_state = 'approved' ORDER BY l.seq DESC LIMIT 1)
             FROM visits v JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
             WHERE v.id = ?1 AND r.state = 'approved'",
            [visit_id],
            |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, DateTime<Utc>>(2)?,
                    r.get::<_, Json<Visit>>(3)?.0,
                    r.get::<_, Option<DateTime<Utc>>>(4)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(not_found)?;
    let (revision, office_id, finished, visit, approved_at) = row;
    let directory = crate::reference::directory(conn)?;
    let in_branch = directory
        .offices
        .iter()
        .any(|o| o.id == office_id && o.branch_id == branch);
    if !in_branch {
        return Err(not_found());
    }
    Ok(Appealed {
        revision,
        office_id,
        quarter: Quarter::of(finished),
        // An approval from before the log existed counts from the finish.
        approved_at: approved_at.unwrap_or(finished),
        visit,
    })
}

/// Files `request` for manager `by` of `branch`. The same `op_id` again answers with the
/// appeal it made (`false`: nothing new).
pub fn file(
    conn: &mut Connection,
    request: &AppealRequest,
    by: &str,
    branch: &str,
    now: DateTime<Utc>,
) -> Result<(bool, Appeal), AppError> {
    let viewer = Viewer::Branch(branch.to_owned());
    let tx = conn.transaction()?;
    let done: Option<String> = tx
        .query_row(
            "SELECT id FROM appeals WHERE op_id = ?1 AND by_login = ?2",
            params![request.op_id.to_string(), by],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = done {
        return Ok((false, get(&tx, &id, &viewer)?));
    }
    let reason = reason(&request.reason, "reason")?;
    if request.photos.len() > MAX_APPEAL_PHOTOS {
        return Err(AppError::bad(
            Refusal::TooLarge,
            "photos",
            format!("at most {MAX_APPEAL_PHOTOS} photos"),
        ));
    }
    if let Some(bad) = request
        .photos
        .iter()
        .find(|p| !zakupka_core::wire::is_photo_address(p))
    {
        return Err(AppError::bad(
            Refusal::Invalid,
            "photos",
            format!("`{bad}` is not a SHA-256 address"),
        ));
    }
    let visit_id = request.visit_id.to_string();
    let a = appealed(&tx, &visit_id, branch)?;
    let template = crate::reference::template(&tx, &a.visit.template_id, a.visit.template_version)?;
    if template.is_none_or(|t| t.item(&request.item_id).is_none()) {
        return Err(AppError::bad(
            Refusal::UnknownItem,
            "item_id",
            "no such item in the visit's checklist",
        ));
    }
    if tx
        .prepare_cached("SELECT 1 FROM published WHERE quarter = ?1")?
        .exists([a.quarter.to_string()])?
    {
        return Err(AppError::conflict(
            Refusal::QuarterPublished,
            format!(
                "{} is published: its visits can no longer be appealed",
                a.quarter
            ),
        ));
    }
    let days = crate::rating::latest_methodology(&tx)?.appeal_window_days();
    if now > a.approved_at + Duration::days(i64::from(days)) {
        return Err(AppError::conflict(
            Refusal::AppealWindowClosed,
            format!("appeals are taken within {days} days of the approval"),
        ));
    }
    let exists = tx
        .prepare_cached("SELECT 1 FROM appeals WHERE visit_id = ?1 AND item_id = ?2")?
        .exists(params![visit_id, request.item_id])?;
    if exists {
        return Err(AppError::conflict(
            Refusal::AppealExists,
            "this item of the visit is already appealed",
        ));
    }
    let id = Uuid::now_v7().to_string();
    let photos =
        serde_json::to_string(&request.photos).map_err(|e| AppError::internal("photos", e))?;
    tx.execute(
        "INSERT INTO appeals (id, op_id, visit_id, revision, item_id, office_id, branch_id, quarter,
                              by_login, at, reason, photos)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            id,
            request.op_id.to_string(),
            visit_id,
            a.revision,
            request.item_id,
            a.office_id,
            branch,
            a.quarter.to_string(),
            by,
            ts(now),
            reason,
            photos
        ],
    )?;
    audit(
        &tx,
        now,
        by,
        "appeal_filed",
        serde_json::json!({ "appeal": id, "visit": visit_id, "item": request.item_id, "reason": reason }),
    )?;
    let appeal = get(&tx, &id, &viewer)?;
    to_decide(&tx, &appeal, now)?;
    tx.commit()?;
    Ok((true, appeal))
}

/// Who approved `revision` of the visit: they may not decide its appeals.
fn approver(tx: &Connection, visit_id: &str, revision: u32) -> Result<Option<String>, AppError> {
    Ok(tx
        .query_row(
            "SELECT by_login FROM review_log WHERE visit_id = ?1 AND revision = ?2
             AND to_state = 'approved' ORDER BY seq DESC LIMIT 1",
            params![visit_id, revision],
            |r| r.get(0),
        )
        .optional()?)
}

/// Tells those who may decide `appeal` about it: the supervisors of its branch and the
/// admins, but not the one who approved the visit (they may not decide it).
fn to_decide(tx: &Connection, appeal: &Appeal, now: DateTime<Utc>) -> Result<(), AppError> {
    let approver = approver(tx, &appeal.visit_id.to_string(), appeal.revision)?;
    let mut deciders = crate::notifications::supervisors_of(tx, &appeal.branch_id)?;
    // Admins decide appeals too (the second pair of eyes where a branch has one supervisor).
    let admins = tx
        .prepare_cached("SELECT login FROM users WHERE role = 'admin' AND disabled_at IS NULL")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    deciders.extend(admins);
    deciders.retain(|s| Some(s) != approver.as_ref());
    let n = Notification::AppealToDecide {
        appeal_id: appeal.id,
        visit_id: appeal.visit_id,
        office_id: appeal.office_id.clone(),
    };
    crate::notifications::notify_all(tx, &deciders, &n, now)
}
