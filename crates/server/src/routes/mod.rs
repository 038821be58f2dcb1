//! The HTTP service: the API under `/api/v1`, one file per resource, plus `/healthz`,
//! `openapi.json` and the web app. Each handler extracts (the caller's role shows in its
//! signature), calls one domain function and answers.

mod actions;
mod appeals;
mod assignments;
mod auth;
mod calibration;
mod cases;
mod meta;
mod notifications;
mod presence;
mod rating;
mod security;
mod sync;
mod visits;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use tower_http::services::{ServeDir, ServeFile};
use zakupka_core::wire::{API_PREFIX, PROTOCOL_HEADER, PROTOCOL_VERSION};

use crate::auth::{Logins, Throttle};
use crate::{
    AppError, AppState, Clock, Db, Limits, MAX_BODY_BYTES, MAX_JSON_BYTES, MAX_LOGIN_BYTES,
};

/// An assignment is a few short fields and a note.
const MAX_ASSIGNMENT_BYTES: usize = 64 * 1024;
/// A read mark is at most `MAX_READ_BATCH` ids of 20 digits.
const MAX_READ_BYTES: usize = 16 * 1024;

/// What a server is run with besides its database and web app: the clock sign-ins are
/// judged by and their throttles, and the [`Limits`] of requests and quotas. Tests use a
/// manual clock, other throttles and other limits.
pub struct Settings {
    pub clock: Clock,
    pub logins: Arc<Logins>,
    pub limits: Limits,
}

impl Settings {
    pub fn new(clock: Clock, throttle: Throttle) -> Settings {
        Settings {
            logins: Arc::new(Logins::new(clock.clone(), throttle)),
            clock,
            limits: Limits::default(),
        }
    }
}

impl Default for Settings {
    /// The system's clock and the default throttles.
    fn default() -> Settings {
        Settings::new(Clock::system(), Throttle::default())
    }
}

/// The whole service: the API under `/api/v1`, `/healthz`, and the web app from `web_dir`
/// (without one, `/` is a page that says how to build it). Every answer carries the
/// security headers of [`security::headers`].
pub fn app(db: Db, web_dir: Option<PathBuf>) -> Router {
    app_with(db, web_dir, Settings::default())
}

/// [`app`] with other [`Settings`].
pub fn app_with(db: Db, web_dir: Option<PathBuf>, settings: Settings) -> Router {
    let limits = settings.limits;
    let state = AppState {
        db,
        pushes: Default::default(),
        references: Default::default(),
        clock: settings.clock,
        logins: settings.logins,
        ratings: Default::default(),
        limits,
    };
    let api = api()
        .layer(middleware::from_fn(protocol))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    let mut router = Router::new()
        .nest(API_PREFIX, api)
        .route("/healthz", get(meta::healthz))
        .route(&format!("{API_PREFIX}/openapi.json"), get(meta::openapi));
    router = match web_dir.filter(|dir| dir.join("index.html").is_file()) {
        Some(dir) => router.fallback_service(web_app(dir)),
        None => router.fallback(meta::no_web_app),
    };
    // Outermost first: every request is traced; at most so many are served at once (the
    // rest wait their turn rather than pile onto the database and the cores); none runs
    // longer than the timeout (a client that sends its body a byte a minute is cut off).
    router.layer(
        tower::ServiceBuilder::new()
            .layer(tower_http::trace::TraceLayer::new_for_http())
            .layer(middleware::map_response(security::headers))
            .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                limits.max_concurrent_requests,
            ))
            .layer(middleware::from_fn(timed_out))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                limits.request_timeout,
            )),
    )
}

/// A request cut off by the timeout answers with a JSON refusal like every other.
async fn timed_out(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() == StatusCode::REQUEST_TIMEOUT {
        return AppError::TimedOut.into_response();
    }
    response
}

/// The web app's files from `dir`, each sent as the `.br` or `.gz` beside it that
/// `scripts/build-web` wrote when the browser accepts that encoding (a third of the wasm's
/// bytes over a phone network), and index.html for any other path (the app's own routes).
fn web_app(dir: PathBuf) -> Router {
    let index = ServeFile::new(dir.join("index.html"));
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .fallback_service(files)
        .layer(middleware::map_response(cache_headers))
}

/// How long a browser may keep a file of the web app. A name with the hash of its content
/// (`zakupka-<16 hex>.js`, `zakupka_bg-<16 hex>.wasm`, named so by `scripts/build-web`)
/// never changes meaning, so it is kept a year unasked; every other name (index.html, the
/// service worker, the manifest) says nothing of its version, so the browser must ask each
/// time (`no-cache`), answered by a bodiless 304 while the file's `Last-Modified` holds.
async fn cache_headers(uri: Uri, mut response: Response) -> Response {
    // The index.html fallback answers a missing hashed name too: that is not the file.
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    let lifetime = if content_addressed(uri.path()) && !html {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(lifetime));
    // A cache in between must not give the brotli body to a browser that asked for gzip.
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Whether the file name ends in `-` and 16 hex digits before its extension.
/// The status of an idempotent create (a photo's bytes, an appeal by `op_id`): 201 the
/// first time, 200 when the server had it already (the same request again changes nothing).
fn stored(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

fn content_addressed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() == 16 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn api() -> Router<AppState> {
    let limit = DefaultBodyLimit::max;
    Router::new()
        .route("/login", post(auth::login).layer(limit(MAX_LOGIN_BYTES)))
        .route("/logout", post(auth::logout))
        .route("/pull", get(sync::pull))
        .route("/push", post(sync::push).layer(limit(MAX_JSON_BYTES)))
        .route(
            "/photos/{sha256}",
            put(sync::put_photo).get(sync::get_photo),
        )
        .route(
            "/notifications/read",
            post(notifications::read).layer(limit(MAX_READ_BYTES)),
        )
        .route("/visits", get(visits::list))
        .route("/visits/{id}", get(visits::detail))
        .route(
            "/visits/{id}/review",
            post(visits::review).layer(limit(MAX_JSON_BYTES)),
        )
        .route(
            "/visits/{id}/include",
            post(presence::include).layer(limit(MAX_JSON_BYTES)),
        )
        .route("/presence/auditors", get(presence::auditors))
        .route("/visits/{id}/log", get(visits::log))
        .route("/visits/{id}/revisions", get(visits::revisions))
        .route("/rating", get(rating::rating))
        .route("/rating/quarters", get(rating::quarters))
        .route("/rating/history", get(rating::history))
        .route("/rating/export", get(rating::export))
        .route(
            "/rating/{quarter}/publish",
            get(rating::preview).post(rating::publish),
        )
        .route("/calibration/{quarter}", get(calibration::calibration))
        .route("/calibration/{quarter}/export", get(calibration::export))
        .route("/auditors", get(assignments::auditors))
        .route(
            "/assignments",
            get(assignments::list)
                .post(assignments::create)
                .layer(limit(MAX_ASSIGNMENT_BYTES)),
        )
        .route(
            "/assignments/pairs",
            post(assignments::pair).layer(limit(MAX_ASSIGNMENT_BYTES)),
        )
        .route("/assignments/{id}", delete(assignments::cancel))
        .route(
            "/cases",
            get(cases::list)
                .post(cases::publish)
                .layer(limit(MAX_JSON_BYTES)),
        )
        .route(
            "/cases/photos/{sha256}",
            put(cases::put_photo).get(cases::get_photo),
        )
        .merge(appeals::routes())
        .merge(actions_api())
}

/// Corrective actions and the manager's view of visits (`routes/actions.rs`).
fn actions_api() -> Router<AppState> {
    let limit = DefaultBodyLimit::max;
    Router::new()
        .route("/actions", get(actions::list))
        .route("/actions/{id}", get(actions::detail))
        .route(
            "/actions/{id}/plan",
            post(actions::plan).layer(limit(MAX_JSON_BYTES)),
        )
        .route(
            "/actions/{id}/done",
            post(actions::done).layer(limit(MAX_JSON_BYTES)),
        )
        .route(
            "/actions/{id}/verify",
            post(actions::verify).layer(limit(MAX_JSON_BYTES)),
        )
        .route(
            "/actions/{id}/reopen",
            post(actions::reopen).layer(limit(MAX_JSON_BYTES)),
        )
        .route(
            "/actions/{id}/photos/{sha256}",
            put(actions::put_photo).get(actions::get_photo),
        )
        .route("/manager/visits", get(actions::manager_visits))
        .route("/manager/visits/{id}", get(actions::manager_visit))
        .route(
            "/manager/visits/{id}/photos/{sha256}",
            get(actions::manager_photo),
        )
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
