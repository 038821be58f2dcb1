//! Zakupka's sync server. [`app`] builds the whole HTTP service, so tests drive it without
//! a port; `main.rs` only parses the command line and listens.

pub mod assignments;
pub mod auth;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod ingest;
mod openapi;
pub mod rating;
mod routes;

use std::path::PathBuf;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};
use zakupka_core::wire::{API_PREFIX, PROTOCOL_HEADER, PROTOCOL_VERSION};

pub use db::Db;
pub use error::AppError;

/// The largest request body: a photo at its size limit plus headers' worth of slack.
pub const MAX_BODY_BYTES: usize = 9 * 1024 * 1024;
/// A push of 100 visits of 40 answers with comments fits well within this.
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;
/// A login and a password: anyone may send one, so it is read only up to this.
pub const MAX_LOGIN_BYTES: usize = 16 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Pushes waiting to be stored together in one commit.
    pub pushes: std::sync::Arc<ingest::PushQueue>,
}

/// The whole service: the API under `/api/v1`, `/healthz`, and the web app from `web_dir`.
pub fn app(db: Db, web_dir: Option<PathBuf>) -> Router {
    let state = AppState {
        db,
        pushes: Default::default(),
    };
    let api = routes::api()
        .layer(middleware::from_fn(protocol))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state.clone());
    let mut router = Router::new()
        .nest(API_PREFIX, api)
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route(
            &format!("{API_PREFIX}/openapi.json"),
            axum::routing::get(openapi::serve),
        );
    if let Some(dir) = web_dir {
        let index = dir.join("index.html");
        router = router.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)));
    }
    router.layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Refuses requests of another protocol version with a clear "update the app" before any
/// body is parsed.
async fn protocol(request: Request, next: Next) -> Response {
    let got = request
        .headers()
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if got.as_deref() != Some(&PROTOCOL_VERSION.to_string()) {
        return AppError::ProtocolOutdated {
            got: got.unwrap_or_else(|| "none".into()),
            want: PROTOCOL_VERSION,
        }
        .into_response();
    }
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(PROTOCOL_HEADER, header::HeaderValue::from(PROTOCOL_VERSION));
    response
}
