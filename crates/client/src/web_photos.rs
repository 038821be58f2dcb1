//! Photos in the browser, kept out of wasm memory.
//!
//! The original file is read by the browser, never by wasm: JavaScript decodes it with EXIF
//! orientation applied (`createImageBitmap`), draws it at most the item's longest side onto a
//! canvas, encodes JPEG at quality 0.85 (a canvas writes no EXIF), hashes that with
//! `crypto.subtle` and stores it as a Blob in its own IndexedDB database, `zakupka-photos`,
//! by SHA-256, with strict durability, before the store records the photo's row. Only the
//! original's first [`evidence::HEADER_BYTES`] come into wasm, to read the evidence in its
//! EXIF. Photos are shown through object URLs of those Blobs (or of the server's copy once
//! retention removed them), and uploaded one at a time.

use wasm_bindgen::prelude::*;
use zakupka_core::PhotoRef;

use crate::{Store, StoreError, evidence};

#[wasm_bindgen(inline_js = r#"
const NAME = 'zakupka-photos';
const STORE = 'blobs';
const QUALITY = 0.85;
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
function request(mode, run, durable) {
  return db().then((d) => new Promise((resolve, reject) => {
    const tx = d.transaction(STORE, mode, durable ? { durability: 'strict' } : undefined);
    const req = run(tx.objectStore(STORE));
    let result;
    req.onsuccess = () => { result = req.result; };
    if (mode === 'readwrite' && tx.commit) tx.commit();
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('aborted'));
  }));
}
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
const urls = new Map();

export function photo_files(input) {
  return input && input.files ? Array.from(input.files) : [];
}
export function photo_file_name(file) { return file.name || ''; }
export async function photo_header(file, len) {
  return new Uint8Array(await file.slice(0, len).arrayBuffer());
}
// Downscales, encodes, hashes and durably stores one photo; answers [sha256, size].
export async function photo_store(file, maxSide) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (e) {
    throw new Error('unsupported');
  }
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  let blob;
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(w, h);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, w, h);
    blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
  } else {
    const canvas = document.createElement('canvas');
    canvas.width = w; canvas.height = h;
    canvas.getContext('2d').drawImage(bitmap, 0, 0, w, h);
    blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
    canvas.width = 0; canvas.height = 0;
  }
  bitmap.close();
  if (!blob) throw new Error('the browser could not encode the photo');
  const sha = hex(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  await request('readwrite', (s) => s.put(blob, sha), true);
  return [sha, blob.size];
}
export async function photo_put_bytes(sha, bytes) {
  const blob = new Blob([bytes], { type: 'image/jpeg' });
  await request('readwrite', (s) => s.put(blob, sha), true);
}
export async function photo_bytes(sha) {
  const blob = await request('readonly', (s) => s.get(sha));
  return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
}
export async function photo_url(sha) {
  if (urls.has(sha)) return urls.get(sha);
  const blob = await request('readonly', (s) => s.get(sha));
  if (!blob) return null;
  const url = URL.createObjectURL(blob);
  urls.set(sha, url);
  return url;
}
// The server's copy of a photo the device no longer keeps; null when it cannot be had.
export async function photo_server_url(address, token, header, version) {
  if (urls.has(address)) return urls.get(address);
  try {
    const res = await fetch(address, { headers: { authorization: `Bearer ${token}`, [header]: version } });
    if (!res.ok) return null;
    const url = URL.createObjectURL(await res.blob());
    urls.set(address, url);
    return url;
  } catch (e) {
    return null;
  }
}
export async function photo_delete(sha) {
  const url = urls.get(sha);
  if (url) { URL.revokeObjectURL(url); urls.delete(sha); }
  await request('readwrite', (s) => s.delete(sha), true);
}
export async function photo_keys() {
  return (await request('readonly', (s) => s.getAllKeys())) || [];
}
export async function photo_clear() {
  for (const url of urls.values()) URL.revokeObjectURL(url);
  urls.clear();
  await request('readwrite', (s) => s.clear(), true);
}
// For tests and measurements: the size of wasm memory, which never shrinks.
export function expose_memory(memory) {
  globalThis.zakupkaWasmMemory = memory;
}
"#)]
extern "C" {
    fn photo_files(input: &JsValue) -> js_sys::Array;
    fn photo_file_name(file: &JsValue) -> String;
    #[wasm_bindgen(catch)]
    async fn photo_header(file: &JsValue, len: usize) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn photo_store(file: &JsValue, max_side: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn photo_put_bytes(sha: &str, bytes: js_sys::Uint8Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn photo_bytes(sha: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn photo_url(sha: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn photo_server_url(
        address: &str,
        token: &str,
        header: &str,
        version: &str,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn photo_delete(sha: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn photo_keys() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn photo_clear() -> Result<JsValue, JsValue>;
    fn expose_memory(memory: JsValue);
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

/// The files chosen in a file input (a `HTMLInputElement`), as the browser holds them.
pub fn chosen_files(input: &JsValue) -> Vec<JsValue> {
    photo_files(input).iter().collect()
}

/// A file's name as the user sees it.
pub fn file_name(file: &JsValue) -> String {
    photo_file_name(file)
}

/// Why a photo was not stored.
#[derive(Debug)]
pub enum PrepareError {
    /// The browser cannot decode the file as an image.
    NotAPhoto,
    /// The browser failed to read, encode or store it (its English words, for the log).
    Browser(String),
}

/// Downscales the original `file` to at most `max_side` pixels, stores the result durably
/// as a Blob by its SHA-256 and answers what the store is to record of it, with the
/// evidence read from the original's EXIF. Only the original's header enters wasm memory.
pub async fn prepare(file: &JsValue, max_side: u32) -> Result<PhotoRef, PrepareError> {
    let browser = |e| PrepareError::Browser(js_err(e));
    let header = photo_header(file, evidence::HEADER_BYTES)
        .await
        .map_err(browser)?;
    let found = evidence::read(&js_sys::Uint8Array::new(&header).to_vec());
    let stored = photo_store(file, max_side).await.map_err(|e| {
        if js_err(e.clone()) == "unsupported" {
            PrepareError::NotAPhoto
        } else {
            browser(e)
        }
    })?;
    let stored = js_sys::Array::from(&stored);
    let sha256 = stored.get(0).as_string().unwrap_or_default();
    let size = stored.get(1).as_f64().unwrap_or(0.0) as u64;
    Ok(PhotoRef {
        sha256,
        mime: "image/jpeg".into(),
        size,
        taken_at: found.taken_at,
        position: found.position,
    })
}

/// The bytes of a kept photo, read into wasm for its upload; `None`: no such Blob.
pub async fn bytes(sha256: &str) -> Result<Option<Vec<u8>>, String> {
    let value = photo_bytes(sha256).await.map_err(js_err)?;
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    Ok(Some(js_sys::Uint8Array::new(&value).to_vec()))
}

/// An object URL showing a kept photo; `None`: no such Blob.
pub async fn url(sha256: &str) -> Result<Option<String>, String> {
    Ok(photo_url(sha256).await.map_err(js_err)?.as_string())
}

/// An object URL of the server's copy at `address` (its photo endpoint), fetched with the
/// account's token; `None` when the server cannot be reached or will not give it.
pub async fn server_url(address: &str, token: &str) -> Option<String> {
    let version = zakupka_core::wire::PROTOCOL_VERSION.to_string();
    photo_server_url(
        address,
        token,
        zakupka_core::wire::PROTOCOL_HEADER,
        &version,
    )
    .await
    .ok()?
    .as_string()
}

/// Forgets a photo's Blob (removed from the device by retention, or left over).
pub async fn delete(sha256: &str) -> Result<(), String> {
    photo_delete(sha256).await.map_err(js_err)?;
    Ok(())
}

/// Deletes every kept photo: with the rest of the browser's data, after a copy was saved.
pub async fn clear() -> Result<(), String> {
    photo_clear().await.map_err(js_err)?;
    Ok(())
}

/// Makes the size of wasm memory readable by tests (`zakupkaWasmMemory.buffer.byteLength`).
pub fn expose_wasm_memory() {
    expose_memory(wasm_bindgen::memory());
}

/// At start: photos a store from before Blobs kept in its rows move out to Blobs (each
/// durably written before its row is emptied), their space is reclaimed, and Blobs no row
/// needs are deleted. Answers whether the store changed and must be persisted, photos and
/// all. Run before the app shares the store, so it may be held across the awaits.
pub async fn tidy(store: &mut Store) -> Result<bool, String> {
    let text = |e: StoreError| e.to_string();
    let in_rows = store.photos_in_rows().map_err(text)?;
    for sha in &in_rows {
        let Some((_, bytes)) = store.photo(sha).map_err(text)? else {
            continue;
        };
        photo_put_bytes(sha, js_sys::Uint8Array::from(bytes.as_slice()))
            .await
            .map_err(js_err)?;
        store.photo_moved_out(sha).map_err(text)?;
    }
    if !in_rows.is_empty() {
        store.reclaim_photo_space().map_err(text)?;
    }
    let needed = store.photos_in_blobs().map_err(text)?;
    let keys = js_sys::Array::from(&photo_keys().await.map_err(js_err)?);
    for key in keys.iter().filter_map(|k| k.as_string()) {
        if !needed.contains(&key) {
            delete(&key).await?;
        }
    }
    Ok(!in_rows.is_empty())
}
