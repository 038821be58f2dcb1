//! One tab holds the store: [`claim`] takes an exclusive Web Lock for the rest of the page's
//! life, and a tab that cannot get it neither loads nor writes anything. (Each tab has its
//! own copy of the pages in memory; two writers would overwrite each other's pages.)

use wasm_bindgen::prelude::*;

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

thread_local! {
    static HELD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this tab holds the Web Lock (else the store fences other tabs off itself).
pub(crate) fn held() -> bool {
    HELD.with(|h| h.get())
}

/// Takes the store for this tab if no other tab holds it; never waits for one.
pub async fn claim() -> Result<Claim, String> {
    let answer = lock_claim().await.map_err(super::js_err)?;
    let claim = match answer.as_string().as_deref() {
        Some("held") => Claim::Held,
        Some("elsewhere") => Claim::Elsewhere,
        _ => Claim::Unsupported,
    };
    HELD.with(|h| h.set(claim == Claim::Held));
    Ok(claim)
}

/// Resolves once the tab holding the store has closed and this tab holds it instead.
pub async fn claim_when_free() -> Result<(), String> {
    lock_wait().await.map_err(super::js_err)?;
    HELD.with(|h| h.set(true));
    Ok(())
}
