use dioxus::prelude::*;
use uuid::Uuid;
use zakupka_core::{Answer, AnswerValue, Item, ItemKind, Lang, VisitStatus};

use super::{SaveIndicator, Summary};
use crate::i18n;
use crate::photos::PhotoSource;
use crate::state::{AppState, Screen};

/// One section of the checklist at a time, with the answers saved as they are tapped.
#[component]
pub fn Checklist(visit_id: Uuid) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    // Set by «Далее» and «Назад»; once the new section is drawn its heading takes the
    // focus: a screen reader says which section opened, and Tab goes on from its top.
    let mut moved = use_signal(|| false);
    use_effect(move || {
        if moved() {
            crate::page::focus_first("[data-testid=\"section-title\"]");
            moved.set(false);
        }
    });
    let Some(visit) = state.visit(visit_id) else {
        return rsx! { p { class: "loading", "…" } };
    };
    if visit.status != VisitStatus::Draft {
        return rsx! { Summary { visit_id } };
    }
    let Some(template) = state.template_for(&visit) else {
        return rsx! { p { class: "failed", "…" } };
    };
    let position = state.position(visit_id);
    let index = template
        .sections
        .iter()
        .position(|s| s.id == position)
        .unwrap_or(0);
    let section = template.sections[index].clone();
    let sections = template.sections.len();
    let total = template.items().count();
    let answered = template
        .items()
        .filter(|i| visit.answers.get(&i.id).is_some_and(|a| a.value.is_some()))
        .count();
    let progress = (answered * 100).checked_div(total).unwrap_or(0);
    let office = super::case_title(&state, visit.case_id)
        .unwrap_or_else(|| state.office_name(&visit.office_id));
    let timer = state.timer_started_at(visit_id);
    // While correcting a returned visit, the supervisor's remarks stand by their items.
    let remarks = state
        .review_notes(visit_id)
        .filter(|n| n.revision + 1 == visit.revision)
        .map(|n| n.item_comments)
        .unwrap_or_default();
    // Items with open or recently fixed actions, from the assignment: a quiet mark only.
    let recheck = state.recheck_items(visit_id);
    let prev = index
        .checked_sub(1)
        .map(|i| template.sections[i].id.clone());
    let next = template.sections.get(index + 1).map(|s| s.id.clone());

    rsx! {
        main { class: "screen checklist", "data-testid": "checklist", "data-section": "{section.id}", "data-visit": "{visit_id}",
            header { class: "bar",
                button { class: "ghost", "data-testid": "home-button", onclick: move |_| state.go(Screen::Home), "← {i18n::HOME.get(lang)}" }
                span { class: "office", "{office}" }
                SaveIndicator {}
            }
            div { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "{total}",
                "aria-valuenow": "{answered}", "data-testid": "progress",
                "aria-label": "{i18n::a11y::PROGRESS.get(lang)}", "aria-valuetext": "{answered} / {total}",
                // Through the CSSOM (a style property), not a `style` attribute, which the page's
                // Content-Security-Policy refuses.
                div { class: "fill", width: "{progress}%" }
            }
            if let Some(case_id) = visit.case_id { super::CaseSituation { case_id } }
            p { class: "muted", "{i18n::SECTION.get(lang)} {index + 1} / {sections} · {answered} / {total} {i18n::ANSWERED.get(lang)}" }
            h1 { class: "section-title", tabindex: "-1", "data-testid": "section-title",
                super::Marked { text: section.title.get(lang) }
            }
            for item in section.items.iter() {
                ItemCard {
                    key: "{item.id}",
                    visit_id,
                    item: item.clone(),
                    answer: visit.answers.get(&item.id).cloned(),
                    timer_running: item.timer && timer.is_some(),
                    timer_since: timer.map(super::local_time).unwrap_or_default(),
                    remark: remarks.get(&item.id).cloned().unwrap_or_default(),
                    recheck: recheck.contains(&item.id),
                }
            }
            footer { class: "actions nav",
                if let Some(p) = prev {
                    button { class: "secondary big", "data-testid": "prev",
                        onclick: move |_| { state.set_position(visit_id, &p); moved.set(true); scroll_top(); },
                        "← {i18n::BACK.get(lang)}"
                    }
                }
                match next {
                    Some(n) => rsx! {
                        button { class: "primary big", "data-testid": "next",
                            onclick: move |_| { state.set_position(visit_id, &n); moved.set(true); scroll_top(); },
                            "{i18n::NEXT.get(lang)} →"
                        }
                    },
                    None => rsx! {
                        button { class: "primary big", "data-testid": "to-summary",
                            onclick: move |_| state.go(Screen::Summary(visit_id)),
                            "{i18n::TO_SUMMARY.get(lang)} →"
                        }
                    },
                }
            }
        }
    }
}

fn scroll_top() {
    crate::page::scroll_to_top();
}

#[component]
fn ItemCard(
    visit_id: Uuid,
    item: Item,
    answer: Option<Answer>,
    timer_running: bool,
    timer_since: String,
    remark: String,
    recheck: bool,
) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let value = answer.as_ref().and_then(|a| a.value.clone());
    let comment = answer
        .as_ref()
        .map(|a| a.comment.clone())
        .unwrap_or_default();
    let photos = answer
        .as_ref()
        .map(|a| a.photos.clone())
        .unwrap_or_default();
    let mut comment_open = use_signal(|| false);
    let show_comment = comment_open() || !comment.is_empty();
    let id = item.id.clone();
    let answered = value.is_some();

    rsx! {
        // A group named by the question: a screen reader says what «Да» answers.
        article { class: if answered { "item answered" } else { "item" }, "data-item": "{item.id}",
            // An article may not be a group itself; its content is.
            div { role: "group", "aria-labelledby": "q-{item.id}",
                div { class: "label",
                    span { id: "q-{item.id}", super::Marked { text: item.label.get(lang) } }
                    if item.required {
                        span { class: "req", title: "{i18n::REQUIRED.get(lang)}", "aria-hidden": "true", " *" }
                        span { class: "sr-only", " ({i18n::REQUIRED.get(lang)})" }
                    }
                }
                if item.critical { span { class: "badge critical", "{i18n::CRITICAL.get(lang)}" } }
                if recheck { span { class: "badge recheck", "data-testid": "recheck", "{i18n::actions::RECHECK.get(lang)}" } }
                if let Some(hint) = &item.hint { p { class: "hint", super::Marked { text: hint.get(lang) } } }
                if !remark.is_empty() {
                    p { class: "remark", "data-testid": "remark", "⚑ {i18n::REVIEW_ON_ITEM.get(lang)}: {remark}" }
                }
                AnswerInput { visit_id, item: item.clone(), value: value.clone(), timer_running, timer_since }
                div { class: "tools",
                    if item.allow_na {
                        AnswerButton { visit_id, item_id: id.clone(), value: AnswerValue::NotApplicable,
                            selected: value == Some(AnswerValue::NotApplicable), label: i18n::NA.get(lang).to_owned(), class: "na" }
                    }
                    if item.allow_comment {
                        button { class: "ghost", "aria-expanded": "{show_comment}", onclick: move |_| comment_open.toggle(),
                            "✎ {i18n::COMMENT.get(lang)}"
                        }
                    }
                    if answered {
                        button { class: "ghost", "data-testid": "clear",
                            onclick: { let id = id.clone(); move |_| state.clear_answer(visit_id, &id) },
                            "{i18n::CLEAR.get(lang)}"
                        }
                    }
                }
                if item.allow_comment && show_comment {
                    textarea { class: "comment", rows: "2", "aria-label": "{i18n::COMMENT.get(lang)}: {item.label.get(lang)}", value: "{comment}",
                        oninput: { let id = id.clone(); move |e: FormEvent| state.comment(visit_id, &id, &e.value()) }
                    }
                }
                if item.allow_photo {
                    Photos { visit_id, item_id: id.clone(), photos, question: item.label.get(lang).to_owned() }
                }
            }
        }
    }
}

#[component]
fn AnswerButton(
    visit_id: Uuid,
    item_id: String,
    value: AnswerValue,
    selected: bool,
    label: String,
    class: String,
) -> Element {
    let state = use_context::<AppState>();
    let tag = match &value {
        AnswerValue::Yes => "yes".to_owned(),
        AnswerValue::No => "no".to_owned(),
        AnswerValue::Scale(n) => n.to_string(),
        AnswerValue::Number(n) => n.to_string(),
        AnswerValue::Choice(c) => c.clone(),
        AnswerValue::NotApplicable => "na".to_owned(),
    };
    rsx! {
        button {
            class: if selected { format!("answer {class} selected") } else { format!("answer {class}") },
            "aria-pressed": "{selected}",
            "data-value": "{tag}",
            onclick: move |_| state.answer(visit_id, &item_id, value.clone()),
            super::Marked { text: label }
        }
    }
}

#[component]
fn AnswerInput(
    visit_id: Uuid,
    item: Item,
    value: Option<AnswerValue>,
    timer_running: bool,
    timer_since: String,
) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let id = item.id.clone();
    match &item.kind {
        ItemKind::YesNo => rsx! {
            div { class: "answers two",
                AnswerButton { visit_id, item_id: id.clone(), value: AnswerValue::Yes, selected: value == Some(AnswerValue::Yes),
                    label: i18n::YES.get(lang).to_owned(), class: "yes" }
                AnswerButton { visit_id, item_id: id.clone(), value: AnswerValue::No, selected: value == Some(AnswerValue::No),
                    label: i18n::NO.get(lang).to_owned(), class: "no" }
            }
        },
        ItemKind::Scale => rsx! {
            div { class: "answers five",
                for n in 1u8..=5 {
                    AnswerButton { key: "{n}", visit_id, item_id: id.clone(), value: AnswerValue::Scale(n),
                        selected: value == Some(AnswerValue::Scale(n)), label: n.to_string(), class: "mark" }
                }
            }
        },
        ItemKind::Choice { options } => rsx! {
            div { class: "answers column",
                for o in options.iter() {
                    AnswerButton { key: "{o.id}", visit_id, item_id: id.clone(), value: AnswerValue::Choice(o.id.clone()),
                        selected: value == Some(AnswerValue::Choice(o.id.clone())), label: o.label.get(lang).to_owned(), class: "option" }
                }
            }
        },
        ItemKind::Number { unit, .. } => {
            let shown = match &value {
                Some(AnswerValue::Number(n)) => super::points(*n),
                _ => String::new(),
            };
            let unit = unit.get(lang).to_owned();
            rsx! {
                div { class: "number",
                    input { r#type: "number", inputmode: "decimal", min: "0", step: "any", value: "{shown}",
                        "aria-label": "{item.label.get(lang)}", "data-testid": "number",
                        onchange: {
                            let id = id.clone();
                            move |e: FormEvent| number_changed(state, visit_id, &id, &e.value(), lang)
                        }
                    }
                    span { class: "unit", "{unit}" }
                    if item.timer {
                        if timer_running {
                            button { class: "timer running", "data-testid": "timer",
                                onclick: { let id = id.clone(); move |_| state.stop_timer(visit_id, &id) },
                                "■ {i18n::TIMER_STOP.get(lang)} ({i18n::TIMER_RUNNING.get(lang)} · {timer_since})"
                            }
                        } else {
                            button { class: "timer", "data-testid": "timer", onclick: move |_| state.start_timer(visit_id),
                                super::icons::Stopwatch {}
                                " {i18n::TIMER_START.get(lang)}"
                            }
                        }
                    }
                }
            }
        }
    }
}

fn number_changed(state: AppState, visit_id: Uuid, item: &str, text: &str, lang: Lang) {
    let text = text.trim().replace(',', ".");
    if text.is_empty() {
        state.clear_answer(visit_id, item);
        return;
    }
    match text.parse::<f64>() {
        Ok(n) => state.answer(visit_id, item, AnswerValue::Number(n)),
        Err(_) => {
            let mut notice = state.notice;
            notice.set(Some(match lang {
                Lang::Ru => format!("«{text}» — не число"),
                Lang::En => format!("“{text}” is not a number"),
            }));
        }
    }
}

#[component]
fn Photos(
    visit_id: Uuid,
    item_id: String,
    photos: Vec<zakupka_core::PhotoRef>,
    question: String,
) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    // An id of its own, for the browser to take the chosen files from the input itself.
    let input_id = format!("photo-input-{item_id}");
    rsx! {
        div { class: "photos",
            for p in photos.iter() {
                figure { key: "{p.sha256}", "data-sha256": "{p.sha256}",
                    PhotoImage { sha256: p.sha256.clone() }
                    if let Some(text) = evidence(p) {
                        figcaption { class: "muted", "data-testid": "photo-evidence", "{text}" }
                    }
                    button { class: "ghost",
                        onclick: { let (item, sha) = (item_id.clone(), p.sha256.clone()); move |_| state.remove_photo(visit_id, &item, &sha) },
                        "{i18n::REMOVE.get(lang)}"
                    }
                }
            }
            label { class: "secondary photo-add",
                "+ {i18n::ADD_PHOTO.get(lang)}"
                input { r#type: "file", accept: "image/jpeg,image/png,image/webp", "capture": "environment", class: "hidden-input",
                    id: "{input_id}", "aria-label": "{i18n::ADD_PHOTO.get(lang)}: {question}",
                    onchange: {
                        let item = item_id.clone();
                        let input_id = input_id.clone();
                        move |e: FormEvent| add_photos(state, visit_id, item.clone(), input_id.clone(), e)
                    }
                }
            }
        }
    }
}

/// When and where the camera says it took the photo, as its EXIF had it.
fn evidence(p: &zakupka_core::PhotoRef) -> Option<String> {
    let time = p.taken_at.map(|t| t.format("%d.%m.%Y %H:%M").to_string());
    let place = p.position.map(|g| format!("{:.5}, {:.5}", g.lat, g.lon));
    match (time, place) {
        (None, None) => None,
        (t, g) => Some([t, g].into_iter().flatten().collect::<Vec<_>>().join(" · ")),
    }
}

/// The browser: the files go from the input to the photo store without entering wasm.
#[cfg(target_arch = "wasm32")]
async fn add_photos(
    state: AppState,
    visit_id: Uuid,
    item: String,
    input_id: String,
    _e: FormEvent,
) {
    crate::photos::add_chosen(state, visit_id, item, input_id).await;
}

/// Desktop and mobile: the original's bytes are stored as they are.
#[cfg(not(target_arch = "wasm32"))]
async fn add_photos(
    state: AppState,
    visit_id: Uuid,
    item: String,
    _input_id: String,
    e: FormEvent,
) {
    for (name, bytes) in crate::photos::chosen_originals(state, &e).await {
        state.add_photo(visit_id, &item, &name, &bytes);
    }
}

/// A photo from wherever it is kept; a placeholder while it loads or when it is only on
/// the server and the server cannot be reached.
#[component]
fn PhotoImage(sha256: String) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let source = use_resource(move || {
        let sha256 = sha256.clone();
        // Again when the store changes (the photo may have left the device).
        state.data_version();
        crate::photos::source(state, sha256)
    });
    match source() {
        Some(PhotoSource::Url(src)) => rsx! { img { alt: "{i18n::PHOTO.get(lang)}", src } },
        Some(PhotoSource::OnServer) => rsx! {
            p { class: "photo-placeholder", "data-testid": "photo-on-server", "{i18n::PHOTO_ON_SERVER.get(lang)}" }
        },
        Some(PhotoSource::Missing) => rsx! {
            p { class: "photo-placeholder", "{i18n::PHOTO_MISSING.get(lang)}" }
        },
        None => rsx! { p { class: "photo-placeholder", "…" } },
    }
}
