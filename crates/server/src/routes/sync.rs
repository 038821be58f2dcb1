//! What devices sync: pull (changes after a cursor), push (visits), photos.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use zakupka_core::wire::{PullResponse, PushResponse};

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::extract::{Auditor, Bytes, Json, PhotoAddress, Query, Staff};
use crate::ingest::RawPush;
use crate::scope::Scope;
use crate::{AppState, ingest, photos, pull as changes};

#[derive(Deserialize)]
pub struct Cursor {
    #[serde(default)]
    cursor: u64,
}

pub async fn pull(
    State(state): State<AppState>,
    user: AuthUser,
    Query(Cursor { cursor }): Query<Cursor>,
) -> Result<Json<PullResponse>, AppError> {
    let response = state
        .db
        .read(move |conn| changes::pull(conn, cursor, &user.login))
        .await?;
    Ok(Json(response))
}

pub async fn push(
    State(state): State<AppState>,
    Auditor(user): Auditor,
    Json(raw): Json<RawPush>,
) -> Result<Json<PushResponse>, AppError> {
    let results = ingest::push(
        &state.db,
        &state.pushes,
        &state.references,
        user.login,
        user.device_id,
        raw,
        state.limits.visits_per_day,
    )
    .await?;
    Ok(Json(PushResponse { results }))
}

/// A photo of a visit, for supervisors reviewing it (within their scope) and for the
/// auditor who took it.
pub async fn get_photo(
    State(state): State<AppState>,
    Staff(user): Staff,
    PhotoAddress(sha256): PhotoAddress,
) -> Result<Response, AppError> {
    let references = state.references.clone();
    let (mime, bytes) = state
        .db
        .read(move |conn| {
            let scope = Scope::of(conn, &user, &references)?;
            photos::get(conn, &sha256, &scope)
        })
        .await?;
    Ok(photo_answer(mime, bytes))
}

/// A photo's bytes as answered: addressed by its content, so the same address never
/// changes and a browser may keep it.
pub(super) fn photo_answer(mime: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Only the auditor whose pushed visit references the photo may upload it.
pub async fn put_photo(
    State(state): State<AppState>,
    Staff(user): Staff,
    PhotoAddress(sha256): PhotoAddress,
    Bytes(body): Bytes,
) -> Result<StatusCode, AppError> {
    let mime = photos::check_upload(&sha256, &body)?;
    let now = state.clock.now();
    let quota = state.limits.photo_bytes_per_day;
    let created = state
        .db
        .call(move |conn| photos::put(conn, &sha256, mime, &body, &user.login, quota, now))
        .await?;
    Ok(super::stored(created))
}
