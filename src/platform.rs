//! What differs between desktop and the browser: where the store lives, how a write is
//! made durable, and how a copy of a broken database is saved.

use std::future::Future;
use std::pin::Pin;

use zakupka_client::{Store, StoreError};

/// Why the store could not be opened, with what is needed to save a copy of it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenFailure {
    pub message: String,
    /// Where the data lives, shown to the user.
    pub location: String,
}

pub type Durable = Pin<Box<dyn Future<Output = Result<(), String>>>>;

/// How much this device keeps for the app, and how much the browser allows it (none on
/// desktop, where the disk is the limit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageUse {
    pub used: u64,
    pub quota: Option<u64>,
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::path::PathBuf;

    use super::*;

    /// `ZAKUPKA_DATA_DIR` overrides the platform data directory (for several auditors on
    /// one computer, and for tests).
    pub fn data_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("ZAKUPKA_DATA_DIR") {
            return PathBuf::from(dir);
        }
        directories::ProjectDirs::from("ru", "Zakupka", "Zakupka")
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("zakupka-data"))
    }

    fn db_path() -> PathBuf {
        data_dir().join("zakupka.db")
    }

    pub async fn open() -> Result<Store, OpenFailure> {
        let path = db_path();
        let failure = |message: String| OpenFailure {
            message,
            location: path.display().to_string(),
        };
        std::fs::create_dir_all(data_dir())
            .map_err(|e| failure(format!("{}: {e}", data_dir().display())))?;
        Store::open(&path).map_err(|e| failure(e.to_string()))
    }

    /// Two windows on one file are safe: SQLite keeps each one's commits.
    pub async fn claim_store() -> bool {
        true
    }

    /// Never needed: [`claim_store`] always succeeds here.
    pub async fn store_freed() {
        std::future::pending().await
    }

    /// `ZAKUPKA_SERVER`, or a server on this computer.
    pub fn default_server() -> String {
        std::env::var("ZAKUPKA_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8080".into())
    }

    /// The desktop has no reliable "online" event; the sync loop's retries cover it.
    pub fn on_network_back(_f: impl Fn() + 'static) {}

    /// On desktop a commit is already on disk (WAL, synchronous=FULL).
    pub fn persist(_store: &mut Store, _media: bool) -> Result<Durable, StoreError> {
        Ok(Box::pin(async { Ok(()) }))
    }

    fn stamp() -> String {
        chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string()
    }

    fn siblings() -> Vec<PathBuf> {
        let main = db_path();
        ["", "-wal", "-shm", "-media", "-media-wal", "-media-shm"]
            .iter()
            .map(|suffix| {
                let mut p = main.clone().into_os_string();
                p.push(suffix);
                PathBuf::from(p)
            })
            .filter(|p| p.exists())
            .collect()
    }

    /// The size of the store's files.
    pub async fn storage_use() -> Option<StorageUse> {
        let used = siblings()
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        Some(StorageUse { used, quota: None })
    }

    /// Files on disk stay until the user deletes them: nothing to ask for.
    pub async fn ask_persistent_storage() -> Option<bool> {
        None
    }

    pub async fn storage_persistent() -> Option<bool> {
        None
    }

    /// Copies every file of the store into a new folder beside it; returns that folder.
    pub async fn save_copy() -> Result<String, String> {
        let dir = data_dir().join(format!("copy-{}", stamp()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for file in siblings() {
            let target = dir.join(file.file_name().unwrap_or_default());
            std::fs::copy(&file, &target).map_err(|e| format!("{}: {e}", file.display()))?;
        }
        Ok(dir.display().to_string())
    }

    /// Saves a file for the user: into the Downloads folder where there is one.
    pub async fn save_file(name: &str, bytes: &[u8]) -> Result<String, String> {
        let dir = directories::UserDirs::new()
            .and_then(|u| u.download_dir().map(|d| d.to_path_buf()))
            .unwrap_or_else(|| data_dir().join("exports"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path.display().to_string())
    }

    /// Moves the broken files aside (never deletes them) so a fresh store can be made.
    pub async fn set_aside() -> Result<(), String> {
        let stamp = stamp();
        for file in siblings() {
            let mut aside = file.clone().into_os_string();
            aside.push(format!(".broken-{stamp}"));
            std::fs::rename(&file, &aside).map_err(|e| format!("{}: {e}", file.display()))?;
        }
        Ok(())
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;
    use wasm_bindgen::JsCast;
    use zakupka_client::web;

    pub async fn open() -> Result<Store, OpenFailure> {
        let failure = |message: String| OpenFailure {
            message,
            location: "IndexedDB «zakupka»".into(),
        };
        let snapshots = web::load().await.map_err(failure)?;
        web::open(&snapshots).map_err(|e| failure(e.to_string()))
    }

    pub fn persist(store: &mut Store, media: bool) -> Result<Durable, StoreError> {
        Ok(Box::pin(web::persist(store, media)?))
    }

    /// Whether this tab may open the store: false while another tab or window holds it.
    /// Without Web Locks the tab opens as it always did, and says so in the log.
    pub async fn claim_store() -> bool {
        match web::claim().await {
            Ok(web::Claim::Held) => true,
            Ok(web::Claim::Elsewhere) => false,
            Ok(web::Claim::Unsupported) => {
                tracing::warn!(
                    "this browser has no Web Locks: a second tab of the app could overwrite this one's answers"
                );
                true
            }
            Err(e) => {
                tracing::warn!("the store's Web Lock failed ({e}): opening without it");
                true
            }
        }
    }

    /// Resolves once the tab that held the store has closed and this one holds it.
    pub async fn store_freed() {
        if let Err(e) = web::claim_when_free().await {
            // Not retried by itself, so a browser that refuses cannot spin: «Повторить» stays.
            tracing::warn!("waiting for the store's Web Lock failed: {e}");
            std::future::pending::<()>().await
        }
    }

    /// The server that served this page.
    pub fn default_server() -> String {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }

    /// Calls `f` whenever the browser reports the network back.
    pub fn on_network_back(f: impl Fn() + 'static) {
        let closure = wasm_bindgen::closure::Closure::<dyn Fn()>::new(f);
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("online", closure.as_ref().unchecked_ref());
        }
        // Lives as long as the page.
        closure.forget();
    }

    fn download(name: &str, bytes: &[u8]) -> Result<(), String> {
        let js = |e: wasm_bindgen::JsValue| format!("{e:?}");
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js)?;
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or("no document")?;
        let a: web_sys::HtmlAnchorElement =
            document.create_element("a").map_err(js)?.unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        a.click();
        web_sys::Url::revoke_object_url(&url).map_err(js)?;
        Ok(())
    }

    /// Offers the stored bytes as downloads, exactly as the browser kept them.
    pub async fn save_copy() -> Result<String, String> {
        let snapshots = web::load().await?;
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        if let Some(main) = &snapshots.main {
            download(&format!("zakupka-{stamp}.db"), main)?;
        }
        if let Some(media) = &snapshots.media {
            download(&format!("zakupka-{stamp}-media.db"), media)?;
        }
        Ok("Downloads".into())
    }

    pub async fn set_aside() -> Result<(), String> {
        web::clear().await?;
        zakupka_client::web_photos::clear().await
    }

    /// `navigator.storage`, missing outside secure contexts and in old browsers.
    fn storage_manager() -> Option<web_sys::StorageManager> {
        let navigator = web_sys::window()?.navigator();
        let storage = js_sys::Reflect::get(&navigator, &"storage".into()).ok()?;
        (!storage.is_undefined()).then(|| storage.unchecked_into())
    }

    async fn answer(
        promise: Result<js_sys::Promise, wasm_bindgen::JsValue>,
    ) -> Option<wasm_bindgen::JsValue> {
        wasm_bindgen_futures::JsFuture::from(promise.ok()?)
            .await
            .ok()
    }

    /// What the browser keeps for this site (the store, the app's cached files) and its quota.
    pub async fn storage_use() -> Option<StorageUse> {
        let estimate: web_sys::StorageEstimate = answer(storage_manager()?.estimate())
            .await?
            .unchecked_into();
        Some(StorageUse {
            used: estimate.get_usage()? as u64,
            quota: estimate.get_quota().map(|q| q as u64),
        })
    }

    /// Whether the browser has promised not to evict the store when space runs low.
    pub async fn storage_persistent() -> Option<bool> {
        answer(storage_manager()?.persisted()).await?.as_bool()
    }

    /// Asks the browser to keep the store through storage pressure, unless it already
    /// does; the browser's answer, or None where it cannot be asked.
    pub async fn ask_persistent_storage() -> Option<bool> {
        if storage_persistent().await == Some(true) {
            return Some(true);
        }
        answer(storage_manager()?.persist()).await?.as_bool()
    }

    /// Hands a file to the browser as a download.
    pub async fn save_file(name: &str, bytes: &[u8]) -> Result<String, String> {
        download(name, bytes)?;
        Ok(name.to_owned())
    }
}

pub use imp::*;
