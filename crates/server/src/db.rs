//! The server's embedded SQLite database: one writer connection behind a mutex, used from
//! blocking threads. Schema steps are tracked by `PRAGMA user_version`, as on the device.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::error::AppError;

const STEPS: &[&str] = &[
    r#"
CREATE TABLE users (
    login TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('auditor', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    login TEXT NOT NULL REFERENCES users (login),
    device_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
-- The monotonic sequence devices pull by: every change a device may need is one row.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('directory', 'template', 'visit')),
    ref TEXT NOT NULL,
    auditor TEXT
);
CREATE INDEX changes_by_auditor ON changes (auditor, seq);
CREATE TABLE templates (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE TABLE directory (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    body TEXT NOT NULL
);
CREATE TABLE visits (
    id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    auditor TEXT NOT NULL,
    office_id TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    payload TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    device_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- The visit's score in percent (NULL: nothing scorable) and by section, as JSON.
    score REAL,
    section_scores TEXT NOT NULL,
    PRIMARY KEY (id, revision)
);
CREATE INDEX visits_by_auditor ON visits (auditor);
CREATE TABLE visit_photos (
    visit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (visit_id, revision, item_id, sha256)
);
CREATE INDEX visit_photos_by_sha ON visit_photos (sha256);
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    received_at TEXT NOT NULL
);
-- Where each visit stands in review; its latest row is what the auditor's phone shows.
CREATE TABLE reviews (
    visit_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('submitted', 'returned', 'approved', 'rejected')),
    comment TEXT NOT NULL DEFAULT '',
    item_comments TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
"#,
    r#"
-- Every submission and review decision, never changed or removed.
CREATE TABLE review_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    by_login TEXT NOT NULL,
    at TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    item_comments TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX review_log_by_visit ON review_log (visit_id, seq);
CREATE TRIGGER review_log_no_update BEFORE UPDATE ON review_log
BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
CREATE TRIGGER review_log_no_delete BEFORE DELETE ON review_log
BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
"#,
    r#"
-- The rating: methodology versions, KPI figures per quarter, and published quarters,
-- which are frozen with the methodology version they were computed with.
CREATE TABLE methodologies (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE TABLE kpis (
    quarter TEXT NOT NULL,
    branch_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (quarter, branch_id, key)
);
CREATE TABLE published (
    quarter TEXT PRIMARY KEY,
    methodology_id TEXT NOT NULL,
    methodology_version INTEGER NOT NULL,
    tables TEXT NOT NULL,
    published_at TEXT NOT NULL,
    by_login TEXT NOT NULL
);
CREATE TRIGGER published_frozen BEFORE UPDATE ON published
BEGIN SELECT RAISE(ABORT, 'a published quarter is frozen'); END;
CREATE TRIGGER published_kept BEFORE DELETE ON published
BEGIN SELECT RAISE(ABORT, 'a published quarter is frozen'); END;
"#,
    r#"
-- The branch an auditor works for: they may not audit its offices.
ALTER TABLE users ADD COLUMN branch_id TEXT;
-- Visits supervisors ask auditors to make. Cancelling keeps the row, for the record.
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    auditor TEXT NOT NULL REFERENCES users (login),
    office_id TEXT NOT NULL,
    quarter TEXT NOT NULL,
    scenario TEXT NOT NULL,
    due TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    cancelled_at TEXT
);
CREATE INDEX assignments_by_auditor ON assignments (auditor, office_id, quarter);
CREATE INDEX visits_by_auditor_office ON visits (auditor, office_id, started_at);
"#,
    r#"
-- Times the device clock may have got wrong (JSON list of flags), judged at receipt.
ALTER TABLE visits ADD COLUMN time_flags TEXT NOT NULL DEFAULT '[]';
"#,
];

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> anyhow::Result<Db> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> anyhow::Result<Db> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a visit acknowledged to a device is on disk, whatever happens next.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        anyhow::ensure!(
            found <= STEPS.len() as i64,
            "the database was written by a newer zakupka-server (schema {found}, this one knows {})",
            STEPS.len()
        );
        for (n, step) in STEPS.iter().enumerate().skip(found as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", n as i64 + 1)?;
            tx.commit()?;
        }
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn call<R, F>(&self, f: F) -> Result<R, AppError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, AppError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&conn)))
            .await
            .map_err(|e| AppError::Internal(format!("database task: {e}")))?
    }

    /// The same, for command-line tools that are not inside a request.
    pub fn blocking<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, AppError>,
    ) -> Result<R, AppError> {
        f(&mut lock(&self.conn))
    }
}

/// The connection, even after a panic while another caller held it: every use is a
/// transaction, which an unwinding panic rolls back as it drops, so the connection is
/// sound, and one failed request must not make every later one fail.
fn lock(conn: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|poisoned| {
        conn.clear_poison();
        poisoned.into_inner()
    })
}
