//! Assignments (who visits which office, what is refused) and the review queue's filters.

use super::*;

fn set_branch(s: &Server, login: &str, branch: &str) {
    s.db.blocking(|c| {
        zakupka_server::assignments::set_branch(c, login, Some(branch), &s.directory)
    })
    .unwrap();
}

async fn assign(s: &Server, token: &str, request: &AssignmentRequest) -> Reply {
    s.post_json("/api/v1/assignments", Some(token), request)
        .await
}

fn assignment_count(s: &Server) -> i64 {
    s.db.blocking(|c| Ok(c.query_row("SELECT count(*) FROM assignments", [], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test]
async fn an_assignment_reaches_only_its_auditor_and_is_done_once_the_visit_arrives() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let a1 = s.login("auditor1").await;
    let a2 = s.login("auditor2").await;
    let request = s.assignment("auditor1");
    let created: AssignmentResponse = assign(&s, &sup, &request)
        .await
        .expect(StatusCode::CREATED)
        .json();
    let assignment = created.assignment.expect("stored");
    assert!(created.warnings.is_empty());
    assert_eq!(assignment.status, AssignmentStatus::Open);
    assert_eq!(assignment.created_by, "supervisor");

    let mine: Vec<Assignment> = s
        .get("/api/v1/assignments", Some(&a1))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(mine, vec![assignment.clone()]);
    // auditor2 asks for auditor1's: gets their own, none.
    let theirs: Vec<Assignment> = s
        .get("/api/v1/assignments?auditor=auditor1", Some(&a2))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(theirs.is_empty());

    // The visit of that office arrives: the assignment is done.
    let mut visit = s.visit("auditor1");
    visit.office_id = request.office_id.clone();
    s.push_ok(&a1, &visit).await;
    let mine: Vec<Assignment> = s
        .get("/api/v1/assignments", Some(&a1))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(mine[0].status, AssignmentStatus::Done);

    // Cancelled, it leaves the list.
    s.call(
        Method::DELETE,
        &format!("/api/v1/assignments/{}", assignment.id),
        Some(&sup),
        None,
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    let mine: Vec<Assignment> = s
        .get("/api/v1/assignments", Some(&a1))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(mine.is_empty());
}

#[tokio::test]
async fn an_auditor_is_never_assigned_an_office_of_their_own_branch() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let request = s.assignment("auditor1");
    let branch = s
        .directory
        .office(&request.office_id)
        .unwrap()
        .branch_id
        .clone();
    set_branch(&s, "auditor1", &branch);
    for dry_run in [true, false] {
        let reply = assign(
            &s,
            &sup,
            &AssignmentRequest {
                dry_run,
                ..request.clone()
            },
        )
        .await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error.field.as_deref(), Some("auditor"));
        assert!(error.message.contains("own branch"), "{}", error.message);
        assert!(error.message.contains(&branch), "{}", error.message);
    }
    assert_eq!(assignment_count(&s), 0);
    // Another branch's office is fine.
    let elsewhere = s
        .directory
        .offices
        .iter()
        .find(|o| o.branch_id != branch)
        .unwrap();
    assign(
        &s,
        &sup,
        &AssignmentRequest {
            office_id: elsewhere.id.clone(),
            ..request
        },
    )
    .await
    .expect(StatusCode::CREATED);
    // The supervisor's auditor list says where each works.
    let auditors: Vec<Auditor> = s
        .get("/api/v1/auditors", Some(&sup))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        auditors,
        vec![
            Auditor {
                login: "auditor1".into(),
                branch_id: Some(branch)
            },
            Auditor {
                login: "auditor2".into(),
                branch_id: None
            },
        ]
    );
}

#[tokio::test]
async fn the_same_office_in_consecutive_quarters_warns_but_is_allowed() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let a1 = s.login("auditor1").await;
    let this = s.assignment("auditor1");
    // auditor1 visited the office last quarter.
    let mut visit = s.visit("auditor1");
    visit.office_id = this.office_id.clone();
    let last = this.quarter.previous();
    let shift = visit.started_at - (last.bounds().0 + Duration::days(10));
    visit.started_at -= shift;
    visit.finished_at = visit.finished_at.map(|t| t - shift);
    for a in visit.answers.values_mut() {
        a.updated_at -= shift;
    }
    s.push_ok(&a1, &visit).await;

    let preview: AssignmentResponse = assign(
        &s,
        &sup,
        &AssignmentRequest {
            dry_run: true,
            ..this.clone()
        },
    )
    .await
    .expect(StatusCode::OK)
    .json();
    assert_eq!(preview.assignment, None);
    assert_eq!(
        preview.warnings,
        vec![AssignmentWarning::ConsecutiveQuarter { quarter: last }]
    );
    assert_eq!(assignment_count(&s), 0, "a dry run stores nothing");

    let made: AssignmentResponse = assign(&s, &sup, &this)
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert!(made.assignment.is_some());
    assert_eq!(
        made.warnings,
        vec![AssignmentWarning::ConsecutiveQuarter { quarter: last }]
    );
    // The office in the next quarter: warned by this quarter's assignment.
    let next = this.quarter.next();
    let later = AssignmentRequest {
        quarter: next,
        due: next.bounds().0.date_naive() + Duration::days(20),
        dry_run: true,
        ..this.clone()
    };
    let preview: AssignmentResponse = assign(&s, &sup, &later).await.expect(StatusCode::OK).json();
    assert_eq!(
        preview.warnings,
        vec![AssignmentWarning::ConsecutiveQuarter {
            quarter: this.quarter
        }]
    );
    // Another auditor at that office: no warning.
    let other: AssignmentResponse = assign(
        &s,
        &sup,
        &AssignmentRequest {
            auditor: "auditor2".into(),
            dry_run: true,
            ..this
        },
    )
    .await
    .expect(StatusCode::OK)
    .json();
    assert!(other.warnings.is_empty());
}

#[tokio::test]
async fn a_bad_assignment_is_refused_naming_the_field_and_stores_nothing() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let good = s.assignment("auditor1");
    let past = Quarter::of(Utc::now()).previous();
    let cases: Vec<(AssignmentRequest, &str)> = vec![
        (
            AssignmentRequest {
                auditor: "nobody".into(),
                ..good.clone()
            },
            "auditor",
        ),
        (
            AssignmentRequest {
                auditor: "supervisor".into(),
                ..good.clone()
            },
            "auditor",
        ),
        (
            AssignmentRequest {
                office_id: "atlantis-1".into(),
                ..good.clone()
            },
            "office_id",
        ),
        (
            AssignmentRequest {
                scenario: "bribe".into(),
                ..good.clone()
            },
            "scenario",
        ),
        (
            AssignmentRequest {
                due: good.quarter.next().bounds().0.date_naive(),
                ..good.clone()
            },
            "due",
        ),
        (
            AssignmentRequest {
                quarter: past,
                due: past.bounds().0.date_naive(),
                ..good.clone()
            },
            "due",
        ),
        (
            AssignmentRequest {
                note: "x".repeat(2001),
                ..good.clone()
            },
            "note",
        ),
    ];
    for (request, field) in cases {
        let error = assign(&s, &sup, &request)
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(
            error.field.as_deref(),
            Some(field),
            "{request:?}: {}",
            error.message
        );
    }
    let error = s
        .post_raw("/api/v1/assignments", Some(&sup), br#"{"auditor":"auditor1","office_id":"x","quarter":"2025-Q5","scenario":"s","due":"2025-01-01"}"#.to_vec())
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(error.message.contains("quarter"), "{}", error.message);
    let error = s
        .post_raw("/api/v1/assignments", Some(&sup), br#"{"auditor":"auditor1","office_id":"x","quarter":"2025-Q1","scenario":"s","due":"31.03.2025"}"#.to_vec())
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(error.field.as_deref(), Some("due"), "{}", error.message);
    assert_eq!(assignment_count(&s), 0);
    // Twice the same: the second is a conflict.
    assign(&s, &sup, &good).await.expect(StatusCode::CREATED);
    assign(&s, &sup, &good).await.error(StatusCode::CONFLICT);
    assert_eq!(assignment_count(&s), 1);
}

#[tokio::test]
async fn the_review_queue_filters_by_quarter_branch_office_auditor_and_state() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let a1 = s.login("auditor1").await;
    let a2 = s.login("auditor2").await;
    let offices = &s.directory.offices;
    let other_branch = offices
        .iter()
        .find(|o| o.branch_id != offices[0].branch_id)
        .unwrap();
    let mut v1 = s.visit("auditor1");
    v1.office_id = offices[0].id.clone();
    let mut v2 = s.visit("auditor2");
    v2.office_id = other_branch.id.clone();
    s.push_ok(&a1, &v1).await;
    s.push_ok(&a2, &v2).await;
    s.post_json(
        &format!("/api/v1/visits/{}/review", v2.id),
        Some(&sup),
        &serde_json::json!({"decision": "approve", "revision": 1}),
    )
    .await
    .expect(StatusCode::OK);
    let ids = |q: &str| {
        let s = &s;
        let sup = sup.clone();
        let q = q.to_owned();
        async move {
            let page: VisitPage = s
                .get(&format!("/api/v1/visits?{q}"), Some(&sup))
                .await
                .expect(StatusCode::OK)
                .json();
            page.visits
                .into_iter()
                .map(|v| v.visit_id)
                .collect::<BTreeSet<_>>()
        }
    };
    let both = BTreeSet::from([v1.id, v2.id]);
    let now = Quarter::of(Utc::now());
    assert_eq!(ids(&format!("quarter={now}")).await, both);
    assert_eq!(
        ids(&format!("quarter={}", now.previous())).await,
        BTreeSet::new()
    );
    assert_eq!(
        ids(&format!("branch={}", offices[0].branch_id)).await,
        BTreeSet::from([v1.id])
    );
    assert_eq!(
        ids(&format!("office={}", other_branch.id)).await,
        BTreeSet::from([v2.id])
    );
    assert_eq!(ids("auditor=auditor2").await, BTreeSet::from([v2.id]));
    assert_eq!(ids("state=approved").await, BTreeSet::from([v2.id]));
    assert_eq!(
        ids("state=submitted&auditor=auditor1").await,
        BTreeSet::from([v1.id])
    );
    assert_eq!(
        ids("state=&branch=&quarter=").await,
        both,
        "empty filters mean all"
    );
    for (q, field) in [
        ("quarter=2025-Q9", "quarter"),
        ("state=lost", "state"),
        ("branch=atlantis", "branch"),
    ] {
        let error = s
            .get(&format!("/api/v1/visits?{q}"), Some(&sup))
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(
            error.field.as_deref(),
            Some(field),
            "{q}: {}",
            error.message
        );
    }
}
