//! What handlers take from a request, refusing with [`AppError`] (a JSON body with a code)
//! rather than axum's plain text: the body as JSON or bytes, the query, the path, and the
//! caller. Who may call a handler shows in its signature: [`AuthUser`] (anyone signed in),
//! [`Supervisor`] (supervisors and admins), [`Admin`], [`Auditor`] or [`Manager`].

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use zakupka_core::wire::Role;

use crate::AppState;
use crate::auth::{self, AuthUser};
use crate::error::{AppError, Refused};

/// A JSON body in, or a JSON answer out.
pub struct Json<T>(pub T);

/// The query string.
pub struct Query<T>(pub T);

/// Path segments.
pub struct Path<T>(pub T);

/// A raw body (a photo).
pub struct Bytes(pub axum::body::Bytes);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state)
            .await
            .map_err(json_rejection)?;
        Ok(Json(value))
    }
}

impl<S: Send + Sync> FromRequest<S> for Bytes {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(bytes_rejection)?;
        Ok(Bytes(bytes))
    }
}

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state)
                .await
                .map_err(|e: QueryRejection| AppError::invalid(e.body_text()))?;
        Ok(Query(value))
    }
}

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(value) = axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(path_rejection)?;
        Ok(Path(value))
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::too_large("the request body is too large");
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
    AppError::BadRequest(Refused {
        code: zakupka_core::wire::Refusal::Invalid,
        message: detail.to_owned(),
        field,
    })
}

/// A raw body that could not be read: over the size limit, or cut off.
fn bytes_rejection(rejection: BytesRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::too_large("the request body is too large");
    }
    AppError::invalid(rejection.body_text())
}

/// A path segment that cannot be read (not UTF-8 once decoded, say).
fn path_rejection(rejection: PathRejection) -> AppError {
    if rejection.status().is_server_error() {
        return AppError::Internal(rejection.body_text());
    }
    AppError::invalid(rejection.body_text())
}

/// Anyone signed in: the caller of a request, from its bearer token.
impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                AppError::unauthorized(
                    zakupka_core::wire::Refusal::SignInAgain,
                    "log in first: no bearer token",
                )
            })?
            .to_owned();
        let now = state.clock.now();
        state
            .db
            .read(move |conn| auth::caller(conn, token, now))
            .await
    }
}

/// Supervisors and admins: they review, assign and publish.
pub struct Supervisor(pub AuthUser);

/// Auditors: they push the visits they made.
pub struct Auditor(pub AuthUser);

/// Admins: they publish quarters, which freezes them for good.
pub struct Admin(pub AuthUser);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require(|r| r == Role::Admin, "admins").map(Admin)
    }
}

impl FromRequestParts<AppState> for Supervisor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require(Role::reads_all_visits, "supervisors and admins")
            .map(Supervisor)
    }
}

impl FromRequestParts<AppState> for Auditor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require(|r| r == Role::Auditor, "auditors")
            .map(Auditor)
    }
}

/// Anyone signed in but managers: the auditors' and supervisors' own endpoints (visits
/// and their photos, assignments, calibration cases), every one of which can name or place
/// an auditor. Managers read approved visits through `/manager/visits`.
pub struct Staff(pub AuthUser);

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require(|r| r != Role::Manager, "auditors, supervisors and admins")
            .map(Staff)
    }
}

/// Managers, with the branch they head: they see its approved findings, fix and appeal
/// them. A manager whose branch was unset is refused like any other role that may not.
pub struct Manager {
    pub user: AuthUser,
    pub branch: String,
}

impl FromRequestParts<AppState> for Manager {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        let user = user.require(|r| r == Role::Manager, "managers")?;
        let login = user.login.clone();
        let branch = state
            .db
            .read(move |conn| crate::assignments::branch_of(conn, &login))
            .await?;
        match branch {
            Some(branch) => Ok(Manager { user, branch }),
            None => Err(AppError::role_forbidden(
                "only managers heading a branch may do this",
            )),
        }
    }
}

/// A photo's address from the path, checked before the body is read.
pub struct PhotoAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PhotoAddress {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(sha256) = Path::<String>::from_request_parts(parts, state).await?;
        crate::photos::check_address(&sha256)?;
        Ok(PhotoAddress(sha256))
    }
}

/// The client's IP address, from the connection (`serve` records it); `None` where there
/// is no connection, as in tests that call the router directly.
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}
