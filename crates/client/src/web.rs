//! Persistence of the store in the browser.
//!
//! The web build runs SQLite in memory on the page's thread and, after every committed
//! write, copies the database into IndexedDB; the UI says "saved" only when IndexedDB has
//! reported the copy complete with strict durability. Photos are a separate database
//! (`media`), copied only when photos change, so a tap copies only the small answers
//! database. (OPFS would avoid the copy but only works inside a dedicated worker.)
//!
//! Each tab copies its own whole database, so two tabs of the app would overwrite each
//! other's answers. One tab holds the store: [`claim`] takes an exclusive Web Lock for the
//! rest of the page's life, and a tab that cannot get it neither loads nor writes anything.

use wasm_bindgen::prelude::*;

use crate::{Store, StoreError};

#[wasm_bindgen(inline_js = r#"
const NAME = 'zakupka';
const STORE = 'snapshots';
let opened = null;
function db() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opened;
}
export async function idb_get(key) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const req = d.transaction(STORE, 'readonly').objectStore(STORE).get(key);
    req.onsuccess = () => resolve(req.result === undefined ? null : req.result);
    req.onerror = () => reject(req.error);
  });
}
export async function idb_put(key, bytes) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(STORE, 'readwrite', { durability: 'strict' });
    tx.objectStore(STORE).put(bytes, key);
    // Commit now rather than when the put's result reaches this thread: after a tap the
    // browser delivers that result only after the next frame, and the commit (the fsync)
    // would wait for it.
    if (tx.commit) tx.commit();
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('aborted'));
  });
}
export async function idb_delete(key) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(STORE, 'readwrite', { durability: 'strict' });
    tx.objectStore(STORE).delete(key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
"#)]
extern "C" {
    fn idb_delete(key: &str) -> js_sys::Promise;
    #[wasm_bindgen(catch)]
    async fn idb_get(key: &str) -> Result<JsValue, JsValue>;
    // Not `async`: the JS call must happen when we call it, not when the future is first
    // polled, so that writes reach IndexedDB in the order they were made.
    fn idb_put(key: &str, bytes: js_sys::Uint8Array) -> js_sys::Promise;
}

#[wasm_bindgen(inline_js = r#"
const LOCK = 'zakupka-store';
let held = false;
let waiting = null;
// The lock is released when the callback's promise settles: this one never does, so the
// lock lasts as long as the page. Never `steal`: the old tab's write in flight could then
// land after this tab has loaded.
function hold() {
  held = true;
  return new Promise(() => {});
}
export function lock_claim() {
  if (!(globalThis.navigator && navigator.locks && navigator.locks.request)) {
    return Promise.resolve('unsupported');
  }
  if (held) return Promise.resolve('held');
  // A request already queued is granted by itself when the other tab closes.
  if (waiting) return Promise.resolve('elsewhere');
  return new Promise((resolve, reject) => {
    navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve('elsewhere');
        return undefined;
      }
      resolve('held');
      return hold();
    }).catch(reject);
  });
}
export function lock_wait() {
  if (held) return Promise.resolve();
  if (!waiting) {
    waiting = new Promise((resolve, reject) => {
      navigator.locks.request(LOCK, () => {
        resolve();
        return hold();
      }).catch((e) => {
        waiting = null;
        reject(e);
      });
    });
  }
  return waiting;
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn lock_claim() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn lock_wait() -> Result<JsValue, JsValue>;
}

/// Whether this tab may load and write the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This tab holds the store until it is closed.
    Held,
    /// Another tab or window of this browser holds it.
    Elsewhere,
    /// The browser has no Web Locks: nothing keeps a second tab out.
    Unsupported,
}

/// Takes the store for this tab if no other tab holds it; never waits for one.
pub async fn claim() -> Result<Claim, String> {
    let answer = lock_claim().await.map_err(js_err)?;
    Ok(match answer.as_string().as_deref() {
        Some("held") => Claim::Held,
        Some("elsewhere") => Claim::Elsewhere,
        _ => Claim::Unsupported,
    })
}

/// Resolves once the tab holding the store has closed and this tab holds it instead.
pub async fn claim_when_free() -> Result<(), String> {
    lock_wait().await.map_err(js_err)?;
    Ok(())
}

const MAIN_KEY: &str = "main";
const MEDIA_KEY: &str = "media";

fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

async fn get(key: &str) -> Result<Option<Vec<u8>>, String> {
    let value = idb_get(key).await.map_err(js_err)?;
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    Ok(Some(js_sys::Uint8Array::new(&value).to_vec()))
}

/// The bytes kept in the browser: the main database and the photos database.
pub struct Snapshots {
    pub main: Option<Vec<u8>>,
    pub media: Option<Vec<u8>>,
}

/// Reads what the browser kept. The bytes are returned as they are, so that a copy can be
/// offered to the user when they do not open as a database.
pub async fn load() -> Result<Snapshots, String> {
    Ok(Snapshots {
        main: get(MAIN_KEY).await?,
        media: get(MEDIA_KEY).await?,
    })
}

pub fn open(snapshots: &Snapshots) -> Result<Store, StoreError> {
    Store::from_snapshots(snapshots.main.clone(), snapshots.media.clone())
}

/// Copies the store into IndexedDB now and returns a future that resolves when the browser
/// reports the copy durably written. Taking the copy is synchronous, so the caller does not
/// hold the store across an await, and copies land in the order writes were made.
pub fn persist(
    store: &mut Store,
    media: bool,
) -> Result<impl std::future::Future<Output = Result<(), String>> + 'static, StoreError> {
    let main = store.snapshot(false)?;
    let main_put = wasm_bindgen_futures::JsFuture::from(idb_put(
        MAIN_KEY,
        js_sys::Uint8Array::from(main.as_slice()),
    ));
    let media_put = if media {
        let bytes = store.snapshot(true)?;
        Some(wasm_bindgen_futures::JsFuture::from(idb_put(
            MEDIA_KEY,
            js_sys::Uint8Array::from(bytes.as_slice()),
        )))
    } else {
        None
    };
    Ok(async move {
        if let Some(put) = media_put {
            put.await.map_err(js_err)?;
        }
        main_put.await.map_err(js_err)?;
        Ok(())
    })
}

/// Forgets what the browser kept. Only offered after the user has saved a copy.
pub async fn clear() -> Result<(), String> {
    wasm_bindgen_futures::JsFuture::from(idb_delete(MAIN_KEY))
        .await
        .map_err(js_err)?;
    wasm_bindgen_futures::JsFuture::from(idb_delete(MEDIA_KEY))
        .await
        .map_err(js_err)?;
    Ok(())
}
