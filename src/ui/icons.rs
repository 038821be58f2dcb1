//! Icons drawn inline as SVG: a font's glyph (the print sign «⎙») is an empty box where the
//! font lacks it, and a picture needs no font. Decorative: the text beside says what it is.

use dioxus::prelude::*;

/// A printer: paper in, the machine, paper out.
#[component]
pub fn Print() -> Element {
    rsx! {
        svg { class: "icon", view_box: "0 0 24 24", "aria-hidden": "true", "focusable": "false",
            path { d: "M6 9V3h12v6" }
            rect { x: "3", y: "9", width: "18", height: "8", rx: "2" }
            path { d: "M6 14h12v7H6z" }
        }
    }
}

/// A stopwatch (the sign «⏱» has no glyph in common Linux fonts either).
#[component]
pub fn Stopwatch() -> Element {
    rsx! {
        svg { class: "icon", view_box: "0 0 24 24", "aria-hidden": "true", "focusable": "false",
            circle { cx: "12", cy: "14", r: "7" }
            path { d: "M12 14V10M10 3h4M12 3v4" }
        }
    }
}
