//! Every refusal carries its own code.

use super::*;

/// Every refusal names exactly what was refused, in a code the app words in its own
/// language: never `other`, whatever the English message says.
#[tokio::test]
async fn each_refusal_carries_its_own_code() {
    use zakupka_core::wire::{PushResponse, PushStatus, Refusal};
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let a2 = s.login("auditor2").await;
    let sup = s.login("supervisor").await;
    let code = |reply: Reply, status: StatusCode| reply.error(status).code;

    // Signing in.
    let wrong = s.try_login("auditor1", "not the password").await;
    assert_eq!(
        code(wrong, StatusCode::UNAUTHORIZED),
        Refusal::WrongCredentials
    );
    let stale = s.get("/api/v1/visits", Some("no-such-token")).await;
    assert_eq!(code(stale, StatusCode::UNAUTHORIZED), Refusal::SignInAgain);
    let old = s
        .call_with_protocol(Some("0"), Method::GET, "/api/v1/visits", Some(&a1), None)
        .await;
    assert_eq!(
        code(old, StatusCode::UPGRADE_REQUIRED),
        Refusal::ProtocolOutdated
    );

    // Roles.
    let visit = s.visit("auditor1");
    s.push_ok(&a1, &visit).await;
    let review = format!("/api/v1/visits/{}/review", visit.id);
    let by_auditor = s
        .post_json(
            &review,
            Some(&a1),
            &serde_json::json!({"decision": "approve", "revision": 1}),
        )
        .await;
    assert_eq!(
        code(by_auditor, StatusCode::FORBIDDEN),
        Refusal::RoleForbidden
    );
    let by_supervisor = s.push(&sup, vec![s.visit("supervisor")]).await;
    assert_eq!(
        code(by_supervisor, StatusCode::FORBIDDEN),
        Refusal::RoleForbidden
    );

    // Requests that cannot be read.
    let garbled = s.post_raw(&review, Some(&sup), b"{not json".to_vec()).await;
    assert_eq!(code(garbled, StatusCode::BAD_REQUEST), Refusal::Invalid);
    let quarter = s.get("/api/v1/rating?quarter=someday", Some(&sup)).await;
    assert_eq!(code(quarter, StatusCode::BAD_REQUEST), Refusal::Invalid);
    let nobody = s
        .get(&format!("/api/v1/visits/{}", Uuid::now_v7()), Some(&sup))
        .await;
    assert_eq!(code(nobody, StatusCode::NOT_FOUND), Refusal::NotFound);

    // Review decisions.
    let decide = async |body: serde_json::Value| s.post_json(&review, Some(&sup), &body).await;
    let reject = decide(serde_json::json!({"decision": "reject", "revision": 1})).await;
    assert_eq!(
        code(reject, StatusCode::BAD_REQUEST),
        Refusal::ReasonRequired
    );
    let give_back =
        decide(serde_json::json!({"decision": "return", "revision": 1, "comment": "  "})).await;
    assert_eq!(
        code(give_back, StatusCode::BAD_REQUEST),
        Refusal::CommentRequired
    );
    let long = decide(
        serde_json::json!({"decision": "reject", "revision": 1, "comment": "x".repeat(4001)}),
    )
    .await;
    assert_eq!(code(long, StatusCode::BAD_REQUEST), Refusal::TooLong);
    let item = decide(serde_json::json!({
        "decision": "return", "revision": 1, "item_comments": {"no.such.item": "fix"}
    }))
    .await;
    assert_eq!(code(item, StatusCode::BAD_REQUEST), Refusal::UnknownItem);
    decide(serde_json::json!({"decision": "approve", "revision": 1}))
        .await
        .expect(StatusCode::OK);
    let again = decide(serde_json::json!({"decision": "approve", "revision": 1})).await;
    assert_eq!(code(again, StatusCode::CONFLICT), Refusal::NotSubmitted);

    // Photos.
    let stray = s.put_photo(Some(&a1), &sha256(PNG), PNG).await;
    assert_eq!(code(stray, StatusCode::NOT_FOUND), Refusal::PhotoNotInVisit);
    let text = b"not an image";
    let not_image = s.put_photo(Some(&a1), &sha256(text), text).await;
    assert_eq!(
        code(not_image, StatusCode::BAD_REQUEST),
        Refusal::NotAnImage
    );

    // Rejected pushes: the visit's result says why.
    let pushed = async |token: String, visits: Vec<Visit>| {
        let response: PushResponse = s.push(&token, visits).await.expect(StatusCode::OK).json();
        assert_eq!(response.results[0].status, PushStatus::Rejected);
        response.results[0].code
    };
    let mut changed = visit.clone();
    changed.comment = "other content".into();
    assert_eq!(
        pushed(a1.clone(), vec![changed]).await,
        Some(Refusal::RevisionConflict)
    );
    let mut unasked = visit.clone();
    unasked.revision = 2;
    assert_eq!(
        pushed(a1.clone(), vec![unasked]).await,
        Some(Refusal::RevisionNotAsked)
    );
    let mut taken = visit.clone();
    taken.auditor = "auditor2".into();
    assert_eq!(
        pushed(a2.clone(), vec![taken]).await,
        Some(Refusal::NotYourVisit)
    );

    // Assignments.
    let request = s.assignment("auditor1");
    let branch = s
        .directory
        .office(&request.office_id)
        .unwrap()
        .branch_id
        .clone();
    s.db.blocking(|c| {
        zakupka_server::assignments::set_branch(c, "auditor1", Some(&branch), &s.directory)
    })
    .unwrap();
    let own = s
        .post_json("/api/v1/assignments", Some(&sup), &request)
        .await;
    assert_eq!(code(own, StatusCode::BAD_REQUEST), Refusal::OwnBranch);
    let not_auditor = AssignmentRequest {
        auditor: "supervisor".into(),
        ..request.clone()
    };
    let not_auditor = s
        .post_json("/api/v1/assignments", Some(&sup), &not_auditor)
        .await;
    assert_eq!(
        code(not_auditor, StatusCode::BAD_REQUEST),
        Refusal::NotAnAuditor
    );
}
