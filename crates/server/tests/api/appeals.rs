//! Appeals: a branch's manager contests an item of an approved visit; another supervisor
//! upholds it, which rescores the visit and moves the quarter's rating; the window, the
//! published quarter, other branches, duplicates and the approver are refused; publishing
//! waits for undecided appeals.

use super::*;
use zakupka_core::ItemKind;
use zakupka_core::rating::{Criterion, Measure, Methodology};
use zakupka_core::wire::{Appeal, AppealState, FailedItems, Rating, Refusal};

/// A methodology that rates every branch with one approved visit on audits alone, all in
/// one league, with `window` days to appeal.
fn methodology(window: Option<u32>) -> Methodology {
    let mut m = zakupka_server::demo::read_methodology(&seeds()).unwrap();
    m.version += 1;
    m.min_approved_visits = 1;
    m.league_threshold = u32::MAX;
    m.criteria
        .retain(|c: &Criterion| matches!(c.measure, Measure::Audits));
    m.appeal_window_days = window;
    m
}

/// A manager `login` heading `branch`, and a second supervisor `other`.
fn add_people(s: &Server, manager: &str, branch: &str) {
    let directory = s.directory.clone();
    s.db.blocking(|c| {
        auth::add_user(c, manager, Role::Manager, &password(manager), Utc::now())?;
        zakupka_server::assignments::set_branch(c, manager, Some(branch), &directory)?;
        auth::add_user(c, "other", Role::Supervisor, &password("other"), Utc::now())
    })
    .unwrap();
}

/// A visit to `office` answering every item as well as it can be, except `failed` items
/// answered "no" (they are yes/no items).
fn visit(s: &Server, office: &str, failed: &[&str], finished: chrono::DateTime<Utc>) -> Visit {
    let mut v = s.visit("auditor1");
    v.office_id = office.to_owned();
    v.started_at = finished - Duration::minutes(40);
    v.finished_at = Some(finished);
    for item in s.template.items() {
        let best = match &item.kind {
            ItemKind::YesNo if failed.contains(&item.id.as_str()) => AnswerValue::No,
            ItemKind::YesNo => AnswerValue::Yes,
            ItemKind::Scale => AnswerValue::Scale(5),
            ItemKind::Number { bands, .. } => AnswerValue::Number(bands[0].max),
            ItemKind::Choice { options } => AnswerValue::Choice(
                options
                    .iter()
                    .max_by(|a, b| a.score.total_cmp(&b.score))
                    .unwrap()
                    .id
                    .clone(),
            ),
        };
        if let Some(a) = v.answers.get_mut(&item.id) {
            a.value = Some(best);
        }
    }
    v
}

/// Two non-critical yes/no items, the first weighing more.
fn heavy_and_light(s: &Server) -> (String, String) {
    let mut yes_no: Vec<_> = s
        .template
        .items()
        .filter(|i| matches!(i.kind, ItemKind::YesNo) && !i.critical)
        .collect();
    yes_no.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let (heavy, light) = (yes_no[0], yes_no[yes_no.len() - 1]);
    assert!(
        heavy.weight > light.weight,
        "the seeds have items of two weights"
    );
    (heavy.id.clone(), light.id.clone())
}

async fn approve(s: &Server, auditor: &str, supervisor: &str, v: &Visit) {
    s.push_ok(auditor, v).await;
    let approve = serde_json::json!({ "decision": "approve", "revision": 1 });
    s.post_json(
        &format!("/api/v1/visits/{}/review", v.id),
        Some(supervisor),
        &approve,
    )
    .await
    .expect(StatusCode::OK);
}

fn appeal_body(v: &Visit, item: &str) -> serde_json::Value {
    serde_json::json!({
        "op_id": Uuid::now_v7(), "visit_id": v.id, "item_id": item,
        "reason": "the sign was there: see the photo",
    })
}

fn decision(outcome: Option<&str>) -> serde_json::Value {
    let decision = if outcome.is_some() {
        "uphold"
    } else {
        "reject"
    };
    serde_json::json!({
        "op_id": Uuid::now_v7(), "decision": decision, "outcome": outcome,
        "reason": "checked with the office's camera",
    })
}

/// Places of the quarter's rated branches, by branch.
async fn places(s: &Server, token: &str, quarter: Quarter) -> BTreeMap<String, (u32, f64)> {
    let r: Rating = s
        .get(&format!("/api/v1/rating?quarter={quarter}"), Some(token))
        .await
        .expect(StatusCode::OK)
        .json();
    r.tables
        .iter()
        .flat_map(|t| &t.rows)
        .map(|row| (row.branch_id.clone(), (row.place, row.score)))
        .collect()
}

use std::collections::BTreeMap;

/// Two offices of two different branches.
fn two_branches(s: &Server) -> (String, String, String, String) {
    let a = s.directory.offices[0].clone();
    let b = s
        .directory
        .offices
        .iter()
        .find(|o| o.branch_id != a.branch_id)
        .unwrap()
        .clone();
    (a.id, a.branch_id, b.id, b.branch_id)
}

#[tokio::test]
async fn an_upheld_appeal_rescores_the_visit_and_moves_the_branch_up_the_rating() {
    let s = Server::new();
    s.db.blocking(|c| zakupka_server::rating::store_methodology(c, &methodology(None)))
        .unwrap();
    let (office_a, branch_a, office_b, branch_b) = two_branches(&s);
    add_people(&s, "manager", &branch_a);
    s.db.blocking(|c| {
        zakupka_server::webhooks::add(
            c,
            "https://hooks.example.org/zakupka",
            "appeal_decided",
            Utc::now(),
        )
        .map(|_| ())
    })
    .unwrap();
    let (heavy, light) = heavy_and_light(&s);
    let (auditor, supervisor) = (s.login("auditor1").await, s.login("supervisor").await);
    let (manager, other) = (s.login("manager").await, s.login("other").await);
    let finished = Utc::now() - Duration::hours(2);
    let quarter = Quarter::of(finished);
    // A lost the heavier item, B the lighter one: B leads.
    let va = visit(&s, &office_a, &[&heavy], finished);
    let vb = visit(&s, &office_b, &[&light], finished);
    approve(&s, &auditor, &supervisor, &va).await;
    approve(&s, &auditor, &supervisor, &vb).await;
    let before = places(&s, &supervisor, quarter).await;
    assert_eq!(before[&branch_b].0, 1);
    assert_eq!(before[&branch_a].0, 2);
    let chart: FailedItems = s
        .get(
            &format!("/api/v1/charts/{quarter}/failed-items"),
            Some(&other),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!((chart.visits, chart.total, chart.items.len()), (2, 2, 2));

    let body = appeal_body(&va, &heavy);
    let appeal: Appeal = s
        .post_json("/api/v1/appeals", Some(&manager), &body)
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(appeal.state, AppealState::Pending);
    // Those who may decide it hear of it; the approver, who may not, does not.
    let to_decide = |inbox: Vec<zakupka_core::wire::NotificationEntry>| {
        inbox
            .iter()
            .filter(|e| {
                matches!(&e.notification,
                    zakupka_core::wire::Notification::AppealToDecide { appeal_id, .. }
                        if *appeal_id == appeal.id)
            })
            .count()
    };
    assert_eq!(to_decide(super::notifications::inbox(&s, &other).await), 1);
    assert_eq!(
        to_decide(super::notifications::inbox(&s, &supervisor).await),
        0
    );
    // The phone's outbox sends it again: the same appeal, nothing new.
    let again: Appeal = s
        .post_json("/api/v1/appeals", Some(&manager), &body)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(again.id, appeal.id);
    // Another appeal of the same item is a duplicate.
    let e = s
        .post_json("/api/v1/appeals", Some(&manager), &appeal_body(&va, &heavy))
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::AppealExists);
    // The supervisors' board lists it; the approver may not decide it.
    let pending: Vec<Appeal> = s
        .get("/api/v1/appeals?state=pending", Some(&other))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        pending.iter().map(|a| a.id).collect::<Vec<_>>(),
        [appeal.id]
    );
    let uri = format!("/api/v1/appeals/{}/decide", appeal.id);
    let e = s
        .post_json(&uri, Some(&supervisor), &decision(Some("passed")))
        .await
        .error(StatusCode::FORBIDDEN);
    assert_eq!(e.code, Refusal::OwnApproval);
    let e = s
        .post_json(
            &uri,
            Some(&other),
            &serde_json::json!({
            "op_id": Uuid::now_v7(), "decision": "uphold", "reason": "ok" }),
        )
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.code, Refusal::OutcomeRequired);
    assert_eq!(
        places(&s, &supervisor, quarter).await,
        before,
        "nothing changed yet"
    );

    let decided: Appeal = s
        .post_json(&uri, Some(&other), &decision(Some("passed")))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(decided.state, AppealState::Upheld);
    // The manager hears of the decision.
    let told = super::notifications::inbox(&s, &manager).await;
    assert!(
        told.iter().any(|e| e.notification
            == zakupka_core::wire::Notification::AppealDecided {
                appeal_id: appeal.id,
                visit_id: va.id,
                upheld: true,
            }),
        "{told:?}"
    );
    assert_eq!(decided.score, Some(100.0), "the only failure now passes");
    assert!(decided.approved_score.unwrap() < 100.0);
    let after = places(&s, &supervisor, quarter).await;
    assert_eq!(after[&branch_a].0, 1, "{after:?}");
    assert_eq!(after[&branch_b].0, 2, "{after:?}");
    assert_eq!(after[&branch_a].1, 100.0);
    // The visit's explanation carries the decision; its answers stay as given.
    let detail = s.detail(&other, va.id).await;
    assert_eq!(
        detail.appeals[0].decision_reason.as_deref(),
        Some("checked with the office's camera")
    );
    assert_eq!(detail.visit.answers[&heavy].value, Some(AnswerValue::No));
    assert!(
        s.detail(&auditor, va.id).await.appeals.is_empty(),
        "not the auditor's business"
    );
    // Decided once: again is refused.
    let e = s
        .post_json(&uri, Some(&other), &decision(None))
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::AppealDecided);
    // The manager sees the decision; the chart no longer counts the item.
    let mine: Vec<Appeal> = s
        .get("/api/v1/appeals", Some(&manager))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        mine[0].decision_reason.as_deref(),
        Some("checked with the office's camera")
    );
    let chart: FailedItems = s
        .get(
            &format!("/api/v1/charts/{quarter}/failed-items"),
            Some(&other),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        (chart.total, chart.items[0].item_id.as_str()),
        (1, light.as_str())
    );
    // Every step is in the audit log.
    let actions: Vec<String> =
        s.db.blocking(|c| {
            let mut st =
                c.prepare("SELECT action FROM audit_log WHERE action LIKE 'appeal%' ORDER BY seq")?;
            let rows = st.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert_eq!(actions, ["appeal_filed", "appeal_upheld"]);
    // The decision is an event for the organisation's webhooks, once.
    let bodies: Vec<String> =
        s.db.blocking(|c| {
            let mut st =
                c.prepare("SELECT body FROM webhook_outbox WHERE kind = 'appeal_decided'")?;
            let rows = st.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains(&appeal.id.to_string()), "{}", bodies[0]);
}

#[tokio::test]
async fn other_branches_a_closed_window_and_excluded_items() {
    let s = Server::new();
    s.db.blocking(|c| zakupka_server::rating::store_methodology(c, &methodology(Some(0))))
        .unwrap();
    let (office_a, branch_a, office_b, _) = two_branches(&s);
    add_people(&s, "manager", &branch_a);
    let (heavy, _) = heavy_and_light(&s);
    let (auditor, supervisor) = (s.login("auditor1").await, s.login("supervisor").await);
    let manager = s.login("manager").await;
    let finished = Utc::now() - Duration::hours(2);
    let va = visit(&s, &office_a, &[&heavy], finished);
    let vb = visit(&s, &office_b, &[&heavy], finished);
    approve(&s, &auditor, &supervisor, &va).await;
    approve(&s, &auditor, &supervisor, &vb).await;
    // Another branch's visit does not exist for the manager.
    let e = s
        .post_json("/api/v1/appeals", Some(&manager), &appeal_body(&vb, &heavy))
        .await
        .error(StatusCode::NOT_FOUND);
    assert_eq!(e.code, Refusal::NotFound);
    // With a window of 0 days, the approval a moment ago closed it.
    let e = s
        .post_json("/api/v1/appeals", Some(&manager), &appeal_body(&va, &heavy))
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::AppealWindowClosed);
    // An empty reason, and auditors and supervisors filing, are refused.
    let mut empty = appeal_body(&va, &heavy);
    empty["reason"] = "  ".into();
    let e = s
        .post_json("/api/v1/appeals", Some(&manager), &empty)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.code, Refusal::ReasonRequired);
    for token in [&auditor, &supervisor] {
        s.post_json("/api/v1/appeals", Some(token), &appeal_body(&va, &heavy))
            .await
            .expect(StatusCode::FORBIDDEN);
    }
    assert_eq!(s.count("appeals"), 0);
}

#[tokio::test]
async fn publishing_waits_for_appeals_and_a_published_quarter_takes_none() {
    let s = Server::new();
    s.db.blocking(|c| zakupka_server::rating::store_methodology(c, &methodology(None)))
        .unwrap();
    let (office_a, branch_a, _, _) = two_branches(&s);
    add_people(&s, "manager", &branch_a);
    let (heavy, light) = heavy_and_light(&s);
    let (auditor, supervisor) = (s.login("auditor1").await, s.login("supervisor").await);
    let (manager, admin) = (s.login("manager").await, s.login("admin").await);
    // A visit of an ended quarter, approved just now: the window is open.
    let finished: chrono::DateTime<Utc> = "2020-05-12T10:00:00Z".parse().unwrap();
    let va = visit(&s, &office_a, &[&heavy, &light], finished);
    approve(&s, &auditor, &supervisor, &va).await;
    let appeal: Appeal = s
        .post_json("/api/v1/appeals", Some(&manager), &appeal_body(&va, &heavy))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(appeal.quarter.to_string(), "2020-Q2");
    for method in [Method::GET, Method::POST] {
        let e = s
            .call(method, "/api/v1/rating/2020-Q2/publish", Some(&admin), None)
            .await
            .error(StatusCode::CONFLICT);
        assert_eq!(e.code, Refusal::AppealsPending);
        assert_eq!(e.ids, [appeal.id.to_string()]);
    }
    // Excluded: the item leaves the possible points.
    let decided: Appeal = s
        .post_json(
            &format!("/api/v1/appeals/{}/decide", appeal.id),
            Some(&admin),
            &decision(Some("excluded")),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(decided.score.unwrap() > decided.approved_score.unwrap());
    s.call(
        Method::POST,
        "/api/v1/rating/2020-Q2/publish",
        Some(&admin),
        None,
    )
    .await
    .expect(StatusCode::OK);
    let e = s
        .post_json("/api/v1/appeals", Some(&manager), &appeal_body(&va, &light))
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::QuarterPublished);
}

#[tokio::test]
async fn the_median_time_to_fix_is_per_branch_over_verified_fixes_slowest_first() {
    use zakupka_core::wire::TimeToFix;
    let s = Server::new();
    let (office_a, branch_a, office_b, branch_b) = two_branches(&s);
    let (auditor, supervisor) = (s.login("auditor1").await, s.login("supervisor").await);
    let yes_no: Vec<String> = s
        .template
        .items()
        .filter(|i| matches!(i.kind, ItemKind::YesNo) && !i.critical)
        .map(|i| i.id.clone())
        .take(3)
        .collect();
    let failed: Vec<&str> = yes_no.iter().map(String::as_str).collect();
    let finished = Utc::now() - Duration::hours(2);
    let quarter = Quarter::of(finished);
    approve(
        &s,
        &auditor,
        &supervisor,
        &visit(&s, &office_a, &failed, finished),
    )
    .await;
    approve(
        &s,
        &auditor,
        &supervisor,
        &visit(&s, &office_b, &failed[..2], finished),
    )
    .await;
    // A fixed its three in 2, 4 and 9 days; B one in 10 days, the other is still open.
    let found = quarter.bounds().0 + Duration::days(1);
    let fixes = [
        (&branch_a, 0, 2),
        (&branch_a, 1, 4),
        (&branch_a, 2, 9),
        (&branch_b, 0, 10),
    ];
    s.db.blocking(|c| {
        c.execute(
            "UPDATE actions SET created_at = ?1",
            [zakupka_server::time::ts(found)],
        )?;
        for (branch, n, days) in fixes {
            c.execute(
                "UPDATE actions SET state = 'verified', closed_at = ?1
                 WHERE branch_id = ?2 AND item_id = ?3",
                rusqlite::params![
                    zakupka_server::time::ts(found + Duration::days(days)),
                    branch,
                    yes_no[n]
                ],
            )?;
        }
        Ok(())
    })
    .unwrap();
    let other = s.login("admin").await;
    let figures: TimeToFix = s
        .get(
            &format!("/api/v1/charts/{quarter}/time-to-fix"),
            Some(&other),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    let got: Vec<_> = figures
        .branches
        .iter()
        .map(|b| (b.branch_id.as_str(), b.fixed, b.open, b.median_days))
        .collect();
    assert_eq!(
        got,
        [
            (branch_b.as_str(), 1, 1, Some(10.0)),
            (branch_a.as_str(), 3, 0, Some(4.0)),
        ]
    );
}

#[tokio::test]
async fn the_demo_has_an_upheld_appeal_and_a_pending_one() {
    let s = Server::on(zakupka_server::Db::open_in_memory().unwrap(), None, &[]);
    let m = zakupka_server::demo::read_methodology(&seeds()).unwrap();
    let (t, d) = (s.template.clone(), s.directory.clone());
    s.db.blocking(|c| zakupka_server::demo::load_demo(c, &t, &d, &m, Utc::now()))
        .unwrap();
    let token = s
        .try_login("manager", "demo")
        .await
        .json::<zakupka_core::wire::LoginResponse>()
        .token;
    let list: Vec<Appeal> = s
        .get("/api/v1/appeals", Some(&token))
        .await
        .expect(StatusCode::OK)
        .json();
    let states: Vec<AppealState> = list.iter().map(|a| a.state).collect();
    assert_eq!(states, [AppealState::Pending, AppealState::Upheld]);
}
