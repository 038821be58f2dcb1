//! Rating methodologies (TOML): the criteria, their weights and how each is measured.

use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, RawLabel, SeedError, check_id, check_label, check_weight, toml_error};
use crate::rating::{Criterion, Measure, Methodology, TieRule};

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
    #[serde(default)]
    adjust_for_auditor_severity: bool,
    appeal_window_days: Option<Spanned<i64>>,
    action_due_days: Option<Spanned<i64>>,
    action_due_days_critical: Option<Spanned<i64>>,
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
pub fn parse_methodology(file: &str, text: &str) -> Result<Methodology, SeedError> {
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
    // A year at most: a fix put off longer is no corrective action.
    let due_days = |v: &Option<Spanned<i64>>, field: &str| -> Result<Option<u32>, SeedError> {
        v.as_ref()
            .map(|v| whole(v, field, 1, 366).map(|n| n as u32))
            .transpose()
    };
    let action_due_days = due_days(&raw.action_due_days, "action_due_days")?;
    let action_due_days_critical =
        due_days(&raw.action_due_days_critical, "action_due_days_critical")?;
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
        let source = c.source.get_ref().as_str();
        let measure = match source {
            "audits" | "actions_on_time" | "repeat_defects" => {
                if let Some(k) = &c.kpi {
                    return ctx.err(
                        k.span(),
                        "criteria.kpi",
                        format!("an `{source}` criterion takes no KPI"),
                    );
                }
                match source {
                    "audits" => Measure::Audits,
                    "actions_on_time" => Measure::ActionsOnTime,
                    _ => Measure::RepeatDefects,
                }
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
                    format!(
                        "unknown source `{other}`: use audits, kpi, actions_on_time or repeat_defects"
                    ),
                );
            }
        };
        // A criterion of the loop may weigh nothing: computed and shown, not counted, so a
        // methodology can show it before it counts.
        let weight = match measure {
            Measure::ActionsOnTime | Measure::RepeatDefects if *c.weight.get_ref() == 0.0 => 0.0,
            _ => check_weight(&ctx, &c.weight, "criteria.weight")?,
        };
        criteria.push(Criterion {
            id: cid,
            label,
            weight,
            measure,
        });
    }
    let appeal_window_days = match &raw.appeal_window_days {
        Some(v) => Some(whole(v, "appeal_window_days", 0, 366)? as u32),
        None => None,
    };
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
        adjust_for_auditor_severity: raw.adjust_for_auditor_severity,
        appeal_window_days,
        action_due_days,
        action_due_days_critical,
    })
}
