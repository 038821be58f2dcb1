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
