//! Zakupka's sync server. [`app`] builds the whole HTTP service, so tests drive it without
//! a port; `main.rs` only parses the command line and listens. HTTP lives in `routes/`,
//! one file per resource; what the handlers call (and all SQL) in the domain modules.

pub mod actions;
pub mod appeals;
pub mod assignments;
pub mod auth;
pub mod backup;
pub mod bundle;
pub mod calibration;
pub mod cases;
pub mod charts;
pub mod clock;
pub mod db;
pub mod demo;
pub mod demo_actions;
pub mod demo_appeals;
pub mod demo_calibration;
pub mod error;
pub mod events;
pub mod export;
pub mod extract;
pub mod ingest;
pub mod manager;
pub mod measures;
pub mod notifications;
mod openapi;
pub mod pairs;
pub mod photos;
pub mod presence;
pub mod pull;
pub mod purge;
pub mod queue;
pub mod quota;
pub mod rating;
pub mod rating_cache;
pub mod reference;
pub mod review;
mod routes;
pub mod scope;
pub mod sql;
pub mod time;
pub mod tls;
pub mod visits;
pub mod webhooks;

use std::sync::Arc;

pub use clock::Clock;
pub use db::Db;
pub use error::AppError;
pub use quota::Limits;
pub use routes::{Settings, app, app_with};

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
    pub pushes: Arc<ingest::PushQueue>,
    /// Checklists and the directory, parsed once.
    pub references: Arc<reference::ReferenceCache>,
    /// Ratings per quarter, until what they are computed from changes.
    pub ratings: Arc<rating_cache::RatingCache>,
    pub limits: Limits,
    /// The clock sign-ins and tokens are judged by.
    pub clock: Clock,
    /// Sign-in throttles and the count of password checks.
    pub logins: Arc<auth::Logins>,
}

/// A semaphore with a permit per core, for CPU-heavy work that should queue rather than
/// share the cores (password checks in `auth`, push parsing in `ingest`).
fn per_core() -> tokio::sync::Semaphore {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
}
