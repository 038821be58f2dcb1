//! Assignments: which auditor visits which office, in which quarter, by when. The rules of
//! the method live here: an auditor never audits the branch they work for, and a
//! supervisor is warned when an auditor would see the same office two quarters running,
//! where the staff might recognise them.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{
    Assignment, AssignmentRequest, AssignmentStatus, AssignmentWarning, Auditor, Role,
};
use zakupka_core::{Directory, Template};

use crate::error::AppError;
use crate::ingest::{quarter_span, ts};

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
            "branch",
            format!("no branch `{b}` in the directory"),
        ));
    }
    let n = conn.execute(
        "UPDATE users SET branch_id = ?2 WHERE login = ?1",
        params![login, branch_id],
    )?;
    if n == 0 {
        return Err(AppError::NotFound(format!("no user `{login}`")));
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

fn latest_template(conn: &Connection) -> Result<Option<Template>, AppError> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM templates ORDER BY version DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| AppError::Internal(format!("template: {e}"))))
        .transpose()
}

/// Refuses what breaks the rules, naming the field; returns the warnings otherwise.
pub fn check(
    conn: &Connection,
    req: &AssignmentRequest,
    directory: &Directory,
    today: NaiveDate,
) -> Result<Vec<AssignmentWarning>, AppError> {
    let auditor: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT role, branch_id FROM users WHERE login = ?1",
            [&req.auditor],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (role, own_branch) =
        auditor.ok_or_else(|| AppError::bad("auditor", format!("no user `{}`", req.auditor)))?;
    if Role::parse(&role) != Some(Role::Auditor) {
        return Err(AppError::bad(
            "auditor",
            format!("`{}` is not an auditor", req.auditor),
        ));
    }
    let office = directory.office(&req.office_id).ok_or_else(|| {
        AppError::bad(
            "office_id",
            format!("no office `{}` in the directory", req.office_id),
        )
    })?;
    if own_branch.as_deref() == Some(office.branch_id.as_str()) {
        return Err(AppError::bad(
            "auditor",
            format!(
                "`{}` works for branch `{}`, which office `{}` belongs to: an auditor may not audit their own branch",
                req.auditor, office.branch_id, req.office_id
            ),
        ));
    }
    let template =
        latest_template(conn)?.ok_or_else(|| AppError::Internal("no checklist loaded".into()))?;
    if template.scenario(&req.scenario).is_none() {
        return Err(AppError::bad(
            "scenario",
            format!("no scenario `{}` in the checklist", req.scenario),
        ));
    }
    let published: bool = conn
        .prepare_cached("SELECT 1 FROM published WHERE quarter = ?1")?
        .exists([req.quarter.to_string()])?;
    if published {
        return Err(AppError::bad(
            "quarter",
            format!("{} is published and frozen", req.quarter),
        ));
    }
    let (start, end) = req.quarter.bounds();
    let last_day = end.date_naive().pred_opt().unwrap_or(end.date_naive());
    if req.due < start.date_naive() || req.due > last_day {
        return Err(AppError::bad(
            "due",
            format!("{} is not within {}", req.due, req.quarter),
        ));
    }
    if req.due < today {
        return Err(AppError::bad("due", format!("{} has passed", req.due)));
    }
    if req.note.chars().count() > 2000 {
        return Err(AppError::bad("note", "at most 2000 characters"));
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
    let duplicate = tx
        .prepare_cached(
            "SELECT 1 FROM assignments WHERE auditor = ?1 AND office_id = ?2 AND quarter = ?3
             AND cancelled_at IS NULL",
        )?
        .exists(params![req.auditor, req.office_id, req.quarter.to_string()])?;
    if duplicate {
        return Err(AppError::Conflict(format!(
            "`{}` is already assigned to `{}` in {}",
            req.auditor, req.office_id, req.quarter
        )));
    }
    let id = Uuid::now_v7();
    tx.execute(
        "INSERT INTO assignments (id, auditor, office_id, quarter, scenario, due, note, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id.to_string(),
            req.auditor,
            req.office_id,
            req.quarter.to_string(),
            req.scenario,
            req.due.to_string(),
            req.note,
            by,
            ts(now)
        ],
    )?;
    let assignment = get(&tx, id, now.date_naive())?
        .ok_or_else(|| AppError::Internal("assignment vanished".into()))?;
    tx.commit()?;
    Ok((Some(assignment), warnings))
}

/// Cancels an assignment; the row stays, for the record.
pub fn cancel(conn: &Connection, id: Uuid, now: DateTime<Utc>) -> Result<(), AppError> {
    let n = conn.execute(
        "UPDATE assignments SET cancelled_at = ?2 WHERE id = ?1 AND cancelled_at IS NULL",
        params![id.to_string(), ts(now)],
    )?;
    if n == 0 {
        return Err(AppError::NotFound(format!("no open assignment {id}")));
    }
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub auditor: Option<String>,
    pub quarter: Option<Quarter>,
}

const SELECT: &str = "SELECT a.id, a.auditor, a.office_id, a.quarter, a.scenario, a.due, a.note,
    a.created_by, a.created_at,
    EXISTS (SELECT 1 FROM visits v WHERE v.auditor = a.auditor AND v.office_id = a.office_id
            AND v.started_at >= ?2 AND v.started_at < ?3)
    FROM assignments a";

fn get(conn: &Connection, id: Uuid, today: NaiveDate) -> Result<Option<Assignment>, AppError> {
    let quarter: Option<String> = conn
        .query_row(
            "SELECT quarter FROM assignments WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(quarter) = quarter else {
        return Ok(None);
    };
    let quarter: Quarter = quarter.parse().map_err(AppError::Internal)?;
    let (start, end) = quarter_span(quarter);
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE a.id = ?1"))?;
    let mut rows = stmt.query(params![id.to_string(), start, end])?;
    rows.next()?.map(|r| read(r, today)).transpose()
}

/// Open assignments, soonest due first; done ones stay listed until their quarter is over
/// so the auditor sees them ticked off.
pub fn list(
    conn: &Connection,
    filter: &Filter,
    today: NaiveDate,
) -> Result<Vec<Assignment>, AppError> {
    let mut quarters: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT quarter FROM assignments WHERE cancelled_at IS NULL
             AND (?1 IS NULL OR auditor = ?1) AND (?2 IS NULL OR quarter = ?2)",
        )?
        .query_map(
            params![filter.auditor, filter.quarter.map(|q| q.to_string())],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    quarters.sort();
    let mut out = Vec::new();
    for q in quarters {
        let quarter: Quarter = q.parse().map_err(AppError::Internal)?;
        let (start, end) = quarter_span(quarter);
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT} WHERE a.quarter = ?1 AND a.cancelled_at IS NULL AND (?4 IS NULL OR a.auditor = ?4)"
        ))?;
        let mut rows = stmt.query(params![q, start, end, filter.auditor])?;
        while let Some(r) = rows.next()? {
            out.push(read(r, today)?);
        }
    }
    out.sort_by(|a, b| (a.due, &a.auditor, &a.office_id).cmp(&(b.due, &b.auditor, &b.office_id)));
    Ok(out)
}

fn read(r: &rusqlite::Row, today: NaiveDate) -> Result<Assignment, AppError> {
    let bad = |what: &str, e: String| AppError::Internal(format!("assignment {what}: {e}"));
    let id: String = r.get(0)?;
    let quarter: String = r.get(3)?;
    let due: String = r.get(5)?;
    let created_at: String = r.get(8)?;
    let done: bool = r.get(9)?;
    let due: NaiveDate = due
        .parse()
        .map_err(|e: chrono::ParseError| bad("due", e.to_string()))?;
    Ok(Assignment {
        id: Uuid::parse_str(&id).map_err(|e| bad("id", e.to_string()))?,
        auditor: r.get(1)?,
        office_id: r.get(2)?,
        quarter: quarter.parse().map_err(|e| bad("quarter", e))?,
        scenario: r.get(4)?,
        due,
        note: r.get(6)?,
        created_by: r.get(7)?,
        created_at: DateTime::parse_from_rfc3339(&created_at)
            .map_err(|e| bad("created_at", e.to_string()))?
            .with_timezone(&Utc),
        status: if done {
            AssignmentStatus::Done
        } else if due < today {
            AssignmentStatus::Overdue
        } else {
            AssignmentStatus::Open
        },
    })
}
