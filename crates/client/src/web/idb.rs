//! The pages in IndexedDB: database 'zakupka', object store 'pages' (key [file, page
//! index], value the page's bytes) and 'files' (key file, value { size }). Version 1 of the
//! database held object store 'snapshots' (whole SQLite images under 'main' and 'media');
//! it is kept so that a browser of that release is migrated at its first open. Object
//! store 'meta' holds the owner mark of a tab opened without a Web Lock.

use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;

use crate::pages::{Batch, MAIN_FILE, MEDIA_FILE, PAGE_SIZE};

#[wasm_bindgen(inline_js = r#"
const NAME = 'zakupka';
const VERSION = 2;
const PAGE = 4096;
const ALL = ['snapshots', 'pages', 'files', 'meta'];
let opened = null;
let handle = null;
// Set where no Web Lock keeps a second tab out: this tab's mark, stored at open as the
// store's owner. A batch whose tab is no longer the owner is refused, so two tabs can
// never mix their pages into one file; the older tab's writes fail visibly instead.
let owner = null;
function db() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const d = req.result;
        for (const name of ALL) if (!d.objectStoreNames.contains(name)) d.createObjectStore(name);
      };
      req.onsuccess = () => {
        handle = req.result;
        // A later version opened elsewhere must not wait for this page forever.
        handle.onversionchange = () => handle.close();
        resolve(handle);
      };
      req.onerror = () => reject(req.error);
    }).catch((e) => { opened = null; throw e; });
  }
  return opened;
}
function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction aborted'));
  });
}
// Every stored file and page, and the old release's snapshots if there are still any.
// With `migrate`, those snapshots become pages and are deleted in this same transaction,
// so there is never a moment with both or neither.
export async function idb_load(migrate, token) {
  const d = await db();
  const tx = d.transaction(ALL, migrate ? 'readwrite' : 'readonly', { durability: 'strict' });
  const [files, pages, snaps] = [tx.objectStore('files'), tx.objectStore('pages'), tx.objectStore('snapshots')];
  const out = { names: [], sizes: [], keys: [], values: [], main: null, media: null, migrated: false };
  const readAll = () => {
    files.getAllKeys().onsuccess = (e) => { out.names = e.target.result; };
    files.getAll().onsuccess = (e) => { out.sizes = e.target.result.map((f) => f.size); };
    pages.getAllKeys().onsuccess = (e) => { out.keys = e.target.result; };
    pages.getAll().onsuccess = (e) => { out.values = e.target.result; };
  };
  if (token) tx.objectStore('meta').put(token, 'owner');
  const count = files.count();
  count.onsuccess = () => {
    if (count.result > 0) { readAll(); return; }
    const main = snaps.get('main');
    const media = snaps.get('media');
    media.onsuccess = () => {
      out.main = main.result ?? null;
      out.media = media.result ?? null;
      if (migrate && (out.main !== null || out.media !== null)) {
        for (const [file, value] of [['zakupka', out.main], ['zakupka-media', out.media]]) {
          if (value === null) continue;
          const bytes = new Uint8Array(value);
          for (let i = 0; i * PAGE < bytes.length; i++) pages.put(bytes.slice(i * PAGE, (i + 1) * PAGE), [file, i]);
          files.put({ size: bytes.length }, file);
        }
        snaps.delete('main');
        snaps.delete('media');
        out.migrated = true;
        readAll();
      }
    };
  };
  await done(tx);
  owner = token || null;
  return out;
}
// One batch, all or nothing: `entries` is [file, size, [[index, bytes], ...]] per file.
// Called in the microtask after a write, so the transaction is created before anything
// else runs, and batches land in the order they were made.
export function idb_write(entries) {
  let tx;
  try {
    if (!handle) throw new Error('IndexedDB is not open');
    tx = handle.transaction(['pages', 'files', 'meta'], 'readwrite', { durability: 'strict' });
  } catch (e) {
    return Promise.reject(e);
  }
  const [files, pages] = [tx.objectStore('files'), tx.objectStore('pages')];
  let taken = false;
  const put = () => {
    for (const [file, size, changed] of entries) {
      files.put({ size }, file);
      pages.delete(IDBKeyRange.bound([file, Math.ceil(size / PAGE)], [file, Infinity]));
      for (const [index, bytes] of changed) pages.put(bytes, [file, index]);
    }
    // Commit now rather than when the puts' results reach this thread: after a tap the
    // browser delivers those only after the next frame, and the commit would wait.
    if (tx.commit) tx.commit();
  };
  if (owner) {
    const mark = owner;
    const get = tx.objectStore('meta').get('owner');
    get.onsuccess = () => {
      if (get.result === mark) { put(); return; }
      taken = true;
      tx.abort();
    };
  } else {
    put();
  }
  return done(tx).catch((e) => {
    throw taken ? new Error('the store was opened in another tab') : e;
  });
}
export async function idb_clear() {
  const d = await db();
  const tx = d.transaction(ALL, 'readwrite', { durability: 'strict' });
  for (const name of ALL) tx.objectStore(name).clear();
  return done(tx);
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn idb_load(migrate: bool, token: Option<String>) -> Result<JsValue, JsValue>;
    // Not `async`: the transaction must be created when this is called, not when a future
    // is first polled.
    fn idb_write(entries: js_sys::Array) -> js_sys::Promise;
    #[wasm_bindgen(catch)]
    async fn idb_clear() -> Result<JsValue, JsValue>;
}

/// A stored file: its size and pages by index.
pub(crate) type StoredFile = (u64, Vec<(u32, Vec<u8>)>);

/// What IndexedDB holds.
pub(crate) struct Stored {
    pub files: BTreeMap<String, StoredFile>,
    /// The old release's images, while they have not been migrated.
    pub main: Option<Vec<u8>>,
    pub media: Option<Vec<u8>>,
}

fn field(value: &JsValue, name: &str) -> Result<JsValue, String> {
    js_sys::Reflect::get(value, &name.into()).map_err(super::js_err)
}

fn bytes(value: &JsValue) -> Option<Vec<u8>> {
    (!value.is_null() && !value.is_undefined()).then(|| js_sys::Uint8Array::new(value).to_vec())
}

/// Reads everything kept; with `migrate`, first moves old snapshots into pages. With
/// `owner`, this tab becomes the store's only writer (where no Web Lock guards it).
pub(crate) async fn load(migrate: bool, owner: Option<String>) -> Result<Stored, String> {
    let out = idb_load(migrate, owner).await.map_err(super::js_err)?;
    let names = js_sys::Array::from(&field(&out, "names")?);
    let sizes = js_sys::Array::from(&field(&out, "sizes")?);
    let mut files = BTreeMap::new();
    for (name, size) in names.iter().zip(sizes.iter()) {
        let name = name.as_string().ok_or("a stored file has no name")?;
        let size = size.as_f64().ok_or("a stored file has no size")? as u64;
        files.insert(name, (size, Vec::new()));
    }
    let keys = js_sys::Array::from(&field(&out, "keys")?);
    let values = js_sys::Array::from(&field(&out, "values")?);
    for (key, value) in keys.iter().zip(values.iter()) {
        let key = js_sys::Array::from(&key);
        let (Some(name), Some(index)) = (key.get(0).as_string(), key.get(1).as_f64()) else {
            return Err("a stored page has a malformed key".into());
        };
        // A page of a file with no size entry cannot be placed: the batch that wrote it
        // also wrote the size, so this is damage, reported rather than guessed at.
        let (_, pages) = files
            .get_mut(&name)
            .ok_or_else(|| format!("page {index} of {name} has no file entry"))?;
        pages.push((index as u32, bytes(&value).unwrap_or_default()));
    }
    Ok(Stored {
        files,
        main: bytes(&field(&out, "main")?),
        media: bytes(&field(&out, "media")?),
    })
}

/// Starts storing `batch` now; the promise settles when IndexedDB has committed it.
pub(crate) fn write(batch: &Batch) -> js_sys::Promise {
    let entries = js_sys::Array::new();
    for file in &batch.files {
        let changed = js_sys::Array::new();
        for (index, bytes) in &file.pages {
            let page = js_sys::Uint8Array::from(bytes.as_slice());
            changed.push(&js_sys::Array::of2(&(*index).into(), &page));
        }
        entries.push(&js_sys::Array::of3(
            &file.name.as_str().into(),
            &(file.size as f64).into(),
            &changed,
        ));
    }
    idb_write(entries)
}

pub(crate) async fn clear() -> Result<(), String> {
    idb_clear().await.map_err(super::js_err)?;
    Ok(())
}

/// A stored file's bytes, pages put in place.
pub(crate) fn assemble((size, pages): &StoredFile) -> Vec<u8> {
    let mut out = vec![0; *size as usize];
    for (index, page) in pages {
        let at = *index as usize * PAGE_SIZE;
        if at < out.len() {
            let n = page.len().min(out.len() - at);
            out[at..at + n].copy_from_slice(&page[..n]);
        }
    }
    out
}

/// The main and photos databases as files, from pages or, before migration, snapshots.
pub(crate) fn images(stored: &Stored) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    if stored.files.is_empty() {
        return (stored.main.clone(), stored.media.clone());
    }
    (
        stored.files.get(MAIN_FILE).map(assemble),
        stored.files.get(MEDIA_FILE).map(assemble),
    )
}
