//! Presence evidence and conflicts on the server: the flags judged at push, the visits
//! left out of the rating until a supervisor includes them, each auditor's share of
//! flagged visits, and who may see positions. The rules themselves are core's
//! (`zakupka_core::presence`); this file holds what needs the database.

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use zakupka_core::presence::{Expected, PresenceFlag};
use zakupka_core::rating::Quarter;
use zakupka_core::visit::MAX_COMMENT_CHARS;
use zakupka_core::wire::{AuditorFlags, IncludeRequest, Inclusion, Refusal, Role, VisitDetail};
use zakupka_core::{Directory, Template, Visit};

use crate::error::AppError;
use crate::scope::Scope;
use crate::sql::Json;
use crate::time::ts;

/// The offices' time zone, in which cameras keep their EXIF times (which carry no zone):
/// every office of the directory is in Moscow Oblast, on Moscow time (UTC+3, no daylight
/// saving since 2014).
pub const OFFICE_UTC_OFFSET_SECONDS: i32 = 3 * 3600;

/// The flags the visit itself shows against its office and checklist (pure, outside the
/// database lock), and the office's branch for [`conflicts`].
pub fn judge(
    visit: &Visit,
    template: &Template,
    directory: &Directory,
) -> (Vec<PresenceFlag>, Option<String>) {
    let office = directory.office(&visit.office_id);
    let expected = Expected {
        office: office.and_then(|o| o.position),
        min_minutes: template.min_duration_minutes,
        photo_offset: FixedOffset::east_opt(OFFICE_UTC_OFFSET_SECONDS),
    };
    (
        zakupka_core::presence::flags(visit, &expected),
        office.map(|o| o.branch_id.clone()),
    )
}

/// Adds the flags that need the database (`own_branch`: the auditor's own branch, from
/// `user add --branch`, none without one; `unassigned`: the auditor has assignments in
/// the visit's quarter but none of this office), and keeps an own-branch visit out of the
/// rating until it is included. Inside the push's transaction. Returns the flags as JSON.
pub fn record(
    tx: &Transaction,
    visit: &Visit,
    flags: &[PresenceFlag],
    office_branch: Option<&str>,
) -> Result<String, AppError> {
    let mut flags = flags.to_vec();
    let own: Option<String> = tx
        .prepare_cached("SELECT branch_id FROM users WHERE login = ?1")?
        .query_row([&visit.auditor], |r| r.get(0))
        .optional()?
        .flatten();
    let id = visit.id.to_string();
    if own.is_some() && own.as_deref() == office_branch {
        flags.push(PresenceFlag::OwnBranch);
        tx.prepare_cached("INSERT OR IGNORE INTO rating_exclusions (visit_id) VALUES (?1)")?
            .execute([&id])?;
    } else {
        // A correction moved it to another office: nothing left to include.
        tx.prepare_cached(
            "DELETE FROM rating_exclusions WHERE visit_id = ?1 AND included_at IS NULL",
        )?
        .execute([&id])?;
    }
    let quarter = Quarter::of(visit.started_at).to_string();
    let assigned = |office: Option<&str>| {
        tx.prepare_cached(
            "SELECT 1 FROM assignments WHERE auditor = ?1 AND quarter = ?2
             AND cancelled_at IS NULL AND (?3 IS NULL OR office_id = ?3)",
        )?
        .exists(params![visit.auditor, quarter, office])
    };
    if assigned(None)? && !assigned(Some(&visit.office_id))? {
        flags.push(PresenceFlag::Unassigned);
    }
    flags.sort();
    serde_json::to_string(&flags).map_err(|e| AppError::internal("presence flags", e))
}

/// The visit's flags, and its inclusion in the rating if a supervisor gave one.
pub fn of_visit(
    conn: &Connection,
    id: &str,
    revision: u32,
) -> Result<(Vec<PresenceFlag>, Option<Inclusion>), AppError> {
    let Json(flags) = conn.query_row(
        "SELECT presence_flags FROM visits WHERE id = ?1 AND revision = ?2",
        params![id, revision],
        |r| r.get(0),
    )?;
    let included = conn
        .prepare_cached(
            "SELECT included_by, included_at, reason FROM rating_exclusions
             WHERE visit_id = ?1 AND included_at IS NOT NULL",
        )?
        .query_row([id], |r| {
            Ok(Inclusion {
                by: r.get(0)?,
                at: r.get(1)?,
                reason: r.get(2)?,
            })
        })
        .optional()?;
    Ok((flags, included))
}

/// Positions are for supervisors: where an auditor was is personal data, and an auditor
/// reading their own visit back learns nothing from it that review needs. Removes the
/// device's and the photos' positions for every other role.
pub fn hide_positions(visit: &mut Visit, role: Role) {
    if role == Role::Supervisor {
        return;
    }
    visit.start_location = None;
    visit.finish_location = None;
    for photo in visit.answers.values_mut().flat_map(|a| a.photos.iter_mut()) {
        photo.position = None;
    }
}

/// [`hide_positions`] on a visit in full.
pub fn hide_in_detail(mut detail: VisitDetail, role: Role) -> VisitDetail {
    hide_positions(&mut detail.visit, role);
    detail
}

/// Puts visit `id`, left out of the rating as an own-branch visit, into it, with the
/// supervisor's reason, in the audit log. Refused without a reason, for a visit not left
/// out (or already included), for another revision than the one named, and for a
/// supervisor of the office's own branch.
pub fn include(
    conn: &mut Connection,
    id: &str,
    request: &IncludeRequest,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Inclusion, AppError> {
    let reason = request.reason.trim();
    if reason.is_empty() {
        return Err(AppError::bad(
            Refusal::ReasonRequired,
            "reason",
            "say why the visit may count in the rating",
        ));
    }
    if reason.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::bad(
            Refusal::TooLong,
            "reason",
            format!("longer than {MAX_COMMENT_CHARS} characters"),
        ));
    }
    let tx = conn.transaction()?;
    crate::scope::may_decide(&tx, by, id)?;
    let current: u32 = tx
        .query_row(
            "SELECT revision FROM reviews WHERE visit_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| AppError::not_found(Refusal::NotFound, format!("no visit {id}")))?;
    if request.revision.is_some_and(|r| r != current) {
        return Err(AppError::conflict(
            Refusal::RevisionChanged,
            format!("the current revision is {current}"),
        ));
    }
    let changed = tx.execute(
        "UPDATE rating_exclusions SET included_by = ?2, included_at = ?3, reason = ?4
         WHERE visit_id = ?1 AND included_at IS NULL",
        params![id, by, ts(now), reason],
    )?;
    if changed == 0 {
        return Err(AppError::conflict(
            Refusal::NotLeftOut,
            "the visit is not left out of the rating",
        ));
    }
    let detail = serde_json::json!({"visit_id": id, "revision": current, "reason": reason});
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'include_in_rating', ?3)",
        params![ts(now), by, detail.to_string()],
    )?;
    tx.commit()?;
    // As stored (times to the millisecond), so the answer is what the detail shows.
    of_visit(conn, id, current)?
        .1
        .ok_or_else(|| AppError::Internal(format!("inclusion of {id} not stored")))
}

/// Each auditor's visits started in `quarter` (their current revision, within `scope`)
/// and how many carry flags, by auditor.
pub fn auditors(
    conn: &Connection,
    quarter: Quarter,
    scope: &Scope,
) -> Result<Vec<AuditorFlags>, AppError> {
    let (from, to) = crate::time::quarter_span(quarter);
    let mut stmt = conn.prepare_cached(
        "SELECT v.auditor, v.presence_flags
         FROM visits v JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
         WHERE v.started_at >= ?1 AND v.started_at < ?2
           AND (?3 IS NULL OR v.office_id IN (SELECT value FROM json_each(?3)))
         ORDER BY v.auditor",
    )?;
    let rows = stmt.query_map(params![from, to, scope.offices], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Json<Vec<PresenceFlag>>>(1)?.0,
        ))
    })?;
    let mut out: Vec<AuditorFlags> = Vec::new();
    for row in rows {
        let (auditor, flags) = row?;
        if out.last().is_none_or(|a| a.auditor != auditor) {
            out.push(AuditorFlags {
                auditor,
                visits: 0,
                flagged: 0,
                by_flag: Default::default(),
            });
        }
        let Some(a) = out.last_mut() else { continue };
        a.visits += 1;
        a.flagged += u32::from(!flags.is_empty());
        for f in flags {
            *a.by_flag.entry(f).or_default() += 1;
        }
    }
    Ok(out)
}
