//! Reference data a visit is checked against: the checklists (each version immutable once
//! published) and the directory of branches and offices. [`ReferenceCache`] keeps them
//! parsed for pushes, the queue's branch filter and assignments.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use zakupka_core::{Directory, Template, Visit};

use crate::error::AppError;
use crate::sql::Json;

/// A checklist version, if it was published.
pub fn template(conn: &Connection, id: &str, version: u32) -> Result<Option<Template>, AppError> {
    let body: Option<Json<Template>> = conn
        .prepare_cached("SELECT body FROM templates WHERE id = ?1 AND version = ?2")?
        .query_row(params![id, version], |r| r.get(0))
        .optional()?;
    Ok(body.map(|b| b.0))
}

/// The newest checklist version: what assignments name scenarios from.
pub fn latest_template(conn: &Connection) -> Result<Option<Template>, AppError> {
    let body: Option<Json<Template>> = conn
        .query_row(
            "SELECT body FROM templates ORDER BY version DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(body.map(|b| b.0))
}

/// The directory as last published (empty before the first).
pub fn directory(conn: &Connection) -> Result<Directory, AppError> {
    let body: Option<Json<Directory>> = conn
        .query_row("SELECT body FROM directory", [], |r| r.get(0))
        .optional()?;
    Ok(body.map(|b| b.0).unwrap_or_default())
}

/// What validating a push needs from the database: the directory and the checklist
/// versions the visits name (those that exist). Shared with the cache it came from.
pub struct Reference {
    pub directory: Arc<Directory>,
    pub templates: Vec<Arc<Template>>,
}

impl Reference {
    /// The checklist `visit` names, if it exists.
    pub fn find(&self, visit: &Visit) -> Option<&Template> {
        self.templates
            .iter()
            .find(|t| t.id == visit.template_id && t.version == visit.template_version)
            .map(|t| &**t)
    }

    /// The checklist of a visit already validated, which therefore exists.
    pub fn template_of(&self, visit: &Visit) -> Result<&Template, AppError> {
        self.find(visit).ok_or_else(|| {
            AppError::Internal(format!("checklist of visit {} not loaded", visit.id))
        })
    }
}

/// The directory and checklists as last read, so that a push does not read and parse them
/// again (an eighth of the server's work per push with the demo's seeds). A checklist
/// version never changes once stored; the directory is read again when a newer one has
/// been published, which `demo::publish` records as a `directory` change.
#[derive(Default)]
pub struct ReferenceCache {
    directory: Mutex<Option<(i64, Arc<Directory>)>>,
    templates: Mutex<Vec<Arc<Template>>>,
}

impl ReferenceCache {
    pub fn reference(&self, conn: &Connection, visits: &[Visit]) -> Result<Reference, AppError> {
        let mut known = self.templates.lock().unwrap_or_else(|e| e.into_inner());
        let mut templates: Vec<Arc<Template>> = Vec::new();
        for v in visits {
            let is = |t: &&Arc<Template>| t.id == v.template_id && t.version == v.template_version;
            if templates.iter().any(|t| is(&t)) {
                continue;
            }
            if let Some(t) = known.iter().find(is) {
                templates.push(t.clone());
            } else if let Some(t) = template(conn, &v.template_id, v.template_version)? {
                let t = Arc::new(t);
                known.push(t.clone());
                templates.push(t);
            }
        }
        drop(known);
        Ok(Reference {
            directory: self.directory(conn)?,
            templates,
        })
    }

    /// The directory, parsed again only when a newer one has been published.
    pub fn directory(&self, conn: &Connection) -> Result<Arc<Directory>, AppError> {
        let latest: i64 = conn
            .prepare_cached(
                "SELECT coalesce(max(seq), 0) FROM changes WHERE auditor IS NULL AND kind = 'directory'",
            )?
            .query_row([], |r| r.get(0))?;
        let mut cached = self.directory.lock().unwrap_or_else(|e| e.into_inner());
        Ok(match &*cached {
            Some((seq, d)) if *seq == latest => d.clone(),
            _ => {
                let d = Arc::new(directory(conn)?);
                *cached = Some((latest, d.clone()));
                d
            }
        })
    }
}
