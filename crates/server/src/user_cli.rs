//! `zakupka-server user …`: the administration of users besides `user add` (in main.rs).

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::Context;
use chrono::Utc;
use clap::Subcommand;
use zakupka_server::auth;

#[derive(Subcommand)]
pub enum Manage {
    /// List the users: role, branch, whether disabled or a demo user, devices signed in.
    List {
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Disable a user: their tokens are refused from the next request, and they cannot sign in.
    Disable {
        login: String,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Enable a disabled user again; they sign in anew (their old tokens stay revoked).
    Enable {
        login: String,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Set a user's password, read from the first line of standard input (at least 10
    /// characters, not a common one); every token of the user is revoked.
    Passwd {
        login: String,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Revoke every token of a user: all their devices must sign in again (a lost phone).
    Revoke {
        login: String,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
}

/// The first line of standard input, without its line end: a password is never an
/// argument, which other users of the machine could read in the process list.
pub fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    Ok(password.trim_end_matches(['\n', '\r']).to_owned())
}

pub fn run(command: Manage) -> anyhow::Result<()> {
    let now = Utc::now();
    match command {
        Manage::List { db } => {
            let users = crate::open(&db)?.blocking(|c| auth::list(c, now))?;
            println!(
                "{:<24} {:<10} {:<14} {:<9} devices",
                "login", "role", "branch", "state"
            );
            for u in users {
                let state = match (u.disabled, u.demo) {
                    (true, _) => "disabled",
                    (false, true) => "demo",
                    (false, false) => "active",
                };
                println!(
                    "{:<24} {:<10} {:<14} {:<9} {}",
                    u.login,
                    u.role.as_str(),
                    u.branch_id.as_deref().unwrap_or("-"),
                    state,
                    u.active_tokens
                );
            }
        }
        Manage::Disable { login, db } => {
            let changed =
                crate::open(&db)?.blocking(|c| auth::set_disabled(c, &login, true, now))?;
            println!(
                "user {login} {}",
                if changed {
                    "disabled; their tokens are revoked"
                } else {
                    "was already disabled"
                }
            );
        }
        Manage::Enable { login, db } => {
            let changed =
                crate::open(&db)?.blocking(|c| auth::set_disabled(c, &login, false, now))?;
            println!(
                "user {login} {}",
                if changed {
                    "enabled: they sign in again"
                } else {
                    "was not disabled"
                }
            );
        }
        Manage::Passwd { login, db } => {
            let password = read_password()?;
            crate::open(&db)?.blocking(|c| auth::set_password(c, &login, &password, now))?;
            println!("password of {login} changed; every device of theirs signs in again");
        }
        Manage::Revoke { login, db } => {
            let n = crate::open(&db)?.blocking(|c| auth::revoke_all(c, &login, now))?;
            println!("{n} tokens of {login} revoked");
        }
    }
    Ok(())
}
