//! Actions coming due and overdue, each announced once by the hourly sweep
//! (`notifications::sweep`): the branch's managers hear of both, its supervisors of overdue
//! ones, and an overdue action is an event for the organisation's webhooks. An action
//! reopened after it was announced overdue is not announced again.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rusqlite::{Connection, params};
use uuid::Uuid;
use zakupka_core::wire::{DUE_SOON_DAYS, Notification};

use crate::error::AppError;
use crate::events::{self, Event};
use crate::notifications::{managers_of, notify_at, supervisors_of};
use crate::sql::Text;
use crate::time::ts;

/// One action still to fix by `soon`, not yet announced overdue.
struct Due {
    id: Uuid,
    visit_id: Uuid,
    office_id: String,
    branch_id: String,
    item_id: String,
    due: NaiveDate,
    told_soon: bool,
}

/// Announces what came due since the last sweep; returns how many notifications it made.
pub fn announce(tx: &Connection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let today = now.date_naive();
    let soon = today
        .checked_add_days(Days::new(DUE_SOON_DAYS.unsigned_abs()))
        .unwrap_or(today);
    let due: Vec<Due> = tx
        .prepare_cached(
            "SELECT id, visit_id, office_id, branch_id, item_id, due, due_soon_told_at IS NOT NULL
             FROM actions
             WHERE state IN ('open', 'planned') AND overdue_told_at IS NULL AND due <= ?1",
        )?
        .query_map([soon.to_string()], |r| {
            Ok(Due {
                id: r.get::<_, Text<Uuid>>(0)?.0,
                visit_id: r.get::<_, Text<Uuid>>(1)?.0,
                office_id: r.get(2)?,
                branch_id: r.get(3)?,
                item_id: r.get(4)?,
                due: r.get(5)?,
                told_soon: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut made = 0;
    for a in due {
        let managers = managers_of(tx, &a.branch_id)?;
        if zakupka_core::actions::overdue(true, a.due, today) {
            let n = Notification::ActionOverdue {
                action_id: a.id,
                office_id: a.office_id.clone(),
                due: a.due,
            };
            let supervisors = supervisors_of(tx, &a.branch_id)?;
            for login in managers.iter().chain(&supervisors) {
                notify_at(tx, login, &n, now)?;
                made += 1;
            }
            let due_at = a.due.and_time(chrono::NaiveTime::MIN).and_utc();
            let id = a.id.to_string();
            events::record(
                tx,
                &Event::action_overdue(&id, a.visit_id, &a.office_id, &a.item_id, due_at, now),
            )?;
            tx.execute(
                "UPDATE actions SET overdue_told_at = ?2 WHERE id = ?1",
                params![id, ts(now)],
            )?;
        } else if !a.told_soon {
            let n = Notification::ActionDueSoon {
                action_id: a.id,
                office_id: a.office_id.clone(),
                due: a.due,
            };
            for login in &managers {
                notify_at(tx, login, &n, now)?;
                made += 1;
            }
            tx.execute(
                "UPDATE actions SET due_soon_told_at = ?2 WHERE id = ?1",
                params![a.id.to_string(), ts(now)],
            )?;
        }
    }
    Ok(made)
}
