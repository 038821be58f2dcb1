//! The local store. Every method that changes data runs in one transaction and returns only
//! after it is committed, so whatever the UI shows as saved is on disk.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zakupka_core::{
    Answer, AnswerValue, Directory, PhotoRef, Template, Visit, VisitStatus, photo_type,
};

use crate::StoreError;
use crate::schema;

pub use zakupka_core::wire::{MAX_PHOTO_BYTES, MAX_PHOTOS_PER_ANSWER as MAX_PHOTOS_PER_ITEM};

pub struct Store {
    pub(crate) conn: Connection,
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

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn parse_ts(what: &str, s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            what: what.to_owned(),
            detail: format!("time `{s}`: {e}"),
        })
}

pub(crate) fn corrupt(what: impl Into<String>, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        detail: e.to_string(),
    }
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
    /// Opens (creating if needed) the store in the file `path`, with photos in a sibling
    /// file `<path>-media`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, OpenFlags::default())
    }

    /// Opens an existing store without ever writing to it: every change is refused with
    /// [`StoreError::ReadOnly`]. This is the state SQLite itself falls back to when the
    /// device will not let the app write the file, and how a copy taken off a device can
    /// be looked at without altering it.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let mut flags = OpenFlags::default();
        flags.remove(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE);
        flags.insert(OpenFlags::SQLITE_OPEN_READ_ONLY);
        Self::open_with(path, flags)
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        let open_err = |source| StoreError::Open {
            path: shown.clone(),
            source,
        };
        let mut media = path.as_os_str().to_owned();
        media.push("-media");
        let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        // Touching the schema is what detects a file that is not a database.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(open_err)?;
        conn.execute("ATTACH DATABASE ?1 AS media", [media.to_string_lossy()])
            .map_err(open_err)?;
        conn.query_row("SELECT count(*) FROM media.sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|source| StoreError::Open {
            path: media.to_string_lossy().into_owned(),
            source,
        })?;
        schema::configure(&conn, true).map_err(open_err)?;
        Self::finish_open(conn, shown)
    }

    /// A store that lives in memory only: for tests, and the web build's starting point.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Self::from_snapshots(None, None)
    }

    /// Rebuilds an in-memory store from bytes made by [`Store::snapshot`].
    pub fn from_snapshots(
        main: Option<Vec<u8>>,
        media: Option<Vec<u8>>,
    ) -> Result<Store, StoreError> {
        let shown = "browser storage".to_owned();
        let open_err = |source| StoreError::Open {
            path: shown.clone(),
            source,
        };
        let mut conn = Connection::open_in_memory().map_err(open_err)?;
        conn.execute("ATTACH DATABASE ':memory:' AS media", [])
            .map_err(open_err)?;
        for (schema, bytes) in [("main", main), ("media", media)] {
            if let Some(bytes) = bytes.filter(|b| !b.is_empty()) {
                let len = bytes.len();
                conn.deserialize_read_exact(schema, bytes.as_slice(), len, false)
                    .map_err(open_err)?;
                conn.query_row(
                    &format!("SELECT count(*) FROM {schema}.sqlite_master"),
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(open_err)?;
            }
        }
        schema::configure(&conn, false).map_err(open_err)?;
        Self::finish_open(conn, shown)
    }

    fn finish_open(mut conn: Connection, path: String) -> Result<Store, StoreError> {
        schema::migrate(&mut conn, &path)?;
        // Deleting a draft removes its row first; photos left by a crash in between go here.
        // A database the app may not write is still opened, so the auditor can see what is
        // in it; the leftovers wait for a later start.
        if !conn.is_readonly("media")? {
            conn.execute(
                "DELETE FROM media.photos WHERE visit_id NOT IN (SELECT id FROM main.visits)",
                [],
            )?;
        }
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Store {
            conn,
            path,
            templates: RefCell::default(),
        })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The bytes of the main database (visits, answers) or, with `media`, of the photos.
    pub fn snapshot(&mut self, media: bool) -> Result<Vec<u8>, StoreError> {
        let data = self.conn.serialize(if media { "media" } else { "main" })?;
        Ok(data.to_vec())
    }

    /// `PRAGMA integrity_check` of both databases; `Ok` holds what SQLite reported.
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for schema in ["main", "media"] {
            let mut stmt = self
                .conn
                .prepare(&format!("PRAGMA {schema}.integrity_check"))?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    /// For tests of a full disk: caps each database at its current size plus `extra`
    /// pages (`None` lifts the cap). SQLite then refuses to grow a database with the same
    /// SQLITE_FULL it reports when the device has no space left. Not for the app.
    #[doc(hidden)]
    pub fn limit_growth(&self, extra: Option<i64>) -> Result<(), StoreError> {
        for schema in ["main", "media"] {
            let pages: i64 = self
                .conn
                .pragma_query_value(Some(schema), "page_count", |r| r.get(0))?;
            // SQLite clamps the cap to what it supports.
            let cap = extra.map_or(i64::from(u32::MAX), |e| pages + e.max(0));
            self.conn
                .pragma_update(Some(schema), "max_page_count", cap)?;
        }
        Ok(())
    }

    fn tx(&self) -> Result<Transaction<'_>, StoreError> {
        // IMMEDIATE: take the write lock up front, so a second process (the sync worker of
        // a later version) cannot make us fail half-way through.
        Ok(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        )?)
    }

    // --- settings -------------------------------------------------------------------

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    // --- templates and directory ----------------------------------------------------

    /// Stores a template version. Storing the same version again is a no-op; a different
    /// body under an existing version is refused, since visits were scored against it.
    pub fn import_template(&self, template: &Template) -> Result<(), StoreError> {
        let body = serde_json::to_string(template).map_err(|e| corrupt("template", e))?;
        let existing: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM templates WHERE id = ?1 AND version = ?2",
                params![template.id, template.version],
                |r| r.get(0),
            )
            .optional()?;
        match existing {
            Some(old) if old == body => Ok(()),
            Some(old) => {
                let old: Template =
                    serde_json::from_str(&old).map_err(|e| corrupt("template", e))?;
                if &old == template {
                    Ok(())
                } else {
                    Err(StoreError::TemplateConflict {
                        id: template.id.clone(),
                        version: template.version,
                    })
                }
            }
            None => {
                self.conn.execute(
                    "INSERT INTO templates (id, version, body) VALUES (?1, ?2, ?3)",
                    params![template.id, template.version, body],
                )?;
                Ok(())
            }
        }
    }

    pub fn template(&self, id: &str, version: u32) -> Result<Template, StoreError> {
        let found = self
            .conn
            .prepare_cached("SELECT body FROM templates WHERE id = ?1 AND version = ?2")?
            .query_row(params![id, version], |r| {
                self.cached_template(id, version, r, 0)
            })
            .optional()?
            .flatten();
        Ok(Template::clone(&*self.parsed_template(id, version, found)?))
    }

    /// Looks the stored body in column `col` up in the parsed-checklist cache, without
    /// copying it out of SQLite when it is there.
    fn cached_template(
        &self,
        id: &str,
        version: u32,
        row: &rusqlite::Row,
        col: usize,
    ) -> rusqlite::Result<Option<CachedBody>> {
        let body = match row.get_ref(col)? {
            ValueRef::Null => return Ok(None),
            ValueRef::Text(b) | ValueRef::Blob(b) => b,
            other => {
                return Ok(Some(CachedBody::Unparsed(
                    format!("{other:?}").into_bytes(),
                )));
            }
        };
        let cache = self.templates.borrow();
        Ok(Some(match cache.get(&(id.to_owned(), version)) {
            Some((bytes, parsed)) if **bytes == *body => CachedBody::Parsed(parsed.clone()),
            _ => CachedBody::Unparsed(body.to_vec()),
        }))
    }

    fn parsed_template(
        &self,
        id: &str,
        version: u32,
        found: Option<CachedBody>,
    ) -> Result<Arc<Template>, StoreError> {
        match found {
            None => Err(StoreError::TemplateMissing {
                id: id.to_owned(),
                version,
            }),
            Some(CachedBody::Parsed(t)) => Ok(t),
            Some(CachedBody::Unparsed(body)) => {
                let parsed: Arc<Template> = Arc::new(
                    serde_json::from_slice(&body)
                        .map_err(|e| corrupt(format!("checklist {id} v{version}"), e))?,
                );
                self.templates.borrow_mut().insert(
                    (id.to_owned(), version),
                    (body.into_boxed_slice(), parsed.clone()),
                );
                Ok(parsed)
            }
        }
    }

    /// The newest stored version of template `id`.
    pub fn latest_template(&self, id: &str) -> Result<Template, StoreError> {
        let version: Option<u32> = self.conn.query_row(
            "SELECT max(version) FROM templates WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let version = version.ok_or_else(|| StoreError::TemplateMissing {
            id: id.to_owned(),
            version: 0,
        })?;
        self.template(id, version)
    }

    pub fn set_directory(
        &self,
        directory: &Directory,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_string(directory).map_err(|e| corrupt("directory", e))?;
        self.conn.execute(
            "INSERT INTO directory (singleton, body, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (singleton) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![body, ts(now)],
        )?;
        Ok(())
    }

    pub fn directory(&self) -> Result<Option<Directory>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM directory WHERE singleton = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| corrupt("office directory", e)))
            .transpose()
    }

    // --- visits ---------------------------------------------------------------------

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
                    (SELECT count(*) FROM answers a WHERE a.visit_id = v.id AND a.value IS NOT NULL)
             FROM visits v ORDER BY v.started_at DESC, v.id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, office_id, scenario, status, started, updated, answered) = row?;
            out.push(VisitSummary {
                id: Uuid::parse_str(&id).map_err(|e| corrupt("visit id", e))?,
                office_id,
                scenario,
                status: VisitStatus::parse(&status)
                    .ok_or_else(|| corrupt("visit status", &status))?,
                started_at: parse_ts("visit start", &started)?,
                updated_at: parse_ts("visit update", &updated)?,
                answered: answered as usize,
            });
        }
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

    fn touch(tx: &Transaction, visit_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        tx.prepare_cached("UPDATE visits SET updated_at = ?2 WHERE id = ?1")?
            .execute(params![visit_id.to_string(), ts(now)])
            .map_err(frozen(visit_id))?;
        Ok(())
    }

    /// Records the answer to one item, durably, replacing any earlier answer.
    pub fn set_answer(
        &self,
        visit_id: Uuid,
        item_id: &str,
        value: &AnswerValue,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.tx()?;
        let template = self.draft_template(&tx, visit_id)?;
        template.check_answer(item_id, value)?;
        let json = serde_json::to_string(value).map_err(|e| corrupt("answer", e))?;
        tx.prepare_cached(
            "INSERT INTO answers (visit_id, item_id, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (visit_id, item_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )?
        .execute(params![visit_id.to_string(), item_id, json, ts(now)])
        .map_err(frozen(visit_id))?;
        Self::touch(&tx, visit_id, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Takes an answer back (the item becomes unanswered); its comment stays.
    pub fn clear_answer(
        &self,
        visit_id: Uuid,
        item_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.tx()?;
        self.draft_template(&tx, visit_id)?;
        tx.prepare_cached(
            "UPDATE answers SET value = NULL, updated_at = ?3 WHERE visit_id = ?1 AND item_id = ?2",
        )?
        .execute(params![visit_id.to_string(), item_id, ts(now)])
        .map_err(frozen(visit_id))?;
        Self::touch(&tx, visit_id, now)?;
        tx.commit()?;
        Ok(())
    }

    pub fn set_item_comment(
        &self,
        visit_id: Uuid,
        item_id: &str,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.tx()?;
        let template = self.draft_template(&tx, visit_id)?;
        if template.item(item_id).is_none() {
            return Err(zakupka_core::AnswerError::UnknownItem(item_id.to_owned()).into());
        }
        tx.prepare_cached(
            "INSERT INTO answers (visit_id, item_id, value, comment, updated_at) VALUES (?1, ?2, NULL, ?3, ?4)
             ON CONFLICT (visit_id, item_id) DO UPDATE SET comment = excluded.comment, updated_at = excluded.updated_at",
        )?
        .execute(params![visit_id.to_string(), item_id, comment.trim_end(), ts(now)])
        .map_err(frozen(visit_id))?;
        Self::touch(&tx, visit_id, now)?;
        tx.commit()?;
        Ok(())
    }

    fn update_draft(
        &self,
        visit_id: Uuid,
        sql: &str,
        value: &dyn rusqlite::ToSql,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.tx()?;
        self.draft_template(&tx, visit_id)?;
        tx.prepare_cached(sql)?
            .execute(params![visit_id.to_string(), value])
            .map_err(frozen(visit_id))?;
        Self::touch(&tx, visit_id, now)?;
        tx.commit()?;
        Ok(())
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
        self.conn
            .query_row(
                "SELECT position FROM visits WHERE id = ?1",
                [visit_id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::VisitNotFound(visit_id.to_string()))
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
        let s: Option<String> = self
            .conn
            .query_row(
                "SELECT timer_started_at FROM visits WHERE id = ?1",
                [visit_id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::VisitNotFound(visit_id.to_string()))?;
        s.map(|s| parse_ts("timer start", &s)).transpose()
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
        let tx = self.tx()?;
        let template = self.draft_template(&tx, visit_id)?;
        let value = AnswerValue::Number(f64::from(minutes));
        template.check_answer(item_id, &value)?;
        tx.execute(
            "UPDATE visits SET timer_started_at = NULL, waiting_seconds = ?2 WHERE id = ?1",
            params![visit_id.to_string(), seconds],
        )
        .map_err(frozen(visit_id))?;
        tx.execute(
            "INSERT INTO answers (visit_id, item_id, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (visit_id, item_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![visit_id.to_string(), item_id, serde_json::to_string(&value).map_err(|e| corrupt("answer", e))?, ts(now)],
        )
        .map_err(frozen(visit_id))?;
        Self::touch(&tx, visit_id, now)?;
        tx.commit()?;
        Ok(minutes)
    }

    /// Deletes a draft the auditor abandoned. Submitted visits cannot be deleted.
    pub fn delete_draft(&self, visit_id: Uuid) -> Result<(), StoreError> {
        let tx = self.tx()?;
        self.draft_template(&tx, visit_id)?;
        tx.execute("DELETE FROM visits WHERE id = ?1", [visit_id.to_string()])
            .map_err(frozen(visit_id))?;
        tx.commit()?;
        self.conn.execute(
            "DELETE FROM media.photos WHERE visit_id = ?1",
            [visit_id.to_string()],
        )?;
        Ok(())
    }

    // --- photos ---------------------------------------------------------------------

    /// Attaches a photo to an item. The type is read from the bytes, not trusted from the
    /// file name; `name` only appears in the error when the file is not a photo.
    pub fn add_photo(
        &self,
        visit_id: Uuid,
        item_id: &str,
        name: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<PhotoRef, StoreError> {
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(StoreError::PhotoTooLarge {
                size: bytes.len(),
                max: MAX_PHOTO_BYTES,
            });
        }
        let mime = photo_type(bytes)
            .ok_or_else(|| StoreError::UnsupportedPhoto(name.to_owned()))?
            .to_owned();
        let tx = self.tx()?;
        let template = self.draft_template(&tx, visit_id)?;
        let item = template
            .item(item_id)
            .ok_or_else(|| zakupka_core::AnswerError::UnknownItem(item_id.to_owned()))?;
        if !item.allow_photo {
            return Err(StoreError::PhotosNotAllowed(item_id.to_owned()));
        }
        let sha256 = format!("{:x}", Sha256::digest(bytes));
        let count: i64 = tx.query_row(
            "SELECT count(*) FROM media.photos WHERE visit_id = ?1 AND item_id = ?2 AND sha256 <> ?3",
            params![visit_id.to_string(), item_id, sha256],
            |r| r.get(0),
        )?;
        if count as usize >= MAX_PHOTOS_PER_ITEM {
            return Err(StoreError::TooManyPhotos {
                item: item_id.to_owned(),
                max: MAX_PHOTOS_PER_ITEM,
            });
        }
        tx.execute(
            "INSERT OR IGNORE INTO media.photos (visit_id, item_id, sha256, mime, size, bytes, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![visit_id.to_string(), item_id, sha256, mime, bytes.len() as i64, bytes, ts(now)],
        )?;
        Self::touch(&tx, visit_id, now)?;
        tx.commit()?;
        Ok(PhotoRef {
            sha256,
            mime,
            size: bytes.len() as u64,
        })
    }

    pub fn remove_photo(
        &self,
        visit_id: Uuid,
        item_id: &str,
        sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.tx()?;
        self.draft_template(&tx, visit_id)?;
        tx.execute(
            "DELETE FROM media.photos WHERE visit_id = ?1 AND item_id = ?2 AND sha256 = ?3",
            params![visit_id.to_string(), item_id, sha256],
        )?;
        Self::touch(&tx, visit_id, now)?;
        tx.commit()?;
        Ok(())
    }

    /// The bytes and type of a stored photo.
    pub fn photo(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT mime, bytes FROM media.photos WHERE sha256 = ?1 LIMIT 1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    // --- submission and outbox ------------------------------------------------------

    /// Submits a draft: checks that every required item is answered, freezes the visit and
    /// queues it for sync, all in one commit.
    pub fn submit(&self, visit_id: Uuid, now: DateTime<Utc>) -> Result<Visit, StoreError> {
        let tx = self.tx()?;
        let template = self.draft_template(&tx, visit_id)?;
        let visit = load_visit(&tx, visit_id)?;
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
        let visit = load_visit(&tx, visit_id)?;
        let payload = serde_json::to_string(&visit).map_err(|e| corrupt("visit", e))?;
        tx.execute(
            "INSERT INTO outbox (visit_id, revision, payload, queued_at) VALUES (?1, ?2, ?3, ?4)",
            params![visit_id.to_string(), visit.revision, payload, ts(now)],
        )?;
        tx.commit()?;
        Ok(visit)
    }

    /// Outbox entries the server has neither acknowledged nor refused, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        // Sorted here, not by SQLite: there is no index to read them in order, and a sort
        // in SQL carries every payload through its sorter (spilling to a temporary file
        // for a large outbox), about three times the cost of the whole read.
        let mut stmt = self.conn.prepare_cached(
            "SELECT visit_id, revision, payload, queued_at, attempts, last_error, sent_at
             FROM outbox WHERE sent_at IS NULL AND rejected_reason IS NULL",
        )?;
        let mut out = stmt
            .query_map([], outbox_row)?
            .map(|row| row?)
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
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .map(|row| {
                let (id, revision, queued) = row?;
                Ok((
                    parse_ts("outbox time", &queued)?,
                    Uuid::parse_str(&id).map_err(|e| corrupt("outbox visit id", e))?,
                    revision,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        keys.sort();
        Ok(keys.into_iter().map(|(_, id, rev)| (id, rev)).collect())
    }

    /// The entries named by `keys` that are still waiting, in that order.
    pub fn outbox_entries(&self, keys: &[(Uuid, u32)]) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT visit_id, revision, payload, queued_at, attempts, last_error, sent_at
             FROM outbox WHERE visit_id = ?1 AND revision = ?2
                 AND sent_at IS NULL AND rejected_reason IS NULL",
        )?;
        let mut out = Vec::with_capacity(keys.len());
        for (id, revision) in keys {
            if let Some(entry) = stmt
                .query_row(params![id.to_string(), revision], outbox_row)
                .optional()?
            {
                out.push(entry?);
            }
        }
        Ok(out)
    }
}

/// An outbox row as selected by the `outbox*` reads; the outer result is SQLite's, the
/// inner one says whether the row made sense.
#[allow(clippy::type_complexity)]
fn outbox_row(r: &rusqlite::Row) -> rusqlite::Result<Result<OutboxEntry, StoreError>> {
    let id: String = r.get(0)?;
    let queued: String = r.get(3)?;
    let sent: Option<String> = r.get(6)?;
    let (revision, payload, attempts, last_error) = (r.get(1)?, r.get(2)?, r.get(4)?, r.get(5)?);
    Ok((|| {
        Ok(OutboxEntry {
            visit_id: Uuid::parse_str(&id).map_err(|e| corrupt("outbox visit id", e))?,
            revision,
            payload,
            queued_at: parse_ts("outbox time", &queued)?,
            attempts,
            last_error,
            sent_at: sent.map(|s| parse_ts("outbox sent time", &s)).transpose()?,
        })
    })())
}

/// A checklist and the stored bytes it was parsed from.
type ParsedTemplate = (Box<[u8]>, Arc<Template>);

/// A stored checklist body: already parsed, or the bytes still to parse.
enum CachedBody {
    Parsed(Arc<Template>),
    Unparsed(Vec<u8>),
}

fn load_visit(conn: &Connection, id: Uuid) -> Result<Visit, StoreError> {
    let key = id.to_string();
    let row = conn
        .query_row(
            "SELECT template_id, template_version, office_id, auditor, scenario, started_at, finished_at,
                    waiting_seconds, comment, status, revision
             FROM visits WHERE id = ?1",
            [&key],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<u32>>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, u32>(10)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::VisitNotFound(key.clone()))?;
    let (
        template_id,
        template_version,
        office_id,
        auditor,
        scenario,
        started,
        finished,
        waiting,
        comment,
        status,
        revision,
    ) = row;

    let mut photos: BTreeMap<String, Vec<PhotoRef>> = BTreeMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT item_id, sha256, mime, size FROM media.photos WHERE visit_id = ?1 ORDER BY added_at, sha256")?;
    for row in stmt.query_map([&key], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })? {
        let (item, sha256, mime, size) = row?;
        photos.entry(item).or_default().push(PhotoRef {
            sha256,
            mime,
            size: size.max(0) as u64,
        });
    }

    let mut answers = BTreeMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT item_id, value, comment, updated_at FROM answers WHERE visit_id = ?1 ORDER BY item_id")?;
    for row in stmt.query_map([&key], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })? {
        let (item, value, comment, updated) = row?;
        let value = value
            .map(|v| {
                serde_json::from_str::<AnswerValue>(&v)
                    .map_err(|e| corrupt(format!("answer to {item}"), e))
            })
            .transpose()?;
        let item_photos = photos.remove(&item).unwrap_or_default();
        answers.insert(
            item.clone(),
            Answer {
                value,
                comment,
                photos: item_photos,
                updated_at: parse_ts("answer time", &updated)?,
            },
        );
    }
    // Photos can come before any answer or comment on their item.
    for (item, item_photos) in photos {
        answers.insert(
            item,
            Answer {
                value: None,
                comment: String::new(),
                photos: item_photos,
                updated_at: parse_ts("visit start", &started)?,
            },
        );
    }

    Ok(Visit {
        id,
        template_id,
        template_version,
        office_id,
        auditor,
        scenario,
        started_at: parse_ts("visit start", &started)?,
        finished_at: finished.map(|f| parse_ts("visit finish", &f)).transpose()?,
        waiting_seconds: waiting,
        comment,
        status: VisitStatus::parse(&status).ok_or_else(|| corrupt("visit status", &status))?,
        revision,
        answers,
    })
}
