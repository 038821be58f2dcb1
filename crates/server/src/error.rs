//! One error type for every handler. Clients get a JSON [`ErrorBody`] naming what is
//! wrong; internal failures are logged here and reach the client only as "internal error".

use axum::Json;
use axum::extract::FromRequestParts;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use zakupka_core::wire::{ErrorBody, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest {
        message: String,
        field: Option<String>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("too many failed logins; try again in {retry_after} s")]
    TooManyAttempts { retry_after: u64 },
    /// The server cannot store anything now (disk full, database read-only): nothing was
    /// changed, and the device tries again later by itself.
    #[error("{0}")]
    Unavailable(String),
    #[error("this app speaks protocol {got}, the server {want}: update the app")]
    ProtocolOutdated { got: String, want: u32 },
    /// The detail is for logs and the command line; clients only read "internal error".
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            message: message.into(),
            field: Some(field.into()),
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

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::TooLarge("the request body is too large".into());
        }
        // axum reports "…target type: visits[0].status: unknown variant `x`…": the part
        // before the second colon is the path of the field at fault.
        let text = rejection.body_text();
        let detail = text
            .split_once("target type: ")
            .map_or(text.as_str(), |(_, d)| d);
        let field = detail
            .split_once(": ")
            .map(|(f, _)| f.to_owned())
            .filter(|f| !f.contains(' ') && !f.is_empty() && f != ".");
        AppError::BadRequest {
            message: detail.to_owned(),
            field,
        }
    }
}

/// A raw body (a photo) that could not be read: over the size limit, or cut off.
impl From<BytesRejection> for AppError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::TooLarge("the request body is too large".into());
        }
        AppError::BadRequest {
            message: rejection.body_text(),
            field: None,
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::BadRequest {
            message: rejection.body_text(),
            field: None,
        }
    }
}

/// A path segment that cannot be read (not UTF-8 once decoded, say).
impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        if rejection.status().is_server_error() {
            return AppError::Internal(rejection.body_text());
        }
        AppError::BadRequest {
            message: rejection.body_text(),
            field: None,
        }
    }
}

/// `axum::extract::Path`, refusing with a JSON [`ErrorBody`] like every other error
/// rather than axum's plain text.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(value))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            AppError::BadRequest { .. } => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            AppError::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            AppError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge),
            AppError::TooManyAttempts { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyAttempts)
            }
            AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            AppError::ProtocolOutdated { .. } => {
                (StatusCode::UPGRADE_REQUIRED, ErrorCode::ProtocolOutdated)
            }
            AppError::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
        };
        let field = match &self {
            AppError::BadRequest { field, .. } => field.clone(),
            _ => None,
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: code,
                code: zakupka_core::wire::Refusal::Other,
                message: match &self {
                    AppError::Internal(_) => "internal error".to_owned(),
                    other => other.to_string(),
                },
                field,
            }),
        )
            .into_response();
        if let AppError::Unavailable(_) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        if let AppError::TooManyAttempts { retry_after } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
