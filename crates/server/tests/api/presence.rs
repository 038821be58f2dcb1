//! Presence evidence and conflicts at the door: flags judged at push (never a refusal),
//! the queue's filter by flag, positions for supervisors only, own-branch visits left out
//! of the rating until included with a reason, and each auditor's share of flagged visits.

use super::*;
use zakupka_core::presence::{Location, PresenceFlag};
use zakupka_core::rating::NotRated;
use zakupka_core::wire::{AuditorFlags, Inclusion, Rating, Refusal, ReviewRequest, VisitDetail};

/// A visit of `auditor` to `office`, 40 minutes ending half an hour ago, the device at
/// the office at start and finish (`offset_deg` east of it, 0.032° ≈ 2 km).
fn visit_at(s: &Server, auditor: &str, office: &str, offset_deg: f64) -> Visit {
    let mut v = s.visit(auditor);
    v.office_id = office.to_owned();
    let finished = Utc::now() - Duration::minutes(30);
    v.started_at = finished - Duration::minutes(40);
    v.finished_at = Some(finished);
    let at = s.directory.office(office).unwrap().position.unwrap();
    let fix = |when| Location {
        lat: at.lat,
        lon: at.lon + offset_deg,
        accuracy_m: 20.0,
        at: when,
    };
    v.start_location = Some(fix(v.started_at));
    v.finish_location = Some(fix(finished));
    v
}

async fn queue(s: &Server, token: &str, query: &str) -> Vec<ServerVisit> {
    s.get(&format!("/api/v1/visits?{query}"), Some(token))
        .await
        .expect(StatusCode::OK)
        .json::<VisitPage>()
        .visits
}

fn flags_of(list: &[ServerVisit], id: Uuid) -> Vec<PresenceFlag> {
    list.iter()
        .find(|v| v.visit_id == id)
        .map(|v| v.presence_flags.clone())
        .unwrap_or_else(|| panic!("{id} not in the list"))
}

#[tokio::test]
async fn flags_are_judged_at_push_shown_in_the_queue_and_filtered_by() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let near = visit_at(&s, "auditor1", "klin-1", 0.0);
    let far = visit_at(&s, "auditor1", "klin-1", 0.032);
    let mut blind = visit_at(&s, "auditor1", "klin-1", 0.0);
    (blind.start_location, blind.finish_location) = (None, None);
    let mut short = visit_at(&s, "auditor1", "klin-1", 0.0);
    short.finished_at = Some(short.started_at + Duration::minutes(5));
    let mut photo = s.with_photo(visit_at(&s, "auditor1", "klin-1", 0.0), PNG);
    // The camera's clock reads the start's UTC time: by Moscow time, three hours early.
    let taken = photo.started_at.naive_utc();
    for a in photo.answers.values_mut() {
        for p in &mut a.photos {
            p.taken_at = Some(taken);
        }
    }
    for v in [&near, &far, &blind, &short, &photo] {
        s.push_ok(&token, v).await;
    }
    let sup = s.login("supervisor").await;
    let all = queue(&s, &sup, "").await;
    assert_eq!(flags_of(&all, near.id), vec![]);
    assert_eq!(flags_of(&all, far.id), vec![PresenceFlag::Far]);
    assert_eq!(flags_of(&all, blind.id), vec![PresenceFlag::NoPosition]);
    assert_eq!(flags_of(&all, short.id), vec![PresenceFlag::TooShort]);
    assert_eq!(
        flags_of(&all, photo.id),
        vec![PresenceFlag::PhotoOutsideVisit]
    );
    let only_far: Vec<Uuid> = queue(&s, &sup, "flag=far")
        .await
        .iter()
        .map(|v| v.visit_id)
        .collect();
    assert_eq!(only_far, vec![far.id]);
    let detail: VisitDetail = s
        .get(&format!("/api/v1/visits/{}", far.id), Some(&sup))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(detail.presence_flags, vec![PresenceFlag::Far]);
    let e = s
        .get("/api/v1/visits?flag=close", Some(&sup))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(
        (e.field.as_deref(), e.code),
        (Some("flag"), Refusal::Invalid)
    );
    // A position that is not on Earth is a malformed visit, not a flag.
    let mut bad = visit_at(&s, "auditor1", "klin-1", 0.0);
    bad.start_location.as_mut().unwrap().lat = 123.0;
    let e = s
        .push(&token, vec![bad])
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("visits[0].start_location"));
}

#[tokio::test]
async fn positions_are_shown_to_supervisors_only() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let mut visit = s.with_photo(visit_at(&s, "auditor1", "klin-1", 0.0), PNG);
    for a in visit.answers.values_mut() {
        for p in &mut a.photos {
            p.position = zakupka_core::GeoPoint::new(56.33, 36.73);
        }
    }
    s.push_ok(&token, &visit).await;
    let has_positions = |v: &Visit| {
        (
            v.start_location.is_some() && v.finish_location.is_some(),
            v.answers
                .values()
                .flat_map(|a| &a.photos)
                .any(|p| p.position.is_some()),
        )
    };
    let detail = format!("/api/v1/visits/{}", visit.id);
    let revisions = format!("{detail}/revisions");
    for (login, sees) in [
        ("supervisor", (true, true)),
        ("auditor1", (false, false)),
        ("admin", (false, false)),
    ] {
        let t = s.login(login).await;
        let d: VisitDetail = s.get(&detail, Some(&t)).await.expect(StatusCode::OK).json();
        assert_eq!(has_positions(&d.visit), sees, "{login}: detail");
        let r: Vec<Visit> = s
            .get(&revisions, Some(&t))
            .await
            .expect(StatusCode::OK)
            .json();
        assert_eq!(has_positions(&r[0]), sees, "{login}: revisions");
    }
    // The pull carries review states, never a visit's content.
    let pull = serde_json::to_string(&s.pull(&token, 0).await).unwrap();
    assert!(!pull.contains("start_location") && !pull.contains("accuracy_m"));
}

/// Approved visits of `branch` in the current quarter's rating: rated rows list them, an
/// unrated branch says how many it has.
async fn approved_in_rating(s: &Server, token: &str, branch: &str) -> u32 {
    let q = Quarter::of(Utc::now());
    let r: Rating = s
        .get(&format!("/api/v1/rating?quarter={q}"), Some(token))
        .await
        .expect(StatusCode::OK)
        .json();
    for t in &r.tables {
        if let Some(row) = t.rows.iter().find(|row| row.branch_id == branch) {
            return row.visits.len() as u32;
        }
        if let Some((_, why)) = t.not_rated.iter().find(|(b, _)| b == branch) {
            return match why {
                NotRated::TooFewVisits { approved, .. } => *approved,
                other => panic!("{branch}: {other:?}"),
            };
        }
    }
    panic!("{branch} is not in the rating")
}

#[tokio::test]
async fn an_own_branch_visit_is_flagged_and_out_of_the_rating_until_included_with_a_reason() {
    let s = Server::new();
    s.db.blocking(|c| {
        zakupka_server::assignments::set_branch(c, "auditor1", Some("klin"), &s.directory)
    })
    .unwrap();
    let token = s.login("auditor1").await;
    let own = visit_at(&s, "auditor1", "klin-1", 0.0);
    let other = visit_at(&s, "auditor1", "dubna-1", 0.0);
    s.push_ok(&token, &own).await;
    s.push_ok(&token, &other).await;
    let sup = s.login("supervisor").await;
    let list = queue(&s, &sup, "flag=own_branch").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].visit_id, own.id);
    assert_eq!(list[0].presence_flags, vec![PresenceFlag::OwnBranch]);
    let approve = ReviewRequest {
        decision: zakupka_core::wire::Decision::Approve,
        revision: 1,
        comment: String::new(),
        item_comments: Default::default(),
    };
    for id in [own.id, other.id] {
        s.post_json(&format!("/api/v1/visits/{id}/review"), Some(&sup), &approve)
            .await
            .expect(StatusCode::OK);
    }
    assert_eq!(approved_in_rating(&s, &sup, "klin").await, 0, "left out");
    assert_eq!(approved_in_rating(&s, &sup, "dubna").await, 1);

    let include = format!("/api/v1/visits/{}/include", own.id);
    let body = |reason: &str, revision: Option<u32>| serde_json::json!({"reason": reason, "revision": revision});
    let e = s
        .post_json(&include, Some(&sup), &body("  ", Some(1)))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(
        (e.code, e.field.as_deref()),
        (Refusal::ReasonRequired, Some("reason"))
    );
    let e = s
        .post_json(&include, Some(&sup), &body("ok", Some(2)))
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::RevisionChanged);
    let e = s
        .post_json(&include, Some(&token), &body("mine", Some(1)))
        .await
        .error(StatusCode::FORBIDDEN);
    assert_eq!(e.code, Refusal::RoleForbidden);
    let e = s
        .post_json(
            &format!("/api/v1/visits/{}/include", other.id),
            Some(&sup),
            &body("why not", None),
        )
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::NotLeftOut);
    assert_eq!(
        approved_in_rating(&s, &sup, "klin").await,
        0,
        "refusals change nothing"
    );
    assert_eq!(s.count("audit_log"), 0);

    let reason = "Офис передан в Дубну с 1 ноября";
    let inclusion: Inclusion = s
        .post_json(&include, Some(&sup), &body(reason, Some(1)))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        (inclusion.by.as_str(), inclusion.reason.as_str()),
        ("supervisor", reason)
    );
    assert_eq!(approved_in_rating(&s, &sup, "klin").await, 1, "included");
    let detail: VisitDetail = s
        .get(&format!("/api/v1/visits/{}", own.id), Some(&sup))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(detail.included, Some(inclusion));
    assert_eq!(
        detail.presence_flags,
        vec![PresenceFlag::OwnBranch],
        "still flagged"
    );
    let logged: String =
        s.db.blocking(|c| {
            Ok(c.query_row(
                "SELECT actor || ' ' || action || ' ' || detail FROM audit_log",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(
        logged.starts_with("supervisor include_in_rating"),
        "{logged}"
    );
    assert!(logged.contains(reason) && logged.contains(&own.id.to_string()));
    let e = s
        .post_json(&include, Some(&sup), &body(reason, Some(1)))
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::NotLeftOut, "included once");
}

#[tokio::test]
async fn an_auditor_without_a_branch_is_never_flagged_own_branch() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let v = visit_at(&s, "auditor1", "klin-1", 0.0);
    s.push_ok(&token, &v).await;
    let sup = s.login("supervisor").await;
    assert!(queue(&s, &sup, "flag=own_branch").await.is_empty());
}

#[tokio::test]
async fn a_visit_without_an_assignment_in_an_assigned_quarter_is_flagged() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let free = visit_at(&s, "auditor1", "klin-1", 0.0);
    s.push_ok(&token, &free).await;
    let sup = s.login("supervisor").await;
    let request = s.assignment("auditor1");
    s.post_json("/api/v1/assignments", Some(&sup), &request)
        .await
        .expect(StatusCode::CREATED);
    let assigned = visit_at(&s, "auditor1", &request.office_id, 0.0);
    let mut elsewhere = visit_at(&s, "auditor1", "klin-1", 0.0);
    elsewhere.id = Uuid::now_v7();
    s.push_ok(&token, &assigned).await;
    s.push_ok(&token, &elsewhere).await;
    let list = queue(&s, &sup, "").await;
    assert_eq!(flags_of(&list, free.id), vec![], "no assignments then");
    assert_eq!(flags_of(&list, assigned.id), vec![]);
    assert_eq!(
        flags_of(&list, elsewhere.id),
        vec![PresenceFlag::Unassigned]
    );
}

#[tokio::test]
async fn supervisors_see_each_auditors_share_of_flagged_visits() {
    let s = Server::new();
    let one = s.login("auditor1").await;
    let two = s.login("auditor2").await;
    s.push_ok(&one, &visit_at(&s, "auditor1", "klin-1", 0.0))
        .await;
    s.push_ok(&one, &visit_at(&s, "auditor1", "klin-1", 0.032))
        .await;
    s.push_ok(&two, &visit_at(&s, "auditor2", "klin-1", 0.0))
        .await;
    let uri = format!(
        "/api/v1/presence/auditors?quarter={}",
        Quarter::of(Utc::now())
    );
    let sup = s.login("supervisor").await;
    let shares: Vec<AuditorFlags> = s.get(&uri, Some(&sup)).await.expect(StatusCode::OK).json();
    let seen: Vec<(&str, u32, u32)> = shares
        .iter()
        .map(|a| (a.auditor.as_str(), a.visits, a.flagged))
        .collect();
    assert_eq!(seen, vec![("auditor1", 2, 1), ("auditor2", 1, 0)]);
    assert_eq!(shares[0].share(), 0.5);
    assert_eq!(shares[0].by_flag.get(&PresenceFlag::Far), Some(&1));
    let e = s.get(&uri, Some(&one)).await.error(StatusCode::FORBIDDEN);
    assert_eq!(e.code, Refusal::RoleForbidden);
    s.get("/api/v1/presence/auditors?quarter=someday", Some(&sup))
        .await
        .error(StatusCode::BAD_REQUEST);
}

/// The demo shows each kind of presence flag on first start: two visits far from their
/// office, one too short, one to its auditor's own branch (left out of the rating); none
/// of its past, published visits is an own-branch one.
#[test]
fn the_demo_has_far_short_and_own_branch_visits() {
    let db = Db::open_in_memory().unwrap();
    let (t, d) = zakupka_server::demo::read_seeds(&seeds()).unwrap();
    let m = zakupka_server::demo::read_methodology(&seeds()).unwrap();
    let flags: Vec<Vec<PresenceFlag>> = db
        .blocking(|c| {
            zakupka_server::demo::publish(c, &t, &d)?;
            zakupka_server::rating::store_methodology(c, &m)?;
            zakupka_server::demo::load_demo(c, &t, &d, &m, Utc::now())?;
            let mut stmt = c.prepare("SELECT presence_flags FROM visits")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows
                .map(|r| serde_json::from_str(&r.unwrap()).unwrap())
                .collect())
        })
        .unwrap();
    let count = |f| flags.iter().filter(|v| v.contains(&f)).count();
    assert_eq!(count(PresenceFlag::Far), 2);
    assert_eq!(count(PresenceFlag::TooShort), 1);
    assert_eq!(count(PresenceFlag::OwnBranch), 1);
    assert_eq!(count(PresenceFlag::NoPosition), 0);
    assert_eq!(
        flags.iter().filter(|v| !v.is_empty()).count(),
        4,
        "{flags:?}"
    );
}
