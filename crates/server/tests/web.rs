//! The web app as a phone on a slow network gets it: the wasm and JS precompressed by
//! `scripts/build-web` (brotli and gzip, with the same commands) are sent compressed to a
//! browser that accepts them and whole to one that does not, and every file is revalidated
//! (its name does not change between builds, so no cache may keep it unasked).

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
