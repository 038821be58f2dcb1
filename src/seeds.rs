//! The seeds shipped inside the app: the default checklist and the office directory. They
//! are embedded (the browser has no file system), parsed and checked from their TOML and
//! CSV when the app is built (`build.rs`), and read here from the JSON it wrote.

use zakupka_core::{Directory, Template};

pub fn checklist() -> Result<Template, serde_json::Error> {
    serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/checklist.json")))
}

pub fn directory() -> Result<Directory, serde_json::Error> {
    serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/directory.json")))
}
