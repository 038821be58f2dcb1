//! The sync API as a device sees it: every request goes through the whole router
//! (`zakupka_server::app`) with `tower::ServiceExt::oneshot`, no port, on a fresh in-memory
//! database loaded with the real seeds and four users.

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
    ServerVisit, VisitUpdate,
};
use zakupka_core::{AnswerValue, TimeFlag, Visit};
use zakupka_server::{Db, auth};

mod common;
use common::*;

// ---------------------------------------------------------------------------------------
// Login and tokens

#[tokio::test]
async fn login_with_the_right_password_gives_a_working_token() {
    let s = Server::new();
    let reply = s
        .try_login("auditor1", &password("auditor1"))
        .await
        .expect(StatusCode::OK);
    let login: LoginResponse = reply.json();
    assert_eq!(login.login, "auditor1");
    assert_eq!(login.role, Role::Auditor);
    let days = (login.expires_at - Utc::now()).num_days();
    assert!(
        (29..=30).contains(&days),
        "a token lasts a month, this one {days} days"
    );
    s.get("/api/v1/pull", Some(&login.token))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn login_with_a_wrong_password_or_unknown_login_is_401_without_telling_which() {
    let s = Server::new();
    let wrong = s
        .try_login("auditor1", "not the password")
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.error, ErrorCode::Unauthorized);
    let unknown = s
        .try_login("nobody", "whatever")
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.message, wrong.message);
}

#[tokio::test]
async fn after_five_failed_logins_even_the_right_password_must_wait() {
    let s = Server::new();
    // Debug builds hash slowly (about half a second) and the first lock lasts one second
    // from the fifth failure; a cheap hash for this user keeps the test about the rule, not
    // about the speed of Argon2.
    let cheap = {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let params = argon2::Params::new(8, 1, 1, None).unwrap();
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        argon
            .hash_password(
                password("auditor1").as_bytes(),
                &SaltString::generate(&mut OsRng),
            )
            .unwrap()
            .to_string()
    };
    s.db.blocking(|c| {
        Ok(c.execute(
            "UPDATE users SET password_hash = ?1 WHERE login = 'auditor1'",
            [&cheap],
        )?)
    })
    .unwrap();
    s.login("auditor1").await;

    for attempt in 1..=5 {
        let e = s
            .try_login("auditor1", "guess")
            .await
            .error(StatusCode::UNAUTHORIZED);
        assert_eq!(e.error, ErrorCode::Unauthorized, "attempt {attempt}");
    }
    let reply = s.try_login("auditor1", &password("auditor1")).await;
    let e = reply.error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(e.error, ErrorCode::TooManyAttempts);
    let retry: u64 = reply.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "Retry-After: {retry}");
    // Another user is not affected.
    s.login("auditor2").await;
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let other = s.login("auditor1").await;
    let reply = s
        .call(Method::POST, "/api/v1/logout", Some(&token), None)
        .await
        .expect(StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());
    let e = s
        .get("/api/v1/pull", Some(&token))
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert!(e.message.contains("revoked"), "{}", e.message);
    // The same user's token on another device still works.
    s.get("/api/v1/pull", Some(&other))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_token_is_401() {
    let s = Server::new();
    let e = s
        .get("/api/v1/pull", Some("made-up-token"))
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert!(e.message.contains("unknown token"), "{}", e.message);
}

#[tokio::test]
async fn a_request_without_a_token_is_401() {
    let s = Server::new();
    let e = s
        .get("/api/v1/pull", None)
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert!(e.message.contains("log in"), "{}", e.message);
}

#[tokio::test]
async fn an_expired_token_is_401() {
    let s = Server::new();
    let long_ago = Utc::now() - Duration::days(auth::TOKEN_LIFETIME_DAYS + 1);
    let issued =
        s.db.blocking(|c| {
            auth::login(
                c,
                "auditor1",
                &password("auditor1"),
                Uuid::now_v7(),
                long_ago,
            )
        })
        .unwrap();
    assert!(issued.expires_at < Utc::now());
    let e = s
        .get("/api/v1/pull", Some(&issued.token))
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert!(e.message.contains("expired"), "{}", e.message);
}

// ---------------------------------------------------------------------------------------
// Protocol version

#[tokio::test]
async fn an_app_without_the_protocol_header_is_told_to_update() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let e = s
        .call_with_protocol(None, Method::GET, "/api/v1/pull", Some(&token), None)
        .await
        .error(StatusCode::UPGRADE_REQUIRED);
    assert_eq!(e.error, ErrorCode::ProtocolOutdated);
    assert!(e.message.contains("update the app"), "{}", e.message);
    // Checked before anything else: even a login is refused, before its body is read.
    let body = serde_json::to_vec(&LoginRequest {
        login: "auditor1".into(),
        password: password("auditor1"),
        device_id: Uuid::nil(),
    });
    let e = s
        .call_with_protocol(
            None,
            Method::POST,
            "/api/v1/login",
            None,
            Some(("application/json", body.unwrap())),
        )
        .await
        .error(StatusCode::UPGRADE_REQUIRED);
    assert_eq!(e.error, ErrorCode::ProtocolOutdated);
}

#[tokio::test]
async fn an_app_of_an_older_protocol_is_told_to_update() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    for old in ["0", "2", "one", ""] {
        let reply = s
            .call_with_protocol(Some(old), Method::GET, "/api/v1/pull", Some(&token), None)
            .await;
        let e = reply.error(StatusCode::UPGRADE_REQUIRED);
        assert_eq!(e.error, ErrorCode::ProtocolOutdated, "header {old:?}");
        assert!(e.message.contains("update the app"), "{}", e.message);
    }
    // Nothing is stored from a refused push.
    let body = serde_json::to_vec(&PushRequest {
        visits: vec![s.visit("auditor1")],
    })
    .unwrap();
    s.call_with_protocol(
        Some("0"),
        Method::POST,
        "/api/v1/push",
        Some(&token),
        Some(("application/json", body)),
    )
    .await
    .error(StatusCode::UPGRADE_REQUIRED);
    assert!(s.visits(&token).await.is_empty());
}

#[tokio::test]
async fn api_answers_carry_the_protocol_header() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let ok = s
        .get("/api/v1/pull", Some(&token))
        .await
        .expect(StatusCode::OK);
    assert_eq!(ok.headers[PROTOCOL_HEADER], "1");
    let refused = s
        .get("/api/v1/pull", Some("bad"))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers[PROTOCOL_HEADER], "1");
}

#[tokio::test]
async fn openapi_and_healthz_need_no_header_and_no_token() {
    let s = Server::new();
    let health = s
        .call_with_protocol(None, Method::GET, "/healthz", None, None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(health.text(), "ok");
    let doc = s
        .call_with_protocol(None, Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(doc.headers[header::CONTENT_TYPE], "application/json");
    let doc: serde_json::Value = doc.json();
    assert_eq!(doc["openapi"], "3.1.0");
}

// ---------------------------------------------------------------------------------------
// Push

#[tokio::test]
async fn a_pushed_visit_is_accepted_and_shows_in_the_list() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.visit("auditor1");
    assert!(s.push_ok(&token, &visit).await.is_empty());
    let list = s.visits(&token).await;
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].visit_id, list[0].revision, list[0].state),
        (visit.id, 1, ReviewState::Submitted)
    );
    assert_eq!(list[0].office_id, visit.office_id);
    let detail = s.detail(&token, visit.id).await;
    assert_eq!(detail.visit, visit);
    assert_eq!(detail.state, ReviewState::Submitted);
}

#[tokio::test]
async fn pushing_the_same_visit_again_is_a_duplicate_and_stores_nothing_new() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.visit("auditor1");
    s.push_ok(&token, &visit).await;
    let again: PushResponse = s
        .push(&token, vec![visit.clone()])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(again.results[0].status, PushStatus::Duplicate);
    assert_eq!(again.results[0].reason, None);
    assert_eq!(s.visits(&token).await.len(), 1);
}

/// Pushes arriving together are stored together (one commit for all that wait): each must
/// still be answered with its own results, and nothing may be lost or stored twice, even
/// the same visit sent twice at once (a device retrying while its first push waits).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_arriving_at_once_are_each_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::with(Db::open(&dir.path().join("server.db")).unwrap());
    let token = s.login("auditor1").await;
    let visits: Vec<Visit> = (0..40).map(|_| s.visit("auditor1")).collect();
    let mut bodies: Vec<Vec<Visit>> = visits.chunks(2).map(<[Visit]>::to_vec).collect();
    bodies.push(vec![visits[0].clone()]);
    let mut pushes = tokio::task::JoinSet::new();
    for batch in bodies {
        let (app, token) = (s.app.clone(), token.clone());
        pushes.spawn(async move {
            let request = Request::post("/api/v1/push")
                .header(PROTOCOL_HEADER, "1")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::to_vec(&PushRequest { visits: batch }).unwrap(),
                ))
                .unwrap();
            let response = app.oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            serde_json::from_slice::<PushResponse>(&body).unwrap()
        });
    }
    let mut statuses: Vec<(Uuid, PushStatus)> = Vec::new();
    while let Some(response) = pushes.join_next().await {
        let response = response.unwrap();
        statuses.extend(response.results.iter().map(|r| (r.visit_id, r.status)));
    }
    let first: Vec<PushStatus> = statuses
        .iter()
        .filter(|(id, _)| *id == visits[0].id)
        .map(|(_, status)| *status)
        .collect();
    assert!(
        first == [PushStatus::Accepted, PushStatus::Duplicate]
            || first == [PushStatus::Duplicate, PushStatus::Accepted],
        "{first:?}"
    );
    let accepted: BTreeSet<Uuid> = statuses
        .iter()
        .filter(|(_, status)| *status == PushStatus::Accepted)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(accepted, visits.iter().map(|v| v.id).collect());
    let listed: Vec<Uuid> = s.visits(&token).await.iter().map(|v| v.visit_id).collect();
    assert_eq!(listed.len(), visits.len());
    assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), accepted);
}

#[tokio::test]
async fn the_same_revision_with_other_content_is_rejected_with_a_reason() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.visit("auditor1");
    s.push_ok(&token, &visit).await;
    let mut changed = visit.clone();
    changed.comment = "edited after submitting".into();
    let reply: PushResponse = s
        .push(&token, vec![changed])
        .await
        .expect(StatusCode::OK)
        .json();
    let result = &reply.results[0];
    assert_eq!(
        (result.visit_id, result.revision, result.status),
        (visit.id, 1, PushStatus::Rejected)
    );
    assert!(
        result
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("other content")),
        "{result:?}"
    );
    assert_eq!(
        s.detail(&token, visit.id).await.visit,
        visit,
        "the stored visit is unchanged"
    );
}

#[tokio::test]
async fn a_new_revision_replaces_the_visit_in_the_list() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.visit("auditor1");
    s.push_ok(&token, &visit).await;
    let ret = serde_json::json!({ "decision": "return", "comment": "check the waiting time" });
    let sup = s.login("supervisor").await;
    s.post_json(
        &format!("/api/v1/visits/{}/review", visit.id),
        Some(&sup),
        &ret,
    )
    .await
    .expect(StatusCode::OK);
    let mut corrected = visit.clone();
    corrected.revision = 2;
    corrected.comment = "corrected".into();
    s.push_ok(&token, &corrected).await;
    let list = s.visits(&token).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].revision, 2);
    assert_eq!(s.detail(&token, visit.id).await.visit.comment, "corrected");
}

#[tokio::test]
async fn an_auditor_cannot_push_another_auditors_visit() {
    let s = Server::new();
    let token = s.login("auditor2").await;
    let e = s
        .push(&token, vec![s.visit("auditor1")])
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("visits[0].auditor"));
    assert!(s.visits(&s.login("supervisor").await).await.is_empty());
}

#[tokio::test]
async fn an_auditor_cannot_overwrite_another_auditors_visit_by_reusing_its_id() {
    let s = Server::new();
    let token1 = s.login("auditor1").await;
    let token2 = s.login("auditor2").await;
    let original = s.visit("auditor1");
    s.push_ok(&token1, &original).await;
    let mut taken = s.visit("auditor2");
    taken.id = original.id;
    taken.revision = 2;
    let reply: PushResponse = s
        .push(&token2, vec![taken])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(reply.results[0].status, PushStatus::Rejected);
    assert!(reply.results[0].reason.is_some());
    assert_eq!(s.detail(&token1, original.id).await.visit, original);
    assert!(s.visits(&token2).await.is_empty());
}

#[tokio::test]
async fn a_batch_of_more_than_100_visits_is_refused() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let mut visits = zakupka_core::demo::generate_visits(
        &s.template,
        &s.directory,
        MAX_PUSH_BATCH + 1,
        Utc::now(),
    );
    for v in &mut visits {
        v.auditor = "auditor1".into();
    }
    let e = s
        .push(&token, visits.clone())
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("visits"));
    assert!(s.visits(&token).await.is_empty());
    // 100 are fine.
    visits.pop();
    let ok: PushResponse = s.push(&token, visits).await.expect(StatusCode::OK).json();
    assert_eq!(ok.results.len(), MAX_PUSH_BATCH);
    assert!(ok.results.iter().all(|r| r.status == PushStatus::Accepted));
}

#[tokio::test]
async fn supervisors_and_admins_cannot_push() {
    let s = Server::new();
    for login in ["supervisor", "admin"] {
        let token = s.login(login).await;
        let e = s
            .push(&token, vec![s.visit(login)])
            .await
            .error(StatusCode::FORBIDDEN);
        assert_eq!(e.error, ErrorCode::Forbidden);
    }
    assert!(s.visits(&s.login("admin").await).await.is_empty());
}

/// Each bad push is refused with a JSON error naming the field, and nothing of it is kept.
#[tokio::test]
async fn a_bad_push_is_refused_naming_the_field_and_stores_nothing() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let good = s.visit("auditor1");
    let as_json = |v: &Visit| {
        serde_json::to_value(PushRequest {
            visits: vec![v.clone()],
        })
        .unwrap()
    };
    let body = |v: &Visit| serde_json::to_vec(&as_json(v)).unwrap();
    let edit = |f: &dyn Fn(&mut Visit)| {
        let mut v = good.clone();
        f(&mut v);
        body(&v)
    };
    let scale = s.scale_item();
    let required = s.required_item();
    let revision_as_string = {
        let mut j = as_json(&good);
        j["visits"][0]["revision"] = serde_json::json!("1");
        serde_json::to_vec(&j).unwrap()
    };
    let unknown_answer_type = {
        let mut j = as_json(&good);
        j["visits"][0]["answers"][&scale]["value"] = serde_json::json!({"type": "maybe"});
        serde_json::to_vec(&j).unwrap()
    };
    let scale_field = format!("visits[0].answers.{scale}");
    let type_field = format!("{scale_field}.value.type");
    let required_field = format!("visits[0].answers.{required}");
    let cases: Vec<(&str, Vec<u8>, StatusCode, Option<&str>)> = vec![
        (
            "malformed JSON",
            br#"{"visits": [{"id": "#.to_vec(),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "not JSON at all",
            b"visits=1".to_vec(),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "revision as a string",
            revision_as_string,
            StatusCode::BAD_REQUEST,
            Some("visits[0].revision"),
        ),
        (
            "unknown answer type",
            unknown_answer_type,
            StatusCode::BAD_REQUEST,
            Some(type_field.as_str()),
        ),
        (
            "unknown template version",
            edit(&|v| v.template_version = 99),
            StatusCode::BAD_REQUEST,
            Some("visits[0].template_version"),
        ),
        (
            "scale answer of 9",
            edit(&|v| v.answers.get_mut(&scale).unwrap().value = Some(AnswerValue::Scale(9))),
            StatusCode::BAD_REQUEST,
            Some(scale_field.as_str()),
        ),
        (
            "yes/no answer to a scale item",
            edit(&|v| v.answers.get_mut(&scale).unwrap().value = Some(AnswerValue::Yes)),
            StatusCode::BAD_REQUEST,
            Some(scale_field.as_str()),
        ),
        (
            "answer to an unknown item",
            edit(&|v| {
                let any = v.answers.values().next().unwrap().clone();
                v.answers.insert("no-such-item".into(), any);
            }),
            StatusCode::BAD_REQUEST,
            Some("visits[0].answers.no-such-item"),
        ),
        (
            "a required answer missing",
            edit(&|v| {
                v.answers.remove(&required);
            }),
            StatusCode::BAD_REQUEST,
            Some(required_field.as_str()),
        ),
        (
            "unknown office",
            edit(&|v| v.office_id = "nowhere-1".into()),
            StatusCode::BAD_REQUEST,
            Some("visits[0].office_id"),
        ),
        (
            "unknown scenario",
            edit(&|v| v.scenario = "haggling".into()),
            StatusCode::BAD_REQUEST,
            Some("visits[0].scenario"),
        ),
        (
            "a draft",
            edit(&|v| v.status = zakupka_core::VisitStatus::Draft),
            StatusCode::BAD_REQUEST,
            Some("visits[0].status"),
        ),
        (
            "revision 0",
            edit(&|v| v.revision = 0),
            StatusCode::BAD_REQUEST,
            Some("visits[0].revision"),
        ),
        (
            "a body over 4 MiB",
            edit(&|v| v.comment = "x".repeat(4 * 1024 * 1024 + 1)),
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
        ),
    ];
    for (name, bytes, status, field) in cases {
        let reply = s.post_raw("/api/v1/push", Some(&token), bytes).await;
        assert_eq!(reply.status, status, "{name}: {}", reply.text());
        let e: ErrorBody = reply.error(status);
        assert_eq!(e.field.as_deref(), field, "{name}: {e:?}");
        assert!(!e.message.is_empty(), "{name}");
        assert!(
            s.visits(&token).await.is_empty(),
            "{name}: something was stored"
        );
    }
    // One bad visit refuses the whole batch, naming itself.
    let mut bad = s.visit("auditor1");
    bad.office_id = "nowhere-1".into();
    let e = s
        .push(&token, vec![s.visit("auditor1"), bad])
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("visits[1].office_id"));
    assert!(s.visits(&token).await.is_empty());
    // And the good visit on its own goes through.
    s.push_ok(&token, &good).await;
}

// ---------------------------------------------------------------------------------------
// Photos

#[tokio::test]
async fn a_photo_of_a_pushed_visit_is_uploaded_once() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let sha = sha256(PNG);
    let visit = s.with_photo(s.visit("auditor1"), PNG);
    assert_eq!(
        s.push_ok(&token, &visit).await,
        vec![sha.clone()],
        "the push result asks for the photo"
    );
    assert_eq!(
        s.detail(&token, visit.id).await.missing_photos,
        vec![sha.clone()]
    );

    s.put_photo(Some(&token), &sha, PNG)
        .await
        .expect(StatusCode::CREATED);
    s.put_photo(Some(&token), &sha, PNG)
        .await
        .expect(StatusCode::OK);
    assert!(s.detail(&token, visit.id).await.missing_photos.is_empty());
    // A retried push no longer asks for it.
    let again: PushResponse = s
        .push(&token, vec![visit])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(again.results[0].status, PushStatus::Duplicate);
    assert!(again.results[0].missing_photos.is_empty());
}

#[tokio::test]
async fn a_photo_whose_bytes_do_not_match_its_address_is_refused() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.with_photo(s.visit("auditor1"), PNG);
    s.push_ok(&token, &visit).await;
    let mut other = PNG.to_vec();
    other.push(0);
    let e = s
        .put_photo(Some(&token), &sha256(PNG), &other)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("body"));
    assert_eq!(
        s.detail(&token, visit.id).await.missing_photos,
        vec![sha256(PNG)],
        "nothing was stored"
    );
}

#[tokio::test]
async fn a_photo_no_visit_of_the_caller_refers_to_is_404() {
    let s = Server::new();
    let token1 = s.login("auditor1").await;
    let token2 = s.login("auditor2").await;
    s.push_ok(&token1, &s.visit("auditor1")).await;
    let e = s
        .put_photo(Some(&token1), &sha256(PNG), PNG)
        .await
        .error(StatusCode::NOT_FOUND);
    assert_eq!(e.error, ErrorCode::NotFound);
    // Another auditor's photo is not the caller's either.
    s.push_ok(&token1, &s.with_photo(s.visit("auditor1"), PNG))
        .await;
    s.put_photo(Some(&token2), &sha256(PNG), PNG)
        .await
        .error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_file_that_is_not_an_image_is_refused() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let text = b"%PDF-1.7 not a photo".as_slice();
    s.push_ok(&token, &s.with_photo(s.visit("auditor1"), text))
        .await;
    let e = s
        .put_photo(Some(&token), &sha256(text), text)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("body"));
}

#[tokio::test]
async fn a_photo_address_that_is_not_a_sha256_is_refused() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let e = s
        .put_photo(Some(&token), &sha256(PNG).to_uppercase(), PNG)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("sha256"));
}

#[tokio::test]
async fn a_photo_over_the_size_limit_is_413_with_a_json_error() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    // Just over the photo limit, and over the limit of any request body.
    for size in [8 * 1024 * 1024 + 1, zakupka_server::MAX_BODY_BYTES + 1] {
        let mut big = PNG.to_vec();
        big.resize(size, 0);
        let e = s
            .put_photo(Some(&token), &sha256(&big), &big)
            .await
            .error(StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(e.error, ErrorCode::TooLarge, "{size} bytes");
    }
}

// ---------------------------------------------------------------------------------------
// Pull

#[tokio::test]
async fn a_first_pull_brings_the_directory_and_the_checklist() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let first = s.pull(&token, 0).await;
    let directory = first.directory.expect("the directory on a first pull");
    assert_eq!(directory.offices.len(), 134);
    assert_eq!(directory, s.directory);
    assert_eq!(first.templates, vec![s.template.clone()]);
    assert!(first.visits.is_empty());
    assert!(!first.more);
    assert!(first.next_cursor > 0);
    // No cursor is the same as cursor 0.
    let plain: PullResponse = s
        .get("/api/v1/pull", Some(&token))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(plain, s.pull(&token, 0).await);

    let second = s.pull(&token, first.next_cursor).await;
    assert_eq!(second.directory, None);
    assert!(second.templates.is_empty() && second.visits.is_empty() && !second.more);
    assert_eq!(second.next_cursor, first.next_cursor);
}

#[tokio::test]
async fn a_review_decision_reaches_only_the_visits_auditor() {
    let s = Server::new();
    let token1 = s.login("auditor1").await;
    let token2 = s.login("auditor2").await;
    let cursor1 = s.pull(&token1, 0).await.next_cursor;
    let cursor2 = s.pull(&token2, 0).await.next_cursor;
    let visit = s.visit("auditor1");
    s.push_ok(&token1, &visit).await;
    // The pushing device knows its visit is submitted: a push alone brings nothing to pull.
    assert!(s.pull(&token1, cursor1).await.visits.is_empty());

    // A supervisor's decision, as the review of the next milestone records it.
    let id = visit.id.to_string();
    s.db.blocking(move |c| {
        c.execute(
            "UPDATE reviews SET state = 'returned', comment = 'Уточните ответ' WHERE visit_id = ?1",
            [&id],
        )?;
        c.execute(
            "INSERT INTO changes (kind, ref, auditor) VALUES ('visit', ?1, 'auditor1')",
            [&id],
        )?;
        Ok(())
    })
    .unwrap();

    let mine = s.pull(&token1, cursor1).await;
    assert_eq!(mine.visits.len(), 1);
    let update = &mine.visits[0];
    assert_eq!(
        (update.visit_id, update.revision, update.state),
        (visit.id, 1, ReviewState::Returned)
    );
    assert_eq!(update.comment, "Уточните ответ");
    assert_eq!(mine.directory, None);
    assert!(mine.templates.is_empty());

    let theirs = s.pull(&token2, cursor2).await;
    assert!(theirs.visits.is_empty(), "{:?}", theirs.visits);
    // Not from the start either.
    assert!(s.pull(&token2, 0).await.visits.is_empty());
}

#[tokio::test]
async fn a_cursor_that_is_not_a_number_is_400() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let e = s
        .get("/api/v1/pull?cursor=-1", Some(&token))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.error, ErrorCode::BadRequest);
    s.get("/api/v1/pull?cursor=abc", Some(&token))
        .await
        .error(StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------
// Who may do what

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Login,
    Pull,
    Push,
    PutPhoto,
    GetPhoto,
    ListVisits,
    VisitDetail,
    VisitLog,
    VisitRevisions,
    Review,
    Rating,
    RatingQuarters,
    RatingHistory,
    RatingExport,
    Publish,
    Auditors,
    ListAssignments,
    Assign,
    CancelAssignment,
    OpenApi,
    Healthz,
    Logout,
}

/// Expected status for: anonymous, auditor1, auditor2, supervisor, admin. Rows run in this
/// order (logout last: it revokes the token the others use).
const MATRIX: &[(Endpoint, [u16; 5])] = &[
    // Anonymous "logs in" as a login that does not exist.
    (Endpoint::Login, [401, 200, 200, 200, 200]),
    (Endpoint::Pull, [401, 200, 200, 200, 200]),
    // Each pushes a visit in their own name.
    (Endpoint::Push, [401, 200, 200, 403, 403]),
    // A photo of auditor1's visit.
    (Endpoint::PutPhoto, [401, 201, 404, 404, 404]),
    // That photo: its auditor and the supervisors see it; for auditor2 it does not exist.
    (Endpoint::GetPhoto, [401, 200, 404, 200, 200]),
    (Endpoint::ListVisits, [401, 200, 200, 200, 200]),
    // auditor1's visit.
    (Endpoint::VisitDetail, [401, 200, 404, 200, 200]),
    (Endpoint::VisitLog, [401, 200, 404, 200, 200]),
    (Endpoint::VisitRevisions, [401, 200, 404, 200, 200]),
    // Approving auditor1's visit: the supervisor does; after that it is decided (409).
    (Endpoint::Review, [401, 403, 403, 200, 409]),
    (Endpoint::Rating, [401, 200, 200, 200, 200]),
    (Endpoint::RatingQuarters, [401, 200, 200, 200, 200]),
    (Endpoint::RatingHistory, [401, 200, 200, 200, 200]),
    (Endpoint::RatingExport, [401, 200, 200, 200, 200]),
    // Publishing a past quarter: the supervisor does; then it is frozen (409).
    (Endpoint::Publish, [401, 403, 403, 200, 409]),
    (Endpoint::Auditors, [401, 403, 403, 200, 200]),
    (Endpoint::ListAssignments, [401, 200, 200, 200, 200]),
    // A new assignment each time; the same office again for the same auditor is 409.
    (Endpoint::Assign, [401, 403, 403, 201, 409]),
    // Cancelling the supervisor's assignment: once, then it is gone (404).
    (Endpoint::CancelAssignment, [401, 403, 403, 204, 404]),
    (Endpoint::OpenApi, [200, 200, 200, 200, 200]),
    (Endpoint::Healthz, [200, 200, 200, 200, 200]),
    (Endpoint::Logout, [401, 204, 204, 204, 204]),
];

#[tokio::test]
async fn every_endpoint_answers_each_role_as_it_should() {
    let s = Server::new();
    let callers: [Option<&str>; 5] = [
        None,
        Some("auditor1"),
        Some("auditor2"),
        Some("supervisor"),
        Some("admin"),
    ];
    let mut tokens = Vec::new();
    for c in callers {
        tokens.push(match c {
            Some(login) => Some(s.login(login).await),
            None => None,
        });
    }
    let a1 = tokens[1].as_deref().unwrap();
    let a2 = tokens[2].as_deref().unwrap();
    let visit1 = s.with_photo(s.visit("auditor1"), PNG);
    s.push_ok(a1, &visit1).await;
    s.push_ok(a2, &s.visit("auditor2")).await;

    // Auditors see their own visits, whatever they ask for; supervisors and admins all.
    let seen =
        |list: Vec<ServerVisit>| list.into_iter().map(|v| v.auditor).collect::<BTreeSet<_>>();
    let both = BTreeSet::from(["auditor1".to_owned(), "auditor2".to_owned()]);
    for (caller, token) in callers.iter().zip(&tokens).skip(1) {
        let login = caller.unwrap();
        let expected = if login.starts_with("auditor") {
            BTreeSet::from([login.to_owned()])
        } else {
            both.clone()
        };
        assert_eq!(
            seen(s.visits(token.as_deref().unwrap()).await),
            expected,
            "{login}"
        );
        let asked: Vec<ServerVisit> = s
            .get("/api/v1/visits?auditor=auditor1", token.as_deref())
            .await
            .expect(StatusCode::OK)
            .json();
        let expected = if login == "auditor2" {
            BTreeSet::from(["auditor2".to_owned()])
        } else {
            BTreeSet::from(["auditor1".to_owned()])
        };
        assert_eq!(
            seen(asked),
            expected,
            "{login} asking for auditor1's visits"
        );
    }

    let mut failures = Vec::new();
    for (endpoint, expected) in MATRIX {
        for (n, (caller, token)) in callers.iter().zip(&tokens).enumerate() {
            let token = token.as_deref();
            let reply = match endpoint {
                Endpoint::Login => {
                    let login = caller.unwrap_or("nobody");
                    s.try_login(login, &password(login)).await
                }
                Endpoint::Pull => s.get("/api/v1/pull?cursor=0", token).await,
                Endpoint::Push => {
                    let visit = s.visit(caller.unwrap_or("auditor1"));
                    s.post_json(
                        "/api/v1/push",
                        token,
                        &PushRequest {
                            visits: vec![visit],
                        },
                    )
                    .await
                }
                Endpoint::PutPhoto => s.put_photo(token, &sha256(PNG), PNG).await,
                Endpoint::GetPhoto => {
                    s.get(&format!("/api/v1/photos/{}", sha256(PNG)), token)
                        .await
                }
                Endpoint::ListVisits => s.get("/api/v1/visits", token).await,
                Endpoint::VisitDetail => {
                    s.get(&format!("/api/v1/visits/{}", visit1.id), token).await
                }
                Endpoint::VisitLog => {
                    s.get(&format!("/api/v1/visits/{}/log", visit1.id), token)
                        .await
                }
                Endpoint::VisitRevisions => {
                    s.get(&format!("/api/v1/visits/{}/revisions", visit1.id), token)
                        .await
                }
                Endpoint::Review => {
                    let approve = serde_json::json!({ "decision": "approve" });
                    s.post_json(
                        &format!("/api/v1/visits/{}/review", visit1.id),
                        token,
                        &approve,
                    )
                    .await
                }
                Endpoint::Rating => s.get("/api/v1/rating?quarter=2026-Q1", token).await,
                Endpoint::RatingQuarters => s.get("/api/v1/rating/quarters", token).await,
                Endpoint::RatingHistory => s.get("/api/v1/rating/history", token).await,
                Endpoint::RatingExport => {
                    s.get("/api/v1/rating/export?quarter=2026-Q1&format=xlsx", token)
                        .await
                }
                Endpoint::Publish => {
                    s.call(Method::POST, "/api/v1/rating/2020-Q1/publish", token, None)
                        .await
                }
                Endpoint::Auditors => s.get("/api/v1/auditors", token).await,
                Endpoint::ListAssignments => s.get("/api/v1/assignments", token).await,
                Endpoint::Assign => {
                    s.post_json("/api/v1/assignments", token, &s.assignment("auditor1"))
                        .await
                }
                Endpoint::CancelAssignment => {
                    let id =
                        s.db.blocking(|c| {
                            Ok(c.query_row(
                                "SELECT id FROM assignments ORDER BY created_at LIMIT 1",
                                [],
                                |r| r.get::<_, String>(0),
                            )?)
                        })
                        .unwrap();
                    s.call(
                        Method::DELETE,
                        &format!("/api/v1/assignments/{id}"),
                        token,
                        None,
                    )
                    .await
                }
                Endpoint::OpenApi => s.get("/api/v1/openapi.json", token).await,
                Endpoint::Healthz => s.get("/healthz", token).await,
                Endpoint::Logout => s.call(Method::POST, "/api/v1/logout", token, None).await,
            };
            let who = caller.unwrap_or("anonymous");
            if reply.status.as_u16() != expected[n] {
                failures.push(format!(
                    "{endpoint:?} as {who}: expected {}, got {} {}",
                    expected[n],
                    reply.status,
                    reply.text()
                ));
            } else if reply.status.is_client_error() {
                // Every refusal is a JSON ErrorBody.
                let e: ErrorBody = reply.json();
                assert!(!e.message.is_empty());
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// The OpenAPI document

/// The routes of `routes.rs` and `lib.rs`, as (method, path).
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
    ("get", "/api/v1/rating"),
    ("get", "/api/v1/rating/quarters"),
    ("get", "/api/v1/rating/history"),
    ("get", "/api/v1/rating/export"),
    ("post", "/api/v1/rating/{quarter}/publish"),
    ("get", "/api/v1/photos/{sha256}"),
    ("get", "/api/v1/auditors"),
    ("get", "/api/v1/assignments"),
    ("post", "/api/v1/assignments"),
    ("delete", "/api/v1/assignments/{id}"),
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
        ("ServerVisit", &list[0]),
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

// ---------------------------------------------------------------------------------------
// Review

#[tokio::test]
async fn decisions_follow_the_rules_and_every_step_is_in_the_append_only_log() {
    let s = Server::new();
    let auditor = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    let visit = s.visit("auditor1");
    s.push_ok(&auditor, &visit).await;
    let review = |body: serde_json::Value| {
        let uri = format!("/api/v1/visits/{}/review", visit.id);
        let sup = sup.clone();
        let s = &s;
        async move { s.post_json(&uri, Some(&sup), &body).await }
    };

    let e = review(serde_json::json!({ "decision": "return" }))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(
        e.field.as_deref(),
        Some("comment"),
        "a return must say what to correct"
    );
    let e = review(serde_json::json!({ "decision": "reject", "comment": "  " }))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(
        e.field.as_deref(),
        Some("comment"),
        "a rejection needs a reason"
    );
    let e = review(
        serde_json::json!({ "decision": "return", "item_comments": { "no.such.item": "?" } }),
    )
    .await
    .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("item_comments.no.such.item"));

    let item = s.template.items().next().unwrap().id.clone();
    let returned: VisitUpdate = review(serde_json::json!({
        "decision": "return", "comment": "Уточните", "item_comments": { item.clone(): "Офис был открыт?" }
    }))
    .await
    .expect(StatusCode::OK)
    .json();
    assert_eq!(returned.state, ReviewState::Returned);
    assert_eq!(returned.item_comments[&item], "Офис был открыт?");
    review(serde_json::json!({ "decision": "approve" }))
        .await
        .error(StatusCode::CONFLICT);

    let mut corrected = visit.clone();
    corrected.revision = 2;
    s.push_ok(&auditor, &corrected).await;
    let mut unasked = visit.clone();
    unasked.revision = 3;
    let r = s
        .push(&auditor, vec![unasked])
        .await
        .expect(StatusCode::OK)
        .json::<PushResponse>();
    assert_eq!(
        r.results[0].status,
        PushStatus::Rejected,
        "a revision nobody asked for"
    );
    review(serde_json::json!({ "decision": "approve" }))
        .await
        .expect(StatusCode::OK);

    let log: Vec<LogEntry> = s
        .get(&format!("/api/v1/visits/{}/log", visit.id), Some(&auditor))
        .await
        .expect(StatusCode::OK)
        .json();
    let steps: Vec<(u32, Option<ReviewState>, ReviewState, &str)> = log
        .iter()
        .map(|e| (e.revision, e.from, e.to, e.by.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (1, None, ReviewState::Submitted, "auditor1"),
            (
                1,
                Some(ReviewState::Submitted),
                ReviewState::Returned,
                "supervisor"
            ),
            (
                2,
                Some(ReviewState::Returned),
                ReviewState::Submitted,
                "auditor1"
            ),
            (
                2,
                Some(ReviewState::Submitted),
                ReviewState::Approved,
                "supervisor"
            ),
        ]
    );
    assert_eq!(log[1].comment, "Уточните");
    let revisions: Vec<Visit> = s
        .get(
            &format!("/api/v1/visits/{}/revisions", visit.id),
            Some(&sup),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        revisions.iter().map(|v| v.revision).collect::<Vec<_>>(),
        [1, 2],
        "both revisions, oldest first"
    );
    let tampered =
        s.db.blocking(|c| Ok(c.execute("UPDATE review_log SET by_login = 'nobody'", [])?));
    assert!(tampered.is_err(), "the log cannot be rewritten");
    let erased =
        s.db.blocking(|c| Ok(c.execute("DELETE FROM review_log", [])?));
    assert!(erased.is_err(), "nor erased");
}

// ---- Assignments ----

fn set_branch(s: &Server, login: &str, branch: &str) {
    s.db.blocking(|c| {
        zakupka_server::assignments::set_branch(c, login, Some(branch), &s.directory)
    })
    .unwrap();
}

async fn assign(s: &Server, token: &str, request: &AssignmentRequest) -> Reply {
    s.post_json("/api/v1/assignments", Some(token), request)
        .await
}

fn assignment_count(s: &Server) -> i64 {
    s.db.blocking(|c| Ok(c.query_row("SELECT count(*) FROM assignments", [], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test]
async fn an_assignment_reaches_only_its_auditor_and_is_done_once_the_visit_arrives() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let a1 = s.login("auditor1").await;
    let a2 = s.login("auditor2").await;
    let request = s.assignment("auditor1");
    let created: AssignmentResponse = assign(&s, &sup, &request)
        .await
        .expect(StatusCode::CREATED)
        .json();
    let assignment = created.assignment.expect("stored");
    assert!(created.warnings.is_empty());
    assert_eq!(assignment.status, AssignmentStatus::Open);
    assert_eq!(assignment.created_by, "supervisor");

    let mine: Vec<Assignment> = s
        .get("/api/v1/assignments", Some(&a1))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(mine, vec![assignment.clone()]);
    // auditor2 asks for auditor1's: gets their own, none.
    let theirs: Vec<Assignment> = s
        .get("/api/v1/assignments?auditor=auditor1", Some(&a2))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(theirs.is_empty());

    // The visit of that office arrives: the assignment is done.
    let mut visit = s.visit("auditor1");
    visit.office_id = request.office_id.clone();
    s.push_ok(&a1, &visit).await;
    let mine: Vec<Assignment> = s
        .get("/api/v1/assignments", Some(&a1))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(mine[0].status, AssignmentStatus::Done);

    // Cancelled, it leaves the list.
    s.call(
        Method::DELETE,
        &format!("/api/v1/assignments/{}", assignment.id),
        Some(&sup),
        None,
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    let mine: Vec<Assignment> = s
        .get("/api/v1/assignments", Some(&a1))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(mine.is_empty());
}

#[tokio::test]
async fn an_auditor_is_never_assigned_an_office_of_their_own_branch() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let request = s.assignment("auditor1");
    let branch = s
        .directory
        .office(&request.office_id)
        .unwrap()
        .branch_id
        .clone();
    set_branch(&s, "auditor1", &branch);
    for dry_run in [true, false] {
        let reply = assign(
            &s,
            &sup,
            &AssignmentRequest {
                dry_run,
                ..request.clone()
            },
        )
        .await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error.field.as_deref(), Some("auditor"));
        assert!(error.message.contains("own branch"), "{}", error.message);
        assert!(error.message.contains(&branch), "{}", error.message);
    }
    assert_eq!(assignment_count(&s), 0);
    // Another branch's office is fine.
    let elsewhere = s
        .directory
        .offices
        .iter()
        .find(|o| o.branch_id != branch)
        .unwrap();
    assign(
        &s,
        &sup,
        &AssignmentRequest {
            office_id: elsewhere.id.clone(),
            ..request
        },
    )
    .await
    .expect(StatusCode::CREATED);
    // The supervisor's auditor list says where each works.
    let auditors: Vec<Auditor> = s
        .get("/api/v1/auditors", Some(&sup))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        auditors,
        vec![
            Auditor {
                login: "auditor1".into(),
                branch_id: Some(branch)
            },
            Auditor {
                login: "auditor2".into(),
                branch_id: None
            },
        ]
    );
}

#[tokio::test]
async fn the_same_office_in_consecutive_quarters_warns_but_is_allowed() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let a1 = s.login("auditor1").await;
    let this = s.assignment("auditor1");
    // auditor1 visited the office last quarter.
    let mut visit = s.visit("auditor1");
    visit.office_id = this.office_id.clone();
    let last = this.quarter.previous();
    let shift = visit.started_at - (last.bounds().0 + Duration::days(10));
    visit.started_at -= shift;
    visit.finished_at = visit.finished_at.map(|t| t - shift);
    for a in visit.answers.values_mut() {
        a.updated_at -= shift;
    }
    s.push_ok(&a1, &visit).await;

    let preview: AssignmentResponse = assign(
        &s,
        &sup,
        &AssignmentRequest {
            dry_run: true,
            ..this.clone()
        },
    )
    .await
    .expect(StatusCode::OK)
    .json();
    assert_eq!(preview.assignment, None);
    assert_eq!(
        preview.warnings,
        vec![AssignmentWarning::ConsecutiveQuarter { quarter: last }]
    );
    assert_eq!(assignment_count(&s), 0, "a dry run stores nothing");

    let made: AssignmentResponse = assign(&s, &sup, &this)
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert!(made.assignment.is_some());
    assert_eq!(
        made.warnings,
        vec![AssignmentWarning::ConsecutiveQuarter { quarter: last }]
    );
    // The office in the next quarter: warned by this quarter's assignment.
    let next = this.quarter.next();
    let later = AssignmentRequest {
        quarter: next,
        due: next.bounds().0.date_naive() + Duration::days(20),
        dry_run: true,
        ..this.clone()
    };
    let preview: AssignmentResponse = assign(&s, &sup, &later).await.expect(StatusCode::OK).json();
    assert_eq!(
        preview.warnings,
        vec![AssignmentWarning::ConsecutiveQuarter {
            quarter: this.quarter
        }]
    );
    // Another auditor at that office: no warning.
    let other: AssignmentResponse = assign(
        &s,
        &sup,
        &AssignmentRequest {
            auditor: "auditor2".into(),
            dry_run: true,
            ..this
        },
    )
    .await
    .expect(StatusCode::OK)
    .json();
    assert!(other.warnings.is_empty());
}

#[tokio::test]
async fn a_bad_assignment_is_refused_naming_the_field_and_stores_nothing() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let good = s.assignment("auditor1");
    let past = Quarter::of(Utc::now()).previous();
    let cases: Vec<(AssignmentRequest, &str)> = vec![
        (
            AssignmentRequest {
                auditor: "nobody".into(),
                ..good.clone()
            },
            "auditor",
        ),
        (
            AssignmentRequest {
                auditor: "supervisor".into(),
                ..good.clone()
            },
            "auditor",
        ),
        (
            AssignmentRequest {
                office_id: "atlantis-1".into(),
                ..good.clone()
            },
            "office_id",
        ),
        (
            AssignmentRequest {
                scenario: "bribe".into(),
                ..good.clone()
            },
            "scenario",
        ),
        (
            AssignmentRequest {
                due: good.quarter.next().bounds().0.date_naive(),
                ..good.clone()
            },
            "due",
        ),
        (
            AssignmentRequest {
                quarter: past,
                due: past.bounds().0.date_naive(),
                ..good.clone()
            },
            "due",
        ),
        (
            AssignmentRequest {
                note: "x".repeat(2001),
                ..good.clone()
            },
            "note",
        ),
    ];
    for (request, field) in cases {
        let error = assign(&s, &sup, &request)
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(
            error.field.as_deref(),
            Some(field),
            "{request:?}: {}",
            error.message
        );
    }
    let error = s
        .post_raw("/api/v1/assignments", Some(&sup), br#"{"auditor":"auditor1","office_id":"x","quarter":"2025-Q5","scenario":"s","due":"2025-01-01"}"#.to_vec())
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(error.message.contains("quarter"), "{}", error.message);
    let error = s
        .post_raw("/api/v1/assignments", Some(&sup), br#"{"auditor":"auditor1","office_id":"x","quarter":"2025-Q1","scenario":"s","due":"31.03.2025"}"#.to_vec())
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(error.field.as_deref(), Some("due"), "{}", error.message);
    assert_eq!(assignment_count(&s), 0);
    // Twice the same: the second is a conflict.
    assign(&s, &sup, &good).await.expect(StatusCode::CREATED);
    assign(&s, &sup, &good).await.error(StatusCode::CONFLICT);
    assert_eq!(assignment_count(&s), 1);
}

#[tokio::test]
async fn the_review_queue_filters_by_quarter_branch_office_auditor_and_state() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let a1 = s.login("auditor1").await;
    let a2 = s.login("auditor2").await;
    let offices = &s.directory.offices;
    let other_branch = offices
        .iter()
        .find(|o| o.branch_id != offices[0].branch_id)
        .unwrap();
    let mut v1 = s.visit("auditor1");
    v1.office_id = offices[0].id.clone();
    let mut v2 = s.visit("auditor2");
    v2.office_id = other_branch.id.clone();
    s.push_ok(&a1, &v1).await;
    s.push_ok(&a2, &v2).await;
    s.post_json(
        &format!("/api/v1/visits/{}/review", v2.id),
        Some(&sup),
        &serde_json::json!({"decision": "approve"}),
    )
    .await
    .expect(StatusCode::OK);
    let ids = |q: &str| {
        let s = &s;
        let sup = sup.clone();
        let q = q.to_owned();
        async move {
            let list: Vec<ServerVisit> = s
                .get(&format!("/api/v1/visits?{q}"), Some(&sup))
                .await
                .expect(StatusCode::OK)
                .json();
            list.into_iter()
                .map(|v| v.visit_id)
                .collect::<BTreeSet<_>>()
        }
    };
    let both = BTreeSet::from([v1.id, v2.id]);
    let now = Quarter::of(Utc::now());
    assert_eq!(ids(&format!("quarter={now}")).await, both);
    assert_eq!(
        ids(&format!("quarter={}", now.previous())).await,
        BTreeSet::new()
    );
    assert_eq!(
        ids(&format!("branch={}", offices[0].branch_id)).await,
        BTreeSet::from([v1.id])
    );
    assert_eq!(
        ids(&format!("office={}", other_branch.id)).await,
        BTreeSet::from([v2.id])
    );
    assert_eq!(ids("auditor=auditor2").await, BTreeSet::from([v2.id]));
    assert_eq!(ids("state=approved").await, BTreeSet::from([v2.id]));
    assert_eq!(
        ids("state=submitted&auditor=auditor1").await,
        BTreeSet::from([v1.id])
    );
    assert_eq!(
        ids("state=&branch=&quarter=").await,
        both,
        "empty filters mean all"
    );
    for (q, field) in [
        ("quarter=2025-Q9", "quarter"),
        ("state=lost", "state"),
        ("branch=atlantis", "branch"),
    ] {
        let error = s
            .get(&format!("/api/v1/visits?{q}"), Some(&sup))
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(
            error.field.as_deref(),
            Some(field),
            "{q}: {}",
            error.message
        );
    }
}

// ---- Clocks ----

/// `visit` as a device whose clock is off would have made it, started at `start`.
fn skewed(mut visit: Visit, start: chrono::DateTime<Utc>) -> Visit {
    let skew = start - visit.started_at;
    visit.started_at += skew;
    visit.finished_at = visit.finished_at.map(|t| t + skew);
    for a in visit.answers.values_mut() {
        a.updated_at += skew;
    }
    visit
}

#[tokio::test]
async fn a_device_clock_days_off_is_flagged_not_refused_and_lists_follow_the_servers_clock() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    // Sent first, from a phone whose clock runs five days ahead.
    let ahead = skewed(s.visit("auditor1"), Utc::now() + Duration::days(5));
    s.push_ok(&a1, &ahead).await;
    // Sent second, from a phone set a year back.
    let behind = skewed(s.visit("auditor1"), Utc::now() - Duration::days(365));
    s.push_ok(&a1, &behind).await;
    let right = s.visit("auditor1");
    s.push_ok(&a1, &right).await;

    let list = s.visits(&sup).await;
    let order: Vec<Uuid> = list.iter().map(|v| v.visit_id).collect();
    assert_eq!(
        order,
        vec![right.id, behind.id, ahead.id],
        "newest received first, whatever the devices' clocks say"
    );
    let flags = |id: Uuid| {
        list.iter()
            .find(|v| v.visit_id == id)
            .unwrap()
            .time_flags
            .clone()
    };
    assert_eq!(flags(ahead.id), vec![TimeFlag::InTheFuture]);
    assert_eq!(flags(behind.id), vec![TimeFlag::LongBeforeReceipt]);
    assert_eq!(flags(right.id), vec![]);
    assert_eq!(
        s.detail(&sup, ahead.id).await.time_flags,
        vec![TimeFlag::InTheFuture]
    );

    // Finished before it started: kept, flagged, and can be reviewed like any other.
    let mut backwards = s.visit("auditor1");
    backwards.finished_at = Some(backwards.started_at - Duration::hours(2));
    s.push_ok(&a1, &backwards).await;
    assert_eq!(
        s.detail(&sup, backwards.id).await.time_flags,
        vec![TimeFlag::FinishedBeforeStarted]
    );
    s.post_json(
        &format!("/api/v1/visits/{}/review", backwards.id),
        Some(&sup),
        &serde_json::json!({"decision": "return", "comment": "Проверьте время на телефоне"}),
    )
    .await
    .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_supervisor_sees_the_photos_of_the_visit_under_review() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    let visit = s.with_photo(s.visit("auditor1"), PNG);
    s.push_ok(&a1, &visit).await;
    let address = format!("/api/v1/photos/{}", sha256(PNG));
    // Not uploaded yet: nothing to show.
    s.get(&address, Some(&sup))
        .await
        .error(StatusCode::NOT_FOUND);
    s.put_photo(Some(&a1), &sha256(PNG), PNG)
        .await
        .expect(StatusCode::CREATED);
    let reply = s.get(&address, Some(&sup)).await.expect(StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(&reply.body[..], PNG);
    s.get("/api/v1/photos/..%2F..%2Fetc%2Fpasswd", Some(&sup))
        .await
        .error(StatusCode::BAD_REQUEST);
}

// ---- Refusal codes ----

/// Every refusal names exactly what was refused, in a code the app words in its own
/// language: never `other`, whatever the English message says.
#[tokio::test]
async fn each_refusal_carries_its_own_code() {
    use zakupka_core::wire::{PushResponse, PushStatus, Refusal};
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let a2 = s.login("auditor2").await;
    let sup = s.login("supervisor").await;
    let code = |reply: Reply, status: StatusCode| reply.error(status).code;

    // Signing in.
    let wrong = s.try_login("auditor1", "not the password").await;
    assert_eq!(
        code(wrong, StatusCode::UNAUTHORIZED),
        Refusal::WrongCredentials
    );
    let stale = s.get("/api/v1/visits", Some("no-such-token")).await;
    assert_eq!(code(stale, StatusCode::UNAUTHORIZED), Refusal::SignInAgain);
    let old = s
        .call_with_protocol(Some("0"), Method::GET, "/api/v1/visits", Some(&a1), None)
        .await;
    assert_eq!(
        code(old, StatusCode::UPGRADE_REQUIRED),
        Refusal::ProtocolOutdated
    );

    // Roles.
    let visit = s.visit("auditor1");
    s.push_ok(&a1, &visit).await;
    let review = format!("/api/v1/visits/{}/review", visit.id);
    let by_auditor = s
        .post_json(
            &review,
            Some(&a1),
            &serde_json::json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(
        code(by_auditor, StatusCode::FORBIDDEN),
        Refusal::RoleForbidden
    );
    let by_supervisor = s.push(&sup, vec![s.visit("supervisor")]).await;
    assert_eq!(
        code(by_supervisor, StatusCode::FORBIDDEN),
        Refusal::RoleForbidden
    );

    // Requests that cannot be read.
    let garbled = s.post_raw(&review, Some(&sup), b"{not json".to_vec()).await;
    assert_eq!(code(garbled, StatusCode::BAD_REQUEST), Refusal::Invalid);
    let quarter = s.get("/api/v1/rating?quarter=someday", Some(&sup)).await;
    assert_eq!(code(quarter, StatusCode::BAD_REQUEST), Refusal::Invalid);
    let nobody = s
        .get(&format!("/api/v1/visits/{}", Uuid::now_v7()), Some(&sup))
        .await;
    assert_eq!(code(nobody, StatusCode::NOT_FOUND), Refusal::NotFound);

    // Review decisions.
    let decide = async |body: serde_json::Value| s.post_json(&review, Some(&sup), &body).await;
    let reject = decide(serde_json::json!({"decision": "reject"})).await;
    assert_eq!(
        code(reject, StatusCode::BAD_REQUEST),
        Refusal::ReasonRequired
    );
    let give_back = decide(serde_json::json!({"decision": "return", "comment": "  "})).await;
    assert_eq!(
        code(give_back, StatusCode::BAD_REQUEST),
        Refusal::CommentRequired
    );
    let long = decide(serde_json::json!({"decision": "reject", "comment": "x".repeat(4001)})).await;
    assert_eq!(code(long, StatusCode::BAD_REQUEST), Refusal::TooLong);
    let item = decide(serde_json::json!({
        "decision": "return", "item_comments": {"no.such.item": "fix"}
    }))
    .await;
    assert_eq!(code(item, StatusCode::BAD_REQUEST), Refusal::UnknownItem);
    decide(serde_json::json!({"decision": "approve"}))
        .await
        .expect(StatusCode::OK);
    let again = decide(serde_json::json!({"decision": "approve"})).await;
    assert_eq!(code(again, StatusCode::CONFLICT), Refusal::NotSubmitted);

    // Photos.
    let stray = s.put_photo(Some(&a1), &sha256(PNG), PNG).await;
    assert_eq!(code(stray, StatusCode::NOT_FOUND), Refusal::PhotoNotInVisit);
    let text = b"not an image";
    let not_image = s.put_photo(Some(&a1), &sha256(text), text).await;
    assert_eq!(
        code(not_image, StatusCode::BAD_REQUEST),
        Refusal::NotAnImage
    );

    // Rejected pushes: the visit's result says why.
    let pushed = async |token: String, visits: Vec<Visit>| {
        let response: PushResponse = s.push(&token, visits).await.expect(StatusCode::OK).json();
        assert_eq!(response.results[0].status, PushStatus::Rejected);
        response.results[0].code
    };
    let mut changed = visit.clone();
    changed.comment = "other content".into();
    assert_eq!(
        pushed(a1.clone(), vec![changed]).await,
        Some(Refusal::RevisionConflict)
    );
    let mut unasked = visit.clone();
    unasked.revision = 2;
    assert_eq!(
        pushed(a1.clone(), vec![unasked]).await,
        Some(Refusal::RevisionNotAsked)
    );
    let mut taken = visit.clone();
    taken.auditor = "auditor2".into();
    assert_eq!(
        pushed(a2.clone(), vec![taken]).await,
        Some(Refusal::NotYourVisit)
    );

    // Assignments.
    let request = s.assignment("auditor1");
    let branch = s
        .directory
        .office(&request.office_id)
        .unwrap()
        .branch_id
        .clone();
    s.db.blocking(|c| {
        zakupka_server::assignments::set_branch(c, "auditor1", Some(&branch), &s.directory)
    })
    .unwrap();
    let own = s
        .post_json("/api/v1/assignments", Some(&sup), &request)
        .await;
    assert_eq!(code(own, StatusCode::BAD_REQUEST), Refusal::OwnBranch);
    let not_auditor = AssignmentRequest {
        auditor: "supervisor".into(),
        ..request.clone()
    };
    let not_auditor = s
        .post_json("/api/v1/assignments", Some(&sup), &not_auditor)
        .await;
    assert_eq!(
        code(not_auditor, StatusCode::BAD_REQUEST),
        Refusal::NotAnAuditor
    );
}
