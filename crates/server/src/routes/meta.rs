//! What describes the service rather than serves data: its OpenAPI document and health.

use axum::http::header;
use axum::response::IntoResponse;

/// The hand-written OpenAPI document; tests check it lists exactly the router's routes.
pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../../openapi.json"),
    )
}

/// For load balancers and scripts: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}
