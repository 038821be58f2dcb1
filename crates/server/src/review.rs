//! Review decisions on submitted visits (approve; return with comments on the visit or on
//! items; reject with a reason) and every visit's append-only history, `review_log`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::visit::MAX_COMMENT_CHARS;
use zakupka_core::wire::{
    Decision, LogEntry, Notification, Refusal, ReviewRequest, ReviewState, VisitUpdate,
};

use crate::error::AppError;
use crate::sql::{Json, Text};
use crate::time::ts;

/// The state a decision leads to, with its comments trimmed (empty item comments left
/// out), or the refusal of a decision that lacks what it needs.
fn outcome(
    request: &ReviewRequest,
) -> Result<(ReviewState, &str, BTreeMap<String, String>), AppError> {
    let comment = request.comment.trim();
    let item_comments: BTreeMap<String, String> = request
        .item_comments
        .iter()
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    // The comments go to the auditor's phone: no longer than any comment written there.
    let too_long = |field: String, text: &str| {
        if text.chars().count() > MAX_COMMENT_CHARS {
            Err(AppError::bad(
                Refusal::TooLong,
                field,
                format!("longer than {MAX_COMMENT_CHARS} characters"),
            ))
        } else {
            Ok(())
        }
    };
    too_long("comment".into(), comment)?;
    for (item, text) in &item_comments {
        too_long(format!("item_comments.{item}"), text)?;
    }
    let to = match request.decision {
        Decision::Approve => ReviewState::Approved,
        Decision::Return if comment.is_empty() && item_comments.is_empty() => {
            return Err(AppError::bad(
                Refusal::CommentRequired,
                "comment",
                "say what to correct: a comment on the visit or on items",
            ));
        }
        Decision::Return => ReviewState::Returned,
        Decision::Reject if comment.is_empty() => {
            return Err(AppError::bad(
                Refusal::ReasonRequired,
                "comment",
                "a rejection needs a reason",
            ));
        }
        Decision::Reject => ReviewState::Rejected,
    };
    Ok((to, comment, item_comments))
}

/// Records a supervisor's decision on the current revision of a submitted visit, in the
/// log, and as a change for the auditor's devices. Returns what the devices will see. The
/// request names the revision decided: a correction that arrived meanwhile is not approved
/// unseen. Out of the decider's scope a visit is not found; one of their own branch's
/// offices is refused.
pub fn decide(
    conn: &mut Connection,
    visit_id: &str,
    request: &ReviewRequest,
    by: &str,
    now: DateTime<Utc>,
) -> Result<VisitUpdate, AppError> {
    let (to, comment, item_comments) = outcome(request)?;
    let tx = conn.transaction()?;
    crate::scope::may_decide(&tx, by, visit_id)?;
    // The current revision: what the decision is on, whose it is, and its checklist.
    let row = tx
        .query_row(
            "SELECT r.visit_id, r.revision, r.state, v.auditor, v.template_id, v.template_version,
                    v.office_id
             FROM reviews r JOIN visits v ON v.id = r.visit_id AND v.revision = r.revision
             WHERE r.visit_id = ?1",
            [visit_id],
            |r| {
                let update = VisitUpdate {
                    visit_id: r.get::<_, Text<Uuid>>(0)?.0,
                    revision: r.get(1)?,
                    state: r.get::<_, Text<ReviewState>>(2)?.0,
                    comment: String::new(),
                    item_comments: BTreeMap::new(),
                };
                Ok((
                    update,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, u32>(5)?,
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()?;
    let (current, auditor, template_id, template_version, office_id) =
        row.ok_or_else(|| AppError::not_found(Refusal::NotFound, format!("no visit {visit_id}")))?;
    let (revision, state) = (current.revision, current.state);
    if request.revision != revision {
        return Err(AppError::conflict(
            Refusal::RevisionChanged,
            format!(
                "revision {} is no longer current: the visit is at revision {revision}",
                request.revision
            ),
        ));
    }
    if state != ReviewState::Submitted {
        return Err(AppError::conflict(
            Refusal::NotSubmitted,
            format!(
                "revision {revision} is already {}; only a submitted visit can be decided",
                state.as_str()
            ),
        ));
    }
    if let Some(t) = crate::reference::template(&tx, &template_id, template_version)?
        && let Some(unknown) = item_comments.keys().find(|k| t.item(k).is_none())
    {
        return Err(AppError::bad(
            Refusal::UnknownItem,
            format!("item_comments.{unknown}"),
            "no such item in the visit's checklist",
        ));
    }
    let items_json =
        serde_json::to_string(&item_comments).map_err(|e| AppError::internal("comments", e))?;
    tx.execute(
        "UPDATE reviews SET state = ?2, comment = ?3, item_comments = ?4, updated_at = ?5 WHERE visit_id = ?1",
        params![visit_id, to.as_str(), comment, items_json, ts(now)],
    )?;
    tx.execute(
        "INSERT INTO review_log (visit_id, revision, from_state, to_state, by_login, at, comment, item_comments)
         VALUES (?1, ?2, 'submitted', ?3, ?4, ?5, ?6, ?7)",
        params![visit_id, revision, to.as_str(), by, ts(now), comment, items_json],
    )?;
    tx.execute(
        "INSERT INTO changes (kind, ref, auditor) VALUES ('visit', ?1, ?2)",
        params![visit_id, auditor],
    )?;
    if to == ReviewState::Returned {
        let returned = Notification::VisitReturned {
            visit_id: current.visit_id,
            revision,
        };
        crate::notifications::notify_at(&tx, &auditor, &returned, now)?;
    }
    if to == ReviewState::Approved {
        crate::actions::create_for_visit(&tx, visit_id, revision, now)?;
        crate::events::record(
            &tx,
            &crate::events::Event::visit_approved(current.visit_id, revision, &office_id, now),
        )?;
    }
    tx.commit()?;
    Ok(VisitUpdate {
        state: to,
        comment: comment.to_owned(),
        item_comments,
        ..current
    })
}

/// A visit's history, oldest first, if the caller may see the visit.
pub fn log(
    conn: &Connection,
    visit_id: &str,
    scope: &crate::scope::Scope,
) -> Result<Vec<LogEntry>, AppError> {
    scope.visible(conn, visit_id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT visit_id, revision, from_state, to_state, by_login, at, comment, item_comments
         FROM review_log WHERE visit_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([visit_id], |r| {
        Ok(LogEntry {
            visit_id: r.get::<_, Text<Uuid>>(0)?.0,
            revision: r.get(1)?,
            from: r.get::<_, Option<Text<ReviewState>>>(2)?.map(|s| s.0),
            to: r.get::<_, Text<ReviewState>>(3)?.0,
            by: r.get(4)?,
            at: r.get(5)?,
            comment: r.get(6)?,
            item_comments: r.get::<_, Json<_>>(7)?.0,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
