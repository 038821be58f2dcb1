//! Webhooks end to end: events written with the change, delivered to a receiver on a real
//! port with retries, signed, each with one idempotency id; given up after the last
//! attempt; kept across a SIGKILL; and refused registrations that store nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;
use zakupka_core::rating::Quarter;
use zakupka_core::wire::PROTOCOL_HEADER;
use zakupka_server::webhooks::{self, Policy};
use zakupka_server::{Clock, rating};

mod common;
use common::*;

/// What the receiver took in, answered or not.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    kind: String,
    signature: String,
    body: Bytes,
}

/// A receiver on 127.0.0.1 that answers 500 to its first `fail_first` calls; the call
/// after those it keeps as received but answers only after `slow` (longer than the
/// sender's timeout, so the sender sees a failure and sends it again); then 200.
#[derive(Clone)]
struct Receiver {
    calls: Arc<AtomicUsize>,
    /// The calls it took in and answered 200 to (or would have, for the slow one).
    accepted: Arc<Mutex<Vec<Received>>>,
    fail_first: usize,
    slow: Option<Duration>,
}

impl Receiver {
    async fn start(
        listener: tokio::net::TcpListener,
        fail_first: usize,
        slow: Option<Duration>,
    ) -> Receiver {
        let receiver = Receiver {
            calls: Default::default(),
            accepted: Default::default(),
            fail_first,
            slow,
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(take))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    fn accepted(&self) -> Vec<Received> {
        self.accepted.lock().unwrap().clone()
    }
}

async fn take(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = r.calls.fetch_add(1, Ordering::SeqCst);
    if n < r.fail_first {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    r.accepted.lock().unwrap().push(Received {
        id: header("x-zakupka-event-id"),
        kind: header("x-zakupka-event"),
        signature: header("x-zakupka-signature"),
        body,
    });
    if n == r.fail_first
        && let Some(slow) = r.slow
    {
        tokio::time::sleep(slow).await;
    }
    StatusCode::OK
}

async fn local_listener() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Checks a delivery as a receiver would: the signature is HMAC-SHA256 of the body with
/// the secret, and the headers agree with the body. Returns the body as JSON.
fn verified(r: &Received, secret: &str) -> serde_json::Value {
    let hex = r
        .signature
        .strip_prefix("sha256=")
        .unwrap_or_else(|| panic!("signature {:?}", r.signature));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&r.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex, expected, "the signature verifies with the secret");
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(json["id"], r.id.as_str(), "the id header is the body's id");
    assert_eq!(json["kind"], r.kind.as_str());
    json
}

fn policy() -> Policy {
    Policy {
        timeout: Duration::from_millis(700),
        max_attempts: 10,
        ..Policy::default()
    }
}

/// Runs delivery passes, moving the clock past the longest backoff between them, until
/// nothing is pending or `passes` ran.
async fn deliver(s: &Server, clock: &Clock, policy: &Policy, passes: usize) {
    let http = webhooks::delivery::client(policy).unwrap();
    for _ in 0..passes {
        webhooks::deliver_due(&s.db, clock, &http, policy)
            .await
            .unwrap();
        let pending: i64 =
            s.db.blocking(|c| Ok(webhooks::list(c)?.iter().map(|w| w.pending).sum()))
                .unwrap();
        if pending == 0 {
            return;
        }
        clock.advance(chrono::Duration::from_std(policy.cap).unwrap());
    }
}

#[tokio::test]
async fn a_receiver_that_fails_for_a_while_gets_every_event_once_by_id_signed() {
    let s = Server::new();
    let (listener, addr) = local_listener().await;
    // Five 500s, then one taken in but answered after the sender gave up, then 200s.
    let receiver = Receiver::start(listener, 5, Some(Duration::from_secs(2))).await;
    let hook =
        s.db.blocking(|c| {
            webhooks::add(
                c,
                &format!("http://{addr}/hook"),
                "visit_approved,quarter_published",
                Utc::now(),
            )
        })
        .unwrap();

    // Three visits approved and one returned, through the API; a quarter published.
    let auditor = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    let mut approved = BTreeSet::new();
    for n in 0..4 {
        let visit = s.visit("auditor1");
        s.push_ok(&auditor, &visit).await;
        let decision = if n == 3 {
            serde_json::json!({ "decision": "return", "revision": 1, "comment": "Уточните" })
        } else {
            approved.insert(visit.id.to_string());
            serde_json::json!({ "decision": "approve", "revision": 1 })
        };
        s.post_json(
            &format!("/api/v1/visits/{}/review", visit.id),
            Some(&sup),
            &decision,
        )
        .await
        .expect(StatusCode::OK);
    }
    let quarter: Quarter = "2025-Q1".parse().unwrap();
    publish(&s, quarter);

    let clock = Clock::manual(Utc::now() + chrono::Duration::seconds(1));
    deliver(&s, &clock, &policy(), 10).await;

    let got = receiver.accepted();
    let mut by_id: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for r in &got {
        by_id
            .entry(r.id.clone())
            .or_default()
            .push(verified(r, &hook.secret));
    }
    assert!(
        got.len() > by_id.len(),
        "the answer that came too late was sent again: {} deliveries of {} events",
        got.len(),
        by_id.len()
    );
    let mut visits = BTreeSet::new();
    let mut quarters = Vec::new();
    for (id, copies) in &by_id {
        assert!(
            copies.windows(2).all(|w| w[0] == w[1]),
            "every copy of {id} is the same event"
        );
        let event = &copies[0];
        let data = event["data"].as_object().unwrap();
        match event["kind"].as_str().unwrap() {
            "visit_approved" => {
                let keys: BTreeSet<_> = data.keys().map(String::as_str).collect();
                assert_eq!(keys, BTreeSet::from(["office_id", "revision", "visit_id"]));
                visits.insert(data["visit_id"].as_str().unwrap().to_owned());
            }
            "quarter_published" => quarters.push(data["quarter"].clone()),
            other => panic!("unexpected event {other}"),
        }
        let text = event.to_string();
        assert!(
            !text.contains("auditor1") && !text.contains("device"),
            "no auditor's identity in {text}"
        );
    }
    assert_eq!(
        visits, approved,
        "each approved visit once; the returned none"
    );
    assert_eq!(quarters, [serde_json::json!("2025-Q1")]);
    let listed = s.db.blocking(|c| webhooks::list(c)).unwrap();
    assert_eq!(
        (listed[0].delivered, listed[0].pending, listed[0].failed),
        (4, 0, 0)
    );
}

/// Publishes `quarter` (ended, no visits) with the current methodology and one branch's
/// figure for each of its KPIs.
fn publish(s: &Server, quarter: Quarter) {
    s.db.blocking(|c| {
        let m = rating::latest_methodology(c)?;
        let figures = m.kpi_keys().map(|k| (k.to_owned(), 1.0)).collect();
        rating::import_kpis(c, quarter, &[("klin".to_owned(), figures)].into())?;
        rating::publish(c, quarter, &m, "admin", Utc::now())
    })
    .unwrap();
}

/// An event is written only for the webhooks that asked for its kind, and only with the
/// change: a refused approval or a transaction rolled back writes none.
#[tokio::test]
async fn events_go_to_subscribers_only_and_only_with_their_change() {
    let s = Server::new();
    let now = Utc::now();
    let (approvals, publications) =
        s.db.blocking(|c| {
            Ok((
                webhooks::add(c, "https://a.example.org/", "visit_approved", now)?.id,
                webhooks::add(c, "https://b.example.org/", "quarter_published", now)?.id,
            ))
        })
        .unwrap();
    let auditor = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    let visit = s.visit("auditor1");
    s.push_ok(&auditor, &visit).await;
    let uri = format!("/api/v1/visits/{}/review", visit.id);
    let approve =
        |revision: u32| serde_json::json!({ "decision": "approve", "revision": revision });
    s.post_json(&uri, Some(&sup), &approve(2))
        .await
        .expect(StatusCode::CONFLICT);
    assert_eq!(
        s.count("webhook_outbox"),
        0,
        "a refused approval has no event"
    );
    s.post_json(&uri, Some(&sup), &approve(1))
        .await
        .expect(StatusCode::OK);
    let rows = |id: Uuid| {
        s.db.blocking(move |c| {
            Ok(c.query_row(
                "SELECT count(*) FROM webhook_outbox WHERE webhook_id = ?1",
                [id.to_string()],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .unwrap()
    };
    assert_eq!((rows(approvals), rows(publications)), (1, 0));
    s.db.blocking(|c| {
        let tx = c.transaction()?;
        let event = zakupka_server::events::Event::quarter_published(
            "2025-Q3".parse().unwrap(),
            "main",
            1,
            now,
        );
        zakupka_server::events::record(&tx, &event)?;
        drop(tx); // rolled back, as a failed change is
        Ok(())
    })
    .unwrap();
    assert_eq!((rows(approvals), rows(publications)), (1, 0));
}

#[tokio::test]
async fn an_event_is_retried_after_its_backoff_and_given_up_after_the_last_attempt() {
    let s = Server::new();
    let (listener, addr) = local_listener().await;
    let receiver = Receiver::start(listener, usize::MAX, None).await;
    s.db.blocking(|c| {
        webhooks::add(
            c,
            &format!("http://{addr}/hook"),
            "quarter_published",
            Utc::now(),
        )
    })
    .unwrap();
    publish(&s, "2025-Q2".parse().unwrap());
    let policy = Policy {
        max_attempts: 3,
        ..policy()
    };
    let http = webhooks::delivery::client(&policy).unwrap();
    let clock = Clock::manual(Utc::now() + chrono::Duration::seconds(1));
    webhooks::deliver_due(&s.db, &clock, &http, &policy)
        .await
        .unwrap();
    webhooks::deliver_due(&s.db, &clock, &http, &policy)
        .await
        .unwrap();
    assert_eq!(
        receiver.calls.load(Ordering::SeqCst),
        1,
        "not again before the backoff"
    );
    clock.advance(chrono::Duration::seconds(5));
    webhooks::deliver_due(&s.db, &clock, &http, &policy)
        .await
        .unwrap();
    assert_eq!(receiver.calls.load(Ordering::SeqCst), 2, "again after it");
    deliver(&s, &clock, &policy, 5).await;
    assert_eq!(
        receiver.calls.load(Ordering::SeqCst),
        3,
        "three attempts, then no more"
    );
    let listed = s.db.blocking(|c| webhooks::list(c)).unwrap();
    assert_eq!(
        (listed[0].delivered, listed[0].pending, listed[0].failed),
        (0, 0, 1)
    );
    assert_eq!(
        listed[0].last_error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
}

#[test]
fn a_bad_url_or_event_list_is_refused_by_name_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zakupka.db");
    let cli = |args: &[&str]| {
        let mut all: Vec<std::ffi::OsString> = vec!["webhook".into()];
        all.extend(args.iter().map(Into::into));
        all.extend(["--db".into(), db.clone().into_os_string()]);
        let refs: Vec<&std::ffi::OsStr> = all.iter().map(|a| a.as_os_str()).collect();
        run_cli(&refs, b"")
    };
    for (url, events, says) in [
        (
            "http://erp.example.org/hook",
            "visit_approved",
            "https is required unless the host is loopback",
        ),
        ("ftp://erp.example.org/", "visit_approved", "scheme `ftp`"),
        ("https://", "visit_approved", "empty host"),
        (
            "https://erp.example.org/",
            "visit_approved,visit_aproved",
            "unknown event `visit_aproved`",
        ),
        ("https://erp.example.org/", ",", "name at least one event"),
    ] {
        let out = cli(&["add", url, "--events", events]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url} {events}");
        assert!(err.contains(says), "{url} {events}: {err}");
    }
    assert!(!db.exists(), "nothing stored, not even a database");

    let out = cli(&[
        "add",
        "https://erp.example.org/zakupka",
        "--events",
        "visit_approved,appeal_decided",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let id = text.split_whitespace().nth(1).unwrap().to_owned();
    assert!(text.contains("secret "), "{text}");
    let out = cli(&["add", "http://example.org/", "--events", "visit_approved"]);
    assert!(!out.status.success());
    let listed = String::from_utf8_lossy(&cli(&["list"]).stdout).to_string();
    assert_eq!(listed.matches("https://").count(), 1, "{listed}");
    assert!(
        listed.contains("visit_approved, appeal_decided"),
        "{listed}"
    );
    assert!(
        !listed.contains(text.lines().nth(1).unwrap()),
        "the secret is not listed"
    );
    let out = cli(&["remove", &Uuid::now_v7().to_string()]);
    assert!(!out.status.success());
    assert!(cli(&["remove", &id]).status.success());
    let listed = String::from_utf8_lossy(&cli(&["list"]).stdout).to_string();
    assert!(listed.contains("no webhooks"), "{listed}");
}

/// The server binary is killed with SIGKILL after an approval committed and before its
/// event could be delivered (the receiver is down); started again with the receiver up,
/// it delivers the event.
#[tokio::test]
async fn an_event_committed_before_a_sigkill_is_delivered_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zakupka.db");
    let db_arg = db.clone().into_os_string();
    for (login, role) in [("auditor1", "auditor"), ("supervisor", "supervisor")] {
        let args = ["user", "add", login, "--role", role, "--db"];
        let mut all: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        all.push(&db_arg);
        assert!(run_cli(&all, b"secret1-violet-ice\n").status.success());
    }
    // A port with nobody listening yet: the receiver is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let webhook = |args: &[&str]| {
        let mut all: Vec<&std::ffi::OsStr> = vec!["webhook".as_ref()];
        all.extend(args.iter().map(|a| std::ffi::OsStr::new(*a)));
        all.extend(["--db".as_ref(), db_arg.as_os_str()]);
        String::from_utf8(run_cli(&all, b"").stdout).unwrap()
    };
    let added = webhook(&["add", &url, "--events", "visit_approved"]);
    let secret = added.lines().nth(1).unwrap()["secret ".len()..].to_owned();

    let (mut server, base) = serve_binary(&db, &[]);
    let http = reqwest::Client::new();
    let auditor = login_http(&http, &base, "auditor1", "secret1-violet-ice").await;
    let sup = login_http(&http, &base, "supervisor", "secret1-violet-ice").await;
    let (template, directory) = zakupka_server::demo::read_seeds(&seeds()).unwrap();
    let mut visit =
        zakupka_core::demo::generate_visits(&template, &directory, 1, Utc::now()).remove(0);
    visit.auditor = "auditor1".into();
    let post = |path: String, token: &str, body: serde_json::Value| {
        http.post(format!("{base}/api/v1/{path}"))
            .header(PROTOCOL_HEADER, "1")
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let pushed = post(
        "push".into(),
        &auditor,
        serde_json::json!({ "visits": [visit] }),
    )
    .await
    .unwrap();
    assert_eq!(pushed.status(), 200);
    let decided = post(
        format!("visits/{}/review", visit.id),
        &sup,
        serde_json::json!({ "decision": "approve", "revision": 1 }),
    )
    .await
    .unwrap();
    assert_eq!(decided.status(), 200, "the approval is committed");
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    assert!(
        webhook(&["list"]).contains("delivered 0, pending 1"),
        "{}",
        webhook(&["list"])
    );

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let receiver = Receiver::start(listener, 0, None).await;
    let (mut server, _) = serve_binary(&db, &[]);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !webhook(&["list"]).contains("delivered 1, pending 0") {
        assert!(
            std::time::Instant::now() < deadline,
            "not delivered after the restart: {}",
            webhook(&["list"])
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let got = receiver.accepted();
    assert_eq!(got.len(), 1);
    let event = verified(&got[0], &secret);
    assert_eq!(event["kind"], "visit_approved");
    assert_eq!(event["data"]["visit_id"], visit.id.to_string());
}
