//! `zakupka-server`: the sync server and its administration commands.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use zakupka_core::rating::{Methodology, NotRated, Quarter};
use zakupka_core::wire::Role;
use zakupka_core::{Directory, League};
mod case_cli;
mod user_cli;
mod webhook_cli;

use zakupka_server::{
    Db, app_with, assignments, auth, backup, bundle, demo, export, notifications, purge, rating,
    reference, tls, webhooks,
};

#[derive(Parser)]
#[command(
    name = "zakupka-server",
    version,
    about = "Zakupka sync server: visits in, review states out, the web app"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API under /api/v1 and the web app at /.
    Serve {
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The built web app (scripts/build-web writes it to dist/); default: the one built
        /// into this server.
        #[arg(long)]
        web: Option<PathBuf>,
        /// The checklist, directory and methodology to publish to devices; default: the
        /// seeds built into this server.
        #[arg(long)]
        seeds: Option<PathBuf>,
        #[command(flatten)]
        tls: tls::TlsArgs,
        /// Also create the demo users (auditor1, auditor2, supervisor, admin; password
        /// `demo`) and demo visits. Only on a loopback address; without it the demo users are disabled.
        #[arg(long)]
        demo: bool,
        /// Allow `--demo` on an address other machines reach: anyone there can then sign
        /// in with the demo's published password.
        #[arg(long, requires = "demo")]
        demo_on_network: bool,
        /// Visit revisions one auditor may send in a UTC day (then 429 until the next day).
        #[arg(long, default_value_t = zakupka_server::Limits::default().visits_per_day)]
        visits_per_day: u64,
        /// Megabytes of photos one auditor may upload in a UTC day.
        #[arg(long, default_value_t = zakupka_server::Limits::default().photo_bytes_per_day / (1024 * 1024))]
        photo_mb_per_day: u64,
    },
    /// Store a new version of the rating methodology (TOML, as seeds/methodology.toml):
    /// from then on the rating, KPI imports and publishing use it, here and over HTTP.
    ImportMethodology {
        file: PathBuf,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Import a quarter's KPI figures (CSV: `branch_id` then one column per KPI key of the
    /// current methodology).
    ImportKpi {
        file: PathBuf,
        #[arg(long)]
        quarter: Quarter,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Print a quarter's rating: as published, or computed now with the current
    /// methodology if it is not published yet.
    Rating {
        #[arg(long)]
        quarter: Quarter,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Publish a quarter's rating: its results and methodology version are frozen.
    Publish {
        #[arg(long)]
        quarter: Quarter,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Copy the database, photos included, to FILE: consistent while the server serves.
    Backup {
        #[arg(long)]
        to: PathBuf,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Replace the database with a backup (stop the server first). Refuses a database that
    /// holds users or visits unless --force.
    Restore {
        #[arg(long)]
        from: PathBuf,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Remove the comments and photos of visits in published quarters that ended by DATE
    /// (YYYY-MM-DD); scores and ratings stay. Written to the audit log.
    PurgePersonalData {
        #[arg(long)]
        before: chrono::NaiveDate,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Calibration cases.
    Case {
        #[command(subcommand)]
        command: case_cli::CaseCommand,
    },
    /// The organisation's receivers of events (signed POSTs, retried until delivered).
    Webhook {
        #[command(subcommand)]
        command: webhook_cli::WebhookCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from the first line of standard input.
    Add {
        login: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The branch an auditor works for (they will not be assigned its offices), or the
        /// branch a manager heads (required for managers).
        #[arg(long)]
        branch: Option<String>,
        /// A branch whose visits a supervisor sees and decides (repeat for more); without
        /// it, every branch's.
        #[arg(long)]
        scope: Vec<String>,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
        /// Where the branches are read from; default: those the server has published in
        /// its database, or, before its first start, the seeds built into it.
        #[arg(long)]
        seeds: Option<PathBuf>,
    },
    #[command(flatten)]
    Manage(user_cli::Manage),
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Auditor,
    Supervisor,
    Admin,
    Manager,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Admin => Role::Admin,
            RoleArg::Manager => Role::Manager,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            db,
            listen,
            web,
            seeds,
            tls,
            demo: with_demo,
            demo_on_network,
            visits_per_day,
            photo_mb_per_day,
        } => {
            if with_demo {
                demo::allowed_on(listen, demo_on_network)?;
                if !listen.ip().is_loopback() {
                    tracing::warn!(
                        "--demo-on-network: the demo users (password `{}`) can sign in from any machine that reaches {listen}",
                        demo::DEMO_PASSWORD
                    );
                }
            }
            let database = open(&db)?;
            let read_seed: Box<demo::ReadSeed> = match &seeds {
                Some(dir) => Box::new(demo::seeds_in(dir)),
                None => Box::new(bundle::seed),
            };
            let (template, directory) = demo::parse_seeds(&read_seed)?;
            let seeded = demo::parse_methodology(&read_seed)?;
            // The seeds' methodology is stored if new; the demo then rates with whatever
            // is current, as the rest of the server does.
            let methodology = database.blocking(|conn| {
                demo::publish(conn, &template, &directory)?;
                rating::store_methodology(conn, &seeded)?;
                rating::latest_methodology(conn)
            })?;
            if with_demo {
                let made = database.blocking(|conn| {
                    demo::load_demo(
                        conn,
                        &template,
                        &directory,
                        &methodology,
                        chrono::Utc::now(),
                    )
                })?;
                tracing::info!(
                    "demo: users auditor1, auditor2, supervisor, admin, manager (password `demo`); {made} visits and actions generated"
                );
            } else {
                let disabled = database.blocking(|conn| {
                    demo::mark_old_demo_users(conn)?;
                    auth::disable_demo_users(conn, chrono::Utc::now())
                })?;
                if !disabled.is_empty() {
                    tracing::info!(
                        "started without --demo: demo users {} disabled",
                        disabled.join(", ")
                    );
                }
            }
            let mut settings = zakupka_server::Settings::default();
            settings.limits.visits_per_day = visits_per_day;
            settings.limits.photo_bytes_per_day = photo_mb_per_day.saturating_mul(1024 * 1024);
            tokio::spawn(housekeeping(database.clone(), settings.logins.clone()));
            // Off the request path; what was not delivered before a restart is due now.
            let (db2, clock) = (database.clone(), settings.clock.clone());
            tokio::spawn(webhooks::run(db2, clock, Default::default()));
            tokio::task::spawn_blocking(auth::warm_up);
            let web = match web {
                Some(dir) => Some(dir),
                None => bundle::unpack_web_app(&db.with_extension("web"))?,
            };
            if !web.as_ref().is_some_and(|w| w.join("index.html").exists()) {
                tracing::warn!("no web app (run scripts/build-web); serving the API only");
            }
            let identity = tls.identity(&db, listen)?;
            let listener = std::net::TcpListener::bind(listen)
                .with_context(|| format!("listening on {listen}"))?;
            listener.set_nonblocking(true)?;
            let scheme = if identity.is_some() { "https" } else { "http" };
            tracing::info!("Zakupka serves {scheme}://{}/", listener.local_addr()?);
            tls::serve(app_with(database, web, settings), listener, identity).await?;
        }
        Command::Backup { to, db } => {
            let copied = backup::backup(&db, &to)?;
            println!("{} backed up to {}: {copied}", db.display(), to.display());
        }
        Command::Restore { from, db, force } => {
            let copied = backup::restore(&from, &db, force)?;
            println!(
                "{} restored from {}: {copied}",
                db.display(),
                from.display()
            );
        }
        Command::PurgePersonalData { before, db } => {
            let before = before.and_time(chrono::NaiveTime::MIN).and_utc();
            let actor = format!(
                "command line ({})",
                std::env::var("USER").unwrap_or_else(|_| "unknown user".into())
            );
            let purged = open(&db)?.blocking(|conn| {
                purge::purge_personal_data(conn, before, &actor, chrono::Utc::now())
            })?;
            println!(
                "comments and photos removed from {} visit revisions of {} ({} photos); scores kept",
                purged.visits,
                if purged.quarters.is_empty() {
                    "no published quarter".into()
                } else {
                    purged.quarters.join(", ")
                },
                purged.photos
            );
        }
        Command::ImportMethodology { file, db } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let methodology =
                zakupka_core::seed::parse_methodology(&file.display().to_string(), &text)?;
            let database = open(&db)?;
            let current = database.blocking(|conn| {
                rating::store_methodology(conn, &methodology)?;
                rating::latest_methodology(conn)
            })?;
            // A version is stored once and never changes; storing an older one again
            // does not bring it back.
            anyhow::ensure!(
                current == methodology,
                "methodology {} version {} is already stored, and {} version {} stays the current one: give the file a new version",
                methodology.id,
                methodology.version,
                current.id,
                current.version
            );
            println!(
                "methodology {} v{} is the current one",
                methodology.id, methodology.version
            );
        }
        Command::ImportKpi { file, quarter, db } => {
            let (database, methodology, directory) = rating_context(&db)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let kpis = zakupka_core::seed::parse_kpis(
                &file.display().to_string(),
                &text,
                &methodology,
                &directory,
            )?;
            let n = database.blocking(|conn| rating::import_kpis(conn, quarter, &kpis))?;
            println!(
                "{quarter}: {n} figures for {} branches imported",
                kpis.len()
            );
        }
        Command::Rating {
            quarter,
            format,
            db,
        } => {
            let (database, methodology, directory) = rating_context(&db)?;
            let result = database.blocking(|conn| rating::rating(conn, quarter, &methodology))?;
            print!("{}", render(&result, &directory, format)?);
        }
        Command::Publish { quarter, db } => {
            let (database, methodology, _) = rating_context(&db)?;
            let result = database.blocking(|conn| {
                rating::publish(conn, quarter, &methodology, "admin", chrono::Utc::now())
            })?;
            println!(
                "{quarter} published with methodology {} v{}",
                result.methodology.id, result.methodology.version
            );
        }
        Command::User {
            command:
                UserCommand::Add {
                    login,
                    role,
                    branch,
                    scope,
                    db,
                    seeds,
                },
        } => {
            if matches!(role, RoleArg::Manager) && branch.is_none() {
                anyhow::bail!("a manager heads a branch: give it with --branch ID");
            }
            let database = open(&db)?;
            let directory = if branch.is_none() && scope.is_empty() {
                Directory::default()
            } else if let Some(dir) = &seeds {
                demo::read_seeds(dir)?.1
            } else {
                let published = database
                    .blocking(|conn| zakupka_server::reference::directory(conn))
                    .map_err(|e| anyhow::anyhow!("reading the published branches: {e}"))?;
                if published.branches.is_empty() {
                    let built_in: Box<demo::ReadSeed> = Box::new(bundle::seed);
                    demo::parse_seeds(&built_in)?.1
                } else {
                    published
                }
            };
            let password = user_cli::read_password()?;
            database.blocking(|conn| {
                let tx = conn.transaction()?;
                auth::add_user(&tx, &login, role.into(), &password, chrono::Utc::now())?;
                if branch.is_some() {
                    assignments::set_branch(&tx, &login, branch.as_deref(), &directory)?;
                }
                zakupka_server::scope::bind(&tx, &login, &scope, &directory)?;
                tx.commit()?;
                Ok(())
            })?;
            println!("user {login} added");
        }
        Command::User {
            command: UserCommand::Manage(command),
        } => user_cli::run(command)?,
        Command::Case { command } => case_cli::run(command, open)?,
        Command::Webhook { command } => webhook_cli::run(command)?,
    }
    Ok(())
}

/// Purges expired tokens and forgotten failed sign-ins now and every hour, lets the
/// throttles forget idle logins and addresses, and sweeps the notifications (due dates
/// announced, old ones pruned).
async fn housekeeping(database: Db, logins: std::sync::Arc<auth::Logins>) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        let now = logins.clock().now();
        match database.call(move |c| auth::purge_expired(c, now)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("{n} expired tokens purged"),
            Err(e) => tracing::warn!("purging expired tokens: {e}"),
        }
        match database.call(move |c| notifications::sweep(c, now)).await {
            Ok(swept) => tracing::debug!("notifications swept: {swept:?}"),
            Err(e) => tracing::warn!("sweeping notifications: {e}"),
        }
        logins.forget_idle();
    }
}

fn open(db: &Path) -> anyhow::Result<Db> {
    Db::open(db).with_context(|| format!("opening {}", db.display()))
}

/// The database with what the server rates by: the current methodology version and the
/// published directory, both read from the database as the HTTP API reads them, so the
/// command line and the app never rate by two different methodologies.
fn rating_context(db: &Path) -> anyhow::Result<(Db, Methodology, Directory)> {
    let database = open(db)?;
    let (methodology, directory) = database
        .blocking(|conn| {
            Ok((
                rating::latest_methodology(conn)?,
                reference::directory(conn)?,
            ))
        })
        .context(
            "reading the current methodology (`serve` stores the seeds' one, `import-methodology FILE` a new version)",
        )?;
    Ok((database, methodology, directory))
}

/// The rating as a table for people, CSV for spreadsheets, or JSON for programs.
fn render(r: &rating::Rating, directory: &Directory, format: Format) -> anyhow::Result<String> {
    let name = |id: &str| {
        directory
            .branch(id)
            .map_or(id.to_owned(), |b| b.name.ru.clone())
    };
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(r)? + "\n"),
        Format::Csv => Ok(export::csv(r, directory)?),
        Format::Table => {
            let mut out = format!(
                "Рейтинг управлений, {} ({} v{}{})\n",
                r.quarter,
                r.methodology.id,
                r.methodology.version,
                r.published_at
                    .map_or(", не опубликован".to_owned(), |t| format!(
                        ", опубликован {}",
                        t.format("%d.%m.%Y")
                    ))
            );
            for t in &r.tables {
                out += match t.league {
                    League::Large => "\nКрупные управления\n",
                    League::Small => "\nМалые управления\n",
                };
                for row in &t.rows {
                    out += &format!(
                        "{:>3}  {:<28} {:>6.*}\n",
                        row.place,
                        name(&row.branch_id),
                        usize::from(r.methodology.precision),
                        row.score
                    );
                }
                for (id, reason) in &t.not_rated {
                    let why = match reason {
                        NotRated::TooFewVisits { approved, needed } => {
                            format!("вне рейтинга: одобренных проверок {approved} из {needed}")
                        }
                        NotRated::MissingKpi { keys } => {
                            format!("вне рейтинга: нет показателей {}", keys.join(", "))
                        }
                    };
                    out += &format!("  -  {:<28} {why}\n", name(id));
                }
            }
            Ok(out)
        }
    }
}
