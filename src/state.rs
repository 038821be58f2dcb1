//! The app's state: the local store behind domain methods, and the few signals the screens
//! share. Screens call these methods; none of them touches SQL or the platform.

use std::cell::RefCell;
use std::rc::Rc;

use chrono::Utc;
use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_client::{ListedVisit, NewVisit, Store as LocalStore, StoreError};
use zakupka_core::{AnswerValue, Directory, Lang, Template, Visit};

use crate::platform;
use crate::sync::{self, Account, AppStore, SyncStatus, Trigger};

pub use crate::screen::Screen;

/// The "saved" indicator. It turns to `Saved` only when every write made so far is durable.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveState {
    Idle,
    Saving,
    Saved,
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct AppState {
    store: Signal<Rc<RefCell<LocalStore>>>,
    /// Bumped after every write; readers subscribe to it instead of to the store.
    data_version: Signal<u64>,
    pending_writes: Signal<u32>,
    pub save: Signal<SaveState>,
    pub lang: Signal<Lang>,
    pub screen: Signal<Screen>,
    /// A message for the user about the last thing that went wrong.
    pub notice: Signal<Option<String>>,
    pub directory: Signal<Rc<Directory>>,
    template: Signal<Rc<Template>>,
    pub sync_status: Signal<SyncStatus>,
    trigger: Signal<Option<Trigger>>,
    /// The browser's last word on keeping the store through storage pressure: asked at
    /// sign-in, refreshed by the account screen; None where there is nothing to ask.
    pub storage_persistent: Signal<Option<bool>>,
    /// What the polite live region says (`ui::live`); the count makes a repeated message
    /// a new one.
    pub announcement: Signal<(u64, String)>,
}

const LANG_KEY: &str = "lang";
const SCREEN_KEY: &str = "screen";
const AUDITOR_KEY: &str = "auditor";
/// The app's settings that belong to the signed-in user, forgotten with their visits when
/// another user signs in on the device.
const USER_SETTINGS: &[&str] = &[AUDITOR_KEY, SCREEN_KEY, crate::presence::CONSENT_KEY];

impl AppState {
    /// Wraps an opened store: brings the shipped seeds into it and restores the language
    /// and the screen the user left.
    pub fn new(
        store: LocalStore,
        template: Template,
        directory: Directory,
    ) -> Result<AppState, StoreError> {
        store.import_template(&template)?;
        if store.directory()?.as_ref() != Some(&directory) {
            store.set_directory(&directory, Utc::now())?;
        }
        let lang = store
            .setting(LANG_KEY)?
            .and_then(|c| Lang::from_code(&c))
            .unwrap_or_default();
        let mut screen = store
            .setting(SCREEN_KEY)?
            .map(|s| Screen::decode(&s))
            .unwrap_or(Screen::Home);
        if let Screen::Checklist(id) | Screen::Summary(id) = screen
            && store.visit(id).is_err()
        {
            screen = Screen::Home;
        }
        Ok(AppState {
            store: Signal::new(Rc::new(RefCell::new(store))),
            data_version: Signal::new(0),
            pending_writes: Signal::new(0),
            save: Signal::new(SaveState::Idle),
            lang: Signal::new(lang),
            screen: Signal::new(screen),
            notice: Signal::new(None),
            directory: Signal::new(Rc::new(directory)),
            template: Signal::new(Rc::new(template)),
            sync_status: Signal::new(SyncStatus::Idle),
            trigger: Signal::new(None),
            storage_persistent: Signal::new(None),
            announcement: Signal::new((0, String::new())),
        })
    }

    /// The count of writes so far; reading it re-runs the caller after each write.
    pub fn data_version(&self) -> u64 {
        (self.data_version)()
    }

    /// Reads from the store and re-renders the caller when data changes.
    pub(crate) fn read<R>(
        &self,
        f: impl FnOnce(&LocalStore) -> Result<R, StoreError>,
    ) -> Option<R> {
        let _subscribe = self.data_version.read();
        let store = self.store.peek().clone();
        let result = f(&store.borrow());
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                let mut notice = self.notice;
                notice.set(Some(crate::i18n::explain(*self.lang.peek(), &e)));
                None
            }
        }
    }

    /// Runs one write; the indicator says "saved" only once it is durable. A refused write
    /// changes nothing and explains itself in the notice.
    pub(crate) fn write<R>(
        &self,
        f: impl FnOnce(&LocalStore) -> Result<R, StoreError>,
    ) -> Option<R> {
        let store = self.store.peek().clone();
        let result = f(&store.borrow());
        let (mut notice, mut version) = (self.notice, self.data_version);
        match result {
            Err(e) => {
                notice.set(Some(crate::i18n::explain(*self.lang.peek(), &e)));
                None
            }
            Ok(r) => {
                notice.set(None);
                *version.write() += 1;
                self.confirm();
                Some(r)
            }
        }
    }

    /// Shows "saving" until every write so far is durable, then "saved".
    fn confirm(&self) {
        let (mut save, mut pending, lang) = (self.save, self.pending_writes, self.lang);
        let durable = platform::durable();
        *pending.write() += 1;
        save.set(SaveState::Saving);
        // Not `spawn`: that task would die with the screen that made the write (starting a
        // visit leaves the start screen), and "saved" would never come.
        dioxus::core::spawn_forever(async move {
            let result = durable.await;
            *pending.write() -= 1;
            match result {
                Err(e) => {
                    // The browser's words are English: logged, not shown.
                    tracing::warn!("write not confirmed: {e}");
                    save.set(SaveState::Failed(
                        crate::i18n::SAVE_NOT_CONFIRMED.get(*lang.peek()).to_owned(),
                    ))
                }
                Ok(()) if pending() == 0 && !matches!(*save.peek(), SaveState::Failed(_)) => {
                    save.set(SaveState::Saved)
                }
                Ok(()) => {}
            }
        });
    }

    // --- sync -------------------------------------------------------------------------

    fn access(&self) -> AppStore {
        let version = self.data_version;
        AppStore {
            store: self.store.peek().clone(),
            on_write: Rc::new(move || {
                let mut v = version;
                *v.write() += 1;
            }),
        }
    }

    /// Starts the background sync loop; called once, when the app shell mounts.
    pub fn start_sync(&self) {
        let (trigger, wake) = sync::channel();
        let mut slot = self.trigger;
        slot.set(Some(trigger.clone()));
        let access = self.access();
        dioxus::core::spawn_forever(sync::run(access, wake, self.sync_status));
        platform::on_network_back(move || trigger.fire());
    }

    pub fn sync_now(&self) {
        if let Some(t) = self.trigger.peek().as_ref() {
            t.fire();
        }
    }

    pub fn account(&self) -> Option<Account> {
        self.read(|s| Ok(sync::account(s))).flatten()
    }

    pub fn default_server(&self) -> String {
        self.read(|s| Ok(sync::default_server(s)))
            .unwrap_or_default()
    }

    pub async fn log_in(
        &self,
        server: String,
        login: String,
        password: String,
    ) -> Result<(), String> {
        let lang = *self.lang.peek();
        let signed = sync::log_in(&self.access(), &server, &login, &password)
            .await
            .map_err(|e| match e {
                // At the login form, "unauthorized" can only mean the login or password.
                zakupka_client::api::SyncError::Unauthorized(_) => {
                    crate::i18n::WRONG_LOGIN.get(lang).to_owned()
                }
                e => crate::i18n::explain_sync(lang, &e),
            })?;
        // Another user's data goes in the write that keeps the account, before any screen
        // shows the new user anything; refused if some of it is unsent.
        let kept = self.write(|s| {
            s.hand_over(signed.login(), USER_SETTINGS)?;
            sync::keep_account(s, &signed)
        });
        if kept.is_none() {
            signed.abandon();
            let mut n = self.notice;
            return Err(n.take().unwrap_or_default());
        }
        self.sync_now();
        // Not awaited: a browser may ask the user, and signing in must not wait for that.
        // Not `spawn` either: the account screen, and its tasks, close on success.
        let mut persistent = self.storage_persistent;
        dioxus::core::spawn_forever(async move {
            persistent.set(platform::ask_persistent_storage().await);
        });
        Ok(())
    }

    /// Forgets the token on the device at once, then tells the server to revoke it, best
    /// effort: offline, or with the server down, signing out still works here, and the token
    /// stays valid on the server until it expires or an administrator revokes it
    /// (`zakupka-server user revoke`).
    pub fn log_out(&self) {
        let account = self.account();
        if let Err(e) = sync::log_out(&self.access()) {
            let mut n = self.notice;
            n.set(Some(crate::i18n::explain(*self.lang.peek(), &e)));
            return;
        }
        if let Some(api) = account.map(|a| a.api()) {
            // Not `spawn`: the screen that signed out may close before the answer.
            dioxus::core::spawn_forever(async move {
                if let Err(e) = api.logout().await {
                    tracing::info!("signed out on this device only: {e}");
                }
            });
        }
    }

    /// The user whose visits this device holds, if any of them are not sent yet: nobody
    /// else can sign in until they are.
    pub fn unsent_owner(&self) -> Option<zakupka_client::Owner> {
        self.read(|s| s.owner()).flatten().filter(|o| o.unsent > 0)
    }

    pub fn last_sync(&self) -> Option<chrono::DateTime<Utc>> {
        self.read(|s| s.last_sync()).flatten()
    }

    // --- navigation and preferences -------------------------------------------------

    pub fn go(&self, screen: Screen) {
        let mut s = self.screen;
        s.set(screen);
        self.write(|store| store.set_setting(SCREEN_KEY, &screen.encode()));
    }

    pub fn set_lang(&self, lang: Lang) {
        let mut l = self.lang;
        l.set(lang);
        // What the live region said was in the other language: it is not left standing.
        let mut announcement = self.announcement;
        let count = announcement.peek().0;
        announcement.set((count, String::new()));
        self.write(|store| store.set_setting(LANG_KEY, lang.code()));
    }

    pub fn auditor(&self) -> String {
        self.read(|s| s.setting(AUDITOR_KEY))
            .flatten()
            .unwrap_or_default()
    }

    pub fn dismiss_notice(&self) {
        let mut n = self.notice;
        n.set(None);
    }

    // --- visits -----------------------------------------------------------------------

    pub fn template_for(&self, visit: &Visit) -> Option<Rc<Template>> {
        let current = self.template.peek().clone();
        if current.id == visit.template_id && current.version == visit.template_version {
            return Some(current);
        }
        self.read(|s| s.template(&visit.template_id, visit.template_version))
            .map(Rc::new)
    }

    /// An office's name in the interface language; its id if the directory lacks it.
    pub fn office_name(&self, id: &str) -> String {
        let lang = (self.lang)();
        self.directory
            .read()
            .office(id)
            .map_or(id.to_owned(), |o| o.name.get(lang).to_owned())
    }

    /// A branch's name in the interface language; its id if the directory lacks it.
    pub fn branch_name(&self, id: &str) -> String {
        let lang = (self.lang)();
        self.directory
            .read()
            .branch(id)
            .map_or(id.to_owned(), |b| b.name.get(lang).to_owned())
    }

    pub fn template(&self) -> Rc<Template> {
        self.template.read().clone()
    }

    /// Drafts and submitted visits not yet on the server, newest first: listed whole.
    pub fn open_visits(&self) -> Vec<ListedVisit> {
        self.read(|s| s.open_visits()).unwrap_or_default()
    }

    /// The first `pages` pages of `per_page` sent visits, newest first, and whether the
    /// device keeps more.
    pub fn sent_visits(&self, pages: usize, per_page: usize) -> (Vec<ListedVisit>, bool) {
        self.read(|s| s.sent_pages(pages, per_page))
            .unwrap_or_default()
    }

    pub fn visit(&self, id: Uuid) -> Option<Visit> {
        self.read(|s| s.visit(id))
    }

    pub fn position(&self, id: Uuid) -> String {
        self.read(|s| s.position(id)).unwrap_or_default()
    }

    pub fn timer_started_at(&self, id: Uuid) -> Option<chrono::DateTime<Utc>> {
        self.read(|s| s.timer_started_at(id)).flatten()
    }

    pub fn start_visit(&self, office_id: &str, scenario: &str, auditor: &str) {
        let template = self.template.peek().clone();
        let new = NewVisit {
            template_id: template.id.clone(),
            template_version: template.version,
            office_id: office_id.to_owned(),
            auditor: auditor.trim().to_owned(),
            scenario: scenario.to_owned(),
        };
        let started = self.write(|s| {
            s.set_setting(AUDITOR_KEY, &new.auditor)?;
            s.start_visit(&new, Utc::now())
        });
        if let Some(visit) = started {
            self.record_start(visit.id);
            self.go(Screen::Checklist(visit.id));
        }
    }

    /// The auditor's assignments as last synced, each with its visit on this device.
    pub fn assignments(&self) -> Vec<zakupka_client::LocalAssignment> {
        self.read(|s| s.assignments()).unwrap_or_default()
    }

    /// Starts the visit an assignment asks for: its office, its scenario, its auditor.
    pub fn start_assigned(&self, assignment: &zakupka_core::wire::Assignment) {
        self.start_visit(
            &assignment.office_id,
            &assignment.scenario,
            &assignment.auditor,
        );
    }

    pub fn answer(&self, visit: Uuid, item: &str, value: AnswerValue) {
        self.write(|s| s.set_answer(visit, item, &value, Utc::now()));
    }

    pub fn clear_answer(&self, visit: Uuid, item: &str) {
        self.write(|s| s.clear_answer(visit, item, Utc::now()));
    }

    pub fn comment(&self, visit: Uuid, item: &str, text: &str) {
        self.write(|s| s.set_item_comment(visit, item, text, Utc::now()));
    }

    pub fn visit_comment(&self, visit: Uuid, text: &str) {
        self.write(|s| s.set_visit_comment(visit, text, Utc::now()));
    }

    pub fn set_position(&self, visit: Uuid, section: &str) {
        self.write(|s| s.set_position(visit, section, Utc::now()));
    }

    pub fn start_timer(&self, visit: Uuid) {
        self.write(|s| s.start_timer(visit, Utc::now()));
    }

    pub fn stop_timer(&self, visit: Uuid, item: &str) {
        self.write(|s| s.stop_timer(visit, item, Utc::now()));
    }

    pub fn submit(&self, visit: Uuid) -> bool {
        let done = self.write(|s| s.submit(visit, Utc::now())).is_some();
        if done {
            self.sync_now();
        }
        done
    }

    pub fn review_notes(&self, visit: Uuid) -> Option<zakupka_client::ReviewNotes> {
        self.read(|s| s.review_notes(visit)).flatten()
    }

    /// Opens a returned visit for correction, at the first section the supervisor remarked
    /// on, and goes to its checklist.
    pub fn correct(&self, visit: Uuid) {
        let reopened = self.write(|s| {
            let v = s.reopen_returned(visit, Utc::now())?;
            let template = s.template(&v.template_id, v.template_version)?;
            let remarked = s
                .review_notes(visit)?
                .map(|n| n.item_comments)
                .unwrap_or_default();
            let first = template
                .sections
                .iter()
                .find(|sec| sec.items.iter().any(|i| remarked.contains_key(&i.id)));
            if let Some(section) = first.or(template.sections.first()) {
                s.set_position(visit, &section.id, Utc::now())?;
            }
            Ok(())
        });
        if reopened.is_some() {
            self.go(Screen::Checklist(visit));
        }
    }

    pub fn delete_draft(&self, visit: Uuid) {
        if self.write(|s| s.delete_draft(visit)).is_some() {
            self.go(Screen::Home);
        }
    }
}
