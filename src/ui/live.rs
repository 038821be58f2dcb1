//! The app's one polite live region: what a screen reader should hear without the focus
//! moving (sync results, a step done). Errors are not here: the notice is `role=alert`.

use dioxus::prelude::*;

use crate::i18n;
use crate::state::AppState;
use crate::sync::SyncStatus;

impl AppState {
    /// Says `text` through the live region, once, even if it is what it said last time.
    pub fn announce(&self, text: impl Into<String>) {
        let mut announcement = self.announcement;
        let count = announcement.peek().0 + 1;
        announcement.set((count, text.into()));
    }
}

/// The region itself, always on the page (a region added with its text is not read), out
/// of sight. Each message is a new node, so a repeated one is read again.
#[component]
pub fn LiveRegion() -> Element {
    let state = use_context::<AppState>();
    // A sync the user waits for ends in a word: finished, or why not.
    let last = use_hook(|| std::rc::Rc::new(std::cell::Cell::new(false)));
    use_effect(move || {
        let status = (state.sync_status)();
        let lang = *state.lang.peek();
        let was_running = last.replace(status == SyncStatus::Running);
        match status {
            SyncStatus::Done(_) if was_running => state.announce(i18n::a11y::SYNC_DONE.get(lang)),
            SyncStatus::Failed(e) if was_running => {
                state.announce(super::home::failure_text(lang, &e))
            }
            _ => {}
        }
    });
    let (count, text) = (state.announcement)();
    rsx! {
        div { class: "sr-only", role: "status", "aria-live": "polite", "data-testid": "announcer",
            if !text.is_empty() {
                span { key: "{count}", "{text}" }
            }
        }
    }
}
