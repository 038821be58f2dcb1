//! What reaches a phone on the office network: HTTPS from `serve --tls-self-signed`, whose
//! kept authority a client trusts by its printed fingerprint; the security headers on every
//! answer; a server that starts from any folder with what is built into it; and a page
//! saying how to build a missing web app instead of an empty 404.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode, header};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use zakupka_core::wire::Role;
use zakupka_server::Db;

mod common;
use common::*;

/// The server process, ended when the test ends, whatever happens.
struct Running {
    child: Child,
    /// What it printed on standard output up to "serves".
    said: String,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `zakupka-server serve` in `cwd` on a free loopback port and waits until it says
/// where it serves.
fn start(cwd: &Path, args: &[&str]) -> Running {
    let child = Command::new(BIN)
        .current_dir(cwd)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Owned by `Running` at once, so that a failure below still ends the process.
    let mut running = Running {
        child,
        said: String::new(),
        url: String::new(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = running.child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("the server did not say where it serves: {}", running.said));
        running.said += &line;
        running.said.push('\n');
        if let Some(at) = line.find("serves ") {
            running.url = line[at + 7..].trim().trim_end_matches('/').to_owned();
            return running;
        }
    }
}

fn client_trusting(ca_pem: &[u8]) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem).unwrap())
        .build()
        .unwrap()
}

fn security_headers_of(headers: &axum::http::HeaderMap) {
    let get = |name: &str| {
        headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let csp = get("content-security-policy");
    for part in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(get("x-content-type-options"), "nosniff");
    assert_eq!(get("referrer-policy"), "no-referrer");
}

#[tokio::test]
async fn a_tls_client_talks_to_the_self_signed_server_by_its_printed_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/zakupka.db");
    let db_arg = db.to_str().unwrap();
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>Zakupka</title>",
    )
    .unwrap();
    let web_arg = web.path().to_str().unwrap();
    let args = ["--db", db_arg, "--web", web_arg, "--tls-self-signed"];

    let server = start(dir.path(), &args);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.said
    );
    // The authority is kept beside the database; what was printed is its fingerprint.
    let ca_path = dir.path().join("data/tls/ca.pem");
    let ca_pem = std::fs::read(&ca_path).unwrap();
    let ca_der = CertificateDer::from_pem_slice(&ca_pem).unwrap();
    let fingerprint = zakupka_server::tls::fingerprint(&ca_der);
    assert_eq!(fingerprint.len(), 32 * 3 - 1);
    assert!(server.said.contains(&fingerprint), "{}", server.said);

    let client = client_trusting(&ca_pem);
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    for url in [server.url.clone(), format!("https://localhost:{port}")] {
        let page = client.get(format!("{url}/")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{url}");
        security_headers_of(page.headers());
        let hsts = page.headers().get(header::STRICT_TRANSPORT_SECURITY);
        assert!(
            hsts.is_some_and(|v| v.to_str().unwrap().starts_with("max-age=")),
            "{url}: no HSTS over TLS"
        );
        let health = client.get(format!("{url}/healthz")).send().await.unwrap();
        assert_eq!(health.text().await.unwrap(), "ok");
    }
    // A client that does not trust the authority gets no answer: it is TLS, verified.
    let stranger = reqwest::Client::new();
    assert!(
        stranger
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .is_err()
    );
    drop(server);

    // The next start keeps the authority, so phones that trust it still do.
    let again = start(dir.path(), &args);
    assert_eq!(std::fs::read(&ca_path).unwrap(), ca_pem);
    assert!(again.said.contains(&fingerprint), "{}", again.said);
    let health = client
        .get(format!("{}/healthz", again.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn serve_starts_from_any_folder_with_what_is_built_in() {
    let elsewhere = tempfile::tempdir().unwrap();
    // No seeds, no dist here: the server uses its own.
    let server = start(elsewhere.path(), &["--db", "z.db"]);
    assert!(server.url.starts_with("http://"), "{}", server.said);
    let client = reqwest::Client::new();
    let page = client.get(format!("{}/", server.url)).send().await.unwrap();
    let headers = page.headers().clone();
    let status = page.status();
    let body = page.text().await.unwrap();
    security_headers_of(&headers);
    assert!(
        headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
        "HSTS over plain HTTP"
    );
    if zakupka_server::bundle::has_web_app() {
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("id=\"boot\""), "the app's page: {body}");
    } else {
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("scripts/build-web"), "{body}");
    }
    // The built-in seeds were published: the checklist is in the new database.
    let db = elsewhere.path().join("z.db");
    let conn = rusqlite::Connection::open(db).unwrap();
    let templates: i64 = conn
        .query_row("SELECT count(*) FROM templates", [], |r| r.get(0))
        .unwrap();
    assert!(templates >= 1);
}

#[tokio::test]
async fn without_a_built_web_app_the_root_says_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let users = [("auditor1", Role::Auditor)];
    let s = Server::on(
        Db::open_in_memory().unwrap(),
        Some(empty.path().to_owned()),
        &users,
    );
    let page = s.get("/", None).await.expect(StatusCode::NOT_FOUND);
    assert!(page.text().contains("scripts/build-web"), "{}", page.text());
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    security_headers_of(&page.headers);
    // The API's unknown paths are not this page.
    let api = s.get("/api/v1/nothing-here", None).await;
    assert!(!api.text().contains("scripts/build-web"));
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(web.path().join("sw.js"), "//").unwrap();
    let users = [("auditor1", Role::Auditor)];
    let s = Server::on(
        Db::open_in_memory().unwrap(),
        Some(web.path().to_owned()),
        &users,
    );
    let token = s.login("auditor1").await;
    for reply in [
        s.get("/", None).await,
        s.get("/sw.js", None).await,
        s.get("/some/app/route", None).await,
        s.get("/healthz", None).await,
        s.get("/api/v1/openapi.json", None).await,
        s.get("/api/v1/visits", Some(&token)).await,
        s.get("/api/v1/visits", None).await,
        s.call(Method::POST, "/api/v1/login", None, None).await,
    ] {
        security_headers_of(&reply.headers);
        assert!(
            reply
                .headers
                .get(header::STRICT_TRANSPORT_SECURITY)
                .is_none()
        );
    }
}
