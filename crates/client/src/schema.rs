//! One connection initializer: pragmas, then the schema brought up to date step by step
//! through `PRAGMA user_version`, each step in its own transaction.
//!
//! Photos live in a second database attached as `media`: answers are written on every tap
//! and must stay small to persist quickly (the web build copies the whole database to
//! IndexedDB after each write), while photos are large and change rarely.

use rusqlite::Connection;

use crate::StoreError;

/// Steps for the main database; step N brings `user_version` from N to N+1. Never edit a
/// released step: append a new one.
const MAIN_STEPS: &[&str] = &[
    r#"
CREATE TABLE templates (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE TABLE directory (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    office_id TEXT NOT NULL,
    auditor TEXT NOT NULL,
    scenario TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    waiting_seconds INTEGER,
    timer_started_at TEXT,
    comment TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    revision INTEGER NOT NULL DEFAULT 1,
    position TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    FOREIGN KEY (template_id, template_version) REFERENCES templates (id, version)
);
CREATE TABLE answers (
    visit_id TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    value TEXT,
    comment TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (visit_id, item_id)
);
CREATE TABLE outbox (
    visit_id TEXT NOT NULL REFERENCES visits (id),
    revision INTEGER NOT NULL,
    payload TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT,
    PRIMARY KEY (visit_id, revision)
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- A submitted visit is evidence: the database itself refuses to change its answers, so no
-- code path, present or future, can alter one by mistake.
CREATE TRIGGER answers_frozen_insert BEFORE INSERT ON answers
WHEN (SELECT status FROM visits WHERE id = NEW.visit_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'visit is submitted'); END;
CREATE TRIGGER answers_frozen_update BEFORE UPDATE ON answers
WHEN (SELECT status FROM visits WHERE id = OLD.visit_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'visit is submitted'); END;
CREATE TRIGGER answers_frozen_delete BEFORE DELETE ON answers
WHEN (SELECT status FROM visits WHERE id = OLD.visit_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'visit is submitted'); END;
CREATE TRIGGER visits_frozen BEFORE UPDATE OF
    template_id, template_version, office_id, auditor, scenario, started_at, finished_at,
    waiting_seconds, comment ON visits
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'visit is submitted'); END;
CREATE TRIGGER visits_frozen_delete BEFORE DELETE ON visits
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'visit is submitted'); END;
"#,
    r#"
-- Sync: what the server said about each outbox entry, and where each visit stands there.
ALTER TABLE outbox ADD COLUMN rejected_reason TEXT;
CREATE TABLE remote (
    visit_id TEXT PRIMARY KEY REFERENCES visits (id),
    revision INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('submitted', 'returned', 'approved', 'rejected')),
    comment TEXT NOT NULL DEFAULT '',
    item_comments TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
"#,
    r#"
-- The auditor's assignments as the server last listed them, replaced whole at each sync.
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL,
    quarter TEXT NOT NULL,
    due TEXT NOT NULL,
    body TEXT NOT NULL
);
"#,
    r#"
-- Why the server refused an outbox entry, as its code (`wire::Refusal` by its wire name,
-- e.g. `unknown_office`), for the app to word in the auditor's language; `rejected_reason`
-- keeps the server's English text for support. Refusals recorded before this step have
-- no code and read as `other`.
ALTER TABLE outbox ADD COLUMN rejected_code TEXT;
"#,
    r#"
-- Photos the server has said it holds (a push that did not ask for them, or an upload it
-- took). Only these may ever leave the device (photo retention). In `main`, beside the
-- outbox whose answers record them, so the sync's writes stay in the small database.
CREATE TABLE photo_uploads (
    sha256 TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
"#,
    r#"
-- One user's data at a time (`store/owner.rs`). A submitted visit may leave the device once
-- the server has every revision of it (or refused it for good): the evidence is kept
-- there. Until then the database itself refuses to delete it or its waiting outbox entry,
-- so no code path, handing the device to another user included, can lose unsent work.
DROP TRIGGER IF EXISTS visits_frozen_delete;
CREATE TRIGGER visits_frozen_delete BEFORE DELETE ON visits
WHEN OLD.status <> 'draft' AND EXISTS (
    SELECT 1 FROM outbox WHERE visit_id = OLD.id AND sent_at IS NULL AND rejected_reason IS NULL)
BEGIN SELECT RAISE(ABORT, 'visit is submitted'); END;
CREATE TRIGGER outbox_unsent_delete BEFORE DELETE ON outbox
WHEN OLD.sent_at IS NULL AND OLD.rejected_reason IS NULL
BEGIN SELECT RAISE(ABORT, 'visit is submitted'); END;
-- A store from before this step belongs to whoever last signed in on it: the app has kept
-- that login under `account.login` since sign-in existed.
INSERT OR IGNORE INTO settings (key, value)
SELECT 'store.owner', value FROM settings WHERE key = 'account.login' AND value <> '';
"#,
    r#"
-- Calibration cases as the server last listed them (without their keys), replaced whole at
-- each sync, so an auditor can answer one with no network. An answer to a case is a visit
-- with `case_id` set and no office; it goes through the outbox like any visit.
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    published_at TEXT NOT NULL,
    body TEXT NOT NULL
);
ALTER TABLE visits ADD COLUMN case_id TEXT;
"#,
    r#"
-- Where the device was when the visit started and finished (presence evidence), as the
-- JSON of `presence::Location`; NULL where it could not say (no permission, a desktop).
ALTER TABLE visits ADD COLUMN start_location TEXT;
ALTER TABLE visits ADD COLUMN finish_location TEXT;
"#,
    r#"
-- The home screen lists drafts and unsent visits whole and the sent ones a page at a time,
-- newest first (`store/listing.rs`): these indexes let it read only the rows it shows.
CREATE INDEX IF NOT EXISTS visits_listed ON visits (status, started_at, id);
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (visit_id) WHERE sent_at IS NULL;
"#,
    r#"
-- Corrective actions (a manager's, or a supervisor's to verify) as the server last listed
-- them, replaced whole at each sync so they read with no network; `body` is the server's
-- JSON. The device's own steps on them (plan, done, verify, reopen) wait in `action_ops`,
-- each with the `op_id` the server deduplicates by, until the server has answered; the
-- screens show them applied on top of the server's version meanwhile. (IF NOT EXISTS: a
-- store rolled back to an earlier step by hand, as the tests do, may still hold them.)
CREATE TABLE IF NOT EXISTS actions (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL,
    due TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS action_ops (
    op_id TEXT PRIMARY KEY,
    action_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('plan', 'done', 'verify', 'reopen')),
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT,
    rejected_code TEXT
);
CREATE INDEX IF NOT EXISTS action_ops_waiting ON action_ops (queued_at) WHERE sent_at IS NULL AND rejected_code IS NULL;
-- A step not yet on the server is work: nothing may delete it.
CREATE TRIGGER IF NOT EXISTS action_ops_unsent_delete BEFORE DELETE ON action_ops
WHEN OLD.sent_at IS NULL AND OLD.rejected_code IS NULL
BEGIN SELECT RAISE(ABORT, 'action step is not sent'); END;
"#,
    r#"
-- The inbox (store/notifications.rs): the server's notifications by their id, the kind's
-- params as JSON; `read_unsent` marks a read made here that the server has not taken yet.
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    read_unsent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS notifications_newest ON notifications (created_at, id);
CREATE INDEX IF NOT EXISTS notifications_unsent ON notifications (id) WHERE read_unsent = 1;
"#,
];

const MEDIA_STEPS: &[&str] = &[
    r#"
CREATE TABLE media.photos (
    visit_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (visit_id, item_id, sha256)
);
"#,
    r#"
-- What the original file's EXIF said (the camera's local time; degrees), kept as evidence.
ALTER TABLE media.photos ADD COLUMN taken_at TEXT;
ALTER TABLE media.photos ADD COLUMN latitude REAL;
ALTER TABLE media.photos ADD COLUMN longitude REAL;
-- Where the bytes are: 'row' in `bytes`; 'blob' outside SQLite (the browser keeps them as
-- a Blob in IndexedDB by SHA-256, `bytes` empty); 'server' only on the server (removed
-- from the device by retention, `bytes` empty).
ALTER TABLE media.photos ADD COLUMN kept TEXT NOT NULL DEFAULT 'row'
    CHECK (kept IN ('row', 'blob', 'server'));
"#,
    r#"
-- Evidence photos of corrective actions, taken on the device (offline too) and uploaded
-- before the step that names them. `op_id` is NULL while the photo is being chosen, then
-- the done step that carries it; `uploaded_at` is set once the server has the bytes.
-- `kept` as in `photos`: 'row' in `bytes`, 'blob' a Blob in the browser.
CREATE TABLE IF NOT EXISTS media.action_photos (
    action_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    kept TEXT NOT NULL DEFAULT 'row' CHECK (kept IN ('row', 'blob')),
    op_id TEXT,
    uploaded_at TEXT,
    added_at TEXT NOT NULL,
    PRIMARY KEY (action_id, sha256)
);
"#,
];

pub const MAIN_SCHEMA_VERSION: i64 = MAIN_STEPS.len() as i64;
pub const MEDIA_SCHEMA_VERSION: i64 = MEDIA_STEPS.len() as i64;

/// Applies the pragmas every connection needs. `durable_files` is false for in-memory
/// databases (the web build), where WAL does not apply.
pub(crate) fn configure(conn: &Connection, durable_files: bool) -> rusqlite::Result<()> {
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if durable_files {
        for schema in ["main", "media"] {
            conn.pragma_update(Some(schema), "journal_mode", "WAL")?;
            // FULL: a commit is on disk before we tell the auditor "saved", even if the
            // phone loses power right after.
            conn.pragma_update(Some(schema), "synchronous", "FULL")?;
        }
    }
    Ok(())
}

/// The pragmas of a database in the page store ([`crate::pages`]), set before its first
/// write. The page store persists only the database files, and only the pages of finished
/// write transactions, all files at once; so:
/// - `journal_mode=MEMORY`: the rollback journal never needs to reach storage, because a
///   half-done transaction never does. ROLLBACK still works (the journal is in memory),
///   and an interrupted commit cannot be left behind, since storage only ever holds what
///   a batch taken between transactions carried. (WAL needs shared memory the VFS lacks,
///   and its log would be persisted pages of its own; OFF would break ROLLBACK.)
/// - `synchronous=OFF`: the VFS's sync is a no-op; durability is the batch's IndexedDB
///   transaction ('strict'), which the app awaits before «Сохранено».
/// - `locking_mode` stays NORMAL: the store learns that a write is over when SQLite
///   releases its write lock, which EXCLUSIVE mode would never do.
/// - `temp_store=MEMORY`: temporary tables and indices are never persisted.
pub(crate) fn configure_paged(conn: &Connection, schema: &str) -> rusqlite::Result<()> {
    let mode: String =
        conn.pragma_update_and_check(Some(schema), "journal_mode", "MEMORY", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("memory") {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(format!("{schema}: journal_mode is {mode}, not MEMORY")),
        ));
    }
    conn.pragma_update(Some(schema), "synchronous", "OFF")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

fn upgrade(
    conn: &mut Connection,
    schema: &str,
    steps: &[&str],
    path: &str,
) -> Result<(), StoreError> {
    let found: i64 = conn.pragma_query_value(Some(schema), "user_version", |r| r.get(0))?;
    let supported = steps.len() as i64;
    if found > supported {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    for (n, step) in steps.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(Some(schema), "user_version", n as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Brings both databases to the current schema.
pub(crate) fn migrate(conn: &mut Connection, path: &str) -> Result<(), StoreError> {
    upgrade(conn, "main", MAIN_STEPS, path)?;
    upgrade(conn, "media", MEDIA_STEPS, path)?;
    Ok(())
}
