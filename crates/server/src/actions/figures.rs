//! The loop's figures per branch and quarter, for the rating's criteria: actions due in
//! the quarter and closed by their due day; items re-checked by visits approved in the
//! quarter and found failed again.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use zakupka_core::rating::{LoopFigures, Quarter};

use crate::error::AppError;
use crate::time::quarter_span;

/// Each branch's figures in `quarter` (branches without actions are absent).
pub fn loop_figures(
    conn: &Connection,
    quarter: Quarter,
) -> Result<HashMap<String, LoopFigures>, AppError> {
    let (start, end) = quarter.bounds();
    let (first, next) = (start.date_naive(), end.date_naive());
    let mut figures: HashMap<String, LoopFigures> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT branch_id, count(*),
             coalesce(sum(closed_at IS NOT NULL AND substr(closed_at, 1, 10) <= due), 0)
         FROM actions WHERE due >= ?1 AND due < ?2 GROUP BY branch_id",
    )?;
    let rows = stmt.query_map(params![first, next], |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
    })?;
    for row in rows {
        let (branch, due, on_time) = row?;
        let f = figures.entry(branch).or_default();
        (f.due, f.on_time) = (due, on_time);
    }
    let (from, to) = quarter_span(quarter);
    let mut stmt = conn.prepare_cached(
        "SELECT branch_id, count(*), coalesce(sum(recheck = 'repeat'), 0)
         FROM actions WHERE recheck IS NOT NULL AND rechecked_at >= ?1 AND rechecked_at < ?2
         GROUP BY branch_id",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
    })?;
    for row in rows {
        let (branch, rechecked, repeats) = row?;
        let f = figures.entry(branch).or_default();
        (f.rechecked, f.repeats) = (rechecked, repeats);
    }
    Ok(figures)
}
