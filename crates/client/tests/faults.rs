//! Fault injection: a proxy between the device and the server drops connections in the
//! middle of requests and of responses, delays them, and answers 500. After many
//! randomized rounds the server holds exactly the submitted visits: none lost, none twice.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;
use zakupka_client::api::Api;
use zakupka_client::sync::sync_once;
use zakupka_client::{NewVisit, Store, SyncState};
use zakupka_core::demo::Lcg;
use zakupka_core::wire::Role;
use zakupka_core::{AnswerValue, ItemKind};
use zakupka_server::{Db, auth, demo};

#[derive(Debug, Clone, Copy)]
enum Fault {
    Pass,
    Delay(u64),
    /// Close after this many bytes of the request: the server never sees it whole.
    CutRequest(usize),
    /// The request goes through; the answer is cut after this many bytes, so the server
    /// may have stored what the device never hears about.
    CutResponse(usize),
    Error500,
}

async fn relay(mut client: TcpStream, upstream: SocketAddr, fault: Fault) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    match fault {
        Fault::Error500 => {
            let mut buf = [0u8; 1024];
            let _ = client.read(&mut buf).await;
            let _ = client
                .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
        }
        Fault::CutRequest(limit) => {
            let mut buf = vec![0u8; limit.max(1)];
            if let Ok(n) = client.read(&mut buf).await {
                let _ = server.write_all(&buf[..n.min(limit)]).await;
            }
        }
        Fault::CutResponse(limit) => {
            let (mut cr, mut cw) = client.into_split();
            let (mut sr, mut sw) = server.into_split();
            let up = tokio::spawn(async move { tokio::io::copy(&mut cr, &mut sw).await });
            let mut sent = 0;
            let mut buf = [0u8; 4096];
            while sent < limit {
                match sr.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let n = n.min(limit - sent);
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        sent += n;
                    }
                }
            }
            up.abort();
        }
        Fault::Delay(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        }
        Fault::Pass => {
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        }
    }
}

/// A proxy to `upstream` that picks a fault for every connection.
async fn faulty_proxy(upstream: SocketAddr, seed: u64) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut rng = Lcg::new(seed);
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let fault = match rng.below(100) {
                0..40 => Fault::Pass,
                40..55 => Fault::Delay(20 + rng.below(200)),
                55..70 => Fault::CutRequest(rng.below(600) as usize),
                70..88 => Fault::CutResponse(rng.below(400) as usize),
                _ => Fault::Error500,
            };
            tokio::spawn(relay(client, upstream, fault));
        }
    });
    addr
}

fn submit_visit(store: &Store, rng: &mut Lcg) -> Uuid {
    let t = store.latest_template("office-visit").unwrap();
    let offices = store.directory().unwrap().unwrap().offices;
    let new = NewVisit {
        template_id: t.id.clone(),
        template_version: t.version,
        office_id: offices[rng.below(offices.len() as u64) as usize].id.clone(),
        auditor: "auditor1".into(),
        scenario: t.scenarios[0].id.clone(),
    };
    let v = store.start_visit(&new, Utc::now()).unwrap();
    for item in t.items() {
        let value = match &item.kind {
            ItemKind::YesNo => {
                if rng.below(4) == 0 {
                    AnswerValue::No
                } else {
                    AnswerValue::Yes
                }
            }
            ItemKind::Scale => AnswerValue::Scale(1 + rng.below(5) as u8),
            ItemKind::Number { .. } => AnswerValue::Number(rng.below(40) as f64),
            ItemKind::Choice { options } => {
                AnswerValue::Choice(options[rng.below(options.len() as u64) as usize].id.clone())
            }
        };
        store
            .set_answer(v.id, &item.id, &value, Utc::now())
            .unwrap();
    }
    store.submit(v.id, Utc::now()).unwrap();
    v.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_faulty_network_every_visit_arrives_exactly_once() {
    let rounds: usize = std::env::var("ZAKUPKA_FAULT_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(40);
    let db = Db::open_in_memory().unwrap();
    let (t, d) =
        demo::read_seeds(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")).unwrap();
    db.blocking(|c| {
        demo::publish(c, &t, &d)?;
        auth::add_user(
            c,
            "auditor1",
            Role::Auditor,
            "secret1-violet-ice",
            Utc::now(),
        )
    })
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let direct = listener.local_addr().unwrap();
    let app = zakupka_server::app(db.clone(), None);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let token = Api::new(&format!("http://{direct}"), None)
        .login("auditor1", "secret1-violet-ice", Uuid::now_v7())
        .await
        .unwrap()
        .token;
    let clean = Api::new(&format!("http://{direct}"), Some(token.clone()));
    let proxy = faulty_proxy(direct, 42).await;
    let flaky = Api::new(&format!("http://{proxy}"), Some(token));

    let local = Mutex::new(Store::open_in_memory().unwrap());
    sync_once(&local, &clean, Utc::now).await.unwrap();
    let mut rng = Lcg::new(7);
    let mut submitted = Vec::new();
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..rounds {
        for _ in 0..1 + rng.below(3) {
            submitted.push(submit_visit(&local.lock().unwrap(), &mut rng));
        }
        for _ in 0..3 {
            match sync_once(&local, &flaky, Utc::now).await {
                Ok(_) => ok += 1,
                Err(_) => failed += 1,
            }
        }
    }
    // What the faults left behind goes over a clean network, as when the phone finds Wi-Fi.
    sync_once(&local, &clean, Utc::now).await.unwrap();
    println!(
        "fault rounds: {rounds}, sync attempts ok {ok}, failed {failed}, visits {}",
        submitted.len()
    );
    assert!(
        failed > rounds / 2,
        "the proxy did inject faults ({failed} failed attempts)"
    );

    let (rows, distinct): (i64, i64) = db
        .blocking(|c| {
            Ok(
                c.query_row("SELECT count(*), count(DISTINCT id) FROM visits", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?,
            )
        })
        .unwrap();
    assert_eq!(rows, submitted.len() as i64, "every visit once");
    assert_eq!(distinct, submitted.len() as i64);
    let store = local.lock().unwrap();
    assert!(store.outbox().unwrap().is_empty());
    let states = store.sync_states().unwrap();
    for id in &submitted {
        assert_eq!(states[id], SyncState::Synced, "{id}");
        let on_server: String = db
            .blocking({
                let id = id.to_string();
                move |c| {
                    Ok(
                        c.query_row("SELECT payload FROM visits WHERE id = ?1", [id], |r| {
                            r.get(0)
                        })?,
                    )
                }
            })
            .unwrap();
        let on_server: zakupka_core::Visit = serde_json::from_str(&on_server).unwrap();
        assert_eq!(
            on_server,
            store.visit(*id).unwrap(),
            "the server holds the visit as the device made it"
        );
    }
}
