//! Signing in and out.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use zakupka_core::wire::{LoginRequest, LoginResponse};

use crate::AppState;
use crate::auth::{self, AuthUser};
use crate::error::AppError;
use crate::extract::Json;

/// Checks the password in three steps so that the slow hash check holds no connection.
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let login = req.login.trim().to_owned();
    let l = login.clone();
    let hash = state
        .db
        .call(move |conn| auth::check_lock(conn, &l, Utc::now()))
        .await?;
    let ok = auth::check_password(req.password, hash).await?;
    let l = login.clone();
    let issued = state
        .db
        .call(move |conn| auth::record(conn, &l, ok, req.device_id, Utc::now()))
        .await?;
    Ok(Json(LoginResponse {
        token: issued.token,
        expires_at: issued.expires_at,
        login,
        role: issued.role,
    }))
}

pub async fn logout(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, AppError> {
    let now = Utc::now();
    state
        .db
        .call(move |conn| auth::revoke(conn, &user.token, now))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
