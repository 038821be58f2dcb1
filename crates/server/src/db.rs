//! The server's embedded SQLite database: one writer connection behind a mutex, used from
//! blocking threads. Schema steps are tracked by `PRAGMA user_version`, as on the device.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension};

use crate::error::AppError;

#[path = "db_steps.rs"]
mod steps;
use steps::STEPS;

/// The schema version this server writes (`PRAGMA user_version`).
pub const SCHEMA_STEPS: i64 = STEPS.len() as i64;

/// Pages the WAL may grow to before the writer checkpoints it itself, in its commits (a
/// backstop, about 100 MB). The checkpoint thread copies pages long before, but the WAL
/// only starts over from its beginning once it has been copied whole before the next write,
/// which under a steady stream of pushes waits for a pause; meanwhile it grows.
const WRITER_CHECKPOINT_PAGES: i64 = 25_000;
/// What is left of the WAL file after it starts over: a storm's worth of it is given back.
const WAL_KEPT_BYTES: i64 = 32 * 1024 * 1024;
/// Reader connections of a database on disk.
const READERS: usize = 4;
/// The writer's page cache in KiB.
const WRITER_CACHE_KIB: i64 = 32 * 1024;
/// How often the checkpoint thread copies committed pages from the WAL into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

#[derive(Clone)]
pub struct Db {
    writer: Arc<Gate>,
    /// More connections for the reads on every request's path (who holds this token,
    /// what the directory is): in WAL mode they read the last commit without waiting for
    /// the writer, which under load is mostly waiting for the disk. Several, taken in
    /// turn, so that a wave of requests is not one queue. None in memory.
    readers: Vec<Arc<Gate>>,
    next_reader: Arc<std::sync::atomic::AtomicUsize>,
}

/// A connection and the queue in front of it. Requests wait for their turn here, as
/// tasks, rather than each on a blocking thread of its own: two hundred devices at once
/// would otherwise mean two hundred threads parked on the mutex.
struct Gate {
    conn: Mutex<Connection>,
    turn: tokio::sync::Semaphore,
}

impl Gate {
    fn new(conn: Connection) -> Arc<Gate> {
        Arc::new(Gate {
            conn: Mutex::new(conn),
            turn: tokio::sync::Semaphore::new(1),
        })
    }

    async fn run<R, F>(self: &Arc<Self>, f: F) -> Result<R, AppError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, AppError> + Send + 'static,
    {
        // First come, first served (the semaphore is fair). If the caller goes away while
        // the task runs, the task still finishes under the mutex, which stays the lock.
        let _turn = self
            .turn
            .acquire()
            .await
            .map_err(|e| AppError::Internal(format!("database turn: {e}")))?;
        let gate = self.clone();
        tokio::task::spawn_blocking(move || f(&mut *gate.lock()?))
            .await
            .map_err(|e| AppError::Internal(format!("database task: {e}")))?
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, AppError> {
        Ok(lock(&self.conn))
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a visit acknowledged to a device is on disk, whatever happens next.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
}

impl Db {
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let writer = Self::init(Connection::open(path)?)?;
        // Copying the WAL into the database and syncing that file is the bulk of a big
        // commit's time when the commit does it (SQLite's default); a thread of its own
        // does it instead, beside the writer. What a commit has made durable is durable
        // in the WAL already: this moves work, not the moment of safety.
        {
            let w = writer.lock()?;
            w.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
            w.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)?;
            // Room for a whole group of pushes (see `ingest::PushQueue`): with SQLite's
            // default of 2 MiB, a large group's pages spill to the WAL before the commit
            // and are read back, all under the lock.
            w.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        }
        let checkpointer = Connection::open(path)?;
        configure(&checkpointer)?;
        let watched = Arc::downgrade(&writer);
        std::thread::Builder::new()
            .name("zakupka-checkpoint".into())
            .spawn(move || {
                // Ends once the database is closed: nothing is left to copy then.
                while watched.strong_count() > 0 {
                    std::thread::sleep(CHECKPOINT_EVERY);
                    if let Err(e) =
                        checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!("checkpoint: {e}");
                    }
                }
            })?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open(path)?;
                configure(&reader)?;
                reader.pragma_update(None, "query_only", true)?;
                Ok(Gate::new(reader))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Db {
            writer,
            readers,
            next_reader: Default::default(),
        })
    }

    pub fn open_in_memory() -> anyhow::Result<Db> {
        Ok(Db {
            writer: Self::init(Connection::open_in_memory()?)?,
            readers: Vec::new(),
            next_reader: Default::default(),
        })
    }

    fn init(mut conn: Connection) -> anyhow::Result<Arc<Gate>> {
        configure(&conn)?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        anyhow::ensure!(
            found <= STEPS.len() as i64,
            "the database was written by a newer zakupka-server (schema {found}, this one knows {})",
            STEPS.len()
        );
        // A step that rebuilds a table others refer to (SQLite's way to change a CHECK)
        // drops it first: foreign keys are off while steps run, and each step's result is
        // checked before it commits.
        conn.pragma_update(None, "foreign_keys", false)?;
        for (n, step) in STEPS.iter().enumerate().skip(found as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(step)?;
            let broken: Option<String> = tx
                .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
                .optional()?;
            anyhow::ensure!(
                broken.is_none(),
                "schema step {} leaves rows of {broken:?} pointing nowhere",
                n + 1
            );
            tx.pragma_update(None, "user_version", n as i64 + 1)?;
            tx.commit()?;
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        Ok(Gate::new(conn))
    }

    /// Runs `f` with the writer connection on a blocking thread.
    pub async fn call<R, F>(&self, f: F) -> Result<R, AppError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, AppError> + Send + 'static,
    {
        self.writer.run(f).await
    }

    /// Runs `f`, which only reads, with a reader connection: it sees the last commit and
    /// does not wait for the writer. (In memory there is only the writer.)
    pub async fn read<R, F>(&self, f: F) -> Result<R, AppError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, AppError> + Send + 'static,
    {
        let n = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self.readers.get(n % self.readers.len().max(1)) {
            Some(reader) => reader.run(f).await,
            None => self.writer.run(f).await,
        }
    }

    /// The writer, for command-line tools that are not inside a request.
    pub fn blocking<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, AppError>,
    ) -> Result<R, AppError> {
        f(&mut *self.writer.lock()?)
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

#[cfg(test)]
#[path = "db_tests.rs"]
mod tests;
