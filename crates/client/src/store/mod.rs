//! The local store. Every method that changes data runs in one transaction and returns only
//! after it is committed, so whatever the UI shows as saved is on disk.
//!
//! One file per concern: `open` (opening and whole-store operations), `settings`,
//! `templates` (checklists and the directory), `drafts` (a visit being filled in),
//! `photos`, `listing` (the home screen's lists, a page at a time), `notifications` (the inbox), `outbox` (submission and what waits for sync), `remote` (what the server
//! said), `assignments`, `owner` (whose data it is; handing the device to another user), and `rows` (how rows become domain values). Every change to a
//! draft goes through [`Store::edit_draft`].

mod action_photos;
mod actions;
mod assignments;
mod cases;
mod drafts;
mod listing;
mod notifications;
mod open;
mod outbox;
mod owner;
mod photos;
mod remote;
mod retention;
mod rows;
mod settings;
mod templates;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zakupka_core::{Template, VisitStatus};

use crate::StoreError;
pub use actions::{ActionOp, ActionOpKind, ActionOpOutcome, LocalAction, apply_step};
pub use assignments::LocalAssignment;
pub use cases::LocalCase;
pub use drafts::Moment;
pub use listing::{ListedVisit, PageAfter, VisitPage};
pub use notifications::LocalNotification;
pub use owner::Owner;
pub use photos::PhotoKept;
pub use remote::{PushOutcome, ReviewNotes, SyncState, plan_incoming};
pub use retention::{DEFAULT_PHOTO_RETENTION_DAYS, Expired};
use rows::ts;
use templates::ParsedTemplate;

pub use zakupka_core::wire::{MAX_PHOTO_BYTES, MAX_PHOTOS_PER_ANSWER as MAX_PHOTOS_PER_ITEM};

pub struct Store {
    conn: Connection,
    /// Where the database lives, for error messages.
    path: String,
    /// Checklists parsed from their stored JSON, keyed by id and version, with the exact
    /// bytes they were parsed from. Every answer is checked against its checklist, and
    /// parsing 40 items on each tap cost more than the commit itself; an entry is used
    /// only while the stored body is byte for byte the one it came from, so the cache can
    /// never disagree with the database, whatever a rolled-back import did.
    templates: RefCell<HashMap<(String, u32), ParsedTemplate>>,
}

/// The statements a visit's saves and reads use, kept prepared beyond rusqlite's default
/// of 16 so that a sync in between does not push the answer's upsert out.
const STATEMENT_CACHE: usize = 64;

/// What the auditor chose when starting a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewVisit {
    pub template_id: String,
    pub template_version: u32,
    pub office_id: String,
    pub auditor: String,
    pub scenario: String,
}

/// One line of the home screen.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitSummary {
    pub id: Uuid,
    pub office_id: String,
    pub scenario: String,
    pub status: VisitStatus,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub answered: usize,
    /// The calibration case this answers, for an answer to a case (no office then).
    pub case_id: Option<Uuid>,
}

/// A submitted visit waiting for (or done with) sync. `payload` is the visit exactly as it
/// will go over the wire, frozen at submission.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub visit_id: Uuid,
    pub revision: u32,
    pub payload: String,
    pub queued_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Maps the schema triggers' refusal to the error the UI explains.
fn frozen(visit_id: Uuid) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match &e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("visit is submitted") => {
            StoreError::VisitNotEditable(visit_id.to_string())
        }
        _ => e.into(),
    }
}

impl Store {
    fn tx(&self) -> Result<Transaction<'_>, StoreError> {
        // IMMEDIATE: take the write lock up front, so a second process (the sync worker of
        // a later version) cannot make us fail half-way through.
        Ok(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        )?)
    }

    /// Every change to a draft: in one write transaction, checks that `visit_id` is a
    /// draft and reads its checklist, lets `f` write, marks the visit as changed at `now`
    /// and commits. Nothing is written if any step fails; a write that meets the schema's
    /// triggers (the visit was submitted meanwhile) becomes [`StoreError::VisitNotEditable`].
    fn edit_draft<T>(
        &self,
        visit_id: Uuid,
        now: DateTime<Utc>,
        f: impl FnOnce(&Transaction, &Template) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.in_draft(visit_id, |tx, template| {
            let out = f(tx, template)?;
            tx.prepare_cached("UPDATE visits SET updated_at = ?2 WHERE id = ?1")?
                .execute(params![visit_id.to_string(), ts(now)])
                .map_err(frozen(visit_id))?;
            Ok(out)
        })
    }

    /// [`Store::edit_draft`] for the two writes that end a draft (submitting, deleting),
    /// which set or drop its change time themselves.
    fn in_draft<T>(
        &self,
        visit_id: Uuid,
        f: impl FnOnce(&Transaction, &Template) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self.tx()?;
        let template = self.draft_template(&tx, visit_id)?;
        let out = f(&tx, &template)?;
        tx.commit()?;
        Ok(out)
    }

    /// The checklist of a draft visit, read in the write transaction `tx`, so that the
    /// visit cannot be submitted between this check and the write that follows.
    fn draft_template(
        &self,
        tx: &Transaction,
        visit_id: Uuid,
    ) -> Result<Arc<Template>, StoreError> {
        // One statement for the visit's state and its checklist: this runs on every tap.
        let mut stmt = tx.prepare_cached(
            "SELECT v.template_id, v.template_version, v.status, t.body
             FROM visits v LEFT JOIN templates t
                 ON t.id = v.template_id AND t.version = v.template_version
             WHERE v.id = ?1",
        )?;
        let row = stmt
            .query_row([visit_id.to_string()], |r| {
                let (tid, tver) = (r.get::<_, String>(0)?, r.get::<_, u32>(1)?);
                let draft = r.get_ref(2)?.as_str()? == VisitStatus::Draft.as_str();
                let body = self.cached_template(&tid, tver, r, 3)?;
                Ok((tid, tver, draft, body))
            })
            .optional()?;
        let (tid, tver, draft, body) =
            row.ok_or_else(|| StoreError::VisitNotFound(visit_id.to_string()))?;
        if !draft {
            return Err(StoreError::VisitNotEditable(visit_id.to_string()));
        }
        self.parsed_template(&tid, tver, body)
    }
}
