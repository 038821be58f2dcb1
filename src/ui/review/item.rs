//! One item of a visit under review: the answer, the auditor's comment and photos, the
//! points, what a correction changed, why it needs attention, and a remark box that opens
//! on tap («Замечание») rather than forty open boxes down the page.

use std::collections::{BTreeMap, BTreeSet};

use dioxus::prelude::*;
use zakupka_core::PhotoRef;
use zakupka_core::review::Reasons;

use crate::i18n;
use crate::state::AppState;

/// Why an item needs attention, in words.
fn reasons_text(lang: zakupka_core::Lang, r: Reasons) -> String {
    [
        (r.critical, i18n::WHY_CRITICAL),
        (r.failed && !r.critical, i18n::WHY_FAILED),
        (r.comment, i18n::WHY_COMMENT),
        (r.photos, i18n::WHY_PHOTOS),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, w)| w.get(lang))
    .collect::<Vec<_>>()
    .join(" · ")
}

#[derive(Props, Clone, PartialEq)]
pub struct ItemProps {
    pub item_id: String,
    pub label: String,
    /// The answer in words.
    pub answer: String,
    pub comment: String,
    pub photos: Vec<PhotoRef>,
    /// "earned / possible", or "—" when not scored.
    pub points: String,
    /// The answer before the correction, when the correction changed this item.
    pub was: Option<String>,
    /// How an upheld appeal changed the item's scoring, and why.
    pub appeal: Option<String>,
    /// Why it needs attention; `None` for items that do not.
    pub reasons: Option<Reasons>,
    /// The visit waits for a decision: remarks can be written.
    pub decidable: bool,
    pub remarks: Signal<BTreeMap<String, String>>,
    /// Items whose remark box is open.
    pub opened: Signal<BTreeSet<String>>,
}

#[component]
pub fn ReviewItem(props: ItemProps) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let ItemProps {
        item_id,
        mut remarks,
        mut opened,
        ..
    } = props.clone();
    let remark = remarks.read().get(&item_id).cloned().unwrap_or_default();
    // A remark already written stays in view.
    let open = opened.read().contains(&item_id) || !remark.is_empty();
    let mut class = Vec::new();
    if props.was.is_some() {
        class.push("changed");
    }
    if props.reasons.is_some_and(|r| r.critical) {
        class.push("critical");
    } else if props.reasons.is_some_and(|r| r.failed) {
        class.push("failed-item");
    }
    // The item's title names its remark box and the button that opens it.
    let title_id = format!("review-item-{item_id}");
    rsx! {
        li { "data-item": "{item_id}", class: class.join(" "),
            span { class: "title", id: "{title_id}", crate::ui::Marked { text: props.label.clone() } }
            span { class: "answer",
                "{props.answer}"
                if !props.comment.is_empty() { " · «{props.comment}»" }
            }
            if !props.photos.is_empty() {
                div { class: "photos",
                    for p in props.photos.iter() {
                        ServerPhoto { key: "{p.sha256}", sha256: p.sha256.clone(), mime: p.mime.clone(), item: props.label.clone() }
                    }
                }
            }
            span { class: "pts", "{props.points}" }
            if let Some(r) = props.reasons {
                span { class: "why", "data-testid": "why", "{reasons_text(lang, r)}" }
            }
            if let Some(note) = props.appeal.as_ref() {
                span { class: "was", "data-testid": "by-appeal", "{note}" }
            }
            if let Some(was) = props.was.as_ref() {
                span { class: "was", "data-testid": "was", "{i18n::WAS.get(lang)}: {was}" }
            }
            if props.decidable && open {
                input { class: "remark-input", "data-remark": "{item_id}", placeholder: "{i18n::REVIEW_ON_ITEM.get(lang)}",
                    "aria-label": "{i18n::REVIEW_ON_ITEM.get(lang)}: {props.label}",
                    value: "{remark}",
                    // Opened from its button, which is gone now: the focus goes on into the box
                    // rather than back to the page.
                    onmounted: { let id = item_id.clone(); move |e: MountedEvent| {
                        let asked = opened.peek().contains(&id) && remarks.peek().get(&id).is_none_or(String::is_empty);
                        async move { if asked { let _ = e.set_focus(true).await; } }
                    } },
                    // Letters typed here are words, not the decision shortcuts.
                    onkeydown: |e: KeyboardEvent| e.stop_propagation(),
                    oninput: { let id = item_id.clone(); move |e: FormEvent| { remarks.write().insert(id.clone(), e.value()); } } }
            } else if props.decidable {
                button { class: "ghost remark-toggle", "data-remark-open": "{item_id}",
                    "aria-describedby": "{title_id}",
                    onclick: { let id = item_id.clone(); move |_| { opened.write().insert(id.clone()); } },
                    "+ {i18n::REVIEW_ON_ITEM.get(lang)}"
                }
            }
        }
    }
}

/// A photo of the visit under review, fetched from the server with the supervisor's token
/// (an `<img src>` cannot carry it), shown as a data URL.
#[component]
fn ServerPhoto(sha256: String, mime: String, item: String) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let sha = sha256.clone();
    // Outside the resource, so that it does not fetch again on every write to the store.
    let api = state.account().map(|a| a.api());
    let photo = use_resource(move || {
        let api = api.clone();
        let sha = sha.clone();
        async move {
            let bytes = api?.photo(&sha).await.ok()?;
            use base64::Engine;
            Some(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
    });
    match &*photo.read() {
        Some(Some(data)) => rsx! {
            figure { "data-photo": "{sha256}",
                // Named by its item: a list of photos all called «Фото» tells nothing.
                img { src: "data:{mime};base64,{data}", alt: "{i18n::PHOTO.get(lang)}: {item}" }
            }
        },
        Some(None) => {
            rsx! { figure { class: "missing", "data-photo": "{sha256}", "{i18n::PHOTO_NOT_ON_SERVER.get(lang)}" } }
        }
        None => rsx! { figure { "data-photo": "{sha256}", "…" } },
    }
}
