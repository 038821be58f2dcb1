//! Signing in under attack (RELIABILITY.md, Security): the attempt is recorded before its
//! password is checked, so a burst of guesses gets at most five checks; the lock is looked
//! at again before a token is issued; unknown logins behave as known ones; the lock-out is
//! forgotten after a quiet quarter of an hour; throttles by login and by address. Time is a
//! manual clock moved by the tests, never slept.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use governor::Quota;
use zakupka_core::wire::Refusal;
use zakupka_server::auth::{Logins, QUIET, Throttle};
use zakupka_server::{Clock, Settings, app_with};

use super::*;

/// The usual server on a manual clock with `throttle`; the clock and the sign-in counters.
fn server(throttle: Throttle) -> (Server, Clock, Arc<Logins>) {
    let mut s = Server::new();
    let clock = Clock::manual(Utc::now());
    let settings = Settings::new(clock.clone(), throttle);
    let logins = settings.logins.clone();
    s.app = app_with(s.db.clone(), None, settings);
    (s, clock, logins)
}

/// Gives `login` a hash with tiny Argon2 parameters (same password): debug builds take
/// about half a second per real check, and these tests are about the rules, not Argon2.
fn cheap_hash(s: &Server, login: &str) {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let params = argon2::Params::new(8, 1, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let hash = argon
        .hash_password(
            password(login).as_bytes(),
            &SaltString::generate(&mut OsRng),
        )
        .unwrap()
        .to_string();
    s.db.blocking(|c| {
        Ok(c.execute(
            "UPDATE users SET password_hash = ?1 WHERE login = ?2",
            rusqlite::params![hash, login],
        )?)
    })
    .unwrap();
}

fn retry_after(reply: &Reply) -> i64 {
    reply.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A sign-in request as from `address`, as `serve` records it.
fn login_from(login: &str, pass: &str, address: &str) -> Request<Body> {
    let body = serde_json::to_vec(&LoginRequest {
        login: login.into(),
        password: pass.into(),
        device_id: Uuid::now_v7(),
    })
    .unwrap();
    Server::request(Method::POST, "/api/v1/login", None)
        .header(header::CONTENT_TYPE, "application/json")
        .extension(ConnectInfo(address.parse::<SocketAddr>().unwrap()))
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_simultaneous_guesses_get_at_most_five_password_checks() {
    // Without the throttles the lock-out alone must hold; with them, all the more.
    for throttle in [Throttle::none(), Throttle::default()] {
        let (s, clock, logins) = server(throttle);
        let mut guesses = tokio::task::JoinSet::new();
        for n in 0..200 {
            let request = login_from("auditor1", &format!("guess {n}"), "198.51.100.9:4000");
            let app = s.app.clone();
            guesses.spawn(async move { app.oneshot(request).await.unwrap().status() });
        }
        let (mut checked, mut refused) = (0, 0);
        while let Some(status) = guesses.join_next().await {
            match status.unwrap() {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => refused += 1,
                other => panic!("a guess answered {other}"),
            }
        }
        assert!(checked <= 5, "{checked} guesses were checked");
        assert_eq!(checked + refused, 200);
        assert!(
            logins.password_checks() <= 5,
            "{} passwords checked",
            logins.password_checks()
        );
        // Now even the right password waits, unchecked...
        let reply = s.try_login("auditor1", &password("auditor1")).await;
        assert_eq!(
            reply.error(StatusCode::TOO_MANY_REQUESTS).code,
            Refusal::TooManyAttempts
        );
        assert!(logins.password_checks() <= 5);
        // ...until it has been quiet for a quarter of an hour.
        clock.advance(QUIET);
        s.try_login("auditor1", &password("auditor1"))
            .await
            .expect(StatusCode::OK);
    }
}

#[tokio::test]
async fn a_wrong_guess_every_quarter_hour_never_locks_the_real_user_out() {
    let (s, clock, _) = server(Throttle::default());
    cheap_hash(&s, "auditor1");
    for guess in 1..=12 {
        let e = s
            .try_login("auditor1", "a guess")
            .await
            .error(StatusCode::UNAUTHORIZED);
        assert_eq!(e.code, Refusal::WrongCredentials, "guess {guess}");
        clock.advance(QUIET);
    }
    s.try_login("auditor1", &password("auditor1"))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn after_hours_of_guessing_the_real_user_signs_in_once_it_is_quiet() {
    let (s, clock, _) = server(Throttle::default());
    cheap_hash(&s, "auditor1");
    let start = clock.now();
    let mut longest = 0;
    // An attacker guesses whenever allowed for three hours.
    while clock.now() - start < Duration::hours(3) {
        let reply = s.try_login("auditor1", "a guess").await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after(&reply);
            longest = longest.max(wait);
            clock.advance(Duration::seconds(wait));
        } else {
            reply.expect(StatusCode::UNAUTHORIZED);
        }
    }
    assert!(
        longest <= 15 * 60,
        "a lock of {longest} s: never longer than 15 min"
    );
    let reply = s.try_login("auditor1", &password("auditor1")).await;
    if reply.status == StatusCode::TOO_MANY_REQUESTS {
        clock.advance(QUIET);
    }
    s.try_login("auditor1", &password("auditor1"))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_login_is_answered_and_locked_out_like_a_known_one() {
    let (s, _, logins) = server(Throttle::none());
    let mut answers = Vec::new();
    for login in ["auditor1", "nobody"] {
        let mut seen = Vec::new();
        for _ in 0..6 {
            let reply = s.try_login(login, "a guess").await;
            let e = reply.error_body();
            let wait = reply.headers.get(header::RETRY_AFTER).cloned();
            seen.push((reply.status, e.code, e.message, wait));
        }
        answers.push(seen);
    }
    assert_eq!(
        answers[0], answers[1],
        "auditor1 vs a login that does not exist"
    );
    assert_eq!(answers[0][5].0, StatusCode::TOO_MANY_REQUESTS);
    // Five checks each: the unknown login's against the dummy hash.
    assert_eq!(logins.password_checks(), 10);
}

#[tokio::test]
async fn the_lock_is_checked_again_before_a_token_is_issued() {
    let s = Server::new();
    let now = Utc::now();
    let device = Uuid::now_v7();
    let attempt = |s: &Server| {
        s.db.blocking(|c| auth::begin_attempt(c, "auditor1", now))
            .unwrap()
    };
    let right = |a: &auth::Attempt| auth::verify(&password("auditor1"), a.hash.as_deref());
    // The right password is being checked while four more attempts arrive, the last of
    // which (the fifth in a row) locks the login.
    let mine = attempt(&s);
    for _ in 0..4 {
        let guess = attempt(&s);
        s.db.blocking(|c| auth::finish_attempt(c, guess, false, device, now))
            .err()
            .unwrap();
    }
    let ok = right(&mine);
    assert!(ok);
    let e =
        s.db.blocking(|c| auth::finish_attempt(c, mine, ok, device, now))
            .err()
            .unwrap();
    assert_eq!(e.code(), Refusal::TooManyAttempts);

    // Disabled, or the password changed, while it was checked: no token either.
    let later = now + QUIET;
    let mine =
        s.db.blocking(|c| auth::begin_attempt(c, "auditor1", later))
            .unwrap();
    s.db.blocking(|c| auth::set_disabled(c, "auditor1", true, later))
        .unwrap();
    let e =
        s.db.blocking(|c| auth::finish_attempt(c, mine, true, device, later))
            .err()
            .unwrap();
    assert_eq!(e.code(), Refusal::AccountDisabled);
    s.db.blocking(|c| auth::set_disabled(c, "auditor1", false, later))
        .unwrap();
    let mine =
        s.db.blocking(|c| auth::begin_attempt(c, "auditor1", later))
            .unwrap();
    s.db.blocking(|c| auth::set_password(c, "auditor1", "correct horse battery", later))
        .unwrap();
    let e =
        s.db.blocking(|c| auth::finish_attempt(c, mine, true, device, later))
            .err()
            .unwrap();
    assert_eq!(e.code(), Refusal::WrongCredentials);
    assert_eq!(s.count("tokens"), 0, "no token was issued");
}

#[tokio::test]
async fn sign_ins_are_throttled_per_client_address() {
    let per_minute = |n| Some(Quota::per_minute(std::num::NonZeroU32::new(n).unwrap()));
    let (s, clock, _) = server(Throttle {
        per_login: None,
        per_address: per_minute(3),
    });
    let from = |n: usize, address: &str| {
        // A different unknown login each time: only the address is common.
        login_from(&format!("sprayed{n}"), "a guess", address)
    };
    for n in 0..3 {
        s.send(from(n, "203.0.113.7:5000"))
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    let reply = s.send(from(3, "203.0.113.7:5001")).await;
    assert_eq!(
        reply.error(StatusCode::TOO_MANY_REQUESTS).code,
        Refusal::TooManyAttempts
    );
    assert!(retry_after(&reply) >= 1);
    // Another address, and the machine itself, are not held up.
    s.send(from(4, "203.0.113.8:5000"))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    for n in 5..10 {
        s.send(from(n, "127.0.0.1:5000"))
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    clock.advance(Duration::seconds(retry_after(&reply)));
    s.send(from(10, "203.0.113.7:5000"))
        .await
        .expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_ins_are_throttled_per_login() {
    let (s, _, logins) = server(Throttle {
        per_login: Some(Quota::per_minute(std::num::NonZeroU32::new(2).unwrap())),
        per_address: None,
    });
    cheap_hash(&s, "auditor1");
    for address in ["203.0.113.1:1", "203.0.113.2:1"] {
        s.send(login_from("auditor1", "a guess", address))
            .await
            .expect(StatusCode::UNAUTHORIZED);
    }
    // From a third address, and below the lock-out's five: refused before any check.
    let reply = s
        .send(login_from("auditor1", "a guess", "203.0.113.3:1"))
        .await;
    reply.error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(logins.password_checks(), 2);
    s.send(login_from(
        "auditor2",
        &password("auditor2"),
        "203.0.113.3:1",
    ))
    .await
    .expect(StatusCode::OK);
}

#[tokio::test]
async fn expired_tokens_are_purged_when_someone_signs_in() {
    let s = Server::new();
    let long_ago = Utc::now() - Duration::days(auth::TOKEN_LIFETIME_DAYS + 1);
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
    let valid = s.login("auditor2").await;
    assert_eq!(s.count("tokens"), 1, "the expired token is gone");
    s.get("/api/v1/pull", Some(&valid))
        .await
        .expect(StatusCode::OK);
}
