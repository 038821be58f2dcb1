//! The quarterly rating on the server: methodology versions, KPI imports, computing a
//! quarter from approved visits, and publishing, which freezes it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use zakupka_core::rating::{BranchQuarter, LeagueTable, Methodology, Quarter, rate_with_intervals};
use zakupka_core::seed::Kpis;

use crate::error::AppError;
use crate::sql::{Json, Text};
use crate::time::{quarter_span, ts};
use zakupka_core::wire::Refusal;

pub use zakupka_core::wire::{PublishPreview, QuarterInfo, Rating};

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// Keeps a methodology version; like checklists, a version never changes once stored.
pub fn store_methodology(conn: &Connection, m: &Methodology) -> Result<(), AppError> {
    let body = serde_json::to_string(m).map_err(internal)?;
    let old: Option<Json<Methodology>> = conn
        .query_row(
            "SELECT body FROM methodologies WHERE id = ?1 AND version = ?2",
            params![m.id, m.version],
            |r| r.get(0),
        )
        .optional()?;
    match old {
        None => {
            conn.execute(
                "INSERT INTO methodologies (id, version, body) VALUES (?1, ?2, ?3)",
                params![m.id, m.version, body],
            )?;
            Ok(())
        }
        Some(Json(old)) if old == *m => Ok(()),
        Some(_) => Err(AppError::bad(
            Refusal::MethodologyExists,
            "version",
            format!(
                "methodology {} version {} already exists with other content: give it a new version",
                m.id, m.version
            ),
        )),
    }
}

fn published(conn: &Connection, quarter: Quarter) -> Result<Option<Rating>, AppError> {
    Ok(conn
        .query_row(
            "SELECT m.body, p.tables, p.published_at FROM published p
             LEFT JOIN methodologies m ON m.id = p.methodology_id AND m.version = p.methodology_version
             WHERE p.quarter = ?1",
            [quarter.to_string()],
            |r| {
                Ok(Rating {
                    quarter,
                    methodology: r.get::<_, Json<_>>(0)?.0,
                    tables: r.get::<_, Json<_>>(1)?.0,
                    published_at: Some(r.get(2)?),
                })
            },
        )
        .optional()?)
}

/// Replaces the quarter's KPI figures, in one transaction. A published quarter is frozen.
pub fn import_kpis(
    conn: &mut Connection,
    quarter: Quarter,
    kpis: &Kpis,
) -> Result<usize, AppError> {
    if published(conn, quarter)?.is_some() {
        return Err(AppError::conflict(
            Refusal::QuarterPublished,
            format!("{quarter} is published and frozen"),
        ));
    }
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM kpis WHERE quarter = ?1", [quarter.to_string()])?;
    let mut n = 0;
    {
        let mut insert = tx
            .prepare("INSERT INTO kpis (quarter, branch_id, key, value) VALUES (?1, ?2, ?3, ?4)")?;
        for (branch, figures) in kpis {
            for (key, value) in figures {
                insert.execute(params![quarter.to_string(), branch, key, value])?;
                n += 1;
            }
        }
    }
    tx.commit()?;
    Ok(n)
}

/// Computes the quarter from approved visits (their current revision, finished within the
/// quarter) and the imported KPIs, with `methodology`: places, and each place's interval.
pub fn compute(
    conn: &Connection,
    quarter: Quarter,
    methodology: &Methodology,
) -> Result<Vec<LeagueTable>, AppError> {
    let branches = branch_quarters(conn, quarter)?;
    let mut tables = rate_with_intervals(methodology, quarter, &branches);
    crate::calibration::adjust_rating(conn, quarter, methodology, &mut tables)?;
    Ok(tables)
}

/// What the quarter is rated from: every branch of the directory with the scores of its
/// approved visits and its KPI figures.
pub fn branch_quarters(
    conn: &Connection,
    quarter: Quarter,
) -> Result<Vec<BranchQuarter>, AppError> {
    let directory = crate::reference::directory(conn)?;
    let (start, end) = quarter_span(quarter);
    let mut branches: Vec<BranchQuarter> = directory
        .branches
        .iter()
        .map(|b| BranchQuarter {
            branch: b.clone(),
            visits: Vec::new(),
            kpis: Default::default(),
            loop_figures: Default::default(),
        })
        .collect();
    // Offices and branches by id: a national quarter has hundreds of thousands of visits
    // over thousands of offices, too many to look each one up in a list.
    let branch_at: HashMap<&str, usize> = directory
        .branches
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.as_str(), i))
        .collect();
    let branch_of_office: HashMap<&str, usize> = directory
        .offices
        .iter()
        .filter_map(|o| Some((o.id.as_str(), *branch_at.get(o.branch_id.as_str())?)))
        .collect();
    // A visit to an office of its auditor's own branch counts only once a supervisor
    // included it (`presence.rs`). The quarter's visits first, from the index on their
    // finish, then their reviews (CROSS JOIN keeps that order): driven by the reviews,
    // SQLite would read every approved visit ever, each from its page of the table. A
    // visit with upheld appeals counts with its score as rescored then (`appeals/`), which
    // may be none when every item was left out.
    let mut stmt = conn.prepare(
        "SELECT id, office_id, score FROM (
           SELECT v.id, v.office_id,
                  CASE WHEN s.visit_id IS NULL THEN v.score ELSE s.score END AS score
           FROM visits v
           CROSS JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
           LEFT JOIN appeal_scores s ON s.visit_id = v.id AND s.revision = v.revision
           WHERE r.state = 'approved' AND v.finished_at >= ?1 AND v.finished_at < ?2
           AND NOT EXISTS (SELECT 1 FROM rating_exclusions x
                           WHERE x.visit_id = v.id AND x.included_at IS NULL)
         ) WHERE score IS NOT NULL",
    )?;
    let mut rows = stmt.query(params![start, end])?;
    while let Some(row) = rows.next()? {
        let office = row.get_ref(1)?.as_str().map_err(internal)?;
        let Some(&b) = branch_of_office.get(office) else {
            continue;
        };
        let Text(id) = row.get(0)?;
        branches[b].visits.push((id, row.get(2)?));
    }
    let mut stmt = conn.prepare("SELECT branch_id, key, value FROM kpis WHERE quarter = ?1")?;
    let rows = stmt.query_map([quarter.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, f64>(2)?,
        ))
    })?;
    for row in rows {
        let (branch_id, key, value) = row?;
        if let Some(&b) = branch_at.get(branch_id.as_str()) {
            branches[b].kpis.insert(key, value);
        }
    }
    let mut figures = crate::actions::loop_figures(conn, quarter)?;
    for b in &mut branches {
        b.visits.sort_by_key(|v| v.0);
        b.loop_figures = figures.remove(&b.branch.id).unwrap_or_default();
    }
    Ok(branches)
}

/// The published rating of the quarter if there is one, else a live computation.
pub fn rating(
    conn: &Connection,
    quarter: Quarter,
    methodology: &Methodology,
) -> Result<Rating, AppError> {
    if let Some(p) = published(conn, quarter)? {
        return Ok(p);
    }
    Ok(Rating {
        quarter,
        methodology: methodology.clone(),
        published_at: None,
        tables: compute(conn, quarter, methodology)?,
    })
}

/// Refuses publishing `quarter` unless it is unpublished, has ended by `now` and has the
/// KPI figures the methodology needs imported: a published quarter is frozen for good, and
/// the latest one holds the cups, so it must be complete.
pub fn publishable(
    conn: &Connection,
    quarter: Quarter,
    methodology: &Methodology,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if published(conn, quarter)?.is_some() {
        return Err(AppError::conflict(
            Refusal::QuarterPublished,
            format!("{quarter} is already published"),
        ));
    }
    if now < quarter.bounds().1 {
        return Err(AppError::conflict(
            Refusal::QuarterNotEnded,
            format!("{quarter} has not ended yet"),
        ));
    }
    let undecided = crate::appeals::pending(conn, quarter)?;
    if !undecided.is_empty() {
        return Err(AppError::conflict_with(
            Refusal::AppealsPending,
            format!(
                "{} appeals of {quarter} are not decided yet",
                undecided.len()
            ),
            undecided,
        ));
    }
    let mut has_kpi = conn.prepare_cached("SELECT 1 FROM kpis WHERE quarter = ?1 AND key = ?2")?;
    for key in methodology.kpi_keys() {
        if !has_kpi.exists(params![quarter.to_string(), key])? {
            return Err(AppError::conflict(
                Refusal::KpisMissing,
                format!("no KPI `{key}` imported for {quarter}"),
            ));
        }
    }
    Ok(())
}

/// What publishing `quarter` now would freeze: its places, and who would then hold each
/// cup. Refused as publishing would be.
pub fn preview(
    conn: &Connection,
    quarter: Quarter,
    methodology: &Methodology,
    now: DateTime<Utc>,
) -> Result<PublishPreview, AppError> {
    publishable(conn, quarter, methodology, now)?;
    let tables = compute(conn, quarter, methodology)?;
    let mut all = published_tables(conn)?;
    all.push((quarter, tables.clone()));
    let after = zakupka_core::rating::history(&all);
    Ok(PublishPreview {
        cup_large: after.cup(zakupka_core::League::Large).to_vec(),
        cup_small: after.cup(zakupka_core::League::Small).to_vec(),
        rating: Rating {
            quarter,
            methodology: methodology.clone(),
            published_at: None,
            tables,
        },
    })
}

/// Freezes the quarter: its results and methodology version are stored and never change.
pub fn publish(
    conn: &mut Connection,
    quarter: Quarter,
    methodology: &Methodology,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Rating, AppError> {
    let tx = conn.transaction()?;
    publishable(&tx, quarter, methodology, now)?;
    store_methodology(&tx, methodology)?;
    let tables = compute(&tx, quarter, methodology)?;
    tx.execute(
        "INSERT INTO published (quarter, methodology_id, methodology_version, tables, published_at, by_login)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            quarter.to_string(),
            methodology.id,
            methodology.version,
            serde_json::to_string(&tables).map_err(internal)?,
            ts(now),
            by
        ],
    )?;
    crate::events::record(
        &tx,
        &crate::events::Event::quarter_published(
            quarter,
            &methodology.id,
            methodology.version,
            now,
        ),
    )?;
    tx.commit()?;
    published(conn, quarter)?.ok_or_else(|| AppError::Internal("published row vanished".into()))
}

/// The newest stored version of the methodology the server rates with.
pub fn latest_methodology(conn: &Connection) -> Result<Methodology, AppError> {
    let body: Option<Json<Methodology>> = conn
        .query_row(
            "SELECT body FROM methodologies ORDER BY rowid DESC, version DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| b.0).ok_or_else(|| {
        AppError::not_found(Refusal::NotFound, "no rating methodology on this server")
    })
}

/// Quarters with approved visits or a published rating, newest first.
pub fn quarters(conn: &Connection) -> Result<Vec<QuarterInfo>, AppError> {
    let mut found: std::collections::BTreeMap<Quarter, bool> = Default::default();
    let mut stmt = conn.prepare(
        "SELECT DISTINCT substr(v.finished_at, 1, 7) FROM visits v
         CROSS JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
         WHERE r.state = 'approved' AND v.finished_at IS NOT NULL",
    )?;
    for month in stmt.query_map([], |r| r.get::<_, String>(0))? {
        let month = month?;
        let (y, m) = month.split_once('-').unwrap_or(("", ""));
        if let (Ok(year), Ok(m)) = (y.parse::<i32>(), m.parse::<u8>())
            && (1..=12).contains(&m)
        {
            found
                .entry(Quarter {
                    year,
                    q: (m - 1) / 3 + 1,
                })
                .or_insert(false);
        }
    }
    let mut stmt = conn.prepare("SELECT quarter FROM published")?;
    for q in stmt.query_map([], |r| r.get::<_, String>(0))? {
        if let Ok(q) = q?.parse::<Quarter>() {
            found.insert(q, true);
        }
    }
    Ok(found
        .into_iter()
        .rev()
        .map(|(quarter, published)| QuarterInfo { quarter, published })
        .collect())
}

/// Leaders, leadership counts, cups and trends over every published quarter.
pub fn history(conn: &Connection) -> Result<zakupka_core::rating::History, AppError> {
    Ok(zakupka_core::rating::history(&published_tables(conn)?))
}

/// Every published quarter's tables.
fn published_tables(conn: &Connection) -> Result<Vec<(Quarter, Vec<LeagueTable>)>, AppError> {
    let mut stmt = conn.prepare("SELECT quarter, tables FROM published")?;
    let published = stmt
        .query_map([], |r| {
            Ok((r.get::<_, Text<Quarter>>(0)?.0, r.get::<_, Json<_>>(1)?.0))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(published)
}
