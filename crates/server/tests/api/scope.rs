//! Roles and scope (issue 11): publishing is an admin's, for an ended quarter with its KPIs,
//! after a preview; supervisors bound to branches see and decide only those branches'
//! visits; nobody decides their own branch's offices; a decision names its revision; a
//! photo is read only through a visit of the auditor who uploaded it, and push answers do
//! not tell whether someone else's photo exists.

use super::*;
use zakupka_core::wire::Rating;
use zakupka_core::wire::{PublishPreview, Refusal};
use zakupka_server::{rating, scope};

/// The branch of `office` in the seeds' directory.
pub fn branch_of(s: &Server, office: &str) -> String {
    s.directory
        .offices
        .iter()
        .find(|o| o.id == office)
        .unwrap()
        .branch_id
        .clone()
}

/// A branch other than `branch`.
pub fn other_branch(s: &Server, branch: &str) -> String {
    s.directory
        .branches
        .iter()
        .find(|b| b.id != branch)
        .unwrap()
        .id
        .clone()
}

/// Adds supervisor `login` working for `own` and bound to `bound` (none: every branch).
pub fn add_supervisor(s: &Server, login: &str, own: Option<&str>, bound: &[String]) {
    let directory = s.directory.clone();
    s.db.blocking(|c| {
        auth::add_user(c, login, Role::Supervisor, &password(login), Utc::now())?;
        zakupka_server::assignments::set_branch(c, login, own, &directory)?;
        scope::bind(c, login, bound, &directory)
    })
    .unwrap();
}

/// Every KPI of the methodology for every branch, imported for `quarter`.
pub fn import_kpis(s: &Server, quarter: Quarter) {
    let m = zakupka_server::demo::read_methodology(&seeds()).unwrap();
    let kpis = s
        .directory
        .branches
        .iter()
        .map(|b| {
            let figures = m.kpi_keys().map(|k| (k.to_owned(), 5.0)).collect();
            (b.id.clone(), figures)
        })
        .collect();
    s.db.blocking(|c| rating::import_kpis(c, quarter, &kpis))
        .unwrap();
}

fn review_uri(id: Uuid) -> String {
    format!("/api/v1/visits/{id}/review")
}

#[tokio::test]
async fn publishing_is_an_admins_for_an_ended_quarter_with_kpis_after_a_preview() {
    let s = Server::new();
    let (sup, admin) = (s.login("supervisor").await, s.login("admin").await);
    let past: Quarter = "2025-Q4".parse().unwrap();
    let uri = format!("/api/v1/rating/{past}/publish");

    // A supervisor neither previews nor publishes (before: any supervisor published).
    let e = s
        .call(Method::POST, &uri, Some(&sup), None)
        .await
        .error(StatusCode::FORBIDDEN);
    assert_eq!(e.code, Refusal::RoleForbidden);
    s.get(&uri, Some(&sup)).await.error(StatusCode::FORBIDDEN);

    // The quarter running now cannot be published, nor can one up to 2100.
    let now = Quarter::of(Utc::now());
    for q in [now.to_string(), "2100-Q4".to_owned()] {
        let e = s
            .call(
                Method::POST,
                &format!("/api/v1/rating/{q}/publish"),
                Some(&admin),
                None,
            )
            .await
            .error(StatusCode::CONFLICT);
        assert_eq!(e.code, Refusal::QuarterNotEnded, "{q}");
    }
    // An ended quarter without its KPIs neither.
    let e = s.get(&uri, Some(&admin)).await.error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::KpisMissing);
    let e = s
        .call(Method::POST, &uri, Some(&admin), None)
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::KpisMissing);
    assert_eq!(s.count("published"), 0);

    // With them: the preview shows the places and cups, and freezes nothing.
    import_kpis(&s, past);
    let preview: PublishPreview = s
        .get(&uri, Some(&admin))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(preview.rating.quarter, past);
    assert!(preview.rating.published_at.is_none());
    let leaders = |league| -> Vec<String> {
        preview
            .rating
            .tables
            .iter()
            .filter(|t| t.league == league)
            .flat_map(|t| t.rows.iter().filter(|r| r.place == 1))
            .map(|r| r.branch_id.clone())
            .collect()
    };
    assert_eq!(preview.cup_large, leaders(zakupka_core::League::Large));
    assert_eq!(preview.cup_small, leaders(zakupka_core::League::Small));
    assert_eq!(s.count("published"), 0, "a preview publishes nothing");

    // Then the admin publishes what the preview showed.
    let published: Rating = s
        .call(Method::POST, &uri, Some(&admin), None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(published.tables, preview.rating.tables);
    let e = s.get(&uri, Some(&admin)).await.error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::QuarterPublished);
}

#[tokio::test]
async fn a_supervisor_bound_to_branches_sees_and_decides_only_theirs() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let visit = s.with_photo(s.visit("auditor1"), PNG);
    s.push_ok(&a1, &visit).await;
    s.put_photo(Some(&a1), &sha256(PNG), PNG)
        .await
        .expect(StatusCode::CREATED);
    let home = branch_of(&s, &visit.office_id);
    add_supervisor(&s, "elsewhere", None, &[other_branch(&s, &home)]);
    add_supervisor(&s, "local", None, std::slice::from_ref(&home));
    let (elsewhere, local) = (s.login("elsewhere").await, s.login("local").await);

    // For the supervisor of another branch the visit does not exist, anywhere.
    for path in ["", "/log", "/revisions"] {
        let e = s
            .get(
                &format!("/api/v1/visits/{}{path}", visit.id),
                Some(&elsewhere),
            )
            .await
            .error(StatusCode::NOT_FOUND);
        assert_eq!(e.code, Refusal::NotFound, "{path}");
    }
    assert!(s.visits(&elsewhere).await.is_empty());
    let asked = s
        .get(&format!("/api/v1/visits?branch={home}"), Some(&elsewhere))
        .await
        .expect(StatusCode::OK)
        .json::<VisitPage>()
        .visits;
    assert!(
        asked.is_empty(),
        "filtering by the branch does not widen the scope"
    );
    s.get(&format!("/api/v1/photos/{}", sha256(PNG)), Some(&elsewhere))
        .await
        .error(StatusCode::NOT_FOUND);
    let approve = serde_json::json!({ "decision": "approve", "revision": 1 });
    let e = s
        .post_json(&review_uri(visit.id), Some(&elsewhere), &approve)
        .await
        .error(StatusCode::NOT_FOUND);
    assert_eq!(e.code, Refusal::NotFound);
    assert_eq!(s.count("review_log"), 1, "only the submission is logged");

    // The supervisor of its branch sees it all and decides it.
    assert_eq!(s.visits(&local).await.len(), 1);
    s.get(&format!("/api/v1/photos/{}", sha256(PNG)), Some(&local))
        .await
        .expect(StatusCode::OK);
    s.post_json(&review_uri(visit.id), Some(&local), &approve)
        .await
        .expect(StatusCode::OK);

    // In the rating, the visits behind a branch's score are told only for branches in
    // scope; the figures are everyone's.
    // One approved visit rates its branch under a methodology that asks for one, with KPIs.
    let q = Quarter::of(visit.finished_at.unwrap());
    let mut m = zakupka_server::demo::read_methodology(&seeds()).unwrap();
    m.version += 1;
    m.min_approved_visits = 1;
    s.db.blocking(|c| rating::store_methodology(c, &m)).unwrap();
    import_kpis(&s, q);
    let uri = format!("/api/v1/rating?quarter={q}");
    let behind = |r: &Rating| -> Vec<(String, usize)> {
        r.tables
            .iter()
            .flat_map(|t| t.rows.iter())
            .map(|row| (row.branch_id.clone(), row.visits.len()))
            .collect()
    };
    let sup = s.login("supervisor").await;
    let whole: Rating = s.get(&uri, Some(&sup)).await.expect(StatusCode::OK).json();
    let seen_elsewhere: Rating = s
        .get(&uri, Some(&elsewhere))
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(
        behind(&whole).iter().any(|(b, n)| *b == home && *n == 1),
        "the approved visit is behind its branch's row"
    );
    assert_eq!(whole.tables.len(), seen_elsewhere.tables.len());
    for ((branch, n), (_, m)) in behind(&whole).into_iter().zip(behind(&seen_elsewhere)) {
        if branch == home {
            assert_eq!(m, 0, "{branch}");
        } else {
            assert_eq!(m, n, "{branch}");
        }
    }
}

#[tokio::test]
async fn nobody_decides_a_visit_to_an_office_of_their_own_branch() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let visit = s.visit("auditor1");
    s.push_ok(&a1, &visit).await;
    add_supervisor(&s, "insider", Some(&branch_of(&s, &visit.office_id)), &[]);
    let insider = s.login("insider").await;
    // They may read it; deciding it is someone else's job.
    s.detail(&insider, visit.id).await;
    let approve = serde_json::json!({ "decision": "approve", "revision": 1 });
    let e = s
        .post_json(&review_uri(visit.id), Some(&insider), &approve)
        .await
        .error(StatusCode::FORBIDDEN);
    assert_eq!(e.code, Refusal::OwnBranchVisit);
    assert_eq!(
        s.detail(&insider, visit.id).await.state,
        ReviewState::Submitted
    );
}

#[tokio::test]
async fn a_decision_on_a_revision_no_longer_current_is_refused() {
    let s = Server::new();
    let (a1, sup) = (s.login("auditor1").await, s.login("supervisor").await);
    let visit = s.visit("auditor1");
    s.push_ok(&a1, &visit).await;
    let give_back =
        serde_json::json!({ "decision": "return", "revision": 1, "comment": "Уточните" });
    s.post_json(&review_uri(visit.id), Some(&sup), &give_back)
        .await
        .expect(StatusCode::OK);
    let mut corrected = visit.clone();
    corrected.revision = 2;
    corrected.comment = "исправлено".into();
    s.push_ok(&a1, &corrected).await;

    // The supervisor still looking at revision 1 approves: revision 2 is not approved unseen.
    let stale = serde_json::json!({ "decision": "approve", "revision": 1 });
    let e = s
        .post_json(&review_uri(visit.id), Some(&sup), &stale)
        .await
        .error(StatusCode::CONFLICT);
    assert_eq!(e.code, Refusal::RevisionChanged);
    assert_eq!(s.detail(&sup, visit.id).await.state, ReviewState::Submitted);
    // A request that names no revision is not read at all.
    let unnamed = serde_json::json!({ "decision": "approve" });
    let e = s
        .post_json(&review_uri(visit.id), Some(&sup), &unnamed)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.code, Refusal::Invalid);
    let current = serde_json::json!({ "decision": "approve", "revision": 2 });
    s.post_json(&review_uri(visit.id), Some(&sup), &current)
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_photo_is_read_only_through_a_visit_of_its_uploader_and_pushes_tell_nothing() {
    let s = Server::new();
    let (a1, a2) = (s.login("auditor1").await, s.login("auditor2").await);
    let sup = s.login("supervisor").await;
    let own = s.with_photo(s.visit("auditor1"), PNG);
    s.push_ok(&a1, &own).await;
    s.put_photo(Some(&a1), &sha256(PNG), PNG)
        .await
        .expect(StatusCode::CREATED);

    // auditor2 has learnt the hash and names it in a visit of their own.
    let probe = s.with_photo(s.visit("auditor2"), PNG);
    let missing = s.push_ok(&a2, &probe).await;
    assert_eq!(
        missing,
        vec![sha256(PNG)],
        "the push answers as for a photo nobody has"
    );
    assert_eq!(
        s.detail(&a2, probe.id).await.missing_photos,
        vec![sha256(PNG)]
    );
    let e = s
        .get(&format!("/api/v1/photos/{}", sha256(PNG)), Some(&a2))
        .await
        .error(StatusCode::NOT_FOUND);
    assert_eq!(e.code, Refusal::NotFound);

    // Uploading the same bytes is answered as a first upload (201), not "already here".
    s.put_photo(Some(&a2), &sha256(PNG), PNG)
        .await
        .expect(StatusCode::CREATED);
    s.put_photo(Some(&a2), &sha256(PNG), PNG)
        .await
        .expect(StatusCode::OK);
    s.get(&format!("/api/v1/photos/{}", sha256(PNG)), Some(&a2))
        .await
        .expect(StatusCode::OK);
    s.get(&format!("/api/v1/photos/{}", sha256(PNG)), Some(&sup))
        .await
        .expect(StatusCode::OK);
    assert_eq!(s.count("photos"), 1, "the bytes are kept once");
}

#[test]
fn user_add_binds_a_supervisor_to_branches_and_refuses_an_unknown_one() {
    use std::ffi::OsStr;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("z.db");
    let seeds = seeds();
    let add = |login: &str, scope: &[&str]| {
        let mut args: Vec<&OsStr> = ["user", "add", login, "--role", "supervisor"]
            .map(OsStr::new)
            .to_vec();
        for b in scope {
            args.extend([OsStr::new("--scope"), OsStr::new(b)]);
        }
        args.extend([
            OsStr::new("--db"),
            db.as_os_str(),
            OsStr::new("--seeds"),
            seeds.as_os_str(),
        ]);
        run_cli(&args, b"klin-violet-ice\n")
    };
    let ok = add("head", &["klin", "podolsk"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = add("stranger", &["klin", "atlantis"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no branch `atlantis`"));
    let database = Db::open(&db).unwrap();
    let bound = database
        .blocking(|c| scope::bound_branches(c, "head"))
        .unwrap();
    assert_eq!(bound, ["klin", "podolsk"].map(String::from).into());
    let users: i64 = database
        .blocking(|c| Ok(c.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(users, 1, "the refused user is not added");
}
