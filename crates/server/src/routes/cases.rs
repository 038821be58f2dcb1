//! Calibration cases: supervisors and admins publish them (with their key) and upload their
//! photos; anyone signed in lists them (auditors without the key) and sees their photos.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use zakupka_core::wire::{CalibrationCase, CaseRequest};

use crate::error::AppError;
use crate::extract::{Bytes, Json, PhotoAddress, Staff, Supervisor};
use crate::{AppState, cases, photos};

/// Auditors get the cases without their keys, or they would copy them.
pub async fn list(
    State(state): State<AppState>,
    Staff(user): Staff,
) -> Result<Json<Vec<CalibrationCase>>, AppError> {
    let with_key = user.only_own().is_none();
    let list = state
        .db
        .read(move |conn| cases::list(conn, with_key))
        .await?;
    Ok(Json(list))
}

pub async fn publish(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Json(request): Json<CaseRequest>,
) -> Result<(StatusCode, Json<CalibrationCase>), AppError> {
    let now = state.clock.now();
    let case = state
        .db
        .call(move |conn| cases::publish(conn, &request, &user.login, now))
        .await?;
    Ok((StatusCode::CREATED, Json(case)))
}

pub async fn put_photo(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    PhotoAddress(sha256): PhotoAddress,
    Bytes(body): Bytes,
) -> Result<StatusCode, AppError> {
    let mime = photos::check_upload(&sha256, &body)?;
    let now = state.clock.now();
    let created = state
        .db
        .call(move |conn| cases::put_photo(conn, &sha256, mime, &body, &user.login, now))
        .await?;
    Ok(super::stored(created))
}

pub async fn get_photo(
    State(state): State<AppState>,
    _user: Staff,
    PhotoAddress(sha256): PhotoAddress,
) -> Result<Response, AppError> {
    let (mime, bytes) = state
        .db
        .read(move |conn| cases::photo(conn, &sha256))
        .await?;
    Ok(super::sync::photo_answer(mime, bytes))
}
