//! Storing pushed visits. Idempotent by (visit id, revision): a retried push finds the same
//! revision stored and answers "duplicate" without touching anything.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use zakupka_core::wire::{PushResult, PushStatus};
use zakupka_core::{Directory, Template, Visit};

use crate::error::AppError;

/// How the server writes times in its tables: fixed width, so they compare as text.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A quarter as `start <= t < end` bounds in the tables' time format.
pub(crate) fn quarter_span(q: zakupka_core::rating::Quarter) -> (String, String) {
    let (start, end) = q.bounds();
    (ts(start), ts(end))
}

pub fn template(conn: &Connection, id: &str, version: u32) -> Result<Option<Template>, AppError> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM templates WHERE id = ?1 AND version = ?2",
            params![id, version],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b)
            .map_err(|e| AppError::Internal(format!("template {id} v{version}: {e}")))
    })
    .transpose()
}

pub fn directory(conn: &Connection) -> Result<Directory, AppError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM directory", [], |r| r.get(0))
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b).map_err(|e| AppError::Internal(format!("directory: {e}")))
    })
    .transpose()
    .map(Option::unwrap_or_default)
}

/// What validating a push needs from the database: the directory and the checklist
/// versions the visits name (those that exist). Shared with the cache it came from.
pub struct Reference {
    pub directory: Arc<Directory>,
    pub templates: Vec<Arc<Template>>,
}

impl Reference {
    pub fn template_of(&self, visit: &Visit) -> Result<&Template, AppError> {
        self.templates
            .iter()
            .find(|t| t.id == visit.template_id && t.version == visit.template_version)
            .map(|t| &**t)
            .ok_or_else(|| {
                AppError::Internal(format!("checklist of visit {} not loaded", visit.id))
            })
    }
}

/// The directory and checklists as last read, so that a push does not read and parse them
/// again (an eighth of the server's work per push with the demo's seeds). A checklist
/// version never changes once stored; the directory is read again when a newer one has
/// been published, which `demo::publish` records as a `directory` change.
#[derive(Default)]
pub struct ReferenceCache {
    directory: std::sync::Mutex<Option<(i64, Arc<Directory>)>>,
    templates: std::sync::Mutex<Vec<Arc<Template>>>,
}

impl ReferenceCache {
    pub fn reference(&self, conn: &Connection, visits: &[Visit]) -> Result<Reference, AppError> {
        let mut known = self.templates.lock().unwrap_or_else(|e| e.into_inner());
        let mut templates: Vec<Arc<Template>> = Vec::new();
        for v in visits {
            let is = |t: &&Arc<Template>| t.id == v.template_id && t.version == v.template_version;
            if templates.iter().any(|t| is(&t)) {
                continue;
            }
            if let Some(t) = known.iter().find(is) {
                templates.push(t.clone());
            } else if let Some(t) = template(conn, &v.template_id, v.template_version)? {
                let t = Arc::new(t);
                known.push(t.clone());
                templates.push(t);
            }
        }
        drop(known);
        Ok(Reference {
            directory: self.directory(conn)?,
            templates,
        })
    }

    /// The directory, parsed again only when a newer one has been published.
    pub fn directory(&self, conn: &Connection) -> Result<Arc<Directory>, AppError> {
        let latest: i64 = conn
            .prepare_cached(
                "SELECT coalesce(max(seq), 0) FROM changes WHERE auditor IS NULL AND kind = 'directory'",
            )?
            .query_row([], |r| r.get(0))?;
        let mut cached = self.directory.lock().unwrap_or_else(|e| e.into_inner());
        Ok(match &*cached {
            Some((seq, d)) if *seq == latest => d.clone(),
            _ => {
                let d = Arc::new(directory(conn)?);
                *cached = Some((latest, d.clone()));
                d
            }
        })
    }
}

/// Checks every visit of a push before anything is stored, so a bad one refuses the whole
/// request and names itself: `visits[2].answers.x`. Pure: it runs outside the database lock.
pub fn validate(reference: &Reference, auditor: &str, visits: &[Visit]) -> Result<(), AppError> {
    for (n, visit) in visits.iter().enumerate() {
        let at = |field: &str| format!("visits[{n}].{field}");
        if visit.auditor != auditor {
            return Err(AppError::bad(
                at("auditor"),
                format!(
                    "you are logged in as `{auditor}`, the visit is `{}`'s",
                    visit.auditor
                ),
            ));
        }
        let t = reference
            .templates
            .iter()
            .find(|t| t.id == visit.template_id && t.version == visit.template_version)
            .ok_or_else(|| {
                AppError::bad(
                    at("template_version"),
                    format!(
                        "unknown checklist {} version {}",
                        visit.template_id, visit.template_version
                    ),
                )
            })?;
        visit
            .validate(t, &reference.directory)
            .map_err(|e| AppError::bad(at(&e.field), e.message))?;
    }
    Ok(())
}

/// What storing a visit computes from the visit alone: the hash of its JSON, its score
/// and section scores. Made before the database lock is taken, so that under load the
/// lock is held only for the writes.
pub struct Derived {
    digest: String,
    score: Option<f64>,
    sections: String,
}

impl Derived {
    /// `payload` is the visit's JSON as the device sent it: hashed as it is, so a resend of
    /// the same outbox entry is recognised byte for byte.
    pub fn of(visit: &Visit, payload: &str, template: &Template) -> Result<Derived, AppError> {
        // The score is kept with the revision it was computed from; the answers stay in
        // the payload, so any figure can still be traced to them.
        let score = zakupka_core::score(template, &visit.values());
        let sections: std::collections::BTreeMap<&str, Option<f64>> = score
            .sections
            .iter()
            .map(|s| (s.section_id.as_str(), s.percent))
            .collect();
        Ok(Derived {
            digest: format!("{:x}", Sha256::digest(payload.as_bytes())),
            score: score.percent,
            sections: serde_json::to_string(&sections)
                .map_err(|e| AppError::Internal(format!("scores json: {e}")))?,
        })
    }
}

/// Validates a push (see [`validate`]) and derives what storing each visit needs.
pub fn prepare(
    reference: &Reference,
    auditor: &str,
    visits: &[Visit],
    payloads: &[Box<serde_json::value::RawValue>],
) -> Result<Vec<Derived>, AppError> {
    validate(reference, auditor, visits)?;
    visits
        .iter()
        .zip(payloads)
        .map(|(v, text)| Derived::of(v, text.get(), reference.template_of(v)?))
        .collect()
}

/// Stores one visit inside `tx` (the caller commits). Returns what the device is told.
/// `payload` is the visit's JSON as the device sent it, stored as it is.
pub fn store(
    tx: &Transaction,
    visit: &Visit,
    payload: &str,
    template: &Template,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<PushResult, AppError> {
    let derived = Derived::of(visit, payload, template)?;
    store_derived(tx, visit, payload, &derived, device_id, now)
}

/// [`store`] with the figures already derived.
pub fn store_derived(
    tx: &Transaction,
    visit: &Visit,
    payload: &str,
    derived: &Derived,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<PushResult, AppError> {
    let id = visit.id.to_string();
    let digest = &derived.digest;
    let result = |status, reason: Option<String>, missing| PushResult {
        visit_id: visit.id,
        revision: visit.revision,
        status,
        reason,
        code: None,
        missing_photos: missing,
    };
    let earlier: Vec<(String, u32, String)> = tx
        .prepare_cached("SELECT auditor, revision, payload_sha256 FROM visits WHERE id = ?1")?
        .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    if earlier
        .iter()
        .any(|(auditor, _, _)| *auditor != visit.auditor)
    {
        return Ok(result(
            PushStatus::Rejected,
            Some("this visit id belongs to another auditor".into()),
            vec![],
        ));
    }
    match earlier
        .iter()
        .find(|(_, revision, _)| *revision == visit.revision)
    {
        Some((_, _, d)) if d == digest => {
            return Ok(result(
                PushStatus::Duplicate,
                None,
                missing_photos(tx, visit)?,
            ));
        }
        Some(_) => {
            return Ok(result(
                PushStatus::Rejected,
                Some(format!(
                    "revision {} of this visit was already received with other content",
                    visit.revision
                )),
                vec![],
            ));
        }
        None => {}
    }
    // A correction (revision N > 1) answers a return of revision N-1, and nothing else.
    let current: Option<(u32, String)> = tx
        .prepare_cached("SELECT revision, state FROM reviews WHERE visit_id = ?1")?
        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if visit.revision > 1 {
        let answers_return = matches!(&current, Some((rev, state)) if *rev + 1 == visit.revision && state == "returned");
        if !answers_return {
            let now_state = current
                .as_ref()
                .map_or("unknown".to_owned(), |(rev, state)| {
                    format!("revision {rev} is {state}")
                });
            return Ok(result(
                PushStatus::Rejected,
                Some(format!(
                    "revision {} was not asked for: {now_state}",
                    visit.revision
                )),
                vec![],
            ));
        }
    }
    tx.prepare_cached(
        "INSERT INTO visits (id, revision, auditor, office_id, template_id, template_version, started_at, finished_at,
                             payload, payload_sha256, device_id, received_at, score, section_scores, time_flags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        id,
        visit.revision,
        visit.auditor,
        visit.office_id,
        visit.template_id,
        visit.template_version,
        ts(visit.started_at),
        visit.finished_at.map(ts),
        payload,
        digest,
        device_id,
        ts(now),
        derived.score,
        derived.sections,
        // Judged by the server's clock at receipt: a wrong device clock is flagged, and
        // the visit is kept all the same.
        serde_json::to_string(&visit.time_flags(now)).map_err(|e| AppError::Internal(format!("flags json: {e}")))?,
    ])?;
    let mut photo = tx.prepare_cached(
        "INSERT OR IGNORE INTO visit_photos (visit_id, revision, item_id, sha256) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (item, a) in &visit.answers {
        for p in &a.photos {
            photo.execute(params![id, visit.revision, item, p.sha256])?;
        }
    }
    tx.prepare_cached(
        "INSERT INTO reviews (visit_id, revision, state, updated_at) VALUES (?1, ?2, 'submitted', ?3)
         ON CONFLICT (visit_id) DO UPDATE SET revision = excluded.revision, state = 'submitted', comment = '',
             item_comments = '{}', updated_at = excluded.updated_at
         WHERE excluded.revision >= reviews.revision",
    )?
    .execute(params![id, visit.revision, ts(now)])?;
    tx.prepare_cached(
        "INSERT INTO review_log (visit_id, revision, from_state, to_state, by_login, at) VALUES (?1, ?2, ?3, 'submitted', ?4, ?5)",
    )?
    .execute(params![id, visit.revision, current.map(|c| c.1), visit.auditor, ts(now)])?;
    // No change row: the device that pushed knows its visit is submitted. Devices hear of
    // a visit again when a supervisor decides on it.
    Ok(result(
        PushStatus::Accepted,
        None,
        missing_photos(tx, visit)?,
    ))
}

/// One push waiting for the database: its visits parsed and validated, each with the JSON
/// text it came as, and where to send the outcome.
pub struct PushJob {
    pub visits: Vec<Visit>,
    pub payloads: Vec<Box<serde_json::value::RawValue>>,
    pub derived: Vec<Derived>,
    pub device_id: String,
    pub received_at: DateTime<Utc>,
    pub reply: tokio::sync::oneshot::Sender<Result<Vec<PushResult>, AppError>>,
}

/// Pushes waiting for the database connection. With `synchronous=FULL` every commit waits
/// for the disk (a few milliseconds here), so one commit per push caps the server at a few
/// hundred pushes a second and many devices at once queue behind each other's waits.
/// Instead, whoever gets the connection next stores every push waiting by then in one
/// transaction and one commit (group commit). Each push still stands alone (one that fails
/// leaves no trace and the others are kept, see `store_waiting`), and each device is
/// answered only after the commit that holds its visits is on disk.
#[derive(Default)]
pub struct PushQueue {
    waiting: std::sync::Mutex<Vec<PushJob>>,
    /// What validating a push needs, read once.
    pub references: ReferenceCache,
}

impl PushQueue {
    pub fn enqueue(&self, job: PushJob) {
        // A panic elsewhere while holding this lock leaves a plain list: still usable.
        self.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(job);
    }

    /// Stores every waiting push and answers each; nothing to do if another caller already
    /// took them (its commit finished before this caller got the connection).
    pub fn store_waiting(&self, conn: &mut Connection) {
        let jobs = std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()));
        if jobs.is_empty() {
            return;
        }
        // All together first. Only the database itself can fail here (what the devices
        // sent was checked before); if it does, nothing of the group is kept and each
        // push is stored again in a transaction of its own, so that one push's failure
        // is that push's alone. (Savepoints would do the same, but at a fifth of the
        // time under the lock, copying pages to the statement journal.)
        let outcomes: Vec<Result<Vec<PushResult>, AppError>> = match store_group(conn, &jobs) {
            Ok(results) => results.into_iter().map(Ok).collect(),
            Err(e) if jobs.len() > 1 => {
                tracing::warn!(
                    "storing {} pushes together: {e}; storing each alone",
                    jobs.len()
                );
                jobs.iter()
                    .map(|job| {
                        store_group(conn, std::slice::from_ref(job))
                            .map(|mut one| one.pop().unwrap_or_default())
                    })
                    .collect()
            }
            Err(e) => vec![Err(e)],
        };
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            // A device that hung up is not waiting for an answer any more.
            let _ = job.reply.send(outcome);
        }
    }
}

/// One transaction for all `jobs`: every push's results, or the first error and nothing
/// stored.
fn store_group(conn: &mut Connection, jobs: &[PushJob]) -> Result<Vec<Vec<PushResult>>, AppError> {
    let tx = conn.transaction()?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        results.push(
            job.visits
                .iter()
                .zip(&job.payloads)
                .zip(&job.derived)
                .map(|((visit, text), derived)| {
                    store_derived(
                        &tx,
                        visit,
                        text.get(),
                        derived,
                        &job.device_id,
                        job.received_at,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    tx.commit()?;
    Ok(results)
}

fn missing_photos(conn: &Connection, visit: &Visit) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM photos WHERE sha256 = ?1")?;
    let mut missing = Vec::new();
    for p in visit.answers.values().flat_map(|a| a.photos.iter()) {
        if !stmt.exists([&p.sha256])? && !missing.contains(&p.sha256) {
            missing.push(p.sha256.clone());
        }
    }
    Ok(missing)
}

/// Records a supervisor's decision on the current revision of a submitted visit, in the
/// log, and as a change for the auditor's devices. Returns what the devices will see.
pub fn decide(
    conn: &mut Connection,
    visit_id: &str,
    request: &zakupka_core::wire::ReviewRequest,
    by: &str,
    now: DateTime<Utc>,
) -> Result<zakupka_core::wire::VisitUpdate, AppError> {
    use zakupka_core::wire::{Decision, ReviewState, VisitUpdate};
    let comment = request.comment.trim();
    let item_comments: std::collections::BTreeMap<String, String> = request
        .item_comments
        .iter()
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    // The comments go to the auditor's phone: no longer than any comment written there.
    let too_long = |text: &str| text.chars().count() > zakupka_core::visit::MAX_COMMENT_CHARS;
    if too_long(comment) {
        return Err(AppError::bad(
            "comment",
            format!(
                "longer than {} characters",
                zakupka_core::visit::MAX_COMMENT_CHARS
            ),
        ));
    }
    if let Some((item, _)) = item_comments.iter().find(|(_, c)| too_long(c)) {
        return Err(AppError::bad(
            format!("item_comments.{item}"),
            format!(
                "longer than {} characters",
                zakupka_core::visit::MAX_COMMENT_CHARS
            ),
        ));
    }
    let to = match request.decision {
        Decision::Approve => ReviewState::Approved,
        Decision::Return if comment.is_empty() && item_comments.is_empty() => {
            return Err(AppError::bad(
                "comment",
                "say what to correct: a comment on the visit or on items",
            ));
        }
        Decision::Return => ReviewState::Returned,
        Decision::Reject if comment.is_empty() => {
            return Err(AppError::bad("comment", "a rejection needs a reason"));
        }
        Decision::Reject => ReviewState::Rejected,
    };
    let tx = conn.transaction()?;
    let row: Option<(u32, String, String, String, String)> = tx
        .query_row(
            "SELECT r.revision, r.state, v.auditor, v.template_id, v.template_version FROM reviews r
             JOIN visits v ON v.id = r.visit_id AND v.revision = r.revision WHERE r.visit_id = ?1",
            [visit_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, i64>(4)?.to_string())),
        )
        .optional()?;
    let (revision, state, auditor, template_id, template_version) =
        row.ok_or_else(|| AppError::NotFound(format!("no visit {visit_id}")))?;
    if state != "submitted" {
        return Err(AppError::Conflict(format!(
            "revision {revision} is already {state}; only a submitted visit can be decided"
        )));
    }
    let version: u32 = template_version.parse().unwrap_or(0);
    if let Some(t) = template(&tx, &template_id, version)?
        && let Some(unknown) = item_comments.keys().find(|k| t.item(k).is_none())
    {
        return Err(AppError::bad(
            format!("item_comments.{unknown}"),
            "no such item in the visit's checklist",
        ));
    }
    let items_json =
        serde_json::to_string(&item_comments).map_err(|e| AppError::Internal(e.to_string()))?;
    tx.execute(
        "UPDATE reviews SET state = ?2, comment = ?3, item_comments = ?4, updated_at = ?5 WHERE visit_id = ?1",
        params![visit_id, to.as_str(), comment, items_json, ts(now)],
    )?;
    tx.execute(
        "INSERT INTO review_log (visit_id, revision, from_state, to_state, by_login, at, comment, item_comments)
         VALUES (?1, ?2, 'submitted', ?3, ?4, ?5, ?6, ?7)",
        params![visit_id, revision, to.as_str(), by, ts(now), comment, items_json],
    )?;
    tx.execute(
        "INSERT INTO changes (kind, ref, auditor) VALUES ('visit', ?1, ?2)",
        params![visit_id, auditor],
    )?;
    tx.commit()?;
    Ok(VisitUpdate {
        visit_id: uuid::Uuid::parse_str(visit_id).map_err(|e| AppError::Internal(e.to_string()))?,
        revision,
        state: to,
        comment: comment.to_owned(),
        item_comments,
    })
}

/// A visit's history, oldest first.
pub fn log(
    conn: &Connection,
    visit_id: &str,
) -> Result<Vec<zakupka_core::wire::LogEntry>, AppError> {
    use zakupka_core::wire::{LogEntry, ReviewState};
    let mut stmt = conn.prepare_cached(
        "SELECT revision, from_state, to_state, by_login, at, comment, item_comments FROM review_log
         WHERE visit_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([visit_id], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let id = uuid::Uuid::parse_str(visit_id).map_err(|e| AppError::Internal(e.to_string()))?;
    let state = |s: &str| {
        ReviewState::parse(s).ok_or_else(|| AppError::Internal(format!("review state {s}")))
    };
    let mut out = Vec::new();
    for row in rows {
        let (revision, from, to, by, at, comment, items) = row?;
        out.push(LogEntry {
            visit_id: id,
            revision,
            from: from.as_deref().map(state).transpose()?,
            to: state(&to)?,
            by,
            at: DateTime::parse_from_rfc3339(&at)
                .map_err(|e| AppError::Internal(e.to_string()))?
                .with_timezone(&Utc),
            comment,
            item_comments: serde_json::from_str(&items)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        });
    }
    Ok(out)
}
