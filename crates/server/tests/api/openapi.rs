//! The OpenAPI document against the router and the wire types.

use super::*;

/// The routes of `routes/`, as (method, path).
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/login"),
    ("post", "/api/v1/logout"),
    ("get", "/api/v1/pull"),
    ("post", "/api/v1/push"),
    ("put", "/api/v1/photos/{sha256}"),
    ("get", "/api/v1/visits"),
    ("get", "/api/v1/visits/{id}"),
    ("get", "/api/v1/visits/{id}/log"),
    ("get", "/api/v1/visits/{id}/revisions"),
    ("post", "/api/v1/visits/{id}/review"),
    ("post", "/api/v1/visits/{id}/include"),
    ("post", "/api/v1/notifications/read"),
    ("get", "/api/v1/presence/auditors"),
    ("get", "/api/v1/rating"),
    ("get", "/api/v1/rating/quarters"),
    ("get", "/api/v1/rating/history"),
    ("get", "/api/v1/rating/export"),
    ("get", "/api/v1/calibration/{quarter}"),
    ("get", "/api/v1/calibration/{quarter}/export"),
    ("get", "/api/v1/rating/{quarter}/publish"),
    ("post", "/api/v1/rating/{quarter}/publish"),
    ("get", "/api/v1/photos/{sha256}"),
    ("get", "/api/v1/auditors"),
    ("get", "/api/v1/assignments"),
    ("post", "/api/v1/assignments"),
    ("delete", "/api/v1/assignments/{id}"),
    ("post", "/api/v1/assignments/pairs"),
    ("get", "/api/v1/cases"),
    ("post", "/api/v1/cases"),
    ("put", "/api/v1/cases/photos/{sha256}"),
    ("get", "/api/v1/cases/photos/{sha256}"),
    ("get", "/api/v1/appeals"),
    ("post", "/api/v1/appeals"),
    ("get", "/api/v1/appeals/{id}"),
    ("post", "/api/v1/appeals/{id}/decide"),
    ("put", "/api/v1/appeals/{id}/photos/{sha256}"),
    ("get", "/api/v1/appeals/{id}/photos/{sha256}"),
    ("get", "/api/v1/charts/{quarter}/failed-items"),
    ("get", "/api/v1/charts/{quarter}/time-to-fix"),
    ("get", "/api/v1/actions"),
    ("get", "/api/v1/actions/{id}"),
    ("post", "/api/v1/actions/{id}/plan"),
    ("post", "/api/v1/actions/{id}/done"),
    ("post", "/api/v1/actions/{id}/verify"),
    ("post", "/api/v1/actions/{id}/reopen"),
    ("put", "/api/v1/actions/{id}/photos/{sha256}"),
    ("get", "/api/v1/actions/{id}/photos/{sha256}"),
    ("get", "/api/v1/manager/visits"),
    ("get", "/api/v1/manager/visits/{id}"),
    ("get", "/api/v1/manager/visits/{id}/photos/{sha256}"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/healthz"),
];

async fn openapi(s: &Server) -> serde_json::Value {
    s.get("/api/v1/openapi.json", None)
        .await
        .expect(StatusCode::OK)
        .json()
}

fn operations(doc: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes_of_the_router() {
    let s = Server::new();
    let doc = openapi(&s).await;
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, routes);

    // Each documented operation reaches a handler: neither 404 nor 405 from the router.
    for (method, path) in &documented {
        let uri = path
            .replace("{sha256}", &sha256(PNG))
            .replace("{id}", &Uuid::now_v7().to_string());
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let reply = s.call(method.clone(), &uri, None, None).await;
        assert!(
            ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&reply.status),
            "{method} {uri}: {} {}",
            reply.status,
            reply.text()
        );
        // And the router has no other method there.
        let other = if method == Method::DELETE {
            Method::PATCH
        } else {
            Method::DELETE
        };
        let reply = s.call(other.clone(), &uri, None, None).await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{other} {uri} is routed but not documented"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_states_the_header_the_token_and_the_errors() {
    let s = Server::new();
    let doc = openapi(&s).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    let open = ["/api/v1/openapi.json", "/healthz", "/api/v1/login"];
    for (method, path, op) in operations(&doc) {
        let at = format!("{method} {path}");
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["$ref"].as_str())
            .collect();
        let responses = op["responses"].as_object().unwrap();
        let needs_header = path.starts_with("/api/v1/") && path != "/api/v1/openapi.json";
        assert_eq!(
            params.contains(&"#/components/parameters/Protocol"),
            needs_header,
            "{at}: protocol header"
        );
        assert_eq!(responses.contains_key("426"), needs_header, "{at}: 426");
        // Operations without a token say so with `security: []`; the rest inherit bearer.
        let anonymous = op
            .get("security")
            .is_some_and(|s| s.as_array().is_some_and(Vec::is_empty));
        assert_eq!(anonymous, open.contains(&path.as_str()), "{at}: security");
        assert_eq!(
            responses.contains_key("401"),
            path != "/api/v1/openapi.json" && path != "/healthz",
            "{at}: 401"
        );
    }
    let param = &doc["components"]["parameters"]["Protocol"];
    assert_eq!(param["name"], PROTOCOL_HEADER);
    assert_eq!(param["in"], "header");
    assert_eq!(param["required"], true);
    assert_eq!(param["schema"]["enum"], serde_json::json!([1]));
    // Every error status the server sends is described with the ErrorBody schema.
    for status in ["400", "401", "403", "404", "413", "426", "429", "500"] {
        let described = operations(&doc)
            .iter()
            .any(|(_, _, op)| op["responses"].get(status).is_some());
        assert!(described, "no operation documents {status}");
    }
    for (name, response) in doc["components"]["responses"].as_object().unwrap() {
        assert_eq!(
            response["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{name}"
        );
    }
    // Every reference resolves.
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 50);
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external reference {r}"));
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
}

/// The schemas name exactly the fields the wire types serialize, so the document cannot
/// drift from the code unnoticed.
#[tokio::test]
async fn the_openapi_schemas_have_the_fields_of_the_wire_types() {
    let s = Server::new();
    let doc = openapi(&s).await;
    let token = s.login("auditor1").await;
    let visit = s.with_photo(s.visit("auditor1"), PNG);
    let push: serde_json::Value = s
        .push(&token, vec![visit.clone()])
        .await
        .expect(StatusCode::OK)
        .json();
    let pull: serde_json::Value = s
        .get("/api/v1/pull", Some(&token))
        .await
        .expect(StatusCode::OK)
        .json();
    let list: serde_json::Value = s
        .get("/api/v1/visits", Some(&token))
        .await
        .expect(StatusCode::OK)
        .json();
    let detail: serde_json::Value = s
        .get(&format!("/api/v1/visits/{}", visit.id), Some(&token))
        .await
        .expect(StatusCode::OK)
        .json();
    let login: serde_json::Value = s
        .try_login("auditor2", &password("auditor2"))
        .await
        .expect(StatusCode::OK)
        .json();
    let refused = s.push(&token, vec![s.visit("auditor2")]).await;
    refused.error(StatusCode::BAD_REQUEST);
    let error: serde_json::Value = refused.json();
    let request = serde_json::to_value(PushRequest {
        visits: vec![visit],
    })
    .unwrap();
    let template = &pull["templates"][0];
    let item = &template["sections"][0]["items"][0];
    let samples: Vec<(&str, &serde_json::Value)> = vec![
        ("LoginResponse", &login),
        ("PushRequest", &request),
        ("Visit", &request["visits"][0]),
        ("PushResponse", &push),
        ("PushResult", &push["results"][0]),
        ("PullResponse", &pull),
        ("Directory", &pull["directory"]),
        ("Branch", &pull["directory"]["branches"][0]),
        ("Office", &pull["directory"]["offices"][0]),
        ("Template", template),
        ("Section", &template["sections"][0]),
        ("Item", item),
        ("Scenario", &template["scenarios"][0]),
        ("Label", &template["title"]),
        ("VisitPage", &list),
        ("ServerVisit", &list["visits"][0]),
        ("VisitDetail", &detail),
        ("ErrorBody", &error),
    ];
    for (name, sample) in samples {
        let schema = &doc["components"]["schemas"][name];
        let documented: BTreeSet<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let sent: BTreeSet<&str> = sample
            .as_object()
            .unwrap_or_else(|| panic!("{name}: {sample}"))
            .keys()
            .map(String::as_str)
            .collect();
        assert!(
            sent.is_subset(&documented),
            "{name}: sent {sent:?}, documented {documented:?}"
        );
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str())
            .collect();
        assert!(
            required.is_subset(&sent),
            "{name}: required {required:?} but sent {sent:?}"
        );
    }
    // Every answer type the server accepts is one the document names.
    let mapping = doc["components"]["schemas"]["AnswerValue"]["discriminator"]["mapping"]
        .as_object()
        .unwrap();
    let types: BTreeSet<&str> = mapping.keys().map(String::as_str).collect();
    assert_eq!(
        types,
        BTreeSet::from(["yes", "no", "scale", "number", "choice", "not_applicable"])
    );
    for value in [
        AnswerValue::Yes,
        AnswerValue::No,
        AnswerValue::Scale(3),
        AnswerValue::Number(1.5),
        AnswerValue::Choice("x".into()),
        AnswerValue::NotApplicable,
    ] {
        let json = serde_json::to_value(&value).unwrap();
        let kind = json["type"].as_str().unwrap();
        let schema = &doc["components"]["schemas"]
            [mapping[kind].as_str().unwrap().rsplit('/').next().unwrap()];
        let keys: BTreeSet<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let documented: BTreeSet<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, documented, "{kind}");
    }
}
