//! The root: open the store, then show the screen the user left, or why it cannot open.

use std::cell::RefCell;
use std::rc::Rc;

use dioxus::prelude::*;
use zakupka_client::Store as LocalStore;
use zakupka_core::Lang;

use crate::i18n;
use crate::platform::{self, OpenFailure};
use crate::seeds;
use crate::state::{AppState, Screen};
use crate::ui;

/// Desktop and mobile draw the stylesheet from here; the web page already carries it
/// (`scripts/build-web` puts it into `index.html`, so the page is styled before the wasm
/// arrives), and the wasm would only add a second copy.
#[cfg(not(target_arch = "wasm32"))]
const CSS: &str = include_str!("../assets/style.css");

/// The opened store, handed once to [`Ready`], which owns it from then on.
#[derive(Clone)]
pub struct Opened(Rc<RefCell<Option<LocalStore>>>);

impl PartialEq for Opened {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What opening the store came to.
#[derive(Clone, PartialEq)]
enum Opening {
    Ready(Opened),
    /// Another tab or window of this browser holds the store (web only).
    Elsewhere,
    Failed(OpenFailure),
}

async fn open() -> Opening {
    // Two tabs that both wrote the store would each overwrite the other's answers, so a tab
    // that does not hold it does not even load it.
    if !platform::claim_store().await {
        return Opening::Elsewhere;
    }
    match platform::open().await {
        Ok(mut store) => {
            crate::photos::at_open(&mut store).await;
            Opening::Ready(Opened(Rc::new(RefCell::new(Some(store)))))
        }
        Err(failure) => Opening::Failed(failure),
    }
}

#[component]
pub fn App() -> Element {
    let opened = use_resource(open);
    #[cfg(feature = "desktop")]
    use_future(|| async {
        if let Some(rx) = TERMINATE.lock().ok().and_then(|mut r| r.take())
            && rx.await.is_ok()
        {
            tracing::info!("terminate signal: closing the window");
            dioxus::desktop::window().close();
        }
    });
    let body = match &*opened.read() {
        None => rsx! { Loading {} },
        Some(Opening::Ready(o)) => rsx! { Ready { opened: o.clone() } },
        Some(Opening::Elsewhere) => {
            rsx! { ui::OpenElsewhere { on_retry: move |_| opened.clone().restart() } }
        }
        Some(Opening::Failed(f)) => {
            rsx! { ui::DatabaseError { failure: f.clone(), on_reset: move |_| opened.clone().restart() } }
        }
    };
    rsx! {
        Head {}
        {body}
    }
}

/// The home screen's frame (header bar, main area) with the loading text, as web/index.html
/// draws it before the wasm arrives: replacing one with the other, or this with the home
/// screen, moves nothing on the page (a layout shift is what Lighthouse's CLS counts).
#[component]
fn Loading() -> Element {
    rsx! {
        div { class: "app",
            // Not a `main`: that is a screen of the app, which tests and tools wait for.
            div { class: "screen",
                header { class: "bar",
                    h1 { "{i18n::APP_NAME.get(Lang::Ru)}" }
                }
                p { class: "loading", "{i18n::LOADING.get(Lang::Ru)}" }
            }
        }
    }
}

/// Propless, so it renders once: the document head cannot be updated in place.
#[component]
fn Head() -> Element {
    #[cfg(not(target_arch = "wasm32"))]
    let style = rsx! { document::Style { {CSS} } };
    #[cfg(target_arch = "wasm32")]
    let style = rsx! {};
    rsx! {
        {style}
        document::Meta { name: "viewport", content: "width=device-width, initial-scale=1, viewport-fit=cover" }
    }
}

#[component]
fn Ready(opened: Opened) -> Element {
    let state = use_hook(|| {
        let store = opened
            .0
            .borrow_mut()
            .take()
            .ok_or("the store was already taken")?;
        let template = seeds::checklist().map_err(|e| e.to_string())?;
        let directory = seeds::directory().map_err(|e| e.to_string())?;
        AppState::new(store, template, directory).map_err(|e| e.to_string())
    });
    match state {
        Err(message) => rsx! { ui::Fatal { title: i18n::SEED_ERROR_TITLE.get(Lang::Ru), message } },
        Ok(state) => {
            use_context_provider(|| state);
            rsx! { Shell {} }
        }
    }
}

#[component]
fn Shell() -> Element {
    let state = use_context::<AppState>();
    use_hook(|| state.start_sync());
    let lang = (state.lang)();
    let screen = match (state.screen)() {
        Screen::Home => rsx! { ui::Home {} },
        Screen::Start => rsx! { ui::StartVisit {} },
        Screen::Checklist(id) => rsx! { ui::Checklist { visit_id: id } },
        Screen::Summary(id) => rsx! { ui::Summary { visit_id: id } },
        Screen::Account => rsx! { ui::AccountScreen {} },
        Screen::Rating => rsx! { ui::RatingScreen {} },
        Screen::Calibration => rsx! { ui::CalibrationScreen {} },
        Screen::Review => rsx! { ui::ReviewQueue {} },
        Screen::ReviewVisit(id) => rsx! { ui::ReviewVisit { visit_id: id } },
        Screen::Assignments => rsx! { ui::AssignScreen {} },
        Screen::Cases => rsx! { ui::CasesScreen {} },
        Screen::Action(id) => rsx! { ui::ActionScreen { action_id: id } },
        Screen::ActionsBoard => rsx! { ui::ActionsBoard {} },
        Screen::Appeals => rsx! { ui::AppealsScreen {} },
        Screen::AppealForm(id) => rsx! { ui::AppealForm { visit_id: id } },
        Screen::BranchVisits => rsx! { ui::BranchVisits {} },
        Screen::BranchVisit(id) => rsx! { ui::BranchVisit { visit_id: id } },
        Screen::Charts => rsx! { ui::ChartsScreen {} },
        Screen::Inbox => rsx! { ui::InboxScreen {} },
    };
    // Where the user is, said after each screen change: the title (read out and shown in
    // the tab) and the page's language follow; the focus goes to the new screen's heading,
    // not left on a button that is gone. Not on the first screen: nothing moved there.
    let shown = use_hook(|| Rc::new(std::cell::Cell::new(None::<Screen>)));
    use_effect(move || {
        let screen = (state.screen)();
        let lang = (state.lang)();
        crate::page::set_title_and_lang(&title(screen, lang), lang.code());
        if shown.replace(Some(screen)).is_some_and(|was| was != screen) {
            crate::page::focus_first("main h1, h1");
        }
    });
    rsx! {
        div { class: "app", lang: lang.code(),
            {screen}
            ui::Notice {}
            ui::LiveRegion {}
        }
    }
}

/// The document's title on `screen`: «Проверка — Закупка», "Checklist — Zakupka".
pub fn title(screen: Screen, lang: Lang) -> String {
    use i18n::a11y::*;
    let place = match screen {
        Screen::Home => TITLE_HOME,
        Screen::Start => TITLE_START,
        Screen::Checklist(_) => TITLE_CHECKLIST,
        Screen::Summary(_) => TITLE_SUMMARY,
        Screen::Account => TITLE_ACCOUNT,
        Screen::Rating => TITLE_RATING,
        Screen::Calibration => TITLE_CALIBRATION,
        Screen::Review => TITLE_REVIEW,
        Screen::ReviewVisit(_) => TITLE_REVIEW_VISIT,
        Screen::Assignments => TITLE_ASSIGNMENTS,
        Screen::Cases => TITLE_CASES,
        Screen::Action(_) => TITLE_ACTION,
        Screen::ActionsBoard => TITLE_ACTIONS_BOARD,
        Screen::Appeals => TITLE_APPEALS,
        Screen::AppealForm(_) => TITLE_APPEAL_FORM,
        Screen::BranchVisits => TITLE_BRANCH_VISITS,
        Screen::BranchVisit(_) => TITLE_BRANCH_VISIT,
        Screen::Charts => TITLE_CHARTS,
        Screen::Inbox => TITLE_INBOX,
    };
    format!("{} — {}", place.get(lang), TITLE_SUFFIX.get(lang))
}

#[cfg(feature = "desktop")]
static TERMINATE: std::sync::Mutex<Option<futures_channel::oneshot::Receiver<()>>> =
    std::sync::Mutex::new(None);

/// SIGTERM or SIGINT close the window like the close button would, so a shutdown of the
/// computer ends the app cleanly rather than killing it mid-frame.
#[cfg(feature = "desktop")]
pub fn quit_on_terminate_signal() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let (tx, rx) = futures_channel::oneshot::channel();
    if let Ok(mut slot) = TERMINATE.lock() {
        *slot = Some(rx);
    }
    match signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if signals.forever().next().is_some() {
                    let _ = tx.send(());
                }
            });
        }
        Err(e) => tracing::warn!("cannot listen for terminate signals: {e}"),
    }
}
