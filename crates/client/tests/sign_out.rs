//! The REST client's side of cutting a user off, against the real server on a loopback
//! port: `logout` revokes the token (what «Выйти» calls), and a disabled account's refusal
//! keeps its own code for the app to word, rather than reading as "sign in again".

use chrono::Utc;
use uuid::Uuid;
use zakupka_client::api::{Api, SyncError};
use zakupka_core::wire::{Refusal, Role};
use zakupka_server::{Db, auth};

const PASSWORD: &str = "violet ice morning";

async fn server() -> (String, Db) {
    let db = Db::open_in_memory().unwrap();
    db.blocking(|c| auth::add_user(c, "auditor1", Role::Auditor, PASSWORD, Utc::now()))
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = zakupka_server::app(db.clone(), None);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), db)
}

async fn signed_in(base: &str) -> Api {
    let answer = Api::new(base, None)
        .login("auditor1", PASSWORD, Uuid::now_v7())
        .await
        .unwrap();
    Api::new(base, Some(answer.token))
}

#[tokio::test]
async fn logout_revokes_the_token_on_the_server() {
    let (base, _db) = server().await;
    let api = signed_in(&base).await;
    let other = signed_in(&base).await;
    api.pull(0).await.unwrap();
    api.logout().await.unwrap();
    assert!(matches!(api.pull(0).await, Err(SyncError::Unauthorized(_))));
    other.pull(0).await.unwrap();
}

#[tokio::test]
async fn a_disabled_account_is_refused_with_its_own_code() {
    let (base, db) = server().await;
    let api = signed_in(&base).await;
    db.blocking(|c| auth::set_disabled(c, "auditor1", true, Utc::now()))
        .unwrap();
    match api.pull(0).await {
        Err(SyncError::Server { status, code, .. }) => {
            assert_eq!((status, code), (401, Refusal::AccountDisabled));
        }
        other => panic!("{other:?}"),
    }
    match Api::new(&base, None)
        .login("auditor1", PASSWORD, Uuid::now_v7())
        .await
    {
        Err(SyncError::Server { code, .. }) => assert_eq!(code, Refusal::AccountDisabled),
        other => panic!("{other:?}"),
    }
}
