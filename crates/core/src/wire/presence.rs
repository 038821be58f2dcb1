//! Presence and conflicts on the wire: including a visit left out of the rating, and each
//! auditor's share of flagged visits.

use serde::{Deserialize, Serialize};

use crate::presence::PresenceFlag;

/// A supervisor puts a visit to an office of its auditor's own branch into the rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncludeRequest {
    /// Why it may count after all; required, kept in the audit log.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::comment))]
    pub reason: String,
    /// The revision the supervisor saw: refused (409 `revision_changed`) if another came
    /// since. Optional for tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
}

/// Who put a left-out visit into the rating, when and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inclusion {
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub reason: String,
}

/// One auditor's visits in a quarter and how many of them carry a flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditorFlags {
    pub auditor: String,
    /// Visits started in the quarter (their current revision).
    pub visits: u32,
    /// Of those, visits with at least one flag.
    pub flagged: u32,
    /// Of those, how many carry each flag.
    pub by_flag: std::collections::BTreeMap<PresenceFlag, u32>,
}

impl AuditorFlags {
    /// The share of flagged visits, 0 to 1 (0 without visits).
    pub fn share(&self) -> f64 {
        if self.visits == 0 {
            0.0
        } else {
            f64::from(self.flagged) / f64::from(self.visits)
        }
    }
}
