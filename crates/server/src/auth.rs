//! Users, passwords and bearer tokens. Passwords are hashed with Argon2; tokens are 32
//! random bytes, handed out once and stored only as their SHA-256.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zakupka_core::wire::Role;

use crate::AppState;
use crate::error::AppError;
use crate::ingest::ts;

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
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
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

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
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
            "login",
            "use 1-64 of a-z, A-Z, 0-9, `.`, `_`, `-`, `@`",
        ));
    }
    if password.chars().count() < 4 {
        return Err(AppError::bad("password", "at least 4 characters"));
    }
    let hash = hash_password(password)?;
    let inserted = conn.execute(
        "INSERT INTO users (login, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (login) DO NOTHING",
        params![login, role.as_str(), hash, ts(now)],
    )?;
    if inserted == 0 {
        return Err(AppError::bad(
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
    let user: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT password_hash, locked_until FROM users WHERE login = ?1",
            [login],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((hash, locked_until)) = user else {
        return Ok(None);
    };
    if let Some(until) = locked_until
        .as_deref()
        .and_then(parse_ts)
        .filter(|u| *u > now)
    {
        return Err(AppError::TooManyAttempts {
            retry_after: (until - now).num_seconds().max(1) as u64,
        });
    }
    Ok(Some(hash))
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
    let wrong = || AppError::Unauthorized("wrong login or password".into());
    let user: Option<(String, i64)> = conn
        .query_row(
            "SELECT role, failed_logins FROM users WHERE login = ?1",
            [login],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((role, failures)) = user else {
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
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::Internal(format!("user {login} has role {role}")))?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
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

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::Unauthorized("log in first: no bearer token".into()))?
            .to_owned();
        let hash = token_hash(&token);
        let now = Utc::now();
        state
            .db
            .read(move |conn| {
                let row: Option<(String, String, String, String, Option<String>)> = conn
                    .query_row(
                        "SELECT t.login, u.role, t.device_id, t.expires_at, t.revoked_at
                         FROM tokens t JOIN users u ON u.login = t.login WHERE t.hash = ?1",
                        [&hash],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .optional()?;
                let (login, role, device_id, expires, revoked) = row
                    .ok_or_else(|| AppError::Unauthorized("unknown token: log in again".into()))?;
                if revoked.is_some() {
                    return Err(AppError::Unauthorized(
                        "this token was revoked: log in again".into(),
                    ));
                }
                if parse_ts(&expires).is_none_or(|e| e <= now) {
                    return Err(AppError::Unauthorized(
                        "this token has expired: log in again".into(),
                    ));
                }
                let role =
                    Role::parse(&role).ok_or_else(|| AppError::Internal(format!("role {role}")))?;
                Ok(AuthUser {
                    login,
                    role,
                    device_id,
                    token,
                })
            })
            .await
    }
}
