//! Users, passwords and bearer tokens. Passwords are hashed with Argon2 (`password`);
//! tokens are 32 random bytes, handed out once and stored only as their SHA-256. Signing in,
//! its lock-out and throttling are in `login`; what an administrator does to users in
//! `users`.

mod login;
mod password;
mod users;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zakupka_core::wire::{Refusal, Role};

use crate::error::AppError;
use crate::sql::Text;
use crate::time::ts;

pub use login::{
    Attempt, FREE_FAILURES, Logins, MAX_LOCK, QUIET, Throttle, begin_attempt, check_password,
    finish_attempt, login,
};
pub use password::{MIN_PASSWORD_CHARS, check_policy, hash_password, verify, warm_up};
pub use users::{
    UserRow, disable_demo_users, list, purge_expired, revoke_all, set_disabled, set_password,
};

/// Auditors log in once and then work offline for days: a token lasts a month.
pub const TOKEN_LIFETIME_DAYS: i64 = 30;

fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Adds a user whose password meets the policy ([`check_policy`]): `user add`.
pub fn add_user(
    conn: &Connection,
    login: &str,
    role: Role,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    check_login(login)?;
    check_policy(password, login)?;
    insert_user(conn, login, role, password, false, now)
}

/// Adds a demo user, marked as such, with the demo's documented password, which is exempt
/// from the policy: the demo serves only the machine itself unless `--demo-on-network`.
pub fn add_demo_user(
    conn: &Connection,
    login: &str,
    role: Role,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    check_login(login)?;
    insert_user(conn, login, role, password, true, now)
}

fn check_login(login: &str) -> Result<(), AppError> {
    let valid = !login.is_empty()
        && login.len() <= 64
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if valid {
        Ok(())
    } else {
        Err(AppError::bad(
            Refusal::Invalid,
            "login",
            "use 1-64 of a-z, A-Z, 0-9, `.`, `_`, `-`, `@`",
        ))
    }
}

fn insert_user(
    conn: &Connection,
    login: &str,
    role: Role,
    password: &str,
    demo: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let hash = hash_password(password)?;
    let inserted = conn.execute(
        "INSERT INTO users (login, role, password_hash, created_at, demo) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (login) DO NOTHING",
        params![login, role.as_str(), hash, ts(now), demo],
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

/// A new token of `login` for `device`.
fn issue(
    conn: &Connection,
    login: &str,
    role: Role,
    device: Uuid,
    now: DateTime<Utc>,
) -> Result<Issued, AppError> {
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

/// The refusal of a disabled user's sign-in or token.
fn disabled() -> AppError {
    AppError::unauthorized(
        Refusal::AccountDisabled,
        "this user is disabled: ask an administrator",
    )
}

/// Who holds `token`, if it is valid now. Read on every request, so disabling a user
/// (`user disable`, from another process too) refuses their tokens from the next request.
pub fn caller(conn: &Connection, token: String, now: DateTime<Utc>) -> Result<AuthUser, AppError> {
    let again = |why: &str| AppError::unauthorized(Refusal::SignInAgain, why);
    let row = conn
        .prepare_cached(
            "SELECT t.login, u.role, t.device_id, t.expires_at, t.revoked_at IS NOT NULL,
                    u.disabled_at IS NOT NULL
             FROM tokens t JOIN users u ON u.login = t.login WHERE t.hash = ?1",
        )?
        .query_row([token_hash(&token)], |r| {
            let user = AuthUser {
                login: r.get(0)?,
                role: r.get::<_, Text<Role>>(1)?.0,
                device_id: r.get(2)?,
                token: String::new(),
            };
            Ok((
                user,
                r.get::<_, DateTime<Utc>>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })
        .optional()?;
    let (user, expires, revoked, is_disabled) =
        row.ok_or_else(|| again("unknown token: log in again"))?;
    if is_disabled {
        return Err(disabled());
    }
    if revoked {
        return Err(again("this token was revoked: log in again"));
    }
    if expires <= now {
        return Err(again("this token has expired: log in again"));
    }
    Ok(AuthUser { token, ..user })
}
