//! Presence and conflicts: including a left-out visit in the rating, and each auditor's
//! share of flagged visits in a quarter. Supervisors and admins.

use axum::extract::State;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{AuditorFlags, IncludeRequest, Inclusion};

use crate::error::AppError;
use crate::extract::{Json, Path, Query, Supervisor};
use crate::scope::Scope;
use crate::{AppState, presence, visits};

pub async fn include(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Path(id): Path<String>,
    Json(request): Json<IncludeRequest>,
) -> Result<Json<Inclusion>, AppError> {
    let id = visits::key(&id)?;
    let now = state.clock.now();
    let inclusion = state
        .db
        .call(move |conn| presence::include(conn, &id, &request, &user.login, now))
        .await?;
    Ok(Json(inclusion))
}

#[derive(serde::Deserialize)]
pub struct QuarterQuery {
    quarter: Quarter,
}

pub async fn auditors(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Query(q): Query<QuarterQuery>,
) -> Result<Json<Vec<AuditorFlags>>, AppError> {
    let references = state.references.clone();
    let list = state
        .db
        .read(move |conn| {
            let scope = Scope::of(conn, &user, &references)?;
            presence::auditors(conn, q.quarter, &scope)
        })
        .await?;
    Ok(Json(list))
}
