//! The error answers, one reusable response per `ErrorCode`, each an `ErrorBody`. An
//! operation lists the ones it can give (`(status = 404, response = NotFound)`); the 426 of
//! the protocol check is added to every operation behind it by `openapi::ProtocolCheck`.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response};

/// An `ErrorBody` answer; `retry_after` adds the `Retry-After` header it carries.
fn error(description: &str, example: serde_json::Value, retry_after: Option<&str>) -> Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .example(Some(example))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", content);
    if let Some(about) = retry_after {
        let seconds = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1));
        let header = HeaderBuilder::new()
            .schema(Some(seconds))
            .description(Some(about));
        response = response.header("Retry-After", header.build());
    }
    response.build()
}

macro_rules! error_responses {
    ($($name:ident: $description:literal, $example:tt $(, retry_after = $retry:literal)?;)*) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let retry: Option<&str> = None $(.or(Some($retry)))?;
                (stringify!($name), error($description, serde_json::json!($example), retry).into())
            }
        }
    )*};
}

error_responses! {
    BadRequest: "The request is malformed or breaks a rule; `field` names the field at fault where there is one.",
        { "error": "bad_request", "code": "invalid", "message": "item `politeness.friendliness`: 9 is outside 1..=5", "field": "visits[0].answers.politeness.friendliness" };
    Unauthorized: "No bearer token, or an unknown, revoked or expired one: log in again (`sign_in_again`). A disabled user's token: `account_disabled`.",
        { "error": "unauthorized", "code": "sign_in_again", "message": "this token was revoked: log in again" };
    Forbidden: "The caller's role may not do this (`role_forbidden`), or not on this visit: an office of the caller's own branch (`own_branch_visit`).",
        { "error": "forbidden", "code": "role_forbidden", "message": "only auditors push visits" };
    NotFound: "No such thing, or it is not the caller's.",
        { "error": "not_found", "code": "not_found", "message": "no visit 01912f3a-7b40-7c1e-9a52-3f6d2b8e4c10" };
    Conflict: "The request conflicts with the state of what it names: a decided visit (`not_submitted`), a revision no longer current (`revision_changed`), a published or unfinished quarter (`quarter_published`, `quarter_not_ended`, `kpis_missing`).",
        { "error": "conflict", "code": "not_submitted", "message": "this revision was already decided" };
    TooLarge: "The body is too large: 4 MiB for JSON pushes, 8 MiB for a photo.",
        { "error": "too_large", "code": "too_large", "message": "the request body is too large" };
    TooManyAttempts: "Too many sign-in attempts for this login or from this address: wait `Retry-After` seconds (1 s after the fifth failure in a row, doubling up to 15 min; failures are forgotten after 15 quiet minutes). Even the right password is refused, unchecked, until then.",
        { "error": "too_many_attempts", "code": "too_many_attempts", "message": "too many failed logins; try again in 1 s" },
        retry_after = "Seconds to wait before the next attempt.";
    QuotaExceeded: "The caller's daily quota (visits sent, or photo bytes uploaded) is used up: nothing was stored; wait `Retry-After` seconds (until the next UTC day).",
        { "error": "too_many_attempts", "code": "quota_exceeded", "message": "the daily quota of 500 visits is used up: try again tomorrow" },
        retry_after = "Seconds until the quota starts over.";
    ProtocolOutdated: "The `x-zakupka-protocol` header is missing or names another protocol version: the app must be updated. Checked before authentication and before the body is read.",
        { "error": "protocol_outdated", "code": "protocol_outdated", "message": "this app speaks protocol 0, the server 1: update the app" };
    Internal: "Something failed on the server; details are in its log, not in the answer.",
        { "error": "internal", "code": "internal", "message": "internal error" };
    Unavailable: "The server cannot store anything now (its disk is full or its database read-only). Nothing was changed; try again later.",
        { "error": "unavailable", "code": "unavailable", "message": "the server's disk is full: nothing was stored; try again later" },
        retry_after = "Seconds to wait.";
}
