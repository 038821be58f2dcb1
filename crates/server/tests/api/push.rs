//! Pushing visits: idempotency, revisions, batches, and what is refused.

use super::*;

#[tokio::test]
async fn a_pushed_visit_is_accepted_and_shows_in_the_list() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.visit("auditor1");
    assert!(s.push_ok(&token, &visit).await.is_empty());
    let list = s.visits(&token).await;
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].visit_id, list[0].revision, list[0].state),
        (visit.id, 1, ReviewState::Submitted)
    );
    assert_eq!(list[0].office_id, visit.office_id);
    let detail = s.detail(&token, visit.id).await;
    // The auditor reads it back without the positions (supervisors only).
    assert_eq!(detail.visit, Server::as_auditor_sees(&visit));
    assert_eq!(detail.state, ReviewState::Submitted);
}

#[tokio::test]
async fn pushing_the_same_visit_again_is_a_duplicate_and_stores_nothing_new() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.visit("auditor1");
    s.push_ok(&token, &visit).await;
    let again: PushResponse = s
        .push(&token, vec![visit.clone()])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(again.results[0].status, PushStatus::Duplicate);
    assert_eq!(again.results[0].reason, None);
    assert_eq!(s.visits(&token).await.len(), 1);
}

/// Pushes arriving together are stored together (one commit for all that wait): each must
/// still be answered with its own results, and nothing may be lost or stored twice, even
/// the same visit sent twice at once (a device retrying while its first push waits).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_arriving_at_once_are_each_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::with(Db::open(&dir.path().join("server.db")).unwrap());
    let token = s.login("auditor1").await;
    let visits: Vec<Visit> = (0..40).map(|_| s.visit("auditor1")).collect();
    let mut bodies: Vec<Vec<Visit>> = visits.chunks(2).map(<[Visit]>::to_vec).collect();
    bodies.push(vec![visits[0].clone()]);
    let mut pushes = tokio::task::JoinSet::new();
    for batch in bodies {
        let (app, token) = (s.app.clone(), token.clone());
        pushes.spawn(async move {
            let request = Request::post("/api/v1/push")
                .header(PROTOCOL_HEADER, "1")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::to_vec(&PushRequest { visits: batch }).unwrap(),
                ))
                .unwrap();
            let response = app.oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            serde_json::from_slice::<PushResponse>(&body).unwrap()
        });
    }
    let mut statuses: Vec<(Uuid, PushStatus)> = Vec::new();
    while let Some(response) = pushes.join_next().await {
        let response = response.unwrap();
        statuses.extend(response.results.iter().map(|r| (r.visit_id, r.status)));
    }
    let first: Vec<PushStatus> = statuses
        .iter()
        .filter(|(id, _)| *id == visits[0].id)
        .map(|(_, status)| *status)
        .collect();
    assert!(
        first == [PushStatus::Accepted, PushStatus::Duplicate]
            || first == [PushStatus::Duplicate, PushStatus::Accepted],
        "{first:?}"
    );
    let accepted: BTreeSet<Uuid> = statuses
        .iter()
        .filter(|(_, status)| *status == PushStatus::Accepted)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(accepted, visits.iter().map(|v| v.id).collect());
    let listed: Vec<Uuid> = s.visits(&token).await.iter().map(|v| v.visit_id).collect();
    assert_eq!(listed.len(), visits.len());
    assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), accepted);
}

#[tokio::test]
async fn the_same_revision_with_other_content_is_rejected_with_a_reason() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.visit("auditor1");
    s.push_ok(&token, &visit).await;
    let mut changed = visit.clone();
    changed.comment = "edited after submitting".into();
    let reply: PushResponse = s
        .push(&token, vec![changed])
        .await
        .expect(StatusCode::OK)
        .json();
    let result = &reply.results[0];
    assert_eq!(
        (result.visit_id, result.revision, result.status),
        (visit.id, 1, PushStatus::Rejected)
    );
    assert!(
        result
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("other content")),
        "{result:?}"
    );
    assert_eq!(
        s.detail(&token, visit.id).await.visit,
        Server::as_auditor_sees(&visit),
        "the stored visit is unchanged"
    );
}

#[tokio::test]
async fn a_new_revision_replaces_the_visit_in_the_list() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.visit("auditor1");
    s.push_ok(&token, &visit).await;
    let ret = serde_json::json!({ "decision": "return", "revision": 1, "comment": "check the waiting time" });
    let sup = s.login("supervisor").await;
    s.post_json(
        &format!("/api/v1/visits/{}/review", visit.id),
        Some(&sup),
        &ret,
    )
    .await
    .expect(StatusCode::OK);
    let mut corrected = visit.clone();
    corrected.revision = 2;
    corrected.comment = "corrected".into();
    s.push_ok(&token, &corrected).await;
    let list = s.visits(&token).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].revision, 2);
    assert_eq!(s.detail(&token, visit.id).await.visit.comment, "corrected");
}

#[tokio::test]
async fn an_auditor_cannot_push_another_auditors_visit() {
    let s = Server::new();
    let token = s.login("auditor2").await;
    let e = s
        .push(&token, vec![s.visit("auditor1")])
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("visits[0].auditor"));
    assert!(s.visits(&s.login("supervisor").await).await.is_empty());
}

#[tokio::test]
async fn an_auditor_cannot_overwrite_another_auditors_visit_by_reusing_its_id() {
    let s = Server::new();
    let token1 = s.login("auditor1").await;
    let token2 = s.login("auditor2").await;
    let original = s.visit("auditor1");
    s.push_ok(&token1, &original).await;
    let mut taken = s.visit("auditor2");
    taken.id = original.id;
    taken.revision = 2;
    let reply: PushResponse = s
        .push(&token2, vec![taken])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(reply.results[0].status, PushStatus::Rejected);
    assert!(reply.results[0].reason.is_some());
    assert_eq!(
        s.detail(&token1, original.id).await.visit,
        Server::as_auditor_sees(&original)
    );
    assert!(s.visits(&token2).await.is_empty());
}

#[tokio::test]
async fn a_batch_of_more_than_100_visits_is_refused() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let mut visits = zakupka_core::demo::generate_visits(
        &s.template,
        &s.directory,
        MAX_PUSH_BATCH + 1,
        Utc::now(),
    );
    for v in &mut visits {
        v.auditor = "auditor1".into();
    }
    let e = s
        .push(&token, visits.clone())
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("visits"));
    assert!(s.visits(&token).await.is_empty());
    // 100 are fine.
    visits.pop();
    let ok: PushResponse = s.push(&token, visits).await.expect(StatusCode::OK).json();
    assert_eq!(ok.results.len(), MAX_PUSH_BATCH);
    assert!(ok.results.iter().all(|r| r.status == PushStatus::Accepted));
}

#[tokio::test]
async fn supervisors_and_admins_cannot_push() {
    let s = Server::new();
    for login in ["supervisor", "admin"] {
        let token = s.login(login).await;
        let e = s
            .push(&token, vec![s.visit(login)])
            .await
            .error(StatusCode::FORBIDDEN);
        assert_eq!(e.error, ErrorCode::Forbidden);
    }
    assert!(s.visits(&s.login("admin").await).await.is_empty());
}

/// Each bad push is refused with a JSON error naming the field, and nothing of it is kept.
#[tokio::test]
async fn a_bad_push_is_refused_naming_the_field_and_stores_nothing() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let good = s.visit("auditor1");
    let as_json = |v: &Visit| {
        serde_json::to_value(PushRequest {
            visits: vec![v.clone()],
        })
        .unwrap()
    };
    let body = |v: &Visit| serde_json::to_vec(&as_json(v)).unwrap();
    let edit = |f: &dyn Fn(&mut Visit)| {
        let mut v = good.clone();
        f(&mut v);
        body(&v)
    };
    let scale = s.scale_item();
    let required = s.required_item();
    let revision_as_string = {
        let mut j = as_json(&good);
        j["visits"][0]["revision"] = serde_json::json!("1");
        serde_json::to_vec(&j).unwrap()
    };
    let unknown_answer_type = {
        let mut j = as_json(&good);
        j["visits"][0]["answers"][&scale]["value"] = serde_json::json!({"type": "maybe"});
        serde_json::to_vec(&j).unwrap()
    };
    let scale_field = format!("visits[0].answers.{scale}");
    let type_field = format!("{scale_field}.value.type");
    let required_field = format!("visits[0].answers.{required}");
    let cases: Vec<(&str, Vec<u8>, StatusCode, Option<&str>)> = vec![
        (
            "malformed JSON",
            br#"{"visits": [{"id": "#.to_vec(),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "not JSON at all",
            b"visits=1".to_vec(),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "revision as a string",
            revision_as_string,
            StatusCode::BAD_REQUEST,
            Some("visits[0].revision"),
        ),
        (
            "unknown answer type",
            unknown_answer_type,
            StatusCode::BAD_REQUEST,
            Some(type_field.as_str()),
        ),
        (
            "unknown template version",
            edit(&|v| v.template_version = 99),
            StatusCode::BAD_REQUEST,
            Some("visits[0].template_version"),
        ),
        (
            "scale answer of 9",
            edit(&|v| v.answers.get_mut(&scale).unwrap().value = Some(AnswerValue::Scale(9))),
            StatusCode::BAD_REQUEST,
            Some(scale_field.as_str()),
        ),
        (
            "yes/no answer to a scale item",
            edit(&|v| v.answers.get_mut(&scale).unwrap().value = Some(AnswerValue::Yes)),
            StatusCode::BAD_REQUEST,
            Some(scale_field.as_str()),
        ),
        (
            "answer to an unknown item",
            edit(&|v| {
                let any = v.answers.values().next().unwrap().clone();
                v.answers.insert("no-such-item".into(), any);
            }),
            StatusCode::BAD_REQUEST,
            Some("visits[0].answers.no-such-item"),
        ),
        (
            "a required answer missing",
            edit(&|v| {
                v.answers.remove(&required);
            }),
            StatusCode::BAD_REQUEST,
            Some(required_field.as_str()),
        ),
        (
            "unknown office",
            edit(&|v| v.office_id = "nowhere-1".into()),
            StatusCode::BAD_REQUEST,
            Some("visits[0].office_id"),
        ),
        (
            "unknown scenario",
            edit(&|v| v.scenario = "haggling".into()),
            StatusCode::BAD_REQUEST,
            Some("visits[0].scenario"),
        ),
        (
            "a draft",
            edit(&|v| v.status = zakupka_core::VisitStatus::Draft),
            StatusCode::BAD_REQUEST,
            Some("visits[0].status"),
        ),
        (
            "revision 0",
            edit(&|v| v.revision = 0),
            StatusCode::BAD_REQUEST,
            Some("visits[0].revision"),
        ),
        (
            "a body over 4 MiB",
            edit(&|v| v.comment = "x".repeat(4 * 1024 * 1024 + 1)),
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
        ),
    ];
    for (name, bytes, status, field) in cases {
        let reply = s.post_raw("/api/v1/push", Some(&token), bytes).await;
        assert_eq!(reply.status, status, "{name}: {}", reply.text());
        let e: ErrorBody = reply.error(status);
        assert_eq!(e.field.as_deref(), field, "{name}: {e:?}");
        assert!(!e.message.is_empty(), "{name}");
        assert!(
            s.visits(&token).await.is_empty(),
            "{name}: something was stored"
        );
    }
    // One bad visit refuses the whole batch, naming itself.
    let mut bad = s.visit("auditor1");
    bad.office_id = "nowhere-1".into();
    let e = s
        .push(&token, vec![s.visit("auditor1"), bad])
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("visits[1].office_id"));
    assert!(s.visits(&token).await.is_empty());
    // And the good visit on its own goes through.
    s.push_ok(&token, &good).await;
}
