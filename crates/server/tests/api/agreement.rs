//! Agreement and severity of a quarter (`GET /calibration/{quarter}`): approved visits
//! of one office by different auditors within seven days become units; a harsher auditor
//! shows as such, in the JSON, the CSV and, with the switch on, the rating.

use zakupka_core::ItemKind;
use zakupka_core::wire::Calibration;

use super::*;

/// A visit of `auditor` to the first office, finished `days_ago`, answering every yes/no
/// item `yes` and the rest as generated (the same for every call).
fn visit_at(s: &Server, auditor: &str, days_ago: i64, yes: bool) -> Visit {
    visit_to(s, 0, auditor, days_ago, yes)
}

/// The same, to the office at `office` in the directory.
fn visit_to(s: &Server, office: usize, auditor: &str, days_ago: i64, yes: bool) -> Visit {
    let mut v = s.visit(auditor);
    let template = s.template.clone();
    let base = s.visit("auditor1");
    v.answers = base.answers;
    for item in template.items() {
        if matches!(item.kind, ItemKind::YesNo)
            && let Some(a) = v.answers.get_mut(&item.id)
        {
            a.value = Some(if yes {
                AnswerValue::Yes
            } else {
                AnswerValue::No
            });
        }
    }
    v.office_id = s.directory.offices[office].id.clone();
    let finished = Utc::now() - Duration::days(days_ago) - Duration::hours(1);
    v.started_at = finished - Duration::minutes(30);
    v.finished_at = Some(finished);
    v
}

#[tokio::test]
async fn paired_visits_show_who_scores_harsher_and_which_items_disagree() {
    let s = Server::new();
    let (a1, a2) = (s.login("auditor1").await, s.login("auditor2").await);
    let supervisor = s.login("supervisor").await;
    // auditor1 says no where auditor2, a day later, says yes; auditor2's visit ten days
    // before has no partner within seven days.
    let harsh = visit_at(&s, "auditor1", 0, false);
    let lenient = visit_at(&s, "auditor2", 1, true);
    let lone = visit_at(&s, "auditor2", 11, true);
    let quarter = Quarter::of(harsh.finished_at.unwrap());
    approved(
        &s,
        &[(&a1, &harsh), (&a2, &lenient), (&a2, &lone)],
        &supervisor,
    )
    .await;
    let c: Calibration = s
        .get(&format!("/api/v1/calibration/{quarter}"), Some(&supervisor))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!((c.units, c.visits), (1, 2), "the lone visit is no unit");
    let logins: Vec<&str> = c.auditors.iter().map(|a| a.login.as_str()).collect();
    assert_eq!(logins, ["auditor1", "auditor2"]);
    assert!(c.auditors[0].severity > 0.0, "auditor1 is harsher: {c:?}");
    assert!(c.auditors[1].severity < 0.0);
    let yes_no: Vec<_> = c
        .sections
        .iter()
        .flat_map(|s| s.items.iter())
        .filter(|i| {
            s.template
                .item(&i.item_id)
                .is_some_and(|t| t.kind == ItemKind::YesNo)
        })
        .collect();
    assert!(!yes_no.is_empty());
    assert!(
        yes_no.iter().all(|i| i.unreliable && i.units == 1),
        "{yes_no:?}"
    );

    // Visits received before measures were kept at receipt are read from their payload,
    // with the same figures.
    s.db.blocking(|c| Ok(c.execute("UPDATE visit_measures SET measures = X''", [])?))
        .unwrap();
    let from_payloads: Calibration = s
        .get(&format!("/api/v1/calibration/{quarter}"), Some(&supervisor))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(from_payloads, c);

    let file = s
        .get(
            &format!("/api/v1/calibration/{quarter}/export"),
            Some(&supervisor),
        )
        .await
        .expect(StatusCode::OK);
    let text = file.text();
    assert!(
        text.starts_with("quarter,row,id,label,level,value,low,high,units,observations,note\n")
    );
    assert!(
        text.contains(&format!("{quarter},auditor,auditor1,,,")),
        "{text}"
    );
    assert!(text.contains("unreliable wording"));
}

#[tokio::test]
async fn a_bad_quarter_is_refused() {
    let s = Server::new();
    let supervisor = s.login("supervisor").await;
    let e = s
        .get("/api/v1/calibration/2026-Q5", Some(&supervisor))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.code, zakupka_core::wire::Refusal::Invalid);
}

/// Pushes `visits` (each with its auditor's token) and approves them as the supervisor.
async fn approved(s: &Server, visits: &[(&str, &Visit)], supervisor: &str) {
    for (token, v) in visits {
        s.push_ok(token, v).await;
        let approve = serde_json::json!({ "decision": "approve", "revision": 1 });
        s.post_json(
            &format!("/api/v1/visits/{}/review", v.id),
            Some(supervisor),
            &approve,
        )
        .await
        .expect(StatusCode::OK);
    }
}

#[tokio::test]
async fn with_the_switch_on_a_harsh_auditors_branch_shows_a_higher_adjusted_index() {
    use zakupka_core::wire::Rating;
    let s = Server::new();
    let (a1, a2) = (s.login("auditor1").await, s.login("auditor2").await);
    let supervisor = s.login("supervisor").await;
    // The pair that shows auditor1 harsher, then two visits of auditor1 alone to an office
    // of another branch.
    let home = super::scope::branch_of(&s, &s.directory.offices[0].id);
    let elsewhere = s
        .directory
        .offices
        .iter()
        .position(|o| o.branch_id != home)
        .expect("an office of another branch");
    let visits = [
        visit_at(&s, "auditor1", 0, false),
        visit_at(&s, "auditor2", 1, true),
        visit_to(&s, elsewhere, "auditor1", 2, true),
        visit_to(&s, elsewhere, "auditor1", 3, true),
    ];
    let quarter = Quarter::of(visits[0].finished_at.unwrap());
    let tokens = [&a1, &a2, &a1, &a1];
    let pushed: Vec<(&str, &Visit)> = tokens
        .iter()
        .map(|t| t.as_str())
        .zip(visits.iter())
        .collect();
    approved(&s, &pushed, &supervisor).await;
    super::scope::import_kpis(&s, quarter);
    let branch = s.directory.offices[elsewhere].branch_id.clone();
    let row = |r: &Rating| {
        r.tables
            .iter()
            .flat_map(|t| t.rows.iter())
            .find(|row| row.branch_id == branch)
            .cloned()
            .expect("the branch is rated")
    };
    let uri = format!("/api/v1/rating?quarter={quarter}");
    let off: Rating = s
        .get(&uri, Some(&supervisor))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(row(&off).adjusted_audits, None, "off by default");

    let mut m =
        s.db.blocking(|c| zakupka_server::rating::latest_methodology(c))
            .unwrap();
    m.version += 1;
    m.adjust_for_auditor_severity = true;
    s.db.blocking(|c| zakupka_server::rating::store_methodology(c, &m))
        .unwrap();
    let on: Rating = s
        .get(&uri, Some(&supervisor))
        .await
        .expect(StatusCode::OK)
        .json();
    let (before, after) = (row(&off), row(&on));
    let raw = before
        .criteria
        .iter()
        .find(|c| c.criterion_id == "service-quality")
        .expect("the audit criterion")
        .value;
    let adjusted = after
        .adjusted_audits
        .expect("the adjusted index, with the switch on");
    assert!(adjusted > raw, "{adjusted} beside the raw {raw}");
    assert_eq!((after.place, after.score), (before.place, before.score));
}

#[tokio::test]
async fn a_calibration_case_key_shows_a_lone_auditors_severity() {
    use zakupka_core::wire::CalibrationCase;
    let s = Server::new();
    let (a1, supervisor) = (s.login("auditor1").await, s.login("supervisor").await);
    // The key says yes to every yes/no item; auditor1 says no to all of them.
    let case: CalibrationCase = s
        .post_json(
            "/api/v1/cases",
            Some(&supervisor),
            &super::cases::case_request(&s),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    let mut answer = visit_at(&s, "auditor1", 0, false);
    answer.case_id = Some(case.id);
    answer.office_id = String::new();
    answer.scenario = case.scenario.clone();
    s.push_ok(&a1, &answer).await;
    let quarter = Quarter::of(answer.started_at);
    let c: Calibration = s
        .get(&format!("/api/v1/calibration/{quarter}"), Some(&supervisor))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!((c.units, c.visits), (1, 0), "the case is the one unit");
    // With no partner but the key, only the key can tell how harsh auditor1 is.
    assert_eq!(c.auditors.len(), 1, "{c:?}");
    assert_eq!(c.auditors[0].login, "auditor1");
    assert!(c.auditors[0].severity > 0.0, "{c:?}");
}
