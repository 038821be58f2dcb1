//! Paired visits: two auditors visit one office within seven days, so that their answers
//! can be compared (calibration). A pair is two assignments sharing a pair id; each half
//! is checked by every rule of a single assignment (the own-branch rule first of all).

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use uuid::Uuid;
use zakupka_core::Directory;
use zakupka_core::wire::{
    Assignment, AssignmentRequest, AssignmentWarning, PAIR_MAX_DAYS, PairRequest, Refusal,
};

use crate::assignments::{check, get, insert, not_assigned};
use crate::error::AppError;

/// Each half of `pair` as a single assignment's request.
fn halves(pair: &PairRequest) -> [AssignmentRequest; 2] {
    pair.visits.clone().map(|v| AssignmentRequest {
        auditor: v.auditor,
        office_id: pair.office_id.clone(),
        quarter: pair.quarter,
        scenario: pair.scenario.clone(),
        due: v.due,
        note: pair.note.clone(),
        dry_run: pair.dry_run,
    })
}

/// A half's refusal names the field of the pair's request: `visits[1].auditor` where the
/// single assignment said `auditor`.
fn in_half(n: usize, mut e: AppError) -> AppError {
    if let AppError::BadRequest(refused) = &mut e
        && let Some(field) = &mut refused.field
        && matches!(field.as_str(), "auditor" | "due")
    {
        *field = format!("visits[{n}].{field}");
    }
    e
}

/// The pair's own rules: two different auditors, each window in order, both windows
/// together at most [`PAIR_MAX_DAYS`] long.
fn check_pair(pair: &PairRequest) -> Result<(), AppError> {
    let [a, b] = &pair.visits;
    if a.auditor == b.auditor {
        return Err(AppError::bad(
            Refusal::PairSameAuditor,
            "visits[1].auditor",
            format!("`{}` is named twice: a pair is two auditors", a.auditor),
        ));
    }
    for (n, v) in pair.visits.iter().enumerate() {
        if v.from > v.due {
            return Err(AppError::bad(
                Refusal::PairTooFarApart,
                format!("visits[{n}].from"),
                format!("the window starts on {} after it ends on {}", v.from, v.due),
            ));
        }
    }
    let first = a.from.min(b.from);
    let last = a.due.max(b.due);
    if (last - first).num_days() > PAIR_MAX_DAYS {
        return Err(AppError::bad(
            Refusal::PairTooFarApart,
            "visits",
            format!(
                "the windows run from {first} to {last}: the two visits could be more than {PAIR_MAX_DAYS} days apart"
            ),
        ));
    }
    Ok(())
}

/// Checks a pair and, unless it is a dry run, stores both halves in one commit. Returns
/// the two assignments (none for a dry run) and the warnings of both auditors.
pub fn create(
    conn: &mut Connection,
    pair: &PairRequest,
    directory: &Directory,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<Assignment>, Vec<AssignmentWarning>), AppError> {
    check_pair(pair)?;
    let tx = conn.transaction()?;
    let halves = halves(pair);
    let mut warnings = Vec::new();
    for (n, half) in halves.iter().enumerate() {
        let found = check(&tx, half, directory, now.date_naive()).map_err(|e| in_half(n, e))?;
        for w in found {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
    }
    // The first day is checked against the quarter like the due date is.
    for (n, (half, v)) in halves.iter().zip(&pair.visits).enumerate() {
        if v.from < half.quarter.bounds().0.date_naive() {
            return Err(AppError::bad(
                Refusal::DueOutsideQuarter,
                format!("visits[{n}].from"),
                format!("{} is not within {}", v.from, half.quarter),
            ));
        }
    }
    if pair.dry_run {
        return Ok((Vec::new(), warnings));
    }
    let pair_id = Uuid::now_v7();
    let mut made = Vec::with_capacity(2);
    for (half, v) in halves.iter().zip(&pair.visits) {
        not_assigned(&tx, half)?;
        let id = insert(&tx, half, by, now, Some((v.from, pair_id)))?;
        made.push(
            get(&tx, id, now.date_naive())?
                .ok_or_else(|| AppError::Internal("assignment vanished".into()))?,
        );
    }
    tx.commit()?;
    Ok((made, warnings))
}
