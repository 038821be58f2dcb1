//! Opening a store (a file on desktop, the page store in the browser, memory in tests) and looking at it as a whole:
//! snapshots, the integrity check, the growth cap of the full-disk tests.

use std::cell::RefCell;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{STATEMENT_CACHE, Store};
use crate::{StoreError, pages, schema};

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

    /// Opens (creating if needed) the store in the page store registered as the SQLite VFS
    /// `vfs` (see [`crate::pages`]): the browser's store, and its tests.
    pub fn open_paged(vfs: &str) -> Result<Store, StoreError> {
        let shown = "browser storage".to_owned();
        let open_err = |source| StoreError::Open {
            path: shown.clone(),
            source,
        };
        let conn = Connection::open_with_flags_and_vfs(pages::MAIN_FILE, OpenFlags::default(), vfs)
            .map_err(open_err)?;
        // Journal mode first, before anything could write a page.
        schema::configure_paged(&conn, "main").map_err(open_err)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(open_err)?;
        // An attached database uses the connection's VFS.
        conn.execute("ATTACH DATABASE ?1 AS media", [pages::MEDIA_FILE])
            .map_err(open_err)?;
        schema::configure_paged(&conn, "media").map_err(open_err)?;
        conn.query_row("SELECT count(*) FROM media.sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(open_err)?;
        schema::configure(&conn, false).map_err(open_err)?;
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
}
