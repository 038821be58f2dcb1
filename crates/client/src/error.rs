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
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
    #[error("stored {what} is damaged: {detail}")]
    Corrupt { what: String, detail: String },
}
