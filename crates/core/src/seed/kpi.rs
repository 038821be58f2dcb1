//! A quarter's KPI figures (CSV), one row per branch, one column per KPI.

use std::collections::BTreeMap;

use super::{SeedError, csv_reader, record_error};
use crate::directory::Directory;
use crate::rating::Methodology;

/// KPI figures by branch id, then by KPI key.
pub type Kpis = BTreeMap<String, BTreeMap<String, f64>>;

/// Parses a quarter's KPI file: a `branch_id` column, then one column per KPI key the
/// methodology uses. An empty cell is a figure not reported (the branch is then not
/// rated, and says why); anything else must be a number.
pub fn parse_kpis(
    file: &str,
    text: &str,
    methodology: &Methodology,
    directory: &Directory,
) -> Result<Kpis, SeedError> {
    let err = |line: usize, field: Option<&str>, message: String| SeedError {
        file: file.to_owned(),
        line: Some(line),
        field: field.map(str::to_owned),
        message,
    };
    let known: Vec<&str> = methodology.kpi_keys().collect();
    let mut reader = csv_reader(text);
    let headers = reader
        .headers()
        .map_err(|e| err(1, None, e.to_string()))?
        .clone();
    // After the header the reader stands at the start of the next line.
    let header_line = (reader.position().line() as usize).saturating_sub(1).max(1);
    if headers.get(0) != Some("branch_id") {
        return Err(err(
            header_line.max(1),
            Some("branch_id"),
            "the first column must be `branch_id`".into(),
        ));
    }
    for h in headers.iter().skip(1) {
        if !known.contains(&h) {
            return Err(err(
                header_line.max(1),
                Some(h),
                format!(
                    "`{h}` is not a KPI of methodology {} v{}: use {}",
                    methodology.id,
                    methodology.version,
                    known.join(", ")
                ),
            ));
        }
    }
    let mut out = Kpis::new();
    for record in reader.records() {
        let record = record.map_err(|e| record_error(file, &e))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let branch = record.get(0).unwrap_or_default().to_owned();
        if directory.branch(&branch).is_none() {
            return Err(err(
                line,
                Some("branch_id"),
                format!("no branch `{branch}` in the directory"),
            ));
        }
        if out.contains_key(&branch) {
            return Err(err(
                line,
                Some("branch_id"),
                format!("branch `{branch}` is listed twice"),
            ));
        }
        let mut figures = BTreeMap::new();
        for (h, cell) in headers.iter().zip(record.iter()).skip(1) {
            if cell.is_empty() {
                continue;
            }
            let value: f64 = cell
                .replace(',', ".")
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| err(line, Some(h), format!("`{cell}` is not a number")))?;
            figures.insert(h.to_owned(), value);
        }
        out.insert(branch, figures);
    }
    Ok(out)
}
