//! The device refusing to store: a database the app may not write, and a full disk. Each
//! time the auditor must get an error that names the problem, keep every answer saved
//! before, and find the database intact.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use uuid::Uuid;
use zakupka_client::{Store, StoreError};
use zakupka_core::{AnswerValue, Visit};

fn media_of(path: &Path) -> PathBuf {
    let mut media = path.as_os_str().to_owned();
    media.push("-media");
    media.into()
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// An item's answer, comment and number of photos.
type Seen = (String, Option<AnswerValue>, String, usize);

/// What the auditor sees of a visit, to compare before and after a failure.
fn answers(visit: &Visit) -> Vec<Seen> {
    visit
        .answers
        .iter()
        .map(|(item, a)| {
            (
                item.clone(),
                a.value.clone(),
                a.comment.clone(),
                a.photos.len(),
            )
        })
        .collect()
}

#[test]
fn a_read_only_database_refuses_changes_by_name_and_keeps_what_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let visit_id = {
        let store = Store::open(&path).unwrap();
        seeded(&store);
        let v = store.start_visit(&new_visit(), t0()).unwrap();
        store
            .set_answer(v.id, "clean", &AnswerValue::Yes, t0())
            .unwrap();
        store
            .set_item_comment(v.id, "clean", "пол чистый", t0())
            .unwrap();
        store
            .add_photo(v.id, "clean", "IMG_1.jpg", &jpeg(40_000, 1), t0())
            .unwrap();
        v.id
    };
    let before = answers(&Store::open(&path).unwrap().visit(visit_id).unwrap());

    // What an auditor meets: the app's files made read-only (restored from a backup by
    // another user, a storage card locked). SQLite then opens them for reading only. A
    // test running as root may write a 0444 file anyway; there it asks the store for the
    // very same read-only connection SQLite would have fallen back to.
    for file in [path.clone(), media_of(&path)] {
        set_mode(&file, 0o444);
    }
    let privileged = std::fs::OpenOptions::new().write(true).open(&path).is_ok();
    let store = if privileged {
        Store::open_read_only(&path).unwrap()
    } else {
        Store::open(&path).unwrap()
    };

    // Everything saved before is there to read.
    assert_eq!(answers(&store.visit(visit_id).unwrap()), before);
    assert_eq!(store.visits().unwrap().len(), 1);

    // Every kind of change is refused, and the error says why.
    let refused = [
        store.set_answer(visit_id, "polite", &AnswerValue::Scale(4), t0()),
        store.set_item_comment(visit_id, "clean", "переписано", t0()),
        store
            .add_photo(visit_id, "clean", "IMG_2.jpg", &jpeg(40_000, 2), t0())
            .map(drop),
        store.start_visit(&new_visit(), t0()).map(drop),
    ];
    for result in refused {
        match result {
            Err(e @ StoreError::ReadOnly(_)) => {
                assert!(e.to_string().contains("read-only"), "{e}");
            }
            other => panic!("expected a read-only error, got {other:?}"),
        }
    }
    drop(store);

    // Write access back, to every file of the store (SQLite gave the WAL and shared-memory
    // files it made meanwhile the database's read-only mode): nothing was damaged or
    // half-written, and saving works again.
    for file in std::fs::read_dir(dir.path()).unwrap() {
        set_mode(&file.unwrap().path(), 0o644);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), ["ok", "ok"]);
    assert_eq!(answers(&store.visit(visit_id).unwrap()), before);
    assert_eq!(store.visits().unwrap().len(), 1);
    store
        .set_answer(visit_id, "polite", &AnswerValue::Scale(4), t0())
        .unwrap();
}

/// Fills the store with answers and comments on new visits until a save is refused;
/// returns every acknowledged visit and the error. Comments are long so that the database
/// has to grow.
fn fill(store: &Store) -> (Vec<Uuid>, StoreError) {
    let mut visits = Vec::new();
    for n in 0..10_000 {
        let v = match store.start_visit(&new_visit(), t0()) {
            Ok(v) => v,
            Err(e) => return (visits, e),
        };
        visits.push(v.id);
        for (item, value) in [
            ("clean", AnswerValue::Yes),
            ("polite", AnswerValue::Scale(5)),
        ] {
            if let Err(e) = store.set_answer(v.id, item, &value, t0()) {
                return (visits, e);
            }
            let comment = format!("{n}: {}", "очередь у окна ".repeat(60));
            if let Err(e) = store.set_item_comment(v.id, item, &comment, t0()) {
                return (visits, e);
            }
        }
    }
    panic!("10,000 visits fitted into a full disk");
}

/// Every visit as the store shows it now.
fn everything(store: &Store, visits: &[Uuid]) -> Vec<Vec<Seen>> {
    visits
        .iter()
        .map(|id| answers(&store.visit(*id).unwrap()))
        .collect()
}

fn assert_disk_full(result: Result<(), StoreError>) {
    match result {
        Err(e @ StoreError::DiskFull(_)) => assert!(e.to_string().contains("full"), "{e}"),
        other => panic!("expected a disk-full error, got {other:?}"),
    }
}

#[test]
fn a_full_disk_refuses_saves_by_name_keeps_acknowledged_answers_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let store = Store::open(&path).unwrap();
    seeded(&store);
    let first = store.start_visit(&new_visit(), t0()).unwrap();
    store
        .set_answer(first.id, "clean", &AnswerValue::Yes, t0())
        .unwrap();

    // The disk fills up while the auditor works. SQLite's page cap fails writes with the
    // same SQLITE_FULL a device without space gives; `real_disk_full` below does it with
    // a real full file system where the machine allows mounting one.
    store.limit_growth(Some(0)).unwrap();
    let (mut acknowledged, error) = fill(&store);
    acknowledged.insert(0, first.id);
    assert_disk_full(Err(error));
    let saved = everything(&store, &acknowledged);

    // Still full: answers and photos are refused, reading goes on, nothing is damaged.
    let last = *acknowledged.last().unwrap();
    assert_disk_full(store.set_item_comment(last, "extra", &"x".repeat(20_000), t0()));
    assert_disk_full(
        store
            .add_photo(last, "clean", "IMG_1.jpg", &jpeg(200_000, 1), t0())
            .map(drop),
    );
    assert_eq!(store.integrity_check().unwrap(), ["ok", "ok"]);
    assert_eq!(everything(&store, &acknowledged), saved);

    // Space comes back: the same saves succeed on the same open store, no restart needed.
    store.limit_growth(None).unwrap();
    store
        .set_item_comment(last, "extra", &"x".repeat(20_000), t0())
        .unwrap();
    store
        .add_photo(last, "clean", "IMG_1.jpg", &jpeg(200_000, 1), t0())
        .unwrap();
    drop(store);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), ["ok", "ok"]);
    let after = everything(&store, &acknowledged);
    assert_eq!(after[..after.len() - 1], saved[..saved.len() - 1]);
    let visit = store.visit(last).unwrap();
    assert_eq!(visit.answers["extra"].comment.len(), 20_000);
    assert_eq!(visit.answers["clean"].photos.len(), 1);
}

const TMPFS_ENV: &str = "ZAKUPKA_TMPFS_DIR";
/// The shell's exit code when the file system cannot be mounted.
const NO_MOUNT: i32 = 97;

/// A full disk for real: the store on a 4 MB tmpfs, with a ballast file taking part of it.
/// The test runs itself in a private mount namespace (`unshare --mount`, root with
/// CAP_SYS_ADMIN); where that is not allowed it says so and checks nothing, and
/// `a_full_disk_...` above covers the same behaviour through SQLite's page cap.
#[test]
fn real_disk_full() {
    if let Ok(dir) = std::env::var(TMPFS_ENV) {
        on_a_small_file_system(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size=4m tmpfs \"$0\" 2>/dev/null || exit {NO_MOUNT}; \
             exec \"$1\" --exact real_disk_full --nocapture --test-threads=1"
        ))
        .arg(dir.path())
        .arg(std::env::current_exe().unwrap())
        .env(TMPFS_ENV, dir.path())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) if s.code() == Some(NO_MOUNT) || s.code() == Some(1) => {
            eprintln!("real_disk_full: cannot mount a tmpfs here ({s}); skipped");
        }
        Ok(s) => panic!("the store on a full tmpfs failed: {s}"),
        Err(e) => eprintln!("real_disk_full: no unshare ({e}); skipped"),
    }
}

fn on_a_small_file_system(dir: &Path) {
    let ballast = dir.join("ballast");
    std::fs::write(&ballast, vec![0u8; 1_500_000]).unwrap();
    let path = dir.join("device.db");
    let store = Store::open(&path).unwrap();
    seeded(&store);
    let (acknowledged, error) = fill(&store);
    assert_disk_full(Err(error));
    assert!(
        acknowledged.len() > 10,
        "the disk filled after {} visits",
        acknowledged.len()
    );
    let saved = everything(&store, &acknowledged);
    let last = *acknowledged.last().unwrap();
    assert_eq!(store.integrity_check().unwrap(), ["ok", "ok"]);

    std::fs::remove_file(&ballast).unwrap();
    store
        .set_item_comment(last, "extra", "место появилось", t0())
        .unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), ["ok", "ok"]);
    let after = everything(&store, &acknowledged);
    assert_eq!(after[..after.len() - 1], saved[..saved.len() - 1]);
    assert_eq!(
        store.visit(last).unwrap().answers["extra"].comment,
        "место появилось"
    );
    println!(
        "real_disk_full: {} visits saved before the tmpfs was full; saving resumed after space was freed",
        acknowledged.len()
    );
}
