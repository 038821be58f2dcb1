//! Reading the seed files: checklist templates and rating methodologies (TOML), the
//! office directory and a quarter's KPIs (CSV).
//!
//! Seeds are written by people, so every mistake is reported with the file, the line and
//! the field, and a file with any mistake yields nothing at all. This module holds what
//! the parsers share: the error, finding lines and fields in TOML, and reading CSV rows.

mod case;
mod directory;
mod kpi;
mod methodology;
mod template;

use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::label::Label;

pub use case::parse_case;
pub use directory::parse_directory;
pub use kpi::{Kpis, parse_kpis};
pub use methodology::parse_methodology;
pub use template::parse_template;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SeedError {
    pub file: String,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A TOML file that could not be read into the seed's shape. serde names the key only in
/// some messages, so the key is also looked up in the text where the error points.
fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> SeedError {
    let message = e.message().trim().to_owned();
    let at = e.span().map(|s| s.start);
    SeedError {
        file: file.to_owned(),
        // Errors about the document as a whole carry no span: its start is where to look.
        line: Some(at.map_or(1, |at| line_of(text, at))),
        field: named_field(&message).or_else(|| at.and_then(|at| key_at(text, at))),
        message,
    }
}

/// The field a serde message names: "missing field `weight`", "unknown field `foo`, …".
fn named_field(message: &str) -> Option<String> {
    ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|p| message.split_once(p))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name.to_owned())
        .filter(|name| !name.is_empty())
}

/// The key whose value starts at byte `at`: the last `key =` before it on its line, or in
/// a table header (`[[sections.items]]`) the dotted name up to the part at `at`.
fn key_at(text: &str, at: usize) -> Option<String> {
    let (before, after) = (text.get(..at)?, text.get(at..)?);
    let before = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    if let Some((keys, _)) = before.rsplit_once('=') {
        let key = keys
            .trim_end()
            .rsplit(|c: char| c == '{' || c == ',' || c.is_whitespace())
            .next()
            .unwrap_or_default()
            .trim_matches(['"', '\'']);
        return (!key.is_empty()).then(|| key.to_owned());
    }
    // The error points at the header itself or into it.
    let header = format!("{before}{after}");
    if !header.trim_start().starts_with('[') {
        return None;
    }
    let after = after.trim_start_matches(['[', ' ', '\t']);
    let part = &after[..after.find(['.', ']', '\n']).unwrap_or(after.len())];
    let name = format!("{before}{part}");
    let name = name.trim().trim_start_matches('[').trim();
    (!name.is_empty()).then(|| name.to_owned())
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err<T>(
        &self,
        span: std::ops::Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> Result<T, SeedError> {
        Err(SeedError {
            file: self.file.to_owned(),
            line: Some(line_of(self.text, span.start)),
            field: Some(field.to_owned()),
            message: message.into(),
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    ru: String,
    #[serde(default)]
    en: String,
}

impl From<RawLabel> for Label {
    fn from(raw: RawLabel) -> Self {
        Label {
            ru: raw.ru.trim().to_owned(),
            en: raw.en.trim().to_owned(),
        }
    }
}

/// Ids end up in URLs, file names and the wire format: keep them plain.
fn check_id(ctx: &Ctx, id: &Spanned<String>, field: &str) -> Result<String, SeedError> {
    let value = id.get_ref();
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok {
        Ok(value.clone())
    } else {
        ctx.err(
            id.span(),
            field,
            format!("`{value}` is not a valid id: use 1-64 of a-z, 0-9, `.`, `_`, `-`"),
        )
    }
}

fn check_label(ctx: &Ctx, label: Spanned<RawLabel>, field: &str) -> Result<Label, SeedError> {
    let span = label.span();
    let label: Label = label.into_inner().into();
    if label.ru.is_empty() {
        return ctx.err(
            span,
            &format!("{field}.ru"),
            "the Russian text must not be empty",
        );
    }
    Ok(label)
}

/// An item's or a criterion's weight: relative, so any positive size up to a sane bound.
fn check_weight(ctx: &Ctx, value: &Spanned<f64>, field: &str) -> Result<f64, SeedError> {
    let weight = *value.get_ref();
    if weight.is_finite() && weight > 0.0 && weight <= 1000.0 {
        Ok(weight)
    } else {
        ctx.err(
            value.span(),
            field,
            format!("{weight} must be greater than 0 and at most 1000"),
        )
    }
}

fn check_share(ctx: &Ctx, value: &Spanned<f64>, field: &str) -> Result<f64, SeedError> {
    let v = *value.get_ref();
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        ctx.err(value.span(), field, format!("{v} must be between 0 and 1"))
    }
}

/// Seeds' CSV dialect: `#` starts a comment line, values are trimmed.
fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// A row the CSV reader could not read at all, such as one with too many values.
fn record_error(file: &str, e: &csv::Error) -> SeedError {
    SeedError {
        file: file.to_owned(),
        line: e.position().map(|p| p.line() as usize),
        field: None,
        message: match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("{len} values where the header has {expected_len}")
            }
            _ => e.to_string(),
        },
    }
}

/// Reads CSV rows of `T`, reporting the line and column name of the first bad value.
fn read_csv<T: for<'de> Deserialize<'de>>(
    file: &str,
    text: &str,
) -> Result<Vec<(usize, T)>, SeedError> {
    let mut reader = csv_reader(text);
    let headers = reader.headers().cloned().map_err(|e| SeedError {
        file: file.to_owned(),
        line: Some(1),
        field: None,
        message: e.to_string(),
    })?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| record_error(file, &e))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let row: T = record.deserialize(Some(&headers)).map_err(|e| {
            let (field, message) = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => (
                    err.field()
                        .and_then(|i| headers.get(i as usize))
                        .map(str::to_owned)
                        // A column missing from the header is named only in the message.
                        .or_else(|| named_field(&err.kind().to_string())),
                    match err.kind() {
                        csv::DeserializeErrorKind::ParseInt(_) => {
                            "expected a whole number".to_owned()
                        }
                        other => other.to_string(),
                    },
                ),
                _ => (None, e.to_string()),
            };
            SeedError {
                file: file.to_owned(),
                line: Some(line),
                field,
                message,
            }
        })?;
        rows.push((line, row));
    }
    Ok(rows)
}

fn row_err<T>(
    file: &str,
    line: usize,
    field: &str,
    message: impl Into<String>,
) -> Result<T, SeedError> {
    Err(SeedError {
        file: file.to_owned(),
        line: Some(line),
        field: Some(field.to_owned()),
        message: message.into(),
    })
}
