//! What a hostile or broken client may send, through the whole router (`zakupka_server::app`
//! with `tower::ServiceExt::oneshot`, no port): CORS stays closed, a photo address cannot
//! reach anything but the photo table, every request body has a limit, deeply nested or
//! mangled JSON is a 400 and never a crash, and a panic under the database lock does not
//! take the server down. Login lock-out, expired and revoked tokens and the 413 of a large
//! push or photo are in `api.rs`.
//!
//! The push fuzzer is short by default (CI); long, one command:
//! `PROPTEST_CASES=20000 cargo test --release -p zakupka-server --test abuse`

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, header};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use uuid::Uuid;
use zakupka_core::Visit;
use zakupka_core::wire::{ErrorCode, PROTOCOL_HEADER, PushRequest, PushResponse, Role};
use zakupka_server::{Db, MAX_BODY_BYTES, MAX_JSON_BYTES, MAX_LOGIN_BYTES};

mod common;
use common::*;

const SECRET: &str = "the-content-of-a-file-outside-the-web-app";

/// The server on a database file in a temporary directory, serving a web app from another,
/// with a file beside the web app that no request may read.
struct Hostile {
    server: Server,
    data: tempfile::TempDir,
    web: PathBuf,
    _root: tempfile::TempDir,
}

impl Hostile {
    fn new() -> Hostile {
        let data = tempfile::tempdir().unwrap();
        let db = Db::open(&data.path().join("zakupka.db")).unwrap();
        let root = tempfile::tempdir().unwrap();
        let web = root.path().join("web");
        std::fs::create_dir(&web).unwrap();
        std::fs::write(web.join("index.html"), "<!doctype html><title>app</title>").unwrap();
        std::fs::write(root.path().join("secret.txt"), SECRET).unwrap();
        std::fs::write(data.path().join("secret.txt"), SECRET).unwrap();
        let users = [
            ("auditor1", Role::Auditor),
            ("supervisor", Role::Supervisor),
        ];
        Hostile {
            server: Server::on(db, Some(web.clone()), &users),
            data,
            web,
            _root: root,
        }
    }
}

impl std::ops::Deref for Hostile {
    type Target = Server;

    fn deref(&self) -> &Server {
        &self.server
    }
}

fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------
// CORS

/// No route answers another origin with CORS headers, so a page on another site cannot
/// read the API with the user's token, nor send it anything a preflight must allow.
#[tokio::test]
async fn cors_is_closed_by_default() {
    let s = Hostile::new();
    let token = s.login("auditor1").await;
    let evil = "https://evil.example";
    let preflight = |path: &str, with_protocol: bool| {
        let mut r = Request::builder()
            .method(Method::OPTIONS)
            .uri(path)
            .header(header::ORIGIN, evil)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type,x-zakupka-protocol",
            );
        if with_protocol {
            r = r.header(PROTOCOL_HEADER, "1");
        }
        r.body(Body::empty()).unwrap()
    };
    let mut replies = Vec::new();
    for path in ["/api/v1/push", "/api/v1/login", "/api/v1/visits", "/"] {
        for with_protocol in [false, true] {
            let reply = s.send(preflight(path, with_protocol)).await;
            if path.starts_with("/api/") {
                assert!(
                    !reply.status.is_success(),
                    "preflight to {path} succeeded: {}",
                    reply.status
                );
            }
            replies.push((format!("OPTIONS {path}"), reply));
        }
    }
    for path in [
        "/api/v1/visits",
        "/api/v1/pull",
        "/api/v1/openapi.json",
        "/healthz",
        "/",
    ] {
        let r = Server::request(Method::GET, path, Some(&token))
            .header(header::ORIGIN, evil)
            .body(Body::empty())
            .unwrap();
        let reply = s.send(r).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.text());
        replies.push((format!("GET {path}"), reply));
    }
    for (what, reply) in replies {
        let cors: Vec<&str> = reply
            .headers
            .keys()
            .map(|k| k.as_str())
            .filter(|k| k.starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{what} answers with {cors:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Paths

/// A photo is addressed by its SHA-256 and kept in SQLite: whatever the address, nothing
/// outside the photo table is read or written, and a bad address is refused.
#[tokio::test]
async fn photo_addresses_cannot_reach_outside_the_photo_table() {
    let s = Hostile::new();
    let token = s.login("auditor1").await;
    // A real photo of a real visit: were the address check lax, the upload would succeed.
    s.push_ok(&token, &s.with_photo(s.visit("auditor1"), PNG))
        .await;
    let sha = sha256(PNG);
    let before = files(s.data.path());
    let web_before = files(&s.web);
    let overlong = format!("{sha}{}", "a".repeat(10_000));
    // Refused by the address check: one path segment that is not 64 lowercase hex digits.
    let refused_by_check = [
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        "..%2f..%2f..%2fsecret.txt".to_owned(),
        "%2e%2e".to_owned(),
        "..%5C..%5Cetc%5Cpasswd".to_owned(),
        format!("{sha}%00"),
        format!("%00{}", &sha[1..]),
        format!("{}%2F..", &sha[..61]),
        format!("..%2F{sha}"),
        format!("{}%20", &sha[..63]),
        overlong,
        sha.to_uppercase(),
        // Not UTF-8 once decoded.
        "%FF%FE%FD".to_owned(),
    ];
    for address in &refused_by_check {
        let uri = format!("/api/v1/photos/{address}");
        let r = Server::request(Method::PUT, &uri, Some(&token))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(PNG))
            .unwrap();
        let reply = s.send(r).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            reply.text()
        );
        assert_eq!(reply.error_body().error, ErrorCode::BadRequest, "{uri}");
    }
    // Not a photo address at all: the router has no such route.
    for uri in [
        "/api/v1/photos/../../etc/passwd".to_owned(),
        format!("/api/v1/photos/{sha}/../../secret.txt"),
        format!("/api/v1/photos/{sha}/x"),
        "/api/v1/photos/".to_owned(),
    ] {
        let r = Server::request(Method::PUT, &uri, Some(&token))
            .body(Body::from(PNG))
            .unwrap();
        let reply = s.send(r).await;
        assert!(
            reply.status.is_client_error(),
            "{uri}: {} {}",
            reply.status,
            reply.text()
        );
    }
    assert_eq!(s.count("photos"), 0, "a photo was stored");
    assert_eq!(files(s.data.path()), before, "a file was written");
    assert_eq!(files(&s.web), web_before, "a file was written");

    // Reading: the web app's files only, never one beside it.
    for uri in [
        "/../secret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/assets/..%2F..%2Fsecret.txt",
        "/..%5Csecret.txt",
        "/....//secret.txt",
        "/%00/../secret.txt",
    ] {
        let r = Request::get(uri).body(Body::empty()).unwrap();
        let reply = s.send(r).await;
        assert!(!reply.text().contains(SECRET), "{uri} read the secret");
        assert!(!reply.status.is_server_error(), "{uri}: {}", reply.status);
    }
    // And the right address still works.
    let r = Server::request(Method::PUT, &format!("/api/v1/photos/{sha}"), Some(&token))
        .body(Body::from(PNG))
        .unwrap();
    assert_eq!(s.send(r).await.status, StatusCode::CREATED);
    assert_eq!(s.count("photos"), 1);
}

/// Visit addresses too: anything that is not a visit id is a JSON 400, not a crash.
#[tokio::test]
async fn visit_addresses_that_are_not_ids_are_refused() {
    let s = Hostile::new();
    let token = s.login("supervisor").await;
    for id in [
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "%FF%FE",
        "1%27%20OR%20%271%27%3D%271",
        "00000000-0000-0000-0000-000000000000%00",
    ] {
        for (method, suffix) in [
            (Method::GET, ""),
            (Method::GET, "/log"),
            (Method::GET, "/revisions"),
            (Method::POST, "/review"),
        ] {
            let uri = format!("/api/v1/visits/{id}{suffix}");
            let reply = s
                .call_json(
                    method.clone(),
                    &uri,
                    Some(&token),
                    br#"{"decision": "approve", "revision": 1}"#.to_vec(),
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{method} {uri}: {}",
                reply.text()
            );
            reply.error_body();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Body sizes

/// A body over an endpoint's limit is refused with a JSON 413 whether the client announces
/// its length or streams it without one, and nothing of it is kept.
#[tokio::test]
async fn every_endpoint_that_takes_a_body_limits_it() {
    let s = Hostile::new();
    let auditor = s.login("auditor1").await;
    let supervisor = s.login("supervisor").await;
    let visit = s.with_photo(s.visit("auditor1"), PNG);
    s.push_ok(&auditor, &visit).await;
    let sha = sha256(PNG);
    let review = format!("/api/v1/visits/{}/review", visit.id);
    let photo = format!("/api/v1/photos/{sha}");
    // (what, method, uri, token, limit, filler to make a body of a given size)
    let cases: Vec<(&str, Method, &str, Option<&str>, usize)> = vec![
        (
            "login",
            Method::POST,
            "/api/v1/login",
            None,
            MAX_LOGIN_BYTES,
        ),
        (
            "push",
            Method::POST,
            "/api/v1/push",
            Some(&auditor),
            MAX_JSON_BYTES,
        ),
        (
            "review",
            Method::POST,
            &review,
            Some(&supervisor),
            MAX_JSON_BYTES,
        ),
        ("photo", Method::PUT, &photo, Some(&auditor), MAX_BODY_BYTES),
    ];
    let (visits_before, log_before) = (s.count("visits"), s.count("review_log"));
    for (what, method, uri, token, limit) in cases {
        for streamed in [false, true] {
            // Valid JSON up to its last byte, so only the size can be at fault.
            let mut body = b"{\"comment\": \"".to_vec();
            body.resize(limit + 1 - 2, b'x');
            body.extend_from_slice(b"\"}");
            assert_eq!(body.len(), limit + 1);
            let builder = Server::request(method.clone(), uri, token)
                .header(header::CONTENT_TYPE, "application/json");
            let request = if streamed {
                let chunks: Vec<Result<Bytes, std::io::Error>> = body
                    .chunks(64 * 1024)
                    .map(|c| Ok(Bytes::copy_from_slice(c)))
                    .collect();
                builder.body(Body::from_stream(futures_util::stream::iter(chunks)))
            } else {
                builder.body(Body::from(body))
            };
            let reply = s.send(request.unwrap()).await;
            let how = if streamed {
                "streamed"
            } else {
                "with a length"
            };
            assert_eq!(
                reply.status,
                StatusCode::PAYLOAD_TOO_LARGE,
                "{what} {how}: {}",
                reply.text()
            );
            assert_eq!(
                reply.error_body().error,
                ErrorCode::TooLarge,
                "{what} {how}"
            );
        }
    }
    assert_eq!(s.count("visits"), visits_before);
    assert_eq!(s.count("photos"), 0);
    assert_eq!(s.count("review_log"), log_before);
}

/// The login form takes a login and a password: a password the size of a book is refused
/// before Argon2 spends time on it.
#[tokio::test]
async fn a_login_body_is_small() {
    let s = Hostile::new();
    let body = json!({
        "login": "auditor1",
        "password": "x".repeat(MAX_LOGIN_BYTES),
        "device_id": Uuid::now_v7(),
    });
    let reply = s
        .call_json(
            Method::POST,
            "/api/v1/login",
            None,
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A long but sane password still gets an answer on its merits.
    let body =
        json!({"login": "auditor1", "password": "x".repeat(1000), "device_id": Uuid::now_v7()});
    let reply = s
        .call_json(
            Method::POST,
            "/api/v1/login",
            None,
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text());
}

/// Review comments go to the auditor's phone: they are held to the length of any other
/// comment.
#[tokio::test]
async fn review_comments_longer_than_a_page_are_refused() {
    let s = Hostile::new();
    let auditor = s.login("auditor1").await;
    let supervisor = s.login("supervisor").await;
    let visit = s.visit("auditor1");
    s.push_ok(&auditor, &visit).await;
    let uri = format!("/api/v1/visits/{}/review", visit.id);
    let log_before = s.count("review_log");
    let item = s.template.items().next().unwrap().id.clone();
    let long = "я".repeat(zakupka_core::visit::MAX_COMMENT_CHARS + 1);
    for (body, field) in [
        (
            json!({"decision": "return", "revision": 1, "comment": long}),
            "comment".to_owned(),
        ),
        (
            json!({"decision": "return", "revision": 1, "item_comments": {item.clone(): long}}),
            format!("item_comments.{item}"),
        ),
    ] {
        let reply = s
            .call_json(
                Method::POST,
                &uri,
                Some(&supervisor),
                serde_json::to_vec(&body).unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        assert_eq!(reply.error_body().field.as_deref(), Some(field.as_str()));
    }
    assert_eq!(s.count("review_log"), log_before);
    // A page exactly is fine.
    let page = "я".repeat(zakupka_core::visit::MAX_COMMENT_CHARS);
    let reply = s
        .call_json(
            Method::POST,
            &uri,
            Some(&supervisor),
            serde_json::to_vec(&json!({"decision": "return", "revision": 1, "comment": page}))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

// ---------------------------------------------------------------------------------------
// Nesting and mangled JSON

fn nested(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
}

/// JSON nested deeper than any visit is refused with a 400, wherever the nesting is; the
/// server keeps answering.
#[tokio::test]
async fn deeply_nested_json_in_a_push_is_400_not_a_crash() {
    let s = Hostile::new();
    let token = s.login("auditor1").await;
    let visit = serde_json::to_string(&s.visit("auditor1")).unwrap();
    for depth in [200, 10_000, 1_000_000] {
        let deep = nested(depth, "1");
        let bodies = [
            ("the body", deep.clone()),
            ("the visits", format!(r#"{{"visits": {deep}}}"#)),
            ("a visit", format!(r#"{{"visits": [{deep}]}}"#)),
            (
                "an answer",
                format!(
                    r#"{{"visits": [{}]}}"#,
                    visit.replacen(r#""value":"#, &format!(r#""value":{deep},"x":"#), 1)
                ),
            ),
            (
                "an object",
                format!(
                    r#"{{"visits": [{}{}]}}"#,
                    r#"{"a":"#.repeat(depth.min(100_000)),
                    "}".repeat(depth.min(100_000))
                ),
            ),
        ];
        for (where_, body) in bodies {
            let reply = s.push_raw(&token, body.into_bytes()).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{where_} at depth {depth}: {}",
                reply.text()
            );
            reply.error_body();
        }
    }
    // Nested deep inside a field the server does not read: read past, not recursed into.
    let ignored = format!(r#"{{"visits": [], "extra": {}}}"#, nested(100_000, ""));
    let reply = s.push_raw(&token, ignored.into_bytes()).await;
    assert!(
        reply.status == StatusCode::OK || reply.status == StatusCode::BAD_REQUEST,
        "{} {}",
        reply.status,
        reply.text()
    );
    assert_eq!(s.count("visits"), 0);
    s.push_ok(&token, &s.visit("auditor1")).await;
}

// ---------------------------------------------------------------------------------------
// The database lock

/// A panic while a request holds the database (a bug, say) is that request's failure
/// alone: the next requests are served.
#[tokio::test]
async fn a_panic_under_the_database_lock_does_not_take_the_server_down() {
    let s = Hostile::new();
    let db = s.db.clone();
    let outcome = std::thread::spawn(move || {
        db.blocking(|c| -> Result<(), zakupka_server::AppError> {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM users", [])?;
            panic!("a bug in the middle of a transaction");
        })
    })
    .join();
    assert!(outcome.is_err(), "the closure panicked");
    // The half-done transaction was rolled back, and the database is usable.
    assert_eq!(s.count("users"), 2);
    let token = s.login("auditor1").await;
    s.push_ok(&token, &s.visit("auditor1")).await;
}

// ---------------------------------------------------------------------------------------
// The push fuzzer

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the node at a path with another value.
    Replace(Vec<Index>, Value),
    /// Remove a key of the object at a path.
    Remove(Vec<Index>),
    /// Add a key the server does not know.
    Unknown(Vec<Index>, String, Value),
    /// Wrap the node at a path in arrays.
    Nest(Vec<Index>, usize),
}

fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!(u64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(f64::MAX)),
        Just(json!(4_294_967_296u64)),
        Just(json!("")),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"type": "maybe"})),
        Just(json!({"type": "scale", "value": 300})),
        Just(json!({"type": "number", "value": -1e308})),
        Just(json!({"type": "choice", "value": "\u{0}"})),
        Just(json!("0190f1c2-5e11-7a3b-8c44-1d2e3f405162")),
        Just(json!("2026-13-45T25:61:61Z")),
        Just(json!("submitted")),
        Just(json!("x".repeat(5000))),
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
    ]
}

fn path() -> impl Strategy<Value = Vec<Index>> {
    prop::collection::vec(any::<Index>(), 0..6)
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (path(), odd_value()).prop_map(|(p, v)| Mutation::Replace(p, v)),
        2 => path().prop_map(Mutation::Remove),
        1 => (path(), "[a-z_]{1,10}|\\PC{1,5}", odd_value()).prop_map(|(p, k, v)| Mutation::Unknown(p, k, v)),
        1 => (path(), 1usize..300).prop_map(|(p, d)| Mutation::Nest(p, d)),
    ]
}

/// The node a path of indexes leads to: each index picks a child, as far as there are
/// children.
fn node<'a>(v: &'a mut Value, path: &[Index]) -> &'a mut Value {
    let Some((first, rest)) = path.split_first() else {
        return v;
    };
    let has_children = match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    };
    if !has_children {
        return v;
    }
    match v {
        Value::Object(m) => {
            let n = first.index(m.len());
            let child = m.values_mut().nth(n).expect("n < len");
            node(child, rest)
        }
        Value::Array(a) => {
            let n = first.index(a.len());
            node(&mut a[n], rest)
        }
        _ => unreachable!("checked above"),
    }
}

fn mutate(v: &mut Value, m: &Mutation) {
    match m {
        Mutation::Replace(p, new) => *node(v, p) = new.clone(),
        Mutation::Remove(p) => {
            if let Value::Object(map) = node(v, p)
                && let Some(key) = map.keys().next().cloned()
            {
                map.remove(&key);
            }
        }
        Mutation::Unknown(p, key, new) => {
            if let Value::Object(map) = node(v, p) {
                map.insert(key.clone(), new.clone());
            }
        }
        Mutation::Nest(p, depth) => {
            let n = node(v, p);
            let mut wrapped = n.take();
            for _ in 0..*depth {
                wrapped = Value::Array(vec![wrapped]);
            }
            *n = wrapped;
        }
    }
}

/// Valid pushes, mangled: the server answers each with 200 or a JSON 400 (413 when made
/// too large), never with 5xx; a refusal of a well-formed push names the field at fault,
/// and an answer to a push has one result per visit.
#[test]
fn a_mangled_push_is_answered_never_with_a_server_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = Hostile::new();
    let token = rt.block_on(s.login("auditor1"));
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        prop::collection::vec(mutation(), 1..4),
        prop::option::weighted(
            0.15,
            (
                any::<Index>(),
                prop::sample::select(vec!["", "\u{0}", "}", "\"", "1e999", "\\u", "\u{feff}"]),
            ),
        ),
        1usize..3,
        // Now and then not JSON at all.
        prop::option::weighted(0.05, prop::collection::vec(any::<u8>(), 0..300)),
    );
    let result = runner.run(&strategy, |(mutations, text_edit, n, noise)| {
        let visits: Vec<Visit> = (0..n).map(|_| s.visit("auditor1")).collect();
        let mut value = serde_json::to_value(PushRequest { visits }).unwrap();
        for m in &mutations {
            mutate(&mut value, m);
        }
        let mut text = serde_json::to_string(&value).unwrap();
        if let Some((at, insert)) = &text_edit {
            let mut cut = at.index(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str(insert);
        }
        // What was sent, as JSON: the mangled value itself unless the text was edited after
        // (serde_json's reader stops at 128 levels, the server reads past deeper ones).
        let edited = text_edit.is_some() || noise.is_some();
        let body = noise.unwrap_or_else(|| text.into_bytes());
        let well_formed = if edited {
            serde_json::from_slice::<Value>(&body).ok()
        } else {
            Some(value)
        };
        let reply = rt.block_on(s.push_raw(&token, body));
        prop_assert!(
            [
                StatusCode::OK,
                StatusCode::BAD_REQUEST,
                StatusCode::PAYLOAD_TOO_LARGE
            ]
            .contains(&reply.status),
            "{} {}",
            reply.status,
            reply.text()
        );
        if reply.status == StatusCode::OK {
            let r: PushResponse = serde_json::from_slice(&reply.body)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            // One result per visit sent. Other shapes serde also reads (a struct written as
            // an array of its fields) and text too deep for serde_json's reader here are
            // held only to "no server error".
            let sent = well_formed
                .as_ref()
                .and_then(Value::as_object)
                .and_then(|o| o.get("visits"))
                .and_then(Value::as_array)
                .map(Vec::len);
            if let Some(sent) = sent {
                prop_assert_eq!(r.results.len(), sent);
            }
        } else {
            let e = reply.error_body();
            prop_assert!(!e.message.is_empty());
            // A push whose visits are a list of objects is wrong in some field of a visit.
            let visits_are_objects = well_formed
                .as_ref()
                .and_then(|v| v.as_object().filter(|o| o.len() == 1))
                .and_then(|o| o.get("visits"))
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().all(Value::is_object));
            if visits_are_objects && reply.status == StatusCode::BAD_REQUEST {
                prop_assert!(
                    e.field.as_deref().is_some_and(|f| f.starts_with("visits")),
                    "no field named: {e:?}"
                );
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Still serving.
    rt.block_on(s.push_ok(&token, &s.visit("auditor1")));
}
