//! The OpenAPI schemas `#[derive(utoipa::ToSchema)]` cannot say (feature `openapi`): a
//! quarter is its text, and an answer's value is one named schema per kind, with the
//! bounds `check_answer` enforces, so a generated request breaks them only on purpose.

use utoipa::openapi::schema::{
    AdditionalProperties, Discriminator, KnownFormat, ObjectBuilder, OneOfBuilder, Schema,
    SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::rating::Quarter;
use crate::template::{NUMBER_MAX, SCALE_MAX, SCALE_MIN};
use crate::visit::{AnswerValue, MAX_COMMENT_CHARS};

/// On the wire a quarter is its text, `2024-Q3`; the pattern is the range `FromStr` takes.
impl PartialSchema for Quarter {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^(20[0-9]{2}|2100)-Q[1-4]$"))
            .description(Some("A calendar quarter, 2000-Q1 to 2100-Q4."))
            .examples(["2026-Q3"])
            .into()
    }
}

impl ToSchema for Quarter {}

/// `AnswerValue` is tagged by `type` with the data in `value`: each kind is a schema of its
/// own (`AnswerValueScale`), and the discriminator maps the tag to it.
fn answer_kinds() -> Vec<(&'static str, &'static str, ObjectBuilder)> {
    let tagged = |tag: &str| {
        ObjectBuilder::new()
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([tag])),
            )
            .required("type")
    };
    let scale = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(SCALE_MIN))
        .maximum(Some(SCALE_MAX))
        .description(Some("1 (worst) to 5 (best)."));
    let number = ObjectBuilder::new()
        .schema_type(Type::Number)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
        .minimum(Some(0.0))
        .maximum(Some(NUMBER_MAX))
        .description(Some(
            "A measured number, e.g. minutes of waiting; less is better.",
        ));
    let choice = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("The id of one of the item's options."));
    vec![
        ("AnswerValueYes", "yes", tagged("yes")),
        ("AnswerValueNo", "no", tagged("no")),
        (
            "AnswerValueScale",
            "scale",
            tagged("scale").property("value", scale).required("value"),
        ),
        (
            "AnswerValueNumber",
            "number",
            tagged("number").property("value", number).required("value"),
        ),
        (
            "AnswerValueChoice",
            "choice",
            tagged("choice").property("value", choice).required("value"),
        ),
        (
            "AnswerValueNotApplicable",
            "not_applicable",
            tagged("not_applicable"),
        ),
    ]
}

impl PartialSchema for AnswerValue {
    fn schema() -> RefOr<Schema> {
        let kinds = answer_kinds();
        let mapping = kinds
            .iter()
            .map(|(name, tag, _)| (*tag, format!("#/components/schemas/{name}")));
        let one_of = kinds
            .iter()
            .fold(OneOfBuilder::new(), |one_of, (name, ..)| {
                one_of.item(Ref::from_schema_name(*name))
            });
        one_of
            .discriminator(Some(Discriminator::with_mapping("type", mapping)))
            .description(Some(
                "An answer's value: `{\"type\": \"yes\"}`, `{\"type\": \"scale\", \"value\": 4}`, \
                 `{\"type\": \"number\", \"value\": 17.5}`, `{\"type\": \"choice\", \"value\": \
                 \"verbal\"}`. Kinds without data have no `value`.",
            ))
            .into()
    }
}

impl ToSchema for AnswerValue {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for (name, _, schema) in answer_kinds() {
            schemas.push((name.to_owned(), schema.into()));
        }
    }
}

/// A comment of the visit or on one of its items: `Visit::validate` and the review refuse
/// longer ones.
pub(crate) fn comment() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(MAX_COMMENT_CHARS))
}

/// Comments by item id, each a [`comment`].
pub(crate) fn comments_by_item() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::RefOr(comment().into())))
}
