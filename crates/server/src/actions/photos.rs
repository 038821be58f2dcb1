//! Photos of actions: the finding's (the auditor's, served without EXIF or any other
//! metadata, which could say where the auditor stood) and the evidence's (uploaded by the
//! manager after closing, checked like a visit's photos).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::wire::Refusal;

use super::{Branches, get};
use crate::error::AppError;
use crate::time::ts;

/// Keeps an evidence photo that the action's `done` named; `true` if it is new.
#[allow(clippy::too_many_arguments)]
pub fn put_photo(
    conn: &mut Connection,
    branches: &Branches,
    id: Uuid,
    sha256: &str,
    mime: &str,
    body: &[u8],
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let tx = conn.transaction()?;
    let action = get(&tx, branches, id, now)?;
    if !action.evidence_photos.iter().any(|p| p.sha256 == sha256) {
        return Err(AppError::not_found(
            Refusal::PhotoNotInAction,
            "the action's evidence does not name this photo: close it with the photo first",
        ));
    }
    let known = tx
        .prepare_cached("SELECT 1 FROM action_photos WHERE action_id = ?1 AND sha256 = ?2")?
        .exists(params![id.to_string(), sha256])?;
    if known {
        return Ok(false);
    }
    tx.execute(
        "INSERT OR IGNORE INTO photos (sha256, mime, size, bytes, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![sha256, mime, body.len() as i64, body, ts(now)],
    )?;
    tx.execute(
        "INSERT INTO action_photos (action_id, sha256, by_login, size, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id.to_string(), sha256, by, body.len() as i64, ts(now)],
    )?;
    tx.commit()?;
    Ok(true)
}

/// A photo of the action, if the caller sees the action: an evidence photo received, or a
/// finding's photo that its auditor uploaded, stripped of its metadata.
pub fn get_photo(
    conn: &Connection,
    branches: &Branches,
    id: Uuid,
    sha256: &str,
    now: DateTime<Utc>,
) -> Result<(String, Vec<u8>), AppError> {
    let action = get(conn, branches, id, now)?;
    let evidence = action.evidence_photos.iter().any(|p| p.sha256 == sha256)
        && conn
            .prepare_cached("SELECT 1 FROM action_photos WHERE action_id = ?1 AND sha256 = ?2")?
            .exists(params![id.to_string(), sha256])?;
    if evidence {
        return stored(conn, sha256)?.ok_or_else(|| not_found("action"));
    }
    if !action.finding.photos.iter().any(|p| p.sha256 == sha256) {
        return Err(not_found("action"));
    }
    finding_photo(conn, &action.visit_id.to_string(), sha256)
}

fn not_found(of: &str) -> AppError {
    AppError::not_found(Refusal::NotFound, format!("no such photo of this {of}"))
}

/// A photo's type and bytes as stored.
fn stored(conn: &Connection, sha256: &str) -> Result<Option<(String, Vec<u8>)>, AppError> {
    Ok(conn
        .query_row(
            "SELECT mime, bytes FROM photos WHERE sha256 = ?1",
            [sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// A photo of visit `visit_id` that its auditor uploaded (the caller checked that the visit
/// names it), without its metadata: refused when it cannot be rewritten without.
pub fn finding_photo(
    conn: &Connection,
    visit_id: &str,
    sha256: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let uploaded = conn
        .prepare_cached(
            "SELECT 1 FROM visits v JOIN photo_uploads u ON u.auditor = v.auditor
             WHERE v.id = ?1 AND u.sha256 = ?2 LIMIT 1",
        )?
        .exists(params![visit_id, sha256])?;
    let photo = if uploaded {
        stored(conn, sha256)?
    } else {
        None
    };
    let (mime, bytes) = photo.ok_or_else(|| not_found("visit"))?;
    let stripped = without_metadata(bytes).ok_or_else(|| not_found("visit"))?;
    Ok((mime, stripped))
}

/// The image without EXIF, XMP or text metadata (a position, a device, a name), or `None`
/// if it cannot be read as a JPEG, PNG or WebP image.
pub fn without_metadata(bytes: Vec<u8>) -> Option<Vec<u8>> {
    use img_parts::{DynImage, ImageEXIF};
    let mut image = DynImage::from_bytes(bytes.into()).ok()??;
    image.set_exif(None);
    match &mut image {
        // APP1 (EXIF, XMP) to APP15 except APP14 (Adobe colour transform, needed to decode).
        DynImage::Jpeg(jpeg) => jpeg
            .segments_mut()
            .retain(|s| !matches!(s.marker(), 0xE1..=0xED | 0xEF)),
        DynImage::Png(png) => png
            .chunks_mut()
            .retain(|c| !matches!(&c.kind(), b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME")),
        DynImage::WebP(webp) => webp.remove_chunks_by_id(*b"XMP "),
    }
    let mut out = Vec::new();
    image.encoder().write_to(&mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    /// A JPEG with an EXIF segment (a GPS position) comes back without it, still a JPEG.
    #[test]
    fn a_jpegs_exif_is_removed() {
        let exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0";
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        jpeg.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        jpeg.extend_from_slice(exif);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        let out = super::without_metadata(jpeg.clone()).unwrap();
        assert!(!out.windows(4).any(|w| w == b"Exif"), "{out:?}");
        assert!(out.starts_with(&[0xFF, 0xD8]));
        assert!(super::without_metadata(b"not an image".to_vec()).is_none());
    }
}
