//! Sending the webhook outbox: a task that `serve` starts reads the rows that are due,
//! POSTs each body to its URL, and marks a row delivered only after a 2xx answer. Any
//! other outcome (an error status, a refused connection, the timeout) schedules another
//! attempt after an exponential backoff with jitter, up to a cap, for a bounded number of
//! attempts; then the row is marked failed and `webhook list` shows its last error.
//!
//! At least once, never silently lost: a row lives in the database from the commit of
//! its change, so a restart finds what was not yet delivered; a receiver that answered
//! 2xx just before a crash may get the same event again, with the same id.
//!
//! Each request carries `X-Zakupka-Event-Id` (the idempotency id),
//! `X-Zakupka-Event` (the kind) and `X-Zakupka-Signature: sha256=<hex>`, the
//! HMAC-SHA256 of the body keyed with the webhook's secret (its text as printed).

use std::time::Duration;

use hmac::{Hmac, Mac};
use rusqlite::{Connection, params};
use sha2::Sha256;

use crate::error::AppError;
use crate::time::ts;
use crate::{Clock, Db};

pub const EVENT_ID_HEADER: &str = "x-zakupka-event-id";
pub const EVENT_KIND_HEADER: &str = "x-zakupka-event";
pub const SIGNATURE_HEADER: &str = "x-zakupka-signature";

/// How deliveries are timed.
#[derive(Debug, Clone)]
pub struct Policy {
    /// One attempt's time, from connecting to the end of the answer.
    pub timeout: Duration,
    /// The wait after the first failed attempt; each further one doubles it.
    pub first_retry: Duration,
    /// The longest wait between two attempts.
    pub cap: Duration,
    /// Attempts before an event is given up on (failed).
    pub max_attempts: u32,
    /// How often the outbox is looked at when nothing is due.
    pub poll: Duration,
    /// Rows sent at once, each in a task of its own.
    pub batch: usize,
}

impl Default for Policy {
    /// 5 s, 10 s, 20 s … then hourly: 15 attempts span about seven hours, enough for a
    /// receiver's working-day outage.
    fn default() -> Policy {
        Policy {
            timeout: Duration::from_secs(10),
            first_retry: Duration::from_secs(5),
            cap: Duration::from_secs(3600),
            max_attempts: 15,
            poll: Duration::from_secs(1),
            batch: 32,
        }
    }
}

impl Policy {
    /// The wait after `attempts` failed attempts: doubling from `first_retry` up to `cap`,
    /// then between half of it and all of it by `unit` (0..1), so receivers coming back
    /// from one outage are not called by every server at the same instant.
    pub fn backoff(&self, attempts: u32, unit: f64) -> Duration {
        let doubled = self
            .first_retry
            .saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1)))
            .min(self.cap);
        doubled / 2 + doubled.mul_f64(unit.clamp(0.0, 1.0) / 2.0)
    }
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` keyed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={:x}", mac.finalize().into_bytes())
}

/// The HTTP client of deliveries: no redirects (a signed body goes only where it was
/// registered to), the policy's timeout.
pub fn client(policy: &Policy) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("zakupka-server/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Delivers the outbox as long as the server runs: started by `serve`.
pub async fn run(db: Db, clock: Clock, policy: Policy) {
    let http = match client(&policy) {
        Ok(http) => http,
        Err(e) => {
            tracing::error!("webhooks: no HTTP client, nothing will be delivered: {e}");
            return;
        }
    };
    let waiting = db
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NULL AND failed_at IS NULL",
                [],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .await;
    match waiting {
        Ok(0) => {}
        Ok(n) => tracing::info!("webhooks: {n} events not yet delivered, sending"),
        Err(e) => tracing::warn!("webhooks: {e}"),
    }
    loop {
        match deliver_due(&db, &clock, &http, &policy).await {
            // A full batch: more may be due at once.
            Ok(n) if n >= policy.batch => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!("webhooks: {e}"),
        }
        tokio::time::sleep(policy.poll).await;
    }
}

/// A row due to be sent.
struct Due {
    seq: i64,
    event_id: String,
    kind: String,
    body: String,
    attempts: u32,
    url: String,
    secret: String,
}

/// One pass: sends every row due by the clock (at most a batch), at once, and records
/// each outcome. Returns how many rows were attempted.
pub async fn deliver_due(
    db: &Db,
    clock: &Clock,
    http: &reqwest::Client,
    policy: &Policy,
) -> Result<usize, AppError> {
    let (now, batch) = (clock.now(), policy.batch);
    let due = db.read(move |c| due(c, &ts(now), batch)).await?;
    let attempted = due.len();
    if attempted == 0 {
        return Ok(0);
    }
    let mut sending = tokio::task::JoinSet::new();
    for row in due {
        let http = http.clone();
        sending.spawn(async move {
            let outcome = send(&http, &row).await;
            if let Err(e) = &outcome {
                tracing::warn!(
                    "webhook {} event {} attempt {}: {e}",
                    row.url,
                    row.event_id,
                    row.attempts + 1
                );
            }
            (row.seq, row.attempts + 1, outcome)
        });
    }
    let mut outcomes = Vec::with_capacity(attempted);
    while let Some(done) = sending.join_next().await {
        outcomes.push(done.map_err(|e| AppError::internal("webhook task", e))?);
    }
    let (clock, policy) = (clock.clone(), policy.clone());
    db.call(move |c| record_outcomes(c, &outcomes, &clock, &policy))
        .await?;
    Ok(attempted)
}

fn due(conn: &mut Connection, now: &str, batch: usize) -> Result<Vec<Due>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.seq, o.event_id, o.kind, o.body, o.attempts, w.url, w.secret
         FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id
         WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_at <= ?1
         ORDER BY o.next_at, o.seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, batch as i64], |r| {
        Ok(Due {
            seq: r.get(0)?,
            event_id: r.get(1)?,
            kind: r.get(2)?,
            body: r.get(3)?,
            attempts: r.get(4)?,
            url: r.get(5)?,
            secret: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One attempt: Ok on a 2xx answer, else what went wrong, for `webhook list`.
async fn send(http: &reqwest::Client, row: &Due) -> Result<(), String> {
    let answer = http
        .post(&row.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(EVENT_ID_HEADER, &row.event_id)
        .header(EVENT_KIND_HEADER, &row.kind)
        .header(
            SIGNATURE_HEADER,
            signature(&row.secret, row.body.as_bytes()),
        )
        .body(row.body.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {status}"))
    }
}

/// An error with its causes: reqwest's own text is only "error sending request".
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text += &format!(": {c}");
        cause = c.source();
    }
    text.chars().take(500).collect()
}

/// Marks each attempted row delivered, failed after its last attempt, or due again after
/// the backoff, in one transaction.
fn record_outcomes(
    conn: &mut Connection,
    outcomes: &[(i64, u32, Result<(), String>)],
    clock: &Clock,
    policy: &Policy,
) -> Result<(), AppError> {
    let now = clock.now();
    let tx = conn.transaction()?;
    for (seq, attempts, outcome) in outcomes {
        match outcome {
            Ok(()) => tx.execute(
                "UPDATE webhook_outbox SET attempts = ?2, delivered_at = ?3 WHERE seq = ?1",
                params![seq, attempts, ts(now)],
            )?,
            Err(e) if *attempts >= policy.max_attempts => tx.execute(
                "UPDATE webhook_outbox SET attempts = ?2, failed_at = ?3, last_error = ?4 WHERE seq = ?1",
                params![seq, attempts, ts(now), e],
            )?,
            Err(e) => {
                let wait = policy.backoff(*attempts, jitter());
                let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                tx.execute(
                    "UPDATE webhook_outbox SET attempts = ?2, next_at = ?3, last_error = ?4 WHERE seq = ?1",
                    params![seq, attempts, ts(next), e],
                )?
            }
        };
    }
    tx.commit()?;
    Ok(())
}

/// A number in 0..1 from the system's random source (0.5 if it has none).
fn jitter() -> f64 {
    getrandom::u64().map_or(0.5, |x| (x >> 11) as f64 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_below_it() {
        let p = Policy::default();
        assert_eq!(p.backoff(1, 1.0), Duration::from_secs(5));
        assert_eq!(p.backoff(1, 0.0), Duration::from_millis(2500));
        assert_eq!(p.backoff(3, 1.0), Duration::from_secs(20));
        assert_eq!(p.backoff(14, 1.0), p.cap);
        assert_eq!(p.backoff(u32::MAX, 0.0), p.cap / 2);
    }

    #[test]
    fn the_signature_is_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
