//! The demo's calibration data, so the calibration screens have something on first start:
//! offices of this quarter visited by both demo auditors within a week (paired visits,
//! waiting for review, with their pair assignments ticked off), a pair still to do, and
//! one calibration case with its key and both auditors' answers. auditor2 is the harsher
//! judge throughout, so a severity shows.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};
use zakupka_core::demo::{Lcg, cycled_answer, plausible_visit};
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{AssignmentRequest, CaseRequest, PairRequest, PairedVisit};
use zakupka_core::{AnswerValue, Directory, ItemKind, Template, Visit};

use crate::error::AppError;
use crate::{assignments, cases, ingest, pairs};

/// Branches the demo's pairs stay away from: the auditors' own (they may not audit them)
/// and Klin, whose offices the browser tests assign by hand.
const AVOID: &[&str] = &["podolsk", "balashikha", "klin"];

/// How many offices both auditors visited this quarter.
const PAIRED_OFFICES: usize = 6;

/// `auditor2`'s harsher reading of an answer: a yes a no now and then, a mark one lower.
fn harsher(value: &AnswerValue, k: u64) -> AnswerValue {
    match value {
        AnswerValue::Yes if k.is_multiple_of(4) => AnswerValue::No,
        AnswerValue::Scale(m) if *m > 1 && k.is_multiple_of(2) => AnswerValue::Scale(m - 1),
        AnswerValue::Number(n) if k.is_multiple_of(3) => AnswerValue::Number(n + 6.0),
        other => other.clone(),
    }
}

/// `first` as the second auditor saw it: `auditor2`, harsher, `days` later.
fn partner_visit(first: &Visit, days: i64, rng: &mut Lcg) -> Visit {
    let mut second = first.clone();
    let shift = Duration::days(days) + Duration::minutes(rng.below(180) as i64);
    second.id = uuid::Uuid::now_v7();
    second.auditor = "auditor2".into();
    second.started_at += shift;
    second.finished_at = first.finished_at.map(|t| t + shift);
    for fix in [&mut second.start_location, &mut second.finish_location]
        .into_iter()
        .flatten()
    {
        fix.at += shift;
    }
    for answer in second.answers.values_mut() {
        if let Some(v) = &answer.value {
            answer.value = Some(harsher(v, rng.below(12)));
        }
        answer.updated_at += shift;
    }
    second
}

/// Paired visits and pair assignments of `now`'s quarter, stored as devices would push
/// them; returns how many visits.
pub fn load_pairs(
    conn: &mut Connection,
    template: &Template,
    directory: &Directory,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let quarter = Quarter::of(now);
    let start = quarter.bounds().0;
    let mut rng = Lcg::new(23);
    if now - start < Duration::days(8) {
        // Too early in the quarter for visits a few days apart that are over by now.
        return Ok(0);
    }
    let mut assigned =
        conn.prepare("SELECT 1 FROM assignments WHERE office_id = ?1 AND quarter = ?2")?;
    let mut free = |office: &str| -> Result<bool, AppError> {
        Ok(!assigned.exists(params![office, quarter.to_string()])?)
    };
    let mut offices = Vec::new();
    for office in directory
        .offices
        .iter()
        .filter(|o| !AVOID.contains(&o.branch_id.as_str()))
        .skip(3)
        .step_by(13)
    {
        if offices.len() <= PAIRED_OFFICES && free(&office.id)? {
            offices.push(office);
        }
    }
    drop(assigned);
    let mut made = 0;
    let tx = conn.transaction()?;
    for (n, office) in offices.iter().take(PAIRED_OFFICES).enumerate() {
        // Both visits within the quarter so far, the second one to five days after the first.
        let room = (now - start).num_hours().max(0) as u64;
        let days = 1 + rng.below(5) as i64;
        let started = (start + Duration::hours(rng.below(room.max(1)) as i64))
            .min(now - Duration::days(days + 1))
            .max(start);
        let first = plausible_visit(
            template,
            office,
            "auditor1",
            started,
            100 + n as u32,
            &mut rng,
        );
        let second = partner_visit(&first, days, &mut rng);
        let pair_id = uuid::Uuid::now_v7();
        // Assigned first, as a supervisor would, so the visits arrive as assigned ones.
        for v in [&first, &second] {
            let request = AssignmentRequest {
                auditor: v.auditor.clone(),
                office_id: office.id.clone(),
                quarter: Quarter::of(v.started_at),
                scenario: v.scenario.clone(),
                due: second.started_at.date_naive(),
                note: String::new(),
                dry_run: false,
            };
            let from = first.started_at.date_naive();
            assignments::insert(&tx, &request, "supervisor", now, Some((from, pair_id)))?;
        }
        for v in [&first, &second] {
            let payload =
                serde_json::to_string(v).map_err(|e| AppError::internal("demo json", e))?;
            ingest::store(
                &tx,
                v,
                &payload,
                (template, directory),
                "demo",
                v.finished_at.unwrap_or(now),
            )?;
            made += 1;
        }
    }
    tx.commit()?;
    // One pair still to do, in the days ahead (none if the quarter ends today).
    let last_day = (quarter.bounds().1 - Duration::days(1)).date_naive();
    if let Some(office) = offices.get(PAIRED_OFFICES)
        && now.date_naive() < last_day
    {
        let from = now.date_naive();
        let due = (from + Duration::days(5)).min(last_day);
        let window = |auditor: &str| PairedVisit {
            auditor: auditor.into(),
            from,
            due,
        };
        let pair = PairRequest {
            office_id: office.id.clone(),
            quarter,
            scenario: template.scenarios[0].id.clone(),
            visits: [window("auditor1"), window("auditor2")],
            note: String::new(),
            dry_run: false,
        };
        pairs::create(conn, &pair, directory, "supervisor", now)?;
    }
    Ok(made)
}

/// The demo's calibration case, its key, and both auditors' answers to it (auditor2
/// harsher); returns how many answers.
pub fn load_case(
    conn: &mut Connection,
    template: &Template,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let key: BTreeMap<String, AnswerValue> = template
        .items()
        .enumerate()
        .map(|(i, item)| {
            let value = match &item.kind {
                ItemKind::Number { .. } => AnswerValue::Number(18.0),
                _ => cycled_answer(item, i, i % 7 == 3),
            };
            let value = match value {
                AnswerValue::Scale(m) => AnswerValue::Scale(m.max(3)),
                other => other,
            };
            (item.id.clone(), value)
        })
        .collect();
    let request = CaseRequest {
        title: "Очередь в обеденный перерыв".into(),
        text: "Вы пришли в офис в 13:10. В зале шесть посетителей, из трёх окон работает одно; \
               талон выдан через 2 минуты, вызвали через 18 минут. Специалист поздоровался, \
               не представился, на вопрос о строке «Обращение с ТКО» ответил верно, но торопливо, \
               и предложил прийти ещё раз с квитанцией за прошлый месяц.\n\n\
               Оцените визит по чек-листу так, как если бы вы были там сами."
            .into(),
        template_id: template.id.clone(),
        template_version: template.version,
        scenario: template.scenarios[0].id.clone(),
        photos: vec![],
        key: key.clone(),
    };
    let tx = conn.transaction()?;
    let case = cases::publish(&tx, &request, "supervisor", now - Duration::days(9))?;
    let mut rng = Lcg::new(31);
    let mut made = 0;
    for (auditor, harsh) in [("auditor1", false), ("auditor2", true)] {
        let started = now - Duration::days(3 + made as i64);
        let office = zakupka_core::Office {
            id: String::new(),
            branch_id: String::new(),
            name: zakupka_core::Label::new("", ""),
            district: String::new(),
            address: String::new(),
            position: None,
        };
        let mut answer = plausible_visit(template, &office, auditor, started, 200, &mut rng);
        answer.case_id = Some(case.id);
        answer.scenario = case.scenario.clone();
        for (item, a) in answer.answers.iter_mut() {
            let reference = &key[item];
            a.value = Some(if harsh {
                harsher(reference, rng.below(12))
            } else if rng.below(10) == 0 {
                cycled_answer(template.item(item).expect("the key's item"), 1, true)
            } else {
                reference.clone()
            });
        }
        let payload =
            serde_json::to_string(&answer).map_err(|e| AppError::internal("demo json", e))?;
        let digest = format!("{:x}", Sha256::digest(payload.as_bytes()));
        cases::store_answer(&tx, &answer, case.id, &payload, &digest, "demo", now)?;
        made += 1;
    }
    tx.commit()?;
    Ok(made)
}
