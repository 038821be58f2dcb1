use dioxus::prelude::*;

use crate::i18n;
use crate::platform;
use crate::state::{AppState, Screen};

/// Sign in once, online; from then on the app syncs by itself whenever it can.
#[component]
pub fn AccountScreen() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut server = use_signal(|| state.default_server());
    let mut login = use_signal(|| state.auditor());
    let mut password = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    // Set when the address is plain http:// to another machine, until the user confirms.
    let mut unencrypted = use_signal(|| false);
    let account = state.account();
    let signed_in = account.is_some();
    let unsent = state.unsent_owner();
    let sign_in = move |confirmed: bool| async move {
        if !confirmed && crate::address::unencrypted_to_network(&server()) {
            unencrypted.set(true);
            return;
        }
        unencrypted.set(false);
        busy.set(true);
        error.set(None);
        match state.log_in(server(), login(), password()).await {
            Ok(()) => {
                password.set(String::new());
                state.go(Screen::Home);
            }
            Err(e) => error.set(Some(e)),
        }
        busy.set(false);
    };
    rsx! {
        main { class: "screen account", "data-testid": "account",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Home), "← {i18n::HOME.get(lang)}" }
                h1 { "{i18n::ACCOUNT.get(lang)}" }
            }
            if let Some(a) = account {
                p { "{a.login} · {a.server}" }
                button { class: "secondary big", "data-testid": "sign-out",
                    onclick: move |_| state.log_out(), "{i18n::SIGN_OUT.get(lang)}"
                }
            } else {
                if let Some(o) = unsent {
                    p { class: "missing", role: "status", "data-testid": "unsent-owner",
                        "{i18n::unsent_work(lang, &o.login, o.unsent)}"
                    }
                }
                form {
                    onsubmit: move |e| async move {
                        e.prevent_default();
                        sign_in(false).await;
                    },
                    label { class: "field",
                        span { "{i18n::SERVER.get(lang)}" }
                        input { r#type: "url", "data-testid": "server", value: "{server}", oninput: move |e| {
                            server.set(e.value());
                            unencrypted.set(false);
                        } }
                    }
                    label { class: "field",
                        span { "{i18n::LOGIN.get(lang)}" }
                        input { r#type: "text", autocomplete: "username", "data-testid": "login", value: "{login}",
                            oninput: move |e| login.set(e.value()) }
                    }
                    label { class: "field",
                        span { "{i18n::PASSWORD.get(lang)}" }
                        input { r#type: "password", autocomplete: "current-password", "data-testid": "password", value: "{password}",
                            oninput: move |e| password.set(e.value()) }
                    }
                    if let Some(e) = error() { p { class: "failed", role: "alert", "data-testid": "login-error", "{e}" } }
                    if unencrypted() {
                        p { class: "missing", role: "alert", "data-testid": "plain-http-warning", "{i18n::PLAIN_HTTP_WARNING.get(lang)}" }
                        button { class: "secondary", r#type: "button", "data-testid": "plain-http-confirm",
                            onclick: move |_| sign_in(true), "{i18n::PLAIN_HTTP_CONFIRM.get(lang)}"
                        }
                    }
                    button { class: "primary big", r#type: "submit", disabled: busy(), "data-testid": "sign-in",
                        if busy() { "{i18n::SIGNING_IN.get(lang)}" } else { "{i18n::SIGN_IN.get(lang)}" }
                    }
                }
            }
            StorageInfo { signed_in }
            PhotoRetention {}
        }
    }
}

/// How long photos of decided visits stay on this device (then only on the server).
#[component]
fn PhotoRetention() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let days = state.photo_retention_days();
    rsx! {
        label { class: "field",
            span { "{i18n::PHOTO_RETENTION.get(lang)}" }
            input { r#type: "number", min: "1", max: "3650", inputmode: "numeric", "data-testid": "photo-retention",
                value: "{days}",
                onchange: move |e| {
                    if let Ok(days) = e.value().trim().parse::<u32>()
                        && (1..=3650).contains(&days)
                    {
                        state.set_photo_retention_days(days);
                    }
                }
            }
        }
    }
}

/// What this device keeps for the app and, once signed in, whether the browser may evict
/// it. Both are asked again each time the account screen opens.
#[component]
fn StorageInfo(signed_in: bool) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let usage = use_resource(platform::storage_use);
    let _refresh = use_resource(move || async move {
        if let Some(now) = platform::storage_persistent().await {
            let mut persistent = state.storage_persistent;
            persistent.set(Some(now));
        }
    });
    let refused = signed_in && (state.storage_persistent)() == Some(false);
    rsx! {
        if let Some(Some(u)) = usage() {
            p { class: "muted", "data-testid": "storage-use", "{i18n::storage_use(lang, u.used, u.quota)}" }
        }
        if refused {
            p { class: "missing", role: "status", "data-testid": "storage-not-persistent",
                "{i18n::STORAGE_NOT_PERSISTENT.get(lang)}"
            }
        }
    }
}
