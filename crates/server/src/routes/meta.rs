//! What describes the service rather than serves data: its OpenAPI document and health.

use axum::Json;

/// The OpenAPI document, generated (`openapi.rs`); tests check it lists exactly the
/// router's routes.
pub async fn openapi() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}

/// For load balancers and scripts: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}
