//! The auditor's assignments, kept on the device so they show with no network, and matched
//! with the visits made on the device.

use rusqlite::{OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::VisitStatus;
use zakupka_core::wire::Assignment;

use super::Store;
use super::rows::{RowExt, corrupt, ts};
use crate::StoreError;

/// An assignment and the visit of it made on this device, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalAssignment {
    pub assignment: Assignment,
    /// The newest visit of the assignment's office by its auditor, started in its quarter.
    pub visit: Option<(Uuid, VisitStatus)>,
}

impl Store {
    /// Replaces the assignments with the server's list, in one commit: one the server no
    /// longer lists (cancelled) disappears.
    pub fn replace_assignments(&self, list: &[Assignment]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM assignments", [])?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO assignments (id, office_id, quarter, due, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for a in list {
                let body = serde_json::to_string(a).map_err(|e| corrupt("assignment", e))?;
                insert.execute(params![
                    a.id.to_string(),
                    a.office_id,
                    a.quarter.to_string(),
                    a.due.to_string(),
                    body
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The assignments, soonest due first, each with its visit on this device.
    pub fn assignments(&self) -> Result<Vec<LocalAssignment>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM assignments ORDER BY due, office_id")?;
        let list = stmt
            .query_map([], |r| r.json::<Assignment>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut visit = self.conn.prepare_cached(
            "SELECT id, status FROM visits WHERE office_id = ?1 AND auditor = ?2
             AND started_at >= ?3 AND started_at < ?4 ORDER BY started_at DESC LIMIT 1",
        )?;
        let mut out = Vec::with_capacity(list.len());
        for assignment in list {
            let (start, end) = assignment.quarter.bounds();
            let found = visit
                .query_row(
                    params![assignment.office_id, assignment.auditor, ts(start), ts(end)],
                    |r| Ok((r.text::<Uuid>(0)?, r.text::<VisitStatus>(1)?)),
                )
                .optional()?;
            out.push(LocalAssignment {
                assignment,
                visit: found,
            });
        }
        Ok(out)
    }
}

impl Store {
    /// The items the auditor's assignment of visit `visit_id`'s office asks to re-check
    /// (open or recently fixed corrective actions), for a mark on the checklist; empty for
    /// a visit of no assignment.
    pub fn recheck_items(
        &self,
        visit_id: Uuid,
    ) -> Result<std::collections::BTreeSet<String>, StoreError> {
        let visit = self.visit(visit_id)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM assignments WHERE office_id = ?1")?;
        let list = stmt
            .query_map([&visit.office_id], |r| r.json::<Assignment>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(list
            .into_iter()
            .filter(|a| {
                let (start, end) = a.quarter.bounds();
                a.auditor == visit.auditor && visit.started_at >= start && visit.started_at < end
            })
            .flat_map(|a| a.recheck)
            .collect())
    }
}
