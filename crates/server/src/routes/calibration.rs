//! A quarter's calibration, for supervisors and admins: agreement per item and section
//! and each auditor's severity, as JSON or a CSV file. Read on a reader connection.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{Calibration, ExportFormat, Refusal};

use crate::AppState;
use crate::calibration as domain;
use crate::error::AppError;
use crate::extract::{Json, Path, Supervisor};

fn quarter(text: &str) -> Result<Quarter, AppError> {
    text.parse()
        .map_err(|e: String| AppError::bad(Refusal::Invalid, "quarter", e))
}

pub async fn calibration(
    State(state): State<AppState>,
    Supervisor(_user): Supervisor,
    Path(q): Path<String>,
) -> Result<Json<Calibration>, AppError> {
    let q = quarter(&q)?;
    let c = state
        .db
        .read(move |conn| domain::calibration(conn, q))
        .await?;
    Ok(Json(c))
}

/// The calibration as a CSV file to download.
pub async fn export(
    State(state): State<AppState>,
    Supervisor(_user): Supervisor,
    Path(q): Path<String>,
) -> Result<Response, AppError> {
    let q = quarter(&q)?;
    let body = state
        .db
        .read(move |conn| domain::csv(&domain::calibration(conn, q)?))
        .await?;
    let disposition = format!("attachment; filename=\"calibration-{q}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, ExportFormat::Csv.mime().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
