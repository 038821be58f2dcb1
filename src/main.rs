//! Zakupka, the auditor's app: one Dioxus codebase for desktop, the browser and phones.

mod actions;
mod address;
mod app;
mod i18n;
mod page;
mod photos;
mod platform;
mod presence;
mod screen;
mod seeds;
mod state;
mod sync;
mod ui;

fn main() {
    #[cfg(feature = "desktop")]
    {
        use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
        app::quit_on_terminate_signal();
        let window = WindowBuilder::new()
            .with_title("Zakupka — контрольная закупка")
            .with_inner_size(LogicalSize::new(420.0, 860.0));
        dioxus::LaunchBuilder::desktop()
            .with_cfg(Config::new().with_window(window).with_menu(None))
            .launch(app::App);
    }
    #[cfg(target_arch = "wasm32")]
    console_error_panic_hook::set_once();
    #[cfg(all(not(feature = "desktop"), any(feature = "web", feature = "mobile")))]
    dioxus::launch(app::App);
}
