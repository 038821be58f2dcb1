//! The appeal of one item of a branch's visit: the reason and up to five evidence photos,
//! filed at once. The photos are downscaled as the checklist's are; in the browser they
//! wait as Blobs (never whole in wasm memory) and are deleted once the server has them.

use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_core::wire::{AppealRequest, MAX_APPEAL_PHOTOS, MAX_APPEAL_REASON_CHARS};

use crate::i18n::{self, appeals as t};
use crate::state::AppState;

/// An evidence photo chosen for the appeal; desktop and mobile hold its (downscaled) bytes,
/// the browser keeps them as a Blob under its address.
#[derive(Clone, PartialEq)]
struct Chosen {
    sha256: String,
    bytes: Option<std::rc::Rc<Vec<u8>>>,
}

#[component]
pub(super) fn AppealItemForm(
    visit_id: Uuid,
    item_id: String,
    reload: Signal<u32>,
    open: Signal<bool>,
) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut reason = use_signal(String::new);
    let mut photos = use_signal(Vec::<Chosen>::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    // One op id for this appeal: a repeated tap, or a retry after a photo failed to go,
    // is the same appeal.
    let op_id = use_hook(Uuid::now_v7);
    let input_id = format!("appeal-photo-{item_id}");
    let reason_id = format!("appeal-reason-{item_id}");
    let send = {
        let item_id = item_id.clone();
        move |_| {
            let item_id = item_id.clone();
            async move {
                if reason().trim().is_empty() {
                    error.set(Some(t::REASON_REQUIRED.get(lang).to_owned()));
                    return;
                }
                let Some(api) = state.account().map(|a| a.api()) else {
                    return;
                };
                busy.set(true);
                let chosen = photos();
                let request = AppealRequest {
                    op_id,
                    visit_id,
                    item_id,
                    reason: reason().trim().to_owned(),
                    photos: chosen.iter().map(|c| c.sha256.clone()).collect(),
                };
                match file(state, &api, &request, &chosen).await {
                    Ok(()) => {
                        state.announce(t::FILED.get(lang));
                        open.set(false);
                        reload += 1;
                    }
                    Err(e) => error.set(Some(i18n::explain_sync(lang, &e))),
                }
                busy.set(false);
            }
        }
    };
    let full = photos.read().len() >= MAX_APPEAL_PHOTOS;
    rsx! {
        div { class: "appeal-form", "data-testid": "item-appeal-form",
            label { class: "field", r#for: "{reason_id}", "{t::REASON.get(lang)}" }
            textarea { class: "comment", id: "{reason_id}", rows: "4", maxlength: "{MAX_APPEAL_REASON_CHARS}",
                "data-testid": "appeal-reason", value: "{reason}", oninput: move |e| { reason.set(e.value()); error.set(None); } }
            p { class: "muted", "{t::PHOTOS_CHOSEN.get(lang)}: {photos.read().len()} / {MAX_APPEAL_PHOTOS}" }
            if !photos.read().is_empty() {
                button { class: "ghost", "data-testid": "appeal-photos-clear", onclick: move |_| photos.set(Vec::new()),
                    "{t::PHOTOS_CLEAR.get(lang)}"
                }
            }
            if !full {
                label { class: "secondary photo-add",
                    "+ {i18n::ADD_PHOTO.get(lang)}"
                    input { r#type: "file", accept: "image/jpeg,image/png,image/webp", "capture": "environment",
                        class: "hidden-input", id: "{input_id}", "data-testid": "appeal-photo",
                        onchange: { let input_id = input_id.clone(); move |e: FormEvent| choose(state, photos, error, input_id.clone(), e) }
                    }
                }
            }
            p { class: "muted", "{t::ONLINE_ONLY.get(lang)}" }
            if let Some(e) = error() { p { class: "failed", role: "alert", "data-testid": "appeal-error", "{e}" } }
            footer { class: "actions column",
                button { class: "primary", disabled: busy(), "data-testid": "appeal-send", onclick: send,
                    "{t::SEND.get(lang)}" }
                button { class: "ghost", onclick: move |_| open.set(false), "{i18n::CANCEL.get(lang)}" }
            }
        }
    }
}

/// Files the appeal, then uploads each photo it names. Safe to repeat: the same `op_id`
/// answers the appeal already filed and a photo sent again changes nothing.
async fn file(
    state: AppState,
    api: &zakupka_client::api::Api,
    request: &AppealRequest,
    chosen: &[Chosen],
) -> Result<(), zakupka_client::api::SyncError> {
    let appeal = api.file_appeal(request).await?;
    for c in chosen {
        let bytes = match &c.bytes {
            Some(b) => b.to_vec(),
            None => match blob(&c.sha256).await {
                Some(b) => b,
                None => continue,
            },
        };
        api.put_appeal_photo(appeal.id, &c.sha256, bytes).await?;
        forget(state, &c.sha256).await;
    }
    Ok(())
}

#[cfg(target_arch = "wasm32")]
async fn blob(sha256: &str) -> Option<Vec<u8>> {
    zakupka_client::web_photos::bytes(sha256)
        .await
        .ok()
        .flatten()
}

#[cfg(not(target_arch = "wasm32"))]
async fn blob(_sha256: &str) -> Option<Vec<u8>> {
    None
}

/// The browser: the Blob of a photo the server now has, unless the device keeps it for
/// something else (the same picture taken for a visit).
#[cfg(target_arch = "wasm32")]
async fn forget(state: AppState, sha256: &str) {
    if state.photo_kept(sha256).is_none() {
        let _ = zakupka_client::web_photos::delete(sha256).await;
    }
}

#[cfg(not(target_arch = "wasm32"))]
async fn forget(_state: AppState, _sha256: &str) {}

/// The browser: the files chosen, each downscaled into a Blob without entering wasm.
#[cfg(target_arch = "wasm32")]
async fn choose(
    state: AppState,
    mut photos: Signal<Vec<Chosen>>,
    mut error: Signal<Option<String>>,
    input_id: String,
    _e: FormEvent,
) {
    use zakupka_client::web_photos::{self, PrepareError};
    let lang = *state.lang.peek();
    let Some(input) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&input_id))
    else {
        return;
    };
    let input: wasm_bindgen::JsValue = input.into();
    for file in web_photos::chosen_files(&input) {
        if photos.peek().len() >= MAX_APPEAL_PHOTOS {
            break;
        }
        let name = web_photos::file_name(&file);
        match web_photos::prepare(&file, zakupka_core::DEFAULT_PHOTO_MAX_SIDE).await {
            Ok(photo) => push(&mut photos, photo.sha256, None),
            Err(e) => {
                if let PrepareError::Browser(e) = e {
                    tracing::warn!("{name}: {e}");
                }
                error.set(Some(format!(
                    "«{name}»: {}",
                    i18n::FILE_UNREADABLE.get(lang)
                )));
            }
        }
    }
    let _ = js_sys::Reflect::set(&input, &"value".into(), &"".into());
}

/// Desktop and mobile: the files chosen, downscaled in memory (a few photos at most).
#[cfg(not(target_arch = "wasm32"))]
async fn choose(
    state: AppState,
    mut photos: Signal<Vec<Chosen>>,
    mut error: Signal<Option<String>>,
    _input_id: String,
    e: FormEvent,
) {
    let lang = *state.lang.peek();
    for (name, original) in crate::photos::chosen_originals(state, &e).await {
        if photos.peek().len() >= MAX_APPEAL_PHOTOS {
            break;
        }
        let side = zakupka_core::DEFAULT_PHOTO_MAX_SIDE;
        match evidence(&name, &original, side) {
            Some((sha256, bytes)) => push(&mut photos, sha256, Some(bytes.into())),
            None => error.set(Some(format!(
                "«{name}»: {}",
                i18n::FILE_UNREADABLE.get(lang)
            ))),
        }
    }
}

#[cfg(all(
    not(target_arch = "wasm32"),
    any(feature = "desktop", feature = "mobile")
))]
fn evidence(name: &str, original: &[u8], side: u32) -> Option<(String, Vec<u8>)> {
    zakupka_client::appeals::evidence_photo(name, original, side).ok()
}

#[cfg(all(
    not(target_arch = "wasm32"),
    not(any(feature = "desktop", feature = "mobile"))
))]
fn evidence(_name: &str, _original: &[u8], _side: u32) -> Option<(String, Vec<u8>)> {
    None
}

/// Adds a photo once, however often it is chosen.
fn push(photos: &mut Signal<Vec<Chosen>>, sha256: String, bytes: Option<std::rc::Rc<Vec<u8>>>) {
    if photos.peek().iter().any(|c| c.sha256 == sha256) {
        return;
    }
    photos.write().push(Chosen { sha256, bytes });
}
