//! Corrective actions: each failed item of an approved visit becomes an action for the
//! office, which its branch's manager plans and closes with evidence, and a supervisor other
//! than the closer verifies or reopens. Also the manager's view of approved visits, which
//! never names or locates the auditor.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::visit::AnswerValue;

/// Where an action stands. A reopened action is `open` again, its reason kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Found, nothing planned yet.
    Open,
    /// The manager said what will be done.
    Planned,
    /// The manager closed it with evidence; a supervisor has to verify it.
    Done,
    /// A supervisor other than the closer accepted the evidence.
    Verified,
}

impl ActionState {
    /// The wire name, also the stored one.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionState::Open => "open",
            ActionState::Planned => "planned",
            ActionState::Done => "done",
            ActionState::Verified => "verified",
        }
    }

    pub fn parse(s: &str) -> Option<ActionState> {
        match s {
            "open" => Some(ActionState::Open),
            "planned" => Some(ActionState::Planned),
            "done" => Some(ActionState::Done),
            "verified" => Some(ActionState::Verified),
            _ => None,
        }
    }

    /// Still to be fixed (an overdue action is one of these past its due date).
    pub fn is_open(self) -> bool {
        matches!(self, ActionState::Open | ActionState::Planned)
    }
}

/// A photo of a finding or of the evidence, by address. No capture time or position: a
/// finding's photo would locate the auditor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionPhoto {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub sha256: String,
    pub mime: String,
}

/// What the auditor found: the answer, their comment on the item, their photos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub answer: AnswerValue,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub comment: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub photos: Vec<ActionPhoto>,
}

/// How the next visit to the office found a fixed item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecheckOutcome {
    /// The item passed: the fix held.
    FixConfirmed,
    /// The item failed again: a repeat defect (the action is reopened).
    Repeat,
}

/// One corrective action, as managers, supervisors and admins see it. Never the auditor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Action {
    pub id: Uuid,
    /// The approved visit that found it (the manager's view of it has no auditor).
    pub visit_id: Uuid,
    pub office_id: String,
    pub branch_id: String,
    pub item_id: String,
    /// The item is critical: a shorter due date.
    pub critical: bool,
    pub finding: Finding,
    pub created_at: DateTime<Utc>,
    /// The last day to close it, in the office's calendar.
    pub due: NaiveDate,
    pub state: ActionState,
    /// Open or planned after its due date, by the server's clock.
    pub overdue: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub plan: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub evidence: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub evidence_photos: Vec<ActionPhoto>,
    /// Evidence photos named by `done` that the server has not received yet.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub missing_photos: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
    /// Why it was last reopened, by a supervisor or by a repeat defect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen_reason: Option<String>,
    /// Times it was reopened.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reopened: u32,
    /// Times a later visit found the item failed again after it was closed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub repeats: u32,
    /// What the last re-check found, if a later visit re-checked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck: Option<RecheckOutcome>,
}

/// `GET /actions?state=&office=`: the filters, each optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ActionState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
}

/// `POST /actions/{id}/plan`: the manager says what will be done. `op_id` is made on the
/// device: the same op again answers as the first time and changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanRequest {
    pub op_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::comment))]
    pub plan: String,
}

/// `POST /actions/{id}/done`: closed with evidence, a text and photos (uploaded after, by
/// `PUT /actions/{id}/photos/{sha256}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoneRequest {
    pub op_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::comment))]
    pub evidence: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub photos: Vec<ActionPhoto>,
}

/// `POST /actions/{id}/verify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyRequest {
    pub op_id: Uuid,
}

/// `POST /actions/{id}/reopen`: back to `open`, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReopenRequest {
    pub op_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::comment))]
    pub reason: String,
}

/// An approved visit of the manager's branch, in lists: no auditor, device or position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagerVisit {
    pub visit_id: Uuid,
    pub office_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub scenario: String,
    /// The day of the visit.
    pub date: NaiveDate,
    /// The visit's score in percent; `None` when nothing could be scored.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub percent: Option<f64>,
    /// Actions the visit found.
    pub actions: u32,
}

/// One answer as the manager sees it: value, comment, photos by address (no EXIF).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagerAnswer {
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub value: Option<AnswerValue>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub comment: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub photos: Vec<ActionPhoto>,
}

/// `GET /manager/visits/{id}`: an approved visit in full for its branch's manager, without
/// anything that says who made it or where they stood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagerVisitDetail {
    pub visit: ManagerVisit,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub comment: String,
    pub answers: BTreeMap<String, ManagerAnswer>,
    /// The actions the visit found, by item id.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub action_ids: BTreeMap<String, Uuid>,
}
