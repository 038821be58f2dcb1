//! Presence evidence on the device: the question about location, asked once and saying
//! why, and the device's position at a visit's start and finish. In the browser only
//! (geolocation); a desktop records nothing, which the server flags as no position.

use chrono::Utc;
use dioxus::core::spawn_forever;
use uuid::Uuid;
use zakupka_client::Moment;
use zakupka_client::geo;

use crate::state::AppState;

/// The auditor's answer to the question: "yes" or "no". Absent: not asked yet. Theirs, so
/// forgotten with their other settings when another user signs in.
pub const CONSENT_KEY: &str = "location.consent";

impl AppState {
    /// Whether to ask about location: there is a position service and no answer yet.
    pub fn location_question(&self) -> bool {
        geo::available() && self.read(|s| s.setting(CONSENT_KEY)).flatten().is_none()
    }

    fn records_location(&self) -> bool {
        geo::available()
            && self.read(|s| s.setting(CONSENT_KEY)).flatten().as_deref() == Some("yes")
    }

    /// Keeps the answer. A yes asks the browser at once, so that its own prompt comes
    /// now, beside the explanation, and not in the middle of a visit.
    pub fn answer_location(&self, yes: bool) {
        self.write(|s| s.set_setting(CONSENT_KEY, if yes { "yes" } else { "no" }));
        if yes {
            spawn_forever(async move {
                let _ = geo::current().await;
            });
        }
    }

    /// Records where the device is as the visit's start, when the fix comes (the auditor
    /// goes on meanwhile; a visit lasts long enough).
    pub fn record_start(&self, visit: Uuid) {
        if !self.records_location() {
            return;
        }
        // Not tied to the start screen, which closes as the checklist opens.
        let state = *self;
        spawn_forever(async move {
            if let Some(fix) = geo::current().await {
                state.write(|s| s.set_location(visit, Moment::Start, &fix, Utc::now()));
            }
        });
    }

    /// Submits the visit with where the device is now as its finish: waits for the fix
    /// (at most `geo::FIX_TIMEOUT_MS`), since a submitted visit is frozen.
    pub async fn submit_at_finish(&self, visit: Uuid) -> bool {
        if self.records_location()
            && let Some(fix) = geo::current().await
        {
            self.write(|s| s.set_location(visit, Moment::Finish, &fix, Utc::now()));
        }
        self.submit(visit)
    }
}
