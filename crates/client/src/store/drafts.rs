//! A visit while the auditor fills it in: starting it, answers, comments, the section it
//! is open on, the waiting-time stopwatch, abandoning it. Each change is one commit.

use chrono::{DateTime, Utc};
use rusqlite::types::FromSql;
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;
use zakupka_core::presence::Location;
use zakupka_core::{AnswerValue, Visit};

use super::rows::{corrupt, load_visit, ts, visit_summary};
use super::{NewVisit, Store, VisitSummary, frozen};
use crate::StoreError;

/// The two moments of a visit whose position is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    Start,
    Finish,
}

impl Store {
    /// Starts a draft visit with a fresh v7 id made on this device.
    pub fn start_visit(&self, new: &NewVisit, now: DateTime<Utc>) -> Result<Visit, StoreError> {
        let template = self.template(&new.template_id, new.template_version)?;
        if template.scenario(&new.scenario).is_none() {
            return Err(StoreError::UnknownScenario(new.scenario.clone()));
        }
        if let Some(directory) = self.directory()?
            && directory.office(&new.office_id).is_none()
        {
            return Err(StoreError::UnknownOffice(new.office_id.clone()));
        }
        let id = Uuid::now_v7();
        let first_section = template
            .sections
            .first()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        self.conn.execute(
            "INSERT INTO visits (id, template_id, template_version, office_id, auditor, scenario,
                                 started_at, status, position, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8, ?7)",
            params![
                id.to_string(),
                new.template_id,
                new.template_version,
                new.office_id,
                new.auditor,
                new.scenario,
                ts(now),
                first_section
            ],
        )?;
        self.visit(id)
    }

    pub fn visit(&self, id: Uuid) -> Result<Visit, StoreError> {
        load_visit(&self.conn, id)
    }

    /// Every visit on the device, newest first.
    pub fn visits(&self) -> Result<Vec<VisitSummary>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT v.id, v.office_id, v.scenario, v.status, v.started_at, v.updated_at,
                    (SELECT count(*) FROM answers a WHERE a.visit_id = v.id AND a.value IS NOT NULL),
                    v.case_id
             FROM visits v ORDER BY v.started_at DESC, v.id DESC",
        )?;
        let rows = stmt.query_map([], visit_summary)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records the answer to one item, durably, replacing any earlier answer.
    pub fn set_answer(
        &self,
        visit_id: Uuid,
        item_id: &str,
        value: &AnswerValue,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.edit_draft(visit_id, now, |tx, template| {
            template.check_answer(item_id, value)?;
            put_answer(tx, visit_id, item_id, value, now)
        })
    }

    /// Takes an answer back (the item becomes unanswered); its comment stays.
    pub fn clear_answer(
        &self,
        visit_id: Uuid,
        item_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.edit_draft(visit_id, now, |tx, _| {
            tx.prepare_cached(
                "UPDATE answers SET value = NULL, updated_at = ?3 WHERE visit_id = ?1 AND item_id = ?2",
            )?
            .execute(params![visit_id.to_string(), item_id, ts(now)])
            .map_err(frozen(visit_id))?;
            Ok(())
        })
    }

    pub fn set_item_comment(
        &self,
        visit_id: Uuid,
        item_id: &str,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.edit_draft(visit_id, now, |tx, template| {
            if template.item(item_id).is_none() {
                return Err(zakupka_core::AnswerError::UnknownItem(item_id.to_owned()).into());
            }
            tx.prepare_cached(
                "INSERT INTO answers (visit_id, item_id, value, comment, updated_at) VALUES (?1, ?2, NULL, ?3, ?4)
                 ON CONFLICT (visit_id, item_id) DO UPDATE SET comment = excluded.comment, updated_at = excluded.updated_at",
            )?
            .execute(params![visit_id.to_string(), item_id, comment.trim_end(), ts(now)])
            .map_err(frozen(visit_id))?;
            Ok(())
        })
    }

    /// Sets one column of a draft's row: `sql` takes the visit id as ?1, `value` as ?2.
    fn update_draft(
        &self,
        visit_id: Uuid,
        sql: &str,
        value: &dyn rusqlite::ToSql,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.edit_draft(visit_id, now, |tx, _| {
            tx.prepare_cached(sql)?
                .execute(params![visit_id.to_string(), value])
                .map_err(frozen(visit_id))?;
            Ok(())
        })
    }

    pub fn set_visit_comment(
        &self,
        visit_id: Uuid,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_draft(
            visit_id,
            "UPDATE visits SET comment = ?2 WHERE id = ?1",
            &comment.trim_end(),
            now,
        )
    }

    /// Remembers the section the auditor is on, so the visit reopens exactly there.
    pub fn set_position(
        &self,
        visit_id: Uuid,
        section_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_draft(
            visit_id,
            "UPDATE visits SET position = ?2 WHERE id = ?1",
            &section_id,
            now,
        )
    }

    pub fn position(&self, visit_id: Uuid) -> Result<String, StoreError> {
        self.visit_column(visit_id, "position")
    }

    /// Records where the device was when the visit started or finished (a later fix of the
    /// same moment replaces an earlier one). Only while it is a draft: a submitted visit's
    /// evidence is frozen with it.
    pub fn set_location(
        &self,
        visit_id: Uuid,
        moment: Moment,
        at: &Location,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(at).map_err(|e| corrupt("location", e))?;
        let sql = match moment {
            Moment::Start => "UPDATE visits SET start_location = ?2 WHERE id = ?1",
            Moment::Finish => "UPDATE visits SET finish_location = ?2 WHERE id = ?1",
        };
        self.update_draft(visit_id, sql, &json, now)
    }

    /// Starts the waiting-time stopwatch; it keeps running across restarts of the app.
    pub fn start_timer(&self, visit_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.update_draft(
            visit_id,
            "UPDATE visits SET timer_started_at = ?2 WHERE id = ?1",
            &ts(now),
            now,
        )
    }

    pub fn timer_started_at(&self, visit_id: Uuid) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.visit_column(visit_id, "timer_started_at")
    }

    /// One column of a visit's row (`column` is a name written in this file).
    fn visit_column<T: FromSql>(&self, visit_id: Uuid, column: &str) -> Result<T, StoreError> {
        self.conn
            .prepare_cached(&format!("SELECT {column} FROM visits WHERE id = ?1"))?
            .query_row([visit_id.to_string()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::VisitNotFound(visit_id.to_string()))
    }

    /// Stops the stopwatch: records the waiting time on the visit and, as whole minutes
    /// rounded up, as the answer to `item_id` (the checklist's timer item), in one commit.
    pub fn stop_timer(
        &self,
        visit_id: Uuid,
        item_id: &str,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let started = self.timer_started_at(visit_id)?.unwrap_or(now);
        // Rounded up: a stopwatch that ran at all ran for at least a second, and a minute.
        let millis = (now - started).num_milliseconds().max(0);
        let seconds = u32::try_from((millis as u64).div_ceil(1000)).unwrap_or(u32::MAX);
        let minutes = seconds.div_ceil(60);
        self.edit_draft(visit_id, now, |tx, template| {
            let value = AnswerValue::Number(f64::from(minutes));
            template.check_answer(item_id, &value)?;
            tx.execute(
                "UPDATE visits SET timer_started_at = NULL, waiting_seconds = ?2 WHERE id = ?1",
                params![visit_id.to_string(), seconds],
            )
            .map_err(frozen(visit_id))?;
            put_answer(tx, visit_id, item_id, &value, now)?;
            Ok(minutes)
        })
    }

    /// Deletes a draft the auditor abandoned. Submitted visits cannot be deleted.
    pub fn delete_draft(&self, visit_id: Uuid) -> Result<(), StoreError> {
        self.in_draft(visit_id, |tx, _| {
            tx.execute("DELETE FROM visits WHERE id = ?1", [visit_id.to_string()])
                .map_err(frozen(visit_id))?;
            Ok(())
        })?;
        self.conn.execute(
            "DELETE FROM media.photos WHERE visit_id = ?1",
            [visit_id.to_string()],
        )?;
        Ok(())
    }
}

/// Writes (or replaces) the answer to `item_id`; the caller has checked it.
fn put_answer(
    tx: &Transaction,
    visit_id: Uuid,
    item_id: &str,
    value: &AnswerValue,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(value).map_err(|e| corrupt("answer", e))?;
    tx.prepare_cached(
        "INSERT INTO answers (visit_id, item_id, value, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (visit_id, item_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )?
    .execute(params![visit_id.to_string(), item_id, json, ts(now)])
    .map_err(frozen(visit_id))?;
    Ok(())
}
