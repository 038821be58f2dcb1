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
