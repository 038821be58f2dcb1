//! Sync in the app: the account (server, login, token), and a background loop that runs
//! the engine after a submit, when the network comes back, on demand, and again with
//! backoff after a failure.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dioxus::prelude::*;
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::{FutureExt, StreamExt, select};
use uuid::Uuid;
use zakupka_client::actions::sync_actions;
use zakupka_client::api::{Api, SyncError};
use zakupka_client::sync::{StoreAccess, backoff, sleep, sync_assignments, sync_cases, sync_once};
use zakupka_client::{Store as LocalStore, StoreError};
use zakupka_core::wire::{ActionFilter, ActionState, LoginResponse, Role};

use crate::platform;

const SERVER_KEY: &str = "account.server";
const LOGIN_KEY: &str = "account.login";
const TOKEN_KEY: &str = "account.token";
const DEVICE_KEY: &str = "account.device";
const ROLE_KEY: &str = "account.role";
/// While visits wait to be sent and nothing failed, look again this often.
const IDLE_RETRY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq)]
pub enum SyncStatus {
    Idle,
    Running,
    Done(DateTime<Utc>),
    Failed(SyncFailure),
}

/// Why the last sync failed, in the terms the home screen explains.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncFailure {
    Offline,
    SignInAgain,
    UpdateApp,
    /// Worded when it happened, in both languages: the server's and the store's own
    /// messages are English and never shown.
    Other(crate::i18n::Words),
}

impl From<&SyncError> for SyncFailure {
    fn from(e: &SyncError) -> Self {
        match e {
            SyncError::Offline(_) => SyncFailure::Offline,
            SyncError::Unauthorized(_) => SyncFailure::SignInAgain,
            SyncError::Outdated(_) => SyncFailure::UpdateApp,
            other => SyncFailure::Other(crate::i18n::Words::new(|lang| {
                crate::i18n::explain_sync(lang, other)
            })),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub server: String,
    pub login: String,
    pub role: Role,
    token: String,
}

impl Account {
    /// The server's API with this account's token, for screens that read it directly.
    pub fn api(&self) -> Api {
        Api::new(&self.server, Some(self.token.clone()))
    }

    /// The server's address of photo `sha256`, and the token to ask it with, for the
    /// browser to fetch it into an object URL without passing it through wasm.
    #[cfg(target_arch = "wasm32")]
    pub fn photo_request(&self, sha256: &str) -> (String, &str) {
        let base = self.server.trim_end_matches('/');
        let prefix = zakupka_core::wire::API_PREFIX;
        (format!("{base}{prefix}/photos/{sha256}"), &self.token)
    }
}

/// The store as the engine reaches it from the app: writes are persisted like the UI's.
#[derive(Clone)]
pub struct AppStore {
    pub store: Rc<RefCell<LocalStore>>,
    pub on_write: Rc<dyn Fn()>,
}

impl StoreAccess for AppStore {
    fn read<R>(
        &self,
        f: impl FnOnce(&LocalStore) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        f(&self.store.borrow())
    }

    fn write<R>(
        &self,
        f: impl FnOnce(&LocalStore) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let r = f(&self.store.borrow())?;
        // Not awaited: sync's own writes can be redone (a resend is deduplicated, a pull
        // repeated), so they need not hold up the engine.
        let durable = platform::durable();
        dioxus::core::spawn_forever(async move {
            if let Err(e) = durable.await {
                tracing::warn!("sync write not persisted: {e}");
            }
        });
        (self.on_write)();
        Ok(r)
    }
    /// The browser reads a photo to upload from its Blob, one photo at a time.
    #[cfg(target_arch = "wasm32")]
    async fn photo_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let kept = self.read(|s| s.photo_kept(sha256))?;
        if kept != Some(zakupka_client::PhotoKept::Blob) {
            return Ok(self.read(|s| s.photo(sha256))?.map(|(_, bytes)| bytes));
        }
        Ok(zakupka_client::web_photos::bytes(sha256)
            .await
            .inspect_err(|e| tracing::warn!("photo {sha256} not read: {e}"))
            .ok()
            .flatten())
    }
}

pub fn account(store: &LocalStore) -> Option<Account> {
    let get = |k| {
        store
            .setting(k)
            .ok()
            .flatten()
            .filter(|v: &String| !v.is_empty())
    };
    Some(Account {
        server: get(SERVER_KEY)?,
        login: get(LOGIN_KEY)?,
        role: get(ROLE_KEY)
            .and_then(|r| Role::parse(&r))
            .unwrap_or(Role::Auditor),
        token: get(TOKEN_KEY)?,
    })
}

/// The server this app talks to unless told otherwise: the one that served the web app,
/// or a local one for the desktop app.
pub fn default_server(store: &LocalStore) -> String {
    if let Some(s) = store.setting(SERVER_KEY).ok().flatten() {
        return s;
    }
    platform::default_server()
}

fn device_id(store: &LocalStore) -> Result<Uuid, StoreError> {
    if let Some(id) = store
        .setting(DEVICE_KEY)?
        .and_then(|s| Uuid::parse_str(&s).ok())
    {
        return Ok(id);
    }
    let id = Uuid::now_v7();
    store.set_setting(DEVICE_KEY, &id.to_string())?;
    Ok(id)
}

/// A sign-in the server accepted, not yet kept on the device.
pub struct SignedIn {
    server: String,
    answer: LoginResponse,
}

impl SignedIn {
    /// The login as the server knows it.
    pub fn login(&self) -> &str {
        &self.answer.login
    }

    /// Revokes the token, best effort, when the device does not keep it.
    pub fn abandon(self) {
        let api = Api::new(&self.server, Some(self.answer.token));
        dioxus::core::spawn_forever(async move {
            let _ = api.logout().await;
        });
    }
}

/// Asks the server for a token. Refused at once, with no password sent, while another
/// user's visits on this device are not sent.
pub async fn log_in(
    access: &AppStore,
    server: &str,
    login: &str,
    password: &str,
) -> Result<SignedIn, SyncError> {
    access.read(|s| s.check_hand_over(login))?;
    let device = access.read(device_id)?;
    let server = server.trim().trim_end_matches('/').to_owned();
    let answer = Api::new(&server, None)
        .login(login.trim(), password, device)
        .await?;
    Ok(SignedIn { server, answer })
}

/// Keeps the account of a sign-in; the caller has handed the store over to its user in the
/// same write.
pub fn keep_account(store: &LocalStore, signed: &SignedIn) -> Result<(), StoreError> {
    store.set_setting(SERVER_KEY, &signed.server)?;
    store.set_setting(LOGIN_KEY, &signed.answer.login)?;
    store.set_setting(ROLE_KEY, signed.answer.role.as_str())?;
    store.set_setting(TOKEN_KEY, &signed.answer.token)
}

pub fn log_out(access: &AppStore) -> Result<(), StoreError> {
    access.write(|s| s.set_setting(TOKEN_KEY, ""))
}

/// A handle to wake the sync loop.
#[derive(Clone)]
pub struct Trigger(UnboundedSender<()>);

impl Trigger {
    pub fn fire(&self) {
        let _ = self.0.unbounded_send(());
    }
}

pub fn channel() -> (Trigger, UnboundedReceiver<()>) {
    let (tx, rx) = unbounded();
    (Trigger(tx), rx)
}

/// Runs for the life of the app.
pub async fn run(
    access: AppStore,
    mut wake: UnboundedReceiver<()>,
    mut status: Signal<SyncStatus>,
) {
    let mut failures = 0u32;
    let mut delay: Option<Duration> = Some(Duration::ZERO);
    loop {
        let timer = async {
            match delay {
                Some(d) => sleep(d).await,
                None => std::future::pending::<()>().await,
            }
        };
        select! {
            _ = timer.fuse() => {},
            woke = wake.next().fuse() => if woke.is_none() { return },
        }
        let Some(account) = access.read(|s| Ok(account(s))).ok().flatten() else {
            delay = None;
            continue;
        };
        status.set(SyncStatus::Running);
        let api = Api::new(&account.server, Some(account.token.clone()));
        let round = async {
            let report = sync_once(&access, &api, Utc::now).await?;
            if account.role == Role::Auditor {
                sync_assignments(&access, &api).await?;
                sync_cases(&access, &api).await?;
            } else {
                // A manager's actions to fix; a supervisor's to verify (not the whole scope).
                let keep = ActionFilter {
                    state: (account.role != Role::Manager).then_some(ActionState::Done),
                    office: None,
                };
                sync_actions(&access, &api, &keep, Utc::now).await?;
            }
            Ok::<_, SyncError>(report)
        };
        match round.await {
            Ok(_) => {
                // Decisions just pulled may let photos leave the device.
                crate::photos::expire(&access.store).await;
                failures = 0;
                status.set(SyncStatus::Done(Utc::now()));
                let waiting = access
                    .read(|s| Ok(!s.outbox()?.is_empty() || s.action_ops_unsent()? > 0))
                    .unwrap_or(false);
                delay = waiting.then_some(IDLE_RETRY);
            }
            Err(e) => {
                if matches!(e, SyncError::Unauthorized(_)) {
                    // The token expired or was revoked: show "sign in" rather than retry.
                    let _ = log_out(&access);
                }
                status.set(SyncStatus::Failed(SyncFailure::from(&e)));
                delay = if e.is_transient() {
                    failures += 1;
                    let unit = f64::from(Utc::now().timestamp_subsec_nanos() % 1000) / 1000.0;
                    Some(backoff(failures, unit))
                } else {
                    None
                };
            }
        }
        (access.on_write)();
    }
}
