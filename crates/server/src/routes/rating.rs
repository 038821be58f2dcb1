//! The quarterly rating: anyone signed in reads it (branch heads and the ministry as well
//! as staff), from reader connections and the per-quarter cache, never holding up the
//! writer; admins preview and publish it.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use serde::Deserialize;
use zakupka_core::Directory;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{ExportFormat, Refusal};

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::AppError;
use crate::export;
use crate::extract::{Admin, Json, Path, Query};
use crate::rating::{self as domain, PublishPreview, QuarterInfo, Rating};
use crate::scope::Scope;

#[derive(Deserialize)]
pub struct QuarterQuery {
    quarter: String,
}

fn quarter(text: &str) -> Result<Quarter, AppError> {
    text.parse()
        .map_err(|e: String| AppError::bad(Refusal::Invalid, "quarter", e))
}

/// The quarter's rating as `user` may see it (see `Scope::rating`), and the directory.
async fn cached(
    state: &AppState,
    user: AuthUser,
    q: Quarter,
) -> Result<(Rating, Arc<Directory>), AppError> {
    let (ratings, references) = (state.ratings.clone(), state.references.clone());
    state
        .db
        .read(move |conn| {
            let rating = ratings.rating(conn, q)?;
            let directory = references.directory(conn)?;
            let scope = Scope::of(conn, &user, &references)?;
            Ok((scope.rating(Rating::clone(&rating)), directory))
        })
        .await
}

pub async fn rating(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<QuarterQuery>,
) -> Result<Json<Rating>, AppError> {
    let (r, _) = cached(&state, user, quarter(&q.quarter)?).await?;
    Ok(Json(r))
}

pub async fn quarters(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<Vec<QuarterInfo>>, AppError> {
    Ok(Json(state.db.read(|conn| domain::quarters(conn)).await?))
}

pub async fn history(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<zakupka_core::rating::History>, AppError> {
    Ok(Json(state.db.read(|conn| domain::history(conn)).await?))
}

/// What publishing the quarter would freeze (places and cups), or why it may not be yet.
pub async fn preview(
    State(state): State<AppState>,
    Admin(_user): Admin,
    Path(q): Path<String>,
) -> Result<Json<PublishPreview>, AppError> {
    let q = quarter(&q)?;
    let now = state.clock.now();
    let p = state
        .db
        .read(move |conn| {
            let m = domain::latest_methodology(conn)?;
            domain::preview(conn, q, &m, now)
        })
        .await?;
    Ok(Json(p))
}

pub async fn publish(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(q): Path<String>,
) -> Result<Json<Rating>, AppError> {
    let q = quarter(&q)?;
    let now = state.clock.now();
    let r = state
        .db
        .call(move |conn| {
            let m = domain::latest_methodology(conn)?;
            domain::publish(conn, q, &m, &user.login, now)
        })
        .await?;
    Ok(Json(r))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    quarter: String,
    format: String,
}

/// The rating as a file to download: `format=csv` or `format=xlsx`.
pub async fn export(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let quarter = quarter(&q.quarter)?;
    let format = ExportFormat::parse(&q.format)
        .ok_or_else(|| AppError::bad(Refusal::Invalid, "format", "use csv or xlsx"))?;
    let (rating, directory) = cached(&state, user, quarter).await?;
    let body = export::file(&rating, &directory, format)?;
    let disposition = format!("attachment; filename=\"rating-{quarter}.{format}\"");
    Ok((
        [
            (header::CONTENT_TYPE, format.mime().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
