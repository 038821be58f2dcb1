//! Evidence photos of corrective actions: chosen on the device before «Устранено» (offline
//! too), kept like a visit's photos (bytes in the row; in the browser a Blob by SHA-256),
//! taken by the done step that names them and uploaded before it is sent.

use chrono::{DateTime, Utc};
use rusqlite::params;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zakupka_core::{PhotoRef, photo_type};

use super::rows::{RowExt, ts};
use super::{MAX_PHOTOS_PER_ITEM, Store};
use crate::StoreError;

impl Store {
    /// Adds a photo to the evidence being prepared for action `id`, its bytes in the row.
    pub fn add_action_photo(
        &self,
        id: Uuid,
        name: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<PhotoRef, StoreError> {
        let mime = photo_type(bytes)
            .ok_or_else(|| StoreError::UnsupportedPhoto(name.to_owned()))?
            .to_owned();
        let photo = PhotoRef {
            sha256: format!("{:x}", Sha256::digest(bytes)),
            mime,
            size: bytes.len() as u64,
            taken_at: None,
            position: None,
        };
        self.insert_action_photo(id, &photo, Some(bytes), now)?;
        Ok(photo)
    }

    /// Adds a photo whose bytes the device already keeps outside SQLite (the browser's
    /// Blob store) to the evidence being prepared for action `id`.
    pub fn add_kept_action_photo(
        &self,
        id: Uuid,
        photo: &PhotoRef,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !zakupka_core::wire::is_photo_address(&photo.sha256) {
            return Err(StoreError::UnsupportedPhoto(photo.sha256.clone()));
        }
        self.insert_action_photo(id, photo, None, now)
    }

    fn insert_action_photo(
        &self,
        id: Uuid,
        photo: &PhotoRef,
        bytes: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        super::photos::check_size(photo)?;
        let tx = self.tx()?;
        let known: i64 = tx.query_row(
            "SELECT count(*) FROM actions WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?;
        if known == 0 {
            return Err(StoreError::ActionNotFound(id.to_string()));
        }
        let count: i64 = tx.query_row(
            "SELECT count(*) FROM media.action_photos
             WHERE action_id = ?1 AND op_id IS NULL AND sha256 <> ?2",
            params![id.to_string(), photo.sha256],
            |r| r.get(0),
        )?;
        if count as usize >= MAX_PHOTOS_PER_ITEM {
            return Err(StoreError::TooManyPhotos {
                item: id.to_string(),
                max: MAX_PHOTOS_PER_ITEM,
            });
        }
        tx.execute(
            "INSERT OR IGNORE INTO media.action_photos
                 (action_id, sha256, mime, size, bytes, kept, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id.to_string(),
                photo.sha256,
                photo.mime,
                photo.size as i64,
                bytes.unwrap_or_default(),
                if bytes.is_some() { "row" } else { "blob" },
                ts(now),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Takes a photo back out of the evidence being prepared; one already sent with a step
    /// stays.
    pub fn remove_action_photo(&self, id: Uuid, sha256: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM media.action_photos WHERE action_id = ?1 AND sha256 = ?2 AND op_id IS NULL",
            params![id.to_string(), sha256],
        )?;
        Ok(())
    }

    /// Evidence photos named by a step the server has taken whose bytes it does not have
    /// yet, as (action, SHA-256), in the order they were chosen.
    pub fn action_photos_to_upload(&self) -> Result<Vec<(Uuid, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.action_id, p.sha256 FROM media.action_photos p
             JOIN main.action_ops o ON o.op_id = p.op_id
             WHERE o.sent_at IS NOT NULL AND p.uploaded_at IS NULL
             ORDER BY p.added_at, p.sha256",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.text::<Uuid>(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The server has the bytes of evidence photo `sha256`.
    pub fn action_photo_uploaded(
        &self,
        sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE media.action_photos SET uploaded_at = ?2 WHERE sha256 = ?1 AND uploaded_at IS NULL",
            params![sha256, ts(now)],
        )?;
        Ok(())
    }
}
