//! Paired visits: two auditors on one office within seven days, as two assignments
//! sharing a pair id that the auditors never see.

use zakupka_core::wire::{PairRequest, PairResponse, PairedVisit, Refusal};

use super::*;

/// A pair for auditor1 and auditor2 at the office [`Server::assignment`] uses, each
/// window `days` long, the second starting `gap` days after the first.
pub(super) fn pair(s: &Server, days: i64, gap: i64) -> PairRequest {
    let one = s.assignment("auditor1");
    let last = one.due;
    let first_from = last - Duration::days(gap + days);
    let window = |auditor: &str, from: chrono::NaiveDate| PairedVisit {
        auditor: auditor.to_owned(),
        from,
        due: from + Duration::days(days),
    };
    PairRequest {
        office_id: one.office_id,
        quarter: one.quarter,
        scenario: one.scenario,
        visits: [
            window("auditor1", first_from),
            window("auditor2", first_from + Duration::days(gap)),
        ],
        note: String::new(),
        dry_run: false,
    }
}

async fn send_pair(s: &Server, token: &str, request: &PairRequest) -> Reply {
    s.post_json("/api/v1/assignments/pairs", Some(token), request)
        .await
}

pub(crate) async fn assignments(s: &Server, token: &str) -> Vec<Assignment> {
    s.get("/api/v1/assignments", Some(token))
        .await
        .expect(StatusCode::OK)
        .json()
}

#[tokio::test]
async fn a_pair_is_two_assignments_sharing_an_id_that_the_auditors_never_see() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let request = pair(&s, 2, 3);
    let checked: PairResponse = send_pair(
        &s,
        &sup,
        &PairRequest {
            dry_run: true,
            ..request.clone()
        },
    )
    .await
    .expect(StatusCode::OK)
    .json();
    assert!(checked.assignments.is_empty());
    assert_eq!(s.count("assignments"), 0, "a dry run stores nothing");

    let made: PairResponse = send_pair(&s, &sup, &request)
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(made.assignments.len(), 2);
    let pair_id = made.assignments[0].pair_id.expect("a pair id");
    assert_eq!(made.assignments[1].pair_id, Some(pair_id));
    let auditors: Vec<&str> = made
        .assignments
        .iter()
        .map(|a| a.auditor.as_str())
        .collect();
    assert_eq!(auditors, ["auditor1", "auditor2"]);
    assert_eq!(made.assignments[1].from, Some(request.visits[1].from));
    // The supervisor sees the pair.
    let all = assignments(&s, &sup).await;
    assert!(all.iter().all(|a| a.pair_id == Some(pair_id)), "{all:?}");
    // Each auditor sees their own assignment and window, and nothing of the partner.
    for login in ["auditor1", "auditor2"] {
        let token = s.login(login).await;
        let mine = assignments(&s, &token).await;
        assert_eq!(mine.len(), 1, "{login}: {mine:?}");
        assert_eq!(mine[0].auditor, login);
        assert_eq!(mine[0].pair_id, None, "{login} must not learn of a pair");
        let text = s.get("/api/v1/assignments", Some(&token)).await.text();
        assert!(!text.contains(&pair_id.to_string()));
        let partner = if login == "auditor1" {
            "auditor2"
        } else {
            "auditor1"
        };
        assert!(!text.contains(partner), "{text}");
    }
}

#[tokio::test]
async fn a_pair_is_refused_for_one_auditor_twice_windows_too_far_apart_or_an_own_branch() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let refused = |reply: Reply, code: Refusal, field: &str| {
        let e = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(e.code, code, "{e:?}");
        assert_eq!(e.field.as_deref(), Some(field), "{e:?}");
    };
    let mut same = pair(&s, 2, 3);
    same.visits[1].auditor = "auditor1".into();
    refused(
        send_pair(&s, &sup, &same).await,
        Refusal::PairSameAuditor,
        "visits[1].auditor",
    );
    // Day 0 to day 8: the two visits could be eight days apart.
    refused(
        send_pair(&s, &sup, &pair(&s, 2, 6)).await,
        Refusal::PairTooFarApart,
        "visits",
    );
    let mut backwards = pair(&s, 2, 3);
    backwards.visits[0].from = backwards.visits[0].due + Duration::days(1);
    refused(
        send_pair(&s, &sup, &backwards).await,
        Refusal::PairTooFarApart,
        "visits[0].from",
    );
    // The second auditor works for the office's branch.
    let request = pair(&s, 2, 3);
    let branch = s
        .directory
        .office(&request.office_id)
        .unwrap()
        .branch_id
        .clone();
    s.db.blocking(|c| {
        zakupka_server::assignments::set_branch(c, "auditor2", Some(&branch), &s.directory)
    })
    .unwrap();
    refused(
        send_pair(&s, &sup, &request).await,
        Refusal::OwnBranch,
        "visits[1].auditor",
    );
    assert_eq!(
        s.count("assignments"),
        0,
        "nothing of a refused pair is stored"
    );
    // Exactly seven days apart at most is a pair.
    s.db.blocking(|c| zakupka_server::assignments::set_branch(c, "auditor2", None, &s.directory))
        .unwrap();
    send_pair(&s, &sup, &pair(&s, 2, 5))
        .await
        .expect(StatusCode::CREATED);
    // Auditors may not pair anyone.
    let a1 = s.login("auditor1").await;
    let e = send_pair(&s, &a1, &pair(&s, 1, 1))
        .await
        .error(StatusCode::FORBIDDEN);
    assert_eq!(e.code, Refusal::RoleForbidden);
    // Hostile JSON: one half only.
    let mut one_half = serde_json::to_value(pair(&s, 1, 1)).unwrap();
    one_half["visits"].as_array_mut().unwrap().pop();
    let e = s
        .post_json("/api/v1/assignments/pairs", Some(&sup), &one_half)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.code, Refusal::Invalid);
    assert_eq!(s.count("assignments"), 2);
}
