//! Corrective actions on the device against the real server with the demo (its manager
//! heads Серпухов, whose actions are in every state): steps made offline are kept through a
//! restart, sent once each whatever the network does (the same `op_id` again after a lost
//! answer), the evidence photo reaches the server, a refusal is shown, and unsent steps hold
//! the device.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, TimeZone, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;
use zakupka_client::actions::sync_actions;
use zakupka_client::api::Api;
use zakupka_client::{ActionOpOutcome, Store, StoreError};
use zakupka_core::AnswerValue;
use zakupka_core::wire::{Action, ActionFilter, ActionPhoto, ActionState, Finding};
use zakupka_server::{Db, demo};

/// The real server with the demo on 127.0.0.1:0.
async fn serve() -> (SocketAddr, Db) {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let (t, d) = demo::read_seeds(&seeds).unwrap();
    let m = demo::read_methodology(&seeds).unwrap();
    let db = Db::open_in_memory().unwrap();
    db.blocking(|c| {
        demo::publish(c, &t, &d)?;
        demo::load_demo(c, &t, &d, &m, Utc::now())
    })
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = zakupka_server::app(db.clone(), None);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, db)
}

async fn token(addr: SocketAddr, login: &str) -> String {
    Api::new(&format!("http://{addr}"), None)
        .login(login, "demo", Uuid::now_v7())
        .await
        .unwrap()
        .token
}

/// Steps of action `id` the server has taken (each once, by its op id).
fn steps_taken(db: &Db, id: Uuid) -> Vec<String> {
    db.blocking(|c| {
        let mut stmt =
            c.prepare("SELECT kind FROM action_ops WHERE action_id = ?1 ORDER BY at, op_id")?;
        let rows = stmt.query_map([id.to_string()], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<String>, _>>()?)
    })
    .unwrap()
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

fn all() -> ActionFilter {
    ActionFilter::default()
}

#[tokio::test]
async fn steps_made_offline_survive_a_restart_and_a_lost_answer_and_are_done_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zakupka.db");
    let (upstream, db) = serve().await;
    let drop = Arc::new(AtomicUsize::new(0));
    let through = proxy(upstream, drop.clone()).await;
    let api = Api::new(
        &format!("http://{through}"),
        Some(token(upstream, "manager").await),
    );

    // Online once: the branch's actions arrive; one still open is fixed here.
    let store = Mutex::new(Store::open(&path).unwrap());
    store.lock().unwrap().hand_over("manager", &[]).unwrap();
    sync_actions(&store, &api, &all(), Utc::now).await.unwrap();
    let id = store
        .lock()
        .unwrap()
        .actions()
        .unwrap()
        .into_iter()
        .find(|a| a.action.state == ActionState::Open)
        .expect("the demo has an open action")
        .action
        .id;
    let before = steps_taken(&db, id).len();

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
        sync_actions(&store, &offline(), &all(), Utc::now)
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
    std::mem::drop(store);
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
    assert!(sync_actions(&store, &api, &all(), Utc::now).await.is_err());
    assert_eq!(
        steps_taken(&db, id).len(),
        before + 1,
        "the server did plan it"
    );
    assert_eq!(
        store.lock().unwrap().action(id).unwrap().unwrap().waiting,
        2
    );

    // The next round sends the plan again (answered as before), then the fix, then its photo.
    let report = sync_actions(&store, &api, &all(), Utc::now).await.unwrap();
    assert_eq!((report.sent, report.photos, report.refused), (2, 1, 0));
    assert_eq!(
        steps_taken(&db, id)[before..],
        ["plan".to_owned(), "done".to_owned()],
        "each step taken once"
    );
    let on_server = api.action(id).await.unwrap();
    assert_eq!(on_server.state, ActionState::Done);
    assert_eq!(on_server.evidence, "Убрано");
    assert_eq!(on_server.evidence_photos.len(), 1);
    assert!(
        on_server.missing_photos.is_empty(),
        "the photo reached the server"
    );
    let sha = on_server.evidence_photos[0].sha256.clone();
    assert_eq!(api.action_photo(id, &sha).await.unwrap(), photo);
    let s = store.lock().unwrap();
    let shown = s.action(id).unwrap().unwrap();
    assert_eq!((shown.action.state, shown.waiting), (ActionState::Done, 0));
    assert!(s.action_photos_to_upload().unwrap().is_empty());
    assert_eq!(s.action_ops_unsent().unwrap(), 0);
}

#[tokio::test]
async fn a_refused_step_shows_the_servers_state_and_the_refusal() {
    let (addr, db) = serve().await;
    // A manager may not verify: the server refuses, whatever the device let through.
    let api = Api::new(
        &format!("http://{addr}"),
        Some(token(addr, "manager").await),
    );
    let store = Mutex::new(Store::open_in_memory().unwrap());
    sync_actions(&store, &api, &all(), Utc::now).await.unwrap();
    let id = store
        .lock()
        .unwrap()
        .actions()
        .unwrap()
        .into_iter()
        .find(|a| a.action.state == ActionState::Done)
        .expect("the demo has a fixed action")
        .action
        .id;
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
    let report = sync_actions(&store, &api, &all(), Utc::now).await.unwrap();
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
    assert!(!steps_taken(&db, id).contains(&"verify".to_owned()));
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

/// `action(id)` as the server has it in `state`.
fn in_state(id: Uuid, state: ActionState) -> Action {
    Action {
        state,
        ..action(id)
    }
}

#[test]
fn evidence_photos_leave_the_device_once_the_server_has_them_and_the_fix_is_verified_or_old() {
    let store = Store::open_in_memory().unwrap();
    let (waiting, verified) = (Uuid::now_v7(), Uuid::now_v7());
    store
        .replace_actions(&[action(waiting), action(verified)])
        .unwrap();
    let now = Utc::now();
    let mut sha = std::collections::BTreeMap::new();
    for (id, seed) in [(waiting, 1), (verified, 2)] {
        let photo = store
            .add_action_photo(id, "fix.jpg", &common::jpeg(500, seed), now)
            .unwrap();
        sha.insert(id, photo.sha256);
        store.close_action(id, "Убрано", now).unwrap();
    }
    // Verified on the server, but the photos were never uploaded: nothing leaves.
    store
        .replace_actions(&[
            in_state(waiting, ActionState::Done),
            in_state(verified, ActionState::Verified),
        ])
        .unwrap();
    assert_eq!(store.expire_photos(now).unwrap().rows, 0);
    for op in store.action_ops_waiting().unwrap() {
        let done = in_state(op.action_id, ActionState::Done);
        store
            .record_action_op(op.op_id, &ActionOpOutcome::Stored(Box::new(done)), now)
            .unwrap();
    }
    assert_eq!(store.action_photos_to_upload().unwrap().len(), 2);
    assert_eq!(
        store.expire_photos(now).unwrap().rows,
        0,
        "not uploaded yet"
    );
    for s in sha.values() {
        store.action_photo_uploaded(s, now).unwrap();
    }
    // Uploaded: the verified action's photo goes; the one still to verify stays.
    store
        .replace_actions(&[
            in_state(waiting, ActionState::Done),
            in_state(verified, ActionState::Verified),
        ])
        .unwrap();
    assert_eq!(store.expire_photos(now).unwrap().rows, 1);
    assert_eq!(store.photo_kept(&sha[&verified]).unwrap(), None);
    assert!(store.photo_kept(&sha[&waiting]).unwrap().is_some());
    assert!(
        store.action_photos_to_upload().unwrap().is_empty(),
        "nothing to send again"
    );
    // After the retention time the other goes too.
    let later = now + chrono::Duration::days(31);
    assert_eq!(store.expire_photos(later).unwrap().rows, 1);
    assert_eq!(store.photo_kept(&sha[&waiting]).unwrap(), None);
}
