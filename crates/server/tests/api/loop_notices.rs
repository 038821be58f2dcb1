//! The loop's notifications (issue 13): managers hear of new findings, supervisors of
//! actions to verify, both of actions overdue (once each, by the hourly sweep, which also
//! hands an overdue action to the organisation's webhooks).

use zakupka_core::wire::{Action, DoneRequest, Notification};
use zakupka_server::notifications;

use super::actions::{FAILED, add_manager, approve, with_failures};
use super::notifications::inbox;
use super::*;

fn kinds(inbox: &[zakupka_core::wire::NotificationEntry]) -> Vec<&'static str> {
    inbox.iter().map(|e| e.notification.kind()).collect()
}

#[tokio::test]
async fn findings_closed_and_overdue_actions_reach_the_branchs_people_once() {
    let s = Server::new();
    let office = s.directory.offices[3].clone();
    add_manager(&s, "masha", &office.branch_id);
    s.db.blocking(|c| {
        zakupka_server::webhooks::add(
            c,
            "https://hooks.example.org/z",
            "action_overdue",
            Utc::now(),
        )
        .map(|_| ())
    })
    .unwrap();
    let (a1, sup) = (s.login("auditor1").await, s.login("supervisor").await);
    let mut visit = with_failures(&s, s.visit("auditor1"), &FAILED);
    visit.office_id = office.id.clone();
    s.push_ok(&a1, &visit).await;
    approve(&s, &sup, &visit).await;

    let masha = s.login("masha").await;
    let told = inbox(&s, &masha).await;
    assert_eq!(
        told.iter().map(|e| &e.notification).collect::<Vec<_>>(),
        [&Notification::FindingsNew {
            visit_id: visit.id,
            office_id: office.id.clone(),
            actions: 3,
        }]
    );
    assert!(!kinds(&inbox(&s, &a1).await).contains(&"findings_new"));

    // One is closed: the supervisors hear it waits for them.
    let actions: Vec<Action> = s
        .get("/api/v1/actions", Some(&masha))
        .await
        .expect(StatusCode::OK)
        .json();
    let closed = &actions[0];
    let done = DoneRequest {
        op_id: Uuid::now_v7(),
        evidence: "Повесили вывеску".into(),
        photos: vec![],
    };
    s.post_json(
        &format!("/api/v1/actions/{}/done", closed.id),
        Some(&masha),
        &done,
    )
    .await
    .expect(StatusCode::OK);
    assert!(inbox(&s, &sup).await.iter().any(|e| e.notification
        == Notification::ActionToVerify {
            action_id: closed.id,
            office_id: office.id.clone(),
        }));

    // Past the latest due day the two still open are overdue: told once, to both, and
    // handed to the webhook once each.
    let late = actions.iter().map(|a| a.due).max().unwrap() + chrono::Days::new(1);
    let at = late.and_hms_opt(9, 0, 0).unwrap().and_utc();
    let sweep = |now| {
        s.db.blocking(move |c| notifications::sweep(c, now))
            .unwrap()
    };
    sweep(at);
    sweep(at + Duration::hours(1));
    let overdue = |inbox: &[zakupka_core::wire::NotificationEntry]| {
        inbox
            .iter()
            .filter(|e| matches!(e.notification, Notification::ActionOverdue { .. }))
            .count()
    };
    assert_eq!(overdue(&inbox(&s, &masha).await), 2);
    assert_eq!(overdue(&inbox(&s, &sup).await), 2);
    let events: i64 =
        s.db.blocking(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM webhook_outbox WHERE kind = 'action_overdue'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(events, 2);
}

/// Every notice is dated by the server's clock (the one its sweep and its tests move), not
/// by the machine's: a finding told on a server whose clock stands two days ahead says so.
#[tokio::test]
async fn notices_are_dated_by_the_servers_clock() {
    let mut s = Server::new();
    // Whole seconds: notices are dated to the millisecond.
    let ahead = chrono::DateTime::from_timestamp(Utc::now().timestamp() + 2 * 86_400, 0).unwrap();
    let settings = zakupka_server::Settings::new(
        zakupka_server::Clock::manual(ahead),
        zakupka_server::auth::Throttle::default(),
    );
    s.app = zakupka_server::app_with(s.db.clone(), None, settings);
    let office = s.directory.offices[3].clone();
    add_manager(&s, "masha", &office.branch_id);
    let (a1, sup) = (s.login("auditor1").await, s.login("supervisor").await);
    let mut visit = with_failures(&s, s.visit("auditor1"), &FAILED);
    visit.office_id = office.id.clone();
    s.push_ok(&a1, &visit).await;
    approve(&s, &sup, &visit).await;
    let told = inbox(&s, &s.login("masha").await).await;
    assert_eq!(kinds(&told), ["findings_new"]);
    assert_eq!(told[0].created_at, ahead, "dated by the server's clock");
}
