use dioxus::prelude::*;
use zakupka_core::Lang;

use crate::i18n;
use crate::platform::{self, OpenFailure};

/// The store would not open. Nothing is reset silently: the user saves a copy first, and
/// only then may start over, with the broken files moved aside rather than deleted.
#[component]
pub fn DatabaseError(failure: OpenFailure, on_reset: EventHandler<()>) -> Element {
    let mut copied = use_signal(|| None::<Result<String, String>>);
    let lang = Lang::Ru;
    use_title(i18n::DB_ERROR_TITLE.get(lang));
    rsx! {
        main { class: "screen error-screen", "data-testid": "db-error",
            h1 { "{i18n::DB_ERROR_TITLE.get(lang)}" }
            p { class: "muted", lang: "en", "{i18n::DB_ERROR_TITLE.get(Lang::En)}" }
            p { "{i18n::DB_ERROR_TEXT.get(lang)}" }
            pre { class: "error-detail", "{failure.location}\n{failure.message}" }
            button { class: "primary big", "data-testid": "save-copy",
                onclick: move |_| async move { copied.set(Some(platform::save_copy().await)); },
                "{i18n::SAVE_COPY.get(lang)}"
            }
            match copied() {
                Some(Ok(place)) => rsx! {
                    p { class: "ok", "{i18n::COPY_SAVED.get(lang)}: {place}" }
                    button { class: "danger big", "data-testid": "start-empty",
                        onclick: move |_| async move {
                            match platform::set_aside().await {
                                Ok(()) => on_reset.call(()),
                                Err(e) => copied.set(Some(Err(e))),
                            }
                        },
                        "{i18n::START_EMPTY.get(lang)}"
                    }
                },
                Some(Err(e)) => rsx! { p { class: "failed", "{e}" } },
                None => rsx! {},
            }
        }
    }
}

/// Another tab or window of this browser holds the store. This tab waits without loading
/// it and opens by itself once that one is closed; «Повторить» checks again at once.
#[component]
pub fn OpenElsewhere(on_retry: EventHandler<()>) -> Element {
    use_future(move || async move {
        platform::store_freed().await;
        on_retry.call(());
    });
    let lang = Lang::Ru;
    use_title(i18n::OPEN_ELSEWHERE_TITLE.get(lang));
    rsx! {
        main { class: "screen error-screen", "data-testid": "open-elsewhere",
            h1 { "{i18n::OPEN_ELSEWHERE_TITLE.get(lang)}" }
            p { class: "muted", lang: "en", "{i18n::OPEN_ELSEWHERE_TITLE.get(Lang::En)}" }
            p { "{i18n::OPEN_ELSEWHERE_TEXT.get(lang)}" }
            p { class: "muted", lang: "en", "{i18n::OPEN_ELSEWHERE_TEXT.get(Lang::En)}" }
            button { class: "primary big", "data-testid": "retry",
                onclick: move |_| on_retry.call(()),
                "{i18n::RETRY.get(lang)}"
            }
        }
    }
}

#[component]
pub fn Fatal(title: String, message: String) -> Element {
    use_title(&title);
    rsx! {
        main { class: "screen error-screen", "data-testid": "fatal",
            h1 { "{title}" }
            pre { class: "error-detail", "{message}" }
        }
    }
}

/// These screens come before the app's state (and its language): Russian, and the title
/// says what went wrong.
fn use_title(what: &str) {
    let title = format!("{what} — {}", i18n::a11y::TITLE_SUFFIX.get(Lang::Ru));
    use_hook(move || crate::page::set_title_and_lang(&title, Lang::Ru.code()));
}
