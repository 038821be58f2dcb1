mod common;

use chrono::Duration;
use common::*;
use zakupka_client::{
    MAX_PHOTO_BYTES, MAX_PHOTOS_PER_ITEM, PushOutcome, Store, StoreError, SyncState,
};
use zakupka_core::wire::{Notification, NotificationEntry, PullResponse, Refusal};
use zakupka_core::{AnswerValue, VisitStatus};

#[test]
fn answers_survive_closing_and_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let id = {
        let store = Store::open(&path).unwrap();
        seeded(&store);
        let v = store.start_visit(&new_visit(), t0()).unwrap();
        store
            .set_answer(v.id, "clean", &AnswerValue::Yes, t0())
            .unwrap();
        store
            .set_answer(v.id, "polite", &AnswerValue::Scale(4), t0())
            .unwrap();
        store
            .set_item_comment(v.id, "polite", "улыбалась", t0())
            .unwrap();
        store.set_position(v.id, "speech", t0()).unwrap();
        v.id
    };
    let store = Store::open(&path).unwrap();
    let v = store.visit(id).unwrap();
    assert_eq!(v.status, VisitStatus::Draft);
    assert_eq!(v.answers["clean"].value, Some(AnswerValue::Yes));
    assert_eq!(v.answers["polite"].value, Some(AnswerValue::Scale(4)));
    assert_eq!(v.answers["polite"].comment, "улыбалась");
    assert_eq!(
        store.position(id).unwrap(),
        "speech",
        "the visit reopens on the section it was left on"
    );
    assert_eq!(store.visits().unwrap()[0].answered, 2);
}

#[test]
fn a_wrong_answer_is_refused_and_changes_nothing() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    store
        .set_answer(v.id, "polite", &AnswerValue::Scale(4), t0())
        .unwrap();
    let err = store
        .set_answer(v.id, "polite", &AnswerValue::Scale(9), t0())
        .unwrap_err();
    assert_eq!(err.to_string(), "item `polite`: 9 is outside 1..=5");
    let err = store
        .set_answer(v.id, "clean", &AnswerValue::NotApplicable, t0())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "item `clean` does not allow \"not applicable\""
    );
    assert!(matches!(
        store.set_answer(v.id, "nope", &AnswerValue::Yes, t0()),
        Err(StoreError::Answer(_))
    ));
    let after = store.visit(v.id).unwrap();
    assert_eq!(after.answers.len(), 1);
    assert_eq!(after.answers["polite"].value, Some(AnswerValue::Scale(4)));
}

#[test]
fn unknown_office_or_scenario_cannot_start_a_visit() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let mut bad = new_visit();
    bad.office_id = "moon-1".into();
    assert_eq!(
        store.start_visit(&bad, t0()).unwrap_err().to_string(),
        "office `moon-1` is not in the directory"
    );
    let mut bad = new_visit();
    bad.scenario = "weather".into();
    assert_eq!(
        store.start_visit(&bad, t0()).unwrap_err().to_string(),
        "scenario `weather` is not in this checklist"
    );
    assert!(store.visits().unwrap().is_empty());
}

#[test]
fn submit_needs_every_required_item_then_freezes_the_visit_into_the_outbox() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    store
        .set_answer(v.id, "clean", &AnswerValue::Yes, t0())
        .unwrap();
    let err = store.submit(v.id, t0()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "required items are not answered yet: wait, polite"
    );
    assert!(store.outbox().unwrap().is_empty());
    assert_eq!(store.visit(v.id).unwrap().status, VisitStatus::Draft);

    store
        .set_answer(v.id, "wait", &AnswerValue::NotApplicable, t0())
        .unwrap();
    store
        .set_answer(v.id, "polite", &AnswerValue::Scale(5), t0())
        .unwrap();
    let done = t0() + Duration::minutes(20);
    let submitted = store.submit(v.id, done).unwrap();
    assert_eq!(submitted.status, VisitStatus::Submitted);
    assert_eq!(submitted.finished_at, Some(done));

    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].visit_id, outbox[0].revision), (v.id, 1));
    let sent: zakupka_core::Visit = serde_json::from_str(&outbox[0].payload).unwrap();
    assert_eq!(
        sent,
        store.visit(v.id).unwrap(),
        "the outbox holds the visit exactly as stored"
    );

    for result in [
        store.set_answer(v.id, "clean", &AnswerValue::No, t0()),
        store.set_item_comment(v.id, "clean", "later", t0()),
        store.set_visit_comment(v.id, "later", t0()),
        store.delete_draft(v.id),
        store.submit(v.id, t0()).map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(StoreError::VisitNotEditable(_))),
            "{result:?}"
        );
    }
    assert_eq!(store.visit(v.id).unwrap(), submitted);
}

#[test]
fn the_database_itself_refuses_to_change_a_submitted_visit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let store = Store::open(&path).unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    for (item, value) in [
        ("clean", AnswerValue::Yes),
        ("wait", AnswerValue::Number(3.0)),
        ("polite", AnswerValue::Scale(2)),
    ] {
        store.set_answer(v.id, item, &value, t0()).unwrap();
    }
    store.submit(v.id, t0()).unwrap();
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let id = v.id.to_string();
    for sql in [
        "UPDATE answers SET value = '{\"type\":\"no\"}' WHERE visit_id = ?1",
        "DELETE FROM answers WHERE visit_id = ?1",
        "INSERT INTO answers (visit_id, item_id, value, updated_at) VALUES (?1, 'extra', NULL, 'x')",
        "UPDATE visits SET office_id = 'elsewhere' WHERE id = ?1",
        "DELETE FROM visits WHERE id = ?1",
    ] {
        let err = raw.execute(sql, [&id]).unwrap_err();
        assert!(
            err.to_string().contains("visit is submitted"),
            "{sql}: {err}"
        );
    }
}

#[test]
fn photos_are_checked_deduplicated_and_limited() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    let p = store
        .add_photo(v.id, "clean", "hall.jpg", &jpeg(1000, 1), t0())
        .unwrap();
    assert_eq!((p.mime.as_str(), p.size), ("image/jpeg", 1000));
    store
        .add_photo(v.id, "clean", "again.jpg", &jpeg(1000, 1), t0())
        .unwrap();
    assert_eq!(
        store.visit(v.id).unwrap().answers["clean"].photos.len(),
        1,
        "the same photo twice is kept once"
    );
    assert_eq!(store.photo(&p.sha256).unwrap().unwrap().1, jpeg(1000, 1));

    assert_eq!(
        store
            .add_photo(v.id, "clean", "notes.txt", b"hello world", t0())
            .unwrap_err()
            .to_string(),
        "notes.txt is not a JPEG, PNG or WebP photo"
    );
    assert!(matches!(
        store.add_photo(
            v.id,
            "clean",
            "huge.jpg",
            &jpeg(MAX_PHOTO_BYTES + 1, 2),
            t0()
        ),
        Err(StoreError::PhotoTooLarge { .. })
    ));
    assert!(matches!(
        store.add_photo(v.id, "polite", "x.jpg", &jpeg(10, 3), t0()),
        Err(StoreError::PhotosNotAllowed(_))
    ));
    for n in 1..MAX_PHOTOS_PER_ITEM as u8 {
        store
            .add_photo(v.id, "clean", "x.jpg", &jpeg(100, 10 + n), t0())
            .unwrap();
    }
    assert!(matches!(
        store.add_photo(v.id, "clean", "x.jpg", &jpeg(100, 99), t0()),
        Err(StoreError::TooManyPhotos { .. })
    ));
    store.remove_photo(v.id, "clean", &p.sha256, t0()).unwrap();
    assert_eq!(
        store.visit(v.id).unwrap().answers["clean"].photos.len(),
        MAX_PHOTOS_PER_ITEM - 1
    );
    store.delete_draft(v.id).unwrap();
    assert!(
        store.photo(&p.sha256).unwrap().is_none(),
        "deleting a draft deletes its photos"
    );
}

#[test]
fn the_stopwatch_fills_the_waiting_time_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let store = Store::open(&path).unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    store.start_timer(v.id, t0()).unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.timer_started_at(v.id).unwrap(), Some(t0()));
    let minutes = store
        .stop_timer(v.id, "wait", t0() + Duration::seconds(12 * 60 + 5))
        .unwrap();
    assert_eq!(minutes, 13, "a started minute counts");
    let visit = store.visit(v.id).unwrap();
    assert_eq!(visit.waiting_seconds, Some(12 * 60 + 5));
    assert_eq!(visit.answers["wait"].value, Some(AnswerValue::Number(13.0)));
    assert_eq!(store.timer_started_at(v.id).unwrap(), None);
}

#[test]
fn a_file_that_is_not_a_database_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let junk =
        b"this is not a database, it is a shopping list: milk, bread, eggs and a lot more text"
            .repeat(100);
    std::fs::write(&path, &junk).unwrap();
    let err = Store::open(&path).err().expect("opening junk must fail");
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(err.to_string().contains("z.db"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), junk, "never a silent reset");
}

#[test]
fn a_database_from_a_newer_app_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    drop(Store::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", 99).unwrap();
    drop(raw);
    let err = Store::open(&path).err().unwrap();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("update the app"));
}

#[test]
fn an_empty_database_is_upgraded_step_by_step_to_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 0;")
        .unwrap();
    let store = Store::open(&path).unwrap();
    seeded(&store);
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, zakupka_client::MAIN_SCHEMA_VERSION);
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // Opening again applies nothing twice.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), ["ok", "ok"]);
}

#[test]
fn a_template_version_cannot_be_rewritten() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    store.import_template(&template()).unwrap();
    let mut changed = template();
    changed.sections[0].items[0].weight = 9.0;
    assert!(matches!(
        store.import_template(&changed),
        Err(StoreError::TemplateConflict { .. })
    ));
    changed.version = 2;
    store.import_template(&changed).unwrap();
    assert_eq!(store.latest_template("t").unwrap().version, 2);
    assert_eq!(store.template("t", 1).unwrap(), template());
}

#[test]
fn snapshots_carry_the_whole_store_as_the_web_build_keeps_it() {
    let mut store = Store::open_in_memory().unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    store
        .set_answer(v.id, "clean", &AnswerValue::Yes, t0())
        .unwrap();
    let photo = store
        .add_photo(v.id, "clean", "a.jpg", &jpeg(500, 7), t0())
        .unwrap();
    let main = store.snapshot(false).unwrap();
    let media = store.snapshot(true).unwrap();
    let restored = Store::from_snapshots(Some(main), Some(media)).unwrap();
    assert_eq!(restored.visit(v.id).unwrap(), store.visit(v.id).unwrap());
    assert_eq!(
        restored.photo(&photo.sha256).unwrap().unwrap().1,
        jpeg(500, 7)
    );
    let junk = Store::from_snapshots(Some(b"garbage garbage garbage".repeat(50)), None);
    assert!(matches!(junk, Err(StoreError::Open { .. })));
}

#[test]
fn damaged_stored_answers_are_reported_by_item_not_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let store = Store::open(&path).unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    store
        .set_answer(v.id, "clean", &AnswerValue::Yes, t0())
        .unwrap();
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE answers SET value = '{\"type\":\"maybe\"}' WHERE item_id = 'clean'",
        [],
    )
    .unwrap();
    drop(raw);
    let store = Store::open(&path).unwrap();
    let err = store.visit(v.id).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("stored answer to clean is damaged"),
        "{err}"
    );
}

#[test]
fn a_version_1_database_is_upgraded_with_its_visits_and_outbox_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let id = {
        let store = Store::open(&path).unwrap();
        seeded(&store);
        let v = store.start_visit(&new_visit(), t0()).unwrap();
        for (item, value) in [
            ("clean", AnswerValue::Yes),
            ("wait", AnswerValue::Number(3.0)),
            ("polite", AnswerValue::Scale(2)),
        ] {
            store.set_answer(v.id, item, &value, t0()).unwrap();
        }
        store.submit(v.id, t0()).unwrap();
        v.id
    };
    // Take the file back to schema 1, as the first release left it: no sync tables, no
    // assignments.
    let raw = rusqlite::Connection::open(&path).unwrap();
    // Step 5's triggers read the outbox columns dropped here.
    raw.execute_batch("DROP TABLE cases; ALTER TABLE visits DROP COLUMN case_id; DROP TRIGGER visits_frozen_delete; DROP TRIGGER outbox_unsent_delete; ALTER TABLE visits DROP COLUMN start_location; ALTER TABLE visits DROP COLUMN finish_location; DROP TABLE photo_uploads; DROP TABLE assignments; DROP TABLE remote; ALTER TABLE outbox DROP COLUMN rejected_code; ALTER TABLE outbox DROP COLUMN rejected_reason; PRAGMA user_version = 1;").unwrap();
    drop(raw);

    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.outbox().unwrap().len(),
        1,
        "the queued visit still waits to be sent"
    );
    assert!(matches!(
        store.sync_states().unwrap()[&id],
        zakupka_client::SyncState::Waiting { .. }
    ));
    assert_eq!(store.visit(id).unwrap().answers.len(), 3);
    assert_eq!(
        store.assignments().unwrap(),
        vec![],
        "the assignments table is there, empty"
    );
    let raw = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, zakupka_client::MAIN_SCHEMA_VERSION);
}

/// A visit answered in full and submitted, waiting in the outbox.
fn submitted(store: &Store) -> uuid::Uuid {
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    for (item, value) in [
        ("clean", AnswerValue::Yes),
        ("wait", AnswerValue::Number(3.0)),
        ("polite", AnswerValue::Scale(2)),
    ] {
        store.set_answer(v.id, item, &value, t0()).unwrap();
    }
    store.submit(v.id, t0()).unwrap();
    v.id
}

#[test]
fn a_refused_visit_keeps_its_refusal_code_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let reason = "visits[0].office_id: no office ghost-1";
    let id = {
        let store = Store::open(&path).unwrap();
        seeded(&store);
        let id = submitted(&store);
        let refused = PushOutcome::Refused {
            code: Refusal::UnknownOffice,
            reason: reason.into(),
        };
        store.record_push(&[(id, 1, refused)], t0()).unwrap();
        id
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.sync_states().unwrap()[&id],
        SyncState::Refused {
            code: Refusal::UnknownOffice,
            reason: reason.into()
        },
        "the app words the code; the English reason stays for support"
    );
    assert!(
        store.outbox().unwrap().is_empty(),
        "a refused visit is not sent again"
    );
}

#[test]
fn a_refusal_stored_before_codes_existed_reads_as_other_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let id = {
        let store = Store::open(&path).unwrap();
        seeded(&store);
        let id = submitted(&store);
        let refused = PushOutcome::Refused {
            code: Refusal::UnknownOffice,
            reason: "no office ghost-1".into(),
        };
        store.record_push(&[(id, 1, refused)], t0()).unwrap();
        id
    };
    // Back to schema 3: the refusal as the app recorded it before refusal codes.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch("DROP TABLE cases; ALTER TABLE visits DROP COLUMN case_id; DROP TRIGGER visits_frozen_delete; DROP TRIGGER outbox_unsent_delete; ALTER TABLE visits DROP COLUMN start_location; ALTER TABLE visits DROP COLUMN finish_location; DROP TABLE photo_uploads; ALTER TABLE outbox DROP COLUMN rejected_code; PRAGMA user_version = 3;")
        .unwrap();
    drop(raw);
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.sync_states().unwrap()[&id],
        SyncState::Refused {
            code: Refusal::Other,
            reason: "no office ghost-1".into()
        }
    );
}

fn case(id: uuid::Uuid) -> zakupka_core::wire::CalibrationCase {
    zakupka_core::wire::CalibrationCase {
        id,
        title: "Очередь".into(),
        text: "Шесть человек в зале, одно окно.".into(),
        template_id: "t".into(),
        template_version: 1,
        scenario: "bill".into(),
        photos: vec![],
        published_by: "supervisor".into(),
        published_at: t0(),
        key: Some([("clean".to_owned(), AnswerValue::Yes)].into()),
    }
}

#[test]
fn cases_are_kept_without_their_key_and_an_answer_is_queued_once_with_its_case() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let id = uuid::Uuid::now_v7();
    {
        let store = Store::open(&path).unwrap();
        seeded(&store);
        store.replace_cases(&[case(id)]).unwrap();
    }
    // Reopened (a restart with no network): the case is still there, without the key.
    let store = Store::open(&path).unwrap();
    let kept = store.cases().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].case.title, "Очередь");
    assert_eq!(kept[0].case.key, None);
    let unknown = uuid::Uuid::now_v7();
    assert!(matches!(
        store.start_case(unknown, "auditor1", t0()),
        Err(zakupka_client::StoreError::UnknownCase(_))
    ));

    let v = store.start_case(id, "auditor1", t0()).unwrap();
    assert_eq!((v.case_id, v.office_id.as_str()), (Some(id), ""));
    store
        .set_answer(v.id, "clean", &AnswerValue::No, t0())
        .unwrap();
    store
        .set_answer(v.id, "polite", &AnswerValue::Scale(2), t0())
        .unwrap();
    store
        .set_answer(v.id, "wait", &AnswerValue::NotApplicable, t0())
        .unwrap();
    store.submit(v.id, t0()).unwrap();
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    let sent: zakupka_core::Visit = serde_json::from_str(&outbox[0].payload).unwrap();
    assert_eq!(sent.case_id, Some(id));
    assert_eq!(sent.office_id, "");
    assert!(store.submit(v.id, t0()).is_err(), "submitted once");
    assert_eq!(store.outbox().unwrap().len(), 1);
    let summary = store.visits().unwrap();
    assert_eq!(summary[0].case_id, Some(id));
    assert_eq!(
        store.cases().unwrap()[0].answer,
        Some((v.id, VisitStatus::Submitted))
    );
    // The case withdrawn on the server: the list forgets it, the answer stays queued.
    store.replace_cases(&[]).unwrap();
    assert!(store.cases().unwrap().is_empty());
    assert_eq!(store.outbox().unwrap().len(), 1);
}

/// Where the device was at the start and the finish is kept with the draft, survives a
/// reopening, goes out in the submitted payload, and is frozen with the visit.
#[test]
fn start_and_finish_locations_are_kept_and_sent_with_the_visit() {
    use zakupka_client::Moment;
    use zakupka_core::presence::Location;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let fix = |lat: f64, minutes: i64| Location {
        lat,
        lon: 36.73,
        accuracy_m: 12.5,
        at: t0() + Duration::minutes(minutes),
    };
    let id = {
        let store = Store::open(&path).unwrap();
        seeded(&store);
        let v = store.start_visit(&new_visit(), t0()).unwrap();
        assert_eq!((v.start_location, v.finish_location), (None, None));
        store
            .set_location(v.id, Moment::Start, &fix(56.33, 0), t0())
            .unwrap();
        v.id
    };
    let store = Store::open(&path).unwrap();
    store
        .set_location(id, Moment::Finish, &fix(56.331, 30), t0())
        .unwrap();
    for (item, value) in [
        ("clean", AnswerValue::Yes),
        ("wait", AnswerValue::Number(5.0)),
        ("polite", AnswerValue::Scale(4)),
    ] {
        store.set_answer(id, item, &value, t0()).unwrap();
    }
    let sent = store.submit(id, t0() + Duration::minutes(31)).unwrap();
    assert_eq!(sent.start_location, Some(fix(56.33, 0)));
    assert_eq!(sent.finish_location, Some(fix(56.331, 30)));
    let payload: zakupka_core::Visit =
        serde_json::from_str(&store.outbox().unwrap()[0].payload).unwrap();
    assert_eq!(payload, sent);
    assert!(matches!(
        store.set_location(id, Moment::Finish, &fix(50.0, 40), t0()),
        Err(StoreError::VisitNotEditable(_))
    ));
}

fn inbox_pull(cursor: u64, entries: Vec<NotificationEntry>) -> PullResponse {
    PullResponse {
        next_cursor: cursor,
        more: false,
        directory: None,
        templates: vec![],
        visits: vec![],
        notifications: entries,
    }
}

fn returned(id: i64, minutes: i64) -> NotificationEntry {
    NotificationEntry {
        id,
        created_at: t0() + Duration::minutes(minutes),
        read_at: None,
        notification: Notification::VisitReturned {
            visit_id: uuid::Uuid::from_u128(id as u128),
            revision: 1,
        },
    }
}

#[test]
fn notifications_are_kept_newest_first_and_a_repeated_pull_adds_none() {
    let store = Store::open_in_memory().unwrap();
    let pull = inbox_pull(5, vec![returned(1, 0), returned(2, 5)]);
    store.apply_pull(&pull, t0()).unwrap();
    // The answer was lost on the way (the connection dropped after the server sent it):
    // the cursor did not move on the device, so the same pull comes again.
    store.apply_pull(&pull, t0()).unwrap();
    let kept = store.notifications(50).unwrap();
    assert_eq!(
        kept.iter().map(|n| n.id).collect::<Vec<_>>(),
        [2, 1],
        "newest first, once each"
    );
    assert_eq!(store.unread_notifications().unwrap(), 2);
    // A kind this build does not know is kept and counted, not a failed sync.
    let mut newer = returned(3, 10);
    newer.notification = Notification::Unknown;
    store.apply_pull(&inbox_pull(6, vec![newer]), t0()).unwrap();
    assert_eq!(
        store.notifications(50).unwrap()[0].notification,
        Notification::Unknown
    );
    assert_eq!(store.unread_notifications().unwrap(), 3);
}

#[test]
fn a_notification_read_offline_stays_read_until_the_server_takes_the_mark() {
    let store = Store::open_in_memory().unwrap();
    store
        .apply_pull(&inbox_pull(5, vec![returned(1, 0), returned(2, 5)]), t0())
        .unwrap();
    store.read_notification(1, t0()).unwrap();
    store.read_notification(1, t0()).unwrap();
    assert_eq!(store.unread_notifications().unwrap(), 1);
    assert_eq!(store.unsent_reads().unwrap(), [1]);
    // A pull that still brings it unread (the mark is not sent yet) does not unread it.
    store
        .apply_pull(&inbox_pull(7, vec![returned(1, 0)]), t0())
        .unwrap();
    assert!(
        store
            .notifications(50)
            .unwrap()
            .iter()
            .any(|n| n.id == 1 && n.read)
    );
    store.reads_sent(&[1]).unwrap();
    assert!(store.unsent_reads().unwrap().is_empty());
    // Read on another device: the pull brings it read.
    let mut elsewhere = returned(2, 5);
    elsewhere.read_at = Some(t0());
    store
        .apply_pull(&inbox_pull(8, vec![elsewhere]), t0())
        .unwrap();
    assert_eq!(store.unread_notifications().unwrap(), 0);
    assert!(store.unsent_reads().unwrap().is_empty());
}

#[test]
fn old_read_notifications_leave_the_device_and_another_user_sees_none() {
    let store = Store::open_in_memory().unwrap();
    store.hand_over("auditor1", &[]).unwrap();
    store
        .apply_pull(&inbox_pull(5, vec![returned(1, 0), returned(2, 5)]), t0())
        .unwrap();
    store.read_notification(1, t0()).unwrap();
    store.reads_sent(&[1]).unwrap();
    store
        .apply_pull(&inbox_pull(5, vec![]), t0() + Duration::days(89))
        .unwrap();
    assert_eq!(store.notifications(50).unwrap().len(), 2);
    store
        .apply_pull(&inbox_pull(5, vec![]), t0() + Duration::days(91))
        .unwrap();
    let left: Vec<i64> = store
        .notifications(50)
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(
        left,
        [2],
        "the read one went after 90 days, the unread stays"
    );
    store.hand_over("auditor2", &[]).unwrap();
    assert!(store.notifications(50).unwrap().is_empty());
    assert_eq!(store.unread_notifications().unwrap(), 0);
}
