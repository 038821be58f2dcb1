//! Zakupka on the device: the local SQLite store of visits, its schema migrations and the
//! outbox that sync drains.
//!
//! The same code runs on desktop (files in the platform data directory) and in the browser
//! (the page store of [`pages`], persisted page by page to IndexedDB, see `web`).

pub mod actions;
pub mod api;
pub mod appeals;
#[cfg(all(feature = "downscale", not(target_arch = "wasm32")))]
pub mod downscale;
mod error;
pub mod evidence;
pub mod geo;
pub mod pages;
mod schema;
mod store;
pub mod sync;
#[cfg(target_arch = "wasm32")]
pub mod web;
#[cfg(target_arch = "wasm32")]
pub mod web_photos;

pub use error::StoreError;
pub use schema::{MAIN_SCHEMA_VERSION, MEDIA_SCHEMA_VERSION};
pub use store::{
    ActionOp, ActionOpKind, ActionOpOutcome, DEFAULT_PHOTO_RETENTION_DAYS, Expired, ListedVisit,
    LocalAction, LocalAssignment, LocalCase, LocalNotification, MAX_PHOTO_BYTES,
    MAX_PHOTOS_PER_ITEM, Moment, NewVisit, OutboxEntry, Owner, PageAfter, PhotoKept, PushOutcome,
    ReviewNotes, Store, SyncState, VisitPage, VisitSummary, apply_step, plan_incoming,
};
