//! A shared phone: the store holds one user's data at a time. Signing in as someone else
//! forgets everything of the previous user, unless some of their visits are not on the
//! server yet: then the other sign-in is refused and their visits stay.

mod common;

use common::*;
use uuid::Uuid;
use zakupka_client::{Owner, PushOutcome, Store, StoreError};
use zakupka_core::AnswerValue;
use zakupka_core::wire::{Assignment, AssignmentStatus, Refusal};

/// The app's own settings that belong to the user (the auditor name on the start screen).
const FORGET: &[&str] = &["auditor"];

/// A visit with an item comment, a visit comment and a photo, submitted.
fn submitted_with_photo(store: &Store) -> (Uuid, String) {
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    for (item, value) in [
        ("clean", AnswerValue::Yes),
        ("wait", AnswerValue::Number(3.0)),
        ("polite", AnswerValue::Scale(2)),
    ] {
        store.set_answer(v.id, item, &value, t0()).unwrap();
    }
    store
        .set_item_comment(v.id, "clean", "пыль на стойке", t0())
        .unwrap();
    store.set_visit_comment(v.id, "долго ждал", t0()).unwrap();
    let photo = store
        .add_photo(v.id, "clean", "a.jpg", &jpeg(2000, 7), t0())
        .unwrap();
    store.submit(v.id, t0()).unwrap();
    (v.id, photo.sha256)
}

fn sent(store: &Store, id: Uuid) {
    store
        .record_push(&[(id, 1, PushOutcome::Stored)], t0())
        .unwrap();
}

fn assignment() -> Assignment {
    Assignment {
        id: Uuid::now_v7(),
        auditor: "auditor1".into(),
        office_id: "klin-1".into(),
        quarter: zakupka_core::rating::Quarter::of(t0()),
        scenario: "bill".into(),
        due: t0().date_naive(),
        note: "первый этаж".into(),
        created_by: "supervisor".into(),
        created_at: t0(),
        status: AssignmentStatus::Open,
        from: None,
        pair_id: None,
        recheck: vec![],
    }
}

#[test]
fn another_user_signing_in_sees_nothing_of_the_previous_users_sent_visits() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    assert!(!store.hand_over("auditor1", FORGET).unwrap());
    store.set_setting("auditor", "auditor1").unwrap();
    let (id, sha) = submitted_with_photo(&store);
    sent(&store, id);
    store.replace_assignments(&[assignment()]).unwrap();
    assert!(store.review_notes(id).unwrap().is_some());

    // The same user again keeps everything.
    assert!(!store.hand_over("auditor1", FORGET).unwrap());
    assert_eq!(store.visits().unwrap().len(), 1);

    store.check_hand_over("auditor2").unwrap();
    assert!(store.hand_over("auditor2", FORGET).unwrap());
    assert!(store.visits().unwrap().is_empty());
    assert!(store.visit(id).is_err());
    assert!(store.sync_states().unwrap().is_empty());
    assert_eq!(store.review_notes(id).unwrap(), None);
    assert_eq!(store.photo(&sha).unwrap(), None);
    assert!(store.assignments().unwrap().is_empty());
    assert!(store.outbox().unwrap().is_empty());
    assert_eq!(store.setting("auditor").unwrap(), None);
    assert_eq!(store.last_sync().unwrap(), None);
    assert_eq!(store.sync_cursor().unwrap(), 0);
    assert_eq!(
        store.owner().unwrap(),
        Some(Owner {
            login: "auditor2".into(),
            unsent: 0
        })
    );
    // Checklists and the directory are everyone's: the new user can start a visit at once.
    store.start_visit(&new_visit(), t0()).unwrap();
}

#[test]
fn unsent_visits_refuse_another_sign_in_and_stay_until_sent() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    store.hand_over("auditor1", FORGET).unwrap();
    store.set_setting("auditor", "auditor1").unwrap();
    let (waiting, sha) = submitted_with_photo(&store);
    let draft = store.start_visit(&new_visit(), t0()).unwrap().id;
    let refused = |e: Result<_, StoreError>| match e {
        Err(StoreError::UnsentWork { owner, visits }) => (owner, visits),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused(store.check_hand_over("auditor2")),
        ("auditor1".into(), 2)
    );
    assert_eq!(
        refused(store.hand_over("auditor2", FORGET).map(|_| ())),
        ("auditor1".into(), 2)
    );
    // Nothing was forgotten, and the owner may still sign in (in any case) to send them.
    assert_eq!(store.visits().unwrap().len(), 2);
    assert!(store.photo(&sha).unwrap().is_some());
    assert_eq!(store.outbox().unwrap().len(), 1);
    assert_eq!(
        store.setting("auditor").unwrap().as_deref(),
        Some("auditor1")
    );
    store.check_hand_over(" Auditor1 ").unwrap();
    assert!(!store.hand_over("auditor1", FORGET).unwrap());

    // The draft alone is unsent work too.
    sent(&store, waiting);
    assert_eq!(
        refused(store.hand_over("auditor2", FORGET).map(|_| ())),
        ("auditor1".into(), 1)
    );
    store.delete_draft(draft).unwrap();
    assert!(store.hand_over("auditor2", FORGET).unwrap());
    assert!(store.visits().unwrap().is_empty());
}

#[test]
fn a_visit_the_server_refused_for_good_does_not_lock_the_device() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    store.hand_over("auditor1", FORGET).unwrap();
    let (id, _) = submitted_with_photo(&store);
    let outcome = PushOutcome::Refused {
        code: Refusal::UnknownOffice,
        reason: "unknown office".into(),
    };
    store.record_push(&[(id, 1, outcome)], t0()).unwrap();
    assert!(store.hand_over("auditor2", FORGET).unwrap());
    assert!(store.visits().unwrap().is_empty());
}

#[test]
fn the_database_itself_refuses_to_delete_an_unsent_visit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let store = Store::open(&path).unwrap();
    seeded(&store);
    let (waiting, _) = submitted_with_photo(&store);
    let (delivered, _) = submitted_with_photo(&store);
    sent(&store, delivered);
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "foreign_keys", true).unwrap();
    for sql in [
        "DELETE FROM outbox WHERE visit_id = ?1",
        "DELETE FROM visits WHERE id = ?1",
    ] {
        let err = raw.execute(sql, [waiting.to_string()]).unwrap_err();
        assert!(
            err.to_string().contains("visit is submitted"),
            "{sql}: {err}"
        );
    }
    // One the server has may go, with its answers.
    let id = delivered.to_string();
    raw.execute("DELETE FROM remote WHERE visit_id = ?1", [&id])
        .unwrap();
    raw.execute("DELETE FROM outbox WHERE visit_id = ?1", [&id])
        .unwrap();
    raw.execute("DELETE FROM visits WHERE id = ?1", [&id])
        .unwrap();
    let left: i64 = raw
        .query_row(
            "SELECT count(*) FROM answers WHERE visit_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn a_store_from_before_owners_belongs_to_the_last_user_signed_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let store = Store::open(&path).unwrap();
    seeded(&store);
    let draft = store.start_visit(&new_visit(), t0()).unwrap().id;
    drop(store);
    // Back to schema 5, as an older app left it (without the later steps' tables and
    // columns): signed in (then out) as auditor1.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TRIGGER outbox_unsent_delete;
         DROP TABLE cases;
         ALTER TABLE visits DROP COLUMN case_id;
         ALTER TABLE visits DROP COLUMN start_location;
         ALTER TABLE visits DROP COLUMN finish_location;
         INSERT INTO settings (key, value) VALUES ('account.login', 'auditor1'), ('account.token', '');
         PRAGMA user_version = 5;",
    )
    .unwrap();
    drop(raw);
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.owner().unwrap(),
        Some(Owner {
            login: "auditor1".into(),
            unsent: 1
        })
    );
    assert!(store.hand_over("auditor2", FORGET).is_err());
    assert!(store.visit(draft).is_ok());
}
