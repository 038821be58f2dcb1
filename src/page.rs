//! Small things done to the page itself. On the web they are web-sys calls, not
//! `document::eval`: eval builds a JS function from text, which the server's
//! Content-Security-Policy forbids (`script-src` without `unsafe-eval`). The desktop
//! webview has no such policy and keeps eval.

/// Back to the top of the page (a new section of the checklist starts there).
pub fn scroll_to_top() {
    #[cfg(target_arch = "wasm32")]
    if let Some(window) = web_sys::window() {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
    #[cfg(not(target_arch = "wasm32"))]
    dioxus::document::eval("window.scrollTo(0, 0)");
}

/// Prints the screen as a report, every folded section opened first.
pub fn print_report() {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(list) = window
            .document()
            .and_then(|d| d.query_selector_all("details").ok())
        {
            for element in (0..list.length())
                .filter_map(|i| list.item(i))
                .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                let _ = element.set_attribute("open", "");
            }
        }
        let _ = window.print();
    }
    #[cfg(not(target_arch = "wasm32"))]
    dioxus::document::eval(
        "document.querySelectorAll('details').forEach((d) => d.open = true); window.print();",
    );
}

/// Says where the user is: the document's title (what a screen reader reads on a change,
/// and what the tab or window shows) and its language, so the page is read with the
/// right voice.
pub fn set_title_and_lang(title: &str, lang: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(title);
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("lang", lang);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let (title, lang) = (js_string(title), js_string(lang));
        dioxus::document::eval(&format!(
            "document.title = {title}; document.documentElement.lang = {lang};"
        ));
    }
    // The desktop window's own title is what the system (and its screen reader) shows.
    #[cfg(feature = "desktop")]
    dioxus::desktop::window().set_title(title);
}

/// Puts the keyboard and screen-reader focus on the first element matching `selector`
/// (a screen's `h1`, a section's heading), made focusable by script only (`tabindex=-1`),
/// so the user hears where they are instead of starting again at the top of the page.
pub fn focus_first(selector: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Some(element) = document
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            if !element.has_attribute("tabindex") {
                let _ = element.set_attribute("tabindex", "-1");
            }
            let _ = element.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let selector = js_string(selector);
        dioxus::document::eval(&format!(
            "const e = document.querySelector({selector}); \
             if (e) {{ if (!e.hasAttribute('tabindex')) e.setAttribute('tabindex', '-1'); e.focus(); }}"
        ));
    }
}

/// Opens the `<dialog>` with this id as a modal one: the rest of the page becomes inert
/// (neither clicked, tabbed to nor read), and the element focused before is remembered,
/// so [`close_dialog`] can give the focus back.
pub fn open_dialog(id: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let before = document.active_element();
        RETURN_FOCUS.with(|r| r.borrow_mut().push(before));
        if let Some(dialog) = document
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlDialogElement>().ok())
            && !dialog.open()
        {
            let _ = dialog.show_modal();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let id = js_string(id);
        dioxus::document::eval(&format!(
            "(window.zakupkaFocus = window.zakupkaFocus || []).push(document.activeElement); \
             const d = document.getElementById({id}); if (d && !d.open) d.showModal();"
        ));
    }
}

/// Closes the dialog with this id if it is still on the page and gives the focus back to
/// where it was before the last [`open_dialog`], if that element is still there.
pub fn close_dialog(id: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        if let Some(dialog) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlDialogElement>().ok())
        {
            dialog.close();
        }
        let before = RETURN_FOCUS.with(|r| r.borrow_mut().pop()).flatten();
        if let Some(element) = before
            .filter(|e| e.is_connected())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let id = js_string(id);
        dioxus::document::eval(&format!(
            "const d = document.getElementById({id}); if (d && d.open) d.close(); \
             const e = (window.zakupkaFocus || []).pop(); if (e && e.isConnected) e.focus();"
        ));
    }
}

/// Keeps Tab inside the dialog with this id: from its last control to its first, and with
/// Shift from its first to its last. True when it moved the focus (the caller then stops
/// the browser's own move). A modal dialog already makes the page inert, but the browser
/// would still send the focus out to its own toolbar in between.
#[cfg(target_arch = "wasm32")]
pub fn wrap_tab(id: &str, backwards: bool) -> bool {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Some(dialog) = document.get_element_by_id(id) else {
        return false;
    };
    let Ok(list) = dialog.query_selector_all(
        "button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])",
    ) else {
        return false;
    };
    let controls: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect();
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        return false;
    };
    let active = document.active_element();
    let at = |e: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a == e.as_ref());
    let (edge, to) = if backwards {
        (first, last)
    } else {
        (last, first)
    };
    if at(edge) || !active.as_ref().is_some_and(|a| dialog.contains(Some(a))) {
        let _ = to.focus();
        return true;
    }
    false
}

/// Elsewhere the modal dialog's inertness keeps the focus in; nothing to wrap.
#[cfg(not(target_arch = "wasm32"))]
pub fn wrap_tab(_id: &str, _backwards: bool) -> bool {
    false
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    static RETURN_FOCUS: std::cell::RefCell<Vec<Option<web_sys::Element>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A Rust string as a JavaScript string literal (JSON's syntax is JavaScript's).
#[cfg(not(target_arch = "wasm32"))]
fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}
