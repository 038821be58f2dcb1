//! Signing in, tokens, and the protocol version every request carries.

use super::*;

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
