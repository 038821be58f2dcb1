//! The inbox's one write: the caller marks their notifications read (the device's outbox
//! sends it, and may send it again). They are delivered by the pull.

use axum::extract::State;
use axum::http::StatusCode;
use zakupka_core::wire::ReadRequest;

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::extract::Json;
use crate::{AppState, notifications};

pub async fn read(
    State(state): State<AppState>,
    user: AuthUser,
    Json(request): Json<ReadRequest>,
) -> Result<StatusCode, AppError> {
    let now = state.clock.now();
    state
        .db
        .call(move |conn| notifications::mark_read(conn, &user.login, &request.ids, now))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
