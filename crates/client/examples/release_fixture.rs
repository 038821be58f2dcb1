//! Writes the browser fixture `tests/browser/fixtures/release-snapshots/`: the two
//! IndexedDB snapshots ('main', 'media') a browser holds after using the release whose web
//! store copied whole SQLite images (`Store::snapshot`) into IndexedDB. The migration test
//! (`tests/browser/migration.test.mjs`) loads them into a fresh profile.
//!
//! Run from the workspace root: cargo run -p zakupka-client --example release_fixture
//! The committed files were made by the release's own code (see the fixture's README);
//! do not regenerate them with a later store.

use chrono::{TimeZone, Utc};
use zakupka_client::{NewVisit, Store};
use zakupka_core::AnswerValue;
use zakupka_core::seed::{parse_directory, parse_template};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new("tests/browser/fixtures/release-snapshots");
    let template = parse_template(
        "seeds/checklist.toml",
        &std::fs::read_to_string("seeds/checklist.toml")?,
    )?;
    let directory = parse_directory(
        "seeds/branches.csv",
        &std::fs::read_to_string("seeds/branches.csv")?,
        "seeds/offices.csv",
        &std::fs::read_to_string("seeds/offices.csv")?,
    )?;
    let at = |h| Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap();
    let mut store = Store::open_in_memory()?;
    store.import_template(&template)?;
    store.set_directory(&directory, at(8))?;
    let new = |office: usize| NewVisit {
        template_id: template.id.clone(),
        template_version: template.version,
        office_id: directory.offices[office].id.clone(),
        auditor: "auditor1".into(),
        scenario: template.scenarios[0].id.clone(),
    };
    let items: Vec<_> = template.sections.iter().flat_map(|s| &s.items).collect();

    // A draft: three answers, a comment on an item, a photo.
    let draft = store.start_visit(&new(0), at(9))?;
    let first = &template.sections[0];
    for (n, item) in first.items.iter().take(3).enumerate() {
        let value = if n == 1 {
            AnswerValue::No
        } else {
            AnswerValue::Yes
        };
        store.set_answer(draft.id, &item.id, &value, at(9))?;
    }
    store.set_item_comment(draft.id, &first.items[1].id, "Пыль на стойке", at(9))?;
    let photo_item = first
        .items
        .iter()
        .find(|i| i.allow_photo)
        .ok_or("no photo item")?;
    store.add_photo(
        draft.id,
        &photo_item.id,
        "photo.jpg",
        &std::fs::read(dir.join("photo.jpg"))?,
        at(9),
    )?;
    store.set_position(draft.id, &first.id, at(9))?;

    // A submitted visit, waiting in the outbox.
    let sent = store.start_visit(&new(1), at(10))?;
    for (k, item) in items.iter().enumerate() {
        let value = zakupka_core::demo::cycled_answer(item, k, false);
        store.set_answer(sent.id, &item.id, &value, at(10))?;
    }
    store.submit(sent.id, at(11))?;

    // Signed in, to a server that is not there (the test has no sync server).
    for (key, value) in [
        ("account.server", "http://127.0.0.1:9"),
        ("account.login", "auditor1"),
        ("account.token", "fixture-token"),
        ("account.device", "0190a000-0000-7000-8000-00000000f1f1"),
        ("account.role", "auditor"),
        ("auditor", "auditor1"),
        ("screen", "home"),
    ] {
        store.set_setting(key, value)?;
    }

    std::fs::write(dir.join("main.sqlite"), store.snapshot(false)?)?;
    std::fs::write(dir.join("media.sqlite"), store.snapshot(true)?)?;
    println!("draft {} sent {}", draft.id, sent.id);
    Ok(())
}
