//! `zakupka-server webhook …`: the organisation's receivers of events (see
//! `zakupka_server::webhooks`).

use std::path::PathBuf;

use clap::Subcommand;
use zakupka_server::webhooks;

#[derive(Subcommand)]
pub enum WebhookCommand {
    /// Register a URL to receive events; prints its id and the secret its bodies are
    /// signed with (shown this once). https, or http to this machine only.
    Add {
        url: String,
        /// Comma-separated: visit_approved, action_overdue, appeal_decided, quarter_published.
        #[arg(long)]
        events: String,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// List the webhooks: events, deliveries done, pending and failed, the last error.
    List {
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
    /// Remove a webhook; its undelivered events are dropped.
    Remove {
        id: String,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
}

pub fn run(command: WebhookCommand) -> anyhow::Result<()> {
    match command {
        WebhookCommand::Add { url, events, db } => {
            // Checked before the database is opened: a refused URL leaves no file behind.
            webhooks::check_url(&url)?;
            webhooks::parse_events(&events)?;
            let added = crate::open(&db)?
                .blocking(|c| webhooks::add(c, &url, &events, chrono::Utc::now()))?;
            println!("webhook {} added", added.id);
            println!("secret {}", added.secret);
            println!(
                "(shown once: the receiver checks X-Zakupka-Signature: sha256=HMAC-SHA256(secret, body) in hex)"
            );
        }
        WebhookCommand::List { db } => {
            let hooks = crate::open(&db)?.blocking(|c| webhooks::list(c))?;
            if hooks.is_empty() {
                println!("no webhooks");
            }
            for w in hooks {
                println!("{} {}", w.id, w.url);
                println!("  events: {}", w.events.join(", "));
                println!(
                    "  delivered {}, pending {}, failed {}",
                    w.delivered, w.pending, w.failed
                );
                if let Some(e) = w.last_error {
                    println!("  last error: {e}");
                }
            }
        }
        WebhookCommand::Remove { id, db } => {
            let dropped = crate::open(&db)?.blocking(|c| webhooks::remove(c, &id))?;
            println!("webhook {id} removed; {dropped} undelivered events dropped");
        }
    }
    Ok(())
}
