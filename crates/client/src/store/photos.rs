//! Photos of a draft's items, kept in the attached `media` database by content hash.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zakupka_core::{PhotoRef, photo_type};

use super::rows::ts;
use super::{MAX_PHOTO_BYTES, MAX_PHOTOS_PER_ITEM, Store};
use crate::StoreError;

impl Store {
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
        self.edit_draft(visit_id, now, |tx, template| {
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
            Ok(PhotoRef {
                sha256,
                mime,
                size: bytes.len() as u64,
            })
        })
    }

    pub fn remove_photo(
        &self,
        visit_id: Uuid,
        item_id: &str,
        sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.edit_draft(visit_id, now, |tx, _| {
            tx.execute(
                "DELETE FROM media.photos WHERE visit_id = ?1 AND item_id = ?2 AND sha256 = ?3",
                params![visit_id.to_string(), item_id, sha256],
            )?;
            Ok(())
        })
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
}
