//! Photos of a draft's items, kept in the attached `media` database by content hash: the
//! bytes in the row (desktop, mobile), or, in the browser, only the row's facts while the
//! bytes are a Blob in IndexedDB (`crate::web_photos`), so they never fill SQLite's memory.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zakupka_core::{PhotoRef, Template, photo_type};

use super::rows::ts;
use super::{MAX_PHOTO_BYTES, MAX_PHOTOS_PER_ITEM, Store};
use crate::{StoreError, evidence};

/// Where a photo's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKept {
    /// In its row of `media.photos`.
    Row,
    /// Outside SQLite, by its SHA-256: the browser's Blob store.
    Blob,
    /// Only on the server: removed from the device once the server had decided its visit.
    Server,
}

impl PhotoKept {
    fn as_str(self) -> &'static str {
        match self {
            PhotoKept::Row => "row",
            PhotoKept::Blob => "blob",
            PhotoKept::Server => "server",
        }
    }

    fn parse(s: &str) -> Option<PhotoKept> {
        [PhotoKept::Row, PhotoKept::Blob, PhotoKept::Server]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl Store {
    /// The longest side in pixels kept of photos of `item_id` in visit `visit_id`'s
    /// checklist, for the device to downscale to before storing.
    pub fn photo_side(&self, visit_id: Uuid, item_id: &str) -> Result<u32, StoreError> {
        let visit = self.visit(visit_id)?;
        let template = self.template(&visit.template_id, visit.template_version)?;
        Ok(template
            .item(item_id)
            .ok_or_else(|| zakupka_core::AnswerError::UnknownItem(item_id.to_owned()))?
            .photo_side())
    }

    /// Attaches a photo to an item, its bytes kept in the row. The type is read from the
    /// bytes, not trusted from the file name; `name` only appears in the error when the file
    /// is not a photo. The capture time and position in its EXIF are kept as evidence.
    pub fn add_photo(
        &self,
        visit_id: Uuid,
        item_id: &str,
        name: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<PhotoRef, StoreError> {
        self.add_photo_with(visit_id, item_id, name, bytes, evidence::read(bytes), now)
    }

    /// [`Store::add_photo`] of a photo made from an original (downscaled, its EXIF gone),
    /// with the evidence read from the original.
    pub fn add_photo_with(
        &self,
        visit_id: Uuid,
        item_id: &str,
        name: &str,
        bytes: &[u8],
        found: evidence::Evidence,
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
        let photo = PhotoRef {
            sha256: format!("{:x}", Sha256::digest(bytes)),
            mime,
            size: bytes.len() as u64,
            taken_at: found.taken_at,
            position: found.position,
        };
        self.insert_photo(visit_id, item_id, &photo, Some(bytes), now)?;
        Ok(photo)
    }

    /// Attaches a photo whose bytes the device keeps outside SQLite, already durably
    /// written under `photo.sha256` (the browser's Blob store): only its facts are stored.
    pub fn add_kept_photo(
        &self,
        visit_id: Uuid,
        item_id: &str,
        photo: &PhotoRef,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !zakupka_core::wire::is_photo_address(&photo.sha256) {
            return Err(StoreError::UnsupportedPhoto(photo.sha256.clone()));
        }
        self.insert_photo(visit_id, item_id, photo, None, now)
    }

    fn insert_photo(
        &self,
        visit_id: Uuid,
        item_id: &str,
        photo: &PhotoRef,
        bytes: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        check_size(photo)?;
        let kept = if bytes.is_some() {
            PhotoKept::Row
        } else {
            PhotoKept::Blob
        };
        self.edit_draft(visit_id, now, |tx, template| {
            check_room(tx, template, visit_id, item_id, &photo.sha256)?;
            tx.execute(
                "INSERT OR IGNORE INTO media.photos
                     (visit_id, item_id, sha256, mime, size, bytes, added_at, taken_at, latitude, longitude, kept)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    visit_id.to_string(),
                    item_id,
                    photo.sha256,
                    photo.mime,
                    photo.size as i64,
                    bytes.unwrap_or_default(),
                    ts(now),
                    photo.taken_at.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()),
                    photo.position.map(|p| p.lat),
                    photo.position.map(|p| p.lon),
                    kept.as_str(),
                ],
            )?;
            Ok(())
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

    /// The bytes and type of a stored photo (of a visit, or an action's evidence) whose
    /// bytes are in its row.
    pub fn photo(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT mime, bytes FROM media.photos WHERE sha256 = ?1 AND kept = 'row'
                 UNION ALL
                 SELECT mime, bytes FROM media.action_photos WHERE sha256 = ?1 AND kept = 'row'
                 LIMIT 1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Where the bytes of a photo are, the device's copy first; `None` for no such photo.
    pub fn photo_kept(&self, sha256: &str) -> Result<Option<PhotoKept>, StoreError> {
        let kept: Option<String> = self
            .conn
            .query_row(
                "SELECT kept FROM (SELECT kept FROM media.photos WHERE sha256 = ?1
                 UNION ALL SELECT kept FROM media.action_photos WHERE sha256 = ?1)
                 ORDER BY CASE kept WHEN 'row' THEN 0 WHEN 'blob' THEN 1 ELSE 2 END LIMIT 1",
                [sha256],
                |r| r.get(0),
            )
            .optional()?;
        Ok(kept.as_deref().and_then(PhotoKept::parse))
    }
}

/// Refuses a photo larger than a photo may be.
pub(super) fn check_size(photo: &PhotoRef) -> Result<(), StoreError> {
    if photo.size > MAX_PHOTO_BYTES as u64 {
        return Err(StoreError::PhotoTooLarge {
            size: photo.size as usize,
            max: MAX_PHOTO_BYTES,
        });
    }
    Ok(())
}

/// Refuses a photo on an item that takes none, or one more than an item holds.
fn check_room(
    tx: &Transaction,
    template: &Template,
    visit_id: Uuid,
    item_id: &str,
    sha256: &str,
) -> Result<(), StoreError> {
    let item = template
        .item(item_id)
        .ok_or_else(|| zakupka_core::AnswerError::UnknownItem(item_id.to_owned()))?;
    if !item.allow_photo {
        return Err(StoreError::PhotosNotAllowed(item_id.to_owned()));
    }
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
    Ok(())
}
