//! One error type for every handler. Clients get a JSON [`ErrorBody`]: the [`Refusal`] code
//! the app words in its own language, an English message for logs and support, and the
//! field at fault. Internal failures are logged here and reach the client only as
//! "internal error".

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use zakupka_core::wire::{ErrorBody, ErrorCode, Refusal};

/// What exactly was refused: the code, the English text, and the request field at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub code: Refusal,
    pub message: String,
    pub field: Option<String>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The variant is the HTTP status; the [`Refused`] inside says what exactly was refused.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(Refused),
    #[error("{0}")]
    Unauthorized(Refused),
    #[error("{0}")]
    Forbidden(Refused),
    #[error("{0}")]
    NotFound(Refused),
    #[error("{0}")]
    Conflict(Refused),
    /// 409 listing what stands in the way (publishing a quarter with undecided appeals:
    /// their ids), in the body's `ids`.
    #[error("{0}")]
    ConflictWith(Refused, Vec<String>),
    #[error("{0}")]
    TooLarge(Refused),
    #[error("too many failed logins; try again in {retry_after} s")]
    TooManyAttempts { retry_after: u64 },
    /// 429: a daily quota of the caller is used up (see `quota`).
    #[error("{message}")]
    QuotaExceeded { retry_after: u64, message: String },
    /// The server cannot store anything now (disk full, database read-only): nothing was
    /// changed, and the device tries again later by itself.
    #[error("{0}")]
    Unavailable(String),
    /// The request took longer than the server's timeout (see `quota::Limits`).
    #[error("the request took too long and was cut off: try again")]
    TimedOut,
    #[error("this app speaks protocol {got}, the server {want}: update the app")]
    ProtocolOutdated { got: String, want: u32 },
    /// The detail is for logs and the command line; clients only read "internal error".
    #[error("internal error: {0}")]
    Internal(String),
}

fn refused(code: Refusal, field: Option<String>, message: impl Into<String>) -> Refused {
    Refused {
        code,
        message: message.into(),
        field,
    }
}

impl AppError {
    /// 400: `field` of the request is refused for `code`.
    pub fn bad(code: Refusal, field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::BadRequest(refused(code, Some(field.into()), message))
    }

    /// 400 [`Refusal::Invalid`] without a field: the request as a whole cannot be read.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::BadRequest(refused(Refusal::Invalid, None, message))
    }

    /// 401: not signed in, or not any more.
    pub fn unauthorized(code: Refusal, message: impl Into<String>) -> AppError {
        AppError::Unauthorized(refused(code, None, message))
    }

    /// 403: the caller's role may not do this.
    pub fn role_forbidden(message: impl Into<String>) -> AppError {
        AppError::Forbidden(refused(Refusal::RoleForbidden, None, message))
    }

    /// 404: no such thing, or none the caller may see.
    pub fn not_found(code: Refusal, message: impl Into<String>) -> AppError {
        AppError::NotFound(refused(code, None, message))
    }

    /// 409: the thing is not in a state that allows this.
    pub fn conflict(code: Refusal, message: impl Into<String>) -> AppError {
        AppError::Conflict(refused(code, None, message))
    }

    /// 409 with the `ids` of what is in the way.
    pub fn conflict_with(code: Refusal, message: impl Into<String>, ids: Vec<String>) -> AppError {
        AppError::ConflictWith(refused(code, None, message), ids)
    }

    /// 413: the body or a photo is larger than allowed.
    pub fn too_large(message: impl Into<String>) -> AppError {
        AppError::TooLarge(refused(Refusal::TooLarge, None, message))
    }

    /// An internal failure from anything displayable: logged, never shown to clients.
    pub fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
        AppError::Internal(format!("{what}: {e}"))
    }

    /// The HTTP status and the wire's coarse error.
    fn status(&self) -> (StatusCode, ErrorCode) {
        match self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            AppError::Conflict(_) | AppError::ConflictWith(..) => {
                (StatusCode::CONFLICT, ErrorCode::Conflict)
            }
            AppError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge),
            AppError::TooManyAttempts { .. } | AppError::QuotaExceeded { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyAttempts)
            }
            AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            AppError::ProtocolOutdated { .. } => {
                (StatusCode::UPGRADE_REQUIRED, ErrorCode::ProtocolOutdated)
            }
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
            AppError::TimedOut => (StatusCode::REQUEST_TIMEOUT, ErrorCode::Unavailable),
        }
    }

    /// What exactly was refused, for the refusals that say.
    pub fn refused(&self) -> Option<&Refused> {
        match self {
            AppError::BadRequest(r)
            | AppError::Unauthorized(r)
            | AppError::Forbidden(r)
            | AppError::NotFound(r)
            | AppError::Conflict(r)
            | AppError::ConflictWith(r, _)
            | AppError::TooLarge(r) => Some(r),
            _ => None,
        }
    }

    /// The code the app words the refusal by.
    pub fn code(&self) -> Refusal {
        match self {
            AppError::TooManyAttempts { .. } => Refusal::TooManyAttempts,
            AppError::QuotaExceeded { .. } => Refusal::QuotaExceeded,
            AppError::Unavailable(_) | AppError::TimedOut => Refusal::Unavailable,
            AppError::ProtocolOutdated { .. } => Refusal::ProtocolOutdated,
            AppError::Internal(_) => Refusal::Internal,
            other => other.refused().map_or(Refusal::Internal, |r| r.code),
        }
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DiskFull) => {
                tracing::error!("database: the disk is full: {e}");
                AppError::Unavailable(
                    "the server's disk is full: nothing was stored; try again later".into(),
                )
            }
            Some(C::ReadOnly) => {
                tracing::error!("database: read-only: {e}");
                AppError::Unavailable(
                    "the server's database is read-only: nothing was stored; try again later"
                        .into(),
                )
            }
            _ => AppError::Internal(format!("database: {e}")),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, error) = self.status();
        if let AppError::Internal(detail) = &self {
            tracing::error!("internal error: {detail}");
        }
        let mut response = (
            status,
            Json(ErrorBody {
                error,
                code: self.code(),
                message: match &self {
                    AppError::Internal(_) => "internal error".to_owned(),
                    other => other.to_string(),
                },
                field: self.refused().and_then(|r| r.field.clone()),
                ids: match &self {
                    AppError::ConflictWith(_, ids) => ids.clone(),
                    _ => Vec::new(),
                },
            }),
        )
            .into_response();
        if let AppError::Unavailable(_) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        if let AppError::TooManyAttempts { retry_after }
        | AppError::QuotaExceeded { retry_after, .. } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
