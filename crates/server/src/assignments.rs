//! Assignments: which auditor visits which office, in which quarter, by when. The rules of
//! the method live here: an auditor never audits the branch they work for, and a
//! supervisor is warned when an auditor would see the same office two quarters running,
//! where the staff might recognise them.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::Directory;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{
    Assignment, AssignmentRequest, AssignmentStatus, AssignmentWarning, Auditor, Notification,
    Refusal, Role,
};

use crate::error::AppError;
use crate::sql::Text;
use crate::time::{quarter_span, ts};

/// The branch `login` works for or heads, if any.
pub fn branch_of(conn: &Connection, login: &str) -> Result<Option<String>, AppError> {
    let branch = conn
        .prepare_cached("SELECT branch_id FROM users WHERE login = ?1")?
        .query_row([login], |r| r.get::<_, Option<String>>(0))
        .optional()?;
    Ok(branch.flatten())
}

/// Sets the branch an auditor works for (`None`: none), checked against the directory.
pub fn set_branch(
    conn: &Connection,
    login: &str,
    branch_id: Option<&str>,
    directory: &Directory,
) -> Result<(), AppError> {
    if let Some(b) = branch_id
        && directory.branch(b).is_none()
    {
        return Err(AppError::bad(
            Refusal::UnknownBranch,
            "branch",
            format!("no branch `{b}` in the directory"),
        ));
    }
    let n = conn.execute(
        "UPDATE users SET branch_id = ?2 WHERE login = ?1",
        params![login, branch_id],
    )?;
    if n == 0 {
        return Err(AppError::not_found(
            Refusal::UnknownUser,
            format!("no user `{login}`"),
        ));
    }
    Ok(())
}

pub fn auditors(conn: &Connection) -> Result<Vec<Auditor>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT login, branch_id FROM users WHERE role = 'auditor' ORDER BY login",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Auditor {
            login: r.get(0)?,
            branch_id: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Refuses what breaks the rules, naming the field; returns the warnings otherwise.
pub fn check(
    conn: &Connection,
    req: &AssignmentRequest,
    directory: &Directory,
    today: NaiveDate,
) -> Result<Vec<AssignmentWarning>, AppError> {
    let auditor: Option<(Text<Role>, Option<String>)> = conn
        .query_row(
            "SELECT role, branch_id FROM users WHERE login = ?1",
            [&req.auditor],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (Text(role), own_branch) = auditor.ok_or_else(|| {
        AppError::bad(
            Refusal::UnknownUser,
            "auditor",
            format!("no user `{}`", req.auditor),
        )
    })?;
    if role != Role::Auditor {
        return Err(AppError::bad(
            Refusal::NotAnAuditor,
            "auditor",
            format!("`{}` is not an auditor", req.auditor),
        ));
    }
    let office = directory.office(&req.office_id).ok_or_else(|| {
        AppError::bad(
            Refusal::UnknownOffice,
            "office_id",
            format!("no office `{}` in the directory", req.office_id),
        )
    })?;
    if own_branch.as_deref() == Some(office.branch_id.as_str()) {
        return Err(AppError::bad(
            Refusal::OwnBranch,
            "auditor",
            format!(
                "`{}` works for branch `{}`, which office `{}` belongs to: an auditor may not audit their own branch",
                req.auditor, office.branch_id, req.office_id
            ),
        ));
    }
    let template = crate::reference::latest_template(conn)?
        .ok_or_else(|| AppError::Internal("no checklist loaded".into()))?;
    if template.scenario(&req.scenario).is_none() {
        return Err(AppError::bad(
            Refusal::UnknownScenario,
            "scenario",
            format!("no scenario `{}` in the checklist", req.scenario),
        ));
    }
    let published: bool = conn
        .prepare_cached("SELECT 1 FROM published WHERE quarter = ?1")?
        .exists([req.quarter.to_string()])?;
    if published {
        return Err(AppError::bad(
            Refusal::QuarterPublished,
            "quarter",
            format!("{} is published and frozen", req.quarter),
        ));
    }
    let (start, end) = req.quarter.bounds();
    let last_day = end.date_naive().pred_opt().unwrap_or(end.date_naive());
    if req.due < start.date_naive() || req.due > last_day {
        return Err(AppError::bad(
            Refusal::DueOutsideQuarter,
            "due",
            format!("{} is not within {}", req.due, req.quarter),
        ));
    }
    if req.due < today {
        return Err(AppError::bad(
            Refusal::DuePassed,
            "due",
            format!("{} has passed", req.due),
        ));
    }
    if req.note.chars().count() > 2000 {
        return Err(AppError::bad(
            Refusal::TooLong,
            "note",
            "at most 2000 characters",
        ));
    }
    let mut warnings = Vec::new();
    for quarter in [req.quarter.previous(), req.quarter.next()] {
        if seen(conn, &req.auditor, &req.office_id, quarter)? {
            warnings.push(AssignmentWarning::ConsecutiveQuarter { quarter });
        }
    }
    Ok(warnings)
}

/// Whether the auditor visited, or is assigned to visit, the office in `quarter`.
fn seen(
    conn: &Connection,
    auditor: &str,
    office: &str,
    quarter: Quarter,
) -> Result<bool, AppError> {
    let (start, end) = quarter_span(quarter);
    let visited = conn
        .prepare_cached(
            "SELECT 1 FROM visits WHERE auditor = ?1 AND office_id = ?2
             AND started_at >= ?3 AND started_at < ?4 LIMIT 1",
        )?
        .exists(params![auditor, office, start, end])?;
    let assigned = conn
        .prepare_cached(
            "SELECT 1 FROM assignments WHERE auditor = ?1 AND office_id = ?2 AND quarter = ?3
             AND cancelled_at IS NULL LIMIT 1",
        )?
        .exists(params![auditor, office, quarter.to_string()])?;
    Ok(visited || assigned)
}

pub fn create(
    conn: &mut Connection,
    req: &AssignmentRequest,
    directory: &Directory,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(Option<Assignment>, Vec<AssignmentWarning>), AppError> {
    let tx = conn.transaction()?;
    let warnings = check(&tx, req, directory, now.date_naive())?;
    if req.dry_run {
        return Ok((None, warnings));
    }
    not_assigned(&tx, req)?;
    let id = insert(&tx, req, by, now, None)?;
    let assignment = get(&tx, id, now.date_naive())?
        .ok_or_else(|| AppError::Internal("assignment vanished".into()))?;
    tx.commit()?;
    Ok((Some(assignment), warnings))
}

/// Refuses a second open assignment of the same office to the same auditor in a quarter.
pub(crate) fn not_assigned(conn: &Connection, req: &AssignmentRequest) -> Result<(), AppError> {
    let duplicate = conn
        .prepare_cached(
            "SELECT 1 FROM assignments WHERE auditor = ?1 AND office_id = ?2 AND quarter = ?3
             AND cancelled_at IS NULL",
        )?
        .exists(params![req.auditor, req.office_id, req.quarter.to_string()])?;
    if duplicate {
        return Err(AppError::conflict(
            Refusal::AlreadyAssigned,
            format!(
                "`{}` is already assigned to `{}` in {}",
                req.auditor, req.office_id, req.quarter
            ),
        ));
    }
    Ok(())
}

/// Stores a checked assignment; `pair` is a paired visit's window start and pair id.
pub(crate) fn insert(
    conn: &Connection,
    req: &AssignmentRequest,
    by: &str,
    now: DateTime<Utc>,
    pair: Option<(NaiveDate, Uuid)>,
) -> Result<Uuid, AppError> {
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO assignments (id, auditor, office_id, quarter, scenario, due, note, created_by,
                                  created_at, window_from, pair_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id.to_string(),
            req.auditor,
            req.office_id,
            req.quarter.to_string(),
            req.scenario,
            req.due.to_string(),
            req.note,
            by,
            ts(now),
            pair.map(|(from, _)| from.to_string()),
            pair.map(|(_, pair_id)| pair_id.to_string()),
        ],
    )?;
    let assigned = Notification::AssignmentNew {
        assignment_id: id,
        office_id: req.office_id.clone(),
        due: req.due,
    };
    crate::notifications::notify_at(conn, &req.auditor, &assigned, now)?;
    Ok(id)
}

/// Cancels an assignment; the row stays, for the record.
pub fn cancel(conn: &Connection, id: Uuid, now: DateTime<Utc>) -> Result<(), AppError> {
    let n = conn.execute(
        "UPDATE assignments SET cancelled_at = ?2 WHERE id = ?1 AND cancelled_at IS NULL",
        params![id.to_string(), ts(now)],
    )?;
    if n == 0 {
        return Err(AppError::not_found(
            Refusal::NotFound,
            format!("no open assignment {id}"),
        ));
    }
    Ok(())
}

/// The list's filters from the query; empty texts filter nothing.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Filter {
    pub auditor: Option<String>,
    pub quarter: Option<String>,
}

const SELECT: &str = "SELECT a.id, a.auditor, a.office_id, a.quarter, a.scenario, a.due, a.note,
    a.created_by, a.created_at,
    EXISTS (SELECT 1 FROM visits v WHERE v.auditor = a.auditor AND v.office_id = a.office_id
            AND v.started_at >= ?2 AND v.started_at < ?3),
    a.window_from, a.pair_id
    FROM assignments a";

pub(crate) fn get(
    conn: &Connection,
    id: Uuid,
    today: NaiveDate,
) -> Result<Option<Assignment>, AppError> {
    let quarter: Option<Text<Quarter>> = conn
        .query_row(
            "SELECT quarter FROM assignments WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(Text(quarter)) = quarter else {
        return Ok(None);
    };
    let (start, end) = quarter_span(quarter);
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE a.id = ?1"))?;
    let mut rows = stmt.query(params![id.to_string(), start, end])?;
    rows.next()?.map(|r| read(r, today)).transpose()
}

/// Open assignments the caller may see (`only_own`: see
/// [`crate::auth::AuthUser::only_own`]), soonest due first; done ones stay listed until
/// their quarter is over so the auditor sees them ticked off.
pub fn list(
    conn: &Connection,
    filter: &Filter,
    only_own: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<Assignment>, AppError> {
    let quarter: Option<Quarter> = filter
        .quarter
        .as_deref()
        .filter(|q| !q.trim().is_empty())
        .map(str::parse)
        .transpose()
        .map_err(|e: String| AppError::bad(Refusal::Invalid, "quarter", e))?;
    // Auditors see their own assignments whatever they ask for.
    let auditor = only_own.or(filter.auditor.as_deref().filter(|a| !a.is_empty()));
    let mut quarters: Vec<Text<Quarter>> = conn
        .prepare_cached(
            "SELECT DISTINCT quarter FROM assignments WHERE cancelled_at IS NULL
             AND (?1 IS NULL OR auditor = ?1) AND (?2 IS NULL OR quarter = ?2)",
        )?
        .query_map(params![auditor, quarter.map(|q| q.to_string())], |r| {
            r.get(0)
        })?
        .collect::<Result<_, _>>()?;
    quarters.sort_by_key(|q| q.0);
    let mut out = Vec::new();
    for Text(quarter) in quarters {
        let (start, end) = quarter_span(quarter);
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT} WHERE a.quarter = ?1 AND a.cancelled_at IS NULL AND (?4 IS NULL OR a.auditor = ?4)"
        ))?;
        let mut rows = stmt.query(params![quarter.to_string(), start, end, auditor])?;
        while let Some(r) = rows.next()? {
            let mut assignment = read(r, today)?;
            if only_own.is_some() {
                // An auditor must not learn that someone else visits the office too.
                assignment.pair_id = None;
            }
            out.push(assignment);
        }
    }
    out.sort_by(|a, b| (a.due, &a.auditor, &a.office_id).cmp(&(b.due, &b.auditor, &b.office_id)));
    Ok(out)
}

fn read(r: &rusqlite::Row, today: NaiveDate) -> Result<Assignment, AppError> {
    let due: NaiveDate = r.get(5)?;
    let done: bool = r.get(9)?;
    Ok(Assignment {
        id: r.get::<_, Text<Uuid>>(0)?.0,
        auditor: r.get(1)?,
        office_id: r.get(2)?,
        quarter: r.get::<_, Text<Quarter>>(3)?.0,
        scenario: r.get(4)?,
        due,
        note: r.get(6)?,
        created_by: r.get(7)?,
        created_at: r.get(8)?,
        from: r.get(10)?,
        pair_id: r.get::<_, Option<Text<Uuid>>>(11)?.map(|t| t.0),
        recheck: Vec::new(),
        status: if done {
            AssignmentStatus::Done
        } else if due < today {
            AssignmentStatus::Overdue
        } else {
            AssignmentStatus::Open
        },
    })
}
