//! The decision's keyboard shortcuts, for reviewers at a desktop keyboard: A approves, R
//! returns. Rejecting needs a written reason, so it has no key. The visit screen listens
//! on its root element, which takes the focus when shown; text boxes stop their key
//! presses from reaching it, so letters typed into a remark are never a decision.

use dioxus::prelude::*;
use zakupka_core::wire::Decision;

/// The keys as shown on the buttons.
pub const APPROVE_KEY: &str = "A";
pub const RETURN_KEY: &str = "R";

/// The decision a key press asks for, if any. By the key's place rather than its letter,
/// so a Russian layout (Ф, К) decides the same; never with Ctrl, Alt or Meta held (the
/// browser's and the system's own shortcuts), nor a key held down.
pub fn decision(e: &KeyboardEvent) -> Option<Decision> {
    let held = e.modifiers();
    if held.ctrl() || held.alt() || held.meta() || e.is_auto_repeating() {
        return None;
    }
    match e.code() {
        Code::KeyA => Some(Decision::Approve),
        Code::KeyR => Some(Decision::Return),
        _ => None,
    }
}
