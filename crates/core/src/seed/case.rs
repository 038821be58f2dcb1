//! Calibration cases (TOML), as a supervisor writes one for `zakupka-server case add`:
//!
//! ```toml
//! title = "Очередь в час пик"
//! text = """Вы пришли в 12:30 ..."""
//! scenario = "meter-readings"
//! photos = ["hall.jpg"]          # files beside this one, optional
//! [key]                           # the reference answer of each item
//! "office.open-hours" = "yes"     # yes_no: "yes", "no"; any item: "n/a"
//! "service.politeness" = 4        # scale: 1..5
//! "queue.wait" = 12               # number
//! "service.outcome" = "solved"    # choice: the option's id
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError, toml_error};
use crate::template::{ItemKind, Template};
use crate::visit::AnswerValue;
use crate::wire::CaseRequest;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    title: Spanned<String>,
    text: Spanned<String>,
    scenario: Spanned<String>,
    #[serde(default)]
    photos: Vec<Spanned<String>>,
    key: BTreeMap<String, Spanned<toml::Value>>,
}

/// A case judged by `template`, and the photo files it names (relative to the file).
/// Every key answer is checked against its item as a visit's answer is.
pub fn parse_case(
    file: &str,
    text: &str,
    template: &Template,
) -> Result<(CaseRequest, Vec<String>), SeedError> {
    let ctx = Ctx { file, text };
    let raw: RawCase = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
    for (field, value) in [("title", &raw.title), ("text", &raw.text)] {
        if value.get_ref().trim().is_empty() {
            return ctx.err(value.span(), field, "must not be empty");
        }
    }
    if template.scenario(raw.scenario.get_ref()).is_none() {
        return ctx.err(
            raw.scenario.span(),
            "scenario",
            format!("no scenario `{}` in the checklist", raw.scenario.get_ref()),
        );
    }
    let mut key = BTreeMap::new();
    for (item_id, value) in &raw.key {
        let field = format!("key.{item_id}");
        let Some(item) = template.item(item_id) else {
            return ctx.err(value.span(), &field, "no such item in the checklist");
        };
        let answer = match (value.get_ref(), &item.kind) {
            (toml::Value::String(s), _) if s == "n/a" => Some(AnswerValue::NotApplicable),
            (toml::Value::String(s), ItemKind::YesNo) if s == "yes" => Some(AnswerValue::Yes),
            (toml::Value::String(s), ItemKind::YesNo) if s == "no" => Some(AnswerValue::No),
            (toml::Value::Integer(n), ItemKind::Scale) => {
                u8::try_from(*n).ok().map(AnswerValue::Scale)
            }
            (toml::Value::Integer(n), ItemKind::Number { .. }) => {
                Some(AnswerValue::Number(*n as f64))
            }
            (toml::Value::Float(x), ItemKind::Number { .. }) => Some(AnswerValue::Number(*x)),
            (toml::Value::String(s), ItemKind::Choice { .. }) => {
                Some(AnswerValue::Choice(s.clone()))
            }
            _ => None,
        };
        let Some(answer) = answer else {
            return ctx.err(
                value.span(),
                &field,
                "not an answer of this item's kind (yes_no: \"yes\"/\"no\", scale: 1-5, number, choice: an option id, or \"n/a\")",
            );
        };
        if let Err(e) = item.check_answer(&answer) {
            return ctx.err(value.span(), &field, e.to_string());
        }
        key.insert(item_id.clone(), answer);
    }
    if let Some(missing) = template.missing_required(&key).first() {
        return Err(SeedError {
            file: file.to_owned(),
            line: None,
            field: Some(format!("key.{missing}")),
            message: "a required item has no reference answer".into(),
        });
    }
    let photos = raw.photos.iter().map(|p| p.get_ref().clone()).collect();
    Ok((
        CaseRequest {
            title: raw.title.into_inner().trim().to_owned(),
            text: raw.text.into_inner().trim().to_owned(),
            template_id: template.id.clone(),
            template_version: template.version,
            scenario: raw.scenario.into_inner(),
            photos: Vec::new(),
            key,
        },
        photos,
    ))
}
