//! Assignments: supervisors and admins assign and cancel; auditors list their own.

use axum::extract::State;
use axum::http::StatusCode;
use uuid::Uuid;
use zakupka_core::wire::{
    Assignment, AssignmentRequest, AssignmentResponse, AssignmentStatus, Auditor, PairRequest,
    PairResponse, Refusal,
};

use crate::error::AppError;
use crate::extract::{Json, Path, Query, Staff, Supervisor};
use crate::{AppState, actions, assignments, pairs};

pub async fn auditors(
    State(state): State<AppState>,
    _user: Supervisor,
) -> Result<Json<Vec<Auditor>>, AppError> {
    let list = state.db.read(|conn| assignments::auditors(conn)).await?;
    Ok(Json(list))
}

/// Auditors see their own assignments whatever they ask for.
pub async fn list(
    State(state): State<AppState>,
    Staff(user): Staff,
    Query(filter): Query<assignments::Filter>,
) -> Result<Json<Vec<Assignment>>, AppError> {
    let now = state.clock.now();
    let list = state
        .db
        .read(move |conn| {
            let mut list = assignments::list(conn, &filter, user.only_own(), now.date_naive())?;
            // The items to look at closely: never told to the office (managers are refused).
            for a in list
                .iter_mut()
                .filter(|a| a.status != AssignmentStatus::Done)
            {
                a.recheck = actions::recheck_items(conn, &a.office_id, now)?;
            }
            Ok(list)
        })
        .await?;
    Ok(Json(list))
}

/// Stores an assignment (201), or with `dry_run` only checks it (200).
pub async fn create(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Json(request): Json<AssignmentRequest>,
) -> Result<(StatusCode, Json<AssignmentResponse>), AppError> {
    let references = state.references.clone();
    let now = state.clock.now();
    let (assignment, warnings) = state
        .db
        .call(move |conn| {
            let directory = references.directory(conn)?;
            assignments::create(conn, &request, &directory, &user.login, now)
        })
        .await?;
    let status = super::stored(assignment.is_some());
    Ok((
        status,
        Json(AssignmentResponse {
            assignment,
            warnings,
        }),
    ))
}

/// Pairs two auditors on one office (201), or with `dry_run` only checks the pair (200).
pub async fn pair(
    State(state): State<AppState>,
    Supervisor(user): Supervisor,
    Json(request): Json<PairRequest>,
) -> Result<(StatusCode, Json<PairResponse>), AppError> {
    let references = state.references.clone();
    let now = state.clock.now();
    let (assignments, warnings) = state
        .db
        .call(move |conn| {
            let directory = references.directory(conn)?;
            pairs::create(conn, &request, &directory, &user.login, now)
        })
        .await?;
    let status = super::stored(!assignments.is_empty());
    Ok((
        status,
        Json(PairResponse {
            assignments,
            warnings,
        }),
    ))
}

pub async fn cancel(
    State(state): State<AppState>,
    _user: Supervisor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = Uuid::parse_str(&id)
        .map_err(|_| AppError::bad(Refusal::Invalid, "id", "not an assignment id"))?;
    let now = state.clock.now();
    state
        .db
        .call(move |conn| assignments::cancel(conn, id, now))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
