//! The review queue a page at a time: every visit reachable through the cursor, filters
//! kept across pages, and cursors or limits the server did not make refused with a code.

use super::*;
use std::collections::BTreeSet;
use zakupka_core::wire::Refusal;
use zakupka_server::ingest;

/// More visits than the queue's old silent cap of 5,000.
const STORED: usize = 5_100;

/// Stores `n` visits of auditor1 as pushes store them, received over the last day, three
/// at a time at the same millisecond (ties are ordered by id). Every seventh is approved.
fn store_many(s: &Server, n: usize) -> Vec<Uuid> {
    let template = s.template.clone();
    let directory = s.directory.clone();
    let offices: Vec<String> = s.directory.offices.iter().map(|o| o.id.clone()).collect();
    s.db.blocking(move |c| {
        let tx = c.transaction()?;
        let start = Utc::now() - chrono::Duration::days(1);
        let mut ids = Vec::with_capacity(n);
        for k in 0..n {
            let received = start + chrono::Duration::seconds((k / 3) as i64);
            let mut visit = zakupka_core::demo::cycled_visit(
                &template,
                &offices[k % offices.len()],
                "auditor1",
                k,
                10,
                received - chrono::Duration::minutes(5),
            );
            visit.id = Uuid::now_v7();
            let payload = serde_json::to_string(&visit).unwrap();
            ingest::store(
                &tx,
                &visit,
                &payload,
                (&template, &directory),
                "bulk",
                received,
            )?;
            if k % 7 == 0 {
                tx.execute(
                    "UPDATE reviews SET state = 'approved' WHERE visit_id = ?1",
                    [visit.id.to_string()],
                )?;
            }
            ids.push(visit.id);
        }
        tx.commit()?;
        Ok(ids)
    })
    .unwrap()
}

async fn page(s: &Server, token: &str, query: &str) -> VisitPage {
    s.get(&format!("/api/v1/visits?{query}"), Some(token))
        .await
        .expect(StatusCode::OK)
        .json()
}

/// Follows `next` from the first page of `query` to the last, calling `between` after each
/// page; every visit listed, in order.
async fn all_pages(
    s: &Server,
    token: &str,
    query: &str,
    mut between: impl AsyncFnMut(usize),
) -> (Vec<ServerVisit>, usize) {
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&cursor={c}"),
            None => query.to_owned(),
        };
        let p = page(s, token, &q).await;
        pages += 1;
        listed.extend(p.visits);
        between(pages).await;
        match p.next {
            Some(next) => cursor = Some(next),
            None => return (listed, pages),
        }
    }
}

#[tokio::test]
async fn every_visit_of_thousands_is_reached_once_while_others_arrive() {
    let s = Server::new();
    let stored = store_many(&s, STORED);
    let sup = s.login("supervisor").await;
    // Another auditor sends them: auditor1's bulk is past a day's quota.
    let auditor = s.login("auditor2").await;
    let mut arrived = Vec::new();
    // New visits arrive while the supervisor pages through: before the third and the
    // seventh page.
    let (listed, pages) = all_pages(&s, &sup, "limit=500", async |n| {
        if n == 2 || n == 6 {
            for _ in 0..2 {
                let v = s.visit("auditor2");
                s.push_ok(&auditor, &v).await;
                arrived.push(v.id);
            }
        }
    })
    .await;
    assert_eq!(pages, STORED.div_ceil(500), "pages of 500 until the last");
    let ids: Vec<Uuid> = listed.iter().map(|v| v.visit_id).collect();
    let unique: BTreeSet<Uuid> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no visit listed twice");
    assert_eq!(
        unique,
        stored.iter().copied().collect::<BTreeSet<_>>(),
        "every visit stored before the first page is listed; those that arrived after it come before it"
    );
    assert!(
        listed
            .windows(2)
            .all(|w| w[0].received_at >= w[1].received_at),
        "newest received first, across pages"
    );
    // The visits that arrived meanwhile head the queue asked again.
    let first = page(&s, &sup, "limit=4").await;
    let head: BTreeSet<Uuid> = first.visits.iter().map(|v| v.visit_id).collect();
    assert_eq!(head, arrived.iter().copied().collect());
    assert!(first.next.is_some());
}

#[tokio::test]
async fn filters_hold_on_every_page() {
    let s = Server::new();
    let stored = store_many(&s, 700);
    let sup = s.login("supervisor").await;
    let approved: BTreeSet<Uuid> = stored.iter().step_by(7).copied().collect();
    let (listed, pages) = all_pages(&s, &sup, "state=approved&limit=30", async |_| {}).await;
    assert_eq!(pages, approved.len().div_ceil(30));
    assert!(listed.iter().all(|v| v.state == ReviewState::Approved));
    let ids: Vec<Uuid> = listed.iter().map(|v| v.visit_id).collect();
    assert_eq!(ids.len(), approved.len(), "no visit twice");
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), approved);
    // Without a limit a page holds 100.
    let default = page(&s, &sup, "state=submitted").await;
    assert_eq!(default.visits.len(), 100);
    assert!(default.next.is_some());
}

#[tokio::test]
async fn cursors_and_limits_the_server_did_not_make_are_refused() {
    let s = Server::new();
    store_many(&s, 5);
    let sup = s.login("supervisor").await;
    let real = page(&s, &sup, "limit=2").await.next.unwrap();
    let mut tampered = real.clone();
    tampered.insert(3, 'x');
    for cursor in [
        "garbage!",
        "bm90IGEgY3Vyc29y", // "not a cursor", well-formed base64
        tampered.as_str(),
    ] {
        let e = s
            .get(&format!("/api/v1/visits?cursor={cursor}"), Some(&sup))
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(e.code, Refusal::BadCursor, "{cursor}: {}", e.message);
        assert_eq!(e.field.as_deref(), Some("cursor"));
    }
    for limit in ["0", "501", "-1", "many"] {
        let e = s
            .get(&format!("/api/v1/visits?limit={limit}"), Some(&sup))
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(e.code, Refusal::Invalid, "{limit}: {}", e.message);
    }
    // The real one still answers: the refusals changed nothing.
    let rest = page(&s, &sup, &format!("limit=2&cursor={real}")).await;
    assert_eq!(rest.visits.len(), 2);
}
