//! The sync engine against the real server on a loopback port: visits reach the server
//! exactly once, refused visits stay on the device with the reason, photos follow the
//! visit, and an unreachable server changes nothing but the retry count.

use std::path::Path;
use std::sync::Mutex;

use chrono::Utc;
use uuid::Uuid;
use zakupka_client::api::{Api, SyncError};
use zakupka_client::sync::{StoreAccess, backoff, push_outcomes, sync_once};
use zakupka_client::{NewVisit, OutboxEntry, PushOutcome, Store, SyncState};
use zakupka_core::wire::{PushResponse, PushResult, PushStatus, Refusal, Role};
use zakupka_core::{AnswerValue, Directory, ItemKind, Template};
use zakupka_server::{Db, auth, demo};

fn seeds() -> (Template, Directory) {
    demo::read_seeds(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")).unwrap()
}

/// The real server on 127.0.0.1:0 with the seeds and two auditors; returns its address.
async fn server() -> (String, Db) {
    let db = Db::open_in_memory().unwrap();
    let (t, d) = seeds();
    db.blocking(|c| {
        demo::publish(c, &t, &d)?;
        auth::add_user(
            c,
            "auditor1",
            Role::Auditor,
            "secret1-violet-ice",
            Utc::now(),
        )?;
        auth::add_user(
            c,
            "auditor2",
            Role::Auditor,
            "secret2-violet-ice",
            Utc::now(),
        )?;
        auth::add_user(
            c,
            "supervisor",
            Role::Supervisor,
            "secret3-violet-ice",
            Utc::now(),
        )
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = zakupka_server::app(db.clone(), None);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), db)
}

fn server_visits(db: &Db) -> (i64, i64) {
    db.blocking(|c| {
        Ok(
            c.query_row("SELECT count(*), count(DISTINCT id) FROM visits", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?,
        )
    })
    .unwrap()
}

async fn logged_in(base: &str, login: &str, password: &str) -> Api {
    let token = Api::new(base, None)
        .login(login, password, Uuid::now_v7())
        .await
        .unwrap()
        .token;
    Api::new(base, Some(token))
}

/// A device that has pulled once: the checklist and directory come from the server.
async fn device(api: &Api) -> Mutex<Store> {
    let local = Mutex::new(Store::open_in_memory().unwrap());
    sync_once(&local, api, Utc::now).await.unwrap();
    local
}

/// Fills and submits a visit with every required item answered.
fn submit_visit(store: &Store, auditor: &str, office: &str) -> Uuid {
    submit_visit_at(store, auditor, office, Utc::now)
}

/// The same on a device whose clock says `clock()`.
fn submit_visit_at(
    store: &Store,
    auditor: &str,
    office: &str,
    clock: impl Fn() -> chrono::DateTime<Utc>,
) -> Uuid {
    let t = store.latest_template("office-visit").unwrap();
    let new = NewVisit {
        template_id: t.id.clone(),
        template_version: t.version,
        office_id: office.into(),
        auditor: auditor.into(),
        scenario: t.scenarios[0].id.clone(),
    };
    let v = store.start_visit(&new, clock()).unwrap();
    for item in t.items() {
        let value = match &item.kind {
            ItemKind::YesNo => AnswerValue::Yes,
            ItemKind::Scale => AnswerValue::Scale(4),
            ItemKind::Number { .. } => AnswerValue::Number(9.0),
            ItemKind::Choice { options } => AnswerValue::Choice(options[0].id.clone()),
        };
        store.set_answer(v.id, &item.id, &value, clock()).unwrap();
    }
    store.submit(v.id, clock()).unwrap();
    v.id
}

#[tokio::test]
async fn submitted_visits_reach_the_server_exactly_once() {
    let (base, db) = server().await;
    let api = logged_in(&base, "auditor1", "secret1-violet-ice").await;
    let local = device(&api).await;
    assert_eq!(
        local
            .read(|s| s.directory())
            .unwrap()
            .unwrap()
            .offices
            .len(),
        134,
        "the directory came by pull"
    );
    let ids: Vec<Uuid> = {
        let s = local.lock().unwrap();
        (0..3)
            .map(|_| submit_visit(&s, "auditor1", "klin-1"))
            .collect()
    };
    assert!(ids.iter().all(|id| matches!(
        local.lock().unwrap().sync_states().unwrap()[id],
        SyncState::Waiting { .. }
    )));

    let report = sync_once(&local, &api, Utc::now).await.unwrap();
    assert_eq!(report.pushed, 3);
    assert_eq!(server_visits(&db), (3, 3));
    let states = local.lock().unwrap().sync_states().unwrap();
    assert!(
        ids.iter().all(|id| states[id] == SyncState::Synced),
        "{states:?}"
    );
    assert!(local.lock().unwrap().last_sync().unwrap().is_some());

    // Again, and as if the acknowledgement had been lost: the server keeps one of each.
    sync_once(&local, &api, Utc::now).await.unwrap();
    let entries: Vec<OutboxEntry> = {
        let s = local.lock().unwrap();
        s.record_push(
            &ids.iter()
                .map(|id| (*id, 1, PushOutcome::Retry("lost".into())))
                .collect::<Vec<_>>(),
            Utc::now(),
        )
        .unwrap();
        s.outbox().unwrap()
    };
    assert!(
        entries.is_empty(),
        "acknowledged entries are not sent again"
    );
    let payloads: Vec<zakupka_core::Visit> = ids
        .iter()
        .map(|id| local.lock().unwrap().visit(*id).unwrap())
        .collect();
    let again = api.push(&payloads).await.unwrap();
    assert!(
        again
            .results
            .iter()
            .all(|r| r.status == PushStatus::Duplicate)
    );
    assert_eq!(server_visits(&db), (3, 3));
}

#[tokio::test]
async fn a_refused_visit_stays_on_the_device_with_the_reason_and_the_rest_go_through() {
    let (base, db) = server().await;
    let api = logged_in(&base, "auditor1", "secret1-violet-ice").await;
    let local = device(&api).await;
    {
        let s = local.lock().unwrap();
        // An office the device knows but the server does not (a stale directory).
        let mut d = s.directory().unwrap().unwrap();
        let mut ghost = d.offices[0].clone();
        ghost.id = "ghost-1".into();
        d.offices.push(ghost);
        s.set_directory(&d, Utc::now()).unwrap();
    }
    let (good, bad) = {
        let s = local.lock().unwrap();
        (
            submit_visit(&s, "auditor1", "klin-1"),
            submit_visit(&s, "auditor1", "ghost-1"),
        )
    };
    let report = sync_once(&local, &api, Utc::now).await.unwrap();
    assert_eq!((report.pushed, report.refused), (1, 1));
    assert_eq!(server_visits(&db), (1, 1));
    let states = local.lock().unwrap().sync_states().unwrap();
    assert_eq!(states[&good], SyncState::Synced);
    match &states[&bad] {
        SyncState::Refused { code, reason } => {
            assert!(
                reason.contains("office_id") && reason.contains("ghost-1"),
                "{reason}"
            );
            assert_eq!(*code, Refusal::Invalid, "the code the app words");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        local.lock().unwrap().visit(bad).is_ok(),
        "the refused visit is still on the device"
    );
}

#[tokio::test]
async fn photos_follow_their_visit_and_another_auditor_sees_nothing_of_it() {
    let (base, db) = server().await;
    let api = logged_in(&base, "auditor1", "secret1-violet-ice").await;
    let local = device(&api).await;
    let png = {
        let mut p = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        p.extend_from_slice(&[7; 2000]);
        p
    };
    let id = {
        let s = local.lock().unwrap();
        let t = s.latest_template("office-visit").unwrap();
        let item = t.items().find(|i| i.allow_photo).unwrap().id.clone();
        let new = NewVisit {
            template_id: t.id.clone(),
            template_version: t.version,
            office_id: "klin-1".into(),
            auditor: "auditor1".into(),
            scenario: t.scenarios[0].id.clone(),
        };
        let v = s.start_visit(&new, Utc::now()).unwrap();
        s.add_photo(v.id, &item, "stand.png", &png, Utc::now())
            .unwrap();
        drop(s);
        let s = local.lock().unwrap();
        for item in t.items() {
            let value = match &item.kind {
                ItemKind::YesNo => AnswerValue::Yes,
                ItemKind::Scale => AnswerValue::Scale(5),
                ItemKind::Number { .. } => AnswerValue::Number(3.0),
                ItemKind::Choice { options } => AnswerValue::Choice(options[0].id.clone()),
            };
            s.set_answer(v.id, &item.id, &value, Utc::now()).unwrap();
        }
        s.submit(v.id, Utc::now()).unwrap();
        v.id
    };
    let report = sync_once(&local, &api, Utc::now).await.unwrap();
    assert_eq!((report.pushed, report.photos), (1, 1));
    let stored: i64 = db
        .blocking(|c| Ok(c.query_row("SELECT count(*) FROM photos", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(stored, 1);

    let other = logged_in(&base, "auditor2", "secret2-violet-ice").await;
    let theirs = device(&other).await;
    let pulled = other.pull(0).await.unwrap();
    assert!(
        pulled.visits.iter().all(|u| u.visit_id != id),
        "auditor2 is not told about auditor1's visit"
    );
    assert!(theirs.read(|s| s.visits()).unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_server_changes_nothing_but_the_retry_count() {
    let (base, _db) = server().await;
    let api = logged_in(&base, "auditor1", "secret1-violet-ice").await;
    let local = device(&api).await;
    let id = submit_visit(&local.lock().unwrap(), "auditor1", "klin-1");
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let offline = Api::new(&format!("http://{closed}"), Some("t".into()));
    let err = sync_once(&local, &offline, Utc::now).await.unwrap_err();
    assert!(
        matches!(err, SyncError::Offline(_)) && err.is_transient(),
        "{err}"
    );
    let outbox = local.lock().unwrap().outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].attempts, 1);
    assert_eq!(
        local.lock().unwrap().sync_states().unwrap()[&id],
        SyncState::Waiting {
            attempts: 1,
            last_error: outbox[0].last_error.clone()
        }
    );
    sync_once(&local, &api, Utc::now).await.unwrap();
    assert_eq!(
        local.lock().unwrap().sync_states().unwrap()[&id],
        SyncState::Synced
    );
}

#[tokio::test]
async fn a_wrong_password_or_a_revoked_token_asks_to_log_in_again() {
    let (base, _db) = server().await;
    let err = Api::new(&base, None)
        .login("auditor1", "wrong", Uuid::now_v7())
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized(_)), "{err}");
    let stale = Api::new(&base, Some("no-such-token".into()));
    let local = Mutex::new(Store::open_in_memory().unwrap());
    let err = sync_once(&local, &stale, Utc::now).await.unwrap_err();
    assert!(
        matches!(err, SyncError::Unauthorized(_)) && !err.is_transient(),
        "{err}"
    );
}

// --- the pure parts -------------------------------------------------------------------

fn entry(n: u128) -> OutboxEntry {
    OutboxEntry {
        visit_id: Uuid::from_u128(n),
        revision: 1,
        payload: String::new(),
        queued_at: Utc::now(),
        attempts: 0,
        last_error: None,
        sent_at: None,
    }
}

#[test]
fn a_refused_visit_keeps_the_servers_refusal_code() {
    let batch = [entry(1)];
    let answer = Ok(PushResponse {
        results: vec![PushResult {
            visit_id: Uuid::from_u128(1),
            revision: 1,
            status: PushStatus::Rejected,
            reason: Some("revision 1 was received before with other content".into()),
            code: Some(Refusal::RevisionConflict),
            missing_photos: vec![],
        }],
    });
    assert_eq!(
        push_outcomes(&batch, &answer),
        [PushOutcome::Refused {
            code: Refusal::RevisionConflict,
            reason: "revision 1 was received before with other content".into()
        }]
    );
}

#[test]
fn push_outcomes_follow_the_server_answer() {
    let batch = [entry(1), entry(2), entry(3)];
    let result = |n, status| PushResult {
        visit_id: Uuid::from_u128(n),
        revision: 1,
        status,
        reason: Some("r".into()),
        code: None,
        missing_photos: vec![],
    };
    let answer = Ok(PushResponse {
        results: vec![
            result(1, PushStatus::Accepted),
            result(2, PushStatus::Duplicate),
            result(3, PushStatus::Rejected),
        ],
    });
    assert_eq!(
        push_outcomes(&batch, &answer),
        [
            PushOutcome::Stored,
            PushOutcome::Stored,
            PushOutcome::Refused {
                code: Refusal::Other,
                reason: "r".into()
            }
        ]
    );

    let bad = Err(SyncError::Server {
        status: 400,
        code: zakupka_core::wire::Refusal::Invalid,
        message: "no office".into(),
        field: Some("visits[1].office_id".into()),
    });
    let outcomes = push_outcomes(&batch, &bad);
    assert!(matches!(outcomes[0], PushOutcome::Retry(_)));
    assert_eq!(
        outcomes[1],
        PushOutcome::Refused {
            code: Refusal::Invalid,
            reason: "visits[1].office_id: no office".into()
        }
    );
    assert!(matches!(outcomes[2], PushOutcome::Retry(_)));

    let down = Err(SyncError::Offline("refused".into()));
    assert!(
        push_outcomes(&batch, &down)
            .iter()
            .all(|o| matches!(o, PushOutcome::Retry(_)))
    );
    let missing = Ok(PushResponse { results: vec![] });
    assert!(
        push_outcomes(&batch, &missing)
            .iter()
            .all(|o| matches!(o, PushOutcome::Retry(_))),
        "no answer is no acknowledgement"
    );
}

#[test]
fn backoff_grows_is_capped_and_jittered() {
    assert!(backoff(0, 0.99) <= std::time::Duration::from_secs(2));
    assert!(backoff(3, 0.99) > backoff(1, 0.99));
    assert!(
        backoff(40, 0.99) <= std::time::Duration::from_secs(300),
        "capped at five minutes"
    );
    assert!(
        backoff(10, 0.1) < backoff(10, 0.9),
        "jitter spreads devices out"
    );
    assert!(backoff(5, 0.0) >= std::time::Duration::from_millis(500));
}

#[test]
fn only_updates_of_visits_on_this_device_are_applied() {
    use zakupka_core::wire::{PullResponse, ReviewState, VisitUpdate};
    let mine = Uuid::from_u128(1);
    let update = |n| VisitUpdate {
        visit_id: Uuid::from_u128(n),
        revision: 1,
        state: ReviewState::Approved,
        comment: String::new(),
        item_comments: Default::default(),
    };
    let pull = PullResponse {
        next_cursor: 9,
        more: false,
        directory: None,
        templates: vec![],
        visits: vec![update(1), update(2)],
        notifications: vec![],
    };
    let plan = zakupka_client::plan_incoming(&[mine].into_iter().collect(), &pull);
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].visit_id, mine);
}

#[tokio::test]
async fn a_returned_visit_is_corrected_offline_resubmitted_and_approved() {
    use zakupka_core::wire::{Decision, ReviewRequest, ReviewState};
    let (base, db) = server().await;
    let api = logged_in(&base, "auditor1", "secret1-violet-ice").await;
    let supervisor = logged_in(&base, "supervisor", "secret3-violet-ice").await;
    let local = device(&api).await;
    let id = submit_visit(&local.lock().unwrap(), "auditor1", "klin-1");
    sync_once(&local, &api, Utc::now).await.unwrap();

    let (item, old) = {
        let s = local.lock().unwrap();
        let t = s.latest_template("office-visit").unwrap();
        let item = t
            .items()
            .find(|i| matches!(i.kind, ItemKind::Scale))
            .unwrap()
            .id
            .clone();
        let old = s.visit(id).unwrap().answers[&item].value.clone();
        (item, old)
    };
    let request = ReviewRequest {
        decision: Decision::Return,
        revision: 1,
        comment: "Проверьте оценку".into(),
        item_comments: [(item.clone(), "Менеджер был вежлив? Уточните".to_owned())].into(),
    };
    supervisor.review(id, &request).await.unwrap();

    // The phone hears of it at the next sync, then loses the network: the comments stay.
    sync_once(&local, &api, Utc::now).await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let offline = Api::new(&format!("http://{closed}"), Some("t".into()));
    assert!(sync_once(&local, &offline, Utc::now).await.is_err());
    {
        let s = local.lock().unwrap();
        assert_eq!(
            s.sync_states().unwrap()[&id],
            SyncState::Returned {
                comment: "Проверьте оценку".into()
            }
        );
        let notes = s.review_notes(id).unwrap().unwrap();
        assert_eq!(notes.item_comments[&item], "Менеджер был вежлив? Уточните");
        // Corrected offline, as revision 2.
        let draft = s.reopen_returned(id, Utc::now()).unwrap();
        assert_eq!(
            (draft.revision, draft.status),
            (2, zakupka_core::VisitStatus::Draft)
        );
        assert_eq!(
            draft.answers[&item].value, old,
            "the answers are as they were"
        );
        s.set_answer(id, &item, &AnswerValue::Scale(2), Utc::now())
            .unwrap();
        s.submit(id, Utc::now()).unwrap();
        assert!(matches!(
            s.sync_states().unwrap()[&id],
            SyncState::Waiting { .. }
        ));
        assert!(
            s.reopen_returned(id, Utc::now()).is_err(),
            "only a returned visit reopens"
        );
    }
    assert!(sync_once(&local, &offline, Utc::now).await.is_err());
    sync_once(&local, &api, Utc::now).await.unwrap();
    assert_eq!(
        local.lock().unwrap().sync_states().unwrap()[&id],
        SyncState::Synced
    );

    let approve = ReviewRequest {
        decision: Decision::Approve,
        revision: 2,
        comment: String::new(),
        item_comments: Default::default(),
    };
    let update = supervisor.review(id, &approve).await.unwrap();
    assert_eq!((update.revision, update.state), (2, ReviewState::Approved));
    sync_once(&local, &api, Utc::now).await.unwrap();
    assert_eq!(
        local.lock().unwrap().sync_states().unwrap()[&id],
        SyncState::Approved
    );
    let (revisions, second): (i64, String) = db
        .blocking(move |c| {
            Ok(c.query_row(
                "SELECT count(*), max(CASE WHEN revision = 2 THEN payload END) FROM visits WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    assert_eq!(revisions, 2, "both revisions are kept");
    let second: zakupka_core::Visit = serde_json::from_str(&second).unwrap();
    assert_eq!(
        second.answers[&item].value,
        Some(AnswerValue::Scale(2)),
        "the server has the corrected answer"
    );

    // The approval feeds the quarter's rating, with the corrected revision's score.
    let seeds_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let mut methodology = demo::read_methodology(&seeds_dir).unwrap();
    methodology.min_approved_visits = 1;
    let (template, directory) = seeds();
    let keys: Vec<&str> = methodology.kpi_keys().collect();
    let csv = format!(
        "branch_id,{}\nklin,{}\n",
        keys.join(","),
        keys.iter().map(|_| "5").collect::<Vec<_>>().join(",")
    );
    let kpis = zakupka_core::seed::parse_kpis("k.csv", &csv, &methodology, &directory).unwrap();
    let quarter = zakupka_core::rating::Quarter::of(second.finished_at.unwrap());
    let rating = db
        .blocking(move |c| {
            zakupka_server::rating::import_kpis(c, quarter, &kpis)?;
            zakupka_server::rating::rating(c, quarter, &methodology)
        })
        .unwrap();
    let klin = rating
        .tables
        .iter()
        .flat_map(|t| t.rows.iter())
        .find(|r| r.branch_id == "klin")
        .expect("Klin is rated");
    assert_eq!(klin.visits, [id]);
    let expected = zakupka_core::score(&template, &second.values())
        .percent
        .unwrap();
    assert!(
        (klin.criteria[0].value - expected).abs() < 1e-9,
        "the audit criterion is the corrected visit's score"
    );
}

#[tokio::test]
async fn an_assignment_reaches_the_auditors_phone_stays_offline_and_ticks_off_with_the_visit() {
    let (base, _db) = server().await;
    let (template, directory) = seeds();
    let supervisor = logged_in(&base, "supervisor", "secret3-violet-ice").await;
    let auditor = logged_in(&base, "auditor1", "secret1-violet-ice").await;
    let quarter = zakupka_core::rating::Quarter::of(Utc::now());
    let office = directory.offices[5].id.clone();
    let request = zakupka_core::wire::AssignmentRequest {
        auditor: "auditor1".into(),
        office_id: office.clone(),
        quarter,
        scenario: template.scenarios[1].id.clone(),
        due: quarter.bounds().1.date_naive().pred_opt().unwrap(),
        note: "до обеда".into(),
        dry_run: false,
    };
    let made = supervisor.assign(&request).await.unwrap();
    let id = made.assignment.unwrap().id;

    let phone = device(&auditor).await;
    assert_eq!(
        zakupka_client::sync::sync_assignments(&phone, &auditor)
            .await
            .unwrap(),
        1
    );
    // Offline now: the assignment is still there, from the device's own store.
    let offline = Api::new("http://127.0.0.1:9", None);
    assert!(sync_once(&phone, &offline, Utc::now).await.is_err());
    let list = phone.read(|s| s.assignments()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].assignment.id, id);
    assert_eq!(list[0].assignment.note, "до обеда");
    assert_eq!(list[0].visit, None);

    // The auditor makes the visit: the assignment shows it, then the server says done.
    let visit = phone
        .read(|s| Ok(submit_visit(s, "auditor1", &office)))
        .unwrap();
    let list = phone.read(|s| s.assignments()).unwrap();
    assert_eq!(
        list[0].visit,
        Some((visit, zakupka_core::VisitStatus::Submitted))
    );
    sync_once(&phone, &auditor, Utc::now).await.unwrap();
    zakupka_client::sync::sync_assignments(&phone, &auditor)
        .await
        .unwrap();
    let list = phone.read(|s| s.assignments()).unwrap();
    assert_eq!(
        list[0].assignment.status,
        zakupka_core::wire::AssignmentStatus::Done
    );

    // Cancelled on the server: gone from the phone at the next sync.
    supervisor.cancel_assignment(id).await.unwrap();
    zakupka_client::sync::sync_assignments(&phone, &auditor)
        .await
        .unwrap();
    assert!(phone.read(|s| s.assignments()).unwrap().is_empty());
}

/// A phone whose clock is days off: its visits still reach the server once, a return
/// still comes back and the correction still goes through. Nothing in the exchange
/// depends on the device's time; the server flags the visits' times for the supervisor.
#[tokio::test]
async fn a_device_clock_days_off_still_syncs_and_its_visits_are_flagged() {
    use zakupka_core::wire::{Decision, ReviewRequest};
    let (base, db) = server().await;
    for skew in [chrono::Duration::days(4), -chrono::Duration::days(120)] {
        let clock = move || Utc::now() + skew;
        let api = logged_in(&base, "auditor1", "secret1-violet-ice").await;
        let supervisor = logged_in(&base, "supervisor", "secret3-violet-ice").await;
        let local = Mutex::new(Store::open_in_memory().unwrap());
        sync_once(&local, &api, clock).await.unwrap();
        let id = submit_visit_at(&local.lock().unwrap(), "auditor1", "klin-1", clock);
        let report = sync_once(&local, &api, clock).await.unwrap();
        assert_eq!(report.pushed, 1, "skew {skew}");
        let listed = supervisor
            .visits_where(&Default::default(), None)
            .await
            .unwrap();
        let on_server = listed.visits.iter().find(|v| v.visit_id == id).unwrap();
        let expected = if skew > chrono::Duration::zero() {
            zakupka_core::TimeFlag::InTheFuture
        } else {
            zakupka_core::TimeFlag::LongBeforeReceipt
        };
        assert_eq!(on_server.time_flags, vec![expected], "skew {skew}");

        supervisor
            .review(
                id,
                &ReviewRequest {
                    decision: Decision::Return,
                    revision: 1,
                    comment: "Время на телефоне неверное".into(),
                    item_comments: Default::default(),
                },
            )
            .await
            .unwrap();
        sync_once(&local, &api, clock).await.unwrap();
        {
            let s = local.lock().unwrap();
            assert!(matches!(
                s.sync_states().unwrap()[&id],
                SyncState::Returned { .. }
            ));
            s.reopen_returned(id, clock()).unwrap();
            s.submit(id, clock()).unwrap();
        }
        assert_eq!(sync_once(&local, &api, clock).await.unwrap().pushed, 1);
        // Pushed again from scratch (a lost acknowledgement): still once.
        assert_eq!(sync_once(&local, &api, clock).await.unwrap().pushed, 0);
    }
    let (rows, ids) = server_visits(&db);
    assert_eq!(
        (rows, ids),
        (4, 2),
        "two visits, two revisions each, nothing twice"
    );
}

/// The server's disk fills up: the push is refused as "try later" with nothing stored, the
/// visit waits on the device, and goes through by itself once there is space again.
#[tokio::test]
async fn a_full_server_disk_keeps_the_visit_waiting_and_it_goes_when_space_returns() {
    let (base, db) = server().await;
    let api = logged_in(&base, "auditor1", "secret1-violet-ice").await;
    let local = device(&api).await;
    let id = submit_visit(&local.lock().unwrap(), "auditor1", "klin-1");
    // No page more than the database has now: as a full disk looks to SQLite.
    db.blocking(|c| {
        let pages: i64 = c.pragma_query_value(None, "page_count", |r| r.get(0))?;
        c.pragma_update(None, "max_page_count", pages)?;
        Ok(())
    })
    .unwrap();
    let error = sync_once(&local, &api, Utc::now).await.unwrap_err();
    assert!(error.is_transient(), "{error}");
    assert!(error.to_string().contains("disk is full"), "{error}");
    assert_eq!(server_visits(&db), (0, 0));
    assert!(matches!(
        local.lock().unwrap().sync_states().unwrap()[&id],
        SyncState::Waiting { .. }
    ));
    // Space again (SQLite allows far more than this by default).
    db.blocking(|c| Ok(c.pragma_update(None, "max_page_count", 1_073_741_823)?))
        .unwrap();
    assert_eq!(sync_once(&local, &api, Utc::now).await.unwrap().pushed, 1);
    assert_eq!(server_visits(&db), (1, 1));
    let ok: String = db
        .blocking(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(ok, "ok");
}

/// A calibration case reaches the phone without its key, stays there offline, is answered
/// on the checklist like a visit and reaches the server through the outbox exactly once,
/// as a case answer and never as a visit.
#[tokio::test]
async fn a_calibration_case_is_answered_offline_and_its_answer_reaches_the_server_once() {
    let (base, db) = server().await;
    let (template, _) = seeds();
    let supervisor = logged_in(&base, "supervisor", "secret3-violet-ice").await;
    let auditor = logged_in(&base, "auditor1", "secret1-violet-ice").await;
    let key = template
        .items()
        .map(|i| {
            let v = match &i.kind {
                ItemKind::YesNo => AnswerValue::Yes,
                ItemKind::Scale => AnswerValue::Scale(5),
                ItemKind::Number { .. } => AnswerValue::Number(3.0),
                ItemKind::Choice { options } => AnswerValue::Choice(options[0].id.clone()),
            };
            (i.id.clone(), v)
        })
        .collect();
    let case = supervisor
        .publish_case(&zakupka_core::wire::CaseRequest {
            title: "Очередь в обед".into(),
            text: "В зале шесть человек, работает одно окно.".into(),
            template_id: template.id.clone(),
            template_version: template.version,
            scenario: template.scenarios[2].id.clone(),
            photos: vec![],
            key,
        })
        .await
        .unwrap();

    let phone = device(&auditor).await;
    assert_eq!(
        zakupka_client::sync::sync_cases(&phone, &auditor)
            .await
            .unwrap(),
        1
    );
    let offline = Api::new("http://127.0.0.1:9", None);
    assert!(sync_once(&phone, &offline, Utc::now).await.is_err());
    let kept = phone.read(|s| s.cases()).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].case.text, case.text);
    assert_eq!(kept[0].case.key, None, "the key never reaches an auditor");
    assert_eq!(kept[0].answer, None);

    let answer = phone
        .read(|s| {
            let v = s.start_case(case.id, "auditor1", Utc::now())?;
            for item in template.items() {
                let value = match &item.kind {
                    ItemKind::YesNo => AnswerValue::No,
                    ItemKind::Scale => AnswerValue::Scale(3),
                    ItemKind::Number { .. } => AnswerValue::Number(20.0),
                    ItemKind::Choice { options } => {
                        AnswerValue::Choice(options[options.len() - 1].id.clone())
                    }
                };
                s.set_answer(v.id, &item.id, &value, Utc::now())?;
            }
            s.submit(v.id, Utc::now())
        })
        .unwrap();
    assert_eq!(answer.case_id, Some(case.id));
    assert_eq!(answer.office_id, "");
    assert_eq!(answer.scenario, case.scenario);
    let kept = phone.read(|s| s.cases()).unwrap();
    assert_eq!(
        kept[0].answer,
        Some((answer.id, zakupka_core::VisitStatus::Submitted))
    );

    sync_once(&phone, &auditor, Utc::now).await.unwrap();
    sync_once(&phone, &auditor, Utc::now).await.unwrap();
    assert!(phone.read(|s| s.outbox()).unwrap().is_empty());
    let (answers, stored_case): (i64, String) = db
        .blocking(|c| {
            Ok(
                c.query_row("SELECT count(*), max(case_id) FROM case_answers", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?,
            )
        })
        .unwrap();
    assert_eq!((answers, stored_case), (1, case.id.to_string()));
    assert_eq!(server_visits(&db), (0, 0), "a case answer is not a visit");
}

#[tokio::test]
async fn a_returned_visits_notification_is_read_offline_and_the_mark_reaches_the_server() {
    use zakupka_core::wire::{Decision, Notification, ReviewRequest};
    let (base, db) = server().await;
    let api = logged_in(&base, "auditor1", "secret1-violet-ice").await;
    let supervisor = logged_in(&base, "supervisor", "secret3-violet-ice").await;
    let local = device(&api).await;
    let id = submit_visit(&local.lock().unwrap(), "auditor1", "klin-1");
    sync_once(&local, &api, Utc::now).await.unwrap();
    let request = ReviewRequest {
        decision: Decision::Return,
        revision: 1,
        comment: "Проверьте оценку".into(),
        item_comments: Default::default(),
    };
    supervisor.review(id, &request).await.unwrap();
    sync_once(&local, &api, Utc::now).await.unwrap();
    // Synced twice more: the notification is still there once.
    sync_once(&local, &api, Utc::now).await.unwrap();
    let nid = {
        let s = local.lock().unwrap();
        let inbox = s.notifications(50).unwrap();
        assert_eq!(inbox.len(), 1, "{inbox:?}");
        assert_eq!(
            inbox[0].notification,
            Notification::VisitReturned {
                visit_id: id,
                revision: 1
            }
        );
        assert_eq!(s.unread_notifications().unwrap(), 1);
        inbox[0].id
    };

    // Read with no network: read on the device at once, sent when the server is back.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let offline = Api::new(&format!("http://{closed}"), Some("t".into()));
    local
        .lock()
        .unwrap()
        .read_notification(nid, Utc::now())
        .unwrap();
    assert!(sync_once(&local, &offline, Utc::now).await.is_err());
    assert_eq!(local.lock().unwrap().unread_notifications().unwrap(), 0);
    let read_on_server = |db: &Db| {
        db.blocking(move |c| {
            Ok(c.query_row(
                "SELECT read_at IS NOT NULL FROM notifications WHERE id = ?1",
                [nid],
                |r| r.get::<_, bool>(0),
            )?)
        })
        .unwrap()
    };
    assert!(!read_on_server(&db));
    sync_once(&local, &api, Utc::now).await.unwrap();
    assert!(read_on_server(&db));
    assert!(local.lock().unwrap().unsent_reads().unwrap().is_empty());

    // Another device of the same user gets it read; another user gets nothing.
    let fresh = device(&logged_in(&base, "auditor1", "secret1-violet-ice").await).await;
    let inbox = fresh.lock().unwrap().notifications(50).unwrap();
    assert_eq!((inbox.len(), inbox[0].read), (1, true));
    let other = device(&logged_in(&base, "auditor2", "secret2-violet-ice").await).await;
    assert!(other.lock().unwrap().notifications(50).unwrap().is_empty());
}
