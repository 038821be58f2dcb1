//! Webhooks: URLs of the organisation's own systems that receive [`crate::events`],
//! registered by an admin on the command line (`webhook add|list|remove`). What is sent,
//! and how it is retried, is `delivery.rs`.

pub mod delivery;

use std::collections::BTreeSet;
use std::net::IpAddr;

use base64::Engine;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::wire::Refusal;

use crate::error::AppError;
use crate::events::Kind;
use crate::sql::{Json, Text};
use crate::time::ts;

pub use delivery::{Policy, deliver_due, run};

/// A webhook just registered: the secret is shown this once.
#[derive(Debug, Clone)]
pub struct Added {
    pub id: Uuid,
    pub secret: String,
}

/// A registered webhook and how its deliveries went.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub delivered: i64,
    pub pending: i64,
    /// Events given up on after the last attempt.
    pub failed: i64,
    /// The error of the most recent failed attempt of a pending or failed event.
    pub last_error: Option<String>,
}

/// Checks a receiver's address: http or https with a host; plain http only to this
/// machine (loopback), since the body leaves it otherwise readable on the way; no user or
/// password in it, since `webhook list` prints it. Returns it as it will be called.
pub fn check_url(text: &str) -> Result<url::Url, AppError> {
    let bad = |why: &str| AppError::bad(Refusal::Invalid, "url", format!("URL `{text}`: {why}"));
    let url = url::Url::parse(text.trim()).map_err(|e| bad(&e.to_string()))?;
    let loopback = match url.host() {
        None => return Err(bad("a host is required")),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "https is required unless the host is loopback (localhost, 127.0.0.1, ::1)",
            ));
        }
        other => return Err(bad(&format!("scheme `{other}`: only http or https"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "no user or password in the URL: `webhook list` shows it; the body is signed instead",
        ));
    }
    Ok(url)
}

/// The kinds of a comma-separated list (`visit_approved,quarter_published`), each once.
pub fn parse_events(list: &str) -> Result<BTreeSet<Kind>, AppError> {
    let mut kinds = BTreeSet::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        kinds.insert(
            name.parse::<Kind>()
                .map_err(|e| AppError::bad(Refusal::Invalid, "events", e))?,
        );
    }
    if kinds.is_empty() {
        let known: Vec<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        return Err(AppError::bad(
            Refusal::Invalid,
            "events",
            format!("name at least one event: {}", known.join(", ")),
        ));
    }
    Ok(kinds)
}

/// Registers a webhook; its secret is made here from the system's random source.
/// Nothing is stored if the URL or events are refused.
pub fn add(
    conn: &Connection,
    url: &str,
    events: &str,
    now: DateTime<Utc>,
) -> Result<Added, AppError> {
    let url = check_url(url)?;
    let kinds: Vec<&str> = parse_events(events)?.iter().map(|k| k.as_str()).collect();
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| AppError::internal("random secret", e))?;
    let added = Added {
        id: Uuid::now_v7(),
        secret: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw),
    };
    conn.execute(
        "INSERT INTO webhooks (id, url, events, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            added.id.to_string(),
            url.as_str(),
            serde_json::to_string(&kinds).map_err(|e| AppError::internal("events", e))?,
            added.secret,
            ts(now)
        ],
    )?;
    Ok(added)
}

/// Every webhook, oldest first, with its deliveries counted.
pub fn list(conn: &Connection) -> Result<Vec<Webhook>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT w.id, w.url, w.events, w.created_at,
                count(o.delivered_at),
                count(CASE WHEN o.seq IS NOT NULL AND o.delivered_at IS NULL AND o.failed_at IS NULL THEN 1 END),
                count(o.failed_at),
                (SELECT last_error FROM webhook_outbox e
                 WHERE e.webhook_id = w.id AND e.delivered_at IS NULL AND e.last_error IS NOT NULL
                 ORDER BY e.seq DESC LIMIT 1)
         FROM webhooks w LEFT JOIN webhook_outbox o ON o.webhook_id = w.id
         GROUP BY w.id ORDER BY w.created_at, w.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Webhook {
            id: r.get::<_, Text<Uuid>>(0)?.0,
            url: r.get(1)?,
            events: r.get::<_, Json<_>>(2)?.0,
            created_at: r.get(3)?,
            delivered: r.get(4)?,
            pending: r.get(5)?,
            failed: r.get(6)?,
            last_error: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Removes a webhook and its undelivered events; returns how many were dropped.
pub fn remove(conn: &mut Connection, id: &str) -> Result<u64, AppError> {
    let tx = conn.transaction()?;
    let exists = tx
        .query_row("SELECT 1 FROM webhooks WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some();
    if !exists {
        return Err(AppError::not_found(
            Refusal::NotFound,
            format!("no webhook {id} (see `webhook list`)"),
        ));
    }
    let dropped = tx.execute(
        "DELETE FROM webhook_outbox WHERE webhook_id = ?1 AND delivered_at IS NULL AND failed_at IS NULL",
        [id],
    )?;
    tx.execute("DELETE FROM webhook_outbox WHERE webhook_id = ?1", [id])?;
    tx.execute("DELETE FROM webhooks WHERE id = ?1", [id])?;
    tx.commit()?;
    Ok(dropped as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_refused_with_the_reason() {
        for (url, why) in [
            ("ftp://example.org/hook", "only http or https"),
            ("http://example.org/hook", "https is required unless"),
            ("https://", "empty host"),
            ("not a url", "relative URL"),
            ("https://user:pw@example.org/", "no user or password"),
            ("file:///etc/passwd", "host is required"),
        ] {
            let e = check_url(url).unwrap_err().to_string();
            assert!(e.contains(why), "{url}: {e}");
        }
        for ok in [
            "https://erp.example.org/zakupka",
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://[::1]:8080/",
        ] {
            check_url(ok).unwrap();
        }
    }

    #[test]
    fn events_are_known_kinds_named_at_least_once() {
        let kinds = parse_events("visit_approved, quarter_published,visit_approved").unwrap();
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            [Kind::VisitApproved, Kind::QuarterPublished]
        );
        let e = parse_events("visit_approved,visit_aproved")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`visit_aproved`") && e.contains("appeal_decided"),
            "{e}"
        );
        assert!(parse_events(" , ").is_err());
    }
}
