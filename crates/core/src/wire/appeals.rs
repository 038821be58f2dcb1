//! Appeals on the wire: a branch's manager contests one item of an approved visit; a
//! supervisor other than the visit's approver upholds it (the item then scores as passed,
//! or is left out) or rejects it. Also the network-wide charts of findings.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::label::Label;
use crate::rating::Quarter;
use crate::scoring::AppealOutcome;

/// The longest reason of an appeal or of its decision, in characters.
pub const MAX_APPEAL_REASON_CHARS: usize = 2000;

/// Evidence photos an appeal may carry.
pub const MAX_APPEAL_PHOTOS: usize = 5;

/// A manager appeals an item. `op_id` is made on the device: the same request again
/// answers as the first time and changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealRequest {
    pub op_id: Uuid,
    pub visit_id: Uuid,
    pub item_id: String,
    /// Why the finding is wrong; required.
    pub reason: String,
    /// SHA-256 addresses of evidence photos, uploaded to `/appeals/{id}/photos/{sha256}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppealDecision {
    Uphold,
    Reject,
}

/// A supervisor's decision on an appeal; `outcome` is required to uphold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealDecisionRequest {
    pub op_id: Uuid,
    pub decision: AppealDecision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<AppealOutcome>,
    /// Why; required.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppealState {
    Pending,
    Upheld,
    Rejected,
}

impl AppealState {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealState::Pending => "pending",
            AppealState::Upheld => "upheld",
            AppealState::Rejected => "rejected",
        }
    }
}

impl std::str::FromStr for AppealState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(AppealState::Pending),
            "upheld" => Ok(AppealState::Upheld),
            "rejected" => Ok(AppealState::Rejected),
            other => Err(format!("`{other}` is not an appeal state")),
        }
    }
}

/// An appeal as served: to its manager and to the supervisors in whose scope it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appeal {
    pub id: Uuid,
    pub visit_id: Uuid,
    /// The visit's revision appealed (the approved one).
    pub revision: u32,
    pub item_id: String,
    pub office_id: String,
    pub branch_id: String,
    pub quarter: Quarter,
    /// The manager who appealed.
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
    pub state: AppealState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<AppealOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    /// The visit's score (percent) with the appeals upheld so far, and as approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_score: Option<f64>,
}

/// One bar of the Pareto chart: an item and how often it failed in the quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedItem {
    pub item_id: String,
    pub label: Label,
    pub count: u32,
    /// Share of all failures of the quarter in this item and the ones before it, 0 to 1.
    pub cumulative_share: f64,
}

/// The most frequent failed items of a quarter over every approved visit, most frequent
/// first (ties by item id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedItems {
    pub quarter: Quarter,
    /// Approved visits counted.
    pub visits: u32,
    /// Failures in all.
    pub total: u32,
    pub items: Vec<FailedItem>,
}

/// How long a branch took to fix its findings: of its actions created in the quarter, the
/// median days from the finding to the fix a supervisor verified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BranchFixTime {
    pub branch_id: String,
    /// Actions verified fixed.
    pub fixed: u32,
    /// Actions not verified yet.
    pub open: u32,
    /// Median days from the finding to the fix, of the fixed ones; `None` with none fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_days: Option<f64>,
}

/// Every branch with actions created in the quarter, slowest first (by median; those
/// with nothing fixed yet last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeToFix {
    pub quarter: Quarter,
    pub branches: Vec<BranchFixTime>,
}
