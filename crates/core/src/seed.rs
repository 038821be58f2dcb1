//! Reading the seed files: checklist templates (TOML) and the office directory (CSV).
//!
//! Seeds are written by people, so every mistake is reported with the file, the line and
//! the field, and a file with any mistake yields nothing at all.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::directory::{Branch, Directory, Office};
use crate::label::Label;
use crate::template::{Band, ChoiceOption, Item, ItemKind, Scenario, Section, Template};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    id: Spanned<String>,
    version: Spanned<i64>,
    title: Spanned<RawLabel>,
    #[serde(default)]
    scenarios: Vec<RawScenario>,
    sections: Spanned<Vec<RawSection>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    id: Spanned<String>,
    label: Spanned<RawLabel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: Spanned<String>,
    title: Spanned<RawLabel>,
    items: Spanned<Vec<RawItem>>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    label: Spanned<RawLabel>,
    hint: Option<RawLabel>,
    kind: Spanned<String>,
    weight: Spanned<f64>,
    #[serde(default)]
    critical: bool,
    #[serde(default)]
    allow_na: bool,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default = "yes")]
    comment: bool,
    #[serde(default)]
    photo: bool,
    timer: Option<Spanned<bool>>,
    unit: Option<RawLabel>,
    bands: Option<Spanned<Vec<RawBand>>>,
    options: Option<Spanned<Vec<RawOption>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    max: Spanned<f64>,
    score: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: Spanned<String>,
    label: RawLabel,
    score: Spanned<f64>,
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

fn check_share(ctx: &Ctx, value: &Spanned<f64>, field: &str) -> Result<f64, SeedError> {
    let v = *value.get_ref();
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        ctx.err(value.span(), field, format!("{v} must be between 0 and 1"))
    }
}

/// Parses and validates a checklist template. `file` names the source in errors.
pub fn parse_template(file: &str, text: &str) -> Result<Template, SeedError> {
    let ctx = Ctx { file, text };
    let raw: RawTemplate = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;

    let id = check_id(&ctx, &raw.id, "id")?;
    let version = *raw.version.get_ref();
    let version = match u32::try_from(version) {
        Ok(v) if v >= 1 => v,
        _ => {
            return ctx.err(
                raw.version.span(),
                "version",
                format!("{version} must be a whole number from 1"),
            );
        }
    };
    let title = check_label(&ctx, raw.title, "title")?;

    let mut scenarios = Vec::new();
    let mut scenario_ids = HashSet::new();
    for s in raw.scenarios {
        let sid = check_id(&ctx, &s.id, "scenarios.id")?;
        if !scenario_ids.insert(sid.clone()) {
            return ctx.err(
                s.id.span(),
                "scenarios.id",
                format!("scenario `{sid}` is defined twice"),
            );
        }
        scenarios.push(Scenario {
            id: sid,
            label: check_label(&ctx, s.label, "scenarios.label")?,
        });
    }

    let sections_span = raw.sections.span();
    let raw_sections = raw.sections.into_inner();
    if raw_sections.is_empty() {
        return ctx.err(
            sections_span,
            "sections",
            "a checklist needs at least one section",
        );
    }
    let mut section_ids = HashSet::new();
    let mut item_ids = HashSet::new();
    let mut sections = Vec::new();
    for rs in raw_sections {
        let sid = check_id(&ctx, &rs.id, "sections.id")?;
        if !section_ids.insert(sid.clone()) {
            return ctx.err(
                rs.id.span(),
                "sections.id",
                format!("section `{sid}` is defined twice"),
            );
        }
        let title = check_label(&ctx, rs.title, "sections.title")?;
        let items_span = rs.items.span();
        let raw_items = rs.items.into_inner();
        if raw_items.is_empty() {
            return ctx.err(
                items_span,
                "sections.items",
                format!("section `{sid}` has no items"),
            );
        }
        let mut items = Vec::new();
        for ri in raw_items {
            let id_span = ri.id.span();
            let item = parse_item(&ctx, ri)?;
            if !item_ids.insert(item.id.clone()) {
                return ctx.err(
                    id_span,
                    "items.id",
                    format!("item `{}` is defined twice", item.id),
                );
            }
            items.push(item);
        }
        sections.push(Section {
            id: sid,
            title,
            items,
        });
    }
    Ok(Template {
        id,
        version,
        title,
        sections,
        scenarios,
    })
}

fn parse_item(ctx: &Ctx, ri: RawItem) -> Result<Item, SeedError> {
    let id = check_id(ctx, &ri.id, "items.id")?;
    let label = check_label(ctx, ri.label, "items.label")?;
    let weight = *ri.weight.get_ref();
    if !(weight.is_finite() && weight > 0.0 && weight <= 1000.0) {
        return ctx.err(
            ri.weight.span(),
            "weight",
            format!("{weight} must be greater than 0 and at most 1000"),
        );
    }
    let kind_span = ri.kind.span();
    let kind = match ri.kind.get_ref().as_str() {
        "yes_no" | "scale" => {
            if let Some(b) = &ri.bands {
                return ctx.err(b.span(), "bands", "only `number` items have bands");
            }
            if let Some(o) = &ri.options {
                return ctx.err(o.span(), "options", "only `choice` items have options");
            }
            if ri.kind.get_ref() == "yes_no" {
                ItemKind::YesNo
            } else {
                ItemKind::Scale
            }
        }
        "number" => {
            let Some(bands) = ri.bands else {
                return ctx.err(
                    kind_span,
                    "bands",
                    format!("number item `{id}` needs `bands`"),
                );
            };
            let unit = ri.unit.map(Label::from).unwrap_or_default();
            let span = bands.span();
            let mut out: Vec<Band> = Vec::new();
            for b in bands.into_inner() {
                let max = *b.max.get_ref();
                if !max.is_finite() || max < 0.0 {
                    return ctx.err(
                        b.max.span(),
                        "bands.max",
                        format!("{max} must be a number from 0"),
                    );
                }
                if out.last().is_some_and(|prev| prev.max >= max) {
                    return ctx.err(
                        b.max.span(),
                        "bands.max",
                        "bands must be in increasing order of `max`",
                    );
                }
                out.push(Band {
                    max,
                    score: check_share(ctx, &b.score, "bands.score")?,
                });
            }
            if out.is_empty() {
                return ctx.err(span, "bands", "at least one band is needed");
            }
            ItemKind::Number { unit, bands: out }
        }
        "choice" => {
            let Some(options) = ri.options else {
                return ctx.err(
                    kind_span,
                    "options",
                    format!("choice item `{id}` needs `options`"),
                );
            };
            let span = options.span();
            let mut out: Vec<ChoiceOption> = Vec::new();
            for o in options.into_inner() {
                let oid = check_id(ctx, &o.id, "options.id")?;
                if out.iter().any(|p| p.id == oid) {
                    return ctx.err(
                        o.id.span(),
                        "options.id",
                        format!("option `{oid}` is defined twice"),
                    );
                }
                let label: Label = o.label.into();
                if label.ru.is_empty() {
                    return ctx.err(
                        o.id.span(),
                        "options.label.ru",
                        "the Russian text must not be empty",
                    );
                }
                out.push(ChoiceOption {
                    id: oid,
                    label,
                    score: check_share(ctx, &o.score, "options.score")?,
                });
            }
            if out.len() < 2 {
                return ctx.err(span, "options", "a choice needs at least two options");
            }
            ItemKind::Choice { options: out }
        }
        other => {
            return ctx.err(
                kind_span,
                "kind",
                format!("unknown kind `{other}`: use yes_no, scale, number or choice"),
            );
        }
    };
    let timer = ri.timer.as_ref().is_some_and(|t| *t.get_ref());
    if let Some(t) = ri
        .timer
        .filter(|_| timer && !matches!(kind, ItemKind::Number { .. }))
    {
        return ctx.err(
            t.span(),
            "timer",
            "only `number` items can be filled by the timer",
        );
    }
    Ok(Item {
        id,
        label,
        hint: ri.hint.map(Label::from),
        kind,
        weight,
        critical: ri.critical,
        allow_na: ri.allow_na,
        required: ri.required,
        allow_comment: ri.comment,
        allow_photo: ri.photo,
        timer,
    })
}

#[derive(Deserialize)]
struct RawBranch {
    id: String,
    name_ru: String,
    #[serde(default)]
    name_en: String,
    district: String,
    accounts: u32,
}

#[derive(Deserialize)]
struct RawOffice {
    id: String,
    branch_id: String,
    name_ru: String,
    #[serde(default)]
    name_en: String,
    district: String,
    address: String,
}

/// Reads CSV rows of `T`, reporting the line and column name of the first bad value.
fn read_csv<T: for<'de> Deserialize<'de>>(
    file: &str,
    text: &str,
) -> Result<Vec<(usize, T)>, SeedError> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().cloned().map_err(|e| SeedError {
        file: file.to_owned(),
        line: Some(1),
        field: None,
        message: e.to_string(),
    })?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| SeedError {
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
        })?;
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

/// Parses and validates the directory: the branches file, then the offices file.
pub fn parse_directory(
    branches_file: &str,
    branches_text: &str,
    offices_file: &str,
    offices_text: &str,
) -> Result<Directory, SeedError> {
    let mut branches: Vec<Branch> = Vec::new();
    for (line, b) in read_csv::<RawBranch>(branches_file, branches_text)? {
        if b.id.is_empty() {
            return row_err(branches_file, line, "id", "must not be empty");
        }
        if branches.iter().any(|x| x.id == b.id) {
            return row_err(
                branches_file,
                line,
                "id",
                format!("branch `{}` is listed twice", b.id),
            );
        }
        if b.name_ru.is_empty() {
            return row_err(branches_file, line, "name_ru", "must not be empty");
        }
        if b.accounts == 0 {
            return row_err(
                branches_file,
                line,
                "accounts",
                "a branch serves at least one account",
            );
        }
        branches.push(Branch {
            id: b.id,
            name: Label::new(b.name_ru, b.name_en),
            district: b.district,
            accounts: b.accounts,
        });
    }
    let mut offices: Vec<Office> = Vec::new();
    for (line, o) in read_csv::<RawOffice>(offices_file, offices_text)? {
        if o.id.is_empty() {
            return row_err(offices_file, line, "id", "must not be empty");
        }
        if offices.iter().any(|x| x.id == o.id) {
            return row_err(
                offices_file,
                line,
                "id",
                format!("office `{}` is listed twice", o.id),
            );
        }
        if !branches.iter().any(|b| b.id == o.branch_id) {
            return row_err(
                offices_file,
                line,
                "branch_id",
                format!("no branch `{}` in {branches_file}", o.branch_id),
            );
        }
        if o.name_ru.is_empty() {
            return row_err(offices_file, line, "name_ru", "must not be empty");
        }
        offices.push(Office {
            id: o.id,
            branch_id: o.branch_id,
            name: Label::new(o.name_ru, o.name_en),
            district: o.district,
            address: o.address,
        });
    }
    // An empty file is a mistake too (a lost file, a header alone), not an empty network.
    if branches.is_empty() {
        let line = branches_text.lines().count() + 1;
        return row_err(branches_file, line, "id", "no branches listed");
    }
    if offices.is_empty() {
        let line = offices_text.lines().count() + 1;
        return row_err(offices_file, line, "id", "no offices listed");
    }
    Ok(Directory { branches, offices })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMethodology {
    id: Spanned<String>,
    version: Spanned<i64>,
    title: Spanned<RawLabel>,
    league_threshold: Spanned<i64>,
    precision: Spanned<i64>,
    tie_rule: Spanned<String>,
    min_approved_visits: Spanned<i64>,
    criteria: Spanned<Vec<RawCriterion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    label: Spanned<RawLabel>,
    weight: Spanned<f64>,
    source: Spanned<String>,
    kpi: Option<Spanned<String>>,
    best: Option<Spanned<f64>>,
    worst: Option<Spanned<f64>>,
}

/// Parses and validates a rating methodology. `file` names the source in errors.
pub fn parse_methodology(file: &str, text: &str) -> Result<crate::rating::Methodology, SeedError> {
    use crate::rating::{Criterion, Measure, Methodology, TieRule};
    let ctx = Ctx { file, text };
    let raw: RawMethodology = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
    let id = check_id(&ctx, &raw.id, "id")?;
    let whole = |v: &Spanned<i64>, field: &str, min: i64, max: i64| -> Result<i64, SeedError> {
        let n = *v.get_ref();
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            ctx.err(
                v.span(),
                field,
                format!("{n} must be a whole number from {min} to {max}"),
            )
        }
    };
    let version = whole(&raw.version, "version", 1, i64::from(u32::MAX))? as u32;
    let league_threshold = whole(
        &raw.league_threshold,
        "league_threshold",
        0,
        i64::from(u32::MAX),
    )? as u32;
    let precision = whole(&raw.precision, "precision", 0, 3)? as u8;
    let min_approved_visits =
        whole(&raw.min_approved_visits, "min_approved_visits", 0, 1000)? as u32;
    let tie_rule = match raw.tie_rule.get_ref().as_str() {
        "1-2-2-3" => TieRule::Dense,
        "1-2-2-4" => TieRule::Standard,
        other => {
            return ctx.err(
                raw.tie_rule.span(),
                "tie_rule",
                format!("`{other}` is not a tie rule: use \"1-2-2-3\" or \"1-2-2-4\""),
            );
        }
    };
    let title = check_label(&ctx, raw.title, "title")?;
    let span = raw.criteria.span();
    let mut criteria: Vec<Criterion> = Vec::new();
    for c in raw.criteria.into_inner() {
        let cid = check_id(&ctx, &c.id, "criteria.id")?;
        if criteria.iter().any(|x| x.id == cid) {
            return ctx.err(
                c.id.span(),
                "criteria.id",
                format!("criterion `{cid}` is defined twice"),
            );
        }
        let label = check_label(&ctx, c.label, "criteria.label")?;
        let weight = *c.weight.get_ref();
        if !(weight.is_finite() && weight > 0.0 && weight <= 1000.0) {
            return ctx.err(
                c.weight.span(),
                "criteria.weight",
                format!("{weight} must be greater than 0 and at most 1000"),
            );
        }
        let measure = match c.source.get_ref().as_str() {
            "audits" => {
                if let Some(k) = &c.kpi {
                    return ctx.err(
                        k.span(),
                        "criteria.kpi",
                        "an `audits` criterion takes no KPI",
                    );
                }
                Measure::Audits
            }
            "kpi" => {
                let Some(key) = &c.kpi else {
                    return ctx.err(
                        c.source.span(),
                        "criteria.kpi",
                        format!("criterion `{cid}` needs `kpi`, the column of the KPI file"),
                    );
                };
                let key_ok = !key.get_ref().is_empty()
                    && key
                        .get_ref()
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
                if !key_ok {
                    return ctx.err(
                        key.span(),
                        "criteria.kpi",
                        format!(
                            "`{}` is not a column name: use a-z, 0-9, `_`",
                            key.get_ref()
                        ),
                    );
                }
                let (Some(best), Some(worst)) = (&c.best, &c.worst) else {
                    return ctx.err(
                        c.source.span(),
                        "criteria.best",
                        format!("criterion `{cid}` needs `best` and `worst`"),
                    );
                };
                let (b, w) = (*best.get_ref(), *worst.get_ref());
                if !b.is_finite() || !w.is_finite() || b == w {
                    return ctx.err(
                        worst.span(),
                        "criteria.worst",
                        "`best` and `worst` must be different numbers",
                    );
                }
                Measure::Kpi {
                    key: key.get_ref().clone(),
                    best: b,
                    worst: w,
                }
            }
            other => {
                return ctx.err(
                    c.source.span(),
                    "criteria.source",
                    format!("unknown source `{other}`: use audits or kpi"),
                );
            }
        };
        criteria.push(Criterion {
            id: cid,
            label,
            weight,
            measure,
        });
    }
    if criteria.is_empty() {
        return ctx.err(
            span,
            "criteria",
            "a methodology needs at least one criterion",
        );
    }
    Ok(Methodology {
        id,
        version,
        title,
        league_threshold,
        precision,
        tie_rule,
        min_approved_visits,
        criteria,
    })
}

/// KPI figures by branch id, then by KPI key.
pub type Kpis = std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>>;

/// Parses a quarter's KPI file: a `branch_id` column, then one column per KPI key the
/// methodology uses. An empty cell is a figure not reported (the branch is then not
/// rated, and says why); anything else must be a number.
pub fn parse_kpis(
    file: &str,
    text: &str,
    methodology: &crate::rating::Methodology,
    directory: &Directory,
) -> Result<Kpis, SeedError> {
    let err = |line: usize, field: Option<&str>, message: String| SeedError {
        file: file.to_owned(),
        line: Some(line),
        field: field.map(str::to_owned),
        message,
    };
    let known: Vec<&str> = methodology
        .criteria
        .iter()
        .filter_map(|c| match &c.measure {
            crate::rating::Measure::Kpi { key, .. } => Some(key.as_str()),
            crate::rating::Measure::Audits => None,
        })
        .collect();
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
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
        let record = record.map_err(|e| SeedError {
            file: file.to_owned(),
            line: e.position().map(|p| p.line() as usize),
            field: None,
            message: e.to_string(),
        })?;
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
        let mut figures = std::collections::BTreeMap::new();
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
