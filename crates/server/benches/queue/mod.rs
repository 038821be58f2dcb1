//! The review queue at national scale, in the rating bench's database (200,000 visits of
//! one quarter): a first page and a deep page (three quarters down) of `queue::page`, what
//! `GET /api/v1/visits` answers, with no filter and with a state filter, against the query
//! the queue ran before keyset pages (every visit's current revision sorted, cut at 5,000
//! rows; a deep page of it by OFFSET) in the same run. Median of seven runs each, on a
//! freshly opened database, its first run reading the file from the OS cache.

use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::Directory;
use zakupka_server::queue::{self, Cursor, Filter};
use zakupka_server::scope::Scope;
use zakupka_server::{AppError, Db};

use super::common::verdict;

const RUNS: usize = 7;
const TARGET: Duration = Duration::from_millis(100);
const PAGE: u32 = 100;

/// A median time and the rows it answered.
type Timed = (Duration, usize);

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn timed(mut f: impl FnMut() -> Result<usize, AppError>) -> anyhow::Result<Timed> {
    let mut times = Vec::with_capacity(RUNS);
    let mut rows = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        rows = f()?;
        times.push(started.elapsed());
    }
    Ok((median(times), rows))
}

/// The queue's query before keyset pages, with an OFFSET for the deep page (its only way
/// down: it stopped at 5,000 rows).
fn old_query(conn: &Connection, state: Option<&str>, offset: usize) -> Result<usize, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.revision, v.auditor, v.office_id, r.state, v.received_at, v.time_flags
         FROM visits v JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
         WHERE (?1 IS NULL OR r.state = ?1)
         ORDER BY v.received_at DESC, v.id LIMIT ?2 OFFSET ?3",
    )?;
    let limit = if offset == 0 { 5_000 } else { PAGE as usize };
    let rows = stmt.query_map(params![state, limit as i64, offset as i64], |r| {
        r.get::<_, String>(6)
    })?;
    Ok(rows.count())
}

/// The cursor of the visit `depth` down the queue, as the page before it would give.
fn cursor_at(conn: &Connection, depth: usize) -> anyhow::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT received_at, visit_id FROM reviews
             ORDER BY received_at DESC, visit_id DESC LIMIT 1 OFFSET ?1",
            [depth as i64 - 1],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
        .map(|(at, id)| Cursor::after(&at, Uuid::parse_str(&id).unwrap_or_default()).encode()))
}

pub fn run(db: &std::path::Path, directory: &Directory, visits: usize) -> anyhow::Result<()> {
    let db = Db::open(db)?;
    let depth = visits * 3 / 4;
    let deep = db.blocking(|c| cursor_at(c, depth).map_err(|e| AppError::internal("cursor", e)))?;
    let page = |state: Option<&str>, cursor: Option<String>| {
        let filter = Filter {
            state: state.map(Into::into),
            cursor,
            limit: Some(PAGE),
            ..Filter::default()
        };
        let directory = directory.clone();
        let db = db.clone();
        move || {
            db.blocking(|c| {
                queue::page(c, &filter, &Scope::default(), &directory).map(|p| p.visits.len())
            })
        }
    };
    let old = |state: Option<&'static str>, offset: usize| {
        let db = db.clone();
        move || db.blocking(|c| old_query(c, state, offset))
    };
    let cases: [(&str, Timed, Timed); 4] = [
        ("first page", timed(page(None, None))?, timed(old(None, 0))?),
        (
            "deep page",
            timed(page(None, deep.clone()))?,
            timed(old(None, depth))?,
        ),
        (
            "first page, approved",
            timed(page(Some("approved"), None))?,
            timed(old(Some("approved"), 0))?,
        ),
        (
            "first page, waiting (none)",
            timed(page(Some("submitted"), None))?,
            timed(old(Some("submitted"), 0))?,
        ),
    ];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for (name, (time, rows), (base, base_rows)) in cases {
        println!(
            "queue {name}: {:.1} ms for {rows} visits (baseline old query {:.1} ms for {base_rows}, ratio {:.2}); target < {} ms {}",
            ms(time),
            ms(base),
            time.as_secs_f64() / base.as_secs_f64().max(1e-9),
            TARGET.as_millis(),
            verdict(time < TARGET)
        );
    }
    Ok(())
}
