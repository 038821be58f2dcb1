//! Calibration cases, kept on the device so an auditor can answer one with no network. An
//! answer is a visit with `case_id` set and no office: filled in on the checklist screen,
//! submitted through the outbox exactly like a visit; the server keeps it apart.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::wire::CalibrationCase;
use zakupka_core::{Visit, VisitStatus};

use super::Store;
use super::rows::{RowExt, corrupt, ts};
use crate::StoreError;

/// A case and this device's answer to it, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalCase {
    pub case: CalibrationCase,
    /// The newest answer to the case made on this device.
    pub answer: Option<(Uuid, VisitStatus)>,
}

impl Store {
    /// Replaces the cases with the server's list, in one commit. A key, should one come,
    /// is not kept: the auditor's device has no use for it.
    pub fn replace_cases(&self, list: &[CalibrationCase]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM cases", [])?;
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO cases (id, published_at, body) VALUES (?1, ?2, ?3)")?;
            for case in list {
                let kept = CalibrationCase {
                    key: None,
                    ..case.clone()
                };
                let body = serde_json::to_string(&kept).map_err(|e| corrupt("case", e))?;
                insert.execute(params![case.id.to_string(), ts(case.published_at), body])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn case(&self, id: Uuid) -> Result<Option<CalibrationCase>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM cases WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.json::<CalibrationCase>(0))
            .optional()?)
    }

    /// The cases, newest first, each with its answer on this device.
    pub fn cases(&self) -> Result<Vec<LocalCase>, StoreError> {
        let list = self
            .conn
            .prepare_cached("SELECT body FROM cases ORDER BY published_at DESC, id")?
            .query_map([], |r| r.json::<CalibrationCase>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut answer = self.conn.prepare_cached(
            "SELECT id, status FROM visits WHERE case_id = ?1 ORDER BY started_at DESC LIMIT 1",
        )?;
        let mut out = Vec::with_capacity(list.len());
        for case in list {
            let found = answer
                .query_row([case.id.to_string()], |r| {
                    Ok((r.text::<Uuid>(0)?, r.text::<VisitStatus>(1)?))
                })
                .optional()?;
            out.push(LocalCase {
                case,
                answer: found,
            });
        }
        Ok(out)
    }

    /// Starts an answer to case `case_id` by `auditor`: a draft visit of the case's
    /// checklist and scenario, with no office.
    pub fn start_case(
        &self,
        case_id: Uuid,
        auditor: &str,
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        let case = self
            .case(case_id)?
            .ok_or_else(|| StoreError::UnknownCase(case_id.to_string()))?;
        let template = self.template(&case.template_id, case.template_version)?;
        let first_section = template
            .sections
            .first()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let id = Uuid::now_v7();
        self.conn.execute(
            "INSERT INTO visits (id, template_id, template_version, office_id, auditor, scenario,
                                 started_at, status, position, updated_at, case_id)
             VALUES (?1, ?2, ?3, '', ?4, ?5, ?6, 'draft', ?7, ?6, ?8)",
            params![
                id.to_string(),
                case.template_id,
                case.template_version,
                auditor,
                case.scenario,
                ts(now),
                first_section,
                case_id.to_string()
            ],
        )?;
        self.visit(id)
    }
}
