//! Loading seeds into the server, and the demo: users and generated visits, so a first
//! start shows a working system.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use zakupka_core::demo::{Lcg, plausible_visit};
use zakupka_core::seed::{parse_directory, parse_template};
use zakupka_core::wire::Role;
use zakupka_core::{Directory, Template, Visit};

use crate::auth;
use crate::error::AppError;
use crate::ingest;
use crate::time::ts;
use zakupka_core::wire::Refusal;

pub const DEMO_PASSWORD: &str = "demo";
pub const DEMO_USERS: &[(&str, Role)] = &[
    ("auditor1", Role::Auditor),
    ("auditor2", Role::Auditor),
    ("supervisor", Role::Supervisor),
    // Publishing is an admin's.
    ("admin", Role::Admin),
    // The head of Серпухов (`demo_actions::MANAGER_BRANCH`): its findings and actions.
    ("manager", Role::Manager),
];

/// `--demo` on an address other machines reach, without `--demo-on-network`.
#[derive(Debug, thiserror::Error)]
#[error(
    "--demo creates users whose password is `{DEMO_PASSWORD}`: it serves only this machine \
     (127.0.0.1 or [::1]), not {0}. To show it on a network anyway, add --demo-on-network: \
     anyone who can reach {0} can then sign in as a supervisor"
)]
pub struct DemoOnNetwork(pub std::net::SocketAddr);

/// Whether the demo may serve `listen`: on loopback only, unless `on_network` was asked for
/// (then the caller prints a warning): its users' password is printed in the README, so on
/// a network anyone could sign in as a supervisor.
pub fn allowed_on(listen: std::net::SocketAddr, on_network: bool) -> Result<(), DemoOnNetwork> {
    if listen.ip().is_loopback() || on_network {
        Ok(())
    } else {
        Err(DemoOnNetwork(listen))
    }
}

/// Marks as demo users those of a database from before the mark (named as the demo's and
/// with its password), so that [`auth::disable_demo_users`] finds them too.
pub fn mark_old_demo_users(conn: &Connection) -> Result<(), AppError> {
    for (login, _) in DEMO_USERS {
        let hash: Option<String> = conn
            .query_row(
                "SELECT password_hash FROM users WHERE login = ?1 AND demo = 0",
                [login],
                |r| r.get(0),
            )
            .optional()?;
        if hash.is_some_and(|h| auth::verify(DEMO_PASSWORD, Some(&h))) {
            conn.execute("UPDATE users SET demo = 1 WHERE login = ?1", [login])?;
        }
    }
    Ok(())
}

/// Where the demo auditors work, so the own-branch rule shows when assigning.
const DEMO_BRANCHES: &[(&str, &str)] = &[("auditor1", "podolsk"), ("auditor2", "balashikha")];

/// Reads and validates the seed files of `dir` (checklist.toml, branches.csv, offices.csv).
pub fn read_seeds(dir: &Path) -> anyhow::Result<(Template, Directory)> {
    parse_seeds(&seeds_in(dir))
}

/// A seed file's name (for error messages) and text: from a folder with [`seeds_in`], or
/// the ones built into the server (`bundle::seed`).
pub type ReadSeed = dyn Fn(&str) -> anyhow::Result<(String, String)>;

/// Reads seed files from `dir`.
pub fn seeds_in(dir: &Path) -> impl Fn(&str) -> anyhow::Result<(String, String)> + use<> {
    let dir = dir.to_owned();
    move |name| {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok((path.display().to_string(), text))
    }
}

/// The checklist and directory of the seeds `read` gives.
pub fn parse_seeds(read: &ReadSeed) -> anyhow::Result<(Template, Directory)> {
    let (name, text) = read("checklist.toml")?;
    let template = parse_template(&name, &text)?;
    let (branches_name, branches) = read("branches.csv")?;
    let (offices_name, offices) = read("offices.csv")?;
    let directory = parse_directory(&branches_name, &branches, &offices_name, &offices)?;
    Ok((template, directory))
}

/// Publishes a template version and the directory to devices. A template version is
/// immutable: the same one again is a no-op, a different body under it an error.
pub fn publish(
    conn: &mut Connection,
    template: &Template,
    directory: &Directory,
) -> Result<(), AppError> {
    let tx = conn.transaction()?;
    let body = serde_json::to_string(template).map_err(|e| AppError::Internal(e.to_string()))?;
    match crate::reference::template(&tx, &template.id, template.version)? {
        Some(existing) if existing == *template => {}
        Some(_) => {
            return Err(AppError::bad(
                Refusal::Invalid,
                "version",
                format!(
                    "checklist {} version {} already exists with other content",
                    template.id, template.version
                ),
            ));
        }
        None => {
            tx.execute(
                "INSERT INTO templates (id, version, body) VALUES (?1, ?2, ?3)",
                params![template.id, template.version, body],
            )?;
            tx.execute(
                "INSERT INTO changes (kind, ref) VALUES ('template', ?1)",
                [format!("{}:{}", template.id, template.version)],
            )?;
        }
    }
    let body = serde_json::to_string(directory).map_err(|e| AppError::Internal(e.to_string()))?;
    let old: Option<String> = tx
        .query_row("SELECT body FROM directory", [], |r| r.get(0))
        .optional()?;
    if old.as_deref() != Some(body.as_str()) {
        tx.execute(
            "INSERT INTO directory (singleton, body) VALUES (1, ?1) ON CONFLICT (singleton) DO UPDATE SET body = excluded.body",
            [&body],
        )?;
        tx.execute(
            "INSERT INTO changes (kind, ref) VALUES ('directory', 'directory')",
            [],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Creates the demo users (password `demo`) and, once, generated visits: recent ones
/// waiting for review, and four past quarters approved, with KPIs, published.
pub fn load_demo(
    conn: &mut Connection,
    template: &Template,
    directory: &Directory,
    methodology: &zakupka_core::rating::Methodology,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    for (login, role) in DEMO_USERS {
        let exists: bool = conn
            .prepare("SELECT 1 FROM users WHERE login = ?1")?
            .exists([login])?;
        if exists {
            // Back on: a demo user disabled by a start without `--demo` (their old
            // tokens stay revoked).
            conn.execute(
                "UPDATE users SET disabled_at = NULL WHERE login = ?1 AND demo = 1",
                [login],
            )?;
        } else {
            auth::add_demo_user(conn, login, *role, DEMO_PASSWORD, now)?;
            let manager = (*role == Role::Manager).then_some(crate::demo_actions::MANAGER_BRANCH);
            if let Some(branch) = DEMO_BRANCHES
                .iter()
                .find(|(l, _)| l == login)
                .map(|(_, b)| *b)
                .or(manager)
                && directory.branch(branch).is_some()
            {
                crate::assignments::set_branch(conn, login, Some(branch), directory)?;
            }
        }
    }
    let have: i64 = conn.query_row(
        "SELECT count(*) FROM visits WHERE device_id = 'demo'",
        [],
        |r| r.get(0),
    )?;
    if have > 0 {
        return Ok(0);
    }
    let told_before = crate::notifications::newest(conn)?;
    let mut visits = zakupka_core::demo::generate_visits(template, directory, 40, now);
    presence_examples(&mut visits, directory);
    let tx = conn.transaction()?;
    for (n, v) in visits.iter().enumerate() {
        let payload = serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))?;
        let finished = v.finished_at.unwrap_or(now);
        // One phone in the demo has a clock two days fast: its visit arrives "before" it
        // was made, and the queue flags it.
        let received = if n == 5 {
            finished - chrono::Duration::days(2)
        } else {
            finished
        };
        ingest::store(&tx, v, &payload, (template, directory), "demo", received)?;
    }
    tx.commit()?;
    // The four quarters before this one: approved visits, KPIs, published.
    let mut quarters = vec![zakupka_core::rating::Quarter::of(now).previous()];
    while quarters.len() < 4 {
        let before = quarters[quarters.len() - 1].previous();
        quarters.push(before);
    }
    quarters.reverse();
    let history = load_history(conn, template, directory, methodology, &quarters)?;
    for q in quarters {
        crate::rating::publish(conn, q, methodology, "supervisor", q.bounds().1)?;
    }
    let actions = crate::demo_actions::load_actions(conn, now)?;
    let appeals = crate::demo_appeals::load_appeals(conn, template, directory, now)?;
    assign_demo(conn, template, directory, now)?;
    let pairs = crate::demo_calibration::load_pairs(conn, template, directory, now)?;
    let answers = crate::demo_calibration::load_case(conn, template, now)?;
    // The assignments of the demo's past are not news: their notifications show as read,
    // so the badge counts only what happens after the first start.
    crate::notifications::read_after(conn, told_before, now)?;
    Ok(visits.len() + history + actions + appeals + pairs + answers)
}

/// The demo auditor who is not `auditor`.
fn other_auditor(auditor: &str) -> &'static str {
    if auditor == "auditor1" {
        "auditor2"
    } else {
        "auditor1"
    }
}

/// Whether `office` is of `auditor`'s own demo branch.
fn own_branch(auditor: &str, office: &str, directory: &Directory) -> bool {
    let branch = directory.office(office).map(|o| o.branch_id.as_str());
    DEMO_BRANCHES
        .iter()
        .any(|(l, b)| *l == auditor && Some(*b) == branch)
}

/// Something for the presence flags to show in the queue: two visits far from their
/// office (2 km), one too short, and one to an office of its auditor's own branch, left
/// out of the rating until a supervisor includes it. Every other visit is by an auditor
/// of another branch, as the rule wants. Answers and scores stay as generated.
fn presence_examples(visits: &mut [Visit], directory: &Directory) {
    for v in visits.iter_mut() {
        if own_branch(&v.auditor, &v.office_id, directory) {
            v.auditor = other_auditor(&v.auditor).to_owned();
        }
    }
    let away = |at: &mut Option<zakupka_core::presence::Location>| {
        if let Some(at) = at {
            at.lon += 0.032;
        }
    };
    for v in visits.iter_mut().skip(1).take(2) {
        away(&mut v.start_location);
        away(&mut v.finish_location);
    }
    if let Some(v) = visits.get_mut(3) {
        let finished = v.started_at + Duration::minutes(8);
        v.finished_at = Some(finished);
        if let Some(at) = &mut v.finish_location {
            at.at = finished;
        }
    }
    if let Some(v) = visits.get_mut(4) {
        let own = DEMO_BRANCHES.iter().find(|(l, _)| *l == v.auditor);
        let office = own.and_then(|(_, b)| directory.offices.iter().find(|o| o.branch_id == *b));
        if let Some(at) = office.and_then(|o| Some((o, o.position?))) {
            v.office_id = at.0.id.clone();
            for fix in [&mut v.start_location, &mut v.finish_location]
                .into_iter()
                .flatten()
            {
                (fix.lat, fix.lon) = (at.1.lat, at.1.lon);
            }
        }
    }
}

/// A few visits of this quarter assigned to each demo auditor, due at its end, at offices
/// outside their own branch: what the auditor's phone shows after the first sync.
fn assign_demo(
    conn: &mut Connection,
    template: &Template,
    directory: &Directory,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let quarter = zakupka_core::rating::Quarter::of(now);
    let due = quarter
        .bounds()
        .1
        .date_naive()
        .pred_opt()
        .unwrap_or(now.date_naive());
    for (n, (login, branch)) in DEMO_BRANCHES.iter().enumerate() {
        let offices = directory
            .offices
            .iter()
            .filter(|o| o.branch_id != *branch)
            .skip(7 + n * 11)
            .step_by(17)
            .take(3);
        for (k, office) in offices.enumerate() {
            let Some(scenario) = template.scenarios.get(k % template.scenarios.len().max(1)) else {
                return Ok(());
            };
            let request = zakupka_core::wire::AssignmentRequest {
                auditor: (*login).to_owned(),
                office_id: office.id.clone(),
                quarter,
                scenario: scenario.id.clone(),
                due,
                note: String::new(),
                dry_run: false,
            };
            crate::assignments::create(conn, &request, directory, "supervisor", now)?;
        }
    }
    Ok(())
}

/// Past quarters for the demo: three approved visits per branch and a full set of KPI
/// figures, so the rating, its history and the cups show on first start.
pub fn load_history(
    conn: &mut Connection,
    template: &Template,
    directory: &Directory,
    methodology: &zakupka_core::rating::Methodology,
    quarters: &[zakupka_core::rating::Quarter],
) -> Result<usize, AppError> {
    let mut rng = Lcg::new(11);
    let mut made = 0;
    let tx = conn.transaction()?;
    for quarter in quarters {
        let (start, end) = quarter.bounds();
        let span = (end - start).num_hours().max(48) - 24;
        for (b, branch) in directory.branches.iter().enumerate() {
            let offices: Vec<_> = directory
                .offices
                .iter()
                .filter(|o| o.branch_id == branch.id)
                .collect();
            for k in 0..3 {
                let office = offices[rng.below(offices.len() as u64) as usize];
                let started = start + Duration::hours(rng.below(span as u64) as i64);
                let auditor = if (b + k) % 2 == 0 {
                    "auditor1"
                } else {
                    "auditor2"
                };
                // Never an office of the auditor's own branch (such a visit would be left
                // out of the rating); who made it does not change its score.
                let auditor = if own_branch(auditor, &office.id, directory) {
                    other_auditor(auditor)
                } else {
                    auditor
                };
                let v = plausible_visit(template, office, auditor, started, made as u32, &mut rng);
                let payload =
                    serde_json::to_string(&v).map_err(|e| AppError::Internal(e.to_string()))?;
                let at = v.finished_at.unwrap_or(started);
                ingest::store(&tx, &v, &payload, (template, directory), "demo", at)?;
                tx.execute(
                    "UPDATE reviews SET state = 'approved', updated_at = ?2 WHERE visit_id = ?1",
                    params![v.id.to_string(), ts(at)],
                )?;
                tx.execute(
                    "INSERT INTO review_log (visit_id, revision, from_state, to_state, by_login, at)
                     VALUES (?1, 1, 'submitted', 'approved', 'supervisor', ?2)",
                    params![v.id.to_string(), ts(at)],
                )?;
                made += 1;
            }
            // KPI figures: the branch's own level, drifting a little from quarter to quarter.
            let level = (branch.id.bytes().map(u64::from).sum::<u64>() % 100) as f64 / 100.0;
            for c in &methodology.criteria {
                if let zakupka_core::rating::Measure::Kpi { key, best, worst } = &c.measure {
                    let drift = rng.below(21) as f64 / 100.0 - 0.1;
                    let share = (0.35 + 0.6 * level + drift).clamp(0.0, 1.0);
                    let value = ((worst + (best - worst) * share) * 10.0).round() / 10.0;
                    tx.execute(
                        "INSERT OR REPLACE INTO kpis (quarter, branch_id, key, value) VALUES (?1, ?2, ?3, ?4)",
                        params![quarter.to_string(), branch.id, key, value],
                    )?;
                }
            }
        }
    }
    tx.commit()?;
    Ok(made)
}

/// Reads and validates `methodology.toml` of the seeds folder.
pub fn read_methodology(dir: &Path) -> anyhow::Result<zakupka_core::rating::Methodology> {
    parse_methodology(&seeds_in(dir))
}

/// The methodology of the seeds `read` gives.
pub fn parse_methodology(read: &ReadSeed) -> anyhow::Result<zakupka_core::rating::Methodology> {
    let (name, text) = read("methodology.toml")?;
    Ok(zakupka_core::seed::parse_methodology(&name, &text)?)
}
