//! Calibration cases: a reference situation with a key, answered like a visit, never in
//! the rating or the review queue; and the demo's paired visits and case.

use std::collections::BTreeMap;

use zakupka_core::wire::{CalibrationCase, CaseRequest, Refusal};
use zakupka_core::{ItemKind, Template};

use super::*;
/// Reference answers for every item: yes, the best mark, the first option, a number of 5.
fn key(t: &Template) -> BTreeMap<String, AnswerValue> {
    t.items()
        .map(|i| {
            let v = match &i.kind {
                ItemKind::YesNo => AnswerValue::Yes,
                ItemKind::Scale => AnswerValue::Scale(5),
                ItemKind::Number { .. } => AnswerValue::Number(5.0),
                ItemKind::Choice { options } => AnswerValue::Choice(options[0].id.clone()),
            };
            (i.id.clone(), v)
        })
        .collect()
}

pub(super) fn case_request(s: &Server) -> CaseRequest {
    CaseRequest {
        title: "Очередь в обед".into(),
        text: "Вы пришли в 12:30. В зале шесть человек, работает одно окно из трёх.".into(),
        template_id: s.template.id.clone(),
        template_version: s.template.version,
        scenario: s.template.scenarios[1].id.clone(),
        photos: vec![],
        key: key(&s.template),
    }
}

async fn publish(s: &Server, token: &str, request: &CaseRequest) -> Reply {
    s.post_json("/api/v1/cases", Some(token), request).await
}

/// auditor's answer to `case`: the demo generator's answers, as a case answer.
fn answer(s: &Server, auditor: &str, case: &CalibrationCase) -> Visit {
    let mut visit = s.visit(auditor);
    visit.case_id = Some(case.id);
    visit.office_id = String::new();
    visit.scenario = case.scenario.clone();
    visit
}

#[tokio::test]
async fn a_case_is_published_by_supervisors_with_a_key_that_auditors_never_receive() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let a1 = s.login("auditor1").await;
    let request = case_request(&s);
    let e = publish(&s, &a1, &request)
        .await
        .error(StatusCode::FORBIDDEN);
    assert_eq!(e.code, Refusal::RoleForbidden);
    let case: CalibrationCase = publish(&s, &sup, &request)
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(case.published_by, "supervisor");
    assert_eq!(case.key.as_ref(), Some(&request.key));

    let theirs: Vec<CalibrationCase> = s
        .get("/api/v1/cases", Some(&a1))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].text, request.text);
    assert_eq!(theirs[0].key, None, "an auditor would copy the key");
    let raw = s.get("/api/v1/cases", Some(&a1)).await.text();
    assert!(!raw.contains("\"key\""), "{raw}");
    let ours: Vec<CalibrationCase> = s
        .get("/api/v1/cases", Some(&sup))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(ours[0].key.as_ref(), Some(&request.key));
    s.get("/api/v1/cases", None)
        .await
        .error(StatusCode::UNAUTHORIZED);

    // Photos: supervisors upload them, anyone signed in sees them.
    let sha = sha256(PNG);
    let e = s
        .call(
            Method::PUT,
            &format!("/api/v1/cases/photos/{sha}"),
            Some(&a1),
            Some(("image/png", PNG.to_vec())),
        )
        .await
        .error(StatusCode::FORBIDDEN);
    assert_eq!(e.code, Refusal::RoleForbidden);
    s.call(
        Method::PUT,
        &format!("/api/v1/cases/photos/{sha}"),
        Some(&sup),
        Some(("image/png", PNG.to_vec())),
    )
    .await
    .expect(StatusCode::CREATED);
    let with_photo = CaseRequest {
        photos: vec![sha.clone()],
        ..request.clone()
    };
    publish(&s, &sup, &with_photo)
        .await
        .expect(StatusCode::CREATED);
    let shown = s
        .get(&format!("/api/v1/cases/photos/{sha}"), Some(&a1))
        .await
        .expect(StatusCode::OK);
    assert_eq!(&shown.body[..], PNG);
}

#[tokio::test]
async fn a_case_with_a_bad_key_or_hostile_fields_is_refused_and_nothing_is_stored() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let good = case_request(&s);
    let scale = s.scale_item();
    let mut cases: Vec<(CaseRequest, Refusal, String)> = Vec::new();
    let mut k = good.clone();
    k.key.insert(scale.clone(), AnswerValue::Scale(9));
    cases.push((k, Refusal::InvalidKey, format!("key.{scale}")));
    let mut k = good.clone();
    k.key.insert("no.such.item".into(), AnswerValue::Yes);
    cases.push((k, Refusal::InvalidKey, "key.no.such.item".into()));
    let required = s.required_item();
    let mut k = good.clone();
    k.key.remove(&required);
    cases.push((k, Refusal::InvalidKey, format!("key.{required}")));
    cases.push((
        CaseRequest {
            title: "  ".into(),
            ..good.clone()
        },
        Refusal::Invalid,
        "title".into(),
    ));
    cases.push((
        CaseRequest {
            text: "я".repeat(8001),
            ..good.clone()
        },
        Refusal::TooLong,
        "text".into(),
    ));
    cases.push((
        CaseRequest {
            template_version: 999,
            ..good.clone()
        },
        Refusal::UnknownChecklist,
        "template_version".into(),
    ));
    cases.push((
        CaseRequest {
            scenario: "../etc".into(),
            ..good.clone()
        },
        Refusal::UnknownScenario,
        "scenario".into(),
    ));
    cases.push((
        CaseRequest {
            photos: vec!["0".repeat(64)],
            ..good.clone()
        },
        Refusal::NotFound,
        "photos[0]".into(),
    ));
    for (request, code, field) in cases {
        let e = publish(&s, &sup, &request)
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(
            (e.code, e.field.as_deref()),
            (code, Some(field.as_str())),
            "{e:?}"
        );
    }
    let e = s
        .post_json(
            "/api/v1/cases",
            Some(&sup),
            &serde_json::json!({ "title": "x", "key": [] }),
        )
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.code, Refusal::Invalid);
    assert_eq!(s.count("cases"), 0);
}

#[tokio::test]
async fn a_case_answer_is_stored_once_and_never_reaches_the_queue_or_the_rating() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let a1 = s.login("auditor1").await;
    let case: CalibrationCase = publish(&s, &sup, &case_request(&s))
        .await
        .expect(StatusCode::CREATED)
        .json();
    // An approved visit this quarter, so the rating has figures to keep.
    let visit = s.visit("auditor1");
    s.push_ok(&a1, &visit).await;
    s.post_json(
        &format!("/api/v1/visits/{}/review", visit.id),
        Some(&sup),
        &serde_json::json!({ "decision": "approve", "revision": 1 }),
    )
    .await
    .expect(StatusCode::OK);
    let quarter = Quarter::of(visit.finished_at.unwrap());
    let rating_uri = format!("/api/v1/rating?quarter={quarter}");
    let rating_before = s
        .get(&rating_uri, Some(&sup))
        .await
        .expect(StatusCode::OK)
        .text();
    let queue_before = s.visits(&sup).await;
    let pull_before = s.pull(&a1, 0).await;

    let answer1 = answer(&s, "auditor1", &case);
    s.push_ok(&a1, &answer1).await;
    let again: PushResponse = s
        .push(&a1, vec![answer1.clone()])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(again.results[0].status, PushStatus::Duplicate);
    let a2 = s.login("auditor2").await;
    s.push_ok(&a2, &answer(&s, "auditor2", &case)).await;
    assert_eq!(s.count("case_answers"), 2);

    assert_eq!(
        s.get(&rating_uri, Some(&sup)).await.text(),
        rating_before,
        "the rating moved"
    );
    assert_eq!(
        s.visits(&sup).await,
        queue_before,
        "a case answer entered the queue"
    );
    assert_eq!(s.pull(&a1, 0).await.next_cursor, pull_before.next_cursor);
    s.get(&format!("/api/v1/visits/{}", answer1.id), Some(&sup))
        .await
        .error(StatusCode::NOT_FOUND);
    let e = s
        .post_json(
            &format!("/api/v1/visits/{}/review", answer1.id),
            Some(&sup),
            &serde_json::json!({ "decision": "approve", "revision": 1 }),
        )
        .await;
    assert!(
        e.status.is_client_error(),
        "a case answer cannot be decided: {}",
        e.status
    );
    let rating = zakupka_server::rating::latest_methodology;
    let figures =
        s.db.blocking(|c| zakupka_server::rating::compute(c, quarter, &rating(c)?))
            .unwrap();
    let counted: Vec<Uuid> = figures
        .iter()
        .flat_map(|l| &l.rows)
        .flat_map(|r| r.visits.clone())
        .collect();
    assert!(
        !counted.contains(&answer1.id),
        "a case answer counted in the rating"
    );

    // Observations: the key once, then each auditor's answer, item by item.
    let rows =
        s.db.blocking(|c| zakupka_server::cases::observations(c, quarter))
            .unwrap();
    let key_rows: Vec<_> = rows.iter().filter(|r| r.auditor.is_none()).collect();
    assert_eq!(
        key_rows.len(),
        s.template.items().count(),
        "the key answers every item"
    );
    assert!(
        key_rows
            .iter()
            .all(|r| r.case_id == case.id && r.value == 1.0),
        "{key_rows:?}"
    );
    for login in ["auditor1", "auditor2"] {
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| r.auditor.as_deref() == Some(login))
            .collect();
        assert!(!mine.is_empty(), "{login}");
        assert!(mine.iter().all(|r| (0.0..=1.0).contains(&r.value)));
    }
    let no_item = answer1
        .answers
        .iter()
        .find(|(_, a)| a.value == Some(AnswerValue::No));
    if let Some((item, _)) = no_item {
        let row = rows
            .iter()
            .find(|r| r.auditor.as_deref() == Some("auditor1") && &r.item_id == item);
        assert_eq!(row.map(|r| r.value), Some(0.0));
    }
    let later =
        s.db.blocking(|c| zakupka_server::cases::observations(c, quarter.next()))
            .unwrap();
    assert!(
        later.is_empty(),
        "answers count in the quarter they were made"
    );
}

#[tokio::test]
async fn a_case_answer_to_no_case_naming_an_office_or_by_a_supervisor_is_refused() {
    let s = Server::new();
    let sup = s.login("supervisor").await;
    let a1 = s.login("auditor1").await;
    let case: CalibrationCase = publish(&s, &sup, &case_request(&s))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let mut unknown = answer(&s, "auditor1", &case);
    unknown.case_id = Some(Uuid::now_v7());
    let reply: PushResponse = s
        .push(&a1, vec![unknown])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(reply.results[0].status, PushStatus::Rejected);
    assert_eq!(reply.results[0].code, Some(Refusal::UnknownCase));
    let mut other_scenario = answer(&s, "auditor1", &case);
    other_scenario.scenario = s.template.scenarios[0].id.clone();
    let reply: PushResponse = s
        .push(&a1, vec![other_scenario])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(reply.results[0].code, Some(Refusal::UnknownCase));
    let mut at_office = answer(&s, "auditor1", &case);
    at_office.office_id = s.directory.offices[0].id.clone();
    let e = s
        .push(&a1, vec![at_office])
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(
        (e.code, e.field.as_deref()),
        (Refusal::Invalid, Some("visits[0].office_id"))
    );
    let e = s
        .push(&sup, vec![answer(&s, "supervisor", &case)])
        .await
        .error(StatusCode::FORBIDDEN);
    assert_eq!(e.code, Refusal::RoleForbidden);
    assert_eq!(s.count("case_answers"), 0);
    assert_eq!(s.count("visits"), 0);
}

#[tokio::test]
async fn the_demo_has_paired_visits_and_a_case_answered_by_both_auditors() {
    let s = Server::new();
    let methodology = zakupka_server::demo::read_methodology(&seeds()).unwrap();
    let now = Utc::now();
    s.db.blocking(|c| {
        zakupka_server::demo::load_demo(c, &s.template, &s.directory, &methodology, now)
    })
    .unwrap();
    let quarter = Quarter::of(now);
    let sup = s.login("supervisor").await;
    // Offices of this quarter visited by both auditors within a week.
    let (start, _) = quarter.bounds();
    let rows: Vec<(String, String, chrono::DateTime<Utc>)> =
        s.db.blocking(|c| {
            let mut stmt = c.prepare(
                "SELECT office_id, auditor, started_at FROM visits WHERE started_at >= ?1",
            )?;
            let rows = stmt.query_map([start.format("%Y-%m-%dT%H:%M:%S").to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    let mut by_office: BTreeMap<&str, Vec<(&str, chrono::DateTime<Utc>)>> = BTreeMap::new();
    for (office, auditor, at) in &rows {
        by_office.entry(office).or_default().push((auditor, *at));
    }
    let paired = by_office
        .values()
        .filter(|vs| {
            vs.iter().any(|a| {
                vs.iter().any(|b| {
                    a.0 != b.0 && (a.1 - b.1).num_days().abs() <= zakupka_core::wire::PAIR_MAX_DAYS
                })
            })
        })
        .count();
    assert!(paired >= 6, "{paired} offices visited in pairs");
    let assigned = super::pairs::assignments(&s, &sup).await;
    let pair_ids: BTreeSet<_> = assigned.iter().filter_map(|a| a.pair_id).collect();
    assert!(pair_ids.len() >= 6, "{pair_ids:?}");
    // One case with a key, answered by both auditors.
    let cases: Vec<CalibrationCase> = s.get("/api/v1/cases", Some(&sup)).await.json();
    assert_eq!(cases.len(), 1);
    assert!(cases[0].key.is_some());
    let rows =
        s.db.blocking(|c| zakupka_server::cases::observations(c, quarter))
            .unwrap();
    let who: BTreeSet<_> = rows.iter().map(|r| r.auditor.clone()).collect();
    assert_eq!(
        who,
        BTreeSet::from([None, Some("auditor1".into()), Some("auditor2".into())])
    );
    // auditor2 judges harder than the key.
    let mean = |login: Option<&str>| {
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| r.auditor.as_deref() == login)
            .map(|r| r.value)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean(Some("auditor2")) < mean(None));
    // Exactly one flagged visit in the demo, as before: the paired ones are on time.
    let visits = s.visits(&sup).await;
    let flagged = visits.iter().filter(|v| !v.time_flags.is_empty()).count();
    assert_eq!(flagged, 1);
}

/// A case file as a supervisor writes one: the key from [`key`], in TOML.
fn case_file(s: &Server, key: &BTreeMap<String, AnswerValue>) -> String {
    let mut text = format!(
        "title = \"Очередь в обед\"\ntext = \"\"\"В зале шесть человек.\"\"\"\nscenario = \"{}\"\nphotos = [\"hall.png\"]\n\n[key]\n",
        s.template.scenarios[0].id
    );
    for (item, value) in key {
        let v = match value {
            AnswerValue::Yes => "\"yes\"".to_owned(),
            AnswerValue::No => "\"no\"".to_owned(),
            AnswerValue::NotApplicable => "\"n/a\"".to_owned(),
            AnswerValue::Scale(m) => m.to_string(),
            AnswerValue::Number(n) => format!("{n:.1}"),
            AnswerValue::Choice(c) => format!("\"{c}\""),
        };
        text.push_str(&format!("\"{item}\" = {v}\n"));
    }
    text
}

#[test]
fn case_add_publishes_a_case_file_with_its_photo_and_names_the_line_of_a_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("z.db");
    let s = Server::with(Db::open(&db_path).unwrap());
    let file = dir.path().join("case.toml");
    std::fs::write(dir.path().join("hall.png"), PNG).unwrap();
    let scale = s.scale_item();
    let mut bad = key(&s.template);
    bad.insert(scale.clone(), AnswerValue::Scale(7));
    std::fs::write(&file, case_file(&s, &bad)).unwrap();
    let run = || {
        run_cli(
            &[
                "case".as_ref(),
                "add".as_ref(),
                file.as_os_str(),
                "--by".as_ref(),
                "supervisor".as_ref(),
                "--db".as_ref(),
                db_path.as_os_str(),
            ],
            b"",
        )
    };
    let out = run();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("key.{scale}")) && err.contains("line"),
        "{err}"
    );
    assert_eq!(s.count("cases"), 0);

    std::fs::write(&file, case_file(&s, &key(&s.template))).unwrap();
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored =
        s.db.blocking(|c| zakupka_server::cases::list(c, true))
            .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].published_by, "supervisor");
    assert_eq!(stored[0].photos, [sha256(PNG)]);
    assert_eq!(stored[0].key.as_ref(), Some(&key(&s.template)));
}
