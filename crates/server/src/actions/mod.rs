//! Corrective actions: created when a visit is approved (`create.rs`), moved by their
//! branch's manager and by supervisors (`steps.rs`), with evidence photos (`photos.rs`),
//! re-checked by the office's next visit (`recheck.rs`). Who sees which: a manager their
//! branch's, a supervisor bound to branches those branches', other supervisors and admins
//! all; for anyone else an action does not exist. No answer names the auditor.

mod create;
pub mod due;
mod figures;
mod photos;
mod recheck;
mod steps;

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;
use zakupka_core::wire::{Action, ActionFilter, ActionPhoto, Refusal, Role};

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::sql::{Json, Text};

pub use create::create_for_visit;
pub use figures::loop_figures;
pub use photos::{finding_photo, get_photo, put_photo, without_metadata};
pub use recheck::{judge_rechecks, recheck_items};
pub use steps::{done, plan, reopen, verify};

/// The branches whose actions a caller sees: `None` for all of them.
#[derive(Debug, Clone)]
pub struct Branches(Option<BTreeSet<String>>);

impl Branches {
    /// A manager: their branch; a supervisor or admin: their bound branches, or all;
    /// auditors may not.
    pub fn of(conn: &Connection, user: &AuthUser) -> Result<Branches, AppError> {
        match user.role {
            Role::Manager => {
                let branch = crate::assignments::branch_of(conn, &user.login)?
                    .ok_or_else(|| AppError::role_forbidden("a manager heads a branch"))?;
                Ok(Branches(Some(BTreeSet::from([branch]))))
            }
            Role::Supervisor | Role::Admin => {
                let bound = crate::scope::bound_branches(conn, &user.login)?;
                Ok(Branches((!bound.is_empty()).then_some(bound)))
            }
            Role::Auditor => Err(AppError::role_forbidden(
                "managers, supervisors and admins see corrective actions",
            )),
        }
    }

    fn json(&self) -> Result<Option<String>, AppError> {
        self.0
            .as_ref()
            .map(|b| serde_json::to_string(b).map_err(|e| AppError::internal("branches", e)))
            .transpose()
    }
}

const COLUMNS: &str = "id, visit_id, office_id, branch_id, item_id, critical, finding, created_at,
    due, state, plan, evidence, evidence_photos, closed_by, closed_at, verified_by, verified_at,
    reopen_reason, reopened, repeats, recheck";

fn read(r: &Row, today: NaiveDate) -> rusqlite::Result<Action> {
    let state: zakupka_core::wire::ActionState = r.get::<_, Text<_>>(9)?.0;
    let due: NaiveDate = r.get(8)?;
    Ok(Action {
        id: r.get::<_, Text<Uuid>>(0)?.0,
        visit_id: r.get::<_, Text<Uuid>>(1)?.0,
        office_id: r.get(2)?,
        branch_id: r.get(3)?,
        item_id: r.get(4)?,
        critical: r.get(5)?,
        finding: r.get::<_, Json<_>>(6)?.0,
        created_at: r.get(7)?,
        due,
        state,
        overdue: zakupka_core::actions::overdue(state.is_open(), due, today),
        plan: r.get(10)?,
        evidence: r.get(11)?,
        evidence_photos: r.get::<_, Json<Vec<ActionPhoto>>>(12)?.0,
        missing_photos: Vec::new(),
        closed_by: r.get(13)?,
        closed_at: r.get(14)?,
        verified_by: r.get(15)?,
        verified_at: r.get(16)?,
        reopen_reason: r.get(17)?,
        reopened: r.get(18)?,
        repeats: r.get(19)?,
        recheck: r.get::<_, Option<Text<_>>>(20)?.map(|t| t.0),
    })
}

/// The evidence photos named but not received yet.
fn with_missing(conn: &Connection, mut action: Action) -> Result<Action, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT 1 FROM action_photos WHERE action_id = ?1 AND sha256 = ?2")?;
    let mut missing = Vec::new();
    for p in &action.evidence_photos {
        if !stmt.exists(params![action.id.to_string(), p.sha256])? {
            missing.push(p.sha256.clone());
        }
    }
    action.missing_photos = missing;
    Ok(action)
}

/// The actions a caller sees, overdue first, then by due date.
pub fn list(
    conn: &Connection,
    branches: &Branches,
    filter: &ActionFilter,
    now: DateTime<Utc>,
) -> Result<Vec<Action>, AppError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM actions
         WHERE (?1 IS NULL OR branch_id IN (SELECT value FROM json_each(?1)))
         AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR office_id = ?3)
         ORDER BY due, office_id, item_id, id"
    );
    let today = now.date_naive();
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            branches.json()?,
            filter.state.map(|s| s.as_str()),
            filter.office
        ],
        |r| read(r, today),
    )?;
    let mut actions = rows.collect::<Result<Vec<_>, _>>()?;
    // Overdue first: what needs doing soonest.
    actions.sort_by_key(|a| !a.overdue);
    actions.into_iter().map(|a| with_missing(conn, a)).collect()
}

/// One action, if the caller sees it; "not found" otherwise.
pub fn get(
    conn: &Connection,
    branches: &Branches,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Action, AppError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM actions WHERE id = ?1
         AND (?2 IS NULL OR branch_id IN (SELECT value FROM json_each(?2)))"
    );
    let today = now.date_naive();
    let action = conn
        .prepare_cached(&sql)?
        .query_row(params![id.to_string(), branches.json()?], |r| {
            read(r, today)
        })
        .optional()?
        .ok_or_else(|| AppError::not_found(Refusal::NotFound, format!("no action {id}")))?;
    with_missing(conn, action)
}

/// Appends a step on an action to the audit log.
fn audit(
    conn: &Connection,
    at: DateTime<Utc>,
    actor: &str,
    step: &str,
    detail: &serde_json::Value,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
        params![crate::time::ts(at), actor, step, detail.to_string()],
    )?;
    Ok(())
}
