//! A modal dialog for confirmations and decisions: the page behind it is inert, the focus
//! goes into it when it opens, Tab stays in it, Escape closes it, and the focus goes back
//! to what the user was on when it closes.

use dioxus::prelude::*;

use crate::page;

/// Render it while the dialog is open and drop it to close it. `id` names the dialog on the
/// page (unique while it is open); `title` is its heading and accessible name; `on_close`
/// is called on Escape (the caller drops it). The buttons come as children.
#[component]
pub fn Dialog(id: String, title: String, on_close: EventHandler<()>, children: Element) -> Element {
    let heading = format!("{id}-title");
    let opened = id.clone();
    let trapped = id.clone();
    let closing = id.clone();
    // An effect, not `onmounted`: it runs once the dialog is on the page.
    use_effect(move || page::open_dialog(&opened));
    use_drop(move || page::close_dialog(&closing));
    rsx! {
        dialog { id: "{id}", class: "dialog", "aria-labelledby": "{heading}", "data-testid": "dialog",
            onkeydown: move |e: KeyboardEvent| {
                match e.key() {
                    Key::Escape => {
                        e.prevent_default();
                        on_close.call(());
                    }
                    Key::Tab if page::wrap_tab(&trapped, e.modifiers().shift()) => e.prevent_default(),
                    _ => {}
                }
            },
            h2 { id: "{heading}", "{title}" }
            {children}
        }
    }
}
