//! What `zakupka-server` carries inside itself, so that one file is the whole deployment:
//! the built web app (`dist/`, as `scripts/build-web` left it when the server was built)
//! and the default seeds (`seeds/`). A release build embeds their bytes; a debug build
//! reads the same folders of the source tree from disk at run time, so tests and
//! `cargo run` never wait for megabytes of wasm to be compiled in (rust-embed's
//! behaviour, kept on purpose). `serve --web DIR` and `--seeds DIR` still override both.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../../dist"]
// A server built before the web app serves the API and a page that says how to build it.
#[allow_missing = true]
struct WebApp;

#[derive(Embed)]
#[folder = "../../seeds"]
struct Seeds;

/// A seed file's name (for error messages) and text, from the embedded seeds.
pub fn seed(name: &str) -> anyhow::Result<(String, String)> {
    let file =
        Seeds::get(name).with_context(|| format!("no seed {name} built into this server"))?;
    let text = String::from_utf8(file.data.into_owned())
        .with_context(|| format!("built-in seeds/{name} is not UTF-8"))?;
    Ok((format!("(built in) seeds/{name}"), text))
}

/// Whether this server carries a built web app.
pub fn has_web_app() -> bool {
    WebApp::get("index.html").is_some()
}

/// Writes the embedded web app into `dir` for the file service to send (with its
/// precompressed copies and revalidation by modification time), and returns `dir`; `None`
/// if this server was built without one. A file already there with the same content is
/// left alone, so browsers' copies stay valid across restarts; files of an older build
/// are removed.
pub fn unpack_web_app(dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    if !has_web_app() {
        return Ok(None);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut wanted = std::collections::HashSet::new();
    for name in WebApp::iter() {
        let Some(file) = WebApp::get(&name) else {
            continue;
        };
        let path = dir.join(name.as_ref());
        wanted.insert(path.clone());
        if std::fs::read(&path).is_ok_and(|on_disk| on_disk == *file.data) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.data).with_context(|| format!("writing {}", path.display()))?;
    }
    remove_others(dir, &wanted)?;
    Ok(Some(dir.to_owned()))
}

fn remove_others(dir: &Path, wanted: &std::collections::HashSet<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            remove_others(&path, wanted)?;
        } else if !wanted.contains(&path) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
