//! A quarter's calibration as served: how far auditors agree, item by item, and how
//! harsh each of them scores.

use serde::{Deserialize, Serialize};

use crate::calibration::{AuditorSeverity, SectionAgreement};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Calibration {
    pub quarter: crate::rating::Quarter,
    /// Groups of approved visits to one office by different auditors within seven days,
    /// and calibration cases answered in the quarter: the units every figure rests on.
    pub units: u32,
    /// The approved visits in those groups.
    pub visits: u32,
    /// Every section and item of the current checklist, in its order.
    pub sections: Vec<SectionAgreement>,
    /// Auditors with a partner in some unit, by login.
    pub auditors: Vec<AuditorSeverity>,
}
