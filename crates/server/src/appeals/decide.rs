//! Deciding an appeal: a supervisor in whose scope the visit is, other than the one who
//! approved it (they would judge their own approval), upholds it with an outcome or
//! rejects it, with a reason. Upholding rescores the visit for the rating.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use zakupka_core::wire::{Appeal, AppealDecision, AppealDecisionRequest, Refusal};
use zakupka_core::{AppealOutcome, Visit};

use super::{Viewer, audit, get, reason, upheld};
use crate::error::AppError;
use crate::scope::Scope;
use crate::sql::Json;
use crate::time::ts;

/// Decides appeal `id` as `by`, who sees `scope`. The same `op_id` again answers with the
/// appeal as decided then.
pub fn decide(
    conn: &mut Connection,
    id: &str,
    request: &AppealDecisionRequest,
    by: &str,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Result<Appeal, AppError> {
    let viewer = Viewer::Branches(scope.branches.clone());
    let tx = conn.transaction()?;
    let appeal = get(&tx, id, &viewer)?;
    let visit_id = appeal.visit_id.to_string();
    let op_id = request.op_id.to_string();
    let same_op: bool = tx
        .prepare_cached("SELECT 1 FROM appeals WHERE id = ?1 AND decision_op_id = ?2")?
        .exists(params![id, op_id])?;
    if same_op {
        return Ok(appeal);
    }
    crate::scope::may_decide(&tx, by, &visit_id)?;
    let approver = super::approver(&tx, &visit_id, appeal.revision)?;
    if approver.as_deref() == Some(by) {
        return Err(AppError::Forbidden(crate::error::Refused {
            code: Refusal::OwnApproval,
            message: "you approved this visit: another supervisor decides its appeals".into(),
            field: None,
        }));
    }
    if appeal.state != zakupka_core::wire::AppealState::Pending {
        return Err(AppError::conflict(
            Refusal::AppealDecided,
            format!("appeal {id} is already {}", appeal.state.as_str()),
        ));
    }
    let why = reason(&request.reason, "reason")?;
    let (state, outcome) = match (request.decision, request.outcome) {
        (AppealDecision::Uphold, Some(o)) => ("upheld", Some(o)),
        (AppealDecision::Uphold, None) => {
            return Err(AppError::bad(
                Refusal::OutcomeRequired,
                "outcome",
                "say how the item counts when upheld: passed or excluded",
            ));
        }
        (AppealDecision::Reject, _) => ("rejected", None),
    };
    tx.execute(
        "UPDATE appeals SET state = ?2, outcome = ?3, decided_by = ?4, decided_at = ?5,
                            decision_reason = ?6, decision_op_id = ?7
         WHERE id = ?1",
        params![
            id,
            state,
            outcome.map(AppealOutcome::as_str),
            by,
            ts(now),
            why,
            op_id
        ],
    )?;
    if outcome.is_some() {
        rescore(&tx, &visit_id, appeal.revision)?;
    }
    audit(
        &tx,
        now,
        by,
        if outcome.is_some() {
            "appeal_upheld"
        } else {
            "appeal_rejected"
        },
        serde_json::json!({
            "appeal": id,
            "visit": visit_id,
            "item": appeal.item_id,
            "outcome": outcome.map(AppealOutcome::as_str),
            "reason": why,
        }),
    )?;
    // For the organisation's webhooks, in the decision's transaction.
    crate::events::record(
        &tx,
        &crate::events::Event::appeal_decided(
            id,
            appeal.visit_id,
            &appeal.item_id,
            outcome.is_some(),
            now,
        ),
    )?;
    let decided = get(&tx, id, &viewer)?;
    let managers = crate::notifications::managers_of(&tx, &decided.branch_id)?;
    let n = zakupka_core::wire::Notification::AppealDecided {
        appeal_id: decided.id,
        visit_id: decided.visit_id,
        upheld: outcome.is_some(),
    };
    crate::notifications::notify_all(&tx, &managers, &n, now)?;
    tx.commit()?;
    Ok(decided)
}

/// Stores the score of the visit's revision with every upheld appeal applied, which the
/// rating reads in place of the approved score (a trigger makes cached ratings stale).
fn rescore(conn: &Connection, visit_id: &str, revision: u32) -> Result<(), AppError> {
    let Json(visit): Json<Visit> = conn.query_row(
        "SELECT payload FROM visits WHERE id = ?1 AND revision = ?2",
        params![visit_id, revision],
        |r| r.get(0),
    )?;
    let template = crate::reference::template(conn, &visit.template_id, visit.template_version)?
        .ok_or_else(|| AppError::Internal(format!("no checklist for visit {visit_id}")))?;
    let score = zakupka_core::score_with(
        &template,
        &visit.values(),
        &upheld(conn, visit_id, revision)?,
    );
    conn.execute(
        "INSERT INTO appeal_scores (visit_id, revision, score) VALUES (?1, ?2, ?3)
         ON CONFLICT (visit_id, revision) DO UPDATE SET score = excluded.score",
        params![visit_id, revision, score.percent],
    )?;
    Ok(())
}
