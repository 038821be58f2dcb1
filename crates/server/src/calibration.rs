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
use zakupka_core::calibration::{Calibrator, Cell, Observation, Rater};
use zakupka_core::rating::{LeagueTable, Methodology, Quarter, adjust_for_severity};
use zakupka_core::wire::{Calibration, Refusal};
use zakupka_core::{AnswerValue, Template};

use crate::error::AppError;
use crate::export::neutralised;
use crate::measures;
use crate::sql::Text;
use crate::time::quarter_span;

/// Visits further apart than this are not the same service seen twice.
const PAIRING_WINDOW_DAYS: i64 = 7;

/// One approved visit of a group that may be a unit of paired visits.
struct Member {
    id: Uuid,
    revision: u32,
    /// The auditor, numbered by the calibrator.
    rater: u32,
    template: (String, u32),
    /// What `measures::pack` stored at receipt; `None` before it did.
    measures: Option<Vec<u8>>,
}

/// Only the answers of a stored visit: the rest of the payload is skipped unread.
#[derive(Deserialize)]
struct Answers {
    answers: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct Value {
    value: Option<AnswerValue>,
}

/// A checklist version and the calibrator's number of each of its items, in its order.
type Numbered = Option<(Template, Vec<u32>)>;

/// Turns groups of visits into units of cells for the calibrator: checklists and logins
/// numbered once, answers read from their packed measures.
struct Units<'c, 'k, 't> {
    conn: &'c Connection,
    calibrator: &'k mut Calibrator<'t>,
    templates: HashMap<(String, u32), Numbered>,
    units: usize,
    visits: usize,
    cells: Vec<Cell>,
}

impl Units<'_, '_, '_> {
    /// A group of visits to one office within the window is a unit when at least two
    /// auditors made it: each answer scored by its own checklist version (N/A and
    /// unanswered are missing).
    fn close(&mut self, group: &mut Vec<Member>) -> Result<(), AppError> {
        let paired = group.iter().any(|m| m.rater != group[0].rater);
        if paired {
            for m in group.iter() {
                self.add(m)?;
            }
            self.calibrator.add_cells(&mut self.cells);
            self.cells.clear();
            self.units += 1;
            self.visits += group.len();
        }
        group.clear();
        Ok(())
    }

    fn add(&mut self, m: &Member) -> Result<(), AppError> {
        if !self.templates.contains_key(&m.template) {
            let t = crate::reference::template(self.conn, &m.template.0, m.template.1)?;
            let numbered = t.map(|t| {
                let numbers = t.items().map(|i| self.calibrator.item(&i.id)).collect();
                (t, numbers)
            });
            self.templates.insert(m.template.clone(), numbered);
        }
        let Some((template, numbers)) = self.templates.get(&m.template).and_then(Option::as_ref)
        else {
            return Ok(());
        };
        let stored = m
            .measures
            .as_deref()
            .and_then(|b| measures::unpack(b, numbers.len()));
        let measured = match stored {
            Some(measured) => measured,
            None => {
                let text: String = self
                    .conn
                    .prepare_cached("SELECT payload FROM visits WHERE id = ?1 AND revision = ?2")?
                    .query_row(params![m.id.to_string(), m.revision], |r| r.get(0))?;
                let visit: Answers = serde_json::from_str(&text)
                    .map_err(|e| AppError::internal("stored visit payload", e))?;
                let packed = measures::pack(template, |id| visit.answers.get(id)?.value.as_ref());
                measures::unpack(&packed, numbers.len()).unwrap_or_default()
            }
        };
        for (&item, measure) in numbers.iter().zip(measured) {
            if let Some((value, answer)) = measure {
                self.cells.push(Cell {
                    item,
                    rater: m.rater,
                    value,
                    answer,
                });
            }
        }
        Ok(())
    }
}

/// Adds each unit of the quarter's paired visits to `calibrator`, one unit at a time. A
/// unit is a group of the quarter's approved visits (current revision, finished in the
/// quarter) to one office, finished within seven days of its first, made by at least two
/// auditors. Read in one pass in office and time order, so memory holds one group.
/// Returns the counts of units and visits.
fn each_unit(
    conn: &Connection,
    quarter: Quarter,
    calibrator: &mut Calibrator<'_>,
) -> Result<(usize, usize), AppError> {
    // One range of `visit_measures`, in office and time order by its key, each row's
    // review looked up by its index: no sort, nothing read from `visits`.
    let mut stmt = conn.prepare(
        "SELECT m.office_id, m.finished_at, m.visit_id, m.revision, m.auditor, m.template_id,
                m.template_version, m.measures
         FROM visit_measures m
         CROSS JOIN reviews r ON r.visit_id = m.visit_id AND r.revision = m.revision
         WHERE m.quarter = ?1 AND r.state = 'approved'
         ORDER BY m.office_id, m.finished_at",
    )?;
    let mut rows = stmt.query([quarter.to_string()])?;
    let mut units = Units {
        conn,
        calibrator,
        templates: HashMap::new(),
        units: 0,
        visits: 0,
        cells: Vec::new(),
    };
    let mut logins: HashMap<String, u32> = HashMap::new();
    let mut group: Vec<Member> = Vec::new();
    let mut opened: Option<(String, DateTime<Utc>)> = None;
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
            units.close(&mut group)?;
            opened = Some((office.to_owned(), finished));
        }
        let Text(id) = row.get(2)?;
        let login = row
            .get_ref(4)?
            .as_str()
            .map_err(|e| AppError::internal("auditor", e))?;
        let rater = match logins.get(login) {
            Some(&r) => r,
            None => {
                let r = units.calibrator.rater(&Rater::Auditor(Arc::from(login)));
                logins.insert(login.to_owned(), r);
                r
            }
        };
        group.push(Member {
            id,
            revision: row.get(3)?,
            rater,
            template: (row.get(5)?, row.get(6)?),
            measures: row.get(7)?,
        });
    }
    units.close(&mut group)?;
    Ok((units.units, units.visits))
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
    let (units, visits) = each_unit(conn, quarter, &mut calibrator)?;
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
    let Some(template) = crate::reference::latest_template(conn)? else {
        return Ok(HashMap::new());
    };
    let mut calibrator = Calibrator::new(&template);
    each_unit(conn, quarter, &mut calibrator)?;
    each_case(conn, quarter, |unit| calibrator.add_unit(unit))?;
    let (_, auditors) = calibrator.finish();
    Ok(auditors
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
