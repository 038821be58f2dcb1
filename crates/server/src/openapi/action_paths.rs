//! The operations of corrective actions and the manager's view of visits (see `paths.rs`
//! for why these functions exist).
#![allow(dead_code)]

use zakupka_core::wire::{
    Action, ActionState, DoneRequest, ManagerVisit, ManagerVisitDetail, PlanRequest, ReopenRequest,
    VerifyRequest,
};

use super::paths::{Binary, PhotoUpload};
use super::responses::{
    BadRequest, Conflict, Forbidden, Internal, NotFound, TooLarge, Unauthorized, Unavailable,
};

/// Corrective actions the caller sees
///
/// Managers: their branch's; supervisors and admins: those of their scope; auditors 403.
/// Overdue first, then by due date.
#[utoipa::path(get, path = "/api/v1/actions", tag = "actions",
    params(
        ("state" = Option<ActionState>, Query, description = "Only actions in this state."),
        ("office" = Option<String>, Query, description = "Only actions of this office."),
    ),
    responses(
        (status = 200, description = "The actions.", body = [Action]),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 500, response = Internal),
    ))]
fn list_actions() {}

/// One corrective action
#[utoipa::path(get, path = "/api/v1/actions/{id}", tag = "actions",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The action.", body = Action),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn action() {}

/// Plan an action
///
/// The branch's manager: open or planned → planned. The same `op_id` again answers as the
/// first time; used for another request, 409 `op_reused`.
#[utoipa::path(post, path = "/api/v1/actions/{id}/plan", tag = "actions",
    params(("id" = uuid::Uuid, Path)), request_body = PlanRequest,
    responses(
        (status = 200, description = "The action now.", body = Action),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn plan_action() {}

/// Close an action with evidence
///
/// The branch's manager: open or planned → done, with a text and the photos to upload.
#[utoipa::path(post, path = "/api/v1/actions/{id}/done", tag = "actions",
    params(("id" = uuid::Uuid, Path)), request_body = DoneRequest,
    responses(
        (status = 200, description = "The action now.", body = Action),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn close_action() {}

/// Verify a closed action
///
/// Supervisors and admins, never the one who closed it (403 `closed_by_self`): done →
/// verified.
#[utoipa::path(post, path = "/api/v1/actions/{id}/verify", tag = "actions",
    params(("id" = uuid::Uuid, Path)), request_body = VerifyRequest,
    responses(
        (status = 200, description = "The action now.", body = Action),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn verify_action() {}

/// Reopen a closed action with a reason
///
/// Supervisors and admins: done or verified → open, the reason kept.
#[utoipa::path(post, path = "/api/v1/actions/{id}/reopen", tag = "actions",
    params(("id" = uuid::Uuid, Path)), request_body = ReopenRequest,
    responses(
        (status = 200, description = "The action now.", body = Action),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn reopen_action() {}

/// Upload an evidence photo
///
/// The branch's manager, for a photo the action's `done` named (404
/// `photo_not_in_action` otherwise); the bytes' SHA-256 must be the path's.
#[utoipa::path(put, path = "/api/v1/actions/{id}/photos/{sha256}", tag = "actions",
    params(("id" = uuid::Uuid, Path),
        ("sha256" = String, Path, pattern = "^[0-9a-f]{64}$",
        description = "SHA-256 of the photo's bytes, 64 lowercase hex digits.")),
    request_body(content = inline(PhotoUpload), content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored."),
        (status = 200, description = "Stored before."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn put_action_photo() {}

/// A photo of an action: the finding's (without metadata) or the evidence's
#[utoipa::path(get, path = "/api/v1/actions/{id}/photos/{sha256}", tag = "actions",
    params(("id" = uuid::Uuid, Path),
        ("sha256" = String, Path, pattern = "^[0-9a-f]{64}$",
        description = "SHA-256 of the photo's bytes, 64 lowercase hex digits.")),
    responses(
        (status = 200, description = "The photo's bytes.", content(
            (inline(Binary) = "image/jpeg"), (inline(Binary) = "image/png"),
            (inline(Binary) = "image/webp"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn get_action_photo() {}

/// The approved visits of the manager's branch
///
/// Managers only. No auditor, device or position.
#[utoipa::path(get, path = "/api/v1/manager/visits", tag = "actions",
    responses(
        (status = 200, description = "Newest first.", body = [ManagerVisit]),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 500, response = Internal),
    ))]
fn manager_visits() {}

/// An approved visit of the manager's branch in full, anonymous
#[utoipa::path(get, path = "/api/v1/manager/visits/{id}", tag = "actions",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The visit.", body = ManagerVisitDetail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn manager_visit() {}

/// A photo of an approved visit of the manager's branch, without metadata
#[utoipa::path(get, path = "/api/v1/manager/visits/{id}/photos/{sha256}", tag = "actions",
    params(("id" = uuid::Uuid, Path),
        ("sha256" = String, Path, pattern = "^[0-9a-f]{64}$",
        description = "SHA-256 of the photo's bytes, 64 lowercase hex digits.")),
    responses(
        (status = 200, description = "The photo's bytes.", content(
            (inline(Binary) = "image/jpeg"), (inline(Binary) = "image/png"),
            (inline(Binary) = "image/webp"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn manager_visit_photo() {}
