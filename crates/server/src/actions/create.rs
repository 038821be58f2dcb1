//! Actions made when a visit is approved, in the approval's transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use uuid::Uuid;
use zakupka_core::Visit;
use zakupka_core::actions::{due_date, failed_items};
use zakupka_core::wire::{ActionPhoto, Finding, Notification};

use crate::error::AppError;
use crate::sql::Json;
use crate::time::ts;

/// One action per failed item of the approved revision of `visit_id`: the finding (the
/// answer, the auditor's comment on the item, their photos) and a due date from the
/// methodology. Items re-checked for earlier actions of the office are judged too
/// (`recheck.rs`). Returns how many actions were made.
pub fn create_for_visit(
    tx: &Connection,
    visit_id: &str,
    revision: u32,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let Json(visit): Json<Visit> = tx.query_row(
        "SELECT payload FROM visits WHERE id = ?1 AND revision = ?2",
        params![visit_id, revision],
        |r| r.get(0),
    )?;
    let Some(template) =
        crate::reference::template(tx, &visit.template_id, visit.template_version)?
    else {
        return Ok(0); // a checklist the server no longer has: nothing to judge by
    };
    let directory = crate::reference::directory(tx)?;
    let Some(office) = directory.offices.iter().find(|o| o.id == visit.office_id) else {
        return Ok(0);
    };
    let methodology = crate::rating::latest_methodology(tx).ok();
    let failed = failed_items(&template, &visit.values());
    let judged = super::recheck::judge_rechecks(tx, &visit, &template, &failed, now)?;
    // The approval itself is in `review_log`; each action says which visit made it.
    let mut made = 0;
    for f in failed.iter().filter(|f| !judged.contains(&f.item_id)) {
        let answer = visit.answers.get(&f.item_id);
        let finding = Finding {
            answer: f.answer.clone(),
            comment: answer.map(|a| a.comment.clone()).unwrap_or_default(),
            // By address and type only: the capture time and position stay out.
            photos: answer
                .map(|a| {
                    a.photos
                        .iter()
                        .map(|p| ActionPhoto {
                            sha256: p.sha256.clone(),
                            mime: p.mime.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let finding =
            serde_json::to_string(&finding).map_err(|e| AppError::internal("finding", e))?;
        let id = Uuid::now_v7();
        let due = due_date(methodology.as_ref(), now.date_naive(), f.critical);
        let added = tx.execute(
            "INSERT OR IGNORE INTO actions (id, visit_id, revision, office_id, branch_id, item_id,
                 critical, finding, created_at, due, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'open')",
            params![
                id.to_string(),
                visit_id,
                revision,
                office.id,
                office.branch_id,
                f.item_id,
                f.critical,
                finding,
                ts(now),
                due
            ],
        )?;
        made += added;
    }
    if made > 0 {
        let managers = crate::notifications::managers_of(tx, &office.branch_id)?;
        let findings = Notification::FindingsNew {
            visit_id: visit.id,
            office_id: office.id.clone(),
            actions: made as u32,
        };
        crate::notifications::notify_all(tx, &managers, &findings, now)?;
    }
    Ok(made)
}
