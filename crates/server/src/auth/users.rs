//! What an administrator does to users from the command line: list them, disable and
//! enable them, set a password, revoke their tokens; and the purge of what has expired.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use zakupka_core::wire::{Refusal, Role};

use super::login::QUIET;
use super::password::{check_policy, hash_password};
use crate::error::AppError;
use crate::sql::Text;
use crate::time::ts;

/// A user as `user list` shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub login: String,
    pub role: Role,
    pub branch_id: Option<String>,
    pub disabled: bool,
    /// Made by `--demo`, with its documented password.
    pub demo: bool,
    /// Tokens neither revoked nor expired: the devices signed in.
    pub active_tokens: i64,
}

pub fn list(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<UserRow>, AppError> {
    let mut statement = conn.prepare(
        "SELECT u.login, u.role, u.branch_id, u.disabled_at IS NOT NULL, u.demo,
                (SELECT count(*) FROM tokens t WHERE t.login = u.login
                    AND t.revoked_at IS NULL AND t.expires_at > ?1)
         FROM users u ORDER BY u.login",
    )?;
    let rows = statement.query_map([ts(now)], |r| {
        Ok(UserRow {
            login: r.get(0)?,
            role: r.get::<_, Text<Role>>(1)?.0,
            branch_id: r.get(2)?,
            disabled: r.get(3)?,
            demo: r.get(4)?,
            active_tokens: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn unknown(login: &str) -> AppError {
    AppError::not_found(Refusal::UnknownUser, format!("no user `{login}`"))
}

/// Disables a user (their tokens are revoked and refused from the next request, and they
/// cannot sign in) or enables them again (they sign in anew: old tokens stay revoked, so a
/// lost phone does not come back). Returns whether anything changed.
pub fn set_disabled(
    conn: &mut Connection,
    login: &str,
    disable: bool,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let tx = conn.transaction()?;
    let exists = tx
        .prepare("SELECT 1 FROM users WHERE login = ?1")?
        .exists([login])?;
    if !exists {
        return Err(unknown(login));
    }
    let changed = if disable {
        revoke_all(&tx, login, now)?;
        tx.execute(
            "UPDATE users SET disabled_at = ?2 WHERE login = ?1 AND disabled_at IS NULL",
            params![login, ts(now)],
        )?
    } else {
        tx.execute(
            "UPDATE users SET disabled_at = NULL WHERE login = ?1 AND disabled_at IS NOT NULL",
            [login],
        )?
    };
    tx.commit()?;
    Ok(changed > 0)
}

/// Sets a new password that meets the policy, revokes every token of the user (whoever
/// knew the old password signs in again) and forgets their failed attempts.
pub fn set_password(
    conn: &mut Connection,
    login: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    check_policy(password, login)?;
    let hash = hash_password(password)?;
    let tx = conn.transaction()?;
    if tx.execute(
        "UPDATE users SET password_hash = ?2, demo = 0 WHERE login = ?1",
        params![login, hash],
    )? == 0
    {
        return Err(unknown(login));
    }
    revoke_all(&tx, login, now)?;
    tx.execute("DELETE FROM login_failures WHERE login = ?1", [login])?;
    tx.commit()?;
    Ok(())
}

/// Revokes every valid token of `login` (all their devices sign in again); the number.
pub fn revoke_all(conn: &Connection, login: &str, now: DateTime<Utc>) -> Result<usize, AppError> {
    let exists = conn
        .prepare("SELECT 1 FROM users WHERE login = ?1")?
        .exists([login])?;
    if !exists {
        return Err(unknown(login));
    }
    Ok(conn.execute(
        "UPDATE tokens SET revoked_at = ?2
         WHERE login = ?1 AND revoked_at IS NULL AND expires_at > ?2",
        params![login, ts(now)],
    )?)
}

/// Deletes expired tokens (revoked or not: either way they open nothing) and failed
/// attempts already forgotten. Run at start, hourly and on each sign-in. The number of
/// tokens deleted.
pub fn purge_expired(conn: &Connection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let tokens = conn.execute("DELETE FROM tokens WHERE expires_at <= ?1", [ts(now)])?;
    conn.execute(
        "DELETE FROM login_failures WHERE last_failed_at <= ?1
           AND (locked_until IS NULL OR locked_until <= ?2)",
        params![ts(now - QUIET), ts(now)],
    )?;
    Ok(tokens)
}

/// Disables the demo's users and revokes their tokens (a server started without `--demo`
/// must not keep accounts whose password is printed in the README). Their logins.
pub fn disable_demo_users(
    conn: &mut Connection,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let logins: Vec<String> = conn
        .prepare("SELECT login FROM users WHERE demo = 1 AND disabled_at IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for login in &logins {
        set_disabled(conn, login, true, now)?;
    }
    Ok(logins)
}
