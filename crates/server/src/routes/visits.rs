//! The review queue, a visit in full, its history and revisions, and review decisions.

use axum::extract::State;
use rusqlite::Connection;
use zakupka_core::Visit;
use zakupka_core::wire::{LogEntry, ReviewRequest, VisitDetail, VisitPage, VisitUpdate};

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::extract::{Json, Path, Query, Staff, Supervisor};
use crate::scope::Scope;
use crate::{AppState, presence, queue, review, visits};

/// A page of the queue. Auditors see their own visits whatever they ask for.
pub async fn list(
    State(state): State<AppState>,
    Staff(user): Staff,
    Query(filter): Query<queue::Filter>,
) -> Result<Json<VisitPage>, AppError> {
    let references = state.references.clone();
    let list = state
        .db
        .read(move |conn| {
            let directory = references.directory(conn)?;
            let scope = Scope::of(conn, &user, &references)?;
            queue::page(conn, &filter, &scope, &directory)
        })
        .await?;
    Ok(Json(list))
}

/// Answers with `read(conn, id, scope)` on the visit `id`, within the caller's scope (see
/// `crate::scope`).
async fn read_visit<R: Send + 'static>(
    state: AppState,
    user: AuthUser,
    id: &str,
    read: fn(&Connection, &str, &Scope) -> Result<R, AppError>,
) -> Result<Json<R>, AppError> {
    let id = visits::key(id)?;
    let references = state.references.clone();
    let answer = state
        .db
        .call(move |conn| {
            let scope = Scope::of(conn, &user, &references)?;
            read(conn, &id, &scope)
        })
        .await?;
    Ok(Json(answer))
}

/// The latest revision in full, where it stands, and photos still to upload.
pub async fn detail(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(id): Path<String>,
) -> Result<Json<VisitDetail>, AppError> {
    let role = user.role;
    let Json(detail) = read_visit(state, user, &id, visits::detail).await?;
    Ok(Json(presence::hide_in_detail(detail, role)))
}

/// Who moved the visit, when, from where to where.
pub async fn log(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(id): Path<String>,
) -> Result<Json<Vec<LogEntry>>, AppError> {
    read_visit(state, user, &id, review::log).await
}

/// Every revision of a visit, oldest first, as the auditor's device sent them.
pub async fn revisions(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(id): Path<String>,
) -> Result<Json<Vec<Visit>>, AppError> {
    let role = user.role;
    let Json(mut revisions) = read_visit(state, user, &id, visits::revisions).await?;
    for visit in &mut revisions {
        presence::hide_positions(visit, role);
    }
    Ok(Json(revisions))
}

pub async fn review(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Path(id): Path<String>,
    Json(request): Json<ReviewRequest>,
) -> Result<Json<VisitUpdate>, AppError> {
    let id = visits::key(&id)?;
    let now = state.clock.now();
    let update = state
        .db
        .call(move |conn| review::decide(conn, &id, &request, &user.login, now))
        .await?;
    Ok(Json(update))
}
