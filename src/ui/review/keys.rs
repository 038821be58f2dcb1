//! The decision's keyboard shortcuts, for reviewers at a desktop keyboard: A approves, R
//! returns. Rejecting needs a written reason, so it has no key. Key presses reach the visit
//! screen's root element while the focus is in it (text boxes stop theirs, so letters typed
//! into a remark are never a decision); with the focus on nothing (the page just shown, or
//! after a click outside any control) the browser gives them to the page itself, where
//! `use_page_keys` listens.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use dioxus::prelude::*;
use futures_util::StreamExt;
use zakupka_core::wire::Decision;

/// The keys as shown on the buttons.
pub const APPROVE_KEY: &str = "A";
pub const RETURN_KEY: &str = "R";

/// The decision of a key by its place (`KeyboardEvent.code`) rather than its letter, so
/// that a Russian layout (Ф, К) decides the same.
fn of_code(code: &str) -> Option<Decision> {
    match code {
        "KeyA" => Some(Decision::Approve),
        "KeyR" => Some(Decision::Return),
        _ => None,
    }
}

/// The decision a key press on the screen asks for, if any: never with Ctrl, Alt or Meta
/// held (the browser's and the system's own shortcuts), nor a key held down.
pub fn decision(e: &KeyboardEvent) -> Option<Decision> {
    let held = e.modifiers();
    if held.ctrl() || held.alt() || held.meta() || e.is_auto_repeating() {
        return None;
    }
    of_code(&e.code().to_string())
}

/// While the calling screen is shown, a shortcut pressed with the focus on no element
/// calls `decide`. In the browser only: the desktop webview's screen takes the presses once
/// clicked.
pub fn use_page_keys<F: Future<Output = ()> + 'static>(
    decide: impl Fn(Decision) -> F + Copy + 'static,
) {
    // The page's listener is JavaScript's, outside Dioxus: it only sends, and a task of
    // the screen decides.
    let (tx, rx) = use_hook(|| {
        let (tx, rx) = futures_channel::mpsc::unbounded::<Decision>();
        (tx, Rc::new(RefCell::new(Some(rx))))
    });
    use_future(move || {
        let rx = rx.borrow_mut().take();
        async move {
            let Some(mut rx) = rx else { return };
            while let Some(d) = rx.next().await {
                decide(d).await;
            }
        }
    });
    listen(tx);
}

#[cfg(target_arch = "wasm32")]
fn listen(tx: futures_channel::mpsc::UnboundedSender<Decision>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let listener = use_hook(move || {
        let on_key =
            Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
                // With the focus in an element, the screen's own handler has it (or a text box
                // keeps it); only presses on the page itself are ours.
                let on_page = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element())
                    .is_none_or(|a| a.tag_name() == "BODY");
                if !on_page || e.ctrl_key() || e.alt_key() || e.meta_key() || e.repeat() {
                    return;
                }
                if let Some(d) = of_code(&e.code()) {
                    e.prevent_default();
                    let _ = tx.unbounded_send(d);
                }
            });
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
        }
        Rc::new(on_key)
    });
    use_drop(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.remove_event_listener_with_callback(
                "keydown",
                (*listener).as_ref().unchecked_ref(),
            );
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn listen(_: futures_channel::mpsc::UnboundedSender<Decision>) {}
