//! A quarter's calibration on the server: which approved visits were paired (the same
//! office, different auditors, finished within seven days of each other) and the
//! calibration cases answered in it (each with its key), their answers as observations,
//! and the agreement and severities `zakupka_core::calibration` makes of them; also the
//! CSV of it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params};
use serde::Deserialize;
use uuid::Uuid;
use zakupka_core::calibration::{Calibrator, Observation, Rater, SeveritySums};
use zakupka_core::rating::{LeagueTable, Methodology, Quarter, adjust_for_severity};
use zakupka_core::wire::{Calibration, Refusal};
use zakupka_core::{AnswerValue, Template};

use crate::error::AppError;
use crate::export::neutralised;
use crate::sql::Text;
use crate::time::quarter_span;

/// Visits further apart than this are not the same service seen twice.
const PAIRING_WINDOW_DAYS: i64 = 7;

/// One approved visit of a group of paired visits.
struct Paired {
    unit: usize,
    id: Uuid,
    revision: u32,
    auditor: String,
}

/// Groups of the quarter's approved visits (current revision, finished in the quarter) to
/// one office, each group the visits finished within seven days of its first, kept when
/// at least two auditors made them. Returns the visits of the groups and their count.
fn paired_visits(conn: &Connection, quarter: Quarter) -> Result<(Vec<Paired>, usize), AppError> {
    let (start, end) = quarter_span(quarter);
    let mut stmt = conn.prepare(
        "SELECT v.office_id, v.finished_at, v.id, v.revision, v.auditor FROM visits v
         JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
         WHERE r.state = 'approved' AND v.finished_at >= ?1 AND v.finished_at < ?2
         ORDER BY v.office_id, v.finished_at",
    )?;
    let mut rows = stmt.query(params![start, end])?;
    let (mut out, mut units) = (Vec::new(), 0);
    let mut group: Vec<Paired> = Vec::new();
    let mut opened: Option<(String, DateTime<Utc>)> = None;
    let mut close = |group: &mut Vec<Paired>, out: &mut Vec<Paired>| {
        let first = group.first().map(|p| p.auditor.clone());
        if group.iter().any(|p| Some(&p.auditor) != first.as_ref()) {
            out.extend(group.drain(..).map(|p| Paired { unit: units, ..p }));
            units += 1;
        }
        group.clear();
    };
    while let Some(row) = rows.next()? {
        let office = row
            .get_ref(0)?
            .as_str()
            .map_err(|e| AppError::internal("office id", e))?;
        let finished: DateTime<Utc> = row.get(1)?;
        let same = opened.as_ref().is_some_and(|(o, at)| {
            o == office && finished - *at <= Duration::days(PAIRING_WINDOW_DAYS)
        });
        if !same {
            close(&mut group, &mut out);
            opened = Some((office.to_owned(), finished));
        }
        let Text(id) = row.get(2)?;
        group.push(Paired {
            unit: 0,
            id,
            revision: row.get(3)?,
            auditor: row.get(4)?,
        });
    }
    close(&mut group, &mut out);
    Ok((out, units))
}

/// Only the answers of a stored visit: the rest of the payload is skipped unread.
#[derive(Deserialize)]
struct Answers {
    template_id: String,
    template_version: u32,
    answers: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct Value {
    value: Option<AnswerValue>,
}

/// A checklist version with its item ids as shared strings, for observations.
type Scored = Option<(Template, Vec<Arc<str>>)>;

/// Hands the observations of each unit of the quarter's paired visits to `each`, one unit
/// at a time (each answer scored by its own checklist version; N/A and unanswered are
/// missing). Returns the counts of units and visits.
fn each_unit(
    conn: &Connection,
    quarter: Quarter,
    mut each: impl FnMut(&[Observation]),
) -> Result<(usize, usize), AppError> {
    let (paired, units) = paired_visits(conn, quarter)?;
    let mut templates: HashMap<(String, u32), Scored> = HashMap::new();
    let mut auditors: HashMap<String, Arc<str>> = HashMap::new();
    let mut payload =
        conn.prepare_cached("SELECT payload FROM visits WHERE id = ?1 AND revision = ?2")?;
    let mut unit: Vec<Observation> = Vec::new();
    for (n, p) in paired.iter().enumerate() {
        let text: String =
            payload.query_row(params![p.id.to_string(), p.revision], |r| r.get(0))?;
        let visit: Answers = serde_json::from_str(&text)
            .map_err(|e| AppError::internal("stored visit payload", e))?;
        let key = (visit.template_id, visit.template_version);
        if !templates.contains_key(&key) {
            let t = crate::reference::template(conn, &key.0, key.1)?.map(|t| {
                let ids = t.items().map(|i| Arc::from(i.id.as_str())).collect();
                (t, ids)
            });
            templates.insert(key.clone(), t);
        }
        let auditor = auditors
            .entry(p.auditor.clone())
            .or_insert_with(|| Arc::from(p.auditor.as_str()))
            .clone();
        let unit_id: Arc<str> = Arc::from(p.unit.to_string());
        if let Some((template, ids)) = templates.get(&key).and_then(Option::as_ref) {
            for (item, id) in template.items().zip(ids) {
                let Some(value) = visit.answers.get(&item.id).and_then(|a| a.value.as_ref()) else {
                    continue;
                };
                if let Some((share, answer)) = Observation::measure(item, value) {
                    unit.push(Observation {
                        unit: unit_id.clone(),
                        item: id.clone(),
                        rater: Rater::Auditor(auditor.clone()),
                        value: share,
                        answer,
                    });
                }
            }
        }
        if paired.get(n + 1).is_none_or(|next| next.unit != p.unit) {
            each(&unit);
            unit.clear();
        }
    }
    Ok((units, paired.len()))
}

/// Hands each calibration case answered in the quarter to `each` as a unit: its key
/// (`Rater::Key`) and its auditors' answers, as shares of points. Returns how many.
fn each_case(
    conn: &Connection,
    quarter: Quarter,
    mut each: impl FnMut(&[Observation]),
) -> Result<usize, AppError> {
    let mut rows = crate::cases::observations(conn, quarter)?;
    rows.sort_by_key(|o| o.case_id);
    let mut n = 0;
    for case in rows.chunk_by(|a, b| a.case_id == b.case_id) {
        let unit: Arc<str> = Arc::from(format!("case:{}", case[0].case_id));
        let observations: Vec<Observation> = case
            .iter()
            .map(|o| Observation {
                unit: unit.clone(),
                item: Arc::from(o.item_id.as_str()),
                rater: o
                    .auditor
                    .as_deref()
                    .map_or(Rater::Key, |a| Rater::Auditor(Arc::from(a))),
                value: o.value,
                // Cases give shares only: the same order of answers, for alpha.
                answer: o.value,
            })
            .collect();
        each(&observations);
        n += 1;
    }
    Ok(n)
}

/// The quarter's calibration against the current checklist.
pub fn calibration(conn: &Connection, quarter: Quarter) -> Result<Calibration, AppError> {
    let template = crate::reference::latest_template(conn)?
        .ok_or_else(|| AppError::not_found(Refusal::NotFound, "no checklist on this server"))?;
    let mut calibrator = Calibrator::new(&template);
    let (units, visits) = each_unit(conn, quarter, |unit| calibrator.add_unit(unit))?;
    let cases = each_case(conn, quarter, |unit| calibrator.add_unit(unit))?;
    let units = units + cases;
    let (sections, auditors) = calibrator.finish();
    Ok(Calibration {
        quarter,
        units: units as u32,
        visits: visits as u32,
        sections,
        auditors,
    })
}

/// Each auditor's severity in the quarter, in points (see `AuditorSeverity::severity`).
pub fn severity_by_auditor(
    conn: &Connection,
    quarter: Quarter,
) -> Result<HashMap<String, f64>, AppError> {
    let mut sums = SeveritySums::default();
    each_unit(conn, quarter, |unit| sums.add_unit(unit))?;
    each_case(conn, quarter, |unit| sums.add_unit(unit))?;
    Ok(sums
        .finish()
        .into_iter()
        .map(|s| (s.login, s.severity))
        .collect())
}

/// Fills the rating's severity-adjusted mystery-shopper index when the methodology asks
/// for it (see `rating::adjust_for_severity`): each visit shifted by its auditor's
/// severity in the quarter; auditors without a partner are taken as neutral.
pub fn adjust_rating(
    conn: &Connection,
    quarter: Quarter,
    methodology: &Methodology,
    tables: &mut [LeagueTable],
) -> Result<(), AppError> {
    if !methodology.adjust_for_auditor_severity {
        return Ok(());
    }
    let severity = severity_by_auditor(conn, quarter)?;
    let (start, end) = quarter_span(quarter);
    let mut stmt = conn.prepare(
        "SELECT v.id, v.auditor FROM visits v
         JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
         WHERE r.state = 'approved' AND v.finished_at >= ?1 AND v.finished_at < ?2",
    )?;
    let mut shift_of: HashMap<Uuid, f64> = HashMap::new();
    let mut rows = stmt.query(params![start, end])?;
    while let Some(row) = rows.next()? {
        let Text(id) = row.get(0)?;
        let auditor = row.get_ref(1)?.as_str().unwrap_or_default();
        if let Some(s) = severity.get(auditor) {
            shift_of.insert(id, *s);
        }
    }
    adjust_for_severity(methodology, tables, |v| {
        shift_of.get(&v).copied().unwrap_or(0.0)
    });
    Ok(())
}

/// The calibration as one CSV table: a row per section, item and auditor. `value` is
/// alpha for sections and items, severity in points for auditors; text cells are
/// neutralised as in the rating's export.
pub fn csv(c: &Calibration) -> Result<String, AppError> {
    let fail = |e: &dyn std::fmt::Display| AppError::Internal(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "quarter",
        "row",
        "id",
        "label",
        "level",
        "value",
        "low",
        "high",
        "units",
        "observations",
        "note",
    ])
    .map_err(|e| fail(&e))?;
    let num = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.3}"));
    let note = |unreliable: bool| if unreliable { "unreliable wording" } else { "" };
    let quarter = c.quarter.to_string();
    for s in &c.sections {
        w.write_record([
            quarter.clone(),
            "section".into(),
            neutralised(&s.section_id),
            neutralised(&s.title.ru),
            "interval".into(),
            num(s.alpha),
            String::new(),
            String::new(),
            s.units.to_string(),
            String::new(),
            note(s.unreliable).into(),
        ])
        .map_err(|e| fail(&e))?;
        for i in &s.items {
            let level = serde_json::to_value(i.level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            w.write_record([
                quarter.clone(),
                "item".into(),
                neutralised(&i.item_id),
                neutralised(&i.label.ru),
                level,
                num(i.alpha),
                String::new(),
                String::new(),
                i.units.to_string(),
                String::new(),
                note(i.unreliable).into(),
            ])
            .map_err(|e| fail(&e))?;
        }
    }
    for a in &c.auditors {
        w.write_record([
            quarter.clone(),
            "auditor".into(),
            neutralised(&a.login),
            String::new(),
            String::new(),
            num(Some(a.severity)),
            num(a.low),
            num(a.high),
            a.units.to_string(),
            a.observations.to_string(),
            String::new(),
        ])
        .map_err(|e| fail(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| fail(&e))?;
    String::from_utf8(bytes).map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use zakupka_core::Label;
    use zakupka_core::calibration::{AuditorSeverity, SectionAgreement};

    use super::*;

    #[test]
    fn the_file_neutralises_formulas_and_marks_unreliable_wording() {
        let c = Calibration {
            quarter: Quarter { year: 2026, q: 4 },
            units: 3,
            visits: 6,
            sections: vec![SectionAgreement {
                section_id: "hall".into(),
                title: Label::new("=HYPERLINK(\"x\")", "Hall"),
                alpha: Some(0.5),
                units: 3,
                unreliable: true,
                items: vec![],
            }],
            auditors: vec![AuditorSeverity {
                login: "-auditor".into(),
                severity: 4.25,
                low: None,
                high: None,
                units: 1,
                observations: 20,
            }],
        };
        let text = csv(&c).expect("csv");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "2026-Q4,section,hall,\"'=HYPERLINK(\"\"x\"\")\",interval,0.500,,,3,,unreliable wording"
        );
        assert_eq!(lines[2], "2026-Q4,auditor,'-auditor,,,4.250,,,1,20,");
    }
}
