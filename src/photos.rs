//! Photos in the app: adding them, showing them, and letting decided visits' photos leave
//! the device (retention).
//!
//! One store API, two ways to keep bytes. Desktop and mobile keep the original in the
//! file-backed `media` database ([`LocalStore::add_photo`]). The browser never lets a photo
//! into wasm memory: it downscales and stores it as a Blob first
//! (`zakupka_client::web_photos`), then records the photo's facts
//! ([`LocalStore::add_kept_photo`]). Either way a photo is shown from the device while it is
//! kept there, and from the server once retention removed it, or as a placeholder offline.

use std::cell::RefCell;

use chrono::Utc;
use uuid::Uuid;
use zakupka_client::{PhotoKept, Store as LocalStore};

use crate::platform;
use crate::state::AppState;

/// What shows a photo.
#[derive(Debug, Clone, PartialEq)]
pub enum PhotoSource {
    /// An address the `img` can load (an object URL, or a data URL on desktop).
    Url(String),
    /// Removed from the device and the server cannot be reached now.
    OnServer,
    /// Nowhere to be had (the device lost it before the server had it).
    Missing,
}

impl AppState {
    /// Attaches a photo whose original the caller has (desktop, mobile): stored downscaled
    /// as the browser stores it, with the evidence of the original's EXIF. A photo the
    /// decoder cannot read (an unusual WebP) is kept as it came.
    #[cfg(any(feature = "desktop", feature = "mobile"))]
    pub fn add_photo(&self, visit: Uuid, item: &str, name: &str, original: &[u8]) {
        let found = zakupka_client::evidence::read(original);
        let side = self
            .read(|s| s.photo_side(visit, item))
            .unwrap_or(zakupka_core::DEFAULT_PHOTO_MAX_SIDE);
        let small = zakupka_core::photo_type(original)
            .and_then(|_| zakupka_client::downscale::downscale(original, side).ok());
        let bytes = small.as_deref().unwrap_or(original);
        self.write(|s| s.add_photo_with(visit, item, name, bytes, found, Utc::now()));
    }

    pub fn remove_photo(&self, visit: Uuid, item: &str, sha256: &str) {
        self.write(|s| s.remove_photo(visit, item, sha256, Utc::now()));
    }

    /// Where the bytes of a photo are.
    pub fn photo_kept(&self, sha256: &str) -> Option<PhotoKept> {
        self.read(|s| s.photo_kept(sha256)).flatten()
    }

    pub fn photo_retention_days(&self) -> u32 {
        self.read(|s| s.photo_retention_days())
            .unwrap_or(zakupka_client::DEFAULT_PHOTO_RETENTION_DAYS)
    }

    pub fn set_photo_retention_days(&self, days: u32) {
        self.write(|s| s.set_photo_retention_days(days));
    }
}

/// What shows photo `sha256` now.
pub async fn source(state: AppState, sha256: String) -> PhotoSource {
    match state.photo_kept(&sha256) {
        Some(PhotoKept::Row) => state
            .read(|s| s.photo(&sha256))
            .flatten()
            .map_or(PhotoSource::Missing, |(mime, bytes)| {
                PhotoSource::Url(data_url(&mime, &bytes))
            }),
        Some(PhotoKept::Blob) => imp::blob_url(&sha256)
            .await
            .map_or(PhotoSource::Missing, PhotoSource::Url),
        Some(PhotoKept::Server) => match state.account() {
            Some(account) => imp::server_url(&account, &sha256)
                .await
                .map_or(PhotoSource::OnServer, PhotoSource::Url),
            None => PhotoSource::OnServer,
        },
        None => PhotoSource::Missing,
    }
}

pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    use base64::Engine;
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Lets the photos of decided visits older than the setting leave the device; their rows
/// (now "on the server") are made durable before their Blobs are deleted.
pub async fn expire(store: &RefCell<LocalStore>) {
    let pending = begin_expiry(&mut store.borrow_mut());
    finish_expiry(pending).await;
}

fn begin_expiry(store: &mut LocalStore) -> Option<(platform::Durable, Vec<String>)> {
    match store.expire_photos(Utc::now()) {
        Ok(e) if e.rows > 0 => Some((platform::durable(), e.blobs)),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!("photo retention: {e}");
            None
        }
    }
}

async fn finish_expiry(pending: Option<(platform::Durable, Vec<String>)>) {
    if let Some((durable, blobs)) = pending {
        match durable.await {
            Ok(()) => imp::delete_blobs(&blobs).await,
            Err(e) => tracing::warn!("expired photos not persisted: {e}"),
        }
    }
}

/// At start, before the app shares the store: in the browser, photos still in rows move
/// out to Blobs and Blobs no row needs go; then, everywhere, decided visits' photos past
/// the retention time leave the device. A failure is logged: the photos stay as they were.
pub async fn at_open(store: &mut LocalStore) {
    #[cfg(target_arch = "wasm32")]
    {
        zakupka_client::web_photos::expose_wasm_memory();
        match zakupka_client::web_photos::tidy(store).await {
            Ok(true) => {
                if let Err(e) = platform::durable().await {
                    tracing::warn!("photos moved to Blobs not persisted: {e}");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!("photos not tidied: {e}"),
        }
    }
    finish_expiry(begin_expiry(store)).await;
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use crate::sync::Account;

    pub async fn blob_url(_sha256: &str) -> Option<String> {
        None
    }

    pub async fn server_url(account: &Account, sha256: &str) -> Option<String> {
        let bytes = account.api().photo(sha256).await.ok()?;
        let mime = zakupka_core::photo_type(&bytes)?;
        Some(super::data_url(mime, &bytes))
    }

    pub async fn delete_blobs(_blobs: &[String]) {}
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use zakupka_client::web_photos;

    use crate::sync::Account;

    pub async fn blob_url(sha256: &str) -> Option<String> {
        web_photos::url(sha256)
            .await
            .inspect_err(|e| tracing::warn!("photo {sha256}: {e}"))
            .ok()
            .flatten()
    }

    pub async fn server_url(account: &Account, sha256: &str) -> Option<String> {
        let (address, token) = account.photo_request(sha256);
        web_photos::server_url(&address, token).await
    }

    pub async fn delete_blobs(blobs: &[String]) {
        for sha in blobs {
            if let Err(e) = web_photos::delete(sha).await {
                tracing::warn!("photo {sha} not deleted: {e}");
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use web::{add_chosen, add_chosen_with};

/// Says that file `name` could not be read.
fn unreadable(state: AppState, name: &str) {
    use dioxus::prelude::*;
    let mut notice = state.notice;
    let lang = *state.lang.peek();
    notice.set(Some(format!(
        "«{name}»: {}",
        crate::i18n::FILE_UNREADABLE.get(lang)
    )));
}

/// Desktop and mobile: the names and bytes of the files chosen in a file input; one that
/// cannot be read is said so in the notice and left out.
#[cfg(not(target_arch = "wasm32"))]
pub async fn chosen_originals(
    state: AppState,
    e: &dioxus::prelude::FormEvent,
) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for file in e.files() {
        match file.read_bytes().await {
            Ok(bytes) => out.push((file.name(), bytes.to_vec())),
            Err(err) => {
                tracing::warn!("{}: {err}", file.name());
                unreadable(state, &file.name());
            }
        }
    }
    out
}

#[cfg(target_arch = "wasm32")]
mod web {
    use super::unreadable;
    use chrono::Utc;
    use dioxus::prelude::*;
    use uuid::Uuid;
    use zakupka_client::StoreError;
    use zakupka_core::PhotoRef;

    use crate::state::AppState;

    impl AppState {
        /// Records a photo the browser already keeps as a Blob; false if the store refused it
        /// (the refusal is in the notice).
        pub fn add_kept_photo(&self, visit: Uuid, item: &str, photo: &PhotoRef) -> bool {
            self.write(|s| s.add_kept_photo(visit, item, photo, Utc::now()))
                .is_some()
        }

        pub fn photo_side(&self, visit: Uuid, item: &str) -> u32 {
            self.read(|s| s.photo_side(visit, item))
                .unwrap_or(zakupka_core::DEFAULT_PHOTO_MAX_SIDE)
        }

        /// Shows the refusal of a photo, as the store words it.
        pub fn refuse(&self, error: &StoreError) {
            let mut notice = self.notice;
            notice.set(Some(crate::i18n::explain(*self.lang.peek(), error)));
        }
    }

    /// The browser: adds the files chosen in the file input `input_id`, one at a time.
    pub async fn add_chosen(state: AppState, visit: Uuid, item: String, input_id: String) {
        let side = state.photo_side(visit, &item);
        add_chosen_with(state, &input_id, side, |photo| {
            state.add_kept_photo(visit, &item, photo)
        })
        .await;
    }

    /// The files chosen in the file input `input_id`, each downscaled to `side` into a Blob
    /// and then recorded by `record` (false: refused, the refusal in the notice).
    pub async fn add_chosen_with(
        state: AppState,
        input_id: &str,
        side: u32,
        record: impl Fn(&PhotoRef) -> bool,
    ) {
        use zakupka_client::web_photos::{self, PrepareError};
        let Some(input) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(input_id))
        else {
            return;
        };
        let input: wasm_bindgen::JsValue = input.into();
        for file in web_photos::chosen_files(&input) {
            let name = web_photos::file_name(&file);
            match web_photos::prepare(&file, side).await {
                Ok(photo) => {
                    if !record(&photo) {
                        // Refused (too many, visit submitted): the Blob is left for the next
                        // start's tidying, unless no row needs it now.
                        if state.photo_kept(&photo.sha256).is_none() {
                            let _ = web_photos::delete(&photo.sha256).await;
                        }
                    }
                }
                Err(PrepareError::NotAPhoto) => state.refuse(&StoreError::UnsupportedPhoto(name)),
                Err(PrepareError::Browser(e)) => {
                    tracing::warn!("{name}: {e}");
                    unreadable(state, &name);
                }
            }
        }
        // The same file chosen again is a change again.
        let _ = js_sys::Reflect::set(&input, &"value".into(), &"".into());
    }
}
