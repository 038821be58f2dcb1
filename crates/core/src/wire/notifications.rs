//! The in-app inbox: what the server tells one user, delivered by the pull's change feed
//! and kept on the device. A notification carries ids, dates and numbers only: the app
//! words it in the user's language, the server never sends text.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most ids one `POST /notifications/read` may mark.
pub const MAX_READ_BATCH: usize = 500;

/// What a notification is about, with the ids the app needs to word it and to open what it
/// concerns. On the wire `{"kind": "...", "params": {...}}`; in a [`NotificationEntry`] a
/// kind this app does not know (a newer server) reads as [`Notification::Unknown`] rather
/// than failing the pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "params", rename_all = "snake_case")]
pub enum Notification {
    // Auditors.
    /// A supervisor returned the visit for correction.
    VisitReturned { visit_id: Uuid, revision: u32 },
    /// A supervisor assigned a visit.
    AssignmentNew {
        assignment_id: Uuid,
        office_id: String,
        due: NaiveDate,
    },
    /// An open assignment is due within [`DUE_SOON_DAYS`] days.
    AssignmentDueSoon {
        assignment_id: Uuid,
        office_id: String,
        due: NaiveDate,
    },
    /// An assignment's due date passed without a visit.
    AssignmentOverdue {
        assignment_id: Uuid,
        office_id: String,
        due: NaiveDate,
    },
    // Supervisors.
    /// A manager appealed an item of a visit: decide it.
    AppealToDecide {
        appeal_id: Uuid,
        visit_id: Uuid,
        office_id: String,
    },
    /// A manager closed an action: verify it.
    ActionToVerify { action_id: Uuid, office_id: String },
    // Managers (and, for overdue actions, supervisors).
    /// An approved visit left findings to fix in an office of the manager's branch.
    FindingsNew {
        visit_id: Uuid,
        office_id: String,
        actions: u32,
    },
    /// An action is due within [`DUE_SOON_DAYS`] days.
    ActionDueSoon {
        action_id: Uuid,
        office_id: String,
        due: NaiveDate,
    },
    /// An action's due date passed before it was done.
    ActionOverdue {
        action_id: Uuid,
        office_id: String,
        due: NaiveDate,
    },
    /// A supervisor decided the manager's appeal.
    AppealDecided {
        appeal_id: Uuid,
        visit_id: Uuid,
        upheld: bool,
    },
    /// A kind this build does not know; shown as a plain «new notification». Never sent.
    #[serde(skip)]
    Unknown,
}

/// How many days before its due date an assignment or action is announced as due soon.
pub const DUE_SOON_DAYS: i64 = 2;

impl Notification {
    /// The kind's wire name, also stored in the server's and the device's tables.
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::VisitReturned { .. } => "visit_returned",
            Notification::AssignmentNew { .. } => "assignment_new",
            Notification::AssignmentDueSoon { .. } => "assignment_due_soon",
            Notification::AssignmentOverdue { .. } => "assignment_overdue",
            Notification::AppealToDecide { .. } => "appeal_to_decide",
            Notification::ActionToVerify { .. } => "action_to_verify",
            Notification::FindingsNew { .. } => "findings_new",
            Notification::ActionDueSoon { .. } => "action_due_soon",
            Notification::ActionOverdue { .. } => "action_overdue",
            Notification::AppealDecided { .. } => "appeal_decided",
            Notification::Unknown => "unknown",
        }
    }

    /// The kind and its params as two JSON texts, as both stores keep them.
    pub fn to_columns(&self) -> Result<(&'static str, String), serde_json::Error> {
        if *self == Notification::Unknown {
            return Ok((self.kind(), "{}".to_owned()));
        }
        let value = serde_json::to_value(self)?;
        let params = value.get("params").cloned().unwrap_or_default();
        Ok((self.kind(), serde_json::to_string(&params)?))
    }

    /// Reads back what [`Notification::to_columns`] wrote; an unknown kind or params that
    /// do not fit it read as [`Notification::Unknown`].
    pub fn from_columns(kind: &str, params: &str) -> Notification {
        let params: serde_json::Value = serde_json::from_str(params).unwrap_or_default();
        serde_json::from_value(serde_json::json!({ "kind": kind, "params": params }))
            .unwrap_or(Notification::Unknown)
    }
}

/// One notification as delivered to its user's devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationEntry {
    /// The server's id: the device keeps one row per id, so a repeated pull adds nothing.
    pub id: i64,
    pub created_at: DateTime<Utc>,
    /// When the user read it on any of their devices.
    #[serde(default)]
    pub read_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient")]
    pub notification: Notification,
}

/// A notification, or [`Notification::Unknown`] when its kind or params are not this
/// build's: one notification of a newer server must not fail the whole pull.
fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Notification, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or(Notification::Unknown))
}

/// `POST /notifications/read`: mark the caller's notifications read. Ids that are not the
/// caller's, or already read, change nothing, so the device's outbox may send it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadRequest {
    pub ids: Vec<i64>,
}
