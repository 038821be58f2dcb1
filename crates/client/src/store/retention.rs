//! What the server holds of the device's photos, and removing from the device the photos
//! it no longer needs: those of visits the server has decided, after a while, and only
//! those the server has said it holds. Also the browser's tidying of where bytes are kept.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;
use uuid::Uuid;

use super::Store;
use super::rows::ts;
use crate::StoreError;

/// How long photos of a decided visit stay on the device unless the auditor says otherwise.
pub const DEFAULT_PHOTO_RETENTION_DAYS: u32 = 30;
const RETENTION_KEY: &str = "photo_retention_days";

/// What [`Store::expire_photos`] removed.
#[derive(Debug, Default, PartialEq)]
pub struct Expired {
    /// Photo rows whose bytes are now only on the server.
    pub rows: usize,
    /// Photos no row keeps outside SQLite any more: their Blobs are to be deleted.
    pub blobs: Vec<String>,
}

impl Store {
    /// The server answered a push of `visit_id` asking for only `missing`: it holds every
    /// other photo of the visit.
    pub fn photos_acknowledged(
        &self,
        visit_id: Uuid,
        missing: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.tx()?;
        let shas: Vec<String> = tx
            .prepare_cached("SELECT DISTINCT sha256 FROM media.photos WHERE visit_id = ?1")?
            .query_map([visit_id.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for sha in shas.iter().filter(|s| !missing.contains(s)) {
            tx.prepare_cached("INSERT OR IGNORE INTO photo_uploads (sha256, at) VALUES (?1, ?2)")?
                .execute(params![sha, ts(now)])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The server took the upload of photo `sha256`.
    pub fn photo_uploaded(&self, sha256: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO photo_uploads (sha256, at) VALUES (?1, ?2)")?
            .execute(params![sha256, ts(now)])?;
        Ok(())
    }

    /// Days a decided visit's photos stay on the device.
    pub fn photo_retention_days(&self) -> Result<u32, StoreError> {
        Ok(self
            .setting(RETENTION_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_PHOTO_RETENTION_DAYS))
    }

    pub fn set_photo_retention_days(&self, days: u32) -> Result<(), StoreError> {
        self.set_setting(RETENTION_KEY, &days.to_string())
    }

    /// Removes from the device the bytes of photos of visits the server has approved or
    /// rejected, started more than the retention setting before `now`, that the server has
    /// said it holds (and evidence photos of actions as said below); visits' rows stay, so the visit still lists them (shown from the
    /// server). Answers how many rows changed and the photos now kept nowhere on the
    /// device, whose Blobs the browser is to delete. Nothing the server has not acknowledged
    /// is ever removed.
    pub fn expire_photos(&self, now: DateTime<Utc>) -> Result<Expired, StoreError> {
        let before = now - Duration::days(self.photo_retention_days()?.into());
        let tx = self.tx()?;
        let expired: Vec<(i64, String, String)> = tx
            .prepare(
                "SELECT p.rowid, p.sha256, p.kept FROM media.photos p
                 JOIN visits v ON v.id = p.visit_id
                 JOIN remote r ON r.visit_id = p.visit_id
                 JOIN photo_uploads u ON u.sha256 = p.sha256
                 WHERE p.kept <> 'server' AND v.status = 'submitted'
                   AND r.state IN ('approved', 'rejected') AND r.revision = v.revision
                   AND v.started_at < ?1",
            )?
            .query_map([ts(before)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut rows = expired.len();
        let mut gone = BTreeSet::new();
        // Evidence photos of actions the server holds, once the action is verified or the
        // upload is older than the setting: the rows go (the action names its photos, shown
        // from the server), so a done action's photos do not stay on the phone for good.
        let evidence: Vec<(i64, String, String)> = tx
            .prepare(
                "SELECT p.rowid, p.sha256, p.kept FROM media.action_photos p
                 WHERE p.uploaded_at IS NOT NULL
                   AND (p.uploaded_at < ?1 OR EXISTS (SELECT 1 FROM actions a
                        WHERE a.id = p.action_id AND json_extract(a.body, '$.state') = 'verified'))",
            )?
            .query_map([ts(before)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows += evidence.len();
        for (rowid, sha, kept) in evidence {
            tx.execute("DELETE FROM media.action_photos WHERE rowid = ?1", [rowid])?;
            if kept == "blob" {
                gone.insert(sha);
            }
        }
        for (rowid, sha, kept) in expired {
            tx.execute(
                "UPDATE media.photos SET kept = 'server', bytes = x'' WHERE rowid = ?1",
                [rowid],
            )?;
            if kept == "blob" {
                gone.insert(sha);
            }
        }
        // The same photo may also belong to a visit still kept: then its Blob stays.
        let mut gone: Vec<String> = gone.into_iter().collect();
        gone.retain(|sha| {
            !tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM media.photos WHERE sha256 = ?1 AND kept = 'blob')
                 OR EXISTS (SELECT 1 FROM media.action_photos WHERE sha256 = ?1 AND kept = 'blob')",
                [sha],
                |r| r.get::<_, bool>(0),
            )
            .unwrap_or(true)
        });
        tx.commit()?;
        Ok(Expired { rows, blobs: gone })
    }

    /// Photos whose bytes are still in their rows (a browser store from before Blobs).
    pub fn photos_in_rows(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .conn
            .prepare("SELECT DISTINCT sha256 FROM media.photos WHERE kept = 'row'")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Photo `sha256`'s bytes are now durably kept outside SQLite: empties its rows.
    pub fn photo_moved_out(&self, sha256: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE media.photos SET kept = 'blob', bytes = x'' WHERE sha256 = ?1 AND kept = 'row'",
            [sha256],
        )?;
        Ok(())
    }

    /// The photos whose bytes the device keeps outside SQLite: any other Blob is left over.
    pub fn photos_in_blobs(&self) -> Result<BTreeSet<String>, StoreError> {
        Ok(self
            .conn
            .prepare(
                "SELECT sha256 FROM media.photos WHERE kept = 'blob'
                 UNION SELECT sha256 FROM media.action_photos WHERE kept = 'blob'",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Gives the space of emptied photo rows back (the browser copies the whole database).
    pub fn reclaim_photo_space(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("VACUUM media")?;
        Ok(())
    }
}
