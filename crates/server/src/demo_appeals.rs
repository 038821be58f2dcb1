//! The demo's appeals: a visit of this quarter to an office of Серпухов, approved by
//! `supervisor`, with three failed items; its manager `manager` appealed two, `admin`
//! upheld one (the item counted as passed), the other waits on the supervisors' board,
//! and the third is left to appeal. So the manager's list, the board and the rescored
//! visit show something on first start.

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use uuid::Uuid;
use zakupka_core::wire::{
    AppealDecision, AppealDecisionRequest, AppealRequest, Decision, ReviewRequest,
};
use zakupka_core::{AnswerValue, AppealOutcome, Directory, ItemKind, Template};

use crate::demo_actions::MANAGER_BRANCH;
use crate::error::AppError;

/// Adds the visit and its two appeals; returns how many appeals.
pub fn load_appeals(
    conn: &mut Connection,
    template: &Template,
    directory: &Directory,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let Some(office) = directory
        .offices
        .iter()
        .find(|o| o.branch_id == MANAGER_BRANCH)
    else {
        return Ok(0);
    };
    let items: Vec<&str> = template
        .items()
        .filter(|i| matches!(i.kind, ItemKind::YesNo) && !i.critical)
        .map(|i| i.id.as_str())
        .take(3)
        .collect();
    let mut visit =
        zakupka_core::demo::generate_visits(template, directory, 1, now - Duration::days(1))
            .remove(0);
    visit.office_id = office.id.clone();
    visit.auditor = "auditor2".to_owned();
    // Made at the office: this visit is no presence example.
    for fix in [&mut visit.start_location, &mut visit.finish_location]
        .into_iter()
        .flatten()
    {
        if let Some(at) = office.position {
            (fix.lat, fix.lon) = (at.lat, at.lon);
        }
    }
    for item in &items {
        if let Some(a) = visit.answers.get_mut(*item) {
            a.value = Some(AnswerValue::No);
        }
    }
    let payload = serde_json::to_string(&visit).map_err(|e| AppError::internal("demo", e))?;
    let tx = conn.transaction()?;
    crate::ingest::store(&tx, &visit, &payload, (template, directory), "demo", now)?;
    tx.commit()?;
    let id = visit.id.to_string();
    let approve = ReviewRequest {
        decision: Decision::Approve,
        revision: visit.revision,
        comment: String::new(),
        item_comments: Default::default(),
    };
    crate::review::decide(conn, &id, &approve, "supervisor", now)?;
    let reasons = [
        "Пункт выполнялся: это видно на записи камеры офиса за время проверки",
        "В тот день офис работал по временному порядку, согласованному с управлением",
    ];
    let mut filed = Vec::new();
    for (item, reason) in items.iter().take(2).zip(reasons) {
        let request = AppealRequest {
            op_id: Uuid::now_v7(),
            visit_id: visit.id,
            item_id: (*item).to_owned(),
            reason: reason.to_owned(),
            photos: Vec::new(),
        };
        filed.push(crate::appeals::file(conn, &request, "manager", MANAGER_BRANCH, now)?.1);
    }
    if let Some(first) = filed.first() {
        let uphold = AppealDecisionRequest {
            op_id: Uuid::now_v7(),
            decision: AppealDecision::Uphold,
            outcome: Some(AppealOutcome::Passed),
            reason: "Запись камеры подтверждает, что пункт выполнялся".to_owned(),
        };
        let everyone = crate::scope::Scope::everyone();
        crate::appeals::decide(
            conn,
            &first.id.to_string(),
            &uphold,
            "admin",
            &everyone,
            now,
        )?;
    }
    Ok(filed.len())
}
