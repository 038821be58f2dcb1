//! Each item's answer as the calibration reads it (its share of points, and the answer on
//! the item's own scale), packed when a visit is received. A quarter's calibration then
//! reads a few hundred bytes per visit with the query that finds the pairs, instead of
//! looking up and parsing every payload: that parsing was nearly all of the 12.7 s the
//! national quarter took (BENCHMARKS.md).

use rusqlite::{Connection, params};
use zakupka_core::calibration::Observation;
use zakupka_core::rating::Quarter;
use zakupka_core::{AnswerValue, Template, Visit};

use crate::error::AppError;
use crate::time::ts;

/// Bytes per item: the share and the answer, two little-endian f64.
const ITEM_BYTES: usize = 16;

/// `answer_of(item id)` for every item of `template`, in its order, packed; an item not
/// measured (N/A, unanswered) as NaN, which no measure is.
pub fn pack<'v>(
    template: &Template,
    answer_of: impl Fn(&str) -> Option<&'v AnswerValue>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(template.items().count() * ITEM_BYTES);
    for item in template.items() {
        let (share, answer) = answer_of(&item.id)
            .and_then(|v| Observation::measure(item, v))
            .unwrap_or((f64::NAN, f64::NAN));
        out.extend_from_slice(&share.to_le_bytes());
        out.extend_from_slice(&answer.to_le_bytes());
    }
    out
}

/// The measures of a visit's answers.
pub fn of_visit(template: &Template, visit: &Visit) -> Vec<u8> {
    pack(template, |id| visit.answers.get(id)?.value.as_ref())
}

/// Keeps a finished visit's `measures` under its quarter, office and finish, the order the
/// calibration reads them in; an unfinished one never enters a quarter.
pub fn store(conn: &Connection, id: &str, visit: &Visit, measures: &[u8]) -> Result<(), AppError> {
    let Some(finished) = visit.finished_at else {
        return Ok(());
    };
    conn.prepare_cached(
        "INSERT INTO visit_measures (quarter, office_id, finished_at, visit_id, revision,
             auditor, template_id, template_version, measures)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        Quarter::of(finished).to_string(),
        visit.office_id,
        ts(finished),
        id,
        visit.revision,
        visit.auditor,
        visit.template_id,
        visit.template_version,
        measures
    ])?;
    Ok(())
}

/// What [`pack`] wrote for a checklist of `items` items, one measure per item in order;
/// `None` when the bytes do not fit it, so the caller reads the payload instead.
pub fn unpack(bytes: &[u8], items: usize) -> Option<Vec<Option<(f64, f64)>>> {
    if bytes.len() != items * ITEM_BYTES {
        return None;
    }
    let f = |b: &[u8]| b.try_into().ok().map(f64::from_le_bytes);
    bytes
        .chunks_exact(ITEM_BYTES)
        .map(|c| {
            let (share, answer) = (f(&c[..8])?, f(&c[8..])?);
            Some((!share.is_nan()).then_some((share, answer)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_packed_reads_back_as_the_answers_measures() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds/checklist.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let template = zakupka_core::seed::parse_template("checklist.toml", &text).unwrap();
        let visit = zakupka_core::demo::plausible_visit(
            &template,
            &zakupka_core::Office {
                id: "o".into(),
                branch_id: "b".into(),
                name: zakupka_core::Label::new("", ""),
                district: String::new(),
                address: String::new(),
                position: None,
            },
            "auditor1",
            chrono::Utc::now(),
            3,
            &mut zakupka_core::demo::Lcg::new(5),
        );
        let items: Vec<_> = template.items().collect();
        let read = unpack(&of_visit(&template, &visit), items.len()).unwrap();
        let mut measured = 0;
        for (item, m) in items.iter().zip(&read) {
            let expected = visit.answers[&item.id]
                .value
                .as_ref()
                .and_then(|v| Observation::measure(item, v));
            assert_eq!(*m, expected, "{}", item.id);
            measured += usize::from(m.is_some());
        }
        assert!(measured > items.len() / 2, "most items are answered");
        assert_eq!(unpack(&[0; 15], 1), None, "a wrong length is not read");
    }
}
