//! The sync API as a device sees it: every request goes through the whole router
//! (`zakupka_server::app`) with `tower::ServiceExt::oneshot`, no port, on a fresh in-memory
//! database loaded with the real seeds and four users. One test binary, one file per concern.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use tower::ServiceExt;
use uuid::Uuid;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{
    Assignment, AssignmentRequest, AssignmentResponse, AssignmentStatus, AssignmentWarning,
    Auditor, ErrorBody, ErrorCode, LogEntry, LoginRequest, LoginResponse, MAX_PUSH_BATCH,
    PROTOCOL_HEADER, PullResponse, PushRequest, PushResponse, PushStatus, ReviewState, Role,
    ServerVisit, VisitPage, VisitUpdate,
};
use zakupka_core::{AnswerValue, TimeFlag, Visit};
use zakupka_server::{Db, auth};

#[path = "../common/mod.rs"]
mod common;
use common::*;

mod actions;
mod agreement;
mod appeals;
mod assignments;
mod cases;
mod clocks;
mod limits;
mod login;
mod loop_notices;
mod notifications;
mod openapi;
mod pairs;
mod photos;
mod presence;
mod push;
mod queue;
mod refusals;
mod review;
mod roles;
mod scope;
mod sign_in;
mod users;
