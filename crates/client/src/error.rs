use zakupka_core::AnswerError;

/// What can go wrong with the local store. Messages name the visit, item or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database {path} cannot be opened: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "the database {path} was written by a newer Zakupka (schema {found}, this app knows up to {supported}); update the app"
    )]
    SchemaTooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    /// The device will not let the app write its database (file permissions, a storage
    /// card locked or remounted read-only). Nothing was saved; what was saved before is
    /// still there and can be read.
    #[error("the database is read-only: the change was not saved ({0})")]
    ReadOnly(#[source] rusqlite::Error),
    /// No room left on the device. The change was not saved and nothing else was lost;
    /// saving works again as soon as there is space, without restarting the app.
    #[error("the device storage is full: the change was not saved ({0})")]
    DiskFull(#[source] rusqlite::Error),
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("no visit {0} on this device")]
    VisitNotFound(String),
    #[error("visit {0} is submitted and can no longer be changed")]
    VisitNotEditable(String),
    #[error("checklist {id} version {version} is not on this device")]
    TemplateMissing { id: String, version: u32 },
    #[error(
        "checklist {id} version {version} already exists with different content; publish a new version instead"
    )]
    TemplateConflict { id: String, version: u32 },
    #[error("scenario `{0}` is not in this checklist")]
    UnknownScenario(String),
    #[error("office `{0}` is not in the directory")]
    UnknownOffice(String),
    #[error("calibration case {0} is not on this device")]
    UnknownCase(String),
    #[error(transparent)]
    Answer(#[from] AnswerError),
    #[error("required items are not answered yet: {}", .0.join(", "))]
    MissingRequired(Vec<String>),
    #[error("the photo is {size} bytes; the limit is {max} bytes")]
    PhotoTooLarge { size: usize, max: usize },
    #[error("{0} is not a JPEG, PNG or WebP photo")]
    UnsupportedPhoto(String),
    #[error("item `{item}` already has {max} photos")]
    TooManyPhotos { item: String, max: usize },
    #[error("item `{0}` does not take photos")]
    PhotosNotAllowed(String),
    /// Another user's visits on this device are not on the server yet: they sign in and
    /// send them before anyone else can sign in here.
    #[error("{visits} visit(s) of {owner} on this device are not sent yet")]
    UnsentWork { owner: String, visits: usize },
    #[error("no corrective action {0} on this device")]
    ActionNotFound(String),
    /// A plan, a reopening's reason, or evidence (text or a photo) is needed.
    #[error("the step needs a text")]
    ActionTextMissing,
    #[error("action {action} is {state}: this step does not apply")]
    ActionStepNotAllowed { action: String, state: String },
    #[error("stored {what} is damaged: {detail}")]
    Corrupt { what: String, detail: String },
}

/// Sorts SQLite's failures into the ones the auditor can do something about and the rest.
/// A stored value that does not read as what its column holds (a time, an id, a state,
/// JSON) is damage, named by its column.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        if let rusqlite::Error::FromSqlConversionFailure(column, _, detail) = &e {
            return StoreError::Corrupt {
                what: format!("value in column {column}"),
                detail: detail.to_string(),
            };
        }
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnly(e),
            // SQLite reports a write refused for lack of space (ENOSPC) as SQLITE_FULL.
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull(e),
            _ => StoreError::Sqlite(e),
        }
    }
}
