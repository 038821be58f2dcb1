//! The home screen's lists: what still needs the auditor or the sync whole, the sent visits
//! a page at a time, newest first, each visit once.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use uuid::Uuid;
use zakupka_client::{ListedVisit, PushOutcome, Store, SyncState};
use zakupka_core::AnswerValue;
use zakupka_core::wire::Refusal;

fn started(store: &Store, at: DateTime<Utc>) -> Uuid {
    store.start_visit(&new_visit(), at).unwrap().id
}

fn submitted(store: &Store, at: DateTime<Utc>) -> Uuid {
    let id = started(store, at);
    for (item, value) in [
        ("clean", AnswerValue::Yes),
        ("wait", AnswerValue::Number(3.0)),
        ("polite", AnswerValue::Scale(2)),
    ] {
        store.set_answer(id, item, &value, at).unwrap();
    }
    store.submit(id, at).unwrap();
    id
}

fn ids(list: &[ListedVisit]) -> Vec<Uuid> {
    list.iter().map(|v| v.summary.id).collect()
}

#[test]
fn home_lists_open_visits_whole_and_sent_ones_a_page_at_a_time() {
    let store = Store::open_in_memory().unwrap();
    seeded(&store);
    let at = |n: i64| t0() + Duration::hours(n);
    // 25 sent visits, two at each hour (the same start time: the page boundary must still
    // fall between them without losing or repeating one).
    let mut sent = Vec::new();
    for n in 0..25 {
        let id = submitted(&store, at(n / 2));
        store
            .record_push(&[(id, 1, PushOutcome::Stored)], at(30))
            .unwrap();
        sent.push((at(n / 2), id));
    }
    // Older than every sent one, yet listed first: not on the server, or still a draft.
    let waiting = submitted(&store, at(-5));
    let refused = submitted(&store, at(-4));
    let refusal = PushOutcome::Refused {
        code: Refusal::UnknownOffice,
        reason: "no office".into(),
    };
    store.record_push(&[(refused, 1, refusal)], at(30)).unwrap();
    let draft = started(&store, at(-3));

    let open = store.open_visits().unwrap();
    assert_eq!(ids(&open), vec![draft, refused, waiting], "newest first");
    assert_eq!(open[0].sync, SyncState::Draft);
    assert!(matches!(open[1].sync, SyncState::Refused { .. }));
    assert!(matches!(open[2].sync, SyncState::Waiting { .. }));

    // Newest first; of two started at once, the greater id first.
    sent.sort_by(|a, b| b.cmp(a));
    let newest_first: Vec<Uuid> = sent.iter().map(|(_, id)| *id).collect();
    let mut shown = Vec::new();
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.sent_visits(after.as_ref(), 10).unwrap();
        assert!(page.visits.iter().all(|v| v.sync == SyncState::Synced));
        pages.push(page.visits.len());
        shown.extend(ids(&page.visits));
        after = page.next;
        if after.is_none() {
            break;
        }
    }
    assert_eq!(pages, vec![10, 10, 5]);
    assert_eq!(shown, newest_first, "every sent visit once, newest first");
    let (two, more) = store.sent_pages(2, 10).unwrap();
    assert_eq!((ids(&two), more), (newest_first[..20].to_vec(), true));
    let (all, more) = store.sent_pages(3, 10).unwrap();
    assert_eq!((ids(&all), more), (newest_first.clone(), false));

    // Sent at last, the waiting visit moves from the open list to its place among the sent.
    store
        .record_push(&[(waiting, 1, PushOutcome::Stored)], at(31))
        .unwrap();
    assert_eq!(ids(&store.open_visits().unwrap()), vec![draft, refused]);
    let all = store.sent_visits(None, 100).unwrap();
    assert_eq!(all.next, None);
    assert_eq!(ids(&all.visits).last(), Some(&waiting));
}
