//! Signing in. Three steps, so that the slow hash check holds no database connection:
//! [`begin_attempt`] records the attempt under the writer's lock before anything is
//! checked, [`check_password`] runs Argon2 on a blocking thread, [`finish_attempt`] looks
//! at the lock again and issues the token. Before them [`Logins::admit`] throttles by login
//! and by client address in memory (`governor`), so a flood does not even reach the database.
//!
//! The lock-out policy (RELIABILITY.md, Security): every attempt counts as a failure from
//! the moment it is admitted until its password is found right. The fifth failure in a row
//! locks the login for 1 s, each further one twice as long, up to [`MAX_LOCK`]; while it is
//! locked even the right password is refused (429 with `Retry-After`) and nothing is
//! checked. Failures are forgotten after [`QUIET`] without one, so one wrong guess every
//! quarter of an hour never locks anyone out, and after any storm the real user signs in
//! once it has been quiet that long. Logins that do not exist are counted and locked the
//! same way, and checked against a dummy hash: the answers do not tell them apart.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::{Quota, RateLimiter, state::keyed::DefaultKeyedStateStore};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::wire::{Refusal, Role};

use super::{Issued, disabled, issue, password::verify, users::purge_expired};
use crate::clock::Clock;
use crate::error::AppError;
use crate::sql::Text;
use crate::time::ts;

/// Failed attempts in a row allowed before each further attempt must wait.
pub const FREE_FAILURES: i64 = 5;
/// The longest lock, however many failures.
pub const MAX_LOCK: Duration = Duration::minutes(15);
/// Failures are forgotten after this long without one.
pub const QUIET: Duration = Duration::minutes(15);

/// How long the login stays locked after its `failures`-th failure in a row.
fn lock_after(failures: i64) -> Option<Duration> {
    (failures >= FREE_FAILURES)
        .then(|| Duration::seconds(1i64 << (failures - FREE_FAILURES).min(20)).min(MAX_LOCK))
}

fn wrong() -> AppError {
    AppError::unauthorized(Refusal::WrongCredentials, "wrong login or password")
}

fn too_many(wait: Duration) -> AppError {
    AppError::TooManyAttempts {
        retry_after: wait.num_seconds().max(1) as u64,
    }
}

/// An admitted attempt: counted as a failure until [`finish_attempt`] finds it right.
pub struct Attempt {
    login: String,
    /// The hash checked: `None` for a login that does not exist.
    pub hash: Option<String>,
    /// Its number among the login's failures in a row.
    number: i64,
}

/// Step 1, under the writer's lock, in one transaction: refuses a locked login, else
/// counts this attempt as a failure (locking the login if it is the fifth) before its
/// password is checked, so that however many arrive at once, only [`FREE_FAILURES`] are
/// checked.
pub fn begin_attempt(
    conn: &mut Connection,
    login: &str,
    now: DateTime<Utc>,
) -> Result<Attempt, AppError> {
    let tx = conn.transaction()?;
    let before: Option<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = tx
        .query_row(
            "SELECT failures, last_failed_at, locked_until FROM login_failures WHERE login = ?1",
            [login],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some(until) = before.and_then(|(_, _, u)| u).filter(|u| *u > now) {
        return Err(too_many(until - now));
    }
    let failures = match before {
        Some((n, last, _)) if now - last < QUIET => n,
        _ => 0,
    };
    let number = failures + 1;
    tx.execute(
        "INSERT INTO login_failures (login, failures, last_failed_at, locked_until)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (login) DO UPDATE SET failures = excluded.failures,
             last_failed_at = excluded.last_failed_at, locked_until = excluded.locked_until",
        params![
            login,
            number,
            ts(now),
            lock_after(number).map(|d| ts(now + d))
        ],
    )?;
    let hash = tx
        .query_row(
            "SELECT password_hash FROM users WHERE login = ?1",
            [login],
            |r| r.get(0),
        )
        .optional()?;
    tx.commit()?;
    Ok(Attempt {
        login: login.to_owned(),
        hash,
        number,
    })
}

/// Step 3, under the writer's lock again. A wrong password stays counted. A right one
/// still gets no token if, while it was checked, the user was disabled, their password
/// changed, or later attempts locked the login; else the failures are forgotten, expired
/// tokens purged and a token issued, in one transaction.
pub fn finish_attempt(
    conn: &mut Connection,
    attempt: Attempt,
    ok: bool,
    device: Uuid,
    now: DateTime<Utc>,
) -> Result<Issued, AppError> {
    if !ok {
        return Err(wrong());
    }
    let tx = conn.transaction()?;
    let user: Option<(Text<Role>, String, bool)> = tx
        .query_row(
            "SELECT role, password_hash, disabled_at IS NOT NULL FROM users WHERE login = ?1",
            [&attempt.login],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((Text(role), hash, is_disabled)) = user else {
        return Err(wrong());
    };
    if attempt.hash.as_deref() != Some(hash.as_str()) {
        return Err(wrong());
    }
    if is_disabled {
        return Err(disabled());
    }
    let later_lock: Option<DateTime<Utc>> = tx
        .query_row(
            "SELECT locked_until FROM login_failures WHERE login = ?1 AND failures > ?2",
            params![attempt.login, attempt.number],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if let Some(until) = later_lock.filter(|u| *u > now) {
        return Err(too_many(until - now));
    }
    tx.execute(
        "DELETE FROM login_failures WHERE login = ?1",
        [&attempt.login],
    )?;
    purge_expired(&tx, now)?;
    let issued = issue(&tx, &attempt.login, role, device, now)?;
    tx.commit()?;
    Ok(issued)
}

/// The three steps at once, for tools and tests that hold the connection anyway.
pub fn login(
    conn: &mut Connection,
    login: &str,
    password: &str,
    device: Uuid,
    now: DateTime<Utc>,
) -> Result<Issued, AppError> {
    let attempt = begin_attempt(conn, login, now)?;
    let ok = verify(password, attempt.hash.as_deref());
    finish_attempt(conn, attempt, ok, device, now)
}

/// Password checks running at once: one per core. Argon2 takes tens of milliseconds and
/// 19 MiB per check: more checks at once than cores only share the cores and multiply the
/// memory, so the rest wait their turn here.
static PASSWORD_CHECKS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(crate::per_core);

/// Step 2: [`verify`] on a blocking thread, once a core is free for it; counted in
/// [`Logins::password_checks`].
pub async fn check_password(
    logins: &Logins,
    password: String,
    hash: Option<String>,
) -> Result<bool, AppError> {
    logins.checks.fetch_add(1, Ordering::Relaxed);
    let _turn = PASSWORD_CHECKS
        .acquire()
        .await
        .map_err(|e| AppError::internal("password check", e))?;
    tokio::task::spawn_blocking(move || verify(&password, hash.as_deref()))
        .await
        .map_err(|e| AppError::internal("password check", e))
}

/// How fast sign-in attempts may come, by login and by client address. Neither applies to
/// clients on loopback: that is the machine itself (the local demo, tests, benches), whose
/// users could read the database anyway; the lock-out applies to everyone.
#[derive(Clone, Copy)]
pub struct Throttle {
    pub per_login: Option<Quota>,
    pub per_address: Option<Quota>,
}

impl Default for Throttle {
    /// Ten at once per login, then one every 10 s; twenty at once per address (an
    /// office's staff behind one address signing in on a Monday morning), then one every
    /// 3 s. Tokens last a month, so people sign in rarely.
    fn default() -> Throttle {
        let quota = |every: u64, burst: u32| {
            Quota::with_period(std::time::Duration::from_secs(every))
                .map(|q| q.allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN)))
        };
        Throttle {
            per_login: quota(10, 10),
            per_address: quota(3, 20),
        }
    }
}

impl Throttle {
    /// No throttling: only the lock-out stands.
    pub fn none() -> Throttle {
        Throttle {
            per_login: None,
            per_address: None,
        }
    }
}

type Limiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, Clock, NoOpMiddleware<Nanos>>;

/// The sign-in throttles and a count of password checks made (for tests and logs).
pub struct Logins {
    clock: Clock,
    per_login: Option<Limiter<String>>,
    per_address: Option<Limiter<IpAddr>>,
    checks: AtomicU64,
}

impl Logins {
    pub fn new(clock: Clock, throttle: Throttle) -> Logins {
        Logins {
            per_login: throttle
                .per_login
                .map(|q| RateLimiter::dashmap_with_clock(q, clock.clone())),
            per_address: throttle
                .per_address
                .map(|q| RateLimiter::dashmap_with_clock(q, clock.clone())),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    /// Refuses an attempt over either rate with 429 and `Retry-After`.
    pub fn admit(&self, login: &str, address: Option<IpAddr>) -> Result<(), AppError> {
        if address.is_some_and(|ip| ip.is_loopback()) {
            return Ok(());
        }
        let now = governor::clock::Clock::now(&self.clock);
        let refuse = |n: governor::NotUntil<_>| {
            let wait = n.wait_time_from(now);
            AppError::TooManyAttempts {
                retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        };
        if let (Some(limiter), Some(ip)) = (&self.per_address, address) {
            limiter.check_key(&ip).map_err(refuse)?;
        }
        if let Some(limiter) = &self.per_login {
            // Logins are at most 64 characters: a longer one is not a login anyone has,
            // and must not make the table of keys grow by kilobytes.
            let key: String = login.chars().take(64).collect();
            limiter.check_key(&key).map_err(refuse)?;
        }
        Ok(())
    }

    /// Password checks made since the server started.
    pub fn password_checks(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }

    /// Forgets the rates of logins and addresses that are back to full, so that logins
    /// made up by an attacker do not stay in memory.
    pub fn forget_idle(&self) {
        if let Some(l) = &self.per_login {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.per_address {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_doubles_from_the_fifth_failure_up_to_a_quarter_of_an_hour() {
        assert_eq!(lock_after(4), None);
        assert_eq!(lock_after(5), Some(Duration::seconds(1)));
        assert_eq!(lock_after(6), Some(Duration::seconds(2)));
        assert_eq!(lock_after(14), Some(Duration::seconds(512)));
        assert_eq!(lock_after(15), Some(MAX_LOCK));
        assert_eq!(lock_after(1000), Some(MAX_LOCK));
    }
}
