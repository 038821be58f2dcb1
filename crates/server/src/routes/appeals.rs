//! Appeals: managers file them (and upload their evidence photos), supervisors and admins
//! decide them; each sees those of their branch or scope. Also the network-wide chart of
//! failed items, for supervisors and admins.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{
    Appeal, AppealDecisionRequest, AppealRequest, AppealState, FailedItems, TimeToFix,
};

use crate::appeals::{self, Viewer};
use crate::auth::AuthUser;
use crate::error::AppError;
use crate::extract::{Bytes, Json, Manager, Path, Query, Supervisor};
use crate::scope::Scope;
use crate::{AppState, charts, photos, visits};

pub async fn file(
    State(state): State<AppState>,
    Manager { user, branch }: Manager,
    Json(request): Json<AppealRequest>,
) -> Result<(StatusCode, Json<Appeal>), AppError> {
    let now = state.clock.now();
    let (created, appeal) = state
        .db
        .call(move |conn| appeals::file(conn, &request, &user.login, &branch, now))
        .await?;
    Ok((super::stored(created), Json(appeal)))
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<AppealState>,
    quarter: Option<Quarter>,
    visit: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Appeal>>, AppError> {
    let visit = q.visit.as_deref().map(visits::key).transpose()?;
    let list = state
        .db
        .read(move |conn| {
            let viewer = Viewer::of(conn, &user)?;
            appeals::list(conn, &viewer, q.state, q.quarter, visit.as_deref())
        })
        .await?;
    Ok(Json(list))
}

pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Appeal>, AppError> {
    let id = visits::key(&id)?;
    let appeal = state
        .db
        .read(move |conn| appeals::get(conn, &id, &Viewer::of(conn, &user)?))
        .await?;
    Ok(Json(appeal))
}

pub async fn decide(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Path(id): Path<String>,
    Json(request): Json<AppealDecisionRequest>,
) -> Result<Json<Appeal>, AppError> {
    let id = visits::key(&id)?;
    let references = state.references.clone();
    let now = state.clock.now();
    let appeal = state
        .db
        .call(move |conn| {
            let scope = Scope::of(conn, &user, &references)?;
            appeals::decide(conn, &id, &request, &user.login, &scope, now)
        })
        .await?;
    Ok(Json(appeal))
}

pub async fn put_photo(
    State(state): State<AppState>,
    Manager { branch, .. }: Manager,
    Path((id, sha256)): Path<(String, String)>,
    Bytes(body): Bytes,
) -> Result<StatusCode, AppError> {
    let id = visits::key(&id)?;
    photos::check_address(&sha256)?;
    let mime = photos::check_upload(&sha256, &body)?;
    let now = state.clock.now();
    let created = state
        .db
        .call(move |conn| appeals::put_photo(conn, &id, &sha256, mime, &body, &branch, now))
        .await?;
    Ok(super::stored(created))
}

pub async fn get_photo(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = visits::key(&id)?;
    photos::check_address(&sha256)?;
    let (mime, bytes) = state
        .db
        .read(move |conn| appeals::photo(conn, &id, &sha256, &Viewer::of(conn, &user)?))
        .await?;
    Ok(super::sync::photo_answer(mime, bytes))
}

fn quarter(text: &str) -> Result<Quarter, AppError> {
    text.parse()
        .map_err(|e: String| AppError::bad(zakupka_core::wire::Refusal::Invalid, "quarter", e))
}

/// The quarter's most frequent failed items, network-wide.
pub async fn failed_items(
    State(state): State<AppState>,
    Supervisor(_user): Supervisor,
    Path(q): Path<String>,
) -> Result<Json<FailedItems>, AppError> {
    let quarter = quarter(&q)?;
    let figures = state
        .db
        .read(move |conn| charts::failed_items(conn, quarter))
        .await?;
    Ok(Json(figures))
}

/// The median time to fix by branch, network-wide.
pub async fn time_to_fix(
    State(state): State<AppState>,
    Supervisor(_user): Supervisor,
    Path(q): Path<String>,
) -> Result<Json<TimeToFix>, AppError> {
    let quarter = quarter(&q)?;
    let figures = state
        .db
        .read(move |conn| charts::time_to_fix(conn, quarter))
        .await?;
    Ok(Json(figures))
}

/// This file's routes, merged into the API.
pub fn routes() -> axum::Router<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get as read, post};
    let limit = DefaultBodyLimit::max(crate::MAX_JSON_BYTES);
    axum::Router::new()
        .route("/appeals", read(list).post(file).layer(limit))
        .route("/appeals/{id}", read(get))
        .route("/appeals/{id}/decide", post(decide).layer(limit))
        .route(
            "/appeals/{id}/photos/{sha256}",
            axum::routing::put(put_photo).get(get_photo),
        )
        .route("/charts/{quarter}/failed-items", read(failed_items))
        .route("/charts/{quarter}/time-to-fix", read(time_to_fix))
}
