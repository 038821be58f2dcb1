//! Backup and restore of the whole database, photos included (they are rows of it), with
//! SQLite's online backup API: a backup taken while the server serves is one consistent
//! commit, never a torn copy of a live WAL database.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

/// What a backup or restore copied, for the operator to check at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub users: i64,
    pub visits: i64,
    pub photos: i64,
}

impl std::fmt::Display for Copied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} users, {} visit revisions, {} photos",
            self.users, self.visits, self.photos
        )
    }
}

/// Copies the database at `db` into `to`, consistent as of one commit, while servers and
/// commands may keep writing. The copy is written beside `to` and renamed into place only
/// when complete and checked, so `to` is never a half-written file.
pub fn backup(db: &Path, to: &Path) -> anyhow::Result<Copied> {
    let source = open_existing(db)?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let partial = sibling(to, "partial");
    let _ = std::fs::remove_file(&partial);
    let copied = (|| {
        let mut copy = Connection::open(&partial)?;
        copy_all(&source, &mut copy)?;
        // One self-contained file: no WAL beside it to lose when it is moved.
        copy.pragma_update(None, "journal_mode", "DELETE")?;
        check(&copy).context("the copy does not read back whole")?;
        let copied = count(&copy)?;
        copy.close().map_err(|(_, e)| e)?;
        std::fs::File::open(&partial)?.sync_all()?;
        anyhow::Ok(copied)
    })()
    .with_context(|| format!("writing {}", partial.display()));
    let copied = match copied {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, to)
        .with_context(|| format!("moving the copy to {}", to.display()))?;
    sync_dir(to);
    Ok(copied)
}

/// Replaces the database at `db` with the backup `from`. Refuses a database that holds
/// users or visits unless `force`: a restore aimed at the wrong file must not wipe it.
/// The server must be stopped meanwhile (its connections would read the new content, but
/// its caches would not).
pub fn restore(from: &Path, db: &Path, force: bool) -> anyhow::Result<Copied> {
    let source = open_existing(from)?;
    check(&source).with_context(|| format!("{} is damaged", from.display()))?;
    let version: i64 = source.pragma_query_value(None, "user_version", |r| r.get(0))?;
    anyhow::ensure!(
        version >= 1 && has_table(&source, "visits")?,
        "{} is not a Zakupka database",
        from.display()
    );
    anyhow::ensure!(
        version <= crate::db::SCHEMA_STEPS,
        "{} was written by a newer zakupka-server (schema {version}, this one knows {})",
        from.display(),
        crate::db::SCHEMA_STEPS
    );
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut target = Connection::open(db).with_context(|| format!("opening {}", db.display()))?;
    target.busy_timeout(Duration::from_secs(5))?;
    if has_table(&target, "visits")? {
        let present = count(&target)?;
        anyhow::ensure!(
            force || (present.users == 0 && present.visits == 0),
            "{} is not empty ({present}); restoring would replace them: give --force to do it anyway",
            db.display()
        );
    }
    copy_all(&source, &mut target)?;
    let copied = count(&target)?;
    drop(target);
    // Brings an older backup's schema up to this server's.
    crate::Db::open(db)?;
    Ok(copied)
}

/// The whole database in one step: one read transaction on the source, so the copy is one
/// commit; in WAL mode the writers go on meanwhile.
fn copy_all(source: &Connection, target: &mut Connection) -> anyhow::Result<()> {
    use rusqlite::backup::StepResult;
    let backup = Backup::new(source, target)?;
    // -1: every page in this step. Busy or locked (a checkpoint or a restore elsewhere
    // holding a lock): wait a little and try again, a bounded number of times.
    for _ in 0..200 {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    anyhow::bail!("the database stayed locked for 10 s: try again")
}

fn open_existing(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {} (it must exist)", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

fn check(conn: &Connection) -> anyhow::Result<()> {
    let verdict: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    anyhow::ensure!(verdict == "ok", "integrity check: {verdict}");
    Ok(())
}

fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")?
        .exists([name])
}

fn count(conn: &Connection) -> anyhow::Result<Copied> {
    let n = |table: &str| -> anyhow::Result<i64> {
        Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    };
    Ok(Copied {
        users: n("users")?,
        visits: n("visits")?,
        photos: n("photos")?,
    })
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}"));
    path.with_file_name(name)
}

/// Makes the rename itself durable; best effort (not every platform opens directories).
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}
