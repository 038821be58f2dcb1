//! The web app as a phone on a slow network gets it: the wasm and JS precompressed by
//! `scripts/build-web` (brotli and gzip, with the same commands) are sent compressed to a
//! browser that accepts them and whole to one that does not; a file named by the hash of
//! its content is kept a year, and every other is revalidated (its name does not change
//! between builds, so no cache may keep it unasked).

use std::io::Read;
use std::path::Path;
use std::process::Command;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use zakupka_core::wire::Role;
use zakupka_server::Db;

mod common;
use common::*;

/// A wasm module's header and then compressible bytes, as the real one is.
fn wasm_like() -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..20_000u32 {
        wasm.extend_from_slice(format!("fn_{i}_zakupka_checklist;").as_bytes());
    }
    wasm
}

/// Writes `name` and its `.br` and `.gz` as `scripts/build-web` does.
fn precompressed(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
    for (tool, args) in [
        ("brotli", &["-k", "-f", "-q", "11"][..]),
        ("gzip", &["-k", "-f", "-9"][..]),
    ] {
        let status = Command::new(tool)
            .args(args)
            .arg(dir.join(name))
            .status()
            .unwrap_or_else(|e| panic!("{tool} (installed by scripts/setup): {e}"));
        assert!(status.success(), "{tool} failed");
    }
}

fn server(web: &Path) -> Server {
    let users = [("auditor1", Role::Auditor)];
    Server::on(Db::open_in_memory().unwrap(), Some(web.to_owned()), &users)
}

async fn get(s: &Server, uri: &str, accept: Option<&str>) -> Reply {
    let mut request = Request::builder().method(Method::GET).uri(uri);
    if let Some(a) = accept {
        request = request.header(header::ACCEPT_ENCODING, a);
    }
    s.send(request.body(Body::empty()).unwrap()).await
}

fn header(reply: &Reply, name: header::HeaderName) -> Option<&str> {
    reply.headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn the_wasm_comes_compressed_to_a_browser_that_accepts_it_and_whole_otherwise() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    let wasm = wasm_like();
    precompressed(web.path(), "zakupka_bg.wasm", &wasm);
    let s = server(web.path());

    let br = get(&s, "/zakupka_bg.wasm", Some("br"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(header(&br, header::CONTENT_ENCODING), Some("br"));
    assert_eq!(header(&br, header::CONTENT_TYPE), Some("application/wasm"));
    assert!(
        br.body.len() * 4 < wasm.len(),
        "brotli: {} of {} bytes",
        br.body.len(),
        wasm.len()
    );
    let mut unpacked = Vec::new();
    brotli_decompressor::Decompressor::new(&br.body[..], 4096)
        .read_to_end(&mut unpacked)
        .unwrap();
    assert!(unpacked == wasm, "the brotli body is the wasm");

    // What Chromium sends over plain http, where it does not offer brotli.
    let gz = get(&s, "/zakupka_bg.wasm", Some("gzip, deflate"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(header(&gz, header::CONTENT_ENCODING), Some("gzip"));
    assert!(
        gz.body.len() * 4 < wasm.len(),
        "gzip: {} of {} bytes",
        gz.body.len(),
        wasm.len()
    );
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert!(unpacked == wasm, "the gzip body is the wasm");

    for accept in [None, Some("identity"), Some("deflate")] {
        let whole = get(&s, "/zakupka_bg.wasm", accept)
            .await
            .expect(StatusCode::OK);
        assert_eq!(header(&whole, header::CONTENT_ENCODING), None, "{accept:?}");
        assert!(whole.body == wasm, "{accept:?}: the wasm as it is");
        assert_eq!(
            header(&whole, header::CONTENT_TYPE),
            Some("application/wasm")
        );
    }

    // Caches in between must keep the encodings apart.
    for reply in [&br, &gz] {
        let vary = header(reply, header::VARY)
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(vary.contains("accept-encoding"), "vary: {vary:?}");
    }
}

#[tokio::test]
async fn every_file_of_the_app_is_revalidated_and_an_unchanged_one_is_a_304() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    precompressed(web.path(), "zakupka_bg.wasm", &wasm_like());
    let s = server(web.path());

    for (uri, accept) in [
        ("/zakupka_bg.wasm", Some("br")),
        ("/zakupka_bg.wasm", None),
        ("/", None),
        ("/index.html", None),
    ] {
        let reply = get(&s, uri, accept).await.expect(StatusCode::OK);
        assert_eq!(
            header(&reply, header::CACHE_CONTROL),
            Some("no-cache"),
            "{uri} {accept:?}"
        );
        let modified = header(&reply, header::LAST_MODIFIED)
            .expect("last-modified")
            .to_owned();
        let mut again = Request::builder()
            .uri(uri)
            .header(header::IF_MODIFIED_SINCE, &modified);
        if let Some(a) = accept {
            again = again.header(header::ACCEPT_ENCODING, a);
        }
        let again = s.send(again.body(Body::empty()).unwrap()).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri} {accept:?}");
        assert!(again.body.is_empty());
    }
}

/// The name `scripts/build-web` gives the wasm: its content's hash in it.
const HASHED: &str = "zakupka_bg-60294a1e199f91f6.wasm";

#[tokio::test]
async fn a_file_named_by_its_hash_is_kept_a_year_and_no_other() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    precompressed(web.path(), HASHED, &wasm_like());
    std::fs::write(web.path().join("sw.js"), "// the service worker").unwrap();
    let s = server(web.path());

    let year = "public, max-age=31536000, immutable";
    for accept in [Some("br"), Some("gzip"), None] {
        let reply = get(&s, &format!("/{HASHED}"), accept)
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            header(&reply, header::CACHE_CONTROL),
            Some(year),
            "{accept:?}"
        );
        assert_eq!(
            header(&reply, header::CONTENT_TYPE),
            Some("application/wasm")
        );
    }
    // Names that say nothing of their version.
    for uri in ["/", "/index.html", "/sw.js"] {
        let reply = get(&s, uri, None).await.expect(StatusCode::OK);
        assert_eq!(
            header(&reply, header::CACHE_CONTROL),
            Some("no-cache"),
            "{uri}"
        );
    }
    // The wasm of another build is gone: the index.html that answers must not be kept under
    // that name for a year.
    let gone = get(&s, "/zakupka_bg-0123456789abcdef.wasm", Some("br")).await;
    assert!(
        gone.text().contains("<title>app</title>"),
        "{}",
        gone.text()
    );
    assert_eq!(header(&gone, header::CACHE_CONTROL), Some("no-cache"));
    // Nearly hashed names are not.
    for name in [
        "zakupka_bg-60294a1e199f91f.wasm",
        "zakupka_bg-60294A1E199F91F6.wasm",
    ] {
        std::fs::write(web.path().join(name), b"\0asm").unwrap();
        let reply = get(&s, &format!("/{name}"), None)
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            header(&reply, header::CACHE_CONTROL),
            Some("no-cache"),
            "{name}"
        );
    }
}
