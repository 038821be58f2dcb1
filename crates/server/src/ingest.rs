//! Storing pushed visits. Idempotent by (visit id, revision): a retried push finds the same
//! revision stored and answers "duplicate" without touching anything.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zakupka_core::presence::PresenceFlag;
use zakupka_core::wire::{MAX_PUSH_BATCH, PushResult, PushStatus, Refusal, ReviewState};
use zakupka_core::{Directory, Template, Visit};

use crate::error::{AppError, Refused};
use crate::reference::{Reference, ReferenceCache};
use crate::sql::Text;

/// How a photo's EXIF capture time is stored: the camera's local time, no zone (EXIF has
/// none), so unlike the server's own times it is not UTC and is kept apart from them.
const EXIF_TIME: &str = "%Y-%m-%dT%H:%M:%S";
use crate::time::ts;
use crate::{Db, per_core};

/// Checks every visit of a push before anything is stored, so a bad one refuses the whole
/// request and names itself: `visits[2].answers.x`. Pure: it runs outside the database lock.
pub fn validate(reference: &Reference, auditor: &str, visits: &[Visit]) -> Result<(), AppError> {
    for (n, visit) in visits.iter().enumerate() {
        let at = |field: &str| format!("visits[{n}].{field}");
        if visit.auditor != auditor {
            return Err(AppError::bad(
                Refusal::NotYourVisit,
                at("auditor"),
                format!(
                    "you are logged in as `{auditor}`, the visit is `{}`'s",
                    visit.auditor
                ),
            ));
        }
        let t = reference.find(visit).ok_or_else(|| {
            AppError::bad(
                Refusal::UnknownChecklist,
                at("template_version"),
                format!(
                    "unknown checklist {} version {}",
                    visit.template_id, visit.template_version
                ),
            )
        })?;
        visit
            .validate(t, &reference.directory)
            .map_err(|e| AppError::bad(Refusal::Invalid, at(&e.field), e.message))?;
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
    /// Each item's measure for the calibration (`measures.rs`).
    measures: Vec<u8>,
    /// The presence flags the visit itself shows, and its office's branch.
    presence: (Vec<PresenceFlag>, Option<String>),
}

impl Derived {
    /// `payload` is the visit's JSON as the device sent it: hashed as it is, so a resend of
    /// the same outbox entry is recognised byte for byte.
    pub fn of(
        visit: &Visit,
        payload: &str,
        template: &Template,
        directory: &Directory,
    ) -> Result<Derived, AppError> {
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
                .map_err(|e| AppError::internal("scores json", e))?,
            measures: crate::measures::of_visit(template, visit),
            presence: crate::presence::judge(visit, template, directory),
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
        .map(|(v, text)| {
            Derived::of(
                v,
                text.get(),
                reference.template_of(v)?,
                &reference.directory,
            )
        })
        .collect()
}

/// Stores one visit inside `tx` (the caller commits). Returns what the device is told.
/// `payload` is the visit's JSON as the device sent it, stored as it is.
pub fn store(
    tx: &Transaction,
    visit: &Visit,
    payload: &str,
    (template, directory): (&Template, &Directory),
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<PushResult, AppError> {
    let derived = Derived::of(visit, payload, template, directory)?;
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
    // A calibration case's answer is kept apart, out of the rating and the review queue.
    if let Some(case) = visit.case_id {
        let (digest, device) = (&derived.digest, device_id);
        return crate::cases::store_answer(tx, visit, case, payload, digest, device, now);
    }
    let id = visit.id.to_string();
    let digest = &derived.digest;
    let result = |status, missing| PushResult {
        visit_id: visit.id,
        revision: visit.revision,
        status,
        reason: None,
        code: None,
        missing_photos: missing,
    };
    let rejected = |code, reason: String| PushResult {
        reason: Some(reason),
        code: Some(code),
        ..result(PushStatus::Rejected, vec![])
    };
    let earlier: Vec<(String, u32, String)> = tx
        .prepare_cached("SELECT auditor, revision, payload_sha256 FROM visits WHERE id = ?1")?
        .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    if earlier
        .iter()
        .any(|(auditor, _, _)| *auditor != visit.auditor)
    {
        return Ok(rejected(
            Refusal::NotYourVisit,
            "this visit id belongs to another auditor".into(),
        ));
    }
    match earlier
        .iter()
        .find(|(_, revision, _)| *revision == visit.revision)
    {
        Some((_, _, d)) if d == digest => {
            return Ok(result(PushStatus::Duplicate, missing_photos(tx, visit)?));
        }
        Some(_) => {
            return Ok(rejected(
                Refusal::RevisionConflict,
                format!(
                    "revision {} of this visit was already received with other content",
                    visit.revision
                ),
            ));
        }
        None => {}
    }
    // A correction (revision N > 1) answers a return of revision N-1, and nothing else.
    let current: Option<(u32, Text<ReviewState>)> = tx
        .prepare_cached("SELECT revision, state FROM reviews WHERE visit_id = ?1")?
        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let current = current.map(|(revision, Text(state))| (revision, state));
    if visit.revision > 1 {
        let answers_return =
            matches!(current, Some((rev, ReviewState::Returned)) if rev + 1 == visit.revision);
        if !answers_return {
            let now_state = current.map_or("unknown".to_owned(), |(rev, state)| {
                format!("revision {rev} is {}", state.as_str())
            });
            return Ok(rejected(
                Refusal::RevisionNotAsked,
                format!("revision {} was not asked for: {now_state}", visit.revision),
            ));
        }
    }
    let (flags, office_branch) = &derived.presence;
    let presence = crate::presence::record(tx, visit, flags, office_branch.as_deref())?;
    tx.prepare_cached(
        "INSERT INTO visits (id, revision, auditor, office_id, template_id, template_version, started_at, finished_at,
                             payload, payload_sha256, device_id, received_at, score, section_scores, time_flags,
                             presence_flags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
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
        serde_json::to_string(&visit.time_flags(now)).map_err(|e| AppError::internal("flags json", e))?,
        presence,
    ])?;
    crate::measures::store(tx, &id, visit, &derived.measures)?;
    let mut photo = tx.prepare_cached(
        "INSERT OR IGNORE INTO visit_photos (visit_id, revision, item_id, sha256, taken_at, latitude, longitude)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (item, a) in &visit.answers {
        for p in &a.photos {
            photo.execute(params![
                id,
                visit.revision,
                item,
                p.sha256,
                p.taken_at.map(|t| t.format(EXIF_TIME).to_string()),
                p.position.map(|g| g.lat),
                p.position.map(|g| g.lon),
            ])?;
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
    .execute(params![id, visit.revision, current.map(|c| c.1.as_str()), visit.auditor, ts(now)])?;
    // No change row: the device that pushed knows its visit is submitted. Devices hear of
    // a visit again when a supervisor decides on it.
    Ok(result(PushStatus::Accepted, missing_photos(tx, visit)?))
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
    // Missing until this auditor uploads it, even if another auditor sent the same bytes:
    // the answer must not tell whether a photo exists on the server.
    let mut stmt =
        conn.prepare_cached("SELECT 1 FROM photo_uploads WHERE sha256 = ?1 AND auditor = ?2")?;
    let mut missing = Vec::new();
    for p in visit.answers.values().flat_map(|a| a.photos.iter()) {
        if !stmt.exists(params![&p.sha256, &visit.auditor])? && !missing.contains(&p.sha256) {
            missing.push(p.sha256.clone());
        }
    }
    Ok(missing)
}

/// Other CPU work on requests (parsing, validating, scoring pushes) running at once: one
/// per core. Two hundred pushes at once would otherwise be two hundred threads sharing the
/// cores, and each would finish last.
static CPU_WORK: LazyLock<tokio::sync::Semaphore> = LazyLock::new(per_core);

/// Runs `f` on a blocking thread once a core is free for it (see [`CPU_WORK`]).
async fn cpu_work<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, AppError> + Send + 'static,
) -> Result<R, AppError> {
    let _turn = CPU_WORK
        .acquire()
        .await
        .map_err(|e| AppError::internal("cpu turn", e))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal("cpu task", e))?
}

/// A push as it arrives: each visit kept as the device's own JSON text, which is what the
/// server stores and hashes; a resend of the same outbox entry is byte for byte the same.
#[derive(Deserialize)]
pub struct RawPush {
    visits: Vec<Box<serde_json::value::RawValue>>,
}

/// Reads each visit, naming the field at fault as `visits[n].field`.
fn parse_visits(raw: &RawPush) -> Result<Vec<Visit>, AppError> {
    raw.visits
        .iter()
        .enumerate()
        .map(|(n, text)| {
            // The plain parser is a good deal faster; the one that tracks the path runs
            // again only to say where a visit that did not parse went wrong.
            if let Ok(visit) = serde_json::from_str(text.get()) {
                return Ok(visit);
            }
            let de = &mut serde_json::Deserializer::from_str(text.get());
            serde_path_to_error::deserialize(de).map_err(|e| {
                let path = e.path().to_string();
                let field = if path == "." {
                    format!("visits[{n}]")
                } else {
                    format!("visits[{n}].{path}")
                };
                AppError::BadRequest(Refused {
                    code: Refusal::Invalid,
                    message: format!("{field}: {}", e.inner()),
                    field: Some(field),
                })
            })
        })
        .collect()
}

/// Stores a push by `login` from `device_id` and answers for each visit. Parsing and
/// checking are CPU work on the request alone: they run beside other requests, not under
/// the database lock. Each push's visits are whole or absent, and the device hears
/// "accepted" only after the commit that holds them.
pub async fn push(
    db: &Db,
    queue: &std::sync::Arc<PushQueue>,
    references: &std::sync::Arc<ReferenceCache>,
    login: String,
    device_id: String,
    raw: RawPush,
    visits_per_day: u64,
) -> Result<Vec<PushResult>, AppError> {
    if raw.visits.len() > MAX_PUSH_BATCH {
        return Err(AppError::bad(
            Refusal::TooLarge,
            "visits",
            format!("at most {MAX_PUSH_BATCH} visits per push"),
        ));
    }
    let (raw, visits) = cpu_work(move || parse_visits(&raw).map(|v| (raw, v))).await?;
    let cache = references.clone();
    let auditor = login.clone();
    let (reference, visits) = db
        .read(move |conn| {
            crate::quota::visits_within(conn, &auditor, &visits, visits_per_day, Utc::now())?;
            Ok((cache.reference(conn, &visits)?, visits))
        })
        .await?;
    let (visits, raw, derived) = cpu_work(move || {
        prepare(&reference, &login, &visits, &raw.visits).map(|d| (visits, raw, d))
    })
    .await?;
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    queue.enqueue(PushJob {
        visits,
        payloads: raw.visits,
        derived,
        device_id,
        received_at: Utc::now(),
        reply,
    });
    // The commit that holds this push may be another push's, which took this one along
    // (see `PushQueue`): then this one leaves the line for the connection at once, rather
    // than take a turn only to find nothing left to do.
    let queue = queue.clone();
    let store = db.call(move |conn| {
        queue.store_waiting(conn);
        Ok(())
    });
    tokio::pin!(store);
    let outcome = tokio::select! {
        biased;
        outcome = &mut answer => outcome,
        stored = &mut store => {
            stored?;
            answer.await
        }
    };
    outcome.map_err(|_| AppError::Internal("the push was dropped before it was stored".into()))?
}
