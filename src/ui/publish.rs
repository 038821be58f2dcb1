//! Publishing a quarter: first what it would freeze (places and who then holds each cup,
//! as the server previews it), then the confirmation. Only admins see the button.

use dioxus::prelude::*;
use zakupka_core::League;
use zakupka_core::wire::PublishPreview;

use crate::i18n;
use crate::state::AppState;

#[component]
pub fn PublishButton(quarter: String, on_done: EventHandler<()>) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut error = use_signal(|| None::<String>);
    let mut preview = use_signal(|| None::<PublishPreview>);
    let name = |id: &str| state.branch_name(id);
    let ask = {
        let quarter = quarter.clone();
        move |_| {
            let quarter = quarter.clone();
            async move {
                let Some(api) = state.account().map(|a| a.api()) else {
                    return;
                };
                match api.publish_preview(&quarter).await {
                    Ok(p) => {
                        error.set(None);
                        preview.set(Some(p));
                    }
                    Err(e) => error.set(Some(i18n::explain_sync(lang, &e))),
                }
            }
        }
    };
    let confirm = move |_| {
        let quarter = quarter.clone();
        async move {
            let Some(api) = state.account().map(|a| a.api()) else {
                return;
            };
            match api.publish_rating(&quarter).await {
                Ok(_) => {
                    preview.set(None);
                    on_done.call(());
                }
                Err(e) => error.set(Some(i18n::explain_sync(lang, &e))),
            }
        }
    };
    let shown = preview();
    rsx! {
        button { class: "secondary big", "data-testid": "publish", onclick: ask,
            "{i18n::PUBLISH.get(lang)}"
        }
        // A decision for good, so a modal dialog: the focus goes into it, stays there, and
        // comes back to the button when it closes (Escape or «Отмена»).
        if let Some(p) = shown {
            super::Dialog { id: "publish-dialog", title: i18n::PUBLISH_PREVIEW.get(lang), on_close: move |_| preview.set(None),
                section { class: "preview", "data-testid": "publish-preview",
                    for (league, label, cup) in [(League::Large, i18n::LARGE_LEAGUE, p.cup_large.clone()), (League::Small, i18n::SMALL_LEAGUE, p.cup_small.clone())] {
                        h3 { key: "{label.ru}", "{label.get(lang)}" }
                        ol { class: "places",
                            for row in p.rating.tables.iter().filter(|t| t.league == league).flat_map(|t| t.rows.iter()) {
                                li { key: "{row.branch_id}", "data-branch": "{row.branch_id}", "{row.place}. {name(&row.branch_id)}" }
                            }
                        }
                        p { class: "cup", "{i18n::PUBLISH_CUPS.get(lang)}: {cup.iter().map(|id| name(id)).collect::<Vec<_>>().join(\", \")}" }
                    }
                    if let Some(e) = error() { p { class: "failed", role: "alert", "{e}" } }
                    div { class: "actions column",
                        button { class: "primary big", "data-testid": "publish-confirm", onclick: confirm,
                            "{i18n::PUBLISH_CONFIRM.get(lang)}"
                        }
                        button { class: "secondary big", "data-testid": "publish-cancel", onclick: move |_| preview.set(None),
                            "{i18n::CANCEL.get(lang)}"
                        }
                    }
                }
            }
        }
        if let (None, Some(e)) = (preview(), error()) { p { class: "failed", role: "alert", "data-testid": "publish-error", "{e}" } }
    }
}
