//! Persistence of the store in the browser: the page store ([`crate::pages`]) on
//! IndexedDB.
//!
//! SQLite runs on the page's thread over the page VFS. After a write, in a microtask, every
//! page it changed (of the main and the photos database alike) goes into one IndexedDB
//! transaction with strict durability; [`durable`] resolves when every write made so far
//! is committed there, and the UI says «Сохранено» only then. A tap stores a few pages
//! whatever the size of the database. At open, every page is read back (migrating the
//! whole-image snapshots of the earlier release first, see `idb.rs`).
//!
//! Why not OPFS: its synchronous access handles exist only in a dedicated worker, and the
//! app's `Store` API is synchronous on the UI thread; IndexedDB works in every browser the
//! app supports, older Safari included.

mod idb;
mod lock;

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use wasm_bindgen::JsValue;

pub use lock::{Claim, claim, claim_when_free};

use crate::pages::{PageVfs, Sink};
use crate::{Store, StoreError};

const VFS_NAME: &str = "zakupka-pages";

thread_local! {
    static VFS: RefCell<Option<PageVfs>> = const { RefCell::new(None) };
}

fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Flushes in a microtask: `spawn_local` first polls a task from the microtask queue,
/// after the synchronous write (and the UI code around it) has returned.
struct Microtask;

impl Sink for Microtask {
    fn schedule(&self) {
        wasm_bindgen_futures::spawn_local(flush());
    }
}

fn vfs() -> Option<PageVfs> {
    VFS.with(|v| v.borrow().clone())
}

async fn flush() {
    let Some(vfs) = vfs() else { return };
    let Some(batch) = vfs.take_batch() else {
        return;
    };
    let stored = wasm_bindgen_futures::JsFuture::from(idb::write(&batch)).await;
    vfs.finished(batch.seq, stored.map(|_| ()).map_err(js_err));
}

/// Why the store did not open: IndexedDB refused, or the stored data is not a database.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("IndexedDB: {0}")]
    Storage(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Loads the stored pages (migrating the earlier release's snapshots) and opens the store
/// on them. Called again after the user started over, on the same registered VFS.
pub async fn open() -> Result<Store, OpenError> {
    // Without the Web Lock, a mark of this tab fences off any other tab's batches.
    let owner = (!lock::held()).then(|| uuid::Uuid::now_v7().to_string());
    let stored = idb::load(true, owner).await.map_err(OpenError::Storage)?;
    let vfs = match vfs() {
        Some(vfs) => vfs,
        None => {
            let vfs = PageVfs::register(VFS_NAME, Rc::new(Microtask))
                .map_err(|e| OpenError::Storage(e.to_string()))?;
            VFS.with(|v| *v.borrow_mut() = Some(vfs.clone()));
            vfs
        }
    };
    vfs.forget_all();
    for (name, (size, pages)) in stored.files {
        vfs.restore(&name, size, pages);
    }
    Ok(Store::open_paged(VFS_NAME)?)
}

/// Resolves when every write made so far is durably in IndexedDB.
pub fn durable() -> impl Future<Output = Result<(), String>> + 'static {
    let pending = vfs().map(|v| v.durable());
    async move {
        match pending {
            Some(p) => p.await,
            None => Ok(()),
        }
    }
}

/// The main and photos databases exactly as the browser keeps them, to offer as downloads
/// when they do not open.
pub async fn stored_images() -> Result<(Option<Vec<u8>>, Option<Vec<u8>>), String> {
    Ok(idb::images(&idb::load(false, None).await?))
}

/// Forgets what the browser kept (pages and any old snapshots). Only offered after the
/// user has saved a copy.
pub async fn clear() -> Result<(), String> {
    idb::clear().await?;
    if let Some(vfs) = vfs() {
        vfs.forget_all();
    }
    Ok(())
}
