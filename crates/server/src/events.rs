//! Events for the organisation's own systems (webhooks, issue 13). A change that others
//! should hear of records an [`Event`] with [`record`] inside its own transaction: one
//! outbox row per webhook subscribed to its kind, committed with the change or not at all,
//! so a crash can neither lose an event of a committed change nor announce one that never
//! happened. `webhooks::delivery` sends the rows later, off the request path.
//!
//! The receivers belong to the organisation, but managers of audited branches may read
//! them: a payload carries ids only, never an auditor's login, device or positions.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zakupka_core::rating::Quarter;

use crate::error::AppError;
use crate::time::ts;

/// What happened, with the ids a receiver needs to look it up, and nothing that names
/// who audited. Serialized as `{"kind": "...", "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Payload {
    /// A supervisor approved a visit's revision: it now counts in the rating.
    VisitApproved {
        visit_id: Uuid,
        revision: u32,
        office_id: String,
    },
    /// A corrective action passed its due date without being done.
    ActionOverdue {
        action_id: String,
        visit_id: Uuid,
        office_id: String,
        item_id: String,
        due: DateTime<Utc>,
    },
    /// A supervisor decided a branch's appeal against a finding.
    AppealDecided {
        appeal_id: String,
        visit_id: Uuid,
        item_id: String,
        upheld: bool,
    },
    /// A quarter's rating was published and frozen.
    QuarterPublished {
        quarter: Quarter,
        methodology_id: String,
        methodology_version: u32,
    },
}

/// The kinds a webhook subscribes to, by the names used on the wire and the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    VisitApproved,
    ActionOverdue,
    AppealDecided,
    QuarterPublished,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::VisitApproved,
        Kind::ActionOverdue,
        Kind::AppealDecided,
        Kind::QuarterPublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::VisitApproved => "visit_approved",
            Kind::ActionOverdue => "action_overdue",
            Kind::AppealDecided => "appeal_decided",
            Kind::QuarterPublished => "quarter_published",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown event `{s}`; known: {}", known.join(", "))
            })
    }
}

impl Payload {
    pub fn kind(&self) -> Kind {
        match self {
            Payload::VisitApproved { .. } => Kind::VisitApproved,
            Payload::ActionOverdue { .. } => Kind::ActionOverdue,
            Payload::AppealDecided { .. } => Kind::AppealDecided,
            Payload::QuarterPublished { .. } => Kind::QuarterPublished,
        }
    }
}

/// One event as it is sent: its idempotency id (the same on every delivery attempt, so a
/// receiver drops repeats by it), when it happened, and the payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub payload: Payload,
}

impl Event {
    /// An event with a fresh id (UUID v7: ids sort by time).
    pub fn new(payload: Payload, at: DateTime<Utc>) -> Event {
        Event {
            id: Uuid::now_v7(),
            at,
            payload,
        }
    }

    pub fn visit_approved(
        visit_id: Uuid,
        revision: u32,
        office_id: &str,
        at: DateTime<Utc>,
    ) -> Event {
        Event::new(
            Payload::VisitApproved {
                visit_id,
                revision,
                office_id: office_id.to_owned(),
            },
            at,
        )
    }

    pub fn action_overdue(
        action_id: &str,
        visit_id: Uuid,
        office_id: &str,
        item_id: &str,
        due: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Event {
        Event::new(
            Payload::ActionOverdue {
                action_id: action_id.to_owned(),
                visit_id,
                office_id: office_id.to_owned(),
                item_id: item_id.to_owned(),
                due,
            },
            at,
        )
    }

    pub fn appeal_decided(
        appeal_id: &str,
        visit_id: Uuid,
        item_id: &str,
        upheld: bool,
        at: DateTime<Utc>,
    ) -> Event {
        Event::new(
            Payload::AppealDecided {
                appeal_id: appeal_id.to_owned(),
                visit_id,
                item_id: item_id.to_owned(),
                upheld,
            },
            at,
        )
    }

    pub fn quarter_published(
        quarter: Quarter,
        methodology_id: &str,
        methodology_version: u32,
        at: DateTime<Utc>,
    ) -> Event {
        Event::new(
            Payload::QuarterPublished {
                quarter,
                methodology_id: methodology_id.to_owned(),
                methodology_version,
            },
            at,
        )
    }

    pub fn kind(&self) -> Kind {
        self.payload.kind()
    }
}

/// Writes `event` to the outbox of every webhook subscribed to its kind, in the caller's
/// transaction `tx`. The body is stored as it will be sent, so every attempt sends (and
/// signs) the same bytes. No webhook subscribed: nothing is written.
pub fn record(tx: &Connection, event: &Event) -> Result<(), AppError> {
    let body = serde_json::to_string(event).map_err(|e| AppError::internal("event", e))?;
    let kind = event.kind().as_str();
    tx.prepare_cached(
        "INSERT INTO webhook_outbox (webhook_id, event_id, kind, body, created_at, next_at)
         SELECT w.id, ?1, ?2, ?3, ?4, ?4 FROM webhooks w
         WHERE EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = ?2)",
    )?
    .execute(params![event.id.to_string(), kind, body, ts(event.at)])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body receivers parse: ids, the time, the kind and its data, nothing else.
    #[test]
    fn an_event_is_sent_as_id_time_kind_and_ids() {
        let at = DateTime::parse_from_rfc3339("2026-05-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let visit = Uuid::nil();
        let mut e = Event::visit_approved(visit, 2, "klin-1", at);
        e.id = Uuid::max();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({
                "id": "ffffffff-ffff-ffff-ffff-ffffffffffff",
                "at": "2026-05-10T12:00:00Z",
                "kind": "visit_approved",
                "data": { "visit_id": visit, "revision": 2, "office_id": "klin-1" }
            })
        );
        let q = Event::quarter_published("2026-Q2".parse().unwrap(), "main", 3, at);
        assert_eq!(
            serde_json::to_value(&q).unwrap()["data"],
            serde_json::json!({ "quarter": "2026-Q2", "methodology_id": "main", "methodology_version": 3 })
        );
        let a = Event::appeal_decided("ap-1", visit, "greeting", true, at);
        let o = Event::action_overdue("ac-1", visit, "klin-1", "greeting", at, at);
        for (event, kind) in [(a, "appeal_decided"), (o, "action_overdue")] {
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(event.kind().as_str(), kind);
            assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
        }
    }
}
