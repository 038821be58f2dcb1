//! What the store keeps about sync: which outbox entries the server has, which it refused
//! and why, where each visit stands in review, and the pull cursor.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::wire::{PullResponse, Refusal, ReviewState, VisitUpdate};
use zakupka_core::{Visit, VisitStatus};

use super::Store;
use super::rows::{RowExt, Text, corrupt, refusal_name, ts};
use super::settings::put_setting;
use crate::StoreError;

pub(super) const CURSOR_KEY: &str = "sync.cursor";
pub(super) const LAST_SYNC_KEY: &str = "sync.last";

/// Where a visit stands, as the auditor's home screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncState {
    Draft,
    /// Submitted on the device, not yet on the server.
    Waiting {
        attempts: u32,
        last_error: Option<String>,
    },
    /// The server refused it: `code` says why, for the app to word; `reason` is the
    /// server's English text, for support.
    Refused {
        code: Refusal,
        reason: String,
    },
    /// On the server, waiting for review.
    Synced,
    Returned {
        comment: String,
    },
    Approved,
    Rejected {
        comment: String,
    },
}

/// What happened to one outbox entry in a push.
#[derive(Debug, Clone, PartialEq)]
pub enum PushOutcome {
    /// The server has it (accepted now or before).
    Stored,
    /// The server will not take it: `code` says why, `reason` is the server's English.
    Refused { code: Refusal, reason: String },
    /// Not sent or not answered: try again later.
    Retry(String),
}

impl Store {
    pub fn sync_cursor(&self) -> Result<u64, StoreError> {
        Ok(self
            .setting(CURSOR_KEY)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    pub fn last_sync(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [LAST_SYNC_KEY],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records the outcome of pushing the entries; all in one commit.
    pub fn record_push(
        &self,
        outcomes: &[(Uuid, u32, PushOutcome)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        for (id, revision, outcome) in outcomes {
            match outcome {
                PushOutcome::Stored => {
                    tx.prepare_cached(
                        "UPDATE outbox SET sent_at = ?3 WHERE visit_id = ?1 AND revision = ?2",
                    )?
                    .execute(params![id.to_string(), revision, ts(now)])?;
                    // A stored correction replaces the return it answered; an older revision
                    // acknowledged late changes nothing.
                    tx.prepare_cached(
                        "INSERT INTO remote (visit_id, revision, state, updated_at) VALUES (?1, ?2, 'submitted', ?3)
                         ON CONFLICT (visit_id) DO UPDATE SET revision = excluded.revision, state = 'submitted',
                             comment = '', item_comments = '{}', updated_at = excluded.updated_at
                         WHERE excluded.revision > remote.revision",
                    )?
                    .execute(
                        params![id.to_string(), revision, ts(now)],
                    )?;
                }
                PushOutcome::Refused { code, reason } => {
                    tx.prepare_cached(
                        "UPDATE outbox SET rejected_reason = ?3, rejected_code = ?4, attempts = attempts + 1
                         WHERE visit_id = ?1 AND revision = ?2",
                    )?
                    .execute(params![id.to_string(), revision, reason, refusal_name(*code)])?;
                }
                PushOutcome::Retry(error) => {
                    tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = ?3 WHERE visit_id = ?1 AND revision = ?2")?.execute(
                        params![id.to_string(), revision, error],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Applies a pull in one commit: templates, directory, review states of this device's
    /// visits, and the cursor last, so an interrupted pull is simply repeated; the last page
    /// also records when the device last synced.
    pub fn apply_pull(&self, pull: &PullResponse, now: DateTime<Utc>) -> Result<(), StoreError> {
        let plan = plan_incoming(&self.visit_ids()?, pull);
        let tx = self.conn.unchecked_transaction()?;
        for template in &pull.templates {
            match self.import_template(template) {
                Ok(()) => {}
                // A server that changed a published version is wrong; keep what visits used.
                Err(StoreError::TemplateConflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if let Some(directory) = &pull.directory {
            self.set_directory(directory, now)?;
        }
        for update in plan {
            tx.prepare_cached("INSERT INTO remote (visit_id, revision, state, comment, item_comments, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (visit_id) DO UPDATE SET revision = excluded.revision, state = excluded.state,
                     comment = excluded.comment, item_comments = excluded.item_comments, updated_at = excluded.updated_at")?.execute(
                params![
                    update.visit_id.to_string(),
                    update.revision,
                    update.state.as_str(),
                    update.comment,
                    serde_json::to_string(&update.item_comments).map_err(|e| corrupt("item comments", e))?,
                    ts(now)
                ],
            )?;
        }
        super::notifications::store_pulled(&tx, &pull.notifications, now)?;
        put_setting(&tx, CURSOR_KEY, &pull.next_cursor.to_string())?;
        // The last page of a pull ends a sync: its time goes into the same commit.
        if !pull.more {
            put_setting(&tx, LAST_SYNC_KEY, &ts(now))?;
        }
        tx.commit()?;
        Ok(())
    }

    fn visit_ids(&self) -> Result<std::collections::HashSet<Uuid>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM visits")?;
        let ids = stmt.query_map([], |r| r.text(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// Every visit's sync state.
    pub fn sync_states(&self) -> Result<HashMap<Uuid, SyncState>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT v.id, {STATE_COLUMNS} FROM visits v {STATE_JOINS}"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.text::<Uuid>(0)?, sync_state(r, 1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The columns that say where the visit `v` stands, read by [`sync_state`]; the query
/// joins [`STATE_JOINS`] after `FROM visits v`.
pub(super) const STATE_COLUMNS: &str = "v.status, o.attempts, o.last_error, o.rejected_reason, \
     o.sent_at, r.state, r.comment, o.rejected_code";
/// The newest revision's outbox entry says where the visit stands, and the server's word
/// on the visit's current revision.
pub(super) const STATE_JOINS: &str = "LEFT JOIN outbox o ON o.visit_id = v.id \
         AND o.revision = (SELECT max(revision) FROM outbox WHERE visit_id = v.id) \
     LEFT JOIN remote r ON r.visit_id = v.id AND r.revision = v.revision";

/// Reads [`STATE_COLUMNS`], the first at `at`.
pub(super) fn sync_state(r: &rusqlite::Row, at: usize) -> rusqlite::Result<SyncState> {
    let status = r.text::<VisitStatus>(at)?;
    let attempts = r.get::<_, Option<u32>>(at + 1)?;
    let last_error = r.get::<_, Option<String>>(at + 2)?;
    let refused = r.get::<_, Option<String>>(at + 3)?;
    let sent = r.get::<_, Option<String>>(at + 4)?;
    let remote = r.get::<_, Option<String>>(at + 5)?;
    let comment = r.get::<_, Option<String>>(at + 6)?;
    let code = r.get::<_, Option<Text<Refusal>>>(at + 7)?.map(|c| c.0);
    Ok(
        match (
            status,
            refused,
            sent,
            remote.as_deref().and_then(ReviewState::parse),
        ) {
            (VisitStatus::Draft, ..) => SyncState::Draft,
            (_, Some(reason), _, _) => SyncState::Refused {
                code: code.unwrap_or_default(),
                reason,
            },
            (_, None, _, Some(ReviewState::Returned)) => SyncState::Returned {
                comment: comment.unwrap_or_default(),
            },
            (_, None, _, Some(ReviewState::Approved)) => SyncState::Approved,
            (_, None, _, Some(ReviewState::Rejected)) => SyncState::Rejected {
                comment: comment.unwrap_or_default(),
            },
            (_, None, Some(_), _) | (_, None, None, Some(ReviewState::Submitted)) => {
                SyncState::Synced
            }
            (_, None, None, None) => SyncState::Waiting {
                attempts: attempts.unwrap_or(0),
                last_error,
            },
        },
    )
}

/// What a supervisor said about a visit, as last pulled.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewNotes {
    pub revision: u32,
    pub state: ReviewState,
    pub comment: String,
    pub item_comments: std::collections::BTreeMap<String, String>,
}

impl Store {
    pub fn review_notes(&self, visit_id: Uuid) -> Result<Option<ReviewNotes>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT revision, state, comment, item_comments FROM remote WHERE visit_id = ?1",
                [visit_id.to_string()],
                |r| {
                    Ok(ReviewNotes {
                        revision: r.get(0)?,
                        state: r.text(1)?,
                        comment: r.get(2)?,
                        item_comments: r.json(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Opens a returned visit for correction: it becomes a draft again as the next
    /// revision, with every answer as it was. Only a visit the supervisor returned can be.
    pub fn reopen_returned(&self, visit_id: Uuid, now: DateTime<Utc>) -> Result<Visit, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let visit = self.visit(visit_id)?;
        let notes = self.review_notes(visit_id)?;
        let returned = matches!(&notes, Some(n) if n.state == ReviewState::Returned && n.revision == visit.revision);
        if visit.status != VisitStatus::Submitted || !returned {
            return Err(StoreError::VisitNotEditable(visit_id.to_string()));
        }
        tx.execute(
            "UPDATE visits SET status = 'draft', revision = revision + 1, updated_at = ?2 WHERE id = ?1",
            params![visit_id.to_string(), ts(now)],
        )?;
        tx.commit()?;
        self.visit(visit_id)
    }
}

/// Which review updates of a pull concern visits on this device. Pure, so it is tested
/// without a network or a database.
pub fn plan_incoming<'a>(
    local: &std::collections::HashSet<Uuid>,
    pull: &'a PullResponse,
) -> Vec<&'a VisitUpdate> {
    pull.visits
        .iter()
        .filter(|u| local.contains(&u.visit_id))
        .collect()
}
