//! The harness the server's test files share: the whole router (`zakupka_server::app`)
//! driven with `tower::ServiceExt::oneshot`, no port, on a database loaded with the real
//! seeds and the users a test names; answers read whole; requests as the app sends them.

#![allow(dead_code)] // each test file uses its own part of this

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::Utc;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use uuid::Uuid;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::{
    AssignmentRequest, ErrorBody, LoginRequest, LoginResponse, PROTOCOL_HEADER, PullResponse,
    PushRequest, PushResponse, PushStatus, Role, ServerVisit, VisitDetail, VisitPage,
};
use zakupka_core::{Directory, ItemKind, PhotoRef, Template, Visit};
use zakupka_server::{Db, app, auth, demo};

/// The server binary, for the tests of the command line.
pub const BIN: &str = env!("CARGO_BIN_EXE_zakupka-server");

/// The seeds folder of the repository: the checklist, directory and methodology the
/// server ships with.
pub fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")
}

/// Every role, as most tests want them.
pub const USERS: &[(&str, Role)] = &[
    ("auditor1", Role::Auditor),
    ("auditor2", Role::Auditor),
    ("supervisor", Role::Supervisor),
    ("admin", Role::Admin),
];

/// Runs the server binary with `args`, `stdin` written to it, and returns what it did.
pub fn run_cli(args: &[&std::ffi::OsStr], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Starts the server binary on a free port with `args` besides the database and seeds;
/// returns it and its address once it listens. Its log is drained so it never blocks.
pub fn serve_binary(db: &Path, args: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--web", "/nonexistent"])
        .args(args)
        .arg("--db")
        .arg(db)
        .arg("--seeds")
        .arg(seeds())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server stopped before listening")
            .unwrap();
        if let Some(rest) = line.split("serves http://").nth(1) {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (child, format!("http://{addr}"))
}

/// Signs in to a server binary over HTTP; returns the token.
pub async fn login_http(http: &reqwest::Client, base: &str, login: &str, password: &str) -> String {
    let body = LoginRequest {
        login: login.into(),
        password: password.into(),
        device_id: Uuid::now_v7(),
    };
    let r = http
        .post(format!("{base}/api/v1/login"))
        .header(PROTOCOL_HEADER, "1")
        .json(&body)
        .send()
        .await
        .unwrap();
    r.json::<LoginResponse>().await.unwrap().token
}

pub fn password(login: &str) -> String {
    format!("{login}-secret")
}

/// A 1×1 transparent PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

pub fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// One answer from the router, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not the expected JSON ({e}): {}",
                self.status,
                self.text()
            )
        })
    }

    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Reply {
        assert_eq!(self.status, status, "body: {}", self.text());
        self
    }

    /// Asserts an error answer of `status` with a JSON [`ErrorBody`], and returns the body.
    #[track_caller]
    pub fn error(&self, status: StatusCode) -> ErrorBody {
        assert_eq!(self.status, status, "body: {}", self.text());
        self.error_body()
    }

    /// The JSON error body every refusal carries, whatever its status.
    #[track_caller]
    pub fn error_body(&self) -> ErrorBody {
        let ctype = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert_eq!(
            ctype,
            "application/json",
            "{}: an error answer must be JSON: {}",
            self.status,
            self.text()
        );
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{}: not an ErrorBody ({e}): {}", self.status, self.text()))
    }
}

pub struct Server {
    pub app: Router,
    pub db: Db,
    pub template: Template,
    pub directory: Directory,
}

impl Server {
    /// The real seeds published, on a fresh in-memory database, and the users of [`USERS`].
    pub fn new() -> Server {
        Server::on(Db::open_in_memory().unwrap(), None, USERS)
    }

    /// The same on `db`.
    pub fn with(db: Db) -> Server {
        Server::on(db, None, USERS)
    }

    /// The real seeds (checklist, directory, methodology) published on `db`, `users`
    /// added with [`password`], and the router serving the web app from `web` if given.
    pub fn on(db: Db, web: Option<PathBuf>, users: &[(&str, Role)]) -> Server {
        let (template, directory) = demo::read_seeds(&seeds()).unwrap();
        let methodology = demo::read_methodology(&seeds()).unwrap();
        db.blocking(|c| {
            demo::publish(c, &template, &directory)?;
            zakupka_server::rating::store_methodology(c, &methodology)
        })
        .unwrap();
        for (login, role) in users {
            db.blocking(|c| auth::add_user(c, login, *role, &password(login), Utc::now()))
                .unwrap();
        }
        Server {
            app: app(db.clone(), web),
            db,
            template,
            directory,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A request as the app sends it: the protocol header, and the token if any.
    pub fn request(method: Method, uri: &str, token: Option<&str>) -> axum::http::request::Builder {
        let mut r = Request::builder()
            .method(method)
            .uri(uri)
            .header(PROTOCOL_HEADER, "1");
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        r
    }

    /// A request with the given protocol header (none for `None`) and bearer token.
    pub async fn call_with_protocol(
        &self,
        protocol: Option<&str>,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(p) = protocol {
            request = request.header(PROTOCOL_HEADER, p);
        }
        if let Some(t) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let request = match body {
            Some((ctype, bytes)) => request
                .header(header::CONTENT_TYPE, ctype)
                .body(Body::from(bytes)),
            None => request.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    /// A request as the app sends it: with `x-zakupka-protocol: 1`.
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        self.call_with_protocol(Some("1"), method, uri, token, body)
            .await
    }

    /// A request with `body` sent as JSON, whatever the bytes are.
    pub async fn call_json(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        self.call(method, uri, token, Some(("application/json", body)))
            .await
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, uri, token, None).await
    }

    pub async fn post_json(&self, uri: &str, token: Option<&str>, body: &impl Serialize) -> Reply {
        self.post_raw(uri, token, serde_json::to_vec(body).unwrap())
            .await
    }

    pub async fn post_raw(&self, uri: &str, token: Option<&str>, body: Vec<u8>) -> Reply {
        self.call_json(Method::POST, uri, token, body).await
    }

    pub async fn put_photo(&self, token: Option<&str>, sha: &str, bytes: &[u8]) -> Reply {
        let uri = format!("/api/v1/photos/{sha}");
        self.call(
            Method::PUT,
            &uri,
            token,
            Some(("application/octet-stream", bytes.to_vec())),
        )
        .await
    }

    pub async fn try_login(&self, login: &str, password: &str) -> Reply {
        let body = LoginRequest {
            login: login.into(),
            password: password.into(),
            device_id: Uuid::now_v7(),
        };
        self.post_json("/api/v1/login", None, &body).await
    }

    /// Logs `login` in with the right password and returns the token.
    pub async fn login(&self, login: &str) -> String {
        let reply = self
            .try_login(login, &password(login))
            .await
            .expect(StatusCode::OK);
        reply.json::<LoginResponse>().token
    }

    pub async fn push(&self, token: &str, visits: Vec<Visit>) -> Reply {
        self.post_json("/api/v1/push", Some(token), &PushRequest { visits })
            .await
    }

    /// A push of whatever `body` holds.
    pub async fn push_raw(&self, token: &str, body: Vec<u8>) -> Reply {
        self.post_raw("/api/v1/push", Some(token), body).await
    }

    /// Pushes one visit that must be accepted, and returns its result's missing photos.
    pub async fn push_ok(&self, token: &str, visit: &Visit) -> Vec<String> {
        let response: PushResponse = self
            .push(token, vec![visit.clone()])
            .await
            .expect(StatusCode::OK)
            .json();
        assert_eq!(response.results.len(), 1);
        assert_eq!(
            response.results[0].status,
            PushStatus::Accepted,
            "{:?}",
            response.results[0]
        );
        response.results[0].missing_photos.clone()
    }

    /// The first page of the queue (100 visits: more than any of these tests holds).
    pub async fn visits(&self, token: &str) -> Vec<ServerVisit> {
        self.get("/api/v1/visits", Some(token))
            .await
            .expect(StatusCode::OK)
            .json::<VisitPage>()
            .visits
    }

    pub async fn detail(&self, token: &str, id: Uuid) -> VisitDetail {
        self.get(&format!("/api/v1/visits/{id}"), Some(token))
            .await
            .expect(StatusCode::OK)
            .json()
    }

    pub async fn pull(&self, token: &str, cursor: u64) -> PullResponse {
        self.get(&format!("/api/v1/pull?cursor={cursor}"), Some(token))
            .await
            .expect(StatusCode::OK)
            .json()
    }

    /// Rows in `table`.
    pub fn count(&self, table: &'static str) -> i64 {
        self.db
            .blocking(|c| {
                Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
            })
            .unwrap()
    }

    /// A complete, valid submitted visit by `auditor`, with a fresh id.
    pub fn visit(&self, auditor: &str) -> Visit {
        let mut visit =
            zakupka_core::demo::generate_visits(&self.template, &self.directory, 1, Utc::now())
                .remove(0);
        visit.auditor = auditor.to_owned();
        visit.id = Uuid::now_v7();
        visit
    }

    /// `visit` as its auditor reads it back: positions are for supervisors only.
    pub fn as_auditor_sees(visit: &Visit) -> Visit {
        let mut v = visit.clone();
        zakupka_server::presence::hide_positions(&mut v, Role::Auditor);
        v
    }

    /// `visit` with `photo` attached to its first item that takes photos.
    pub fn with_photo(&self, mut visit: Visit, photo: &[u8]) -> Visit {
        let item = self
            .template
            .items()
            .find(|i| i.allow_photo)
            .expect("an item that takes photos");
        let answer = visit
            .answers
            .get_mut(&item.id)
            .expect("generated visits answer every item");
        answer.photos.push(PhotoRef {
            sha256: sha256(photo),
            mime: "image/png".into(),
            size: photo.len() as u64,
            ..PhotoRef::default()
        });
        visit
    }

    /// A valid assignment for `auditor` this quarter, at an office outside the branch the
    /// tests give auditors (none).
    pub fn assignment(&self, auditor: &str) -> AssignmentRequest {
        let quarter = Quarter::of(Utc::now());
        AssignmentRequest {
            auditor: auditor.to_owned(),
            office_id: self.directory.offices[3].id.clone(),
            quarter,
            scenario: self.template.scenarios[0].id.clone(),
            due: quarter.bounds().1.date_naive().pred_opt().unwrap(),
            note: String::new(),
            dry_run: false,
        }
    }

    pub fn scale_item(&self) -> String {
        self.template
            .items()
            .find(|i| matches!(i.kind, ItemKind::Scale))
            .expect("a scale item")
            .id
            .clone()
    }

    pub fn required_item(&self) -> String {
        self.template
            .items()
            .find(|i| i.required)
            .expect("a required item")
            .id
            .clone()
    }
}
