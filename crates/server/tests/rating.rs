//! The rating on the server: only approved visits of the quarter count, KPI files are
//! checked line by line, and a published quarter never changes again.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{Duration, TimeZone, Utc};
use uuid::Uuid;
use zakupka_core::League;
use zakupka_core::rating::{Methodology, NotRated, PlaceInterval, Quarter};
use zakupka_core::seed::parse_kpis;
use zakupka_core::{Directory, Template};
use zakupka_server::{Db, demo, ingest, rating, review};

mod common;
use common::*;

fn setup() -> (Db, Template, Directory, Methodology) {
    let (t, d) = demo::read_seeds(&seeds()).unwrap();
    let m = demo::read_methodology(&seeds()).unwrap();
    let db = Db::open_in_memory().unwrap();
    db.blocking(|c| demo::publish(c, &t, &d)).unwrap();
    (db, t, d, m)
}

/// Stores a visit of `office` finished at `at`, approved or just submitted.
fn visit(
    db: &Db,
    t: &Template,
    d: &Directory,
    office: &str,
    at: chrono::DateTime<Utc>,
    approve: bool,
) -> Uuid {
    let mut v = zakupka_core::demo::generate_visits(t, d, 1, at).remove(0);
    v.id = Uuid::now_v7();
    v.office_id = office.into();
    v.started_at = at - Duration::minutes(30);
    v.finished_at = Some(at);
    store(db, t, d, v, at, approve)
}

/// Stores `v`, finished at `at`, approved or just submitted.
fn store(
    db: &Db,
    t: &Template,
    d: &Directory,
    v: zakupka_core::Visit,
    at: chrono::DateTime<Utc>,
    approve: bool,
) -> Uuid {
    let (t, d, id, v_revision) = (t.clone(), d.clone(), v.id, v.revision);
    db.blocking(move |c| {
        let tx = c.transaction()?;
        let payload = serde_json::to_string(&v).unwrap();
        ingest::store(&tx, &v, &payload, (&t, &d), "test", at)?;
        tx.commit()?;
        if approve {
            let r = zakupka_core::wire::ReviewRequest {
                decision: zakupka_core::wire::Decision::Approve,
                revision: v_revision,
                comment: String::new(),
                item_comments: Default::default(),
            };
            review::decide(c, &id.to_string(), &r, "supervisor", at)?;
        }
        Ok(())
    })
    .unwrap();
    id
}

/// Every KPI of the methodology for `branches`, at a middling level.
fn kpi_csv(m: &Methodology, branches: &[&str]) -> String {
    let keys: Vec<&str> = m.kpi_keys().collect();
    let mut out = format!("branch_id,{}\n", keys.join(","));
    for b in branches {
        out += &format!(
            "{b},{}\n",
            keys.iter().map(|_| "5").collect::<Vec<_>>().join(",")
        );
    }
    out
}

#[test]
fn only_approved_visits_finished_in_the_quarter_count() {
    let (db, t, d, mut m) = setup();
    m.min_approved_visits = 1;
    let q: Quarter = "2026-Q2".parse().unwrap();
    let inside = Utc.with_ymd_and_hms(2026, 5, 10, 12, 0, 0).unwrap();
    let approved = visit(&db, &t, &d, "klin-1", inside, true);
    visit(&db, &t, &d, "klin-1", inside, false); // submitted, not reviewed
    visit(
        &db,
        &t,
        &d,
        "klin-1",
        Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
        true,
    ); // next quarter
    let kpis = parse_kpis("k.csv", &kpi_csv(&m, &["klin"]), &m, &d).unwrap();
    db.blocking(|c| rating::import_kpis(c, q, &kpis)).unwrap();

    let r = db.blocking(|c| rating::rating(c, q, &m)).unwrap();
    assert_eq!(r.published_at, None);
    let small = r.tables.iter().find(|t| t.league == League::Small).unwrap();
    let klin = small
        .rows
        .iter()
        .find(|row| row.branch_id == "klin")
        .expect("klin is rated");
    assert_eq!(klin.visits, [approved], "one approved visit in the quarter");
    assert!(small.not_rated.iter().any(
        |(b, why)| b == "shatura" && matches!(why, NotRated::TooFewVisits { approved: 0, .. })
    ));
}

#[test]
fn kpi_files_are_checked_line_by_line() {
    let (_, _, d, m) = setup();
    let ok = kpi_csv(&m, &["klin", "serpukhov"]);
    assert_eq!(parse_kpis("k.csv", &ok, &m, &d).unwrap().len(), 2);
    let err = |text: &str| parse_kpis("k.csv", text, &m, &d).unwrap_err().to_string();
    assert_eq!(
        err(&ok.replace("serpukhov", "atlantis")),
        "k.csv, line 3, field `branch_id`: no branch `atlantis` in the directory"
    );
    assert!(
        err(&ok.replacen(",5", ",много", 1))
            .starts_with("k.csv, line 2, field `complaints_per_10k`: `много` is not a number")
    );
    let unknown = err(&ok.replace("complaints_per_10k", "happiness"));
    assert!(
        unknown.contains("field `happiness`: `happiness` is not a KPI"),
        "{unknown}"
    );
    assert!(unknown.starts_with("k.csv, line 1,"), "{unknown}");
    assert_eq!(
        err(&format!("{ok}klin,1,1,1,1,1,1,1,1,1\n")),
        "k.csv, line 4, field `branch_id`: branch `klin` is listed twice"
    );
    // An empty cell is a figure not reported: the branch is then not rated, and says why.
    let gap = parse_kpis("k.csv", &ok.replacen(",5", ",", 1), &m, &d).unwrap();
    assert!(!gap["klin"].contains_key("complaints_per_10k"));
}

#[test]
fn a_published_quarter_does_not_change_after_new_data_or_a_new_methodology() {
    let (db, t, d, mut m) = setup();
    m.min_approved_visits = 1;
    let q: Quarter = "2026-Q2".parse().unwrap();
    let day = Utc.with_ymd_and_hms(2026, 5, 10, 12, 0, 0).unwrap();
    for office in ["klin-1", "serpukhov-1", "shatura-1"] {
        visit(&db, &t, &d, office, day, true);
    }
    let kpis = parse_kpis(
        "k.csv",
        &kpi_csv(&m, &["klin", "serpukhov", "shatura"]),
        &m,
        &d,
    )
    .unwrap();
    db.blocking(|c| rating::import_kpis(c, q, &kpis)).unwrap();
    let published = db
        .blocking(|c| rating::publish(c, q, &m, "supervisor", day + Duration::days(60)))
        .unwrap();
    assert!(published.published_at.is_some());

    // Afterwards: another approved visit, new KPIs refused, a new methodology version.
    visit(&db, &t, &d, "klin-1", day, true);
    let refused = db.blocking(|c| rating::import_kpis(c, q, &kpis));
    assert!(matches!(
        refused,
        Err(zakupka_server::AppError::Conflict(_))
    ));
    let mut v2 = m.clone();
    v2.version = 2;
    v2.criteria[0].weight = 90.0;
    let again = db.blocking(|c| rating::rating(c, q, &v2)).unwrap();
    assert_eq!(
        again, published,
        "the published quarter keeps its results and methodology v1"
    );
    assert!(
        db.blocking(|c| Ok(c.execute("UPDATE published SET tables = '[]'", [])?))
            .is_err()
    );
    assert!(matches!(
        db.blocking(|c| rating::publish(c, q, &v2, "supervisor", Utc::now())),
        Err(zakupka_server::AppError::Conflict(_))
    ));
    // An unpublished quarter is computed live, with the methodology given.
    let live = db
        .blocking(|c| rating::rating(c, q.previous(), &v2))
        .unwrap();
    assert_eq!((live.published_at, live.methodology.version), (None, 2));
}

#[test]
fn the_demo_publishes_past_quarters_and_the_cli_prints_them_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("z.db");
    let bin = BIN;
    let mut server = Command::new(bin)
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--web",
            "/nonexistent",
            "--db",
        ])
        .arg(&db)
        .arg("--seeds")
        .arg(seeds())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    while !lines.next().unwrap().unwrap().contains("serves http://") {}
    server.kill().unwrap();
    server.wait().unwrap();

    let last = Quarter::of(Utc::now()).previous();
    let out = Command::new(bin)
        .args([
            "rating",
            "--format",
            "csv",
            "--quarter",
            &last.to_string(),
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut rows = csv.lines();
    assert!(
        rows.next()
            .unwrap()
            .starts_with("quarter,league,place,branch,score,")
    );
    let rated: Vec<&str> = rows.filter(|r| r.ends_with(",rated")).collect();
    assert_eq!(rated.len(), 48, "every branch of the demo is rated");
    assert!(
        rated
            .iter()
            .any(|r| r.starts_with(&format!("{last},large,1,")))
    );
    assert!(
        rated
            .iter()
            .any(|r| r.starts_with(&format!("{last},small,1,")))
    );

    let bad = Command::new(bin)
        .args(["rating", "--quarter", "2024-Q5", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`2024-Q5` is not a quarter"));
}

#[test]
fn the_rating_exports_to_csv_and_xlsx_with_the_same_rows() {
    use calamine::Reader;
    let (db, t, d, mut m) = setup();
    m.min_approved_visits = 1;
    let q: Quarter = "2026-Q2".parse().unwrap();
    let day = Utc.with_ymd_and_hms(2026, 5, 10, 12, 0, 0).unwrap();
    for office in ["klin-1", "serpukhov-1"] {
        visit(&db, &t, &d, office, day, true);
    }
    let kpis = parse_kpis("k.csv", &kpi_csv(&m, &["klin", "serpukhov"]), &m, &d).unwrap();
    db.blocking(|c| rating::import_kpis(c, q, &kpis)).unwrap();
    let r = db.blocking(|c| rating::rating(c, q, &m)).unwrap();

    let csv = zakupka_server::export::csv(&r, &d).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("quarter,league,place,branch,score,service-quality,"));
    assert_eq!(
        lines.len(),
        1 + d.branches.len(),
        "every branch, rated or with the reason"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("2026-Q2,large,1,Серпухов,"))
    );
    assert!(lines.iter().any(|l| l.starts_with("2026-Q2,small,1,Клин,")));

    let bytes = zakupka_server::export::xlsx(&r, &d).unwrap();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("2026-Q2").unwrap();
    assert_eq!(sheet.rows().count(), lines.len());
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header.join(","), lines[0]);
    let klin = sheet.rows().find(|row| row[3] == "Клин").unwrap();
    assert_eq!(
        calamine::DataType::get_float(&klin[2]),
        Some(1.0),
        "places are numbers in the spreadsheet"
    );
    let score = lines
        .iter()
        .find(|l| l.contains(",Клин,"))
        .unwrap()
        .split(',')
        .nth(4)
        .unwrap()
        .parse::<f64>()
        .unwrap();
    assert_eq!(calamine::DataType::get_float(&klin[4]), Some(score));
    // Each place's 90% interval and the leader mark, before the status: Klin, alone in
    // its league with one visit, is first in every resample.
    assert!(
        lines[0].ends_with(",place_low,place_high,not_separable_from_leader,status"),
        "{}",
        lines[0]
    );
    let klin_csv = lines.iter().find(|l| l.contains(",Клин,")).unwrap();
    assert!(klin_csv.ends_with(",1,1,no,rated"), "{klin_csv}");
    let n = header.len();
    assert_eq!(calamine::DataType::get_float(&klin[n - 4]), Some(1.0));
    assert_eq!(calamine::DataType::get_float(&klin[n - 3]), Some(1.0));
    assert_eq!(klin[n - 2].to_string(), "no");
}

#[test]
fn places_carry_their_interval_and_close_ones_are_not_separable_from_the_leader() {
    let (db, t, d, m) = setup();
    let q: Quarter = "2026-Q2".parse().unwrap();
    let day = Utc.with_ymd_and_hms(2026, 5, 10, 12, 0, 0).unwrap();
    // Small league: Klin and Shatura of about the same quality, visits varying; Mozhaysk
    // far behind. Equal KPIs, so the visits decide.
    let mut n = 0;
    for (office, lapses) in [
        ("klin-1", [5, 30, 10, 25, 8, 20]),
        ("shatura-1", [12, 18, 15, 22, 10, 20]),
        ("mozhaysk-1", [70, 75, 80, 72, 78, 74]),
    ] {
        for l in lapses {
            n += 1;
            let mut v = zakupka_core::demo::cycled_visit(&t, office, "auditor1", n, l, day);
            v.id = Uuid::now_v7();
            store(&db, &t, &d, v, day, true);
        }
    }
    let kpis = parse_kpis(
        "k.csv",
        &kpi_csv(&m, &["klin", "shatura", "mozhaysk"]),
        &m,
        &d,
    )
    .unwrap();
    db.blocking(|c| rating::import_kpis(c, q, &kpis)).unwrap();
    let live = db.blocking(|c| rating::rating(c, q, &m)).unwrap();
    let small = live
        .tables
        .iter()
        .find(|t| t.league == League::Small)
        .unwrap();
    let got: Vec<(&str, u32, u32, u32, bool)> = small
        .rows
        .iter()
        .map(|r| {
            let i = r.interval.expect("every rated place has an interval");
            (
                r.branch_id.as_str(),
                r.place,
                i.low,
                i.high,
                i.not_separable_from_leader,
            )
        })
        .collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!((got[0].1, got[0].2, got[0].4), (1, 1, false), "{got:?}");
    assert_eq!(
        (got[1].1, got[1].2, got[1].3, got[1].4),
        (2, 1, 2, true),
        "{got:?}"
    );
    assert_eq!(got[2], ("mozhaysk", 3, 3, 3, false), "{got:?}");
    // Computed again, the same intervals; published, they are frozen with the places.
    assert_eq!(db.blocking(|c| rating::rating(c, q, &m)).unwrap(), live);
    let published = db
        .blocking(|c| rating::publish(c, q, &m, "admin", day + Duration::days(60)))
        .unwrap();
    let frozen = |r: &rating::Rating| -> Vec<(String, u32, Option<PlaceInterval>)> {
        r.tables
            .iter()
            .flat_map(|t| &t.rows)
            .map(|row| (row.branch_id.clone(), row.place, row.interval))
            .collect()
    };
    assert_eq!(frozen(&published), frozen(&live));
    assert_eq!(
        frozen(&db.blocking(|c| rating::rating(c, q, &m)).unwrap()),
        frozen(&live)
    );
}

#[test]
fn user_add_records_the_auditors_branch_and_refuses_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("z.db");
    let seeds = seeds();
    let add = |login: &str, branch: &str| {
        let args = [
            "user", "add", login, "--role", "auditor", "--branch", branch, "--db",
        ]
        .map(std::ffi::OsStr::new);
        let tail = [db.as_os_str(), "--seeds".as_ref(), seeds.as_os_str()];
        run_cli(&[&args[..], &tail[..]].concat(), b"klin-violet-ice\n")
    };
    let ok = add("ivanova", "klin");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = add("petrov", "atlantis");
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("no branch `atlantis`"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let database = Db::open(&db).unwrap();
    let auditors = database
        .blocking(|c| zakupka_server::assignments::auditors(c))
        .unwrap();
    // The refused user is not half-created: the user and the branch are one transaction.
    assert_eq!(
        auditors,
        vec![zakupka_core::wire::Auditor {
            login: "ivanova".into(),
            branch_id: Some("klin".into())
        }]
    );
}

/// A database file as a running server leaves it: the seeds published with their
/// methodology, the users, and a quarter of approved visits with KPIs, not published.
fn rated_quarter() -> (tempfile::TempDir, std::path::PathBuf, Server, Quarter) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let s = Server::on(Db::open(&path).unwrap(), None, USERS);
    let m = demo::read_methodology(&seeds()).unwrap();
    let q: Quarter = "2026-Q2".parse().unwrap();
    s.db.blocking(|c| demo::load_history(c, &s.template, &s.directory, &m, &[q]))
        .unwrap();
    (dir, path, s, q)
}

/// `zakupka-server ARGS --db DB`, which must succeed (`ok`) or fail; its standard output
/// if it succeeded, else its standard error.
fn run(args: &[&str], db: &Path, ok: bool) -> String {
    let out = Command::new(BIN)
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.success(), ok, "{args:?}: {stderr}");
    if ok {
        String::from_utf8(out.stdout).unwrap()
    } else {
        stderr
    }
}

fn cli(args: &[&str], db: &Path) -> String {
    run(args, db, true)
}

fn cli_refused(args: &[&str], db: &Path) -> String {
    run(args, db, false)
}

/// The quarter's rating from the command line and over HTTP, which must be the same.
async fn both_ratings(s: &Server, db: &Path, q: Quarter) -> rating::Rating {
    let quarter = q.to_string();
    let printed: rating::Rating = serde_json::from_str(&cli(
        &["rating", "--format", "json", "--quarter", &quarter],
        db,
    ))
    .unwrap();
    let token = s.login("auditor1").await;
    let served: rating::Rating = s
        .get(&format!("/api/v1/rating?quarter={quarter}"), Some(&token))
        .await
        .expect(axum::http::StatusCode::OK)
        .json();
    assert_eq!(printed, served, "the CLI and HTTP rate {q} alike");
    printed
}

#[tokio::test]
async fn the_cli_and_http_give_the_same_rating_of_the_same_database() {
    let (_dir, db, s, q) = rated_quarter();
    let r = both_ratings(&s, &db, q).await;
    assert_eq!((r.published_at, r.methodology.version), (None, 2));
    assert!(
        r.tables.iter().map(|t| t.rows.len()).sum::<usize>() > 0,
        "branches are rated"
    );
}

#[tokio::test]
async fn import_methodology_changes_what_the_cli_and_http_rate_by() {
    let (dir, db, s, q) = rated_quarter();
    let before = both_ratings(&s, &db, q).await;
    let seeded = std::fs::read_to_string(seeds().join("methodology.toml")).unwrap();
    assert!(seeded.contains("version = 2\n") && seeded.contains("weight = 20\n"));
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    // Version 3 weighs the mystery-shopper index (the first criterion) much more.
    let v3 = write(
        "v3.toml",
        seeded
            .replacen("version = 2\n", "version = 3\n", 1)
            .replacen("weight = 20\n", "weight = 90\n", 1),
    );
    let out = cli(&["import-methodology", &v3], &db);
    assert!(out.contains("branch-rating v3"), "{out}");
    let after = both_ratings(&s, &db, q).await;
    assert_eq!(after.methodology.version, 3);
    assert_eq!(after.methodology.criteria[0].weight, 90.0);
    assert_ne!(
        after.tables, before.tables,
        "the scores follow the new weights"
    );

    // Refused, naming what is wrong, and nothing changes: other content under a stored
    // version, the old version again, a file that does not parse.
    let other = write(
        "other.toml",
        seeded.replacen("version = 2\n", "version = 3\n", 1),
    );
    let err = cli_refused(&["import-methodology", &other], &db);
    assert!(
        err.contains("methodology branch-rating version 3 already exists with other content"),
        "{err}"
    );
    let seeds_file = seeds().join("methodology.toml").display().to_string();
    let err = cli_refused(&["import-methodology", &seeds_file], &db);
    assert!(
        err.contains(
            "version 2 is already stored, and branch-rating version 3 stays the current one"
        ),
        "{err}"
    );
    let broken = write(
        "broken.toml",
        seeded.replacen("weight = 20\n", "weight = \"heavy\"\n", 1),
    );
    let err = cli_refused(&["import-methodology", &broken], &db);
    assert!(err.contains(&broken) && err.contains("line "), "{err}");
    assert_eq!(both_ratings(&s, &db, q).await, after);
}
