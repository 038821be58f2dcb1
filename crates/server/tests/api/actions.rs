//! Corrective actions (issue 13): made when a visit is approved, seen by the branch's
//! manager without the auditor, planned, closed with evidence, verified or reopened by a
//! supervisor, each step once by its op id; re-checked by the office's next visit.

use zakupka_core::wire::{
    Action, ActionState, ManagerVisit, ManagerVisitDetail, RecheckOutcome, Refusal,
};
use zakupka_core::{GeoPoint, ItemKind};

use super::*;

/// A manager heading `branch`.
pub fn add_manager(s: &Server, login: &str, branch: &str) {
    let directory = s.directory.clone();
    s.db.blocking(|c| {
        auth::add_user(c, login, Role::Manager, &password(login), Utc::now())?;
        zakupka_server::assignments::set_branch(c, login, Some(branch), &directory)
    })
    .unwrap();
}

/// `visit` with every item answered so that nothing fails, then the given items failed.
pub fn with_failures(s: &Server, mut visit: Visit, failed: &[&str]) -> Visit {
    for item in s.template.items() {
        let pass = match &item.kind {
            ItemKind::YesNo => AnswerValue::Yes,
            ItemKind::Scale => AnswerValue::Scale(5),
            ItemKind::Number { .. } => AnswerValue::Number(0.0),
            ItemKind::Choice { options } => {
                let best = options
                    .iter()
                    .max_by(|a, b| a.score.total_cmp(&b.score))
                    .unwrap();
                AnswerValue::Choice(best.id.clone())
            }
        };
        let fail = match &item.kind {
            ItemKind::YesNo => AnswerValue::No,
            ItemKind::Scale => AnswerValue::Scale(1),
            ItemKind::Number { .. } => AnswerValue::Number(1000.0),
            ItemKind::Choice { options } => {
                let worst = options
                    .iter()
                    .min_by(|a, b| a.score.total_cmp(&b.score))
                    .unwrap();
                AnswerValue::Choice(worst.id.clone())
            }
        };
        let value = if failed.contains(&item.id.as_str()) {
            fail
        } else {
            pass
        };
        visit.answers.get_mut(&item.id).unwrap().value = Some(value);
    }
    visit
}

/// Three failed items of the real checklist: a critical yes/no, a plain yes/no, a number.
pub const FAILED: [&str; 3] = ["office.open-hours", "office.signage", "standards.wait-time"];

/// Approves the current revision of `visit` as the supervisor.
pub async fn approve(s: &Server, supervisor: &str, visit: &Visit) {
    let approve = serde_json::json!({ "decision": "approve", "revision": visit.revision });
    s.post_json(
        &format!("/api/v1/visits/{}/review", visit.id),
        Some(supervisor),
        &approve,
    )
    .await
    .expect(StatusCode::OK);
}

/// A JPEG whose EXIF says where it was taken (the bytes "Exif" and a GPS tag number).
fn jpeg_with_exif() -> Vec<u8> {
    let exif = b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\0";
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(exif);
    jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x00, 0xFF, 0xD9]);
    jpeg
}

/// A visit by auditor1 to office 3 with the three failures, a located photo on the first
/// and positions at start and finish, pushed, its photo uploaded, approved.
async fn approved_visit(s: &Server, auditor: &str, supervisor: &str) -> (Visit, Vec<u8>) {
    let mut visit = with_failures(s, s.visit("auditor1"), &FAILED);
    visit.office_id = s.directory.offices[3].id.clone();
    let photo = jpeg_with_exif();
    let answer = visit.answers.get_mut(FAILED[1]).unwrap();
    answer.comment = "Вывески нет".into();
    answer.photos = vec![zakupka_core::PhotoRef {
        sha256: sha256(&photo),
        mime: "image/jpeg".into(),
        size: photo.len() as u64,
        taken_at: None,
        position: GeoPoint::new(54.9123, 37.4156),
    }];
    visit.start_location = Some(zakupka_core::presence::Location {
        lat: 54.9123,
        lon: 37.4156,
        accuracy_m: 12.0,
        at: visit.started_at,
    });
    s.push_ok(auditor, &visit).await;
    s.put_photo(Some(auditor), &sha256(&photo), &photo)
        .await
        .expect(StatusCode::CREATED);
    approve(s, supervisor, &visit).await;
    (visit, photo)
}

async fn actions(s: &Server, token: &str) -> Vec<Action> {
    s.get("/api/v1/actions", Some(token))
        .await
        .expect(StatusCode::OK)
        .json()
}

#[tokio::test]
async fn an_approved_visit_with_three_failed_items_gives_the_manager_three_anonymous_actions() {
    let s = Server::new();
    let (a1, sup) = (s.login("auditor1").await, s.login("supervisor").await);
    let office = s.directory.offices[3].clone();
    add_manager(&s, "manager", &office.branch_id);
    add_manager(
        &s,
        "faraway",
        &super::scope::other_branch(&s, &office.branch_id),
    );
    let manager = s.login("manager").await;
    let faraway = s.login("faraway").await;
    assert!(
        actions(&s, &manager).await.is_empty(),
        "nothing before the approval"
    );

    let (visit, photo) = approved_visit(&s, &a1, &sup).await;
    let list = actions(&s, &manager).await;
    let items: BTreeSet<&str> = list.iter().map(|a| a.item_id.as_str()).collect();
    assert_eq!(items, BTreeSet::from(FAILED));
    let today = Utc::now().date_naive();
    for a in &list {
        assert_eq!(a.state, ActionState::Open);
        assert_eq!(a.office_id, office.id);
        assert_eq!(a.visit_id, visit.id);
        assert!(!a.overdue);
        // The open hours are critical: a week; the rest a month (the demo methodology).
        let days = if a.item_id == FAILED[0] { 7 } else { 30 };
        assert_eq!(a.due, today + Duration::days(days), "{}", a.item_id);
    }
    assert!(
        list.iter()
            .find(|a| a.item_id == FAILED[0])
            .unwrap()
            .critical
    );
    let signage = list.iter().find(|a| a.item_id == FAILED[1]).unwrap();
    assert!(!signage.critical);
    assert_eq!(signage.finding.answer, AnswerValue::No);
    assert_eq!(signage.finding.comment, "Вывески нет");
    assert_eq!(signage.finding.photos[0].sha256, sha256(&photo));
    // Supervisors see them too; another branch's manager and auditors do not.
    assert_eq!(actions(&s, &sup).await.len(), 3);
    assert!(actions(&s, &faraway).await.is_empty());
    let uri = format!("/api/v1/actions/{}", signage.id);
    s.get(&uri, Some(&faraway))
        .await
        .expect(StatusCode::NOT_FOUND);
    let refused = s
        .get("/api/v1/actions", Some(&a1))
        .await
        .error(StatusCode::FORBIDDEN);
    assert_eq!(refused.code, Refusal::RoleForbidden);

    // The manager's visits: this one, without a trace of who made it or where they stood.
    let visits: Vec<ManagerVisit> = s
        .get("/api/v1/manager/visits", Some(&manager))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].actions, 3);
    let detail_uri = format!("/api/v1/manager/visits/{}", visit.id);
    let detail: ManagerVisitDetail = s
        .get(&detail_uri, Some(&manager))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(detail.action_ids.len(), 3);
    s.get(&detail_uri, Some(&faraway))
        .await
        .expect(StatusCode::NOT_FOUND);
    let photo_uris = [
        format!("/api/v1/actions/{}/photos/{}", signage.id, sha256(&photo)),
        format!(
            "/api/v1/manager/visits/{}/photos/{}",
            visit.id,
            sha256(&photo)
        ),
    ];
    let mut answers = vec![
        s.get("/api/v1/actions", Some(&manager)).await,
        s.get(&uri, Some(&manager)).await,
        s.get("/api/v1/manager/visits", Some(&manager)).await,
        s.get(&detail_uri, Some(&manager)).await,
    ];
    for photo_uri in &photo_uris {
        answers.push(s.get(photo_uri, Some(&manager)).await);
    }
    for reply in &answers {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let text = reply.text();
        for secret in ["auditor1", "54.91", "37.41", "Exif", "position", "device"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // The photo is still an image, only without its metadata; the supervisor's copy is
    // the auditor's upload as it was.
    assert!(answers[4].body.starts_with(&[0xFF, 0xD8]));
    let original = s
        .get(&format!("/api/v1/photos/{}", sha256(&photo)), Some(&sup))
        .await
        .expect(StatusCode::OK);
    assert_eq!(original.body.as_ref(), photo.as_slice());
    // The visits' own endpoints are not the manager's.
    for uri in [
        "/api/v1/visits".to_owned(),
        format!("/api/v1/visits/{}", visit.id),
        format!("/api/v1/visits/{}/log", visit.id),
        format!("/api/v1/photos/{}", sha256(&photo)),
        "/api/v1/assignments".to_owned(),
        "/api/v1/auditors".to_owned(),
    ] {
        s.get(&uri, Some(&manager))
            .await
            .expect(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_action_is_planned_closed_and_verified_each_step_once_and_in_the_audit_log() {
    let s = Server::new();
    let (a1, sup) = (s.login("auditor1").await, s.login("supervisor").await);
    add_manager(&s, "manager", &s.directory.offices[3].branch_id);
    let manager = s.login("manager").await;
    approved_visit(&s, &a1, &sup).await;
    let action = actions(&s, &manager).await.remove(0);
    let uri = |step: &str| format!("/api/v1/actions/{}/{step}", action.id);
    let audited = || s.count("audit_log");
    let before = audited();

    // Only the manager plans; the same op again answers the same and changes nothing.
    let plan = serde_json::json!({ "op_id": Uuid::now_v7(), "plan": "Повесить табличку" });
    s.post_json(&uri("plan"), Some(&sup), &plan)
        .await
        .expect(StatusCode::FORBIDDEN);
    let planned: Action = s
        .post_json(&uri("plan"), Some(&manager), &plan)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(planned.state, ActionState::Planned);
    assert_eq!(planned.plan, "Повесить табличку");
    assert_eq!(audited(), before + 1);
    let again: Action = s
        .post_json(&uri("plan"), Some(&manager), &plan)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(again, planned);
    assert_eq!(audited(), before + 1);
    let mut reused = plan.clone();
    reused["plan"] = "Другое".into();
    let e = s
        .post_json(&uri("plan"), Some(&manager), &reused)
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::OpReused);
    let empty = serde_json::json!({ "op_id": Uuid::now_v7(), "plan": "  " });
    let e = s
        .post_json(&uri("plan"), Some(&manager), &empty)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.code, Refusal::CommentRequired);

    // Verifying before it is closed is the wrong state.
    let verify = serde_json::json!({ "op_id": Uuid::now_v7() });
    let e = s
        .post_json(&uri("verify"), Some(&sup), &verify)
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::WrongActionState);

    // Closed with evidence and a photo, uploaded after (checked like a visit's).
    let done = serde_json::json!({
        "op_id": Uuid::now_v7(),
        "evidence": "Табличка висит",
        "photos": [{ "sha256": sha256(PNG), "mime": "image/png" }],
    });
    let closed: Action = s
        .post_json(&uri("done"), Some(&manager), &done)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(closed.state, ActionState::Done);
    assert_eq!(closed.closed_by.as_deref(), Some("manager"));
    assert_eq!(closed.missing_photos, [sha256(PNG)]);
    let photo_uri = format!("/api/v1/actions/{}/photos/{}", action.id, sha256(PNG));
    let put = |token: String, bytes: Vec<u8>| {
        let photo_uri = photo_uri.clone();
        let s = &s;
        async move {
            s.call(
                Method::PUT,
                &photo_uri,
                Some(&token),
                Some(("image/png", bytes)),
            )
            .await
        }
    };
    put(sup.clone(), PNG.to_vec())
        .await
        .expect(StatusCode::FORBIDDEN);
    let e = put(manager.clone(), b"not this".to_vec())
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.code, Refusal::Invalid);
    put(manager.clone(), PNG.to_vec())
        .await
        .expect(StatusCode::CREATED);
    put(manager.clone(), PNG.to_vec())
        .await
        .expect(StatusCode::OK);
    let unnamed = jpeg_with_exif();
    let other = format!("/api/v1/actions/{}/photos/{}", action.id, sha256(&unnamed));
    let e = s
        .call(
            Method::PUT,
            &other,
            Some(&manager),
            Some(("image/jpeg", unnamed.clone())),
        )
        .await
        .error(StatusCode::NOT_FOUND);
    assert_eq!(e.code, Refusal::PhotoNotInAction);
    let got = s.get(&photo_uri, Some(&sup)).await.expect(StatusCode::OK);
    assert_eq!(got.body.as_ref(), PNG);
    let now: Action = s
        .get(&format!("/api/v1/actions/{}", action.id), Some(&sup))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(now.missing_photos.is_empty());

    // A closed action is not planned again; a reopen needs a reason; then it is open.
    let replan = serde_json::json!({ "op_id": Uuid::now_v7(), "plan": "Ещё раз" });
    let e = s
        .post_json(&uri("plan"), Some(&manager), &replan)
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::WrongActionState);
    let no_reason = serde_json::json!({ "op_id": Uuid::now_v7(), "reason": "" });
    let e = s
        .post_json(&uri("reopen"), Some(&sup), &no_reason)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.code, Refusal::ReasonRequired);
    let reopen = serde_json::json!({ "op_id": Uuid::now_v7(), "reason": "Не видно таблички" });
    s.post_json(&uri("reopen"), Some(&manager), &reopen)
        .await
        .expect(StatusCode::FORBIDDEN);
    let reopened: Action = s
        .post_json(&uri("reopen"), Some(&sup), &reopen)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(reopened.state, ActionState::Open);
    assert_eq!(reopened.reopen_reason.as_deref(), Some("Не видно таблички"));
    assert_eq!(reopened.reopened, 1);

    // Closed again and verified by the supervisor.
    let done2 = serde_json::json!({ "op_id": Uuid::now_v7(), "evidence": "Табличка на месте" });
    s.post_json(&uri("done"), Some(&manager), &done2)
        .await
        .expect(StatusCode::OK);
    let verified: Action = s
        .post_json(&uri("verify"), Some(&sup), &verify)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(verified.state, ActionState::Verified);
    assert_eq!(verified.verified_by.as_deref(), Some("supervisor"));

    let steps: Vec<String> =
        s.db.blocking(|c| {
            let mut stmt =
                c.prepare("SELECT action FROM audit_log WHERE action LIKE 'action%' ORDER BY seq")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert_eq!(
        steps,
        [
            "action_plan",
            "action_done",
            "action_reopen",
            "action_done",
            "action_verify"
        ]
    );
}

#[tokio::test]
async fn an_action_open_past_its_due_day_is_overdue_and_listed_first() {
    let s = Server::new();
    let (a1, sup) = (s.login("auditor1").await, s.login("supervisor").await);
    add_manager(&s, "manager", &s.directory.offices[3].branch_id);
    let manager = s.login("manager").await;
    approved_visit(&s, &a1, &sup).await;
    let last = actions(&s, &manager).await.pop().unwrap();
    assert!(actions(&s, &manager).await.iter().all(|a| !a.overdue));
    s.db.blocking(|c| {
        Ok(c.execute(
            "UPDATE actions SET due = date('now', '-1 day') WHERE id = ?1",
            [last.id.to_string()],
        )?)
    })
    .unwrap();
    let list = actions(&s, &manager).await;
    assert_eq!(list[0].id, last.id);
    assert!(list[0].overdue);
    assert!(list[1..].iter().all(|a| !a.overdue));
    let overdue_only: Vec<Action> = s
        .get("/api/v1/actions?state=open", Some(&manager))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(overdue_only.len(), 3);
}

#[tokio::test]
async fn the_next_visit_rechecks_the_items_and_confirms_a_fix_or_finds_a_repeat() {
    let s = Server::new();
    let (a1, a2) = (s.login("auditor1").await, s.login("auditor2").await);
    let sup = s.login("supervisor").await;
    add_manager(&s, "manager", &s.directory.offices[3].branch_id);
    let manager = s.login("manager").await;
    approved_visit(&s, &a1, &sup).await;
    let list = actions(&s, &manager).await;
    // The manager closes two of the three.
    for a in list.iter().filter(|a| a.item_id != FAILED[2]) {
        let done = serde_json::json!({ "op_id": Uuid::now_v7(), "evidence": "Исправлено" });
        s.post_json(
            &format!("/api/v1/actions/{}/done", a.id),
            Some(&manager),
            &done,
        )
        .await
        .expect(StatusCode::OK);
    }
    // auditor2's assignment to the office says what to re-check.
    s.post_json("/api/v1/assignments", Some(&sup), &s.assignment("auditor2"))
        .await
        .expect(StatusCode::CREATED);
    let assigned: Vec<zakupka_core::wire::Assignment> = s
        .get("/api/v1/assignments", Some(&a2))
        .await
        .expect(StatusCode::OK)
        .json();
    let recheck: BTreeSet<&str> = assigned[0].recheck.iter().map(String::as_str).collect();
    assert_eq!(recheck, BTreeSet::from(FAILED));

    // The next visit: the open hours fixed, the signage failed again, the wait still long.
    let mut next = with_failures(&s, s.visit("auditor2"), &FAILED[1..]);
    next.office_id = s.directory.offices[3].id.clone();
    // A visit made before the findings re-checks nothing: this one starts after them.
    next.started_at = Utc::now();
    next.finished_at = Some(next.started_at + Duration::minutes(5));
    s.push_ok(&a2, &next).await;
    approve(&s, &sup, &next).await;
    let after = actions(&s, &manager).await;
    assert_eq!(after.len(), 3, "re-checked items make no new actions");
    let by_item = |item: &str| after.iter().find(|a| a.item_id == item).unwrap().clone();
    let fixed = by_item(FAILED[0]);
    assert_eq!(fixed.recheck, Some(RecheckOutcome::FixConfirmed));
    assert_eq!(fixed.state, ActionState::Done);
    let repeat = by_item(FAILED[1]);
    assert_eq!(repeat.recheck, Some(RecheckOutcome::Repeat));
    assert_eq!(repeat.state, ActionState::Open);
    assert_eq!(repeat.repeats, 1);
    let unfixed = by_item(FAILED[2]);
    assert_eq!(
        (unfixed.state, unfixed.repeats, unfixed.recheck),
        (ActionState::Open, 0, None)
    );
    // Which visit re-checked is nowhere in what the manager gets of the actions.
    let text = s.get("/api/v1/actions", Some(&manager)).await.text();
    assert!(!text.contains(&next.id.to_string()), "{text}");

    // The branch's loop in the quarter, for the rating: all three due today, two closed
    // in time (one of them failed again since); two re-checked, one a repeat.
    s.db.blocking(|c| Ok(c.execute("UPDATE actions SET due = date('now')", [])?))
        .unwrap();
    let branch = s.directory.offices[3].branch_id.clone();
    let figures =
        s.db.blocking(|c| zakupka_server::actions::loop_figures(c, Quarter::of(Utc::now())))
            .unwrap();
    let f = figures[&branch];
    assert_eq!((f.due, f.on_time, f.rechecked, f.repeats), (3, 2, 2, 1));
    assert_eq!(figures.len(), 1, "other branches have none");
}

/// The demo with its users and data, on a server's database, at `now`.
fn demo_server(now: chrono::DateTime<Utc>) -> Server {
    let s = Server::on(Db::open_in_memory().unwrap(), None, &[]);
    let m = zakupka_server::demo::read_methodology(&seeds()).unwrap();
    let (t, d) = (s.template.clone(), s.directory.clone());
    s.db.blocking(|c| zakupka_server::demo::load_demo(c, &t, &d, &m, now))
        .unwrap();
    s
}

#[tokio::test]
async fn the_demo_manager_of_serpukhov_sees_actions_in_every_state() {
    let now = Utc::now();
    let s = demo_server(now);
    let reply = s.try_login("manager", "demo").await.expect(StatusCode::OK);
    let login: LoginResponse = reply.json();
    assert_eq!(login.role, Role::Manager);
    let list = actions(&s, &login.token).await;
    assert!(list.iter().all(|a| a.branch_id == "serpukhov"));
    let states: BTreeSet<&str> = list.iter().map(|a| a.state.as_str()).collect();
    assert_eq!(
        states,
        BTreeSet::from(["open", "planned", "done", "verified"])
    );
    assert!(list.iter().any(|a| a.overdue));
    assert!(
        list.iter()
            .any(|a| a.state == ActionState::Open && !a.overdue)
    );
    assert!(list.iter().any(|a| a.reopened > 0 && a.repeats == 0));
    assert!(list.iter().any(|a| a.repeats > 0));
    let visits: Vec<ManagerVisit> = s
        .get("/api/v1/manager/visits", Some(&login.token))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(!visits.is_empty());
    // The same demo again gives the same actions.
    let again = demo_server(now);
    let token = again
        .try_login("manager", "demo")
        .await
        .json::<LoginResponse>()
        .token;
    let shape = |list: Vec<Action>| {
        list.into_iter()
            .map(|a| (a.office_id, a.item_id, a.state, a.due, a.overdue, a.repeats))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(actions(&again, &token).await), shape(list));
}

/// A visit made before the findings (approved after them) is no re-check of them: its own
/// failures become actions of their own, and the earlier ones stay as they were.
#[tokio::test]
async fn a_visit_made_before_the_findings_rechecks_nothing() {
    let s = Server::new();
    let (a1, a2) = (s.login("auditor1").await, s.login("auditor2").await);
    let sup = s.login("supervisor").await;
    approved_visit(&s, &a1, &sup).await;
    let mut earlier = with_failures(&s, s.visit("auditor2"), &FAILED[1..2]);
    earlier.office_id = s.directory.offices[3].id.clone();
    earlier.started_at = Utc::now() - Duration::days(2);
    earlier.finished_at = Some(earlier.started_at + Duration::minutes(40));
    s.push_ok(&a2, &earlier).await;
    approve(&s, &sup, &earlier).await;
    let list = actions(&s, &sup).await;
    assert_eq!(list.len(), 4);
    assert!(list.iter().all(|a| a.recheck.is_none() && a.repeats == 0));
    assert_eq!(list.iter().filter(|a| a.visit_id == earlier.id).count(), 1);
}
