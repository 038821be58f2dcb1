//! Corrective actions over the network: the API's action endpoints, and the part of a sync
//! that sends the device's steps on actions and brings the list back.
//!
//! A step is sent as it was stored, its `op_id` inside, as often as it takes: the server
//! answers the same `op_id` again as it did the first time, so a step whose answer was lost
//! (a dropped connection) is sent again without being done twice. A done step names its
//! photos; the server takes a photo only once a step named it, so they go after it, each by
//! its SHA-256 (a PUT of the same bytes again changes nothing), until the server has each.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use zakupka_core::wire::{Action, ActionFilter};

use crate::api::{Api, SyncError};
use crate::sync::StoreAccess;
use crate::{ActionOp, ActionOpOutcome};

impl Api {
    /// The actions the caller may see (a manager's branch, a supervisor's scope), narrowed
    /// by `filter`.
    pub async fn actions(&self, filter: &ActionFilter) -> Result<Vec<Action>, SyncError> {
        Self::send(self.request(reqwest::Method::GET, "/actions").query(filter)).await
    }

    pub async fn action(&self, id: Uuid) -> Result<Action, SyncError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/actions/{id}"))).await
    }

    /// Sends one stored step (`POST /actions/{id}/{kind}` with its body as stored).
    pub async fn action_step(&self, op: &ActionOp) -> Result<Action, SyncError> {
        let path = format!("/actions/{}/{}", op.action_id, op.kind.as_str());
        let request = self
            .request(reqwest::Method::POST, &path)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(op.body.clone());
        Self::send(request).await
    }

    pub async fn put_action_photo(
        &self,
        action: Uuid,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<(), SyncError> {
        let request = self
            .request(
                reqwest::Method::PUT,
                &format!("/actions/{action}/photos/{sha256}"),
            )
            .body(bytes);
        Self::fetch(request).await.map(|_| ())
    }

    /// A photo of an action (the finding's or its evidence): its bytes.
    pub async fn action_photo(&self, action: Uuid, sha256: &str) -> Result<Vec<u8>, SyncError> {
        let path = format!("/actions/{action}/photos/{sha256}");
        Ok(Self::fetch(self.request(reqwest::Method::GET, &path))
            .await?
            .1)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionSyncReport {
    pub sent: usize,
    pub refused: usize,
    pub photos: usize,
    pub listed: usize,
    /// Evidence photos the server would not take (named by no step of the action).
    pub photo_errors: Vec<String>,
}

/// The outcome of a step from the server's answer.
pub fn step_outcome(answer: Result<Action, SyncError>) -> ActionOpOutcome {
    match answer {
        Ok(action) => ActionOpOutcome::Stored(Box::new(action)),
        Err(e) if e.is_transient() => ActionOpOutcome::Retry(e.to_string()),
        Err(SyncError::Server { code, .. }) => ActionOpOutcome::Refused(code),
        Err(e) => ActionOpOutcome::Retry(e.to_string()),
    }
}

/// Sends the waiting steps in the order they were made, then the evidence photos the
/// steps taken named, then replaces the kept actions with the server's list. Stops at the
/// first failure that is not a refusal, leaving the rest for the next round: safe to
/// interrupt anywhere.
pub async fn sync_actions(
    store: &impl StoreAccess,
    api: &Api,
    keep: &ActionFilter,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<ActionSyncReport, SyncError> {
    let mut report = ActionSyncReport::default();
    for op in store.read(|s| s.action_ops_waiting())? {
        let answer = api.action_step(&op).await;
        let stop = match &answer {
            Err(e) if e.is_transient() || !matches!(e, SyncError::Server { .. }) => {
                Some(clone_error(e))
            }
            _ => None,
        };
        let outcome = step_outcome(answer);
        match &outcome {
            ActionOpOutcome::Stored(_) => report.sent += 1,
            ActionOpOutcome::Refused(_) => report.refused += 1,
            ActionOpOutcome::Retry(_) => {}
        }
        store.write(|s| s.record_action_op(op.op_id, &outcome, now()))?;
        if let Some(e) = stop {
            return Err(e);
        }
    }
    for (action, sha) in store.read(|s| s.action_photos_to_upload())? {
        let Some(bytes) = store.photo_bytes(&sha).await? else {
            continue;
        };
        match api.put_action_photo(action, &sha, bytes).await {
            Ok(()) => {
                report.photos += 1;
                store.write(|s| s.action_photo_uploaded(&sha, now()))?;
            }
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => report.photo_errors.push(format!("{sha}: {e}")),
        }
    }
    let list = api.actions(keep).await?;
    report.listed = list.len();
    store.write(|s| s.replace_actions(&list))?;
    Ok(report)
}

/// The error that stopped a round, to hand back after its outcome is written down.
fn clone_error(e: &SyncError) -> SyncError {
    match e {
        SyncError::Unauthorized(m) => SyncError::Unauthorized(m.clone()),
        SyncError::Outdated(m) => SyncError::Outdated(m.clone()),
        SyncError::Server {
            status,
            code,
            message,
            field,
        } => SyncError::Server {
            status: *status,
            code: *code,
            message: message.clone(),
            field: field.clone(),
        },
        other => SyncError::Offline(other.to_string()),
    }
}
