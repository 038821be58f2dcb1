//! The operations of the API, one function each that exists only to carry its
//! `#[utoipa::path]`: the handlers stay free of documentation attributes. The router test
//! (`tests/api.rs`) checks that these and the router's routes are the same.
//!
//! Each operation lists what it answers and the errors of its own; the protocol header and
//! its 426 come from `ProtocolCheck`, as the middleware that checks them sits in front of
//! every route under `/api/v1`.
#![allow(dead_code)]

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};
use zakupka_core::presence::PresenceFlag;
use zakupka_core::wire::{
    Assignment, AssignmentRequest, AssignmentResponse, Auditor, ExportFormat, LogEntry,
    LoginRequest, LoginResponse, MAX_PHOTO_BYTES, PublishPreview, PullResponse, PushRequest,
    PushResponse, QuarterInfo, Rating, ReviewRequest, VisitDetail, VisitPage, VisitUpdate,
};
use zakupka_core::wire::{AuditorFlags, IncludeRequest, Inclusion, ReadRequest};
use zakupka_core::{Visit, rating::History, rating::Quarter};

use super::responses::{
    BadRequest, Conflict, Forbidden, Internal, NotFound, QuotaExceeded, TooLarge, TooManyAttempts,
    Unauthorized, Unavailable,
};

/// A review state to filter by, or empty for any.
struct StateFilter;

impl PartialSchema for StateFilter {
    fn schema() -> RefOr<Schema> {
        use zakupka_core::wire::ReviewState::*;
        let states = [Submitted, Returned, Approved, Rejected].map(|s| s.as_str());
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([""].into_iter().chain(states)))
            .into()
    }
}

impl ToSchema for StateFilter {}

/// The bytes of a file: a photo, a spreadsheet.
pub(super) struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

/// A photo's bytes, as uploaded: at most `MAX_PHOTO_BYTES`.
pub(super) struct PhotoUpload;

impl PartialSchema for PhotoUpload {
    fn schema() -> RefOr<Schema> {
        let RefOr::T(Schema::Object(binary)) = Binary::schema() else {
            unreachable!("Binary is an object schema")
        };
        let mut upload = binary;
        upload.max_length = Some(MAX_PHOTO_BYTES);
        upload.into()
    }
}

impl ToSchema for PhotoUpload {}

/// Log in and get a bearer token for this device
///
/// Checks the password (Argon2) and issues a token valid for 30 days. After five failed
/// attempts in a row for a login (existing or not) each further attempt must wait (429
/// with Retry-After), as must attempts faster than the throttles by login and by address.
/// A disabled user's right password gets 401 `account_disabled`.
#[utoipa::path(post, path = "/api/v1/login", tag = "auth", security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in.", body = LoginResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = TooLarge),
        (status = 429, response = TooManyAttempts),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn login() {}

/// Revoke the caller's token
///
/// Any later request with this token gets 401.
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth",
    responses(
        (status = 204, description = "The token is revoked."),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn logout() {}

/// Changes for the caller since a cursor
///
/// The directory and templates when they changed, and review states of the caller's own
/// visits. At most 500 changes per answer; `more` says to pull again. Start with cursor 0.
#[utoipa::path(get, path = "/api/v1/pull", tag = "sync",
    params(("cursor" = Option<u64>, Query, minimum = 0,
        description = "`next_cursor` of the previous pull; 0 (or absent) for everything.")),
    responses(
        (status = 200, description = "What changed.", body = PullResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
    ))]
fn pull() {}

/// Send submitted visits (auditors only)
///
/// Idempotent by (visit id, revision): the same revision again is `duplicate`, the same
/// revision with other content `rejected`. The whole batch is stored in one transaction; a
/// result of `accepted` means it is on disk. Each visit's `auditor` must be the caller, and
/// it must fit its template version, the directory and the scenario list.
#[utoipa::path(post, path = "/api/v1/push", tag = "sync",
    request_body = PushRequest,
    responses(
        (status = 200, description = "One result per visit.", body = PushResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = TooLarge),
        (status = 429, response = QuotaExceeded),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn push() {}

/// Upload a photo of one of the caller's visits
///
/// The body is the photo's bytes (JPEG, PNG or WebP, at most 8 MiB); the type is decided by
/// the bytes, not by Content-Type. The SHA-256 of the body must equal the one in the path,
/// and a visit of the caller pushed before must reference it. Whether another user sent
/// the same bytes is not told: the first upload by this caller is always 201. The bytes
/// count against the caller's daily quota of photo bytes.
#[utoipa::path(put, path = "/api/v1/photos/{sha256}", tag = "sync",
    params(("sha256" = String, Path, pattern = "^[0-9a-f]{64}$",
        description = "SHA-256 of the photo's bytes, 64 lowercase hex digits.")),
    request_body(content = inline(PhotoUpload), content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored now for the caller."),
        (status = 200, description = "The caller uploaded this photo before."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 413, response = TooLarge),
        (status = 429, response = QuotaExceeded),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn put_photo() {}

/// A photo of a visit
///
/// Through a visit the caller may see (auditors: their own; supervisors bound to branches:
/// those branches' offices'; other supervisors and admins: any) whose auditor uploaded the
/// photo. Anything else is 404.
#[utoipa::path(get, path = "/api/v1/photos/{sha256}", tag = "sync",
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
fn get_photo() {}

/// Visits on the server, newest first, a page at a time
///
/// Auditors get only their own visits, whatever `auditor` says; supervisors and admins get
/// everyone's, narrowed by the filters. An empty filter means any. A page holds `limit`
/// visits; its `next` (absent on the last page) is the `cursor` of the page after it, asked
/// with the same filters. Pages are by arrival of the current revision: visits that arrive
/// meanwhile come before the first page and never shift the later ones.
#[utoipa::path(get, path = "/api/v1/visits", tag = "visits",
    params(
        ("auditor" = Option<String>, Query,
            description = "Only this auditor's visits (supervisors and admins)."),
        ("quarter" = Option<String>, Query, pattern = "^((20[0-9]{2}|2100)-Q[1-4])?$",
            description = "Only visits started in this quarter. Empty means any."),
        ("branch" = Option<String>, Query, description = "Only visits of this branch's offices."),
        ("office" = Option<String>, Query, description = "Only visits of this office."),
        ("state" = inline(Option<StateFilter>), Query,
            description = "Only visits in this review state. Empty means any."),
        ("flag" = Option<PresenceFlag>, Query,
            description = "Only visits carrying this presence flag."),
        ("cursor" = Option<String>, Query,
            description = "The `next` of the page before; absent for the first page. A cursor \
                this server did not make is refused with the code `bad_cursor`."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500,
            description = "Visits on the page, 1 to 500; 100 if absent."),
    ),
    responses(
        (status = 200, description = "A page of the visits.", body = VisitPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
    ))]
fn list_visits() {}

/// One visit in full
///
/// Its latest revision, review state and photos its auditor has not uploaded yet. Another
/// auditor's visit is 404 for an auditor, another branch's for a supervisor bound to
/// branches.
#[utoipa::path(get, path = "/api/v1/visits/{id}", tag = "visits",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The visit.", body = VisitDetail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn visit_detail() {}

/// Decide on a submitted visit
///
/// Supervisors and admins: approve, return for correction (with comments on the visit or on
/// items), or reject (reason required). The request names the revision decided: 409
/// `revision_changed` if the auditor has sent another since. A visit outside a bound
/// supervisor's branches is 404; one to an office of the caller's own branch is 403
/// `own_branch_visit`. Every decision is written to the visit's append-only log and
/// reaches the auditor's devices by pull.
#[utoipa::path(post, path = "/api/v1/visits/{id}/review", tag = "review",
    params(("id" = uuid::Uuid, Path)),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "What the auditor's devices will see.", body = VisitUpdate),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn review_visit() {}

/// Mark notifications read
///
/// Anyone signed in, their own notifications only (delivered by `/pull`). Ids that are
/// not the caller's, unknown or already read change nothing, so the same request may be
/// sent again. At most 500 ids.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "sync",
    request_body = ReadRequest,
    responses(
        (status = 204, description = "Marked read."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn read_notifications() {}

/// Include an own-branch visit in the rating
///
/// Supervisors and admins. A visit to an office of its auditor's own branch is flagged
/// `own_branch` at push and left out of the rating until included, with a reason (written
/// to the audit log). 400 `reason_required` without one; 409 `not_left_out` for a visit
/// not left out or already included, `revision_changed` if `revision` is not the current
/// one; 403 `own_branch_visit` for the caller's own branch; 404 outside their scope.
#[utoipa::path(post, path = "/api/v1/visits/{id}/include", tag = "review",
    params(("id" = uuid::Uuid, Path)),
    request_body = IncludeRequest,
    responses(
        (status = 200, description = "Who included it, when, why.", body = Inclusion),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn include_visit() {}

/// Each auditor's share of flagged visits in a quarter
///
/// Supervisors and admins: visits started in the quarter (current revisions, within the
/// caller's branches if bound), how many carry any presence flag, and how many each flag.
#[utoipa::path(get, path = "/api/v1/presence/auditors", tag = "review",
    params(("quarter" = String, Query, pattern = "^(20[0-9]{2}|2100)-Q[1-4]$")),
    responses(
        (status = 200, description = "By auditor.", body = [AuditorFlags]),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 500, response = Internal),
    ))]
fn auditor_flags() {}

/// A visit's history
///
/// Every submission and decision, oldest first. Auditors see only their own visits'.
#[utoipa::path(get, path = "/api/v1/visits/{id}/log", tag = "review",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The log.", body = [LogEntry]),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn visit_log() {}

/// Every revision of a visit
///
/// Oldest first, each as the device sent it, so a supervisor can see what a correction
/// changed. Auditors see only their own.
#[utoipa::path(get, path = "/api/v1/visits/{id}/revisions", tag = "review",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "The revisions.", body = [Visit]),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn visit_revisions() {}

/// A quarter's rating of branches
///
/// As published (frozen) if the quarter is published, else computed now from approved
/// visits and imported KPIs with the newest methodology. Anyone signed in.
#[utoipa::path(get, path = "/api/v1/rating", tag = "rating",
    params(("quarter" = Quarter, Query)),
    responses(
        (status = 200, description = "The rating.", body = Rating),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn rating() {}

/// Quarters with something to rate
#[utoipa::path(get, path = "/api/v1/rating/quarters", tag = "rating",
    responses(
        (status = 200, description = "Newest first.", body = [QuarterInfo]),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
    ))]
fn rating_quarters() {}

/// Leaders, cups and trends over published quarters
///
/// Each published quarter's leaders by league (a shared first place lists several), how
/// many quarters each branch has led, and each branch's published scores for its trend.
/// The cup holders are the latest quarter's leaders.
#[utoipa::path(get, path = "/api/v1/rating/history", tag = "rating",
    responses(
        (status = 200, description = "The history.", body = History),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
    ))]
fn rating_history() {}

/// The rating as a CSV or XLSX file
///
/// Columns quarter, league, place, branch, score, each criterion's 0-100 score, status.
#[utoipa::path(get, path = "/api/v1/rating/export", tag = "rating",
    params(("quarter" = Quarter, Query), ("format" = inline(ExportFormat), Query)),
    responses(
        (status = 200, description = "The file, as an attachment.", content(
            (String = "text/csv"),
            (inline(Binary) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
    ))]
fn rating_export() {}

/// What publishing a quarter would freeze
///
/// Admins. The places as computed now and who would then hold each league's cup; the same
/// refusals as publishing (409 if published, not ended, or without its KPIs). Changes
/// nothing.
#[utoipa::path(get, path = "/api/v1/rating/{quarter}/publish", tag = "rating",
    params(("quarter" = Quarter, Path)),
    responses(
        (status = 200, description = "The preview.", body = PublishPreview),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 500, response = Internal),
    ))]
fn publish_preview() {}

/// Publish a quarter: freeze its results and methodology version
///
/// Admins, for a quarter that has ended and whose KPIs are imported (see the preview). A
/// published quarter never changes again.
#[utoipa::path(post, path = "/api/v1/rating/{quarter}/publish", tag = "rating",
    params(("quarter" = Quarter, Path)),
    responses(
        (status = 200, description = "The published rating.", body = Rating),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn publish_rating() {}

/// Auditors, with the branch each works for
///
/// Supervisors and admins.
#[utoipa::path(get, path = "/api/v1/auditors", tag = "assignments",
    responses(
        (status = 200, description = "The auditors, by login.", body = [Auditor]),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 500, response = Internal),
    ))]
fn list_auditors() {}

/// Assignments not cancelled, soonest due first
///
/// Auditors get only their own, whatever `auditor` says.
#[utoipa::path(get, path = "/api/v1/assignments", tag = "assignments",
    params(
        ("auditor" = Option<String>, Query,
            description = "Only this auditor's assignments (supervisors and admins)."),
        ("quarter" = Option<String>, Query, pattern = "^((20[0-9]{2}|2100)-Q[1-4])?$",
            description = "Only this quarter's assignments. Empty means any."),
    ),
    responses(
        (status = 200, description = "The assignments.", body = [Assignment]),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
    ))]
fn list_assignments() {}

/// Assign a visit to an auditor, or check one (dry_run)
///
/// Supervisors and admins. Refused (400, field `auditor`) when the office belongs to the
/// auditor's own branch; warned when the auditor saw the office in the quarter before or
/// after. A dry run stores nothing and answers 200.
#[utoipa::path(post, path = "/api/v1/assignments", tag = "assignments",
    request_body = AssignmentRequest,
    responses(
        (status = 200, description = "Dry run: the warnings.", body = AssignmentResponse),
        (status = 201, description = "Assigned, with the warnings.", body = AssignmentResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn assign() {}

/// Cancel an assignment
///
/// Supervisors and admins. The record is kept.
#[utoipa::path(delete, path = "/api/v1/assignments/{id}", tag = "assignments",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 204, description = "Cancelled."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ))]
fn cancel_assignment() {}

/// This document
///
/// Open: no token, no protocol header.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI document.", body = Object)))]
fn openapi() {}

/// Liveness check
///
/// Open: no token, no protocol header.
#[utoipa::path(get, path = "/healthz", tag = "meta", security(()),
    responses((status = 200, description = "The server is up.", body = String,
        content_type = "text/plain")))]
fn healthz() {}
