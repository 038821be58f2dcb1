//! Whose visits a caller may see and decide. Auditors: their own. Supervisors and admins:
//! everyone's, unless bound to branches (`supervisor_branches`), then only visits to those
//! branches' offices. Outside the scope a visit, its photos and its place in the rating
//! do not exist for the caller ("not found"). Separately, nobody decides a visit to an
//! office of their own branch (`users.branch_id`).

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use zakupka_core::Directory;
use zakupka_core::wire::{Rating, Refusal};

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::reference::ReferenceCache;

/// What a caller may see: both limits apply where given.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Only this auditor's visits (the caller is an auditor).
    pub auditor: Option<String>,
    /// Only visits to these offices, as a JSON array of ids for `json_each` (the caller is
    /// a supervisor bound to branches).
    pub offices: Option<String>,
    /// The branches of a bound supervisor.
    pub branches: Option<BTreeSet<String>>,
}

/// The branches `login` is bound to; empty for none (then everyone's visits).
pub fn bound_branches(conn: &Connection, login: &str) -> Result<BTreeSet<String>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT branch_id FROM supervisor_branches WHERE login = ?1")?;
    let rows = stmt.query_map([login], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Scope {
    /// Everything: for tools and the rating's own computation.
    pub fn everyone() -> Scope {
        Scope::default()
    }

    /// The scope of `user`, offices resolved with the directory of `references`.
    pub fn of(
        conn: &Connection,
        user: &AuthUser,
        references: &ReferenceCache,
    ) -> Result<Scope, AppError> {
        if !user.role.reads_all_visits() {
            return Ok(Scope {
                auditor: Some(user.login.clone()),
                ..Scope::default()
            });
        }
        let branches = bound_branches(conn, &user.login)?;
        if branches.is_empty() {
            return Ok(Scope::everyone());
        }
        let directory = references.directory(conn)?;
        let offices: Vec<&str> = directory
            .offices
            .iter()
            .filter(|o| branches.contains(&o.branch_id))
            .map(|o| o.id.as_str())
            .collect();
        let offices =
            serde_json::to_string(&offices).map_err(|e| AppError::internal("scope", e))?;
        Ok(Scope {
            auditor: None,
            offices: Some(offices),
            branches: Some(branches),
        })
    }

    /// Refuses with "not found" unless visit `id` exists and is within the scope.
    pub fn visible(&self, conn: &Connection, id: &str) -> Result<(), AppError> {
        let seen = conn
            .prepare_cached(
                "SELECT 1 FROM visits WHERE id = ?1 AND (?2 IS NULL OR auditor = ?2)
                 AND (?3 IS NULL OR office_id IN (SELECT value FROM json_each(?3))) LIMIT 1",
            )?
            .exists(params![id, self.auditor, self.offices])?;
        if seen {
            Ok(())
        } else {
            Err(AppError::not_found(
                Refusal::NotFound,
                format!("no visit {id}"),
            ))
        }
    }

    /// `rating` as the caller may see it: a supervisor bound to branches gets the visits
    /// behind a branch's score only for those branches (the ids of other branches' visits
    /// are not theirs to know). Auditors and unbound supervisors get it whole.
    pub fn rating(&self, mut rating: Rating) -> Rating {
        let Some(branches) = &self.branches else {
            return rating;
        };
        for row in rating.tables.iter_mut().flat_map(|t| t.rows.iter_mut()) {
            if !branches.contains(&row.branch_id) {
                row.visits.clear();
            }
        }
        rating
    }
}

/// Refuses `login` deciding visit `visit_id` when it is out of their scope (404) or to an
/// office of their own branch (403).
pub fn may_decide(conn: &Connection, login: &str, visit_id: &str) -> Result<(), AppError> {
    let own: Option<String> = conn
        .query_row(
            "SELECT branch_id FROM users WHERE login = ?1",
            [login],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let bound = bound_branches(conn, login)?;
    if own.is_none() && bound.is_empty() {
        return Ok(());
    }
    let office: Option<String> = conn
        .query_row(
            "SELECT office_id FROM visits WHERE id = ?1 LIMIT 1",
            [visit_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(office) = office else {
        return Ok(()); // the decision itself answers "not found"
    };
    let directory = crate::reference::directory(conn)?;
    let branch = directory
        .offices
        .iter()
        .find(|o| o.id == office)
        .map(|o| o.branch_id.as_str());
    if !bound.is_empty() && !branch.is_some_and(|b| bound.contains(b)) {
        return Err(AppError::not_found(
            Refusal::NotFound,
            format!("no visit {visit_id}"),
        ));
    }
    if own.is_some() && own.as_deref() == branch {
        return Err(AppError::Forbidden(crate::error::Refused {
            code: Refusal::OwnBranchVisit,
            message: "a visit to an office of your own branch is decided by someone else".into(),
            field: None,
        }));
    }
    Ok(())
}

/// Binds supervisor `login` to `branches` (replacing earlier bindings; none: everyone's).
pub fn bind(
    conn: &Connection,
    login: &str,
    branches: &[String],
    directory: &Directory,
) -> Result<(), AppError> {
    if let Some(b) = branches.iter().find(|b| directory.branch(b).is_none()) {
        return Err(AppError::bad(
            Refusal::UnknownBranch,
            "branch",
            format!("no branch `{b}` in the directory"),
        ));
    }
    conn.execute("DELETE FROM supervisor_branches WHERE login = ?1", [login])?;
    for b in branches {
        conn.execute(
            "INSERT OR IGNORE INTO supervisor_branches (login, branch_id) VALUES (?1, ?2)",
            params![login, b],
        )?;
    }
    Ok(())
}
