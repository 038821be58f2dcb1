//! The rating as files: CSV for any tool, XLSX for spreadsheets. Both come from the same
//! rows, so they never disagree.

use rust_xlsxwriter::{Format, Workbook};
use zakupka_core::rating::NotRated;
use zakupka_core::wire::{ExportFormat, Rating};
use zakupka_core::{Directory, League};

use crate::error::AppError;

pub fn league_name(league: League) -> &'static str {
    match league {
        League::Large => "large",
        League::Small => "small",
    }
}

pub fn not_rated_text(reason: &NotRated) -> String {
    match reason {
        NotRated::TooFewVisits { approved, needed } => {
            format!("not rated: {approved} approved visits of {needed} needed")
        }
        NotRated::MissingKpi { keys } => format!("not rated: no KPI {}", keys.join(", ")),
    }
}

/// One value of a row: text, or a number kept as a number for spreadsheets.
pub enum Cell {
    Text(String),
    Number(f64),
    /// A place: a whole number, written without decimals.
    Place(u32),
    Empty,
}

/// The header and the rows: quarter, league, place, branch, score, each criterion's
/// 0-100 score, the place's 90% interval (`place_low`, `place_high`) and whether the
/// branch cannot be told from the leader, and whether the branch is rated (and if not,
/// why). A quarter published before intervals were computed leaves their cells empty.
pub fn rows(r: &Rating, directory: &Directory) -> (Vec<String>, Vec<Vec<Cell>>) {
    let m = &r.methodology;
    let name = |id: &str| {
        directory
            .branch(id)
            .map_or(id.to_owned(), |b| b.name.ru.clone())
    };
    let mut header: Vec<String> = ["quarter", "league", "place", "branch", "score"]
        .map(String::from)
        .to_vec();
    header.extend(m.criteria.iter().map(|c| c.id.clone()));
    header.extend(
        [
            "place_low",
            "place_high",
            "not_separable_from_leader",
            "status",
        ]
        .map(String::from),
    );
    let mut out = Vec::new();
    for t in &r.tables {
        for row in &t.rows {
            let mut rec = vec![
                Cell::Text(r.quarter.to_string()),
                Cell::Text(league_name(t.league).into()),
                Cell::Place(row.place),
                Cell::Text(name(&row.branch_id)),
                Cell::Number(row.score),
            ];
            rec.extend(m.criteria.iter().map(|c| {
                row.criteria
                    .iter()
                    .find(|x| x.criterion_id == c.id)
                    .map_or(Cell::Empty, |x| {
                        Cell::Number((x.score * 100.0).round() / 100.0)
                    })
            }));
            match row.interval {
                Some(i) => rec.extend([
                    Cell::Place(i.low),
                    Cell::Place(i.high),
                    Cell::Text(
                        if i.not_separable_from_leader {
                            "yes"
                        } else {
                            "no"
                        }
                        .into(),
                    ),
                ]),
                None => rec.extend([Cell::Empty, Cell::Empty, Cell::Empty]),
            }
            rec.push(Cell::Text("rated".into()));
            out.push(rec);
        }
        for (id, reason) in &t.not_rated {
            let mut rec = vec![
                Cell::Text(r.quarter.to_string()),
                Cell::Text(league_name(t.league).into()),
                Cell::Empty,
                Cell::Text(name(id)),
                Cell::Empty,
            ];
            rec.extend(m.criteria.iter().map(|_| Cell::Empty));
            rec.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
            rec.push(Cell::Text(not_rated_text(reason)));
            out.push(rec);
        }
    }
    (header, out)
}

pub fn csv(r: &Rating, directory: &Directory) -> Result<String, AppError> {
    let (header, rows) = rows(r, directory);
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: &dyn std::fmt::Display| AppError::Internal(format!("csv: {e}"));
    let header: Vec<String> = header.iter().map(|h| neutralised(h)).collect();
    w.write_record(&header).map_err(|e| fail(&e))?;
    let precision = usize::from(r.methodology.precision);
    for row in rows {
        let rec: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(n, c)| match c {
                Cell::Text(t) => neutralised(t),
                // The score column at the published precision; the rest as they are.
                Cell::Number(v) if n == 4 => format!("{v:.precision$}"),
                Cell::Place(p) => p.to_string(),
                Cell::Number(v) => format!("{v:.2}"),
                Cell::Empty => String::new(),
            })
            .collect();
        w.write_record(&rec).map_err(|e| fail(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| fail(&e))?;
    String::from_utf8(bytes).map_err(|e| fail(&e))
}

/// A text cell a spreadsheet will not run: one starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return is read as a formula by Excel and LibreOffice (a branch name from the
/// directory could be `=HYPERLINK(...)`), so it gets a leading `'`, as OWASP advises.
/// Numbers are written by the server and never pass here.
pub fn neutralised(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

pub fn xlsx(r: &Rating, directory: &Directory) -> Result<Vec<u8>, AppError> {
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let (header, rows) = rows(r, directory);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(r.quarter.to_string()).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (n, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (rr, cc) = (n as u32 + 1, c as u16);
            match cell {
                Cell::Text(t) => sheet.write_string(rr, cc, t).map(|_| ()).map_err(fail)?,
                Cell::Number(v) => sheet.write_number(rr, cc, *v).map(|_| ()).map_err(fail)?,
                Cell::Place(p) => sheet
                    .write_number(rr, cc, f64::from(*p))
                    .map(|_| ())
                    .map_err(fail)?,
                Cell::Empty => {}
            }
        }
    }
    sheet.set_column_width(3, 24).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

/// The rating as a file of `format`.
pub fn file(r: &Rating, directory: &Directory, format: ExportFormat) -> Result<Vec<u8>, AppError> {
    match format {
        ExportFormat::Csv => csv(r, directory).map(String::into_bytes),
        ExportFormat::Xlsx => xlsx(r, directory),
    }
}
