//! Zakupka's domain: checklist templates, visits, scoring and the office directory.
//!
//! Everything here is pure: parsers take text, scoring takes values. The store, the
//! network and the UI live in other crates so that this one can be tested exhaustively
//! and shared by the app, the client store and the server.

pub mod actions;
pub mod calibration;
pub mod demo;
pub mod directory;
pub mod label;
#[cfg(feature = "openapi")]
mod openapi;
pub mod presence;
pub mod rating;
pub mod review;
pub mod scoring;
pub mod seed;
pub mod template;
pub mod visit;
pub mod wire;

pub use directory::{Branch, Directory, Office};
pub use label::{Label, Lang};
pub use rating::League;
pub use scoring::{AppealOutcome, ItemOutcome, ItemScore, Score, SectionScore, score, score_with};
pub use seed::SeedError;
pub use template::{
    AnswerError, Band, ChoiceOption, DEFAULT_PHOTO_MAX_SIDE, Item, ItemKind, Scenario, Section,
    Template,
};
pub use visit::{
    Answer, AnswerValue, GeoPoint, InvalidVisit, ItemChange, PhotoRef, TimeFlag, Visit,
    VisitStatus, changes, photo_type,
};
