//! Users, passwords and bearer tokens. Passwords are hashed with Argon2; tokens are 32
//! random bytes, handed out once and stored only as their SHA-256.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zakupka_core::wire::{Refusal, Role};

use crate::error::AppError;
use crate::sql::Text;
use crate::time::ts;

/// Auditors log in once and then work offline for days: a token lasts a month.
pub const TOKEN_LIFETIME_DAYS: i64 = 30;
/// Failed logins allowed before each further attempt must wait.
const FREE_FAILURES: i64 = 5;
const MAX_LOCK_SECONDS: i64 = 15 * 60;

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("password hashing", e))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

pub fn add_user(
    conn: &Connection,
    login: &str,
    role: Role,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let valid = !login.is_empty()
        && login.len() <= 64
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !valid {
        return Err(AppError::bad(
            Refusal::Invalid,
            "login",
            "use 1-64 of a-z, A-Z, 0-9, `.`, `_`, `-`, `@`",
        ));
    }
    if password.chars().count() < 4 {
        return Err(AppError::bad(
            Refusal::WeakPassword,
            "password",
            "at least 4 characters",
        ));
    }
    let hash = hash_password(password)?;
    let inserted = conn.execute(
        "INSERT INTO users (login, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (login) DO NOTHING",
        params![login, role.as_str(), hash, ts(now)],
    )?;
    if inserted == 0 {
        return Err(AppError::bad(
            Refusal::UserExists,
            "login",
            format!("user `{login}` already exists"),
        ));
    }
    Ok(())
}

pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub role: Role,
}

/// Step 1 of a login, under the database lock: refuses a locked-out login, else returns
/// the stored hash (`None` for an unknown login).
pub fn check_lock(
    conn: &Connection,
    login: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let user: Option<(String, Option<DateTime<Utc>>)> = conn
        .query_row(
            "SELECT password_hash, locked_until FROM users WHERE login = ?1",
            [login],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((hash, locked_until)) = user else {
        return Ok(None);
    };
    if let Some(until) = locked_until.filter(|u| *u > now) {
        return Err(AppError::TooManyAttempts {
            retry_after: (until - now).num_seconds().max(1) as u64,
        });
    }
    Ok(Some(hash))
}

/// Password checks running at once: one per core. Argon2 takes tens of milliseconds and
/// 19 MiB per check: more checks at once than cores only share the cores and multiply the
/// memory (200 logins at once would hold almost 4 GB), so the rest wait their turn here.
static PASSWORD_CHECKS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(crate::per_core);

/// [`verify`] on a blocking thread, once a core is free for it.
pub async fn check_password(password: String, hash: Option<String>) -> Result<bool, AppError> {
    let _turn = PASSWORD_CHECKS
        .acquire()
        .await
        .map_err(|e| AppError::internal("password check", e))?;
    tokio::task::spawn_blocking(move || verify(&password, hash.as_deref()))
        .await
        .map_err(|e| AppError::internal("password check", e))
}

/// Step 2, outside the lock: Argon2 is slow on purpose and must not hold up other requests.
/// An unknown login is checked against a dummy hash, so timing does not reveal which
/// logins exist.
pub fn verify(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    match hash {
        Some(h) => verify_password(password, h),
        None => {
            let dummy = DUMMY.get_or_init(|| hash_password("not a password").unwrap_or_default());
            verify_password(password, dummy);
            false
        }
    }
}

/// Step 3, under the lock again: counts a failure (after a few, each further attempt must
/// wait, doubling up to a quarter of an hour) or issues a token for the device.
pub fn record(
    conn: &Connection,
    login: &str,
    ok: bool,
    device: Uuid,
    now: DateTime<Utc>,
) -> Result<Issued, AppError> {
    let wrong = || AppError::unauthorized(Refusal::WrongCredentials, "wrong login or password");
    let user: Option<(Text<Role>, i64)> = conn
        .query_row(
            "SELECT role, failed_logins FROM users WHERE login = ?1",
            [login],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((Text(role), failures)) = user else {
        return Err(wrong());
    };
    if !ok {
        let failures = failures + 1;
        let lock = (failures >= FREE_FAILURES).then(|| {
            now + Duration::seconds(
                (1i64 << (failures - FREE_FAILURES).min(12)).min(MAX_LOCK_SECONDS),
            )
        });
        conn.execute(
            "UPDATE users SET failed_logins = ?2, locked_until = ?3 WHERE login = ?1",
            params![login, failures, lock.map(ts)],
        )?;
        return Err(wrong());
    }
    conn.execute(
        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE login = ?1",
        [login],
    )?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal("random", e))?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = now + Duration::days(TOKEN_LIFETIME_DAYS);
    conn.execute(
        "INSERT INTO tokens (hash, login, device_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_hash(&token), login, device.to_string(), ts(now), ts(expires_at)],
    )?;
    Ok(Issued {
        token,
        expires_at,
        role,
    })
}

/// The three steps at once, for tools and tests that hold the connection anyway.
pub fn login(
    conn: &Connection,
    login: &str,
    password: &str,
    device: Uuid,
    now: DateTime<Utc>,
) -> Result<Issued, AppError> {
    let hash = check_lock(conn, login, now)?;
    let ok = verify(password, hash.as_deref());
    record(conn, login, ok, device, now)
}

pub fn revoke(conn: &Connection, token: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    conn.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL",
        params![token_hash(token), ts(now)],
    )?;
    Ok(())
}

/// The caller of a request, from its bearer token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub login: String,
    pub role: Role,
    pub device_id: String,
    pub token: String,
}

impl AuthUser {
    /// The one role check: the caller, if `allowed(role)`; else 403 naming `who` may.
    pub fn require(self, allowed: impl Fn(Role) -> bool, who: &str) -> Result<Self, AppError> {
        if allowed(self.role) {
            Ok(self)
        } else {
            Err(AppError::role_forbidden(format!("only {who} may do this")))
        }
    }

    /// Whose visits, photos and assignments the caller may read: `None` for everyone's
    /// (supervisors and admins), else only their own. The one place of that rule.
    pub fn only_own(&self) -> Option<&str> {
        (!self.role.reads_all_visits()).then_some(self.login.as_str())
    }
}

/// Who holds `token`, if it is valid now.
pub fn caller(conn: &Connection, token: String, now: DateTime<Utc>) -> Result<AuthUser, AppError> {
    let again = |why: &str| AppError::unauthorized(Refusal::SignInAgain, why);
    let row = conn
        .prepare_cached(
            "SELECT t.login, u.role, t.device_id, t.expires_at, t.revoked_at IS NOT NULL
             FROM tokens t JOIN users u ON u.login = t.login WHERE t.hash = ?1",
        )?
        .query_row([token_hash(&token)], |r| {
            let user = AuthUser {
                login: r.get(0)?,
                role: r.get::<_, Text<Role>>(1)?.0,
                device_id: r.get(2)?,
                token: String::new(),
            };
            Ok((user, r.get::<_, DateTime<Utc>>(3)?, r.get::<_, bool>(4)?))
        })
        .optional()?;
    let (user, expires, revoked) = row.ok_or_else(|| again("unknown token: log in again"))?;
    if revoked {
        return Err(again("this token was revoked: log in again"));
    }
    if expires <= now {
        return Err(again("this token has expired: log in again"));
    }
    Ok(AuthUser { token, ..user })
}
