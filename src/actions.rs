//! Corrective actions in the app: what the screens read and the steps they write. Every
//! step is stored on the device first (readable offline, sent by the sync loop, which is
//! woken at once); evidence photos are kept like a visit's photos until they are sent.

use chrono::Utc;
use uuid::Uuid;
use zakupka_client::LocalAction;
use zakupka_core::wire::ActionState;

use crate::state::AppState;

impl AppState {
    /// The kept actions, by office and soonest due first.
    pub fn actions(&self) -> Vec<LocalAction> {
        self.read(|s| s.actions()).unwrap_or_default()
    }

    /// Fixed actions waiting for a supervisor's verification.
    pub fn actions_to_verify(&self) -> Vec<LocalAction> {
        let mut list: Vec<_> = self
            .actions()
            .into_iter()
            .filter(|a| a.action.state == ActionState::Done)
            .collect();
        list.sort_by_key(|a| a.action.closed_at);
        list
    }

    pub fn action(&self, id: Uuid) -> Option<LocalAction> {
        self.read(|s| s.action(id)).flatten()
    }

    /// Whether the signed-in user marked action `id` fixed: the app hides «Подтвердить»
    /// from them (the server refuses them anyway).
    pub fn closed_by_me(&self, action: &zakupka_core::wire::Action) -> bool {
        match (self.account(), &action.closed_by) {
            (Some(account), Some(by)) => account.login == *by,
            _ => false,
        }
    }

    /// Runs a step's write; sends it at once when it was stored.
    fn step(
        &self,
        f: impl FnOnce(&zakupka_client::Store) -> Result<Uuid, zakupka_client::StoreError>,
    ) -> bool {
        let done = self.write(f).is_some();
        if done {
            self.sync_now();
        }
        done
    }

    pub fn plan_action(&self, id: Uuid, plan: &str) -> bool {
        self.step(|s| s.plan_action(id, plan, Utc::now()))
    }

    pub fn close_action(&self, id: Uuid, evidence: &str) -> bool {
        self.step(|s| s.close_action(id, evidence, Utc::now()))
    }

    pub fn verify_action(&self, id: Uuid) -> bool {
        self.step(|s| s.verify_action(id, Utc::now()))
    }

    pub fn reopen_action(&self, id: Uuid, reason: &str) -> bool {
        self.step(|s| s.reopen_action(id, reason, Utc::now()))
    }

    pub fn remove_action_photo(&self, id: Uuid, sha256: &str) {
        self.write(|s| s.remove_action_photo(id, sha256));
    }

    /// Desktop and mobile: an evidence photo from its original, downscaled as the browser
    /// does.
    #[cfg(any(feature = "desktop", feature = "mobile"))]
    pub fn add_action_photo(&self, id: Uuid, name: &str, original: &[u8]) {
        let side = zakupka_core::DEFAULT_PHOTO_MAX_SIDE;
        let small = zakupka_core::photo_type(original)
            .and_then(|_| zakupka_client::downscale::downscale(original, side).ok());
        let bytes = small.as_deref().unwrap_or(original);
        self.write(|s| s.add_action_photo(id, name, bytes, Utc::now()));
    }

    /// The items of visit `visit`'s office to re-check, from the auditor's assignment.
    pub fn recheck_items(&self, visit: Uuid) -> std::collections::BTreeSet<String> {
        self.read(|s| s.recheck_items(visit)).unwrap_or_default()
    }
}

/// The browser: evidence photos go from the file input to the Blob store without entering
/// wasm, then their facts are recorded for the action.
#[cfg(target_arch = "wasm32")]
pub async fn add_chosen(state: AppState, id: Uuid, input_id: String) {
    let side = zakupka_core::DEFAULT_PHOTO_MAX_SIDE;
    crate::photos::add_chosen_with(state, &input_id, side, |photo| {
        state
            .write(|s| s.add_kept_action_photo(id, photo, Utc::now()))
            .is_some()
    })
    .await;
}
