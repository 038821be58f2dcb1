//! Checklist templates (TOML): sections of items, each of a kind with its bands or options.

use std::collections::HashSet;

use serde::Deserialize;
use toml::Spanned;

use super::{
    Ctx, RawLabel, SeedError, check_id, check_label, check_share, check_weight, toml_error,
};
use crate::label::Label;
use crate::template::{Band, ChoiceOption, Item, ItemKind, Scenario, Section, Template};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    id: Spanned<String>,
    version: Spanned<i64>,
    title: Spanned<RawLabel>,
    min_duration_minutes: Option<Spanned<i64>>,
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
    photo_max_side: Option<Spanned<u32>>,
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
    let min_duration_minutes = match raw.min_duration_minutes {
        None => None,
        // A day at most: a longer visit is a clock error (`TimeFlag::LongerThanADay`).
        Some(m) => match u32::try_from(*m.get_ref()) {
            Ok(v) if (1..=1440).contains(&v) => Some(v),
            _ => {
                return ctx.err(
                    m.span(),
                    "min_duration_minutes",
                    format!(
                        "{} must be a whole number of minutes from 1 to 1440",
                        m.get_ref()
                    ),
                );
            }
        },
    };

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
        min_duration_minutes,
    })
}

fn parse_item(ctx: &Ctx, ri: RawItem) -> Result<Item, SeedError> {
    let id = check_id(ctx, &ri.id, "items.id")?;
    let label = check_label(ctx, ri.label, "items.label")?;
    let weight = check_weight(ctx, &ri.weight, "weight")?;
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
    let photo_max_side = match ri.photo_max_side {
        Some(side) if !(PHOTO_SIDES.contains(side.get_ref()) && ri.photo) => {
            return ctx.err(
                side.span(),
                "photo_max_side",
                "a photo item's longest side in pixels, from 256 to 8192",
            );
        }
        side => side.map(Spanned::into_inner),
    };
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
        photo_max_side,
    })
}

/// Sides a checklist may ask photos to be kept at: small enough still to read, and no
/// larger than a phone camera's own.
const PHOTO_SIDES: std::ops::RangeInclusive<u32> = 256..=8192;
