//! The inbox («Уведомления»): the user's notifications as last synced, newest first, unread
//! in bold, each worded here from its ids and opening what it is about where the app has a
//! screen for it. Read with no network; a tap marks it read on the device first. The
//! button with the unread count sits on home for every role.

use chrono::Utc;
use dioxus::prelude::*;
use zakupka_client::LocalNotification;
use zakupka_core::wire::Notification;

use super::local_time;
use crate::i18n;
use crate::i18n::inbox as words;
use crate::state::{AppState, Screen};

/// How many notifications the inbox shows: the device keeps them for 90 days after reading.
const INBOX_SHOWN: usize = 200;

/// The inbox's calls on the store, beside its screen (state.rs holds the rest).
impl AppState {
    /// The newest notifications on the device, newest first; read with no network.
    pub fn notifications(&self) -> Vec<zakupka_client::LocalNotification> {
        self.read(|s| s.notifications(INBOX_SHOWN))
            .unwrap_or_default()
    }

    /// The badge on home.
    pub fn unread_notifications(&self) -> usize {
        self.read(|s| s.unread_notifications()).unwrap_or_default()
    }

    /// Marks a notification read on the device at once; the mark reaches the server with
    /// the next sync, started now (offline, when the network is back).
    pub fn read_notification(&self, id: i64) {
        if self
            .write(|s| s.read_notification(id, Utc::now()))
            .is_some()
        {
            self.sync_now();
        }
    }
}

#[component]
pub fn InboxScreen() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let list = state.notifications();
    rsx! {
        main { class: "screen inbox", "data-testid": "inbox",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::HOME.get(lang)}" }
                h1 { tabindex: "-1", "{words::INBOX.get(lang)}" }
            }
            if list.is_empty() {
                p { class: "empty", "{words::INBOX_EMPTY.get(lang)}" }
            }
            ul { class: "visits notifications", "data-testid": "notifications",
                for n in list { NotificationRow { key: "{n.id}", item: n } }
            }
        }
    }
}

#[component]
fn NotificationRow(item: LocalNotification) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut text = i18n::inbox::notification(lang, &item.notification, |id| state.office_name(id));
    if let Notification::VisitReturned { visit_id, .. } = &item.notification
        && let Some(visit) = state.visit(*visit_id)
    {
        text = format!("{text}: {}", state.office_name(&visit.office_id));
    }
    let target = target(&state, &item.notification);
    let id = item.id;
    let class = if item.read {
        "row notification"
    } else {
        "row notification unread"
    };
    rsx! {
        li {
            button { class, "data-notification": "{id}", "data-kind": "{item.notification.kind()}",
                "data-read": "{item.read}",
                onclick: move |_| {
                    state.read_notification(id);
                    if let Some(screen) = target {
                        state.go(screen);
                    }
                },
                span { class: "title", "{text}" }
                // Bold and the bar say "unread" to the eye; this says it to the ear.
                if !item.read { span { class: "sr-only", " ({words::UNREAD_MARK.get(lang)})" } }
                span { class: "meta", "{local_time(item.created_at)}" }
            }
        }
    }
}

/// The screen a notification opens, where the app has one for this user: a returned visit
/// kept on the device, the assignments on home, a visit with an appeal in review.
fn target(state: &AppState, n: &Notification) -> Option<Screen> {
    match n {
        Notification::VisitReturned { visit_id, .. } => {
            state.visit(*visit_id).map(|_| Screen::Summary(*visit_id))
        }
        Notification::AssignmentNew { .. }
        | Notification::AssignmentDueSoon { .. }
        | Notification::AssignmentOverdue { .. } => Some(Screen::Home),
        Notification::AppealToDecide { visit_id, .. } => Some(Screen::ReviewVisit(*visit_id)),
        Notification::ActionToVerify { action_id, .. }
        | Notification::ActionDueSoon { action_id, .. }
        | Notification::ActionOverdue { action_id, .. } => Some(Screen::Action(*action_id)),
        // The manager's «Недочёты» are on home; their appeals with the decisions on theirs.
        Notification::FindingsNew { .. } => Some(Screen::Home),
        Notification::AppealDecided { .. } => Some(Screen::Appeals),
        Notification::Unknown => None,
    }
}

/// Home's way into the inbox, with the unread count.
#[component]
pub fn InboxButton() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let unread = state.unread_notifications();
    rsx! {
        button { class: "secondary inbox-button", "data-testid": "to-inbox",
            "aria-label": "{words::INBOX.get(lang)}: {unread} {words::UNREAD.get(lang)}",
            onclick: move |_| state.go(Screen::Inbox),
            "{words::INBOX.get(lang)}"
            if unread > 0 {
                span { class: "count", "data-testid": "inbox-badge", "{unread}" }
            }
        }
    }
}
