//! Signing in and out.

use axum::extract::State;
use axum::http::StatusCode;
use zakupka_core::wire::{LoginRequest, LoginResponse};

use crate::AppState;
use crate::auth::{self, AuthUser};
use crate::error::AppError;
use crate::extract::{ClientAddress, Json};

/// Throttles, records the attempt, checks the password with no connection held, then
/// issues the token (see `auth/login.rs` for the policy).
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let login = req.login.trim().to_owned();
    state.logins.admit(&login, address)?;
    let (l, clock) = (login.clone(), state.clock.clone());
    let attempt = state
        .db
        .call(move |conn| auth::begin_attempt(conn, &l, clock.now()))
        .await?;
    let ok = auth::check_password(&state.logins, req.password, attempt.hash.clone()).await?;
    let clock = state.clock.clone();
    let issued = state
        .db
        .call(move |conn| auth::finish_attempt(conn, attempt, ok, req.device_id, clock.now()))
        .await?;
    Ok(Json(LoginResponse {
        token: issued.token,
        expires_at: issued.expires_at,
        login,
        role: issued.role,
    }))
}

pub async fn logout(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, AppError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| auth::revoke(conn, &user.token, now))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
