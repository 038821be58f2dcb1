//! Storing a case answer that came in a push. Idempotent like a visit: the same answer
//! again is a duplicate, other content under the same id is refused.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;
use zakupka_core::Visit;
use zakupka_core::wire::{PushResult, PushStatus, Refusal};

use crate::error::AppError;
use crate::sql::Text;
use crate::time::ts;

/// Stores `visit`, an answer to case `case_id`, inside `tx` (the caller commits), with the
/// SHA-256 `digest` of its JSON as sent. It is never reviewed, so it has one revision and
/// no review row; its photos stay on the device (nobody reviews them), so none is asked for.
pub fn store_answer(
    tx: &Transaction,
    visit: &Visit,
    case_id: Uuid,
    payload: &str,
    digest: &str,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<PushResult, AppError> {
    let result = |status| PushResult {
        visit_id: visit.id,
        revision: visit.revision,
        status,
        reason: None,
        code: None,
        missing_photos: vec![],
    };
    let rejected = |code, reason: String| PushResult {
        reason: Some(reason),
        code: Some(code),
        ..result(PushStatus::Rejected)
    };
    let case: Option<(String, u32, String)> = tx
        .prepare_cached("SELECT template_id, template_version, scenario FROM cases WHERE id = ?1")?
        .query_row([case_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((template_id, template_version, scenario)) = case else {
        return Ok(rejected(
            Refusal::UnknownCase,
            format!("no published case {case_id}"),
        ));
    };
    if (&template_id, template_version, &scenario)
        != (&visit.template_id, visit.template_version, &visit.scenario)
    {
        return Ok(rejected(
            Refusal::UnknownCase,
            format!(
                "case {case_id} is judged by {template_id} v{template_version}, scenario `{scenario}`"
            ),
        ));
    }
    if visit.revision != 1 {
        return Ok(rejected(
            Refusal::RevisionNotAsked,
            "a case answer is never returned: it has one revision".into(),
        ));
    }
    let earlier: Option<(String, String, Text<Uuid>)> = tx
        .prepare_cached("SELECT auditor, payload_sha256, case_id FROM case_answers WHERE id = ?1")?
        .query_row([visit.id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match earlier {
        Some((auditor, _, _)) if auditor != visit.auditor => Ok(rejected(
            Refusal::NotYourVisit,
            "this id belongs to another auditor".into(),
        )),
        Some((_, d, Text(case))) if d == digest && case == case_id => {
            Ok(result(PushStatus::Duplicate))
        }
        Some(_) => Ok(rejected(
            Refusal::RevisionConflict,
            "this case answer was already received with other content".into(),
        )),
        None => {
            tx.prepare_cached(
                "INSERT INTO case_answers (id, case_id, auditor, started_at, payload, payload_sha256,
                                           device_id, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                visit.id.to_string(),
                case_id.to_string(),
                visit.auditor,
                ts(visit.started_at),
                payload,
                digest,
                device_id,
                ts(now)
            ])?;
            Ok(result(PushStatus::Accepted))
        }
    }
}
