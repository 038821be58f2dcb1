//! The quarterly rating: anyone signed in reads it (branch heads and the ministry as well
//! as staff); supervisors and admins publish it.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{ExportFormat, Refusal};

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::export;
use crate::extract::{Json, Path, Query, Supervisor};
use crate::rating::{self as domain, QuarterInfo, Rating};
use crate::{AppState, reference};

#[derive(Deserialize)]
pub struct QuarterQuery {
    quarter: String,
}

fn quarter(text: &str) -> Result<Quarter, AppError> {
    text.parse()
        .map_err(|e: String| AppError::bad(Refusal::Invalid, "quarter", e))
}

pub async fn rating(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<QuarterQuery>,
) -> Result<Json<Rating>, AppError> {
    let q = quarter(&q.quarter)?;
    let r = state
        .db
        .call(move |conn| domain::rating(conn, q, &domain::latest_methodology(conn)?))
        .await?;
    Ok(Json(r))
}

pub async fn quarters(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<Vec<QuarterInfo>>, AppError> {
    Ok(Json(state.db.call(|conn| domain::quarters(conn)).await?))
}

pub async fn history(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<zakupka_core::rating::History>, AppError> {
    Ok(Json(state.db.call(|conn| domain::history(conn)).await?))
}

pub async fn publish(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Path(q): Path<String>,
) -> Result<Json<Rating>, AppError> {
    let q = quarter(&q)?;
    let r = state
        .db
        .call(move |conn| {
            let m = domain::latest_methodology(conn)?;
            domain::publish(conn, q, &m, &user.login, Utc::now())
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
    _user: AuthUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let quarter = quarter(&q.quarter)?;
    let format = ExportFormat::parse(&q.format)
        .ok_or_else(|| AppError::bad(Refusal::Invalid, "format", "use csv or xlsx"))?;
    let (rating, directory) = state
        .db
        .call(move |conn| {
            let m = domain::latest_methodology(conn)?;
            Ok((
                domain::rating(conn, quarter, &m)?,
                reference::directory(conn)?,
            ))
        })
        .await?;
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
