//! A photo only the server has, fetched with the caller's token (an `img` cannot send it)
//! and shown from memory; a note in its place offline.

use dioxus::prelude::*;
use uuid::Uuid;

use crate::i18n;
use crate::state::AppState;

/// Where a photo is on the server.
#[derive(Debug, Clone, PartialEq)]
pub enum PhotoAt {
    /// The situation of a calibration case.
    Case(String),
    /// A photo of an approved visit of the manager's branch, its metadata removed.
    BranchVisit(Uuid, String),
}

impl PhotoAt {
    /// The name tests find it by.
    fn testid(&self) -> &'static str {
        match self {
            PhotoAt::Case(_) => "case-photo",
            PhotoAt::BranchVisit(..) => "visit-photo",
        }
    }

    async fn fetch(&self, api: &zakupka_client::api::Api) -> Option<Vec<u8>> {
        match self {
            PhotoAt::Case(sha256) => api.case_photo(sha256).await.ok(),
            PhotoAt::BranchVisit(id, sha256) => api.branch_visit_photo(*id, sha256).await.ok(),
        }
    }
}

#[component]
pub fn RemotePhoto(at: PhotoAt) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let testid = at.testid();
    let source = use_resource(move || {
        let at = at.clone();
        async move {
            let api = state.account()?.api();
            let bytes = at.fetch(&api).await?;
            let mime = zakupka_core::photo_type(&bytes)?;
            Some(crate::photos::data_url(mime, &bytes))
        }
    });
    match source() {
        Some(Some(src)) => rsx! {
            img { class: "case-photo", "data-testid": testid, alt: "{i18n::PHOTO.get(lang)}", src }
        },
        Some(None) => rsx! {
            p { class: "photo-placeholder", "{i18n::actions::PHOTO_OFFLINE.get(lang)}" }
        },
        None => rsx! { p { class: "photo-placeholder", "…" } },
    }
}
