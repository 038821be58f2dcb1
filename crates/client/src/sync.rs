//! The sync engine: push the outbox, upload photos the server lacks, pull what changed.
//!
//! Deciding is kept apart from doing: [`push_outcomes`] and [`backoff`] are pure and tested
//! without a network; [`sync_once`] only moves data between the [`Api`] and the store. The
//! store is reached through [`StoreAccess`] and never held across an await, so the same
//! engine runs in the desktop app, in the browser and in tests.

use std::time::Duration;

use futures_util::{FutureExt, StreamExt};

use chrono::{DateTime, Utc};
use uuid::Uuid;
use zakupka_core::wire::{MAX_PUSH_BATCH, MAX_READ_BATCH, PushResponse, PushStatus};

use crate::api::{Api, SyncError};
use crate::{OutboxEntry, PushOutcome, Store, StoreError};

/// How the engine reaches the store: briefly, never across an await. `write` is where the
/// app makes a write durable (the web build copies the database to IndexedDB).
pub trait StoreAccess {
    fn read<R>(&self, f: impl FnOnce(&Store) -> Result<R, StoreError>) -> Result<R, StoreError>;
    fn write<R>(&self, f: impl FnOnce(&Store) -> Result<R, StoreError>) -> Result<R, StoreError>;

    /// The bytes of photo `sha256` to upload, one photo at a time: by default from its row;
    /// the browser reads the Blob it keeps instead. `None`: not on the device.
    fn photo_bytes(
        &self,
        sha256: &str,
    ) -> impl std::future::Future<Output = Result<Option<Vec<u8>>, StoreError>> {
        let found = self.read(|s| s.photo(sha256));
        async move { Ok(found?.map(|(_, bytes)| bytes)) }
    }
}

/// For tools, tests and benchmarks: a store behind a mutex, nothing to persist after writes.
impl StoreAccess for std::sync::Mutex<Store> {
    fn read<R>(&self, f: impl FnOnce(&Store) -> Result<R, StoreError>) -> Result<R, StoreError> {
        let store = self.lock().map_err(|_| StoreError::Corrupt {
            what: "store lock".into(),
            detail: "poisoned".into(),
        })?;
        f(&store)
    }

    fn write<R>(&self, f: impl FnOnce(&Store) -> Result<R, StoreError>) -> Result<R, StoreError> {
        self.read(f)
    }
}

/// Push requests on the wire at once: with three, one is being stored while the next two
/// are read and checked, so the server's writer rarely waits for a request (two left it
/// idle between pushes; about 7% slower in the sync bench).
const IN_FLIGHT: usize = 3;

/// The next batch to push: the entries to send again first, else the next waiting ones of
/// `queue` (read now, with their payloads); `None` once nothing is left.
fn next_batch(
    store: &impl StoreAccess,
    queue: &mut std::collections::VecDeque<(Uuid, u32)>,
    again: &mut Vec<OutboxEntry>,
) -> Result<Option<Vec<OutboxEntry>>, StoreError> {
    if !again.is_empty() {
        return Ok(Some(std::mem::take(again)));
    }
    while !queue.is_empty() {
        let keys: Vec<(Uuid, u32)> = queue.drain(..queue.len().min(MAX_PUSH_BATCH)).collect();
        let batch = store.read(|s| s.outbox_entries(&keys))?;
        if !batch.is_empty() {
            return Ok(Some(batch));
        }
    }
    Ok(None)
}

/// Pushes one batch of outbox entries; answers with the batch, for its outcomes. On native
/// builds the request is started here, as a task of its own, so that it goes on while the
/// engine's thread is busy with the store (the browser's fetch runs by itself anyway).
fn push_batch(
    api: &Api,
    batch: Vec<OutboxEntry>,
) -> futures_util::future::LocalBoxFuture<'_, (Vec<OutboxEntry>, Result<PushResponse, SyncError>)> {
    let body = Api::push_body(batch.iter().map(|e| e.payload.as_str()));
    #[cfg(not(target_arch = "wasm32"))]
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let task = runtime.spawn({
            let api = api.clone();
            async move { api.push_body_raw(body).await }
        });
        return async move {
            let answer = task
                .await
                .unwrap_or_else(|e| Err(SyncError::Offline(format!("push task: {e}"))));
            (batch, answer)
        }
        .boxed_local();
    }
    async move {
        let answer = api.push_body_raw(body).await;
        (batch, answer)
    }
    .boxed_local()
}

/// Decides each entry's fate from the server's answer to pushing `batch`. A refusal keeps
/// the server's code (from its result, or from the error body of a 400 naming `visits[i]`,
/// which refuses entry `i` alone); other failures leave the whole batch for later.
pub fn push_outcomes(
    batch: &[OutboxEntry],
    answer: &Result<PushResponse, SyncError>,
) -> Vec<PushOutcome> {
    match answer {
        Ok(response) => batch
            .iter()
            .map(|entry| {
                let result = response
                    .results
                    .iter()
                    .find(|r| r.visit_id == entry.visit_id && r.revision == entry.revision);
                match result {
                    Some(r) if matches!(r.status, PushStatus::Accepted | PushStatus::Duplicate) => {
                        PushOutcome::Stored
                    }
                    Some(r) => PushOutcome::Refused {
                        code: r.code.unwrap_or_default(),
                        reason: r
                            .reason
                            .clone()
                            .unwrap_or_else(|| "refused by the server".into()),
                    },
                    None => PushOutcome::Retry("the server did not answer for this visit".into()),
                }
            })
            .collect(),
        Err(SyncError::Server {
            status: 400,
            code,
            message,
            field: Some(field),
        }) => {
            let index = field
                .strip_prefix("visits[")
                .and_then(|f| f.split(']').next())
                .and_then(|n| n.parse::<usize>().ok());
            let refused = || PushOutcome::Refused {
                code: *code,
                reason: format!("{field}: {message}"),
            };
            batch
                .iter()
                .enumerate()
                .map(|(n, _)| match index {
                    Some(i) if i == n => refused(),
                    Some(_) => PushOutcome::Retry("sent again without the refused visit".into()),
                    None => refused(),
                })
                .collect()
        }
        Err(e) => batch
            .iter()
            .map(|_| PushOutcome::Retry(e.to_string()))
            .collect(),
    }
}

/// Delay before retry number `attempt` (0-based): exponential from 2 s, capped at 5 min,
/// with full jitter from `unit` (uniform in [0, 1)) so devices do not retry in step.
pub fn backoff(attempt: u32, unit: f64) -> Duration {
    let cap = (2u64 << attempt.min(16)).min(300);
    Duration::from_millis((cap as f64 * 1000.0 * unit.clamp(0.0, 1.0)).max(500.0) as u64)
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    pub pushed: usize,
    pub refused: usize,
    pub photos: usize,
    pub updates: usize,
    /// Photos that could not be uploaded this time; the visits themselves are on the server.
    pub photo_errors: Vec<String>,
}

/// One round: push every waiting visit (data first), upload the photos the server lacks,
/// then pull. Safe to interrupt anywhere and to repeat: the server deduplicates by (visit
/// id, revision) and the cursor moves only after a pull is applied.
pub async fn sync_once(
    store: &impl StoreAccess,
    api: &Api,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let mut photos: Vec<String> = Vec::new();
    let mut held: Vec<(Uuid, Vec<String>)> = Vec::new();
    // What to send, in order; each batch's payloads are read just before it goes, so the
    // first push is on the wire before the rest of the outbox has been read.
    let mut queue = std::collections::VecDeque::from(store.read(|s| s.outbox_queue())?);
    // Entries of a batch refused for one visit of it: sent again first.
    let mut again: Vec<OutboxEntry> = Vec::new();
    // Pushes on the wire: as one is answered the next goes, so the server checks one while
    // it stores another and never waits for the device to write down outcomes.
    let mut in_flight = futures_util::stream::FuturesUnordered::new();
    let mut stop = None;
    while in_flight.len() < IN_FLIGHT
        && let Some(batch) = next_batch(store, &mut queue, &mut again)?
    {
        in_flight.push(push_batch(api, batch));
    }
    while let Some(first) = in_flight.next().await {
        // Whatever else has been answered meanwhile is written down in the same commit.
        let mut answered = vec![first];
        while let Some(Some(more)) = in_flight.next().now_or_never() {
            answered.push(more);
        }
        let mut outcomes_now: Vec<(Uuid, u32, PushOutcome)> = Vec::new();
        for (batch, answer) in answered {
            let outcomes = push_outcomes(&batch, &answer);
            if let Ok(response) = &answer {
                photos.extend(
                    response
                        .results
                        .iter()
                        .flat_map(|r| r.missing_photos.iter().cloned()),
                );
                // What the server did not ask for, it holds: those photos may later leave
                // the device (retention).
                held.extend(
                    response
                        .results
                        .iter()
                        .filter(|r| {
                            matches!(r.status, PushStatus::Accepted | PushStatus::Duplicate)
                        })
                        .map(|r| (r.visit_id, r.missing_photos.clone())),
                );
            }
            outcomes_now.extend(
                batch
                    .iter()
                    .zip(outcomes.iter())
                    .map(|(e, o)| (e.visit_id, e.revision, o.clone())),
            );
            report.pushed += outcomes
                .iter()
                .filter(|o| **o == PushOutcome::Stored)
                .count();
            report.refused += outcomes
                .iter()
                .filter(|o| matches!(o, PushOutcome::Refused { .. }))
                .count();
            match answer {
                Ok(_) => {}
                // One visit refused by name: the others of its batch go again, at once.
                Err(SyncError::Server {
                    status: 400,
                    field: Some(_),
                    ..
                }) => again.extend(
                    batch
                        .into_iter()
                        .zip(outcomes)
                        .filter(|(_, o)| matches!(o, PushOutcome::Retry(_)))
                        .map(|(e, _)| e),
                ),
                Err(e) => {
                    stop.get_or_insert(e);
                }
            }
        }
        // The next pushes go before the device's commit, which they then overlap. Safe: an
        // outcome not yet written when the app dies only means the visit goes again and
        // is answered "duplicate".
        while stop.is_none()
            && in_flight.len() < IN_FLIGHT
            && let Some(batch) = next_batch(store, &mut queue, &mut again)?
        {
            in_flight.push(push_batch(api, batch));
        }
        store.write(|s| {
            s.record_push(&outcomes_now, now())?;
            for (visit, missing) in held.drain(..) {
                s.photos_acknowledged(visit, &missing, now())?;
            }
            Ok(())
        })?;
    }
    if let Some(e) = stop {
        return Err(e);
    }
    photos.dedup();
    for sha in photos {
        let Some(bytes) = store.photo_bytes(&sha).await? else {
            continue;
        };
        match api.put_photo(&sha, bytes).await {
            Ok(()) => {
                report.photos += 1;
                store.write(|s| s.photo_uploaded(&sha, now()))?;
            }
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => report.photo_errors.push(format!("{sha}: {e}")),
        }
    }
    // Notifications read on the device, before the pull, which then brings them read.
    let reads = store.read(|s| s.unsent_reads())?;
    for ids in reads.chunks(MAX_READ_BATCH) {
        api.read_notifications(ids).await?;
        store.write(|s| s.reads_sent(ids))?;
    }
    loop {
        let cursor = store.read(|s| s.sync_cursor())?;
        let pull = api.pull(cursor).await?;
        report.updates += pull.visits.len();
        store.write(|s| s.apply_pull(&pull, now()))?;
        // The last page also records the sync's time, in the same commit.
        if !pull.more {
            break;
        }
    }
    Ok(report)
}

/// Brings the auditor's assignments onto the device, replacing what it had: after this the
/// phone shows them with no network.
pub async fn sync_assignments(store: &impl StoreAccess, api: &Api) -> Result<usize, SyncError> {
    let list = api.assignments(None).await?;
    store.write(|s| s.replace_assignments(&list))?;
    Ok(list.len())
}

/// Brings the published calibration cases onto the device, replacing what it had, so the
/// auditor can answer one with no network.
pub async fn sync_cases(store: &impl StoreAccess, api: &Api) -> Result<usize, SyncError> {
    let list = api.cases().await?;
    store.write(|s| s.replace_cases(&list))?;
    Ok(list.len())
}

/// Waits without blocking the UI thread, on desktop and in the browser.
pub async fn sleep(duration: Duration) {
    #[cfg(not(target_arch = "wasm32"))]
    tokio::time::sleep(duration).await;
    #[cfg(target_arch = "wasm32")]
    gloo_timers::future::sleep(duration).await;
}
