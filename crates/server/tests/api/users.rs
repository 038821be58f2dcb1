//! Cutting users off (what `zakupka-server user disable | enable | passwd | revoke` call):
//! a disabled user's tokens are refused from the next request with their own code, a new
//! password or a revocation signs every device out.

use zakupka_core::wire::Refusal;

use super::*;

fn now() -> chrono::DateTime<Utc> {
    Utc::now()
}

#[tokio::test]
async fn a_disabled_users_tokens_are_refused_at_once_and_stay_revoked_when_enabled() {
    let s = Server::new();
    let phone = s.login("auditor1").await;
    let laptop = s.login("auditor1").await;
    s.db.blocking(|c| auth::set_disabled(c, "auditor1", true, now()))
        .unwrap();
    for token in [&phone, &laptop] {
        let e = s
            .get("/api/v1/pull", Some(token))
            .await
            .error(StatusCode::UNAUTHORIZED);
        assert_eq!(e.code, Refusal::AccountDisabled);
    }
    // Nor can they sign in; a wrong password says no more than for anyone.
    let e = s
        .try_login("auditor1", &password("auditor1"))
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert_eq!(e.code, Refusal::AccountDisabled);
    let e = s
        .try_login("auditor1", "a guess")
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert_eq!(e.code, Refusal::WrongCredentials);
    // Others are not affected.
    let other = s.login("auditor2").await;
    s.get("/api/v1/pull", Some(&other))
        .await
        .expect(StatusCode::OK);

    // Enabled again: they sign in anew; the old tokens (a lost phone) stay revoked.
    s.db.blocking(|c| auth::set_disabled(c, "auditor1", false, now()))
        .unwrap();
    let e = s
        .get("/api/v1/pull", Some(&phone))
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert_eq!(e.code, Refusal::SignInAgain);
    let fresh = s.login("auditor1").await;
    s.get("/api/v1/pull", Some(&fresh))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_new_password_signs_every_device_out_and_the_old_one_stops_working() {
    let s = Server::new();
    let phone = s.login("supervisor").await;
    let other = s.login("auditor1").await;
    s.db.blocking(|c| auth::set_password(c, "supervisor", "correct horse battery", now()))
        .unwrap();
    let e = s
        .get("/api/v1/visits", Some(&phone))
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert_eq!(e.code, Refusal::SignInAgain);
    s.try_login("supervisor", &password("supervisor"))
        .await
        .error(StatusCode::UNAUTHORIZED);
    s.try_login("supervisor", "correct horse battery")
        .await
        .expect(StatusCode::OK);
    s.get("/api/v1/pull", Some(&other))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_weak_new_password_is_refused_and_changes_nothing() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    for weak in ["demo", "short", "password123", "qwertyuiop"] {
        let e =
            s.db.blocking(|c| auth::set_password(c, "auditor1", weak, now()))
                .unwrap_err();
        assert_eq!(e.code(), Refusal::WeakPassword, "{weak}");
    }
    s.get("/api/v1/pull", Some(&token))
        .await
        .expect(StatusCode::OK);
    s.login("auditor1").await;
    let e =
        s.db.blocking(|c| auth::add_user(c, "newcomer", Role::Auditor, "newcomer1", now()))
            .unwrap_err();
    assert_eq!(e.code(), Refusal::WeakPassword);
}

#[tokio::test]
async fn revoking_a_user_signs_out_all_their_devices() {
    let s = Server::new();
    let tokens = [s.login("auditor1").await, s.login("auditor1").await];
    let other = s.login("auditor2").await;
    let n =
        s.db.blocking(|c| auth::revoke_all(c, "auditor1", now()))
            .unwrap();
    assert_eq!(n, 2);
    for token in &tokens {
        let e = s
            .get("/api/v1/pull", Some(token))
            .await
            .error(StatusCode::UNAUTHORIZED);
        assert_eq!(e.code, Refusal::SignInAgain);
    }
    s.get("/api/v1/pull", Some(&other))
        .await
        .expect(StatusCode::OK);
    s.login("auditor1").await;
    let e =
        s.db.blocking(|c| auth::revoke_all(c, "nobody", now()))
            .unwrap_err();
    assert_eq!(e.code(), Refusal::UnknownUser);
}
