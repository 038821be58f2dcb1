//! Network-wide charts for supervisors and admins: the most frequent failed items of a
//! quarter (a Pareto chart: counts, and the cumulative share of all failures), and the
//! median time to fix by branch. Computed over every branch, whatever the caller's scope:
//! they show no visit, only figures per item and per branch.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{BranchFixTime, FailedItem, FailedItems, TimeToFix};
use zakupka_core::{Label, Template, Visit};

use crate::error::AppError;
use crate::sql::{Json, Text};
use crate::time::quarter_span;

/// Failures per item in approved visits (their current revision) finished in `quarter`.
/// An item whose appeal was upheld is not a failure.
pub fn failed_items(conn: &Connection, quarter: Quarter) -> Result<FailedItems, AppError> {
    let (start, end) = quarter_span(quarter);
    let mut upheld: BTreeSet<(String, String)> = BTreeSet::new();
    let mut stmt = conn.prepare_cached(
        "SELECT visit_id, item_id FROM appeals WHERE quarter = ?1 AND state = 'upheld'",
    )?;
    for row in stmt.query_map([quarter.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))? {
        upheld.insert(row?);
    }
    let mut templates: HashMap<(String, u32), Option<Template>> = HashMap::new();
    let mut counts: BTreeMap<String, (u32, Label)> = BTreeMap::new();
    let mut visits = 0;
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.payload FROM visits v
         JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
         WHERE r.state = 'approved' AND v.finished_at >= ?1 AND v.finished_at < ?2",
    )?;
    let mut rows = stmt.query(params![start, end])?;
    while let Some(row) = rows.next()? {
        let Text(id): Text<String> = row.get(0)?;
        let Json(visit): Json<Visit> = row.get(1)?;
        let key = (visit.template_id.clone(), visit.template_version);
        if !templates.contains_key(&key) {
            let t = crate::reference::template(conn, &key.0, key.1)?;
            templates.insert(key.clone(), t);
        }
        let Some(Some(template)) = templates.get(&key) else {
            continue;
        };
        visits += 1;
        for item in template.items() {
            let Some(value) = visit.answers.get(&item.id).and_then(|a| a.value.as_ref()) else {
                continue;
            };
            if zakupka_core::actions::item_failed(item, value)
                && !upheld.contains(&(id.clone(), item.id.clone()))
            {
                let entry = counts
                    .entry(item.id.clone())
                    .or_insert_with(|| (0, item.label.clone()));
                entry.0 += 1;
            }
        }
    }
    Ok(pareto(quarter, visits, counts))
}

/// Orders the counts most frequent first (ties by item id) with cumulative shares.
fn pareto(quarter: Quarter, visits: u32, counts: BTreeMap<String, (u32, Label)>) -> FailedItems {
    let total: u32 = counts.values().map(|c| c.0).sum();
    let mut items: Vec<(String, (u32, Label))> = counts.into_iter().collect();
    items.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
    let mut running = 0;
    let items = items
        .into_iter()
        .map(|(item_id, (count, label))| {
            running += count;
            FailedItem {
                item_id,
                label,
                count,
                cumulative_share: f64::from(running) / f64::from(total.max(1)),
            }
        })
        .collect();
    FailedItems {
        quarter,
        visits,
        total,
        items,
    }
}

/// Per branch, of the actions created in `quarter`: how many a supervisor verified fixed,
/// how many are not, and the median days from the finding to the (verified) fix.
pub fn time_to_fix(conn: &Connection, quarter: Quarter) -> Result<TimeToFix, AppError> {
    let (start, end) = quarter_span(quarter);
    let mut stmt = conn.prepare_cached(
        "SELECT branch_id, state, created_at, closed_at FROM actions
         WHERE created_at >= ?1 AND created_at < ?2",
    )?;
    let mut by_branch: BTreeMap<String, (u32, Vec<f64>)> = BTreeMap::new();
    let rows = stmt.query_map(params![start, end], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, DateTime<Utc>>(2)?,
            r.get::<_, Option<DateTime<Utc>>>(3)?,
        ))
    })?;
    for row in rows {
        let (branch, state, created, closed) = row?;
        let entry = by_branch.entry(branch).or_default();
        match (state.as_str(), closed) {
            ("verified", Some(closed)) => {
                entry
                    .1
                    .push((closed - created).num_seconds() as f64 / 86_400.0);
            }
            _ => entry.0 += 1,
        }
    }
    let mut branches: Vec<BranchFixTime> = by_branch
        .into_iter()
        .map(|(branch_id, (open, mut days))| BranchFixTime {
            branch_id,
            fixed: days.len() as u32,
            open,
            median_days: median(&mut days),
        })
        .collect();
    branches.sort_by(|a, b| match (a.median_days, b.median_days) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.branch_id.cmp(&b.branch_id)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.branch_id.cmp(&b.branch_id),
    });
    Ok(TimeToFix { quarter, branches })
}

/// The median of `values` (the mean of the middle two of an even count); `None` if empty.
fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_middle_two() {
        assert_eq!(super::median(&mut []), None);
        assert_eq!(super::median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(super::median(&mut [4.0, 1.0, 3.0, 10.0]), Some(3.5));
    }
}
