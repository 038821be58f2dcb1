//! The operations of calibration: paired visits and calibration cases (see `paths.rs`
//! for why these functions exist).
#![allow(dead_code)]

use zakupka_core::wire::{CalibrationCase, CaseRequest, PairRequest, PairResponse};

use super::paths::{Binary, PhotoUpload};
use super::responses::{
    BadRequest, Conflict, Forbidden, Internal, NotFound, TooLarge, Unauthorized, Unavailable,
};

/// Pair two auditors on one office within seven days, or check a pair (dry_run)
///
/// Supervisors and admins. Two assignments sharing a pair id, each checked as a single
/// assignment is (the own-branch rule included). Refused with `pair_same_auditor` when both
/// halves name one auditor, `pair_too_far_apart` when the two windows together span more
/// than seven days. Auditors never see the pair id.
#[utoipa::path(post, path = "/api/v1/assignments/pairs", tag = "assignments",
    request_body = PairRequest,
    responses(
        (status = 200, description = "Dry run: the warnings.", body = PairResponse),
        (status = 201, description = "Both assigned, with the warnings.", body = PairResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn pair() {}

/// Published calibration cases, newest first
///
/// Anyone signed in; the key only for supervisors and admins.
#[utoipa::path(get, path = "/api/v1/cases", tag = "calibration",
    responses(
        (status = 200, description = "The cases.", body = [CalibrationCase]),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
    ))]
fn list_cases() {}

/// Publish a calibration case with its key
///
/// Supervisors and admins. The key is checked as a submitted visit's answers are
/// (`invalid_key`, naming `key.<item>`); photos must be uploaded first.
#[utoipa::path(post, path = "/api/v1/cases", tag = "calibration",
    request_body = CaseRequest,
    responses(
        (status = 201, description = "Published.", body = CalibrationCase),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn publish_case() {}

/// Upload a photo of a calibration case
///
/// Supervisors and admins. As a visit's photo: the bytes' SHA-256 must be the path's.
#[utoipa::path(put, path = "/api/v1/cases/photos/{sha256}", tag = "calibration",
    params(("sha256" = String, Path, pattern = "^[0-9a-f]{64}$",
        description = "SHA-256 of the photo's bytes, 64 lowercase hex digits.")),
    request_body(content = inline(PhotoUpload), content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored."),
        (status = 200, description = "Stored before."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn put_case_photo() {}

/// A photo of a calibration case
///
/// Anyone signed in.
#[utoipa::path(get, path = "/api/v1/cases/photos/{sha256}", tag = "calibration",
    params(("sha256" = String, Path, pattern = "^[0-9a-f]{64}$",
        description = "SHA-256 of the photo's bytes, 64 lowercase hex digits.")),
    responses(
        (status = 200, description = "The photo's bytes.", content(
            (inline(Binary) = "image/jpeg"), (inline(Binary) = "image/png"),
            (inline(Binary) = "image/webp"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn get_case_photo() {}
