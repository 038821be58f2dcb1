//! The OpenAPI document of the API, generated: the schemas from the wire types of
//! `zakupka-core` (its `openapi` feature derives them), the operations from `paths`, the
//! error answers from `responses`. What every route behind the protocol middleware shares
//! (the header, its 426) is added here once, as `routes/mod.rs` adds the middleware once.

mod action_paths;
mod appeal_paths;
mod calibration;
mod case_paths;
mod paths;
mod responses;

use std::sync::LazyLock;

use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Components, Ref, RefOr, Required};
use zakupka_core::wire::{API_PREFIX, ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION};

use responses::{
    BadRequest, Conflict, Forbidden, Internal, NotFound, ProtocolOutdated, QuotaExceeded, TooLarge,
    TooManyAttempts, Unauthorized, Unavailable,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zakupka sync API",
        version = "1",
        description = "The sync protocol between the Zakupka app and its server: log in, pull \
            the directory, checklists and review states, push submitted visits and their \
            photos. Every /api/v1 request except openapi.json must carry \
            `x-zakupka-protocol: 1`; every error answer is a JSON `ErrorBody`.",
    ),
    servers((url = "/")),
    tags((name = "auth"), (name = "sync"), (name = "visits"), (name = "review"),
        (name = "rating"), (name = "assignments"), (name = "calibration"), (name = "actions"),
        (name = "appeals"), (name = "meta")),
    security(("bearerAuth" = [])),
    paths(
        paths::login, paths::logout, paths::pull, paths::push, paths::put_photo,
        paths::get_photo, paths::list_visits, paths::visit_detail, paths::review_visit,
        paths::include_visit, paths::auditor_flags, paths::read_notifications,
        paths::visit_log, paths::visit_revisions, paths::rating, paths::rating_quarters,
        paths::rating_history, paths::rating_export, calibration::calibration,
        calibration::calibration_export, paths::publish_preview, paths::publish_rating,
        paths::list_auditors, paths::list_assignments, paths::assign, paths::cancel_assignment,
        case_paths::pair, case_paths::list_cases, case_paths::publish_case,
        case_paths::put_case_photo, case_paths::get_case_photo, appeal_paths::file_appeal,
        appeal_paths::list_appeals, appeal_paths::get_appeal, appeal_paths::decide_appeal,
        appeal_paths::put_appeal_photo, appeal_paths::get_appeal_photo,
        appeal_paths::failed_items, appeal_paths::time_to_fix, action_paths::list_actions,
        action_paths::action, action_paths::plan_action, action_paths::close_action,
        action_paths::verify_action, action_paths::reopen_action, action_paths::put_action_photo,
        action_paths::get_action_photo, action_paths::manager_visits, action_paths::manager_visit,
        action_paths::manager_visit_photo, paths::openapi, paths::healthz,
    ),
    components(
        schemas(ErrorBody),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, TooLarge,
            TooManyAttempts, QuotaExceeded, ProtocolOutdated, Internal, Unavailable),
    ),
    modifiers(&BearerToken, &ProtocolCheck),
)]
struct ApiDoc;

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    &DOCUMENT
}

/// Operations open to anyone say so with `security(())` in `paths`; in the document that
/// is an empty list, the rest inherit the bearer token.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "The token from POST /api/v1/login: `Authorization: Bearer <token>`.",
            ));
        components(doc).add_security_scheme("bearerAuth", SecurityScheme::Http(scheme.build()));
        for item in doc.paths.paths.values_mut() {
            for op in operations(item) {
                if let Some(security) = &mut op.security {
                    security.retain(|s| *s != Default::default());
                }
            }
        }
    }
}

/// The middleware in `routes/mod.rs` refuses a request to `/api/v1` without
/// `x-zakupka-protocol: 1` with 426 before anything else, and puts the header on every
/// answer it lets through: every operation there gets the parameter, the 426 and the
/// header on its answers.
struct ProtocolCheck;

impl utoipa::Modify for ProtocolCheck {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let version = || {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([PROTOCOL_VERSION]))
        };
        let parameter = ParameterBuilder::new()
            .name(PROTOCOL_HEADER)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .schema(Some(version()))
            .description(Some(
                "The protocol version the app speaks. Missing or another value: 426 `protocol_outdated`.",
            ));
        let header = HeaderBuilder::new()
            .schema(Some(version()))
            .description(Some("The protocol version the server speaks."));
        let c = components(doc);
        c.parameters
            .insert("Protocol".into(), parameter.build().into());
        c.headers.insert("Protocol".into(), header.build().into());
        let header = || RefOr::Ref(Ref::new("#/components/headers/Protocol"));
        for (name, response) in &mut c.responses {
            if let (RefOr::T(response), false) = (response, name == "ProtocolOutdated") {
                response.headers.insert(PROTOCOL_HEADER.into(), header());
            }
        }
        let open = format!("{API_PREFIX}/openapi.json");
        for (path, item) in &mut doc.paths.paths {
            if !path.starts_with(API_PREFIX) || *path == open {
                continue;
            }
            for op in operations(item) {
                let parameter = RefOr::Ref(Ref::new("#/components/parameters/Protocol"));
                op.parameters.get_or_insert_default().insert(0, parameter);
                for response in op.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response.headers.insert(PROTOCOL_HEADER.into(), header());
                    }
                }
                let outdated = RefOr::Ref(Ref::from_response_name("ProtocolOutdated"));
                op.responses.responses.insert("426".into(), outdated);
            }
        }
    }
}

fn components(doc: &mut utoipa::openapi::OpenApi) -> &mut Components {
    doc.components.get_or_insert_default()
}

/// The operations of a path: the router uses no other methods than these.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

#[cfg(test)]
mod tests {
    use zakupka_core::visit::{MAX_COMMENT_CHARS, MAX_PHOTOS_PER_ANSWER};
    use zakupka_core::wire::MAX_PUSH_BATCH;

    /// The limits written as literals in `#[schema(...)]` attributes are the ones the
    /// server enforces.
    #[test]
    fn documented_limits_are_the_enforced_ones() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let schema = |name: &str| doc["components"]["schemas"][name].clone();
        let visits = &schema("PushRequest")["properties"]["visits"];
        assert_eq!(visits["maxItems"], MAX_PUSH_BATCH);
        let answer = schema("Answer");
        assert_eq!(
            answer["properties"]["photos"]["maxItems"],
            MAX_PHOTOS_PER_ANSWER
        );
        assert_eq!(
            answer["properties"]["comment"]["maxLength"],
            MAX_COMMENT_CHARS
        );
        let put_photo = &doc["paths"]["/api/v1/photos/{sha256}"]["put"];
        let upload = &put_photo["requestBody"]["content"]["application/octet-stream"]["schema"];
        assert_eq!(upload["maxLength"], zakupka_core::wire::MAX_PHOTO_BYTES);
        let revision = &schema("Visit")["properties"]["revision"];
        assert_eq!(revision["minimum"], 1);
        assert_eq!(revision["maximum"], u32::MAX);
    }
}
