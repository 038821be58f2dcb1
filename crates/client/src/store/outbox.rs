//! Submission and the outbox: a submitted visit is frozen and its exact wire payload
//! queued in the same commit; sync reads the queue a batch at a time.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::Visit;

use super::rows::{corrupt, load_visit, outbox_key, outbox_row, ts};
use super::{OutboxEntry, Store};
use crate::StoreError;

/// The columns `rows::outbox_row` reads, in its order.
const ENTRY_COLUMNS: &str = "visit_id, revision, payload, queued_at, attempts, last_error, sent_at";

impl Store {
    /// Submits a draft: checks that every required item is answered, freezes the visit and
    /// queues it for sync, all in one commit.
    pub fn submit(&self, visit_id: Uuid, now: DateTime<Utc>) -> Result<Visit, StoreError> {
        self.in_draft(visit_id, |tx, template| {
            let visit = load_visit(tx, visit_id)?;
            let missing = template.missing_required(&visit.values());
            if !missing.is_empty() {
                return Err(StoreError::MissingRequired(missing));
            }
            let finished = visit.finished_at.unwrap_or(now);
            tx.execute(
                "UPDATE visits SET finished_at = ?2, timer_started_at = NULL, updated_at = ?3 WHERE id = ?1",
                params![visit_id.to_string(), ts(finished), ts(now)],
            )?;
            tx.execute(
                "UPDATE visits SET status = 'submitted' WHERE id = ?1",
                [visit_id.to_string()],
            )?;
            // Read back rather than patch in memory: the payload must be exactly what is
            // stored (times are kept to the millisecond), or a resend would look different.
            let visit = load_visit(tx, visit_id)?;
            let payload = serde_json::to_string(&visit).map_err(|e| corrupt("visit", e))?;
            tx.execute(
                "INSERT INTO outbox (visit_id, revision, payload, queued_at) VALUES (?1, ?2, ?3, ?4)",
                params![visit_id.to_string(), visit.revision, payload, ts(now)],
            )?;
            Ok(visit)
        })
    }

    /// Outbox entries the server has neither acknowledged nor refused, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        // Sorted here, not by SQLite: there is no index to read them in order, and a sort
        // in SQL carries every payload through its sorter (spilling to a temporary file
        // for a large outbox), about three times the cost of the whole read.
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox WHERE sent_at IS NULL AND rejected_reason IS NULL"
        ))?;
        let mut out = stmt
            .query_map([], outbox_row)?
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|e| (e.queued_at, e.visit_id));
        Ok(out)
    }

    /// The waiting outbox entries as (visit id, revision), in the order of [`Store::outbox`],
    /// without their payloads: the sync engine reads those a batch at a time
    /// ([`Store::outbox_entries`]) and can send the first batch before it has read the last.
    pub fn outbox_queue(&self) -> Result<Vec<(Uuid, u32)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT visit_id, revision, queued_at FROM outbox
             WHERE sent_at IS NULL AND rejected_reason IS NULL",
        )?;
        let mut keys = stmt
            .query_map([], outbox_key)?
            .collect::<Result<Vec<_>, _>>()?;
        keys.sort();
        Ok(keys.into_iter().map(|(_, id, rev)| (id, rev)).collect())
    }

    /// The entries named by `keys` that are still waiting, in that order.
    pub fn outbox_entries(&self, keys: &[(Uuid, u32)]) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox WHERE visit_id = ?1 AND revision = ?2
                 AND sent_at IS NULL AND rejected_reason IS NULL"
        ))?;
        let mut out = Vec::with_capacity(keys.len());
        for (id, revision) in keys {
            if let Some(entry) = stmt
                .query_row(params![id.to_string(), revision], outbox_row)
                .optional()?
            {
                out.push(entry);
            }
        }
        Ok(out)
    }
}
