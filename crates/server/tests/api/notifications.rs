//! The in-app inbox: notifications reach their user (and nobody else) by the pull, are
//! marked read idempotently, announce due dates once, and are pruned when old.

use zakupka_core::wire::{Notification, NotificationEntry, ReadRequest};
use zakupka_server::notifications;

use super::*;

/// Every notification `token`'s user gets pulling from cursor 0, in feed order.
pub async fn inbox(s: &Server, token: &str) -> Vec<NotificationEntry> {
    let mut cursor = 0;
    let mut all = Vec::new();
    loop {
        let pull = s.pull(token, cursor).await;
        all.extend(pull.notifications);
        cursor = pull.next_cursor;
        if !pull.more {
            return all;
        }
    }
}

async fn mark_read(s: &Server, token: &str, ids: Vec<i64>) -> Reply {
    s.post_json(
        "/api/v1/notifications/read",
        Some(token),
        &ReadRequest { ids },
    )
    .await
}

#[tokio::test]
async fn a_returned_visit_reaches_its_auditor_alone_and_reading_it_is_idempotent() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let a2 = s.login("auditor2").await;
    let sup = s.login("supervisor").await;
    let visit = s.visit("auditor1");
    s.push_ok(&a1, &visit).await;
    let before = s.pull(&a1, 0).await.next_cursor;
    s.post_json(
        &format!("/api/v1/visits/{}/review", visit.id),
        Some(&sup),
        &serde_json::json!({ "decision": "return", "revision": 1, "comment": "Уточните" }),
    )
    .await
    .expect(StatusCode::OK);

    let pulled = s.pull(&a1, before).await.notifications;
    assert_eq!(pulled.len(), 1, "{pulled:?}");
    let id = pulled[0].id;
    assert_eq!(
        pulled[0].notification,
        Notification::VisitReturned {
            visit_id: visit.id,
            revision: 1
        }
    );
    assert_eq!(pulled[0].read_at, None);
    // Nobody else gets it, by any cursor.
    assert!(inbox(&s, &a2).await.is_empty());
    assert!(inbox(&s, &sup).await.is_empty());

    // Another user naming its id changes nothing, and is told nothing either.
    mark_read(&s, &a2, vec![id])
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(inbox(&s, &a1).await[0].read_at, None);

    let cursor = s.pull(&a1, 0).await.next_cursor;
    mark_read(&s, &a1, vec![id])
        .await
        .expect(StatusCode::NO_CONTENT);
    let read_at = s.pull(&a1, cursor).await.notifications[0].read_at;
    assert!(
        read_at.is_some(),
        "the user's other devices learn it was read"
    );
    // Sent again by an outbox that did not hear the answer: the same, nothing moves.
    mark_read(&s, &a1, vec![id, id])
        .await
        .expect(StatusCode::NO_CONTENT);
    let all = inbox(&s, &a1).await;
    assert_eq!(all.len(), 1, "one entry per notification: {all:?}");
    assert_eq!(all[0].read_at, read_at);

    let e = mark_read(&s, &a1, (0..501).collect())
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("ids"));
}

#[tokio::test]
async fn a_new_assignment_tells_its_auditor() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    let request = s.assignment("auditor1");
    let made: AssignmentResponse = s
        .post_json("/api/v1/assignments", Some(&sup), &request)
        .await
        .expect(StatusCode::CREATED)
        .json();
    let got = inbox(&s, &a1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].notification,
        Notification::AssignmentNew {
            assignment_id: made.assignment.unwrap().id,
            office_id: request.office_id,
            due: request.due,
        }
    );
    assert!(inbox(&s, &s.login("auditor2").await).await.is_empty());
}

#[tokio::test]
async fn due_dates_are_announced_once_and_old_notifications_pruned() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    let request = s.assignment("auditor1");
    s.post_json("/api/v1/assignments", Some(&sup), &request)
        .await
        .expect(StatusCode::CREATED);
    let due = request.due.and_hms_opt(12, 0, 0).unwrap().and_utc();
    let sweep = |now| {
        s.db.blocking(move |c| notifications::sweep(c, now))
            .unwrap()
    };

    assert_eq!(sweep(due - Duration::days(10)).made, 0, "not due soon yet");
    assert_eq!(sweep(due - Duration::days(1)).made, 1);
    assert_eq!(sweep(due - Duration::hours(20)).made, 0, "once");
    assert_eq!(sweep(due + Duration::days(1)).made, 1);
    assert_eq!(sweep(due + Duration::days(2)).made, 0, "once");
    let kinds: Vec<&str> = inbox(&s, &a1)
        .await
        .iter()
        .map(|e| e.notification.kind())
        .collect();
    assert_eq!(
        kinds,
        [
            "assignment_new",
            "assignment_due_soon",
            "assignment_overdue"
        ]
    );

    // Read ones go 90 days after reading, with their entries in the feed; unread stay.
    let ids: Vec<i64> = inbox(&s, &a1).await.iter().map(|e| e.id).collect();
    mark_read(&s, &a1, ids[..2].to_vec())
        .await
        .expect(StatusCode::NO_CONTENT);
    let now = Utc::now();
    assert_eq!(sweep(now + Duration::days(89)).pruned, 0);
    let swept = sweep(now + Duration::days(91));
    assert_eq!(swept.pruned, 2);
    let left: Vec<i64> = inbox(&s, &a1).await.iter().map(|e| e.id).collect();
    assert_eq!(left, [ids[2]]);
    assert_eq!(s.count("notifications"), 1);
    let feed: i64 =
        s.db.blocking(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM changes WHERE kind = 'notification'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(feed, 1, "the pruned ones' feed entries went too");
}

#[tokio::test]
async fn a_visited_assignment_is_not_announced_as_overdue() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    let mut request = s.assignment("auditor1");
    let visit = s.visit("auditor1");
    request.office_id = visit.office_id.clone();
    s.post_json("/api/v1/assignments", Some(&sup), &request)
        .await
        .expect(StatusCode::CREATED);
    s.push_ok(&a1, &visit).await;
    let after_due = request.due.and_hms_opt(12, 0, 0).unwrap().and_utc() + Duration::days(1);
    let swept =
        s.db.blocking(move |c| notifications::sweep(c, after_due))
            .unwrap();
    assert_eq!(swept.made, 0);
}

#[tokio::test]
async fn supervisors_in_scope_and_managers_of_a_branch_are_reached() {
    let s = Server::new();
    let home = s.directory.branches[0].id.clone();
    let other = super::scope::other_branch(&s, &home);
    super::scope::add_supervisor(&s, "bound-home", None, std::slice::from_ref(&home));
    super::scope::add_supervisor(&s, "bound-other", None, std::slice::from_ref(&other));
    let directory = s.directory.clone();
    let (h, o) = (home.clone(), other.clone());
    s.db.blocking(move |c| {
        auth::add_user(
            c,
            "head",
            Role::Manager,
            &password("branch-head"),
            Utc::now(),
        )?;
        zakupka_server::assignments::set_branch(c, "head", Some(&h), &directory)?;
        auth::add_user(
            c,
            "head2",
            Role::Manager,
            &password("other-head"),
            Utc::now(),
        )?;
        zakupka_server::assignments::set_branch(c, "head2", Some(&o), &directory)
    })
    .unwrap();
    let (supervisors, managers) =
        s.db.blocking(move |c| {
            Ok((
                notifications::supervisors_of(c, &home)?,
                notifications::managers_of(c, &home)?,
            ))
        })
        .unwrap();
    // `supervisor` is bound to no branch, so sees every branch's visits.
    assert_eq!(supervisors, ["bound-home", "supervisor"]);
    assert_eq!(managers, ["head"]);
}
