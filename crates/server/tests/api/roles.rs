//! Who may do what: every endpoint against every role.

use zakupka_core::wire::Refusal;

use super::*;

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Login,
    Pull,
    Push,
    PutPhoto,
    GetPhoto,
    ListVisits,
    VisitDetail,
    VisitLog,
    VisitRevisions,
    Review,
    ListActions,
    ActionDetail,
    PlanAction,
    CloseAction,
    PutActionPhoto,
    GetActionPhoto,
    VerifyAction,
    ReopenAction,
    ManagerVisits,
    ManagerVisit,
    ManagerVisitPhoto,
    StaleReview,
    Include,
    ReadNotifications,
    AuditorFlags,
    Rating,
    RatingQuarters,
    RatingHistory,
    RatingExport,
    Calibration,
    CalibrationExport,
    PublishPreview,
    Publish,
    Auditors,
    ListAssignments,
    Assign,
    CancelAssignment,
    Pair,
    ListCases,
    PublishCase,
    PutCasePhoto,
    GetCasePhoto,
    FileAppeal,
    ListAppeals,
    AppealDetail,
    DecideAppeal,
    PutAppealPhoto,
    GetAppealPhoto,
    FailedItems,
    TimeToFix,
    OpenApi,
    Healthz,
    Logout,
}

/// Expected status for: anonymous, auditor1, auditor2, supervisor, admin, `elsewhere` (a
/// supervisor bound to a branch other than that of auditor1's visit), `insider` (a
/// supervisor working for that visit's branch) and `manager` (the head of that branch).
/// Rows run in this order (logout last: it revokes the token the others use).
const MATRIX: &[(Endpoint, [u16; 8])] = &[
    // Anonymous "logs in" as a login that does not exist.
    (Endpoint::Login, [401, 200, 200, 200, 200, 200, 200, 200]),
    (Endpoint::Pull, [401, 200, 200, 200, 200, 200, 200, 200]),
    // Each pushes a visit in their own name.
    (Endpoint::Push, [401, 200, 200, 403, 403, 403, 403, 403]),
    // A photo of auditor1's visit.
    (Endpoint::PutPhoto, [401, 201, 404, 404, 404, 404, 404, 403]),
    // That photo: its auditor and the supervisors see it; for auditor2 and the supervisor
    // of another branch it does not exist.
    (Endpoint::GetPhoto, [401, 200, 404, 200, 200, 404, 200, 403]),
    (
        Endpoint::ListVisits,
        [401, 200, 200, 200, 200, 200, 200, 403],
    ),
    // auditor1's visit.
    (
        Endpoint::VisitDetail,
        [401, 200, 404, 200, 200, 404, 200, 403],
    ),
    (Endpoint::VisitLog, [401, 200, 404, 200, 200, 404, 200, 403]),
    (
        Endpoint::VisitRevisions,
        [401, 200, 404, 200, 200, 404, 200, 403],
    ),
    // Approving auditor1's visit: the supervisor does; after that it is decided (409). For
    // the supervisor of another branch it does not exist; its own branch's may not decide.
    (Endpoint::Review, [401, 403, 403, 200, 409, 404, 403, 403]),
    // Corrective actions of auditor1's visit, made by its approval just above: managers
    // and supervisors of the branch see them; the manager plans and closes (each with a
    // new op id) and uploads the evidence photo; supervisors verify, then reopen.
    (
        Endpoint::ListActions,
        [401, 403, 403, 200, 200, 200, 200, 200],
    ),
    (
        Endpoint::ActionDetail,
        [401, 403, 403, 200, 200, 404, 200, 200],
    ),
    (
        Endpoint::PlanAction,
        [401, 403, 403, 403, 403, 403, 403, 200],
    ),
    (
        Endpoint::CloseAction,
        [401, 403, 403, 403, 403, 403, 403, 200],
    ),
    (
        Endpoint::PutActionPhoto,
        [401, 403, 403, 403, 403, 403, 403, 201],
    ),
    (
        Endpoint::GetActionPhoto,
        [401, 403, 403, 200, 200, 404, 200, 200],
    ),
    (
        Endpoint::VerifyAction,
        [401, 403, 403, 200, 409, 404, 409, 403],
    ),
    (
        Endpoint::ReopenAction,
        [401, 403, 403, 200, 409, 404, 409, 403],
    ),
    // The manager's anonymous view of the approved visit and its photo. That photo (the
    // harness's PNG, whose CRC is wrong) cannot be rewritten without its metadata, so even
    // the manager is not shown it (`actions.rs` gets one that can be).
    (
        Endpoint::ManagerVisits,
        [401, 403, 403, 403, 403, 403, 403, 200],
    ),
    (
        Endpoint::ManagerVisit,
        [401, 403, 403, 403, 403, 403, 403, 200],
    ),
    (
        Endpoint::ManagerVisitPhoto,
        [401, 403, 403, 403, 403, 403, 403, 404],
    ),
    // Approving it again naming revision 1 after a correction arrived: 409 for everyone
    // who may decide it.
    (
        Endpoint::StaleReview,
        [401, 403, 403, 409, 409, 404, 403, 403],
    ),
    // Including auditor1's visit in the rating: for those who may decide it, 409 (it is
    // not left out: auditor1 works for no branch).
    (Endpoint::Include, [401, 403, 403, 409, 409, 404, 403, 403]),
    // Marking notifications read: anyone signed in, their own (others' ids change nothing).
    (
        Endpoint::ReadNotifications,
        [401, 204, 204, 204, 204, 204, 204, 204],
    ),
    // Each auditor's share of flagged visits: supervisors and admins.
    (
        Endpoint::AuditorFlags,
        [401, 403, 403, 200, 200, 200, 200, 403],
    ),
    (Endpoint::Rating, [401, 200, 200, 200, 200, 200, 200, 200]),
    (
        Endpoint::RatingQuarters,
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        Endpoint::RatingHistory,
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        Endpoint::RatingExport,
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    // Auditors' agreement and severity: supervisors and admins only.
    (
        Endpoint::Calibration,
        [401, 403, 403, 200, 200, 200, 200, 403],
    ),
    (
        Endpoint::CalibrationExport,
        [401, 403, 403, 200, 200, 200, 200, 403],
    ),
    // Previewing and publishing an ended quarter with its KPIs: admins only; then it is
    // frozen (the preview too would be 409).
    (
        Endpoint::PublishPreview,
        [401, 403, 403, 403, 200, 403, 403, 403],
    ),
    (Endpoint::Publish, [401, 403, 403, 403, 200, 403, 403, 403]),
    (Endpoint::Auditors, [401, 403, 403, 200, 200, 200, 200, 403]),
    (
        Endpoint::ListAssignments,
        [401, 200, 200, 200, 200, 200, 200, 403],
    ),
    // A new assignment each time; the same office again for the same auditor is 409.
    (Endpoint::Assign, [401, 403, 403, 201, 409, 409, 409, 403]),
    // Cancelling the supervisor's assignment: once, then it is gone (404).
    (
        Endpoint::CancelAssignment,
        [401, 403, 403, 204, 404, 404, 404, 403],
    ),
    // A pair of auditor1 and auditor2 at another office; the same pair again is 409.
    (Endpoint::Pair, [401, 403, 403, 201, 409, 409, 409, 403]),
    // Everyone signed in lists cases (auditors without the keys); supervisors publish.
    (
        Endpoint::ListCases,
        [401, 200, 200, 200, 200, 200, 200, 403],
    ),
    (
        Endpoint::PublishCase,
        [401, 403, 403, 201, 201, 201, 201, 403],
    ),
    // A case's photo: supervisors upload it (once new, then known), everyone sees it.
    (
        Endpoint::PutCasePhoto,
        [401, 403, 403, 201, 200, 200, 200, 403],
    ),
    (
        Endpoint::GetCasePhoto,
        [401, 200, 200, 200, 200, 200, 200, 403],
    ),
    // Appeals are filed by managers heading the visit's branch: auditor1's visit is a
    // correction awaiting review by now (not approved: not found), and its first item is
    // appealed already.
    (
        Endpoint::FileAppeal,
        [401, 403, 403, 403, 403, 403, 403, 404],
    ),
    (
        Endpoint::ListAppeals,
        [401, 403, 403, 200, 200, 200, 200, 200],
    ),
    // An appeal of auditor1's visit (approved above by the supervisor): for the
    // supervisor of another branch it does not exist.
    (
        Endpoint::AppealDetail,
        [401, 403, 403, 200, 200, 404, 200, 200],
    ),
    // Deciding it: not by its approver (the supervisor), nor by someone of its branch,
    // nor by a manager; the admin upholds it.
    (
        Endpoint::DecideAppeal,
        [401, 403, 403, 403, 200, 404, 403, 403],
    ),
    // Its evidence photo: its manager uploads it (stored before: 200).
    (
        Endpoint::PutAppealPhoto,
        [401, 403, 403, 403, 403, 403, 403, 200],
    ),
    (
        Endpoint::GetAppealPhoto,
        [401, 403, 403, 200, 200, 404, 200, 200],
    ),
    // The network-wide chart of failed items: supervisors and admins.
    (
        Endpoint::FailedItems,
        [401, 403, 403, 200, 200, 200, 200, 403],
    ),
    (
        Endpoint::TimeToFix,
        [401, 403, 403, 200, 200, 200, 200, 403],
    ),
    (Endpoint::OpenApi, [200, 200, 200, 200, 200, 200, 200, 200]),
    (Endpoint::Healthz, [200, 200, 200, 200, 200, 200, 200, 200]),
    (Endpoint::Logout, [401, 204, 204, 204, 204, 204, 204, 204]),
];

#[tokio::test]
async fn every_endpoint_answers_each_role_as_it_should() {
    let s = Server::new();
    // Three items failed, so that its approval makes actions; the photo on one of them.
    let failing = super::actions::with_failures(&s, s.visit("auditor1"), &super::actions::FAILED);
    let visit1 = s.with_photo(failing, PNG);
    let home = super::scope::branch_of(&s, &visit1.office_id);
    super::actions::add_manager(&s, "manager", &home);
    let other = super::scope::other_branch(&s, &home);
    super::scope::add_supervisor(&s, "elsewhere", None, &[other]);
    super::scope::add_supervisor(&s, "insider", Some(&home), &[]);
    super::scope::import_kpis(&s, "2020-Q1".parse().unwrap());
    let callers: [Option<&str>; 8] = [
        None,
        Some("auditor1"),
        Some("auditor2"),
        Some("supervisor"),
        Some("admin"),
        Some("elsewhere"),
        Some("insider"),
        Some("manager"),
    ];
    let mut tokens = Vec::new();
    for c in callers {
        tokens.push(match c {
            Some(login) => Some(s.login(login).await),
            None => None,
        });
    }
    let a1 = tokens[1].as_deref().unwrap();
    let a2 = tokens[2].as_deref().unwrap();
    s.push_ok(a1, &visit1).await;
    s.push_ok(a2, &s.visit("auditor2")).await;
    // An appeal of auditor1's visit by its branch's manager, with an evidence photo.
    let appeal = Uuid::now_v7().to_string();
    s.db.blocking(|c| {
        c.execute(
            "INSERT INTO appeals (id, op_id, visit_id, revision, item_id, office_id, branch_id,
                                  quarter, by_login, at, reason, photos)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, '2026-Q1', 'manager', '2026-01-01T00:00:00.000Z',
                     'wrong', json_array(?7))",
            rusqlite::params![
                appeal,
                Uuid::now_v7().to_string(),
                visit1.id.to_string(),
                s.template.items().next().unwrap().id,
                visit1.office_id,
                home,
                sha256(PNG)
            ],
        )?;
        c.execute(
            "INSERT INTO appeal_photos (appeal_id, sha256, mime, bytes, at)
             VALUES (?1, ?2, 'image/png', ?3, '2026-01-01T00:00:00.000Z')",
            rusqlite::params![appeal, sha256(PNG), PNG],
        )?;
        Ok(())
    })
    .unwrap();

    // Auditors see their own visits, whatever they ask for; supervisors and admins all.
    let seen =
        |list: Vec<ServerVisit>| list.into_iter().map(|v| v.auditor).collect::<BTreeSet<_>>();
    let both = BTreeSet::from(["auditor1".to_owned(), "auditor2".to_owned()]);
    for (caller, token) in callers.iter().zip(&tokens).skip(1) {
        let login = caller.unwrap();
        if login == "manager" {
            // Managers read approved visits through /manager/visits only.
            s.get("/api/v1/visits", token.as_deref())
                .await
                .expect(StatusCode::FORBIDDEN);
            continue;
        }
        let expected = if login.starts_with("auditor") {
            BTreeSet::from([login.to_owned()])
        } else if login == "elsewhere" {
            BTreeSet::new() // both visits are to an office of another branch
        } else {
            both.clone()
        };
        assert_eq!(
            seen(s.visits(token.as_deref().unwrap()).await),
            expected,
            "{login}"
        );
        let asked = s
            .get("/api/v1/visits?auditor=auditor1", token.as_deref())
            .await
            .expect(StatusCode::OK)
            .json::<VisitPage>()
            .visits;
        let expected = if login == "auditor2" {
            BTreeSet::from(["auditor2".to_owned()])
        } else if login == "elsewhere" {
            BTreeSet::new()
        } else {
            BTreeSet::from(["auditor1".to_owned()])
        };
        assert_eq!(
            seen(asked),
            expected,
            "{login} asking for auditor1's visits"
        );
    }

    // The action of the item with the photo, once the approval has made it.
    let photo_item = s
        .template
        .items()
        .find(|i| i.allow_photo)
        .unwrap()
        .id
        .clone();
    let action_uri = |tail: &str| {
        let id: String =
            s.db.blocking(|c| {
                Ok(c.query_row(
                    "SELECT id FROM actions WHERE item_id = ?1",
                    [&photo_item],
                    |r| r.get(0),
                )?)
            })
            .unwrap_or_default();
        format!("/api/v1/actions/{id}{tail}")
    };
    let mut failures = Vec::new();
    let mut corrected = false;
    for (endpoint, expected) in MATRIX {
        for (n, (caller, token)) in callers.iter().zip(&tokens).enumerate() {
            let token = token.as_deref();
            let reply = match endpoint {
                Endpoint::Login => {
                    let login = caller.unwrap_or("nobody");
                    s.try_login(login, &password(login)).await
                }
                Endpoint::Pull => s.get("/api/v1/pull?cursor=0", token).await,
                Endpoint::Push => {
                    let visit = s.visit(caller.unwrap_or("auditor1"));
                    s.post_json(
                        "/api/v1/push",
                        token,
                        &PushRequest {
                            visits: vec![visit],
                        },
                    )
                    .await
                }
                Endpoint::PutPhoto => s.put_photo(token, &sha256(PNG), PNG).await,
                Endpoint::GetPhoto => {
                    s.get(&format!("/api/v1/photos/{}", sha256(PNG)), token)
                        .await
                }
                Endpoint::ListVisits => s.get("/api/v1/visits", token).await,
                Endpoint::VisitDetail => {
                    s.get(&format!("/api/v1/visits/{}", visit1.id), token).await
                }
                Endpoint::VisitLog => {
                    s.get(&format!("/api/v1/visits/{}/log", visit1.id), token)
                        .await
                }
                Endpoint::VisitRevisions => {
                    s.get(&format!("/api/v1/visits/{}/revisions", visit1.id), token)
                        .await
                }
                Endpoint::Review => {
                    let approve = serde_json::json!({ "decision": "approve", "revision": 1 });
                    s.post_json(
                        &format!("/api/v1/visits/{}/review", visit1.id),
                        token,
                        &approve,
                    )
                    .await
                }
                Endpoint::ListActions => s.get("/api/v1/actions", token).await,
                Endpoint::ActionDetail => s.get(&action_uri(""), token).await,
                Endpoint::PlanAction => {
                    let plan = serde_json::json!({ "op_id": Uuid::now_v7(), "plan": "Повесить" });
                    s.post_json(&action_uri("/plan"), token, &plan).await
                }
                Endpoint::CloseAction => {
                    let done = serde_json::json!({
                        "op_id": Uuid::now_v7(),
                        "evidence": "Висит",
                        "photos": [{ "sha256": sha256(PNG), "mime": "image/png" }],
                    });
                    s.post_json(&action_uri("/done"), token, &done).await
                }
                Endpoint::PutActionPhoto => {
                    let uri = action_uri(&format!("/photos/{}", sha256(PNG)));
                    s.call(Method::PUT, &uri, token, Some(("image/png", PNG.to_vec())))
                        .await
                }
                Endpoint::GetActionPhoto => {
                    s.get(&action_uri(&format!("/photos/{}", sha256(PNG))), token)
                        .await
                }
                Endpoint::VerifyAction => {
                    let verify = serde_json::json!({ "op_id": Uuid::now_v7() });
                    s.post_json(&action_uri("/verify"), token, &verify).await
                }
                Endpoint::ReopenAction => {
                    let reopen = serde_json::json!({ "op_id": Uuid::now_v7(), "reason": "Нет" });
                    s.post_json(&action_uri("/reopen"), token, &reopen).await
                }
                Endpoint::ManagerVisits => s.get("/api/v1/manager/visits", token).await,
                Endpoint::ManagerVisit => {
                    s.get(&format!("/api/v1/manager/visits/{}", visit1.id), token)
                        .await
                }
                Endpoint::ManagerVisitPhoto => {
                    let uri = format!(
                        "/api/v1/manager/visits/{}/photos/{}",
                        visit1.id,
                        sha256(PNG)
                    );
                    s.get(&uri, token).await
                }
                Endpoint::Rating => s.get("/api/v1/rating?quarter=2026-Q1", token).await,
                Endpoint::RatingQuarters => s.get("/api/v1/rating/quarters", token).await,
                Endpoint::RatingHistory => s.get("/api/v1/rating/history", token).await,
                Endpoint::RatingExport => {
                    s.get("/api/v1/rating/export?quarter=2026-Q1&format=xlsx", token)
                        .await
                }
                Endpoint::Calibration => s.get("/api/v1/calibration/2026-Q1", token).await,
                Endpoint::CalibrationExport => {
                    s.get("/api/v1/calibration/2026-Q1/export", token).await
                }
                Endpoint::PublishPreview => s.get("/api/v1/rating/2020-Q1/publish", token).await,
                Endpoint::Publish => {
                    s.call(Method::POST, "/api/v1/rating/2020-Q1/publish", token, None)
                        .await
                }
                Endpoint::StaleReview => {
                    if !corrected {
                        // auditor1's visit, returned and corrected (revision 2, submitted).
                        s.db.blocking(|c| {
                            Ok(c.execute(
                                "UPDATE reviews SET state = 'returned' WHERE visit_id = ?1",
                                [visit1.id.to_string()],
                            )?)
                        })
                        .unwrap();
                        let mut v2 = visit1.clone();
                        v2.revision = 2;
                        s.push_ok(a1, &v2).await;
                        corrected = true;
                    }
                    let stale = serde_json::json!({ "decision": "approve", "revision": 1 });
                    s.post_json(
                        &format!("/api/v1/visits/{}/review", visit1.id),
                        token,
                        &stale,
                    )
                    .await
                }
                Endpoint::Include => {
                    let body = serde_json::json!({ "reason": "checked" });
                    s.post_json(
                        &format!("/api/v1/visits/{}/include", visit1.id),
                        token,
                        &body,
                    )
                    .await
                }
                Endpoint::ReadNotifications => {
                    let body = serde_json::json!({ "ids": [1, 2] });
                    s.post_json("/api/v1/notifications/read", token, &body)
                        .await
                }
                Endpoint::AuditorFlags => {
                    s.get("/api/v1/presence/auditors?quarter=2026-Q1", token)
                        .await
                }
                Endpoint::Auditors => s.get("/api/v1/auditors", token).await,
                Endpoint::ListAssignments => s.get("/api/v1/assignments", token).await,
                Endpoint::Assign => {
                    s.post_json("/api/v1/assignments", token, &s.assignment("auditor1"))
                        .await
                }
                Endpoint::CancelAssignment => {
                    let id =
                        s.db.blocking(|c| {
                            Ok(c.query_row(
                                "SELECT id FROM assignments ORDER BY created_at LIMIT 1",
                                [],
                                |r| r.get::<_, String>(0),
                            )?)
                        })
                        .unwrap();
                    s.call(
                        Method::DELETE,
                        &format!("/api/v1/assignments/{id}"),
                        token,
                        None,
                    )
                    .await
                }
                Endpoint::Pair => {
                    let mut pair = super::pairs::pair(&s, 2, 3);
                    pair.office_id = s.directory.offices[4].id.clone();
                    s.post_json("/api/v1/assignments/pairs", token, &pair).await
                }
                Endpoint::ListCases => s.get("/api/v1/cases", token).await,
                Endpoint::PublishCase => {
                    let case = super::cases::case_request(&s);
                    s.post_json("/api/v1/cases", token, &case).await
                }
                Endpoint::PutCasePhoto => {
                    let uri = format!("/api/v1/cases/photos/{}", sha256(PNG));
                    s.call(Method::PUT, &uri, token, Some(("image/png", PNG.to_vec())))
                        .await
                }
                Endpoint::GetCasePhoto => {
                    s.get(&format!("/api/v1/cases/photos/{}", sha256(PNG)), token)
                        .await
                }
                Endpoint::FileAppeal => {
                    let body = serde_json::json!({ "op_id": Uuid::now_v7(), "visit_id": visit1.id,
                        "item_id": s.template.items().next().unwrap().id, "reason": "wrong" });
                    s.post_json("/api/v1/appeals", token, &body).await
                }
                Endpoint::ListAppeals => s.get("/api/v1/appeals?state=pending", token).await,
                Endpoint::AppealDetail => s.get(&format!("/api/v1/appeals/{appeal}"), token).await,
                Endpoint::DecideAppeal => {
                    let body = serde_json::json!({ "op_id": Uuid::now_v7(), "decision": "uphold",
                        "outcome": "passed", "reason": "checked" });
                    s.post_json(&format!("/api/v1/appeals/{appeal}/decide"), token, &body)
                        .await
                }
                Endpoint::PutAppealPhoto => {
                    let uri = format!("/api/v1/appeals/{appeal}/photos/{}", sha256(PNG));
                    s.call(Method::PUT, &uri, token, Some(("image/png", PNG.to_vec())))
                        .await
                }
                Endpoint::GetAppealPhoto => {
                    s.get(
                        &format!("/api/v1/appeals/{appeal}/photos/{}", sha256(PNG)),
                        token,
                    )
                    .await
                }
                Endpoint::FailedItems => s.get("/api/v1/charts/2026-Q1/failed-items", token).await,
                Endpoint::TimeToFix => s.get("/api/v1/charts/2026-Q1/time-to-fix", token).await,
                Endpoint::OpenApi => s.get("/api/v1/openapi.json", token).await,
                Endpoint::Healthz => s.get("/healthz", token).await,
                Endpoint::Logout => s.call(Method::POST, "/api/v1/logout", token, None).await,
            };
            let who = caller.unwrap_or("anonymous");
            if reply.status.as_u16() != expected[n] {
                failures.push(format!(
                    "{endpoint:?} as {who}: expected {}, got {} {}",
                    expected[n],
                    reply.status,
                    reply.text()
                ));
            } else if reply.status.is_client_error() {
                // Every refusal is a JSON ErrorBody.
                let e: ErrorBody = reply.json();
                assert!(!e.message.is_empty());
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The matrix's other axis: callers who are no longer let in. Every documented operation
/// that needs a token refuses a disabled user's token (`account_disabled`, whatever their
/// role) and a revoked one (`sign_in_again`) with 401, before looking at anything else.
#[tokio::test]
async fn every_endpoint_refuses_a_disabled_users_token_and_a_revoked_one() {
    let s = Server::new();
    let disabled_auditor = s.login("auditor1").await;
    let disabled_admin = s.login("admin").await;
    let revoked = s.login("supervisor").await;
    let now = Utc::now();
    s.db.blocking(|c| {
        auth::set_disabled(c, "auditor1", true, now)?;
        auth::set_disabled(c, "admin", true, now)?;
        auth::revoke_all(c, "supervisor", now)
    })
    .unwrap();
    let doc: serde_json::Value = s
        .get("/api/v1/openapi.json", None)
        .await
        .expect(StatusCode::OK)
        .json();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // Open operations (login, this document, health) say `security: []`.
            if op.get("security") == Some(&serde_json::json!([])) {
                continue;
            }
            checked += 1;
            let uri = path
                .replace("{id}", &Uuid::now_v7().to_string())
                .replace("{sha256}", &sha256(PNG))
                .replace("{quarter}", "2026-Q1");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for (token, code) in [
                (&disabled_auditor, Refusal::AccountDisabled),
                (&disabled_admin, Refusal::AccountDisabled),
                (&revoked, Refusal::SignInAgain),
            ] {
                let reply = s
                    .call(
                        method.clone(),
                        &uri,
                        Some(token),
                        Some(("application/json", b"{}".to_vec())),
                    )
                    .await;
                let got = (reply.status, reply.error_body().code);
                if got != (StatusCode::UNAUTHORIZED, code) {
                    failures.push(format!("{method} {uri}: {got:?}, expected 401 {code:?}"));
                }
            }
        }
    }
    assert!(checked >= 19, "only {checked} operations need a token?");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
