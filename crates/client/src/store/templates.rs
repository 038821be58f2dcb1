//! Checklists (versioned, never rewritten) and the office directory, and the cache of
//! parsed checklists that every answer is checked against.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{OptionalExtension, params};
use zakupka_core::{Directory, Template};

use super::Store;
use super::rows::{RowExt, corrupt, ts};
use crate::StoreError;

/// A checklist and the stored bytes it was parsed from.
pub(super) type ParsedTemplate = (Box<[u8]>, Arc<Template>);

/// A stored checklist body: already parsed, or the bytes still to parse.
pub(super) enum CachedBody {
    Parsed(Arc<Template>),
    Unparsed(Vec<u8>),
}

impl Store {
    /// Stores a template version. Storing the same version again is a no-op; a different
    /// body under an existing version is refused, since visits were scored against it.
    pub fn import_template(&self, template: &Template) -> Result<(), StoreError> {
        let body = serde_json::to_string(template).map_err(|e| corrupt("template", e))?;
        let existing: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM templates WHERE id = ?1 AND version = ?2",
                params![template.id, template.version],
                |r| r.get(0),
            )
            .optional()?;
        match existing {
            Some(old) if old == body => Ok(()),
            Some(old) => {
                let old: Template =
                    serde_json::from_str(&old).map_err(|e| corrupt("template", e))?;
                if &old == template {
                    Ok(())
                } else {
                    Err(StoreError::TemplateConflict {
                        id: template.id.clone(),
                        version: template.version,
                    })
                }
            }
            None => {
                self.conn.execute(
                    "INSERT INTO templates (id, version, body) VALUES (?1, ?2, ?3)",
                    params![template.id, template.version, body],
                )?;
                Ok(())
            }
        }
    }

    pub fn template(&self, id: &str, version: u32) -> Result<Template, StoreError> {
        let found = self
            .conn
            .prepare_cached("SELECT body FROM templates WHERE id = ?1 AND version = ?2")?
            .query_row(params![id, version], |r| {
                self.cached_template(id, version, r, 0)
            })
            .optional()?
            .flatten();
        Ok(Template::clone(&*self.parsed_template(id, version, found)?))
    }

    /// Looks the stored body in column `col` up in the parsed-checklist cache, without
    /// copying it out of SQLite when it is there.
    pub(super) fn cached_template(
        &self,
        id: &str,
        version: u32,
        row: &rusqlite::Row,
        col: usize,
    ) -> rusqlite::Result<Option<CachedBody>> {
        let body = match row.get_ref(col)? {
            ValueRef::Null => return Ok(None),
            ValueRef::Text(b) | ValueRef::Blob(b) => b,
            other => {
                return Ok(Some(CachedBody::Unparsed(
                    format!("{other:?}").into_bytes(),
                )));
            }
        };
        let cache = self.templates.borrow();
        Ok(Some(match cache.get(&(id.to_owned(), version)) {
            Some((bytes, parsed)) if **bytes == *body => CachedBody::Parsed(parsed.clone()),
            _ => CachedBody::Unparsed(body.to_vec()),
        }))
    }

    pub(super) fn parsed_template(
        &self,
        id: &str,
        version: u32,
        found: Option<CachedBody>,
    ) -> Result<Arc<Template>, StoreError> {
        match found {
            None => Err(StoreError::TemplateMissing {
                id: id.to_owned(),
                version,
            }),
            Some(CachedBody::Parsed(t)) => Ok(t),
            Some(CachedBody::Unparsed(body)) => {
                let parsed: Arc<Template> = Arc::new(
                    serde_json::from_slice(&body)
                        .map_err(|e| corrupt(format!("checklist {id} v{version}"), e))?,
                );
                self.templates.borrow_mut().insert(
                    (id.to_owned(), version),
                    (body.into_boxed_slice(), parsed.clone()),
                );
                Ok(parsed)
            }
        }
    }

    /// The newest stored version of template `id`.
    pub fn latest_template(&self, id: &str) -> Result<Template, StoreError> {
        let version: Option<u32> = self.conn.query_row(
            "SELECT max(version) FROM templates WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let version = version.ok_or_else(|| StoreError::TemplateMissing {
            id: id.to_owned(),
            version: 0,
        })?;
        self.template(id, version)
    }

    pub fn set_directory(
        &self,
        directory: &Directory,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_string(directory).map_err(|e| corrupt("directory", e))?;
        self.conn.execute(
            "INSERT INTO directory (singleton, body, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (singleton) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![body, ts(now)],
        )?;
        Ok(())
    }

    pub fn directory(&self) -> Result<Option<Directory>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT body FROM directory WHERE singleton = 1", [], |r| {
                r.json(0)
            })
            .optional()?)
    }
}
