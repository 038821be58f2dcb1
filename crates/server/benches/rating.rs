//! The quarterly rating at national scale: 2,000 branches, 10,000 offices, 200,000 approved
//! visits of 40 answers in one quarter, KPI figures for every branch, in a server database
//! on disk. Measures the time and the peak memory of computing the quarter
//! (`zakupka_server::rating::compute`, what the API and the CLI call), against a baseline
//! in the same run: a plain SQL aggregate of the same visits (the mean score per branch,
//! joined to the office's branch, GROUP BY branch) on the same connection.
//! The rating with each place's 90% interval (1,000 bootstrap resamples per league, issue
//! 12) is timed against the plain rating (the same visits read, places without intervals)
//! in the same run: together they must stay under 2 s.
//!
//! Time: the median of three runs each, interleaved, each on the writer connection of a
//! freshly opened `Db` (SQLite's page cache empty), with the database file in the OS cache
//! (it was just written), as on a server that has been running.
//! Memory, two ways: (1) in this process, the peak of the Rust heap (a counting global
//! allocator, reset before the run) plus the peak of SQLite's own heap
//! (`sqlite3_memory_highwater`), above what was in use before; (2) VmHWM of a fresh child
//! process (this binary again) that opens the database, computes once and exits: all the
//! memory a process needs to do it, the program itself included.
//!
//! The same run computes the quarter's calibration (`zakupka_server::calibration`:
//! alpha per item and section, auditors' severity) over its paired visits, measured
//! against the plain rating: every office's visits come 4.5 days apart from 300 auditors in
//! turn, so all 200,000 are paired, its worst case.
//! The review queue's pages are measured in the same database (`queue/mod.rs`).
//!
//! Run: cargo bench -p zakupka-server --bench rating
//! Sizes: ZAKUPKA_RATING_BRANCHES (2000), ZAKUPKA_RATING_OFFICES (10000),
//! ZAKUPKA_RATING_VISITS (200000); ZAKUPKA_BENCH_QUICK=1 takes a tenth of each.

mod common;
mod queue;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use rusqlite::{Connection, params};
use zakupka_core::rating::{Measure, Methodology, Quarter};
use zakupka_core::{Branch, Directory, Label, Office};
use zakupka_server::{AppError, Db, demo, ingest, rating};

use common::{size, verdict};

/// Counts the bytes the program holds on the Rust heap, and their peak.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = HELD.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call goes to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const QUARTER: Quarter = Quarter { year: 2025, q: 2 };
const TARGET_TIME: Duration = Duration::from_secs(1);
const TARGET_WITH_INTERVALS: Duration = Duration::from_secs(2);
const TARGET_BYTES: usize = 500 * 1024 * 1024;
const RUNS: usize = 3;
/// Auditors of the national quarter, about 670 visits each.
const AUDITORS: usize = 300;
/// The rating, calibration and rank intervals of a quarter together.
const TARGET_TOGETHER: Duration = Duration::from_secs(2);

struct Sizes {
    branches: usize,
    offices: usize,
    visits: usize,
}

fn directory(sizes: &Sizes) -> Directory {
    let branches: Vec<Branch> = (0..sizes.branches)
        .map(|b| Branch {
            id: format!("b{b:04}"),
            name: Label {
                ru: format!("Управление {b}"),
                en: format!("Branch {b}"),
            },
            district: format!("district {b}"),
            // Spread over both leagues (the threshold is 60,000 accounts).
            accounts: 20_000 + (b as u32 * 7919) % 180_000,
        })
        .collect();
    let offices = (0..sizes.offices)
        .map(|o| {
            let branch = &branches[o % branches.len()];
            Office {
                id: format!("{}-o{o}", branch.id),
                branch_id: branch.id.clone(),
                name: Label {
                    ru: format!("Клиентский офис {o}"),
                    en: format!("Client office {o}"),
                },
                district: branch.district.clone(),
                address: format!("ул. Примерная, д. {o}"),
                position: None,
            }
        })
        .collect();
    Directory { branches, offices }
}

/// Writes the quarter into a fresh server database at `path`: the seeds' checklist and
/// methodology, the directory, every visit stored as a push stores it and then approved,
/// KPI figures for every branch, and (for the baseline only) a table of offices' branches.
fn generate(path: &Path, sizes: &Sizes, methodology: &Methodology) -> anyhow::Result<()> {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let (template, _) = demo::read_seeds(&seeds)?;
    let directory = directory(sizes);
    {
        let db = Db::open(path)?;
        db.blocking(|c| {
            demo::publish(c, &template, &directory)?;
            rating::store_methodology(c, methodology)
        })?;
    }
    // Test data, not a server's work: written without waiting for the disk.
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let tx = conn.transaction()?;
    let (start, end) = QUARTER.bounds();
    let span = (end - start - Span::hours(2)).num_seconds();
    for n in 0..sizes.visits {
        let o = n % directory.offices.len();
        let office = &directory.offices[o];
        let finished =
            start + Span::hours(1) + Span::seconds(span * n as i64 / sizes.visits as i64);
        // Each office's visits come about 4.5 days apart, each by another auditor than the
        // one before, so every visit has a partner within seven days: calibration's worst
        // case, all 200,000 visits paired. Offices differ in how often they slip, so the
        // branches differ in score; auditors too, a little (severity).
        let k = n / directory.offices.len();
        let auditor = (o * 7 + k * 13) % AUDITORS;
        let lapses = 5 + (o * 37) % 50 + auditor % 7;
        let visit = zakupka_core::demo::cycled_visit(
            &template,
            &office.id,
            &format!("auditor{auditor}"),
            n,
            lapses,
            finished,
        );
        let payload = serde_json::to_string(&visit)?;
        ingest::store(
            &tx,
            &visit,
            &payload,
            (&template, &directory),
            "bench",
            finished,
        )?;
    }
    tx.execute("UPDATE reviews SET state = 'approved'", [])?;
    tx.execute_batch(
        "CREATE TABLE bench_offices (office_id TEXT PRIMARY KEY, branch_id TEXT NOT NULL)",
    )?;
    {
        let mut insert =
            tx.prepare("INSERT INTO bench_offices (office_id, branch_id) VALUES (?1, ?2)")?;
        for o in &directory.offices {
            insert.execute(params![o.id, o.branch_id])?;
        }
    }
    tx.commit()?;
    let mut kpis: zakupka_core::seed::Kpis = BTreeMap::new();
    for (b, branch) in directory.branches.iter().enumerate() {
        let figures = kpis.entry(branch.id.clone()).or_default();
        for c in &methodology.criteria {
            if let Measure::Kpi { key, best, worst } = &c.measure {
                let share = ((b * 13 + key.len() * 7) % 100) as f64 / 100.0;
                figures.insert(key.clone(), worst + (best - worst) * share);
            }
        }
    }
    rating::import_kpis(&mut conn, QUARTER, &kpis)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// The baseline: the mean approved score per branch of the quarter, in SQL alone.
fn sql_aggregate(conn: &mut Connection) -> Result<BTreeMap<String, (f64, i64)>, AppError> {
    let (start, end) = QUARTER.bounds();
    let ts =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut stmt = conn.prepare(
        "SELECT o.branch_id, avg(v.score), count(*) FROM visits v
         JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
         JOIN bench_offices o ON o.office_id = v.office_id
         WHERE r.state = 'approved' AND v.score IS NOT NULL
           AND v.finished_at >= ?1 AND v.finished_at < ?2
         GROUP BY o.branch_id",
    )?;
    let rows = stmt.query_map(params![ts(start), ts(end)], |r| {
        Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?)))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The rating as served: places and their intervals.
fn compute(conn: &mut Connection) -> Result<Vec<zakupka_core::rating::LeagueTable>, AppError> {
    let methodology = rating::latest_methodology(conn)?;
    rating::compute(conn, QUARTER, &methodology)
}

/// The plain rating: the same visits read, places without intervals.
fn plain(conn: &mut Connection) -> Result<Vec<zakupka_core::rating::LeagueTable>, AppError> {
    let methodology = rating::latest_methodology(conn)?;
    let branches = rating::branch_quarters(conn, QUARTER)?;
    Ok(zakupka_core::rating::rate(&methodology, &branches))
}

/// The quarter's calibration: agreement per item and section, auditors' severity.
fn calibrate(conn: &mut Connection) -> Result<zakupka_core::wire::Calibration, AppError> {
    zakupka_server::calibration::calibration(conn, QUARTER)
}

struct Measured<R> {
    result: R,
    time: Duration,
    /// Peak bytes above those in use at the start: Rust heap, SQLite heap.
    rust_heap: usize,
    sqlite_heap: usize,
}

fn measure<R>(f: impl FnOnce() -> R) -> Measured<R> {
    // SAFETY: plain reads (and a reset) of SQLite's global memory statistics.
    let sqlite_before = unsafe {
        rusqlite::ffi::sqlite3_memory_highwater(1);
        rusqlite::ffi::sqlite3_memory_used()
    };
    let held = HELD.load(Ordering::Relaxed);
    PEAK.store(held, Ordering::Relaxed);
    let started = Instant::now();
    let result = f();
    let time = started.elapsed();
    let rust_heap = PEAK.load(Ordering::Relaxed).saturating_sub(held);
    // SAFETY: as above.
    let sqlite_peak = unsafe { rusqlite::ffi::sqlite3_memory_highwater(0) };
    Measured {
        result,
        time,
        rust_heap,
        sqlite_heap: (sqlite_peak - sqlite_before).max(0) as usize,
    }
}

/// The median time of `runs`, and their largest peaks.
fn summary<R>(runs: &[Measured<R>]) -> (Duration, usize, usize) {
    let mut times: Vec<Duration> = runs.iter().map(|m| m.time).collect();
    times.sort();
    let rust = runs.iter().map(|m| m.rust_heap).max().unwrap_or(0);
    let sqlite = runs.iter().map(|m| m.sqlite_heap).max().unwrap_or(0);
    (
        times.get(times.len() / 2).copied().unwrap_or_default(),
        rust,
        sqlite,
    )
}

fn status_kib(field: &str) -> usize {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child: opens the database as the server does, does `what` once, prints its time,
/// its resident set before and its peak (KiB).
fn child(what: &str, path: &Path) -> anyhow::Result<()> {
    let db = Db::open(path)?;
    let before = status_kib("VmRSS:");
    let started = Instant::now();
    let n = match what {
        "rating" => db.blocking(compute)?.iter().map(|t| t.rows.len()).sum(),
        "calibration" => db.blocking(calibrate)?.units as usize,
        _ => db.blocking(sql_aggregate)?.len(),
    };
    let time = started.elapsed();
    println!("{} {before} {} {n}", time.as_micros(), status_kib("VmHWM:"));
    Ok(())
}

/// Runs the child for `what`: (time, RSS before, VmHWM) in bytes.
fn in_child(what: &str, path: &Path) -> anyhow::Result<(Duration, usize, usize)> {
    let out = std::process::Command::new(std::env::current_exe()?)
        .env("ZAKUPKA_RATING_CHILD", what)
        .env("ZAKUPKA_RATING_DB", path)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "child {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let f: Vec<u64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    anyhow::ensure!(f.len() == 4, "child {what} said `{text}`");
    Ok((
        Duration::from_micros(f[0]),
        f[1] as usize * 1024,
        f[2] as usize * 1024,
    ))
}

fn median(mut values: Vec<u32>) -> u32 {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() -> anyhow::Result<()> {
    if let (Ok(what), Ok(path)) = (
        std::env::var("ZAKUPKA_RATING_CHILD"),
        std::env::var("ZAKUPKA_RATING_DB"),
    ) {
        return child(&what, Path::new(&path));
    }
    let sizes = Sizes {
        branches: size("ZAKUPKA_RATING_BRANCHES", 2_000),
        offices: size("ZAKUPKA_RATING_OFFICES", 10_000),
        visits: size("ZAKUPKA_RATING_VISITS", 200_000),
    };
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let methodology = demo::read_methodology(&seeds)?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("server.db");

    let started = Instant::now();
    generate(&path, &sizes, &methodology)?;
    println!(
        "rating bench: {} branches, {} offices, {} approved visits of 40 answers in {QUARTER}, KPIs for every branch; generated in {:.1} s (not measured), database {:.0} MB",
        sizes.branches,
        sizes.offices,
        sizes.visits,
        started.elapsed().as_secs_f64(),
        mb(std::fs::metadata(&path)?.len() as usize)
    );

    // Each run on a connection of its own, so each fills its own page cache.
    let (mut rated, mut baseline) = (Vec::new(), Vec::new());
    let (mut with_intervals, mut calibrated) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let db = Db::open(&path)?;
        baseline.push(measure(|| db.blocking(sql_aggregate)));
        let db = Db::open(&path)?;
        rated.push(measure(|| db.blocking(plain)));
        let db = Db::open(&path)?;
        with_intervals.push(measure(|| db.blocking(compute)));
        let db = Db::open(&path)?;
        calibrated.push(measure(|| db.blocking(calibrate)));
    }
    let (cal_time, cal_rust, cal_sqlite) = summary(&calibrated);
    let calibration = calibrated
        .pop()
        .map(|m| m.result)
        .transpose()?
        .ok_or_else(|| anyhow::anyhow!("no calibration run"))?;
    let (base_time, base_rust, base_sqlite) = summary(&baseline);
    let (time, rust, sqlite) = summary(&rated);
    let (interval_time, interval_rust, interval_sqlite) = summary(&with_intervals);

    // The two must agree: the audit criterion's value is the branch's mean visit score.
    let tables = rated
        .pop()
        .map(|m| m.result)
        .transpose()?
        .unwrap_or_default();
    let served = with_intervals
        .pop()
        .map(|m| m.result)
        .transpose()?
        .unwrap_or_default();
    let means = baseline
        .pop()
        .map(|m| m.result)
        .transpose()?
        .unwrap_or_default();
    let audits: Vec<&str> = methodology
        .criteria
        .iter()
        .filter(|c| c.measure == Measure::Audits)
        .map(|c| c.id.as_str())
        .collect();
    let rows: Vec<_> = tables.iter().flat_map(|t| t.rows.iter()).collect();
    let not_rated: usize = tables.iter().map(|t| t.not_rated.len()).sum();
    let agree = rows
        .iter()
        .filter(|row| {
            let mean = row
                .criteria
                .iter()
                .find(|c| audits.contains(&c.criterion_id.as_str()))
                .map(|c| c.value);
            match (mean, means.get(&row.branch_id)) {
                (Some(m), Some((avg, n))) => {
                    (m - avg).abs() < 1e-9 && *n as usize == row.visits.len()
                }
                _ => false,
            }
        })
        .count();
    let visits_rated: usize = rows.iter().map(|r| r.visits.len()).sum();
    println!(
        "rating check: {} branches rated, {not_rated} not rated, {visits_rated} visits behind them; the audit mean and visit count of {agree} of {} agree with the SQL aggregate {}",
        rows.len(),
        rows.len(),
        verdict(agree == rows.len() && rows.len() + not_rated == sizes.branches)
    );

    // Every rated branch must have an interval. Whether it holds the published place is
    // shown, not required: this data repeats in cycles, so groups of twenty branches share
    // one exact score, and under the 1-2-2-3 rule such a shared place is compressed, while
    // the resamples break the ties and count the places between.
    let placed = |t: &[zakupka_core::rating::LeagueTable]| -> Vec<(String, u32)> {
        t.iter()
            .flat_map(|t| &t.rows)
            .map(|r| (r.branch_id.clone(), r.place))
            .collect()
    };
    let intervals: Vec<_> = served
        .iter()
        .flat_map(|t| &t.rows)
        .filter_map(|r| r.interval.map(|i| (r.place, i)))
        .collect();
    let holding = intervals
        .iter()
        .filter(|(place, i)| (i.low..=i.high).contains(place))
        .count();
    let not_separable = intervals
        .iter()
        .filter(|(_, i)| i.not_separable_from_leader)
        .count();
    let widths: Vec<u32> = intervals.iter().map(|(_, i)| i.high - i.low).collect();
    println!(
        "interval check: the same places as the plain rating {}; {} of {} rated branches have an interval {}; {holding} of them hold their published place, {not_separable} not separable from the leader, median width {} places",
        verdict(placed(&served) == placed(&tables)),
        intervals.len(),
        rows.len(),
        verdict(intervals.len() == rows.len()),
        median(widths),
    );

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "rating time, places without intervals: {:.0} ms (baseline SQL aggregate {:.0} ms, ratio {:.2}); target < {} ms {}",
        ms(time),
        ms(base_time),
        time.as_secs_f64() / base_time.as_secs_f64(),
        TARGET_TIME.as_millis(),
        verdict(time < TARGET_TIME)
    );
    println!(
        "rating with place intervals: {:.0} ms (the plain rating {:.0} ms in the same run, ratio {:.2}; the bootstrap's share {:.0} ms), peak memory in process {:.1} MB; target < {} ms {}",
        ms(interval_time),
        ms(time),
        interval_time.as_secs_f64() / time.as_secs_f64(),
        ms(interval_time.saturating_sub(time)),
        mb(interval_rust + interval_sqlite),
        TARGET_WITH_INTERVALS.as_millis(),
        verdict(interval_time < TARGET_WITH_INTERVALS)
    );
    let (heap, base_heap) = (rust + sqlite, base_rust + base_sqlite);
    println!(
        "rating peak memory in process: {:.1} MB = Rust heap {:.1} MB + SQLite heap {:.1} MB (baseline {:.1} MB = {:.1} + {:.1}, ratio {:.1}); target < 500 MB {}",
        mb(heap),
        mb(rust),
        mb(sqlite),
        mb(base_heap),
        mb(base_rust),
        mb(base_sqlite),
        heap as f64 / base_heap.max(1) as f64,
        verdict(heap < TARGET_BYTES)
    );
    let items = calibration.sections.iter().flat_map(|s| s.items.iter());
    let (rated_items, unreliable) = items.fold((0, 0), |(n, u), i| {
        (
            n + usize::from(i.alpha.is_some()),
            u + usize::from(i.unreliable),
        )
    });
    println!(
        "calibration check: {} units of {} paired visits, {} auditors with a severity, alpha for {rated_items} items ({unreliable} marked unreliable wording) {}",
        calibration.units,
        calibration.visits,
        calibration.auditors.len(),
        verdict(
            calibration.visits as usize == sizes.visits
                && calibration.auditors.len() == AUDITORS.min(sizes.visits)
        )
    );
    println!(
        "calibration time: {:.0} ms, peak memory in process {:.1} MB (Rust {:.1} + SQLite {:.1}); against the plain rating {:.0} ms in the same run, ratio {:.2}; the rating with its rank intervals and calibration together {:.0} ms, target < {} ms {}",
        ms(cal_time),
        mb(cal_rust + cal_sqlite),
        mb(cal_rust),
        mb(cal_sqlite),
        ms(time),
        cal_time.as_secs_f64() / time.as_secs_f64(),
        ms(interval_time + cal_time),
        TARGET_TOGETHER.as_millis(),
        verdict(interval_time + cal_time < TARGET_TOGETHER)
    );
    let (child_time, child_before, child_peak) = in_child("rating", &path)?;
    let (base_child_time, base_child_before, base_child_peak) = in_child("sql", &path)?;
    println!(
        "rating peak memory of a fresh process: VmHWM {:.1} MB, {:.1} MB of it before computing, in {:.0} ms (baseline VmHWM {:.1} MB, {:.1} MB before, in {:.0} ms; ratio {:.2}); target < 500 MB {}",
        mb(child_peak),
        mb(child_before),
        ms(child_time),
        mb(base_child_peak),
        mb(base_child_before),
        ms(base_child_time),
        child_peak as f64 / base_child_peak.max(1) as f64,
        verdict(child_peak < TARGET_BYTES)
    );
    queue::run(&path, &directory(&sizes), sizes.visits)?;
    println!("machine load average {}", common::load_average());
    Ok(())
}
