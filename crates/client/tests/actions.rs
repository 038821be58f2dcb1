//! Corrective actions on the device: steps made offline are kept through a restart, sent
//! once each whatever the network does (the same `op_id` again after a lost answer), the
//! evidence photo reaches the server, a refusal is shown, and unsent steps hold the device.
//!
//! The server here is a small stand-in that keeps to the actions API's contract (an op
//! answered again as the first time, photos taken only when a step named them), so these
//! tests say what the device does; the server's own tests say what it does.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{NaiveDate, TimeZone, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;
use zakupka_client::actions::sync_actions;
use zakupka_client::api::Api;
use zakupka_client::{Store, StoreError};
use zakupka_core::AnswerValue;
use zakupka_core::wire::{Action, ActionFilter, ActionPhoto, ActionState, DoneRequest, Finding};

#[derive(Default)]
struct Fake {
    actions: HashMap<Uuid, Action>,
    /// Each op id's answer, as first given.
    answers: HashMap<Uuid, Action>,
    /// Steps applied, in order: (action, kind).
    applied: Vec<(Uuid, String)>,
    /// Photos named by a done step, and those received.
    named: BTreeSet<String>,
    photos: HashMap<String, Vec<u8>>,
    /// Who closed each action: they may not verify it.
    closed_by: HashMap<Uuid, String>,
}

type Shared = Arc<Mutex<Fake>>;

fn refusal(status: StatusCode, code: &str) -> Response {
    let body = serde_json::json!({"error": "conflict", "code": code, "message": code});
    (status, axum::Json(body)).into_response()
}

async fn list(State(fake): State<Shared>) -> Response {
    let fake = fake.lock().unwrap();
    let mut list: Vec<Action> = fake.actions.values().cloned().collect();
    list.sort_by_key(|a| a.id);
    axum::Json(list).into_response()
}

async fn step(
    State(fake): State<Shared>,
    Path((id, kind)): Path<(Uuid, String)>,
    body: Bytes,
) -> Response {
    let mut fake = fake.lock().unwrap();
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let op: Uuid = serde_json::from_value(value["op_id"].clone()).unwrap();
    if let Some(answer) = fake.answers.get(&op) {
        return axum::Json(answer.clone()).into_response();
    }
    let Some(mut action) = fake.actions.get(&id).cloned() else {
        return refusal(StatusCode::NOT_FOUND, "other");
    };
    match kind.as_str() {
        "plan" => {
            action.plan = value["plan"].as_str().unwrap().to_owned();
            action.state = ActionState::Planned;
        }
        "done" => {
            let done: DoneRequest = serde_json::from_value(value).unwrap();
            action.evidence = done.evidence;
            action.missing_photos = done.photos.iter().map(|p| p.sha256.clone()).collect();
            fake.named.extend(action.missing_photos.iter().cloned());
            action.evidence_photos = done.photos;
            action.state = ActionState::Done;
            action.closed_by = Some("manager".into());
            fake.closed_by.insert(id, "manager".into());
        }
        "verify" => {
            // The stand-in's caller is always the manager who closed it: refused.
            return refusal(StatusCode::CONFLICT, "other");
        }
        _ => return refusal(StatusCode::BAD_REQUEST, "other"),
    }
    fake.applied.push((id, kind));
    fake.actions.insert(id, action.clone());
    fake.answers.insert(op, action.clone());
    axum::Json(action).into_response()
}

async fn put_photo(
    State(fake): State<Shared>,
    Path((_id, sha)): Path<(Uuid, String)>,
    body: Bytes,
) -> Response {
    let mut fake = fake.lock().unwrap();
    if !fake.named.contains(&sha) {
        return refusal(StatusCode::CONFLICT, "other");
    }
    fake.photos.insert(sha.clone(), body.to_vec());
    for action in fake.actions.values_mut() {
        action.missing_photos.retain(|s| *s != sha);
    }
    StatusCode::CREATED.into_response()
}

async fn serve(fake: Shared) -> SocketAddr {
    let app = Router::new()
        .route("/api/v1/actions", get(list))
        .route("/api/v1/actions/{id}/{kind}", post(step))
        .route("/api/v1/actions/{id}/photos/{sha}", put(put_photo))
        .with_state(fake);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A proxy in front of `upstream` that lets the next `drop` requests reach the server and
/// closes the connection as its answer starts: the server did the work, the device never
/// hears of it.
async fn proxy(upstream: SocketAddr, drop: Arc<AtomicUsize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let drop = drop.clone();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let cut = drop
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if !cut {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    return;
                }
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move { tokio::io::copy(&mut cr, &mut sw).await });
                let mut buf = [0u8; 1];
                let _ = sr.read(&mut buf).await;
                up.abort();
                let _ = cw.shutdown().await;
            });
        }
    });
    addr
}

fn action(id: Uuid) -> Action {
    Action {
        id,
        visit_id: Uuid::now_v7(),
        office_id: "o1".into(),
        branch_id: "b1".into(),
        item_id: "clean".into(),
        critical: false,
        finding: Finding {
            answer: AnswerValue::No,
            comment: "Грязно у входа".into(),
            photos: vec![],
        },
        created_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
        due: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
        state: ActionState::Open,
        overdue: false,
        plan: String::new(),
        evidence: String::new(),
        evidence_photos: vec![],
        missing_photos: vec![],
        closed_by: None,
        closed_at: None,
        verified_by: None,
        verified_at: None,
        reopen_reason: None,
        reopened: 0,
        repeats: 0,
        recheck: None,
    }
}

/// A port nothing listens on: the device is offline.
fn offline() -> Api {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Api::new(&format!("http://127.0.0.1:{port}"), Some("t".into()))
}

#[tokio::test]
async fn steps_made_offline_survive_a_restart_and_a_lost_answer_and_are_done_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zakupka.db");
    let id = Uuid::now_v7();
    let fake: Shared = Arc::default();
    fake.lock().unwrap().actions.insert(id, action(id));
    let upstream = serve(fake.clone()).await;
    let drop = Arc::new(AtomicUsize::new(0));
    let through = proxy(upstream, drop.clone()).await;
    let api = Api::new(&format!("http://{through}"), Some("t".into()));

    // Online once: the list arrives.
    let store = Mutex::new(Store::open(&path).unwrap());
    sync_actions(&store, &api, &ActionFilter::default(), Utc::now)
        .await
        .unwrap();
    assert_eq!(store.lock().unwrap().actions().unwrap().len(), 1);

    // Offline: plan, then close with a photo; both shown at once, both waiting.
    let photo = common::jpeg(2_000, 7);
    {
        let s = store.lock().unwrap();
        s.plan_action(id, "Уберём у входа", Utc::now()).unwrap();
        s.add_action_photo(id, "fix.jpg", &photo, Utc::now())
            .unwrap();
        s.close_action(id, "Убрано", Utc::now()).unwrap();
        let shown = s.action(id).unwrap().unwrap();
        assert_eq!(shown.action.state, ActionState::Done);
        assert_eq!(shown.action.plan, "Уберём у входа");
        assert_eq!(shown.waiting, 2);
    }
    assert!(
        sync_actions(&store, &offline(), &ActionFilter::default(), Utc::now)
            .await
            .is_err()
    );
    let ops: Vec<Uuid> = store
        .lock()
        .unwrap()
        .action_ops_waiting()
        .unwrap()
        .iter()
        .map(|o| o.op_id)
        .collect();
    assert_eq!(ops.len(), 2);

    // The app restarts: the steps are still there, with the same op ids.
    drop_store(store);
    let store = Mutex::new(Store::open(&path).unwrap());
    let again: Vec<Uuid> = store
        .lock()
        .unwrap()
        .action_ops_waiting()
        .unwrap()
        .iter()
        .map(|o| o.op_id)
        .collect();
    assert_eq!(again, ops);

    // Online, but the plan's answer is lost on the way back.
    drop.store(1, Ordering::SeqCst);
    assert!(
        sync_actions(&store, &api, &ActionFilter::default(), Utc::now)
            .await
            .is_err()
    );
    assert_eq!(
        fake.lock().unwrap().applied.len(),
        1,
        "the server did plan it"
    );
    assert_eq!(
        store.lock().unwrap().action(id).unwrap().unwrap().waiting,
        2
    );

    // The next round sends the plan again (answered as before), then the fix and photo.
    let report = sync_actions(&store, &api, &ActionFilter::default(), Utc::now)
        .await
        .unwrap();
    assert_eq!((report.sent, report.photos, report.refused), (2, 1, 0));
    let fake_now = fake.lock().unwrap();
    assert_eq!(
        fake_now.applied,
        vec![(id, "plan".to_owned()), (id, "done".to_owned())],
        "each step done once"
    );
    assert_eq!(fake_now.photos.values().next(), Some(&photo));
    let done = &fake_now.actions[&id];
    assert_eq!(done.evidence, "Убрано");
    assert!(done.missing_photos.is_empty());
    std::mem::drop(fake_now);
    let s = store.lock().unwrap();
    let shown = s.action(id).unwrap().unwrap();
    assert_eq!((shown.action.state, shown.waiting), (ActionState::Done, 0));
    assert!(s.action_photos_to_upload().unwrap().is_empty());
    assert_eq!(s.action_ops_unsent().unwrap(), 0);
}

fn drop_store(store: Mutex<Store>) {
    std::mem::drop(store);
}

#[tokio::test]
async fn a_refused_step_shows_the_servers_state_and_the_refusal() {
    let id = Uuid::now_v7();
    let fake: Shared = Arc::default();
    let mut done = action(id);
    done.state = ActionState::Done;
    done.evidence = "Убрано".into();
    fake.lock().unwrap().actions.insert(id, done.clone());
    let api = Api::new(
        &format!("http://{}", serve(fake.clone()).await),
        Some("t".into()),
    );
    let store = Mutex::new(Store::open_in_memory().unwrap());
    store.lock().unwrap().replace_actions(&[done]).unwrap();

    store.lock().unwrap().verify_action(id, Utc::now()).unwrap();
    assert_eq!(
        store
            .lock()
            .unwrap()
            .action(id)
            .unwrap()
            .unwrap()
            .action
            .state,
        ActionState::Verified
    );
    let report = sync_actions(&store, &api, &ActionFilter::default(), Utc::now)
        .await
        .unwrap();
    assert_eq!(report.refused, 1);
    let shown = store.lock().unwrap().action(id).unwrap().unwrap();
    assert_eq!(shown.action.state, ActionState::Done);
    assert_eq!(shown.waiting, 0);
    assert!(shown.refused.is_some());
    // And the device does not send it again.
    assert!(
        store
            .lock()
            .unwrap()
            .action_ops_waiting()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn steps_need_their_text_and_a_state_they_follow() {
    let store = Store::open_in_memory().unwrap();
    let id = Uuid::now_v7();
    store.replace_actions(&[action(id)]).unwrap();
    assert!(matches!(
        store.plan_action(id, "  ", Utc::now()),
        Err(StoreError::ActionTextMissing)
    ));
    assert!(matches!(
        store.close_action(id, "", Utc::now()),
        Err(StoreError::ActionTextMissing)
    ));
    assert!(matches!(
        store.verify_action(id, Utc::now()),
        Err(StoreError::ActionStepNotAllowed { .. })
    ));
    assert!(matches!(
        store.plan_action(Uuid::now_v7(), "x", Utc::now()),
        Err(StoreError::ActionNotFound(_))
    ));
    assert!(store.action_ops_waiting().unwrap().is_empty());
    // A photo alone is evidence enough.
    store
        .add_action_photo(id, "a.jpg", &common::jpeg(500, 1), Utc::now())
        .unwrap();
    store.close_action(id, "", Utc::now()).unwrap();
    let shown = store.action(id).unwrap().unwrap();
    assert_eq!(
        shown.action.evidence_photos,
        vec![ActionPhoto {
            sha256: shown.action.evidence_photos[0].sha256.clone(),
            mime: "image/jpeg".into()
        }]
    );
    assert!(shown.draft_photos.is_empty());
}

#[test]
fn an_unsent_step_keeps_the_device_for_its_user() {
    let store = Store::open_in_memory().unwrap();
    store.hand_over("manager", &[]).unwrap();
    let id = Uuid::now_v7();
    store.replace_actions(&[action(id)]).unwrap();
    store.plan_action(id, "План", Utc::now()).unwrap();
    assert!(matches!(
        store.hand_over("someone", &[]),
        Err(StoreError::UnsentWork { .. })
    ));
    assert_eq!(store.actions().unwrap().len(), 1);
}

#[test]
fn a_visit_of_an_assigned_office_knows_the_items_to_recheck_and_others_none() {
    use zakupka_core::wire::{Assignment, AssignmentStatus};
    let store = Store::open_in_memory().unwrap();
    common::seeded(&store);
    let assignment = |auditor: &str, recheck: Vec<String>| Assignment {
        id: Uuid::now_v7(),
        auditor: auditor.into(),
        office_id: "klin-1".into(),
        quarter: zakupka_core::rating::Quarter::of(common::t0()),
        scenario: "bill".into(),
        due: common::t0().date_naive(),
        note: String::new(),
        created_by: "supervisor".into(),
        created_at: common::t0(),
        status: AssignmentStatus::Open,
        from: None,
        pair_id: None,
        recheck,
    };
    store
        .replace_assignments(&[
            assignment("auditor1", vec!["clean".into()]),
            // Another auditor's list is not this visit's.
            assignment("auditor2", vec!["polite".into()]),
        ])
        .unwrap();
    let visit = store
        .start_visit(&common::new_visit(), common::t0())
        .unwrap();
    assert_eq!(
        store
            .recheck_items(visit.id)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec!["clean".to_owned()]
    );
    store.replace_assignments(&[]).unwrap();
    assert!(store.recheck_items(visit.id).unwrap().is_empty());
}
