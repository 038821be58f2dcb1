//! Review decisions and their append-only log.

use super::*;

#[tokio::test]
async fn decisions_follow_the_rules_and_every_step_is_in_the_append_only_log() {
    let s = Server::new();
    let auditor = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    let visit = s.visit("auditor1");
    s.push_ok(&auditor, &visit).await;
    let review = |body: serde_json::Value| {
        let uri = format!("/api/v1/visits/{}/review", visit.id);
        let sup = sup.clone();
        let s = &s;
        async move { s.post_json(&uri, Some(&sup), &body).await }
    };

    let e = review(serde_json::json!({ "decision": "return", "revision": 1 }))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(
        e.field.as_deref(),
        Some("comment"),
        "a return must say what to correct"
    );
    let e = review(serde_json::json!({ "decision": "reject", "revision": 1, "comment": "  " }))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(
        e.field.as_deref(),
        Some("comment"),
        "a rejection needs a reason"
    );
    let e = review(
        serde_json::json!({ "decision": "return", "revision": 1, "item_comments": { "no.such.item": "?" } }),
    )
    .await
    .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("item_comments.no.such.item"));

    let item = s.template.items().next().unwrap().id.clone();
    let returned: VisitUpdate = review(serde_json::json!({
        "decision": "return", "revision": 1, "comment": "Уточните", "item_comments": { item.clone(): "Офис был открыт?" }
    }))
    .await
    .expect(StatusCode::OK)
    .json();
    assert_eq!(returned.state, ReviewState::Returned);
    assert_eq!(returned.item_comments[&item], "Офис был открыт?");
    review(serde_json::json!({ "decision": "approve", "revision": 1 }))
        .await
        .error(StatusCode::CONFLICT);

    let mut corrected = visit.clone();
    corrected.revision = 2;
    s.push_ok(&auditor, &corrected).await;
    let mut unasked = visit.clone();
    unasked.revision = 3;
    let r = s
        .push(&auditor, vec![unasked])
        .await
        .expect(StatusCode::OK)
        .json::<PushResponse>();
    assert_eq!(
        r.results[0].status,
        PushStatus::Rejected,
        "a revision nobody asked for"
    );
    review(serde_json::json!({ "decision": "approve", "revision": 2 }))
        .await
        .expect(StatusCode::OK);

    let log: Vec<LogEntry> = s
        .get(&format!("/api/v1/visits/{}/log", visit.id), Some(&auditor))
        .await
        .expect(StatusCode::OK)
        .json();
    let steps: Vec<(u32, Option<ReviewState>, ReviewState, &str)> = log
        .iter()
        .map(|e| (e.revision, e.from, e.to, e.by.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (1, None, ReviewState::Submitted, "auditor1"),
            (
                1,
                Some(ReviewState::Submitted),
                ReviewState::Returned,
                "supervisor"
            ),
            (
                2,
                Some(ReviewState::Returned),
                ReviewState::Submitted,
                "auditor1"
            ),
            (
                2,
                Some(ReviewState::Submitted),
                ReviewState::Approved,
                "supervisor"
            ),
        ]
    );
    assert_eq!(log[1].comment, "Уточните");
    let revisions: Vec<Visit> = s
        .get(
            &format!("/api/v1/visits/{}/revisions", visit.id),
            Some(&sup),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        revisions.iter().map(|v| v.revision).collect::<Vec<_>>(),
        [1, 2],
        "both revisions, oldest first"
    );
    let tampered =
        s.db.blocking(|c| Ok(c.execute("UPDATE review_log SET by_login = 'nobody'", [])?));
    assert!(tampered.is_err(), "the log cannot be rewritten");
    let erased =
        s.db.blocking(|c| Ok(c.execute("DELETE FROM review_log", [])?));
    assert!(erased.is_err(), "nor erased");
}
