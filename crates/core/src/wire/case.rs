//! Calibration cases: a reference situation a supervisor publishes with a key (the
//! reference answers), which auditors score like a visit so that their answers can be
//! compared with the key and with each other. A case answer never counts in the rating.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::visit::AnswerValue;

/// Longest scenario text of a case, in characters: a few pages.
pub const MAX_CASE_TEXT_CHARS: usize = 8000;

/// A published case as devices receive it. The key is sent to supervisors only: an auditor
/// who saw it would copy it rather than judge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalibrationCase {
    pub id: Uuid,
    pub title: String,
    /// The situation to judge, shown above the checklist instead of an office.
    pub text: String,
    pub template_id: String,
    #[cfg_attr(feature = "openapi", schema(format = Int64, maximum = 4294967295u32))]
    pub template_version: u32,
    pub scenario: String,
    /// Photos of the situation, by SHA-256 (`GET /api/v1/cases/photos/{sha256}`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub photos: Vec<String>,
    pub published_by: String,
    pub published_at: chrono::DateTime<chrono::Utc>,
    /// The reference answers by item id; only in supervisors' lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub key: Option<BTreeMap<String, AnswerValue>>,
}

/// What a supervisor publishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseRequest {
    pub title: String,
    pub text: String,
    pub template_id: String,
    #[cfg_attr(feature = "openapi", schema(format = Int64, maximum = 4294967295u32))]
    pub template_version: u32,
    pub scenario: String,
    /// Photos already on the server (`PUT /api/v1/cases/photos/{sha256}`), by SHA-256.
    #[serde(default)]
    pub photos: Vec<String>,
    /// The reference answers by item id, checked as a visit's answers are.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub key: BTreeMap<String, AnswerValue>,
}
