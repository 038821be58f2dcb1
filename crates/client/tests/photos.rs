//! Photos on the device: the evidence kept from their EXIF, where their bytes are, and
//! retention (which photos may leave the device, and that nothing else ever does).

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use uuid::Uuid;
use zakupka_client::{PhotoKept, Store, evidence};
use zakupka_core::wire::{PullResponse, ReviewState, VisitUpdate};
use zakupka_core::{AnswerValue, PhotoRef};

fn exif_jpeg() -> Vec<u8> {
    evidence::sample_jpeg("2026:11:03 10:15:42", [55, 45, 0], false, [37, 37, 12])
}

#[test]
fn a_photos_exif_capture_time_and_position_are_kept_and_sent() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    let p = store
        .add_photo(v.id, "clean", "hall.jpg", &exif_jpeg(), t0())
        .unwrap();
    let kept = &store.visit(v.id).unwrap().answers["clean"].photos[0];
    assert_eq!(kept, &p);
    assert_eq!(
        kept.taken_at.unwrap().to_string(),
        "2026-11-03 10:15:42",
        "the camera's own time"
    );
    let at = kept.position.unwrap();
    assert!((at.lat - 55.75).abs() < 1e-9 && (at.lon - 37.62).abs() < 1e-9);
    // A photo without EXIF has no evidence, and nothing on the wire says otherwise.
    let plain = store
        .add_photo(v.id, "clean", "b.jpg", &jpeg(100, 7), t0())
        .unwrap();
    assert_eq!((plain.taken_at, plain.position), (None, None));
    answer_and_submit(&store, v.id);
    let payload = &store.outbox().unwrap()[0].payload;
    assert!(
        payload.contains("\"taken_at\":\"2026-11-03T10:15:42\""),
        "{payload}"
    );
    assert!(payload.contains("\"lat\":55.75"), "{payload}");
}

#[test]
fn a_photo_kept_outside_sqlite_is_only_its_facts() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    let photo = PhotoRef {
        sha256: "ab".repeat(32),
        mime: "image/jpeg".into(),
        size: 700_000,
        ..PhotoRef::default()
    };
    store.add_kept_photo(v.id, "clean", &photo, t0()).unwrap();
    assert_eq!(
        store.visit(v.id).unwrap().answers["clean"].photos,
        vec![photo.clone()]
    );
    assert_eq!(
        store.photo_kept(&photo.sha256).unwrap(),
        Some(PhotoKept::Blob)
    );
    assert_eq!(
        store.photo(&photo.sha256).unwrap(),
        None,
        "no bytes in SQLite"
    );
    assert!(store.photos_in_blobs().unwrap().contains(&photo.sha256));
    let bad = PhotoRef {
        sha256: "../etc/passwd".into(),
        ..photo
    };
    assert!(store.add_kept_photo(v.id, "clean", &bad, t0()).is_err());
}

#[test]
fn photos_in_rows_move_out_and_their_space_is_reclaimed() {
    let mut store = Store::open_in_memory().unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    let big = jpeg(3_000_000, 5);
    let p = store.add_photo(v.id, "clean", "a.jpg", &big, t0()).unwrap();
    let before = store.snapshot(true).unwrap().len();
    assert_eq!(store.photos_in_rows().unwrap(), vec![p.sha256.clone()]);
    store.photo_moved_out(&p.sha256).unwrap();
    store.reclaim_photo_space().unwrap();
    assert!(store.photos_in_rows().unwrap().is_empty());
    assert_eq!(store.photo_kept(&p.sha256).unwrap(), Some(PhotoKept::Blob));
    let after = store.snapshot(true).unwrap().len();
    assert!(after < before / 10, "{before} -> {after} bytes");
    assert_eq!(store.visit(v.id).unwrap().answers["clean"].photos, vec![p]);
}

/// A submitted visit with one photo (its bytes in the row), and its photo's address.
fn visit_with_photo(store: &Store, seed: u8) -> (Uuid, String) {
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    let p = store
        .add_photo(v.id, "clean", "a.jpg", &jpeg(1000, seed), t0())
        .unwrap();
    answer_and_submit(store, v.id);
    (v.id, p.sha256)
}

fn answer_and_submit(store: &Store, id: Uuid) {
    for (item, value) in [
        ("clean", AnswerValue::Yes),
        ("wait", AnswerValue::Number(3.0)),
        ("polite", AnswerValue::Scale(2)),
    ] {
        store.set_answer(id, item, &value, t0()).unwrap();
    }
    store.submit(id, t0()).unwrap();
}

fn review(store: &Store, id: Uuid, state: ReviewState) {
    let pull = PullResponse {
        next_cursor: 1,
        more: false,
        directory: None,
        templates: vec![],
        visits: vec![VisitUpdate {
            visit_id: id,
            revision: 1,
            state,
            comment: String::new(),
            item_comments: Default::default(),
        }],
        notifications: vec![],
    };
    store.apply_pull(&pull, t0()).unwrap();
}

fn later(days: i64) -> DateTime<Utc> {
    t0() + Duration::days(days)
}

#[test]
fn photos_of_a_decided_visit_leave_the_device_after_the_retention_time() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let (approved, a) = visit_with_photo(&store, 1);
    let (rejected, r) = visit_with_photo(&store, 2);
    review(&store, approved, ReviewState::Approved);
    review(&store, rejected, ReviewState::Rejected);
    store.photos_acknowledged(approved, &[], t0()).unwrap();
    store.photo_uploaded(&r, t0()).unwrap();

    assert_eq!(store.photo_retention_days().unwrap(), 30);
    assert_eq!(store.expire_photos(later(29)).unwrap().rows, 0);
    assert!(store.photo(&a).unwrap().is_some(), "not yet: 29 days");
    // Their bytes were in rows, so no Blob is left to delete.
    let expired = store.expire_photos(later(31)).unwrap();
    assert_eq!((expired.rows, expired.blobs.len()), (2, 0));
    for sha in [&a, &r] {
        assert_eq!(store.photo(sha).unwrap(), None);
        assert_eq!(store.photo_kept(sha).unwrap(), Some(PhotoKept::Server));
    }
    assert_eq!(
        store.visit(approved).unwrap().answers["clean"].photos.len(),
        1,
        "the visit still lists its photo, shown from the server"
    );
}

#[test]
fn nothing_the_server_has_not_acknowledged_or_decided_is_ever_removed() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    // Approved, but the server asked for the photo and never took it.
    let (unsent, u) = visit_with_photo(&store, 1);
    review(&store, unsent, ReviewState::Approved);
    store
        .photos_acknowledged(unsent, std::slice::from_ref(&u), t0())
        .unwrap();
    // The server holds the photo, but has not decided: submitted, then returned.
    let (waiting, w) = visit_with_photo(&store, 2);
    store.photos_acknowledged(waiting, &[], t0()).unwrap();
    let (returned, t) = visit_with_photo(&store, 3);
    store.photos_acknowledged(returned, &[], t0()).unwrap();
    review(&store, returned, ReviewState::Returned);
    // A draft never leaves, even with a photo the server knows from another visit.
    let draft = store.start_visit(&new_visit(), t0()).unwrap();
    store
        .add_photo(draft.id, "clean", "a.jpg", &jpeg(1000, 2), t0())
        .unwrap();

    assert_eq!(store.expire_photos(later(365)).unwrap().rows, 0);
    for sha in [&u, &w, &t] {
        assert!(store.photo(sha).unwrap().is_some(), "{sha} stays");
    }
    assert_eq!(store.photo_kept(&w).unwrap(), Some(PhotoKept::Row));
}

#[test]
fn the_retention_time_is_a_setting() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let (id, sha) = visit_with_photo(&store, 1);
    review(&store, id, ReviewState::Approved);
    store.photos_acknowledged(id, &[], t0()).unwrap();
    store.set_photo_retention_days(90).unwrap();
    store.expire_photos(later(60)).unwrap();
    assert!(store.photo(&sha).unwrap().is_some());
    store.set_photo_retention_days(7).unwrap();
    store.expire_photos(later(8)).unwrap();
    assert!(store.photo(&sha).unwrap().is_none());
}

#[test]
fn a_blob_is_deleted_only_when_no_kept_row_needs_it() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let photo = PhotoRef {
        sha256: "cd".repeat(32),
        mime: "image/jpeg".into(),
        size: 1000,
        ..PhotoRef::default()
    };
    let old = store.start_visit(&new_visit(), t0()).unwrap();
    store.add_kept_photo(old.id, "clean", &photo, t0()).unwrap();
    answer_and_submit(&store, old.id);
    review(&store, old.id, ReviewState::Approved);
    store.photos_acknowledged(old.id, &[], t0()).unwrap();
    // The same photo on a draft of later: its Blob must stay.
    let draft = store.start_visit(&new_visit(), later(40)).unwrap();
    store
        .add_kept_photo(draft.id, "clean", &photo, later(40))
        .unwrap();
    let expired = store.expire_photos(later(41)).unwrap();
    assert_eq!((expired.rows, expired.blobs.len()), (1, 0));
    assert_eq!(
        store.photo_kept(&photo.sha256).unwrap(),
        Some(PhotoKept::Blob)
    );
    store.delete_draft(draft.id).unwrap();
    assert!(
        store.photos_in_blobs().unwrap().is_empty(),
        "now no row needs the Blob: the browser deletes it at the next start"
    );
}
