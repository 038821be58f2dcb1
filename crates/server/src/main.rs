//! `zakupka-server`: the sync server and its administration commands.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use zakupka_core::wire::Role;
use zakupka_server::{Db, app, auth, demo};

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
        /// The built web app (scripts/build-web writes it to dist/).
        #[arg(long, default_value = "./dist")]
        web: PathBuf,
        /// The checklist and directory to publish to devices.
        #[arg(long, default_value = "./seeds")]
        seeds: PathBuf,
        /// Also create the demo users (auditor1, auditor2, supervisor; password `demo`) and demo visits.
        #[arg(long)]
        demo: bool,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from the first line of standard input.
    Add {
        login: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Auditor,
    Supervisor,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Admin => Role::Admin,
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
            demo: with_demo,
        } => {
            let database = Db::open(&db).with_context(|| format!("opening {}", db.display()))?;
            let (template, directory) = demo::read_seeds(&seeds)?;
            database.blocking(|conn| demo::publish(conn, &template, &directory))?;
            if with_demo {
                let made = database.blocking(|conn| {
                    demo::load_demo(conn, &template, &directory, chrono::Utc::now())
                })?;
                tracing::info!(
                    "demo: users auditor1, auditor2, supervisor (password `demo`); {made} visits generated"
                );
            }
            if !web.join("index.html").exists() {
                tracing::warn!(
                    "no web app in {} (run scripts/build-web); serving the API only",
                    web.display()
                );
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            tracing::info!("Zakupka serves http://{}/", listener.local_addr()?);
            axum::serve(listener, app(database, Some(web)))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Command::User {
            command: UserCommand::Add { login, role, db },
        } => {
            let database = Db::open(&db).with_context(|| format!("opening {}", db.display()))?;
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            database.blocking(|conn| {
                auth::add_user(conn, &login, role.into(), password, chrono::Utc::now())
            })?;
            println!("user {login} added");
        }
    }
    Ok(())
}
