//! The review queue: the current revision of each visit the caller may see, newest
//! received first, a page at a time. Pages are keyset pages: a cursor names the last
//! visit of the page before as its (received_at, visit_id) and the next page starts
//! strictly after it, so a visit that arrives meanwhile lands before the first page and
//! shifts nothing, and a deep page costs what the first one does (the index
//! `reviews_queue` in db.rs). Filters are conditions added to one list, each with its
//! value: a new filter is one more `Conditions::add`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, ToSql, params_from_iter};
use uuid::Uuid;
use zakupka_core::Directory;
use zakupka_core::presence::PresenceFlag;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{Refusal, ReviewState, ServerVisit, VisitPage};

use crate::error::AppError;
use crate::scope::Scope;
use crate::sql::{Json, Text};

/// A page when the request names no `limit`.
pub const DEFAULT_LIMIT: u32 = 100;
/// The largest page a request may ask for.
pub const MAX_LIMIT: u32 = 500;

/// The queue's filters and page; empty texts filter nothing.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filter {
    pub auditor: Option<String>,
    /// Visits made (started) in this quarter.
    pub quarter: Option<String>,
    pub office: Option<String>,
    /// Visits to any office of this branch, as the directory has them now.
    pub branch: Option<String>,
    /// The review state of the current revision.
    pub state: Option<String>,
    /// Only visits whose current revision carries this presence flag (`far`, …).
    pub flag: Option<String>,
    /// Where the page starts: the `next` of the page before; none for the first page.
    pub cursor: Option<String>,
    /// Visits on a page, 1 to [`MAX_LIMIT`]; [`DEFAULT_LIMIT`] if not given.
    pub limit: Option<u32>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !v.trim().is_empty())
}

/// Where a page starts: after the visit with this arrival time (as stored) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    received_at: String,
    visit_id: String,
}

const CURSOR_VERSION: &str = "q1";

impl Cursor {
    /// The cursor after the visit `visit_id` that arrived at `received_at` (as stored).
    pub fn after(received_at: &str, visit_id: Uuid) -> Cursor {
        Cursor {
            received_at: received_at.to_owned(),
            visit_id: visit_id.to_string(),
        }
    }

    /// The opaque text clients send back. Versioned, so a later sort key can refuse an
    /// older cursor rather than misread it.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{CURSOR_VERSION}|{}|{}",
            self.received_at, self.visit_id
        ))
    }

    pub fn decode(text: &str) -> Result<Cursor, AppError> {
        let bad = || {
            AppError::bad(
                Refusal::BadCursor,
                "cursor",
                "not a cursor of this queue: start again from the first page",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.split('|');
        let (Some(CURSOR_VERSION), Some(at), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        chrono::DateTime::parse_from_rfc3339(at).map_err(|_| bad())?;
        let id = Uuid::parse_str(id).map_err(|_| bad())?;
        Ok(Cursor {
            received_at: at.to_owned(),
            visit_id: id.to_string(),
        })
    }
}

/// SQL conditions joined by AND, each with the values of its `?`s, in order.
#[derive(Default)]
struct Conditions {
    sql: Vec<&'static str>,
    values: Vec<Box<dyn ToSql>>,
}

impl Conditions {
    fn add(&mut self, sql: &'static str, values: Vec<Box<dyn ToSql>>) {
        self.sql.push(sql);
        self.values.extend(values);
    }

    fn clause(&self) -> String {
        if self.sql.is_empty() {
            "1".into()
        } else {
            self.sql.join(" AND ")
        }
    }
}

fn state(text: &str) -> Result<&'static str, AppError> {
    ReviewState::parse(text)
        .map(ReviewState::as_str)
        .ok_or_else(|| {
            AppError::bad(
                Refusal::Invalid,
                "state",
                format!("no review state `{text}`: use submitted, returned, approved or rejected"),
            )
        })
}

/// The offices of branch `id` as a JSON array for `json_each`.
fn branch_offices(directory: &Directory, id: &str) -> Result<String, AppError> {
    if directory.branch(id).is_none() {
        return Err(AppError::bad(
            Refusal::UnknownBranch,
            "branch",
            format!("no branch `{id}` in the directory"),
        ));
    }
    let ids: Vec<&str> = directory
        .offices
        .iter()
        .filter(|o| o.branch_id == id)
        .map(|o| o.id.as_str())
        .collect();
    serde_json::to_string(&ids).map_err(|e| AppError::internal("offices", e))
}

/// What `filter` and `scope` let through, as conditions on `r` (reviews) and `v` (the
/// current revision in visits).
fn conditions(
    filter: &Filter,
    scope: &Scope,
    directory: &Directory,
) -> Result<Conditions, AppError> {
    let mut c = Conditions::default();
    // Auditors see their own visits whatever they ask for.
    if let Some(auditor) = scope
        .auditor
        .clone()
        .or(given(&filter.auditor).map(Into::into))
    {
        c.add("v.auditor = ?", vec![Box::new(auditor)]);
    }
    if let Some(q) = given(&filter.quarter) {
        let q: Quarter = q
            .parse()
            .map_err(|e| AppError::bad(Refusal::Invalid, "quarter", e))?;
        let (from, to) = crate::time::quarter_span(q);
        c.add(
            "v.started_at >= ? AND v.started_at < ?",
            vec![Box::new(from), Box::new(to)],
        );
    }
    if let Some(office) = given(&filter.office) {
        c.add("v.office_id = ?", vec![Box::new(office.to_owned())]);
    }
    if let Some(branch) = given(&filter.branch) {
        let offices = branch_offices(directory, branch)?;
        c.add(
            "v.office_id IN (SELECT value FROM json_each(?))",
            vec![Box::new(offices)],
        );
    }
    if let Some(s) = given(&filter.state) {
        c.add("r.state = ?", vec![Box::new(state(s)?)]);
    }
    if let Some(f) = given(&filter.flag) {
        let flag = PresenceFlag::parse(f)
            .map(PresenceFlag::as_str)
            .ok_or_else(|| {
                AppError::bad(Refusal::Invalid, "flag", format!("no presence flag `{f}`"))
            })?;
        c.add(
            "EXISTS (SELECT 1 FROM json_each(v.presence_flags) WHERE value = ?)",
            vec![Box::new(flag)],
        );
    }
    if let Some(offices) = scope.offices.clone() {
        c.add(
            "v.office_id IN (SELECT value FROM json_each(?))",
            vec![Box::new(offices)],
        );
    }
    if let Some(cursor) = given(&filter.cursor) {
        let Cursor {
            received_at,
            visit_id,
        } = Cursor::decode(cursor)?;
        c.add(
            "(r.received_at, r.visit_id) < (?, ?)",
            vec![Box::new(received_at), Box::new(visit_id)],
        );
    }
    Ok(c)
}

fn limit(filter: &Filter) -> Result<u32, AppError> {
    match filter.limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n @ 1..=MAX_LIMIT) => Ok(n),
        Some(n) => Err(AppError::bad(
            Refusal::Invalid,
            "limit",
            format!("a page holds 1 to {MAX_LIMIT} visits, not {n}"),
        )),
    }
}

/// One page of the queue: the visits that pass `filter` and that the caller may see,
/// newest received first, and the cursor of the next page if there is one.
pub fn page(
    conn: &Connection,
    filter: &Filter,
    scope: &Scope,
    directory: &Directory,
) -> Result<VisitPage, AppError> {
    let limit = limit(filter)?;
    let mut conditions = conditions(filter, scope, directory)?;
    // One more than the page, to know whether another page follows.
    conditions.values.push(Box::new(limit + 1));
    let sql = format!(
        "SELECT v.id, v.revision, v.auditor, v.office_id, r.state, r.received_at, v.time_flags,
                v.presence_flags
         FROM reviews r JOIN visits v ON v.id = r.visit_id AND v.revision = r.revision
         WHERE {}
         ORDER BY r.received_at DESC, r.visit_id DESC LIMIT ?",
        conditions.clause()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(conditions.values.iter()), |r| {
        let at: String = r.get(5)?;
        Ok((
            ServerVisit {
                visit_id: r.get::<_, Text<Uuid>>(0)?.0,
                revision: r.get(1)?,
                auditor: r.get(2)?,
                office_id: r.get(3)?,
                state: r.get::<_, Text<ReviewState>>(4)?.0,
                received_at: r.get(5)?,
                time_flags: r.get::<_, Json<_>>(6)?.0,
                presence_flags: r.get::<_, Json<_>>(7)?.0,
            },
            at,
        ))
    })?;
    let mut rows = rows.collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = more.then(|| rows.last()).flatten().map(|(v, at)| {
        Cursor {
            received_at: at.clone(),
            visit_id: v.visit_id.to_string(),
        }
        .encode()
    });
    Ok(VisitPage {
        visits: rows.into_iter().map(|(v, _)| v).collect(),
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back() {
        let c = Cursor {
            received_at: "2026-01-02T03:04:05.678Z".into(),
            visit_id: Uuid::nil().to_string(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn made_up_cursors_are_refused_as_bad_cursors() {
        let made = |t: &str| URL_SAFE_NO_PAD.encode(t);
        for text in [
            "%%%".to_owned(),
            "".to_owned(),
            made("q1|yesterday|00000000-0000-0000-0000-000000000000"),
            made("q1|2026-01-02T03:04:05.678Z|not-a-uuid"),
            made("q0|2026-01-02T03:04:05.678Z|00000000-0000-0000-0000-000000000000"),
            made("q1|2026-01-02T03:04:05.678Z|00000000-0000-0000-0000-000000000000|x"),
        ] {
            let e = Cursor::decode(&text).unwrap_err();
            assert_eq!(
                e.refused().map(|r| r.code),
                Some(Refusal::BadCursor),
                "{text}"
            );
        }
    }
}
