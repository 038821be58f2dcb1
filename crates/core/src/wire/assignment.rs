//! Assignments: visits a supervisor asks an auditor to make in a quarter.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where an assignment stands, worked out by the server when it lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// No visit of the office by the auditor in the quarter yet, and the due date is ahead.
    Open,
    /// The due date has passed without a visit.
    Overdue,
    /// The auditor's visit of the office in the quarter has reached the server.
    Done,
}

impl AssignmentStatus {
    /// The wire name, also a stable tag for the interface and its tests.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::Open => "open",
            AssignmentStatus::Overdue => "overdue",
            AssignmentStatus::Done => "done",
        }
    }
}

/// A visit a supervisor asks an auditor to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub id: Uuid,
    pub auditor: String,
    pub office_id: String,
    pub quarter: crate::rating::Quarter,
    pub scenario: String,
    /// The last day the visit is due, in the office's calendar.
    pub due: chrono::NaiveDate,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: String,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub status: AssignmentStatus,
    /// The first day of the visit's window, for a paired visit; on the wire only when set,
    /// so an assignment without a window reads and writes as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<chrono::NaiveDate>,
    /// The pair this assignment is one half of: the other auditor visits the same office
    /// within seven days. Sent to supervisors only: an auditor must not learn of a partner,
    /// or the two could agree their answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair_id: Option<Uuid>,
    /// Items of the office with open or recently fixed corrective actions, for the auditor
    /// to look at closely (the office is not told). On the wire only when there are some,
    /// so an assignment without reads and writes as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recheck: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentRequest {
    pub auditor: String,
    pub office_id: String,
    pub quarter: crate::rating::Quarter,
    pub scenario: String,
    pub due: chrono::NaiveDate,
    #[serde(default)]
    pub note: String,
    /// Check and report warnings without storing anything, for the form's preview.
    #[serde(default)]
    pub dry_run: bool,
}

/// The most days between the two visits of a pair: the office must be in the same state
/// for both, or their differences say nothing about the auditors.
pub const PAIR_MAX_DAYS: i64 = 7;

/// One auditor's half of a paired visit: who, and the window they visit in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairedVisit {
    pub auditor: String,
    /// The first day of the window.
    pub from: chrono::NaiveDate,
    /// The last day of the window, as an assignment's `due`.
    pub due: chrono::NaiveDate,
}

/// Two auditors on one office within [`PAIR_MAX_DAYS`]: two assignments sharing a pair id.
/// Whatever days in their windows the two choose, their visits are at most seven days
/// apart, so both windows together span at most that.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairRequest {
    pub office_id: String,
    pub quarter: crate::rating::Quarter,
    pub scenario: String,
    pub visits: [PairedVisit; 2],
    #[serde(default)]
    pub note: String,
    /// Check and report warnings without storing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// The two assignments made (none for a dry run), and the warnings of either auditor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairResponse {
    pub assignments: Vec<Assignment>,
    pub warnings: Vec<AssignmentWarning>,
}

/// Something the supervisor should know before assigning, which does not forbid it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssignmentWarning {
    /// The auditor has visited, or is assigned to, the same office in the quarter before or
    /// after: the office staff may recognise them.
    ConsecutiveQuarter { quarter: crate::rating::Quarter },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentResponse {
    /// `None` for a dry run.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub assignment: Option<Assignment>,
    pub warnings: Vec<AssignmentWarning>,
}

/// An auditor a supervisor can assign visits to, with the branch they belong to (and so
/// may not audit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Auditor {
    pub login: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub branch_id: Option<String>,
}
