//! The API handlers. Each checks who is asking, then does its work in one database call.

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zakupka_core::wire::{
    Assignment, AssignmentRequest, AssignmentResponse, Auditor, LogEntry, LoginRequest,
    LoginResponse, MAX_PUSH_BATCH, PullResponse, PushResponse, ReviewRequest, ReviewState, Role,
    ServerVisit, VisitDetail, VisitUpdate,
};
use zakupka_core::wire::{ChangeKind, ExportFormat, MAX_PHOTO_BYTES, is_photo_address};
use zakupka_core::{Template, Visit, photo_type};

use crate::auth::{self, AuthUser};
use crate::error::{AppError, Path};
use crate::{AppState, MAX_JSON_BYTES, MAX_LOGIN_BYTES, assignments, ingest};

/// How many changes one pull returns at most.
const PULL_PAGE: i64 = 500;
/// Password checks running at once: one per core.
static PASSWORD_CHECKS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(per_core);
/// Other CPU work on requests (parsing, validating, scoring pushes) running at once.
static CPU_WORK: LazyLock<tokio::sync::Semaphore> = LazyLock::new(per_core);

fn per_core() -> tokio::sync::Semaphore {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// Runs `f` on a blocking thread once a core is free for it: two hundred pushes at once
/// would otherwise be two hundred threads sharing the cores, and each would finish last.
async fn cpu_work<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, AppError> + Send + 'static,
) -> Result<R, AppError> {
    let _turn = CPU_WORK
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("cpu turn: {e}")))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(format!("cpu task: {e}")))?
}

pub fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/login",
            post(login).layer(axum::extract::DefaultBodyLimit::max(MAX_LOGIN_BYTES)),
        )
        .route("/logout", post(logout))
        .route("/pull", get(pull))
        .route(
            "/push",
            post(push).layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BYTES)),
        )
        .route("/photos/{sha256}", put(put_photo).get(get_photo))
        .route("/visits", get(list_visits))
        .route("/visits/{id}", get(visit_detail))
        .route(
            "/visits/{id}/review",
            post(review).layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BYTES)),
        )
        .route("/visits/{id}/log", get(visit_log))
        .route("/visits/{id}/revisions", get(visit_revisions))
        .route("/rating", get(get_rating))
        .route("/rating/quarters", get(rating_quarters))
        .route("/rating/history", get(rating_history))
        .route("/rating/export", get(rating_export))
        .route("/rating/{quarter}/publish", post(publish_rating))
        .route("/auditors", get(list_auditors))
        .route(
            "/assignments",
            // An assignment is a few short fields and a note.
            get(list_assignments)
                .post(create_assignment)
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024)),
        )
        .route(
            "/assignments/{id}",
            axum::routing::delete(cancel_assignment),
        )
}

pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
}

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

async fn login(
    State(state): State<AppState>,
    body: Body<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let Json(req) = body?;
    let login = req.login.trim().to_owned();
    let l = login.clone();
    let hash = state
        .db
        .call(move |conn| auth::check_lock(conn, &l, Utc::now()))
        .await?;
    let password = req.password;
    // Argon2 takes tens of milliseconds and 19 MiB per check: more checks at once than
    // cores only share the cores and multiply the memory (200 logins at once would hold
    // almost 4 GB), so the rest wait their turn here.
    let _turn = PASSWORD_CHECKS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    let ok = tokio::task::spawn_blocking(move || auth::verify(&password, hash.as_deref()))
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    let l = login.clone();
    let issued = state
        .db
        .call(move |conn| auth::record(conn, &l, ok, req.device_id, Utc::now()))
        .await?;
    Ok(Json(LoginResponse {
        token: issued.token,
        expires_at: issued.expires_at,
        login,
        role: issued.role,
    }))
}

async fn logout(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, AppError> {
    let now = Utc::now();
    state
        .db
        .call(move |conn| auth::revoke(conn, &user.token, now))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Cursor {
    #[serde(default)]
    cursor: u64,
}

async fn pull(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<Query<Cursor>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PullResponse>, AppError> {
    let Query(Cursor { cursor }) = query?;
    let cursor = i64::try_from(cursor).map_err(|_| AppError::bad("cursor", "too large"))?;
    let response = state
        .db
        .read(move |conn| {
            let tx = conn.transaction()?;
            let rows: Vec<(i64, String, String)> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT seq, kind, ref FROM changes WHERE seq > ?1 AND (auditor IS NULL OR auditor = ?2)
                     ORDER BY seq LIMIT ?3",
                )?;
                stmt.query_map(params![cursor, user.login, PULL_PAGE], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()?
            };
            let more = rows.len() as i64 == PULL_PAGE;
            // A full page ends at its last row; otherwise everything this device may see
            // up to the newest change has been returned.
            let next = if more {
                rows.last().map_or(cursor, |r| r.0)
            } else {
                tx.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get::<_, i64>(0))?.max(cursor)
            };
            let directory = if rows.iter().any(|r| r.1 == ChangeKind::Directory.as_str()) { Some(ingest::directory(&tx)?) } else { None };
            let mut templates: Vec<Template> = Vec::new();
            let mut visits: Vec<VisitUpdate> = Vec::new();
            for (_, kind, key) in &rows {
                match ChangeKind::parse(kind) {
                    Some(ChangeKind::Template) => {
                        let (id, version) = key.rsplit_once(':').unwrap_or((key, "0"));
                        let version: u32 = version.parse().unwrap_or(0);
                        if !templates.iter().any(|t| t.id == id && t.version == version) {
                            templates.extend(ingest::template(&tx, id, version)?);
                        }
                    }
                    Some(ChangeKind::Visit) if !visits.iter().any(|v| v.visit_id.to_string() == *key) => {
                        visits.extend(visit_update(&tx, key)?);
                    }
                    _ => {}
                }
            }
            Ok(PullResponse { next_cursor: next as u64, more, directory, templates, visits })
        })
        .await?;
    Ok(Json(response))
}

fn visit_update(conn: &rusqlite::Connection, id: &str) -> Result<Option<VisitUpdate>, AppError> {
    let row: Option<(u32, String, String, String)> = conn
        .query_row(
            "SELECT revision, state, comment, item_comments FROM reviews WHERE visit_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((revision, state, comment, items)) = row else {
        return Ok(None);
    };
    Ok(Some(VisitUpdate {
        visit_id: Uuid::parse_str(id)
            .map_err(|e| AppError::Internal(format!("visit id {id}: {e}")))?,
        revision,
        state: ReviewState::parse(&state)
            .ok_or_else(|| AppError::Internal(format!("review state {state}")))?,
        comment,
        item_comments: serde_json::from_str(&items)
            .map_err(|e| AppError::Internal(format!("item comments: {e}")))?,
    }))
}

/// A push as it arrives: each visit kept as the device's own JSON text, which is what the
/// server stores and hashes; a resend of the same outbox entry is byte for byte the same.
#[derive(Deserialize)]
struct RawPush {
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
                AppError::BadRequest {
                    message: format!("{field}: {}", e.inner()),
                    field: Some(field),
                }
            })
        })
        .collect()
}

async fn push(
    State(state): State<AppState>,
    user: AuthUser,
    body: Body<RawPush>,
) -> Result<Json<PushResponse>, AppError> {
    let Json(raw) = body?;
    if user.role != Role::Auditor {
        return Err(AppError::Forbidden("only auditors push visits".into()));
    }
    if raw.visits.len() > MAX_PUSH_BATCH {
        return Err(AppError::bad(
            "visits",
            format!("at most {MAX_PUSH_BATCH} visits per push"),
        ));
    }
    // Parsing and checking are CPU work on the request alone: they run beside other
    // requests, not under the database lock.
    let login = user.login.clone();
    let db = state.db.clone();
    let (raw, visits) = cpu_work(move || parse_visits(&raw).map(|v| (raw, v))).await?;
    let pushes = state.pushes.clone();
    let (reference, visits) = db
        .read(move |conn| {
            let reference = pushes.references.reference(conn, &visits)?;
            Ok((reference, visits))
        })
        .await?;
    let (visits, raw, derived) = cpu_work(move || {
        ingest::prepare(&reference, &login, &visits, &raw.visits).map(|d| (visits, raw, d))
    })
    .await?;
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    state.pushes.enqueue(ingest::PushJob {
        visits,
        payloads: raw.visits,
        derived,
        device_id: user.device_id,
        received_at: Utc::now(),
        reply,
    });
    // Each push's visits are whole or absent, and the device hears "accepted" only after
    // the commit that holds them. That commit may be another push's, which took this one
    // along (see `PushQueue`): then this one leaves the line for the connection at once,
    // rather than take a turn only to find nothing left to do.
    let queue = state.pushes.clone();
    let store = state.db.call(move |conn| {
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
    let results = outcome
        .map_err(|_| AppError::Internal("the push was dropped before it was stored".into()))??;
    Ok(Json(PushResponse { results }))
}

/// A photo's address is the SHA-256 of its bytes and nothing else, so no path can be
/// smuggled through it.
fn photo_address(sha256: &str) -> Result<(), AppError> {
    if is_photo_address(sha256) {
        Ok(())
    } else {
        Err(AppError::bad("sha256", "must be 64 lowercase hex digits"))
    }
}

/// A photo of a visit, for supervisors reviewing it and for the auditor who took it.
async fn get_photo(
    State(state): State<AppState>,
    user: AuthUser,
    Path(sha256): Path<String>,
) -> Result<axum::response::Response, AppError> {
    photo_address(&sha256)?;
    let photo: Option<(String, Vec<u8>)> = state
        .db
        .read(move |conn| {
            // Someone else's photo is "not found", like someone else's visit.
            let visible: bool = conn
                .prepare_cached(
                    "SELECT 1 FROM visit_photos p JOIN visits v ON v.id = p.visit_id AND v.revision = p.revision
                     WHERE p.sha256 = ?1 AND (?2 OR v.auditor = ?3) LIMIT 1",
                )?
                .exists(params![sha256, user.role.reads_all_visits(), user.login])?;
            if !visible {
                return Ok(None);
            }
            Ok(conn
                .query_row("SELECT mime, bytes FROM photos WHERE sha256 = ?1", [&sha256], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?)
        })
        .await?;
    let (mime, bytes) =
        photo.ok_or_else(|| AppError::NotFound("no such photo of a visit you may see".into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            // Addressed by its content: the same address never changes.
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn put_photo(
    State(state): State<AppState>,
    user: AuthUser,
    Path(sha256): Path<String>,
    // Not a bare `Bytes`: its rejection (over the body limit) would answer in plain text.
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<StatusCode, AppError> {
    photo_address(&sha256)?;
    let body = body?;
    if body.len() > MAX_PHOTO_BYTES {
        return Err(AppError::TooLarge(format!(
            "a photo may be at most {MAX_PHOTO_BYTES} bytes"
        )));
    }
    if format!("{:x}", Sha256::digest(&body)) != sha256 {
        return Err(AppError::bad(
            "body",
            "the bytes do not match the SHA-256 in the address",
        ));
    }
    let mime =
        photo_type(&body).ok_or_else(|| AppError::bad("body", "not a JPEG, PNG or WebP image"))?;
    let now = Utc::now();
    state
        .db
        .call(move |conn| {
            let referenced: bool = conn
                .prepare_cached(
                    "SELECT 1 FROM visit_photos p JOIN visits v ON v.id = p.visit_id AND v.revision = p.revision
                     WHERE p.sha256 = ?1 AND v.auditor = ?2 LIMIT 1",
                )?
                .exists(params![sha256, user.login])?;
            if !referenced {
                return Err(AppError::NotFound("no visit of yours has this photo: push the visit first".into()));
            }
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO photos (sha256, mime, size, bytes, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sha256, mime, body.len() as i64, body.as_ref(), now.to_rfc3339()],
            )?;
            Ok(if inserted == 1 { StatusCode::CREATED } else { StatusCode::OK })
        })
        .await
}

#[derive(Deserialize)]
struct VisitFilter {
    auditor: Option<String>,
    /// Visits made (started) in this quarter.
    quarter: Option<String>,
    branch: Option<String>,
    office: Option<String>,
    state: Option<String>,
}

async fn list_visits(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<Query<VisitFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ServerVisit>>, AppError> {
    let Query(filter) = query?;
    // Auditors see their own visits whatever they ask for.
    let auditor = if user.role.reads_all_visits() {
        filter.auditor.filter(|a| !a.is_empty())
    } else {
        Some(user.login.clone())
    };
    let nonempty = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let bounds = nonempty(filter.quarter)
        .map(|q| q.parse::<zakupka_core::rating::Quarter>())
        .transpose()
        .map_err(|e| AppError::bad("quarter", e))?
        .map(ingest::quarter_span);
    let review_state = nonempty(filter.state)
        .map(|s| {
            ReviewState::parse(&s).map(|_| s.clone()).ok_or_else(|| {
                AppError::bad(
                    "state",
                    format!("no review state `{s}`: use submitted, returned, approved or rejected"),
                )
            })
        })
        .transpose()?;
    let office = nonempty(filter.office);
    let branch = nonempty(filter.branch);
    let pushes = state.pushes.clone();
    let list = state
        .db
        .read(move |conn| {
            // A branch is the set of its offices, as the directory has them now.
            let branch_offices = match &branch {
                Some(b) => {
                    let directory = pushes.references.directory(conn)?;
                    if directory.branch(b).is_none() {
                        return Err(AppError::bad(
                            "branch",
                            format!("no branch `{b}` in the directory"),
                        ));
                    }
                    let ids: Vec<&str> = directory
                        .offices
                        .iter()
                        .filter(|o| o.branch_id == *b)
                        .map(|o| o.id.as_str())
                        .collect();
                    Some(
                        serde_json::to_string(&ids)
                            .map_err(|e| AppError::Internal(e.to_string()))?,
                    )
                }
                None => None,
            };
            let (from, to) = bounds.unzip();
            let mut stmt = conn.prepare_cached(
                "SELECT v.id, v.revision, v.auditor, v.office_id, r.state, v.received_at, v.time_flags
                 FROM visits v JOIN reviews r ON r.visit_id = v.id AND r.revision = v.revision
                 WHERE (?1 IS NULL OR v.auditor = ?1)
                   AND (?2 IS NULL OR v.started_at >= ?2) AND (?3 IS NULL OR v.started_at < ?3)
                   AND (?4 IS NULL OR v.office_id = ?4)
                   AND (?5 IS NULL OR v.office_id IN (SELECT value FROM json_each(?5)))
                   AND (?6 IS NULL OR r.state = ?6)
                 ORDER BY v.received_at DESC, v.id LIMIT 5000",
            )?;
            let rows = stmt.query_map(
                params![auditor, from, to, office, branch_offices, review_state],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (id, revision, auditor, office_id, state, received, flags) = row?;
                out.push(ServerVisit {
                    visit_id: Uuid::parse_str(&id)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    revision,
                    auditor,
                    office_id,
                    state: ReviewState::parse(&state)
                        .ok_or_else(|| AppError::Internal(state.clone()))?,
                    received_at: chrono::DateTime::parse_from_rfc3339(&received)
                        .map_err(|e| AppError::Internal(e.to_string()))?
                        .with_timezone(&Utc),
                    time_flags: serde_json::from_str(&flags)
                        .map_err(|e| AppError::Internal(format!("time flags: {e}")))?,
                });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(list))
}

async fn visit_detail(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<VisitDetail>, AppError> {
    let id = Uuid::parse_str(&id)
        .map_err(|_| AppError::bad("id", "not a visit id"))?
        .to_string();
    let detail = state
        .db
        .call(move |conn| {
            let row: Option<(String, String, String)> = conn
                .query_row(
                    "SELECT auditor, payload, time_flags FROM visits WHERE id = ?1 ORDER BY revision DESC LIMIT 1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            // Someone else's visit is "not found": its existence is not the asker's business.
            let (_, payload, flags) = row
                .filter(|(auditor, _, _)| user.role.reads_all_visits() || *auditor == user.login)
                .ok_or_else(|| AppError::NotFound(format!("no visit {id}")))?;
            let visit: Visit = serde_json::from_str(&payload).map_err(|e| AppError::Internal(e.to_string()))?;
            let update = visit_update(conn, &id)?.ok_or_else(|| AppError::Internal(format!("no review row for {id}")))?;
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT p.sha256 FROM visit_photos p WHERE p.visit_id = ?1 AND p.revision = ?2
                 AND p.sha256 NOT IN (SELECT sha256 FROM photos) ORDER BY p.sha256",
            )?;
            let missing = stmt.query_map(params![id, visit.revision], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            let time_flags = serde_json::from_str(&flags).map_err(|e| AppError::Internal(format!("time flags: {e}")))?;
            Ok(VisitDetail { visit, state: update.state, missing_photos: missing, time_flags })
        })
        .await?;
    Ok(Json(detail))
}

fn visit_key(id: &str) -> Result<String, AppError> {
    Ok(Uuid::parse_str(id)
        .map_err(|_| AppError::bad("id", "not a visit id"))?
        .to_string())
}

async fn review(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    body: Body<ReviewRequest>,
) -> Result<Json<VisitUpdate>, AppError> {
    let Json(request) = body?;
    if !user.role.reads_all_visits() {
        return Err(AppError::Forbidden(
            "only supervisors and admins review visits".into(),
        ));
    }
    let id = visit_key(&id)?;
    let update = state
        .db
        .call(move |conn| ingest::decide(conn, &id, &request, &user.login, Utc::now()))
        .await?;
    Ok(Json(update))
}

async fn visit_log(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<LogEntry>>, AppError> {
    let id = visit_key(&id)?;
    let log = state
        .db
        .call(move |conn| {
            let owner: Option<String> = conn
                .query_row(
                    "SELECT auditor FROM visits WHERE id = ?1 LIMIT 1",
                    [&id],
                    |r| r.get(0),
                )
                .optional()?;
            match owner {
                Some(o) if user.role.reads_all_visits() || o == user.login => {
                    ingest::log(conn, &id)
                }
                _ => Err(AppError::NotFound(format!("no visit {id}"))),
            }
        })
        .await?;
    Ok(Json(log))
}

#[derive(Deserialize)]
struct QuarterQuery {
    quarter: String,
}

fn quarter(text: &str) -> Result<zakupka_core::rating::Quarter, AppError> {
    text.parse()
        .map_err(|e: String| AppError::bad("quarter", e))
}

/// Anyone signed in reads the rating: branch heads and the ministry as well as staff.
async fn get_rating(
    State(state): State<AppState>,
    _user: AuthUser,
    query: Result<Query<QuarterQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<crate::rating::Rating>, AppError> {
    let Query(q) = query?;
    let q = quarter(&q.quarter)?;
    let r = state
        .db
        .call(move |conn| {
            let m = crate::rating::latest_methodology(conn)?;
            crate::rating::rating(conn, q, &m)
        })
        .await?;
    Ok(Json(r))
}

async fn rating_quarters(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<Vec<crate::rating::QuarterInfo>>, AppError> {
    Ok(Json(
        state.db.call(|conn| crate::rating::quarters(conn)).await?,
    ))
}

async fn publish_rating(
    State(state): State<AppState>,
    user: AuthUser,
    Path(q): Path<String>,
) -> Result<Json<crate::rating::Rating>, AppError> {
    if !user.role.reads_all_visits() {
        return Err(AppError::Forbidden(
            "only supervisors and admins publish the rating".into(),
        ));
    }
    let q = quarter(&q)?;
    let r = state
        .db
        .call(move |conn| {
            let m = crate::rating::latest_methodology(conn)?;
            crate::rating::publish(conn, q, &m, &user.login, Utc::now())
        })
        .await?;
    Ok(Json(r))
}

async fn rating_history(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<zakupka_core::rating::History>, AppError> {
    Ok(Json(
        state.db.call(|conn| crate::rating::history(conn)).await?,
    ))
}

#[derive(Deserialize)]
struct ExportQuery {
    quarter: String,
    format: String,
}

/// The rating as a file to download: `format=csv` or `format=xlsx`.
async fn rating_export(
    State(state): State<AppState>,
    _user: AuthUser,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::response::Response, AppError> {
    let Query(q) = query?;
    let quarter = quarter(&q.quarter)?;
    let format =
        ExportFormat::parse(&q.format).ok_or_else(|| AppError::bad("format", "use csv or xlsx"))?;
    let (rating, directory) = state
        .db
        .call(move |conn| {
            let m = crate::rating::latest_methodology(conn)?;
            Ok((
                crate::rating::rating(conn, quarter, &m)?,
                ingest::directory(conn)?,
            ))
        })
        .await?;
    let name = format!("rating-{quarter}.{format}");
    let disposition = format!("attachment; filename=\"{name}\"");
    let body = match format {
        ExportFormat::Csv => crate::export::csv(&rating, &directory)?.into_bytes(),
        ExportFormat::Xlsx => crate::export::xlsx(&rating, &directory)?,
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.mime().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// Every revision of a visit, oldest first, as the auditor's device sent them.
async fn visit_revisions(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<Visit>>, AppError> {
    let id = visit_key(&id)?;
    let list = state
        .db
        .call(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT auditor, payload FROM visits WHERE id = ?1 ORDER BY revision",
            )?;
            let rows: Vec<(String, String)> = stmt
                .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            if rows.is_empty() || !(user.role.reads_all_visits() || rows[0].0 == user.login) {
                return Err(AppError::NotFound(format!("no visit {id}")));
            }
            rows.iter()
                .map(|(_, p)| {
                    serde_json::from_str(p)
                        .map_err(|e| AppError::Internal(format!("visit {id}: {e}")))
                })
                .collect()
        })
        .await?;
    Ok(Json(list))
}

fn supervisor(user: &AuthUser, what: &str) -> Result<(), AppError> {
    if user.role.reads_all_visits() {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "only supervisors and admins {what}"
        )))
    }
}

async fn list_auditors(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<Auditor>>, AppError> {
    supervisor(&user, "list auditors")?;
    let list = state.db.read(|conn| assignments::auditors(conn)).await?;
    Ok(Json(list))
}

#[derive(Deserialize)]
struct AssignmentFilter {
    auditor: Option<String>,
    quarter: Option<String>,
}

async fn list_assignments(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<Query<AssignmentFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Assignment>>, AppError> {
    let Query(q) = query?;
    let quarter = q
        .quarter
        .filter(|q| !q.trim().is_empty())
        .map(|q| q.parse())
        .transpose()
        .map_err(|e: String| AppError::bad("quarter", e))?;
    // Auditors see their own assignments whatever they ask for.
    let auditor = if user.role.reads_all_visits() {
        q.auditor.filter(|a| !a.is_empty())
    } else {
        Some(user.login.clone())
    };
    let filter = assignments::Filter { auditor, quarter };
    let list = state
        .db
        .read(move |conn| assignments::list(conn, &filter, Utc::now().date_naive()))
        .await?;
    Ok(Json(list))
}

async fn create_assignment(
    State(state): State<AppState>,
    user: AuthUser,
    body: Body<AssignmentRequest>,
) -> Result<(StatusCode, Json<AssignmentResponse>), AppError> {
    let Json(request) = body?;
    supervisor(&user, "assign visits")?;
    let pushes = state.pushes.clone();
    let (assignment, warnings) = state
        .db
        .call(move |conn| {
            let directory = pushes.references.directory(conn)?;
            assignments::create(conn, &request, &directory, &user.login, Utc::now())
        })
        .await?;
    let status = if assignment.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(AssignmentResponse {
            assignment,
            warnings,
        }),
    ))
}

async fn cancel_assignment(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    supervisor(&user, "cancel assignments")?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::bad("id", "not an assignment id"))?;
    state
        .db
        .call(move |conn| assignments::cancel(conn, id, Utc::now()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
