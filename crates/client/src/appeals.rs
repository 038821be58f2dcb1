//! Appeals and a branch's visits over the network: what a manager reads of the approved
//! visits to their offices (anonymous, without the auditor), the appeal of an item with its
//! evidence photos, and the supervisors' decisions.
//!
//! An appeal is filed online: it is argued against a finding within a deadline and decided
//! by a person, so the manager learns at once whether it was taken (a duplicate or a closed
//! window is refused there and then) instead of finding out at the next sync.

use uuid::Uuid;
use zakupka_core::wire::{
    Appeal, AppealDecisionRequest, AppealRequest, AppealState, ManagerVisit, ManagerVisitDetail,
};

use crate::api::{Api, SyncError};

impl Api {
    /// Appeals the caller sees (a manager their branch's; supervisors their scope's),
    /// pending first; only those in `state` if given.
    pub async fn appeals(&self, state: Option<AppealState>) -> Result<Vec<Appeal>, SyncError> {
        let path = match state {
            Some(s) => format!("/appeals?state={}", s.as_str()),
            None => "/appeals".to_owned(),
        };
        Self::send(self.request(reqwest::Method::GET, &path)).await
    }

    /// Files an appeal; the same `op_id` again answers the appeal filed the first time.
    pub async fn file_appeal(&self, request: &AppealRequest) -> Result<Appeal, SyncError> {
        Self::send(
            self.request(reqwest::Method::POST, "/appeals")
                .json(request),
        )
        .await
    }

    /// Uploads an evidence photo the appeal names (the same bytes again change nothing).
    pub async fn put_appeal_photo(
        &self,
        appeal: Uuid,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<(), SyncError> {
        let path = format!("/appeals/{appeal}/photos/{sha256}");
        Self::fetch(self.request(reqwest::Method::PUT, &path).body(bytes))
            .await
            .map(|_| ())
    }

    pub async fn decide_appeal(
        &self,
        id: Uuid,
        request: &AppealDecisionRequest,
    ) -> Result<Appeal, SyncError> {
        let path = format!("/appeals/{id}/decide");
        Self::send(self.request(reqwest::Method::POST, &path).json(request)).await
    }

    /// The approved visits to the manager's offices, newest first.
    pub async fn branch_visits(&self) -> Result<Vec<ManagerVisit>, SyncError> {
        Self::send(self.request(reqwest::Method::GET, "/manager/visits")).await
    }

    /// One approved visit of the manager's branch in full, without who made it.
    pub async fn branch_visit(&self, id: Uuid) -> Result<ManagerVisitDetail, SyncError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/manager/visits/{id}"))).await
    }

    /// A photo of such a visit, its metadata removed by the server: its bytes.
    pub async fn branch_visit_photo(&self, id: Uuid, sha256: &str) -> Result<Vec<u8>, SyncError> {
        let path = format!("/manager/visits/{id}/photos/{sha256}");
        Ok(Self::fetch(self.request(reqwest::Method::GET, &path))
            .await?
            .1)
    }
}

/// Desktop and mobile: an evidence photo from the file chosen, downscaled to `max_side` as
/// the browser does: its SHA-256 address and bytes. A file that is no photo is refused.
#[cfg(all(feature = "downscale", not(target_arch = "wasm32")))]
pub fn evidence_photo(
    name: &str,
    original: &[u8],
    max_side: u32,
) -> Result<(String, Vec<u8>), crate::StoreError> {
    use sha2::{Digest, Sha256};
    zakupka_core::photo_type(original)
        .ok_or_else(|| crate::StoreError::UnsupportedPhoto(name.to_owned()))?;
    let bytes =
        crate::downscale::downscale(original, max_side).unwrap_or_else(|_| original.to_vec());
    Ok((format!("{:x}", Sha256::digest(&bytes)), bytes))
}
