//! The operations of appeals and the network-wide charts (see `paths.rs` for why these
//! functions exist).
#![allow(dead_code)]

use zakupka_core::wire::{Appeal, AppealDecisionRequest, AppealRequest, FailedItems, TimeToFix};

use super::paths::{Binary, PhotoUpload};
use super::responses::{
    BadRequest, Conflict, Forbidden, Internal, NotFound, TooLarge, Unauthorized, Unavailable,
};

/// Appeal an item of an approved visit
///
/// Managers heading a branch, for visits to its offices (others: 404). Within the
/// methodology's `appeal_window_days` of the approval (`appeal_window_closed`) and before
/// the quarter is published (`quarter_published`); one appeal per item (`appeal_exists`).
/// The same `op_id` again answers 200 with the appeal it made.
#[utoipa::path(post, path = "/api/v1/appeals", tag = "appeals",
    request_body = AppealRequest,
    responses(
        (status = 201, description = "Filed.", body = Appeal),
        (status = 200, description = "Filed before with this op_id.", body = Appeal),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn file_appeal() {}

/// Appeals, pending first
///
/// A manager their branch's; supervisors and admins those in their scope. Auditors: 403.
#[utoipa::path(get, path = "/api/v1/appeals", tag = "appeals",
    params(
        ("state" = Option<String>, Query, description = "pending, upheld or rejected"),
        ("quarter" = Option<String>, Query, description = "e.g. 2026-Q1"),
        ("visit" = Option<String>, Query, description = "a visit id"),
    ),
    responses(
        (status = 200, description = "The appeals.", body = [Appeal]),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 500, response = Internal),
    ))]
fn list_appeals() {}

/// One appeal
#[utoipa::path(get, path = "/api/v1/appeals/{id}", tag = "appeals",
    params(("id" = String, Path, description = "The appeal's id.")),
    responses(
        (status = 200, description = "The appeal.", body = Appeal),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn get_appeal() {}

/// Uphold or reject an appeal
///
/// Supervisors and admins in whose scope the visit is, not of its branch, and not the one
/// who approved it (`own_approval`). Upholding needs an `outcome` (passed or excluded):
/// the item then scores so for the rating. A reason is required. The same `op_id` again
/// answers with the appeal as decided.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/decide", tag = "appeals",
    params(("id" = String, Path, description = "The appeal's id.")),
    request_body = AppealDecisionRequest,
    responses(
        (status = 200, description = "Decided.", body = Appeal),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn decide_appeal() {}

/// Upload an evidence photo the appeal names
///
/// The manager of the appeal's branch.
#[utoipa::path(put, path = "/api/v1/appeals/{id}/photos/{sha256}", tag = "appeals",
    params(("id" = String, Path, description = "The appeal's id."),
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
fn put_appeal_photo() {}

/// An evidence photo of an appeal
#[utoipa::path(get, path = "/api/v1/appeals/{id}/photos/{sha256}", tag = "appeals",
    params(("id" = String, Path, description = "The appeal's id."),
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
fn get_appeal_photo() {}

/// The quarter's most frequent failed items, network-wide (Pareto)
///
/// Supervisors and admins. Over every approved visit of the quarter; an item whose appeal
/// was upheld is not counted.
#[utoipa::path(get, path = "/api/v1/charts/{quarter}/failed-items", tag = "appeals",
    params(("quarter" = String, Path, description = "e.g. 2026-Q1")),
    responses(
        (status = 200, description = "Failures per item, most frequent first.", body = FailedItems),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 500, response = Internal),
    ))]
fn failed_items() {}

/// The median time to fix by branch (network-wide)
///
/// Supervisors and admins. Of each branch's corrective actions created in the quarter:
/// how many a supervisor verified fixed, how many not, and the median days from the
/// finding to the fix; slowest first.
#[utoipa::path(get, path = "/api/v1/charts/{quarter}/time-to-fix", tag = "appeals",
    params(("quarter" = String, Path, description = "e.g. 2026-Q1")),
    responses(
        (status = 200, description = "Per branch.", body = TimeToFix),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 500, response = Internal),
    ))]
fn time_to_fix() {}
