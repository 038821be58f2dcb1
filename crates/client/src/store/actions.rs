//! Corrective actions on the device: the server's list kept for reading offline, and the
//! user's steps on them (plan, done with evidence, verify, reopen) written here first, each
//! in one commit with its `op_id`, then sent by the sync engine like the visits' outbox.
//! Until the server has answered a step, the action is shown with it applied
//! ([`apply_step`]), so what the user did stays on screen through reloads and offline.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;
use zakupka_core::wire::{
    Action, ActionPhoto, ActionState, DoneRequest, PlanRequest, Refusal, ReopenRequest,
    VerifyRequest,
};

use super::Store;
use super::rows::{RowExt, corrupt, refusal_name, ts};
use crate::StoreError;

/// What a step does; also its path segment (`POST /actions/{id}/{kind}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOpKind {
    Plan,
    Done,
    Verify,
    Reopen,
}

impl ActionOpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionOpKind::Plan => "plan",
            ActionOpKind::Done => "done",
            ActionOpKind::Verify => "verify",
            ActionOpKind::Reopen => "reopen",
        }
    }

    fn parse(s: &str) -> Option<ActionOpKind> {
        [
            ActionOpKind::Plan,
            ActionOpKind::Done,
            ActionOpKind::Verify,
            ActionOpKind::Reopen,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A step waiting for the server, with the request body exactly as it will be sent (the
/// `op_id` inside it), so a retry is byte for byte the first attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionOp {
    pub op_id: Uuid,
    pub action_id: Uuid,
    pub kind: ActionOpKind,
    pub body: String,
    pub queued_at: DateTime<Utc>,
    pub attempts: u32,
}

/// What the server said to a step.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionOpOutcome {
    /// Taken (or taken before: the same `op_id` again); the action as the server has it now.
    Stored(Box<Action>),
    Refused(Refusal),
    Retry(String),
}

/// An action as the device shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalAction {
    /// The server's version with this device's unsent steps applied.
    pub action: Action,
    /// Steps of this device not on the server yet.
    pub waiting: usize,
    /// The last step the server refused, if it refused the latest one.
    pub refused: Option<Refusal>,
    /// Evidence photos chosen for the next «Устранено», not sent with a step yet.
    pub draft_photos: Vec<String>,
}

/// `action` as it stands after `kind` with `body`, made by `by` at `at`: the device's view
/// of an unsent step. The server's answer replaces it once the step is sent.
pub fn apply_step(
    action: &mut Action,
    kind: ActionOpKind,
    body: &str,
    by: &str,
    at: DateTime<Utc>,
) {
    match kind {
        ActionOpKind::Plan => {
            if let Ok(plan) = serde_json::from_str::<PlanRequest>(body) {
                action.plan = plan.plan;
            }
            action.state = ActionState::Planned;
        }
        ActionOpKind::Done => {
            if let Ok(done) = serde_json::from_str::<DoneRequest>(body) {
                action.evidence = done.evidence;
                action.evidence_photos = done.photos;
            }
            action.state = ActionState::Done;
            action.closed_by = Some(by.to_owned());
            action.closed_at = Some(at);
        }
        ActionOpKind::Verify => {
            action.state = ActionState::Verified;
            action.verified_by = Some(by.to_owned());
            action.verified_at = Some(at);
        }
        ActionOpKind::Reopen => {
            if let Ok(reopen) = serde_json::from_str::<ReopenRequest>(body) {
                action.reopen_reason = Some(reopen.reason);
            }
            action.state = ActionState::Open;
            action.reopened += 1;
        }
    }
    if !action.state.is_open() {
        action.overdue = false;
    }
}

/// Whether `kind` may follow `state` as the device sees it; the server decides in the end.
fn allowed(state: ActionState, kind: ActionOpKind) -> bool {
    match kind {
        ActionOpKind::Plan | ActionOpKind::Done => {
            matches!(state, ActionState::Open | ActionState::Planned)
        }
        ActionOpKind::Verify | ActionOpKind::Reopen => state == ActionState::Done,
    }
}

impl Store {
    /// Replaces the kept actions with the server's list, in one commit. Steps still waiting
    /// stay and go on being shown on top of it.
    pub fn replace_actions(&self, list: &[Action]) -> Result<(), StoreError> {
        let tx = self.tx()?;
        tx.execute("DELETE FROM actions", [])?;
        for action in list {
            put_action(&tx, action)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The actions, by office and soonest due first, as the device shows them.
    pub fn actions(&self) -> Result<Vec<LocalAction>, StoreError> {
        let ids: Vec<Uuid> = self
            .conn
            .prepare_cached("SELECT id FROM actions ORDER BY office_id, due, id")?
            .query_map([], |r| r.text::<Uuid>(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(self.action(id)?);
        }
        Ok(out)
    }

    /// One action as the device shows it; `None` if the device does not keep it.
    pub fn action(&self, id: Uuid) -> Result<Option<LocalAction>, StoreError> {
        let Some(mut action) = self
            .conn
            .prepare_cached("SELECT body FROM actions WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.json::<Action>(0))
            .optional()?
        else {
            return Ok(None);
        };
        let by = self.owner()?.map(|o| o.login).unwrap_or_default();
        let mut waiting = 0;
        let mut refused = None;
        let mut steps = self.conn.prepare_cached(
            "SELECT kind, body, queued_at, sent_at IS NULL AND rejected_code IS NULL, rejected_code
             FROM action_ops WHERE action_id = ?1 ORDER BY queued_at, rowid",
        )?;
        let mut rows = steps.query([id.to_string()])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let unsent: bool = r.get(3)?;
            let code: Option<Refusal> = r
                .get::<_, Option<super::rows::Text<Refusal>>>(4)?
                .map(|t| t.0);
            if unsent {
                let kind =
                    ActionOpKind::parse(&kind).ok_or_else(|| corrupt("action step", &kind))?;
                apply_step(&mut action, kind, &r.get::<_, String>(1)?, &by, r.get(2)?);
                waiting += 1;
                refused = None;
            } else {
                refused = code;
            }
        }
        let draft_photos = self
            .conn
            .prepare_cached(
                "SELECT sha256 FROM media.action_photos WHERE action_id = ?1 AND op_id IS NULL
                 ORDER BY added_at, sha256",
            )?
            .query_map([id.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(Some(LocalAction {
            action,
            waiting,
            refused,
            draft_photos,
        }))
    }

    /// Plans action `id`: queued in one commit; the returned `op_id` goes with it.
    pub fn plan_action(
        &self,
        id: Uuid,
        plan: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid, StoreError> {
        let plan = required(plan)?;
        self.queue_step(id, ActionOpKind::Plan, now, |op_id, _| {
            Ok(serde_json::to_string(&PlanRequest { op_id, plan }))
        })
    }

    /// Marks action `id` fixed, with the evidence text and the photos chosen for it, all in
    /// one commit: the photos now belong to this step, which names them; the server takes
    /// a photo only once a step has named it, so they are uploaded after it is sent.
    pub fn close_action(
        &self,
        id: Uuid,
        evidence: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid, StoreError> {
        let evidence = evidence.trim().to_owned();
        self.queue_step(id, ActionOpKind::Done, now, |op_id, tx| {
            let photos: Vec<ActionPhoto> = tx
                .prepare(
                    "SELECT sha256, mime FROM media.action_photos
                     WHERE action_id = ?1 AND op_id IS NULL ORDER BY added_at, sha256",
                )?
                .query_map([id.to_string()], |r| {
                    Ok(ActionPhoto {
                        sha256: r.get(0)?,
                        mime: r.get(1)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            if evidence.is_empty() && photos.is_empty() {
                return Err(StoreError::ActionTextMissing);
            }
            tx.execute(
                "UPDATE media.action_photos SET op_id = ?2 WHERE action_id = ?1 AND op_id IS NULL",
                params![id.to_string(), op_id.to_string()],
            )?;
            Ok(serde_json::to_string(&DoneRequest {
                op_id,
                evidence,
                photos,
            }))
        })
    }

    /// A supervisor's verification of a fixed action.
    pub fn verify_action(&self, id: Uuid, now: DateTime<Utc>) -> Result<Uuid, StoreError> {
        self.queue_step(id, ActionOpKind::Verify, now, |op_id, _| {
            Ok(serde_json::to_string(&VerifyRequest { op_id }))
        })
    }

    /// A supervisor sends a fixed action back, with the reason.
    pub fn reopen_action(
        &self,
        id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid, StoreError> {
        let reason = required(reason)?;
        self.queue_step(id, ActionOpKind::Reopen, now, |op_id, _| {
            Ok(serde_json::to_string(&ReopenRequest { op_id, reason }))
        })
    }

    fn queue_step(
        &self,
        id: Uuid,
        kind: ActionOpKind,
        now: DateTime<Utc>,
        body: impl FnOnce(Uuid, &Transaction) -> Result<serde_json::Result<String>, StoreError>,
    ) -> Result<Uuid, StoreError> {
        let state = self
            .action(id)?
            .ok_or_else(|| StoreError::ActionNotFound(id.to_string()))?
            .action
            .state;
        if !allowed(state, kind) {
            return Err(StoreError::ActionStepNotAllowed {
                action: id.to_string(),
                state: state.as_str().to_owned(),
            });
        }
        let op_id = Uuid::now_v7();
        let tx = self.tx()?;
        let body = body(op_id, &tx)?.map_err(|e| corrupt("action step", e))?;
        tx.execute(
            "INSERT INTO action_ops (op_id, action_id, kind, body, queued_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![op_id.to_string(), id.to_string(), kind.as_str(), body, ts(now)],
        )?;
        tx.commit()?;
        Ok(op_id)
    }

    /// Steps waiting for the server, oldest first.
    pub fn action_ops_waiting(&self) -> Result<Vec<ActionOp>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT op_id, action_id, kind, body, queued_at, attempts FROM action_ops
             WHERE sent_at IS NULL AND rejected_code IS NULL ORDER BY queued_at, rowid",
        )?;
        let mut out = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(2)?;
            out.push(ActionOp {
                op_id: r.text(0)?,
                action_id: r.text(1)?,
                kind: ActionOpKind::parse(&kind).ok_or_else(|| corrupt("action step", &kind))?,
                body: r.get(3)?,
                queued_at: r.get(4)?,
                attempts: r.get(5)?,
            });
        }
        Ok(out)
    }

    /// Writes down what the server said to step `op_id`, in one commit: a step taken is
    /// sent and the action replaced by the server's answer; a refused one is kept with its
    /// code (the action shows the server's version again); a failure counts an attempt.
    pub fn record_action_op(
        &self,
        op_id: Uuid,
        outcome: &ActionOpOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.tx()?;
        let op = op_id.to_string();
        match outcome {
            ActionOpOutcome::Stored(action) => {
                tx.execute(
                    "UPDATE action_ops SET sent_at = ?2, attempts = attempts + 1, last_error = NULL
                     WHERE op_id = ?1",
                    params![op, ts(now)],
                )?;
                put_action(&tx, action)?;
            }
            ActionOpOutcome::Refused(code) => {
                tx.execute(
                    "UPDATE action_ops SET rejected_code = ?2, attempts = attempts + 1 WHERE op_id = ?1",
                    params![op, refusal_name(*code)],
                )?;
            }
            ActionOpOutcome::Retry(error) => {
                tx.execute(
                    "UPDATE action_ops SET attempts = attempts + 1, last_error = ?2 WHERE op_id = ?1",
                    params![op, error],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// How many steps wait for the server (the home screen's «ожидает отправки»).
    pub fn action_ops_unsent(&self) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM action_ops WHERE sent_at IS NULL AND rejected_code IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }
}

fn required(text: &str) -> Result<String, StoreError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::ActionTextMissing);
    }
    Ok(text.to_owned())
}

fn put_action(tx: &Transaction, action: &Action) -> Result<(), StoreError> {
    let body = serde_json::to_string(action).map_err(|e| corrupt("action", e))?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO actions (id, office_id, due, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        action.id.to_string(),
        action.office_id,
        action.due.to_string(),
        body
    ])?;
    Ok(())
}
