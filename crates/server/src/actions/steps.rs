//! The steps of an action: the manager plans it and closes it with evidence; a supervisor
//! other than the closer verifies it or reopens it with a reason. Each step carries an
//! `op_id` made on the device: the same op again answers as the first time and changes
//! nothing, the same id for another request is refused. Every step is in the audit log.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;
use zakupka_core::visit::MAX_COMMENT_CHARS;
use zakupka_core::wire::{
    Action, ActionState, DoneRequest, MAX_PHOTOS_PER_ANSWER, PlanRequest, Refusal, ReopenRequest,
    VerifyRequest, is_photo_address,
};

use super::{Branches, audit, get};
use crate::error::{AppError, Refused};
use crate::time::ts;

/// A required text of a step: trimmed, not empty, not longer than a comment.
fn text<'a>(value: &'a str, field: &str, code: Refusal) -> Result<&'a str, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad(code, field, "say what: it may not be empty"));
    }
    if value.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::bad(
            Refusal::TooLong,
            field,
            format!("longer than {MAX_COMMENT_CHARS} characters"),
        ));
    }
    Ok(value)
}

fn wrong_state(action: &Action, step: &str) -> AppError {
    AppError::conflict(
        Refusal::WrongActionState,
        format!(
            "an action that is {} cannot be {step}",
            action.state.as_str()
        ),
    )
}

/// Runs one step: replays an op seen before, else checks that the caller sees the action,
/// applies `apply` (which checks the state and writes), records the op with its answer
/// and the audit entry, all in one transaction.
#[allow(clippy::too_many_arguments)]
fn step<R: serde::Serialize>(
    conn: &mut Connection,
    branches: &Branches,
    id: Uuid,
    op_id: Uuid,
    kind: &str,
    request: &R,
    by: &str,
    now: DateTime<Utc>,
    apply: impl FnOnce(&Transaction, &Action) -> Result<(), AppError>,
) -> Result<Action, AppError> {
    let request =
        serde_json::to_string(request).map_err(|e| AppError::internal("action step", e))?;
    let tx = conn.transaction()?;
    let seen: Option<(String, String, String, String, String)> = tx
        .query_row(
            "SELECT action_id, kind, request, by_login, answer FROM action_ops WHERE op_id = ?1",
            [op_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    if let Some((action_id, seen_kind, seen_request, seen_by, answer)) = seen {
        if action_id == id.to_string()
            && seen_kind == kind
            && seen_request == request
            && seen_by == by
        {
            return serde_json::from_str(&answer).map_err(|e| AppError::internal("op answer", e));
        }
        return Err(AppError::conflict(
            Refusal::OpReused,
            "this op_id was used for another request",
        ));
    }
    let action = get(&tx, branches, id, now)?;
    apply(&tx, &action)?;
    let after = get(&tx, branches, id, now)?;
    let answer = serde_json::to_string(&after).map_err(|e| AppError::internal("op answer", e))?;
    tx.execute(
        "INSERT INTO action_ops (op_id, action_id, kind, request, answer, by_login, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            op_id.to_string(),
            id.to_string(),
            kind,
            request,
            answer,
            by,
            ts(now)
        ],
    )?;
    let detail = serde_json::json!({
        "action": id, "op": op_id, "from": action.state, "to": after.state,
    });
    audit(&tx, now, by, &format!("action_{kind}"), &detail)?;
    tx.commit()?;
    Ok(after)
}

/// The manager says what will be done: open or planned → planned.
pub fn plan(
    conn: &mut Connection,
    branches: &Branches,
    id: Uuid,
    request: &PlanRequest,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Action, AppError> {
    let plan = text(&request.plan, "plan", Refusal::CommentRequired)?;
    step(
        conn,
        branches,
        id,
        request.op_id,
        "plan",
        request,
        by,
        now,
        |tx, action| {
            if !action.state.is_open() {
                return Err(wrong_state(action, "planned"));
            }
            tx.execute(
                "UPDATE actions SET state = 'planned', plan = ?2 WHERE id = ?1",
                params![id.to_string(), plan],
            )?;
            Ok(())
        },
    )
}

/// The manager closes it with evidence: open or planned → done.
pub fn done(
    conn: &mut Connection,
    branches: &Branches,
    id: Uuid,
    request: &DoneRequest,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Action, AppError> {
    let evidence = text(&request.evidence, "evidence", Refusal::CommentRequired)?;
    if request.photos.len() > MAX_PHOTOS_PER_ANSWER {
        return Err(AppError::bad(
            Refusal::TooLarge,
            "photos",
            format!("at most {MAX_PHOTOS_PER_ANSWER} photos"),
        ));
    }
    for (n, p) in request.photos.iter().enumerate() {
        if !is_photo_address(&p.sha256) {
            return Err(AppError::bad(
                Refusal::Invalid,
                format!("photos[{n}].sha256"),
                "must be 64 lowercase hex digits",
            ));
        }
        if !matches!(p.mime.as_str(), "image/jpeg" | "image/png" | "image/webp") {
            return Err(AppError::bad(
                Refusal::NotAnImage,
                format!("photos[{n}].mime"),
                "a JPEG, PNG or WebP image",
            ));
        }
    }
    let photos =
        serde_json::to_string(&request.photos).map_err(|e| AppError::internal("photos", e))?;
    step(
        conn,
        branches,
        id,
        request.op_id,
        "done",
        request,
        by,
        now,
        |tx, action| {
            if !action.state.is_open() {
                return Err(wrong_state(action, "closed"));
            }
            tx.execute(
                "UPDATE actions SET state = 'done', evidence = ?2, evidence_photos = ?3,
                 closed_by = ?4, closed_at = ?5
             WHERE id = ?1",
                params![id.to_string(), evidence, photos, by, ts(now)],
            )?;
            to_verify(tx, id, now)
        },
    )
}

/// Tells the supervisors of the action's branch that it waits for their verification.
fn to_verify(tx: &Transaction, id: Uuid, now: DateTime<Utc>) -> Result<(), AppError> {
    let (office_id, branch_id): (String, String) = tx.query_row(
        "SELECT office_id, branch_id FROM actions WHERE id = ?1",
        [id.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let supervisors = crate::notifications::supervisors_of(tx, &branch_id)?;
    let n = zakupka_core::wire::Notification::ActionToVerify {
        action_id: id,
        office_id,
    };
    crate::notifications::notify_all(tx, &supervisors, &n, now)
}

/// A supervisor accepts the evidence: done → verified, never by the one who closed it.
pub fn verify(
    conn: &mut Connection,
    branches: &Branches,
    id: Uuid,
    request: &VerifyRequest,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Action, AppError> {
    step(
        conn,
        branches,
        id,
        request.op_id,
        "verify",
        request,
        by,
        now,
        |tx, action| {
            if action.state != ActionState::Done {
                return Err(wrong_state(action, "verified"));
            }
            if action.closed_by.as_deref() == Some(by) {
                return Err(AppError::Forbidden(Refused {
                    code: Refusal::ClosedBySelf,
                    message: "an action is verified by someone other than who closed it".into(),
                    field: None,
                }));
            }
            tx.execute(
            "UPDATE actions SET state = 'verified', verified_by = ?2, verified_at = ?3 WHERE id = ?1",
            params![id.to_string(), by, ts(now)],
        )?;
            Ok(())
        },
    )
}

/// A supervisor sends it back: done or verified → open, the reason kept.
pub fn reopen(
    conn: &mut Connection,
    branches: &Branches,
    id: Uuid,
    request: &ReopenRequest,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Action, AppError> {
    let reason = text(&request.reason, "reason", Refusal::ReasonRequired)?;
    step(
        conn,
        branches,
        id,
        request.op_id,
        "reopen",
        request,
        by,
        now,
        |tx, action| {
            if action.state.is_open() {
                return Err(wrong_state(action, "reopened"));
            }
            tx.execute(
                "UPDATE actions SET state = 'open', reopen_reason = ?2, reopened = reopened + 1,
                 closed_by = NULL, closed_at = NULL, verified_by = NULL, verified_at = NULL
             WHERE id = ?1",
                params![id.to_string(), reason],
            )?;
            Ok(())
        },
    )
}
