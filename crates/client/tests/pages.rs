//! The browser's page store (`zakupka_client::pages`), driven natively: SQLite on the page
//! VFS, with a sink that keeps the batches in memory the way IndexedDB keeps them in the
//! browser. What is "stored" here is only what whole batches carried.

mod common;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use futures_util::FutureExt;
use rusqlite::{Connection, OpenFlags};
use zakupka_client::pages::{Batch, MAIN_FILE, MEDIA_FILE, PAGE_SIZE, PageVfs, Sink};
use zakupka_client::{Store, StoreError};
use zakupka_core::demo::cycled_answer;
use zakupka_core::seed::parse_template;
use zakupka_core::{AnswerValue, Template};

#[derive(Default)]
struct CountingSink {
    asked: Cell<u32>,
}

impl Sink for CountingSink {
    fn schedule(&self) {
        self.asked.set(self.asked.get() + 1);
    }
}

/// What the storage holds: per file, its size and its pages.
#[derive(Default, Clone, Debug, PartialEq)]
struct Image(BTreeMap<String, (u64, BTreeMap<u32, Vec<u8>>)>);

impl Image {
    fn apply(&mut self, batch: &Batch) {
        for f in &batch.files {
            let (size, pages) = self.0.entry(f.name.clone()).or_default();
            *size = f.size;
            let count = f.size.div_ceil(PAGE_SIZE as u64) as u32;
            pages.retain(|&i, _| i < count);
            for (i, bytes) in &f.pages {
                pages.insert(*i, bytes.clone());
            }
        }
    }

    fn bytes(&self, name: &str) -> Vec<u8> {
        let (size, pages) = &self.0[name];
        let mut out = vec![0; *size as usize];
        for (&i, page) in pages {
            let at = i as usize * PAGE_SIZE;
            let n = page.len().min(out.len() - at);
            out[at..at + n].copy_from_slice(&page[..n]);
        }
        out
    }
}

struct Paged {
    vfs: PageVfs,
    sink: Rc<CountingSink>,
    store: Store,
}

/// A store on a page VFS of its own (one per test thread), restored from `image`.
fn open(image: &Image) -> Paged {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!("pages-test-{}", N.fetch_add(1, Ordering::Relaxed));
    let sink = Rc::new(CountingSink::default());
    let vfs = PageVfs::register(&name, sink.clone()).unwrap();
    for (file, (size, pages)) in &image.0 {
        vfs.restore(file, *size, pages.iter().map(|(i, p)| (*i, p.clone())));
    }
    let store = Store::open_paged(&name).unwrap();
    Paged { vfs, sink, store }
}

/// What the browser's microtask does: hand over one batch and report it stored.
fn flush(p: &Paged, image: &mut Image) -> usize {
    let Some(batch) = p.vfs.take_batch() else {
        return 0;
    };
    image.apply(&batch);
    p.vfs.finished(batch.seq, Ok(()));
    batch.page_count()
}

/// A fresh store holding the test checklist and a visit just started, all stored.
fn started(image: &mut Image) -> (Paged, zakupka_core::Visit) {
    let p = open(image);
    seeded(&p.store);
    let v = p.store.start_visit(&new_visit(), t0()).unwrap();
    flush(&p, image);
    (p, v)
}

fn checklist() -> Template {
    parse_template(
        "checklist.toml",
        include_str!("../../../seeds/checklist.toml"),
    )
    .unwrap()
}

fn real_visit(t: &Template) -> zakupka_client::NewVisit {
    zakupka_client::NewVisit {
        template_id: t.id.clone(),
        template_version: t.version,
        office_id: "klin-1".into(),
        auditor: "auditor1".into(),
        scenario: t.scenarios[0].id.clone(),
    }
}

#[test]
fn a_tap_stores_as_many_pages_with_a_thousand_visits_kept_as_with_none() {
    let mut image = Image::default();
    let p = open(&image);
    let t = checklist();
    p.store.import_template(&t).unwrap();
    p.store.set_directory(&directory(), t0()).unwrap();
    let items: Vec<_> = t.sections.iter().flat_map(|s| &s.items).collect();
    let current = p.store.start_visit(&real_visit(&t), t0()).unwrap();
    flush(&p, &mut image);
    let tap = |k: usize| {
        let item = items[k % items.len()];
        p.store
            .set_answer(current.id, &item.id, &cycled_answer(item, k, false), t0())
            .unwrap();
    };
    let taps = |image: &mut Image| {
        (0..20)
            .map(|k| {
                tap(k);
                flush(&p, image)
            })
            .max()
            .unwrap()
    };
    let empty = taps(&mut image);

    for n in 0..1_000 {
        let v = p.store.start_visit(&real_visit(&t), t0()).unwrap();
        for (k, item) in items.iter().enumerate() {
            let value = cycled_answer(item, n + k, n % 7 == 0);
            p.store.set_answer(v.id, &item.id, &value, t0()).unwrap();
        }
    }
    flush(&p, &mut image);
    let size = p.vfs.file_bytes(MAIN_FILE).unwrap().len();
    assert!(
        size > 4 << 20,
        "1,000 visits make a database of {size} bytes"
    );

    let full = taps(&mut image);
    assert!(
        full <= empty + 2 && full <= 8,
        "a tap stores at most {full} pages with 1,000 visits kept, {empty} with none"
    );
    assert_eq!(image.bytes(MAIN_FILE), p.vfs.file_bytes(MAIN_FILE).unwrap());
}

#[test]
fn a_store_reopened_from_its_stored_pages_holds_the_same_data() {
    let mut image = Image::default();
    let before = {
        let p = open(&image);
        seeded(&p.store);
        let draft = p.store.start_visit(&new_visit(), t0()).unwrap();
        p.store
            .set_answer(draft.id, "clean", &AnswerValue::No, t0())
            .unwrap();
        p.store
            .set_item_comment(draft.id, "clean", "пыль на стойке", t0())
            .unwrap();
        let photo = p
            .store
            .add_photo(draft.id, "clean", "a.jpg", &jpeg(50_000, 3), t0())
            .unwrap();
        let sent = p.store.start_visit(&new_visit(), t0()).unwrap();
        p.store
            .set_answer(sent.id, "clean", &AnswerValue::Yes, t0())
            .unwrap();
        p.store
            .set_answer(sent.id, "polite", &AnswerValue::Scale(5), t0())
            .unwrap();
        p.store
            .set_answer(sent.id, "wait", &AnswerValue::Number(7.0), t0())
            .unwrap();
        p.store.submit(sent.id, t0()).unwrap();
        p.store.set_setting("login", "auditor1").unwrap();
        flush(&p, &mut image);
        (
            p.store.visits().unwrap(),
            p.store.visit(draft.id).unwrap(),
            p.store.outbox().unwrap(),
            photo.sha256.clone(),
            p.store.photo(&photo.sha256).unwrap(),
        )
    };
    assert!(image.0.contains_key(MAIN_FILE) && image.0.contains_key(MEDIA_FILE));

    let p = open(&image);
    assert_eq!(p.store.integrity_check().unwrap(), vec!["ok", "ok"]);
    assert_eq!(p.store.visits().unwrap(), before.0);
    assert_eq!(p.store.visit(before.1.id).unwrap(), before.1);
    assert_eq!(p.store.outbox().unwrap(), before.2);
    assert!(before.4.is_some());
    assert_eq!(p.store.photo(&before.3).unwrap(), before.4);
    assert_eq!(
        p.store.setting("login").unwrap().as_deref(),
        Some("auditor1")
    );
}

#[test]
fn a_rolled_back_write_leaves_the_stored_image_as_it_was() {
    let mut image = Image::default();
    let (p, v) = started(&mut image);
    p.store
        .set_answer(v.id, "clean", &AnswerValue::Yes, t0())
        .unwrap();
    flush(&p, &mut image);
    let kept = image.clone();

    // A photo that does not fit: SQLite refuses to grow the file and rolls the change back.
    p.store.limit_growth(Some(2)).unwrap();
    let err = p
        .store
        .add_photo(v.id, "clean", "big.jpg", &jpeg(200_000, 9), t0())
        .unwrap_err();
    assert!(matches!(err, StoreError::DiskFull(_)), "{err}");
    flush(&p, &mut image);
    let after = open(&image);
    assert_eq!(after.store.integrity_check().unwrap(), vec!["ok", "ok"]);
    assert_eq!(
        after.store.visit(v.id).unwrap(),
        p.store.visit(v.id).unwrap()
    );
    assert_eq!(
        image.bytes(MEDIA_FILE),
        kept.bytes(MEDIA_FILE),
        "no photo half-stored"
    );
}

#[test]
fn nothing_is_handed_over_while_a_write_is_under_way() {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!("pages-raw-{}", N.fetch_add(1, Ordering::Relaxed));
    let sink = Rc::new(CountingSink::default());
    let vfs = PageVfs::register(&name, sink.clone()).unwrap();
    let conn = Connection::open_with_flags_and_vfs(MAIN_FILE, OpenFlags::default(), name.as_str())
        .unwrap();
    conn.pragma_update(None, "journal_mode", "MEMORY").unwrap();
    // A tiny cache, so the transaction spills its pages into the file before it ends.
    conn.pragma_update(None, "cache_size", 2).unwrap();
    conn.execute_batch("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(100));")
        .unwrap();
    let mut image = Image::default();
    let b = vfs.take_batch().unwrap();
    image.apply(&b);
    vfs.finished(b.seq, Ok(()));
    let asked = sink.asked.get();

    conn.execute_batch("BEGIN; INSERT INTO t SELECT zeroblob(3000) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 200) SELECT n FROM c);").unwrap();
    assert!(
        vfs.file_bytes(MAIN_FILE).unwrap().len() > 100 * PAGE_SIZE,
        "the cache spilled"
    );
    assert!(
        vfs.take_batch().is_none(),
        "no batch in the middle of a transaction"
    );
    assert_eq!(sink.asked.get(), asked, "nor is one asked for");
    conn.execute_batch("ROLLBACK").unwrap();
    if let Some(b) = vfs.take_batch() {
        image.apply(&b);
        vfs.finished(b.seq, Ok(()));
    }
    drop(conn);
    let p = open(&image);
    drop(p);
    let check = Connection::open_in_memory().unwrap();
    let mut bytes = image.bytes(MAIN_FILE);
    let len = bytes.len();
    let mut check = check;
    check
        .deserialize_read_exact("main", bytes.as_mut_slice() as &[u8], len, true)
        .unwrap();
    let ok: String = check
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let rows: i64 = check
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1, "the rolled-back rows are not in the stored image");
}

#[test]
fn a_batch_the_storage_refused_goes_again_with_the_next_write() {
    let mut image = Image::default();
    let (p, v) = started(&mut image);
    assert!(
        p.vfs.durable().now_or_never().unwrap().is_ok(),
        "nothing pending"
    );

    p.store
        .set_answer(v.id, "clean", &AnswerValue::Yes, t0())
        .unwrap();
    let mut waiting = Box::pin(p.vfs.durable());
    assert!(
        (&mut waiting).now_or_never().is_none(),
        "not durable before the batch lands"
    );
    let refused = p.vfs.take_batch().unwrap();
    p.vfs
        .finished(refused.seq, Err("QuotaExceededError".into()));
    assert_eq!(
        waiting.now_or_never(),
        Some(Err("QuotaExceededError".into()))
    );

    p.store
        .set_answer(v.id, "polite", &AnswerValue::Scale(3), t0())
        .unwrap();
    let waiting = p.vfs.durable();
    let batch = p.vfs.take_batch().unwrap();
    assert!(batch.page_count() >= refused.page_count());
    image.apply(&batch);
    p.vfs.finished(batch.seq, Ok(()));
    assert_eq!(waiting.now_or_never(), Some(Ok(())));
    assert_eq!(image.bytes(MAIN_FILE), p.vfs.file_bytes(MAIN_FILE).unwrap());
    let reopened = open(&image);
    let answers = reopened.store.visit(v.id).unwrap().answers;
    assert_eq!(answers["clean"].value, Some(AnswerValue::Yes));
    assert_eq!(answers["polite"].value, Some(AnswerValue::Scale(3)));
}

#[test]
fn writes_to_answers_and_photos_before_a_flush_land_in_one_batch() {
    let mut image = Image::default();
    let (p, v) = started(&mut image);
    let asked = p.sink.asked.get();
    p.store
        .add_photo(v.id, "clean", "a.jpg", &jpeg(10_000, 1), t0())
        .unwrap();
    assert_eq!(
        p.sink.asked.get(),
        asked + 1,
        "a flush asked for, after the commit"
    );
    p.store
        .set_answer(v.id, "clean", &AnswerValue::Yes, t0())
        .unwrap();
    assert_eq!(p.sink.asked.get(), asked + 1, "and not again before it ran");
    let batch = p.vfs.take_batch().unwrap();
    let files: Vec<_> = batch.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(files, vec![MAIN_FILE, MEDIA_FILE]);
    assert!(
        p.vfs.take_batch().is_none(),
        "one batch in flight at a time"
    );
    p.vfs.finished(batch.seq, Ok(()));
    assert!(p.vfs.is_durable());
}
