//! Corrective actions: managers see their branch's and plan and close them; supervisors
//! and admins see those of their scope and verify or reopen them. And the manager's view
//! of approved visits, without the auditor.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;
use zakupka_core::wire::{
    Action, ActionFilter, DoneRequest, ManagerVisit, ManagerVisitDetail, PlanRequest,
    ReopenRequest, VerifyRequest,
};

use super::sync::photo_answer;
use crate::actions::{self, Branches};
use crate::auth::AuthUser;
use crate::error::AppError;
use crate::extract::{Bytes, Json, Manager, Path, Query, Supervisor};
use crate::{AppState, manager, photos, visits};

pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Query(filter): Query<ActionFilter>,
) -> Result<Json<Vec<Action>>, AppError> {
    let now = state.clock.now();
    let list = state
        .db
        .read(move |conn| actions::list(conn, &Branches::of(conn, &user)?, &filter, now))
        .await?;
    Ok(Json(list))
}

pub async fn detail(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Json<Action>, AppError> {
    let now = state.clock.now();
    let action = state
        .db
        .read(move |conn| actions::get(conn, &Branches::of(conn, &user)?, id, now))
        .await?;
    Ok(Json(action))
}

/// A step of an action by `user`: `apply` with the caller's branches, login and the clock.
async fn step<R: Send + 'static>(
    state: AppState,
    user: AuthUser,
    id: Uuid,
    request: R,
    apply: StepFn<R>,
) -> Result<Json<Action>, AppError> {
    let now = state.clock.now();
    let action = state
        .db
        .call(move |conn| {
            let branches = Branches::of(conn, &user)?;
            apply(conn, &branches, id, &request, &user.login, now)
        })
        .await?;
    Ok(Json(action))
}

type StepFn<R> = fn(
    &mut rusqlite::Connection,
    &Branches,
    Uuid,
    &R,
    &str,
    chrono::DateTime<chrono::Utc>,
) -> Result<Action, AppError>;

pub async fn plan(
    State(state): State<AppState>,
    manager: Manager,
    Path(id): Path<Uuid>,
    Json(request): Json<PlanRequest>,
) -> Result<Json<Action>, AppError> {
    step(state, manager.user, id, request, actions::plan).await
}

pub async fn done(
    State(state): State<AppState>,
    manager: Manager,
    Path(id): Path<Uuid>,
    Json(request): Json<DoneRequest>,
) -> Result<Json<Action>, AppError> {
    step(state, manager.user, id, request, actions::done).await
}

pub async fn verify(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Path(id): Path<Uuid>,
    Json(request): Json<VerifyRequest>,
) -> Result<Json<Action>, AppError> {
    step(state, user, id, request, actions::verify).await
}

pub async fn reopen(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Path(id): Path<Uuid>,
    Json(request): Json<ReopenRequest>,
) -> Result<Json<Action>, AppError> {
    step(state, user, id, request, actions::reopen).await
}

/// The manager uploads an evidence photo the action's `done` named: 201 new, 200 known.
pub async fn put_photo(
    State(state): State<AppState>,
    manager: Manager,
    Path((id, sha256)): Path<(Uuid, String)>,
    Bytes(body): Bytes,
) -> Result<StatusCode, AppError> {
    photos::check_address(&sha256)?;
    let mime = photos::check_upload(&sha256, &body)?;
    let now = state.clock.now();
    let created = state
        .db
        .call(move |conn| {
            let branches = Branches::of(conn, &manager.user)?;
            let by = &manager.user.login;
            actions::put_photo(conn, &branches, id, &sha256, mime, &body, by, now)
        })
        .await?;
    Ok(super::stored(created))
}

/// A photo of the finding (without its metadata) or of the evidence.
pub async fn get_photo(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, sha256)): Path<(Uuid, String)>,
) -> Result<Response, AppError> {
    photos::check_address(&sha256)?;
    let now = state.clock.now();
    let (mime, bytes) = state
        .db
        .read(move |conn| actions::get_photo(conn, &Branches::of(conn, &user)?, id, &sha256, now))
        .await?;
    Ok(photo_answer(mime, bytes))
}

pub async fn manager_visits(
    State(state): State<AppState>,
    manager: Manager,
) -> Result<Json<Vec<ManagerVisit>>, AppError> {
    let list = state
        .db
        .read(move |conn| manager::list(conn, &manager.branch))
        .await?;
    Ok(Json(list))
}

pub async fn manager_visit(
    State(state): State<AppState>,
    manager: Manager,
    Path(id): Path<String>,
) -> Result<Json<ManagerVisitDetail>, AppError> {
    let id = visits::key(&id)?;
    let detail = state
        .db
        .read(move |conn| manager::detail(conn, &manager.branch, &id))
        .await?;
    Ok(Json(detail))
}

pub async fn manager_photo(
    State(state): State<AppState>,
    manager: Manager,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = visits::key(&id)?;
    photos::check_address(&sha256)?;
    let (mime, bytes) = state
        .db
        .read(move |conn| manager::photo(conn, &manager.branch, &id, &sha256))
        .await?;
    Ok(photo_answer(mime, bytes))
}
