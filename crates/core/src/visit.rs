//! A visit: one mystery-shopper audit of one office, as filled on the device.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    Draft,
    Submitted,
}

impl VisitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitStatus::Draft => "draft",
            VisitStatus::Submitted => "submitted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(VisitStatus::Draft),
            "submitted" => Some(VisitStatus::Submitted),
            _ => None,
        }
    }
}

/// An answer's value. Serialized with an explicit tag so the wire format can grow kinds
/// without old readers misreading new values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Yes,
    No,
    Scale(u8),
    Number(f64),
    Choice(String),
    NotApplicable,
}

/// A photo attached to an answer, addressed by the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub sha256: String,
    pub mime: String,
    pub size: u64,
}

/// What the auditor recorded for one item: the answer itself, and any comment or photos,
/// which may come before the answer is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub value: Option<AnswerValue>,
    pub comment: String,
    pub photos: Vec<PhotoRef>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// UUID v7, made on the device: unique without asking a server, and time-ordered.
    pub id: Uuid,
    pub template_id: String,
    pub template_version: u32,
    pub office_id: String,
    pub auditor: String,
    pub scenario: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Measured with the app's stopwatch; also copied into the checklist's timer item.
    pub waiting_seconds: Option<u32>,
    pub comment: String,
    pub status: VisitStatus,
    /// Grows by one each time the visit is submitted again after a correction.
    pub revision: u32,
    /// Answers by item id.
    pub answers: BTreeMap<String, Answer>,
}

impl Visit {
    /// The given answers by item id, as scoring takes them.
    pub fn values(&self) -> BTreeMap<String, AnswerValue> {
        self.answers
            .iter()
            .filter_map(|(k, a)| Some((k.clone(), a.value.clone()?)))
            .collect()
    }
}
