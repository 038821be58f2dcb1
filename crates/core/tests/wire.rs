//! Golden tests for the sync protocol's JSON. Each message is built here, serialized with
//! `serde_json::to_string_pretty` and compared byte for byte with `tests/golden/<name>.json`;
//! each golden file is also read back and must give the same value. A failure here means
//! the wire format changed: devices in the field still speak the old one, so such a change
//! needs a new `PROTOCOL_VERSION`, not a new golden file.
//!
//! To rewrite the golden files after a deliberate change, run
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p zakupka-core --test wire
//! ```
//!
//! and review the diff of `crates/core/tests/golden/` like any other code.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use zakupka_core::wire::{
    API_PREFIX, Assignment, AssignmentRequest, AssignmentResponse, AssignmentStatus,
    AssignmentWarning, Auditor, ErrorBody, ErrorCode, LoginRequest, LoginResponse, Notification,
    NotificationEntry, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse,
    PushResult, PushStatus, Refusal, ReviewState, Role, ServerVisit, VisitDetail, VisitPage,
    VisitUpdate,
};
use zakupka_core::{
    Answer, AnswerValue, Band, Branch, ChoiceOption, Directory, Item, ItemKind, Label, Office,
    PhotoRef, Scenario, Section, Template, TimeFlag, Visit, VisitStatus,
};

const VISIT_ID: &str = "01912f3a-7b40-7c1e-9a52-3f6d2b8e4c10";
const DEVICE_ID: &str = "0190f1c2-5e11-7a3b-8c44-1d2e3f405162";
const PHOTO_SHA256: &str = "3f0a1c4b9e2d7a6f5c8b1e4d0a9f2c7b6e5d4a3f2c1b0e9d8a7f6c5b4e3d2a10";

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, h, m, s).unwrap()
}

fn visit_id() -> Uuid {
    Uuid::parse_str(VISIT_ID).unwrap()
}

fn answer(value: Option<AnswerValue>, updated_at: DateTime<Utc>) -> Answer {
    Answer {
        value,
        comment: String::new(),
        photos: vec![],
        updated_at,
    }
}

/// A submitted visit with one answer of every kind, an answer with a photo and a comment,
/// and an item commented on but left unanswered.
fn visit() -> Visit {
    let mut answers = BTreeMap::new();
    answers.insert(
        "office.signage".to_owned(),
        Answer {
            value: Some(AnswerValue::No),
            comment: "Вывеска закрыта строительными лесами".to_owned(),
            photos: vec![PhotoRef {
                sha256: PHOTO_SHA256.to_owned(),
                mime: "image/jpeg".to_owned(),
                size: 482_113,
                ..PhotoRef::default()
            }],
            updated_at: at(9, 12, 5),
        },
    );
    answers.insert(
        "office.open-hours".to_owned(),
        answer(Some(AnswerValue::Yes), at(9, 10, 0)),
    );
    answers.insert(
        "office.accessibility".to_owned(),
        answer(Some(AnswerValue::NotApplicable), at(9, 13, 30)),
    );
    answers.insert(
        "standards.wait-time".to_owned(),
        answer(Some(AnswerValue::Number(17.5)), at(9, 31, 0)),
    );
    answers.insert(
        "standards.confirmation".to_owned(),
        answer(Some(AnswerValue::Choice("verbal".into())), at(9, 44, 10)),
    );
    answers.insert(
        "politeness.friendliness".to_owned(),
        answer(Some(AnswerValue::Scale(4)), at(9, 45, 0)),
    );
    answers.insert(
        "office.seating".to_owned(),
        Answer {
            value: None,
            comment: "Не успел проверить".to_owned(),
            photos: vec![],
            updated_at: at(9, 14, 0),
        },
    );
    Visit {
        id: visit_id(),
        template_id: "office-visit".to_owned(),
        template_version: 1,
        office_id: "balashikha-1".to_owned(),
        auditor: "auditor1".to_owned(),
        scenario: "meter-readings".to_owned(),
        started_at: at(9, 5, 0),
        finished_at: Some(at(9, 47, 30)),
        waiting_seconds: Some(1050),
        start_location: None,
        finish_location: None,
        comment: "Очередь из 6 человек, работало одно окно из трёх".to_owned(),
        status: VisitStatus::Submitted,
        revision: 2,
        answers,
        case_id: None,
    }
}

/// A small checklist with an item of every kind.
fn template() -> Template {
    let item = |id: &str, ru: &str, en: &str, kind: ItemKind| Item {
        id: id.to_owned(),
        label: Label::new(ru, en),
        hint: None,
        kind,
        weight: 1.0,
        critical: false,
        allow_na: false,
        required: true,
        allow_comment: true,
        allow_photo: false,
        timer: false,
        photo_max_side: None,
    };
    let mut signage = item(
        "office.signage",
        "Вывеска видна и исправна",
        "The sign is visible and intact",
        ItemKind::YesNo,
    );
    signage.allow_photo = true;
    signage.hint = Some(Label::new("Смотрите с улицы", "Look from the street"));
    let mut wait = item(
        "standards.wait-time",
        "Время ожидания в очереди",
        "Waiting time in the queue",
        ItemKind::Number {
            unit: Label::new("мин", "min"),
            bands: vec![
                Band {
                    max: 15.0,
                    score: 1.0,
                },
                Band {
                    max: 25.0,
                    score: 0.5,
                },
            ],
        },
    );
    wait.weight = 3.0;
    wait.timer = true;
    let mut confirmation = item(
        "standards.confirmation",
        "Результат обращения зафиксирован",
        "The outcome was recorded",
        ItemKind::Choice {
            options: vec![
                ChoiceOption {
                    id: "document".into(),
                    label: Label::new("Выдал документ", "Gave a document"),
                    score: 1.0,
                },
                ChoiceOption {
                    id: "verbal".into(),
                    label: Label::new("Устно", "Verbally"),
                    score: 0.5,
                },
            ],
        },
    );
    confirmation.critical = true;
    let mut friendliness = item(
        "politeness.friendliness",
        "Доброжелательность",
        "Friendliness",
        ItemKind::Scale,
    );
    friendliness.required = false;
    friendliness.allow_na = true;
    Template {
        id: "office-visit".to_owned(),
        version: 1,
        title: Label::new("Проверка клиентского офиса", "Client office visit"),
        sections: vec![Section {
            id: "office".to_owned(),
            title: Label::new("Порядок и удобство офиса", "Office order and convenience"),
            items: vec![signage, wait, confirmation, friendliness],
        }],
        scenarios: vec![Scenario {
            id: "meter-readings".to_owned(),
            label: Label::new(
                "Передача показаний приборов учёта",
                "Submitting meter readings",
            ),
        }],
        min_duration_minutes: None,
    }
}

fn directory() -> Directory {
    Directory {
        branches: vec![Branch {
            id: "balashikha".to_owned(),
            name: Label::new("Балашихинское управление", "Balashikha branch"),
            district: "городской округ Балашиха".to_owned(),
            accounts: 182_400,
        }],
        offices: vec![Office {
            id: "balashikha-1".to_owned(),
            branch_id: "balashikha".to_owned(),
            name: Label::new(
                "Клиентский офис «Балашиха, Центральный»",
                "Balashikha, Central client office",
            ),
            district: "городской округ Балашиха".to_owned(),
            address: "г. Балашиха, пр-т Ленина, д. 32".to_owned(),
            position: None,
        }],
    }
}

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"))
}

/// Compares `value`'s pretty JSON with the golden file `name`, then reads the file back and
/// compares the value. With `UPDATE_GOLDEN=1` the file is rewritten first.
fn check_golden<T: Serialize + DeserializeOwned + PartialEq + Debug>(name: &str, value: &T) {
    let path = golden_path(name);
    let json = serde_json::to_string_pretty(value).unwrap() + "\n";
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &json).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to write it)",
            path.display()
        )
    });
    assert!(
        json == golden,
        "the JSON of `{name}` differs from {}: the wire format changed.\n--- now ---\n{json}\n--- golden ---\n{golden}",
        path.display()
    );
    let back: T =
        serde_json::from_str(&golden).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &back,
        value,
        "{} does not read back as the value it was written from",
        path.display()
    );
}

#[test]
fn protocol_constants_are_frozen() {
    assert_eq!(PROTOCOL_VERSION, 1);
    assert_eq!(API_PREFIX, "/api/v1");
    assert_eq!(PROTOCOL_HEADER, "x-zakupka-protocol");
}

#[test]
fn login_request() {
    check_golden(
        "login_request",
        &LoginRequest {
            login: "auditor1".to_owned(),
            password: "correct horse".to_owned(),
            device_id: Uuid::parse_str(DEVICE_ID).unwrap(),
        },
    );
}

#[test]
fn login_response() {
    check_golden(
        "login_response",
        &LoginResponse {
            token: "q1Vb0u3mJ4xX2r9c8p7o6n5m4l3k2j1i0h9g8f7e6d5".to_owned(),
            expires_at: Utc.with_ymd_and_hms(2025, 4, 13, 9, 0, 0).unwrap(),
            login: "auditor1".to_owned(),
            role: Role::Auditor,
        },
    );
}

#[test]
fn push_request_with_every_kind_of_answer() {
    check_golden(
        "push_request",
        &PushRequest {
            visits: vec![visit()],
        },
    );
}

#[test]
fn push_response_with_every_status() {
    let other = |s: &str| Uuid::parse_str(s).unwrap();
    check_golden(
        "push_response",
        &PushResponse {
            results: vec![
                PushResult {
                    visit_id: visit_id(),
                    revision: 2,
                    status: PushStatus::Accepted,
                    reason: None,
                    code: None,
                    missing_photos: vec![PHOTO_SHA256.to_owned()],
                },
                PushResult {
                    visit_id: other("01912f10-0a00-7d2c-8b1a-5e6f7a8b9c0d"),
                    revision: 1,
                    status: PushStatus::Duplicate,
                    reason: None,
                    code: None,
                    missing_photos: vec![],
                },
                PushResult {
                    visit_id: other("01912f20-3c00-7e4d-9f2a-6b7c8d9e0f1a"),
                    revision: 1,
                    status: PushStatus::Rejected,
                    reason: Some(
                        "revision 1 of this visit was already received with other content"
                            .to_owned(),
                    ),
                    code: Some(Refusal::RevisionConflict),
                    missing_photos: vec![],
                },
            ],
        },
    );
}

#[test]
fn pull_response_with_directory_template_and_review() {
    check_golden(
        "pull_response",
        &PullResponse {
            next_cursor: 42,
            more: false,
            directory: Some(directory()),
            templates: vec![template()],
            visits: vec![VisitUpdate {
                visit_id: visit_id(),
                revision: 2,
                state: ReviewState::Returned,
                comment: "Уточните время ожидания".to_owned(),
                item_comments: BTreeMap::from([(
                    "standards.wait-time".to_owned(),
                    "По талону было 12 минут?".to_owned(),
                )]),
            }],
            notifications: vec![],
        },
    );
}

#[test]
fn pull_response_with_nothing_new() {
    // No directory: the field is left out, not null.
    check_golden(
        "pull_response_empty",
        &PullResponse {
            next_cursor: 42,
            more: false,
            directory: None,
            templates: vec![],
            visits: vec![],
            notifications: vec![],
        },
    );
}

#[test]
fn pull_response_with_notifications() {
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    check_golden(
        "pull_response_notifications",
        &PullResponse {
            next_cursor: 43,
            more: false,
            directory: None,
            templates: vec![],
            visits: vec![],
            notifications: vec![
                NotificationEntry {
                    id: 7,
                    created_at: at("2026-11-30T10:00:00Z"),
                    read_at: None,
                    notification: Notification::VisitReturned {
                        visit_id: visit_id(),
                        revision: 2,
                    },
                },
                NotificationEntry {
                    id: 8,
                    created_at: at("2026-11-30T11:00:00Z"),
                    read_at: Some(at("2026-11-30T12:00:00Z")),
                    notification: Notification::AssignmentDueSoon {
                        assignment_id: visit_id(),
                        office_id: "srp-1".to_owned(),
                        due: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
                    },
                },
            ],
        },
    );
}

#[test]
fn a_notification_of_a_newer_kind_reads_as_unknown_and_the_pull_still_reads() {
    let json = r#"{"next_cursor": 5, "templates": [], "visits": [], "notifications": [
        {"id": 1, "created_at": "2026-11-30T10:00:00Z", "read_at": null,
         "notification": {"kind": "quarter_published", "params": {"quarter": "2026-Q4"}}}]}"#;
    let pull: PullResponse = serde_json::from_str(json).unwrap();
    assert_eq!(pull.notifications[0].notification, Notification::Unknown);
    // Params that do not fit their kind read as unknown too, never as a failed pull.
    assert_eq!(
        Notification::from_columns("visit_returned", r#"{"visit_id": 3}"#),
        Notification::Unknown
    );
    let known = Notification::ActionOverdue {
        action_id: visit_id(),
        office_id: "srp-1".to_owned(),
        due: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
    };
    let (kind, params) = known.to_columns().unwrap();
    assert_eq!(Notification::from_columns(kind, &params), known);
    let (kind, params) = Notification::Unknown.to_columns().unwrap();
    assert_eq!(
        Notification::from_columns(kind, &params),
        Notification::Unknown
    );
}

#[test]
fn server_visit() {
    check_golden(
        "server_visit",
        &ServerVisit {
            visit_id: visit_id(),
            revision: 2,
            auditor: "auditor1".to_owned(),
            office_id: "balashikha-1".to_owned(),
            state: ReviewState::Submitted,
            received_at: Utc.with_ymd_and_hms(2025, 3, 14, 10, 2, 17).unwrap()
                + chrono::Duration::milliseconds(345),
            time_flags: vec![],
            presence_flags: vec![],
        },
    );
}

/// A page of the queue: the visits and the cursor of the next page, absent on the last.
#[test]
fn visit_page() {
    let visit = ServerVisit {
        visit_id: visit_id(),
        revision: 1,
        auditor: "auditor1".to_owned(),
        office_id: "balashikha-1".to_owned(),
        state: ReviewState::Submitted,
        received_at: Utc.with_ymd_and_hms(2025, 3, 14, 10, 2, 17).unwrap(),
        time_flags: vec![],
        presence_flags: vec![],
    };
    check_golden(
        "visit_page",
        &VisitPage {
            visits: vec![visit.clone()],
            next: Some("cTF8MjAyNS0wMy0xNFQxMDowMjoxNy4wMDBafDAxOTEyZjNh".to_owned()),
        },
    );
    check_golden(
        "visit_page_last",
        &VisitPage {
            visits: vec![visit],
            next: None,
        },
    );
}

#[test]
fn server_visit_with_time_flags() {
    check_golden(
        "server_visit_flagged",
        &ServerVisit {
            visit_id: visit_id(),
            revision: 1,
            auditor: "auditor1".to_owned(),
            office_id: "balashikha-1".to_owned(),
            state: ReviewState::Submitted,
            received_at: Utc.with_ymd_and_hms(2025, 3, 14, 10, 2, 17).unwrap(),
            time_flags: vec![TimeFlag::InTheFuture, TimeFlag::LongerThanADay],
            presence_flags: vec![],
        },
    );
}

#[test]
fn visit_detail() {
    check_golden(
        "visit_detail",
        &VisitDetail {
            visit: visit(),
            state: ReviewState::Approved,
            missing_photos: vec![PHOTO_SHA256.to_owned()],
            time_flags: vec![],
            presence_flags: vec![],
            included: None,
            appeals: vec![],
        },
    );
}

#[test]
fn error_body_with_field() {
    check_golden(
        "error_body",
        &ErrorBody {
            error: ErrorCode::BadRequest,
            code: Refusal::Invalid,
            message: "item `politeness.friendliness`: 9 is outside 1..=5".to_owned(),
            field: Some("visits[0].answers.politeness.friendliness".to_owned()),
            ids: Vec::new(),
        },
    );
}

#[test]
fn error_body_without_field() {
    check_golden(
        "error_body_no_field",
        &ErrorBody {
            error: ErrorCode::ProtocolOutdated,
            code: Refusal::ProtocolOutdated,
            message: "this app speaks protocol 0, the server 1: update the app".to_owned(),
            field: None,
            ids: Vec::new(),
        },
    );
}

/// Every error code as it is spelled on the wire; clients match on these strings.
#[test]
fn error_codes_are_snake_case() {
    let codes = [
        (ErrorCode::BadRequest, "bad_request"),
        (ErrorCode::Unauthorized, "unauthorized"),
        (ErrorCode::Forbidden, "forbidden"),
        (ErrorCode::NotFound, "not_found"),
        (ErrorCode::Conflict, "conflict"),
        (ErrorCode::TooLarge, "too_large"),
        (ErrorCode::TooManyAttempts, "too_many_attempts"),
        (ErrorCode::ProtocolOutdated, "protocol_outdated"),
        (ErrorCode::Unavailable, "unavailable"),
        (ErrorCode::Internal, "internal"),
    ];
    for (code, text) in codes {
        assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(text));
    }
}

fn assignment_request() -> AssignmentRequest {
    AssignmentRequest {
        auditor: "auditor1".to_owned(),
        office_id: "balashikha-1".to_owned(),
        quarter: "2025-Q2".parse().unwrap(),
        scenario: "deposit".to_owned(),
        due: chrono::NaiveDate::from_ymd_opt(2025, 5, 31).unwrap(),
        note: "Утром, до 11:00".to_owned(),
        dry_run: false,
    }
}

#[test]
fn assignment_request_frozen() {
    check_golden("assignment_request", &assignment_request());
}

#[test]
fn assignment_request_without_optional_fields_reads() {
    let json =
        r#"{"auditor":"a","office_id":"o","quarter":"2025-Q2","scenario":"s","due":"2025-05-31"}"#;
    let r: AssignmentRequest = serde_json::from_str(json).unwrap();
    assert!(!r.dry_run);
    assert_eq!(r.note, "");
}

#[test]
fn assignment_response_with_a_warning() {
    let r = assignment_request();
    check_golden(
        "assignment_response",
        &AssignmentResponse {
            assignment: Some(Assignment {
                id: visit_id(),
                auditor: r.auditor,
                office_id: r.office_id,
                quarter: r.quarter,
                scenario: r.scenario,
                due: r.due,
                note: r.note,
                created_by: "supervisor".to_owned(),
                created_at: Utc.with_ymd_and_hms(2025, 4, 1, 9, 0, 0).unwrap(),
                status: AssignmentStatus::Open,
                from: None,
                pair_id: None,
                recheck: vec![],
            }),
            warnings: vec![AssignmentWarning::ConsecutiveQuarter {
                quarter: "2025-Q1".parse().unwrap(),
            }],
        },
    );
}

#[test]
fn auditor_frozen() {
    check_golden(
        "auditor",
        &vec![
            Auditor {
                login: "auditor1".to_owned(),
                branch_id: Some("tver".to_owned()),
            },
            Auditor {
                login: "auditor2".to_owned(),
                branch_id: None,
            },
        ],
    );
}

/// A newer server may refuse with a code this app does not know, or an older one with none:
/// the body still reads, as `Refusal::Other`, so the app words it generically.
#[test]
fn unknown_or_missing_refusal_codes_read_as_other() {
    let newer: ErrorBody =
        serde_json::from_str(r#"{"error":"bad_request","code":"some_future_rule","message":"m"}"#)
            .unwrap();
    assert_eq!(newer.code, Refusal::Other);
    let older: ErrorBody =
        serde_json::from_str(r#"{"error":"bad_request","message":"m"}"#).unwrap();
    assert_eq!(older.code, Refusal::Other);
}

/// A photo with the evidence its original's EXIF gave (capture time, position): the two
/// fields are optional, so the push of a device that found none, or predates them, is the
/// `push_request` JSON unchanged, and a server that predates them ignores them.
#[test]
fn push_request_with_photo_evidence() {
    let mut visit = visit();
    let photo = &mut visit.answers.get_mut("office.signage").unwrap().photos[0];
    photo.taken_at = Some(at(9, 11, 58).naive_utc());
    photo.position = zakupka_core::GeoPoint::new(55.751244, 37.618423);
    check_golden(
        "push_request_photo_evidence",
        &PushRequest {
            visits: vec![visit],
        },
    );
    // Without the fields the JSON is the older one, and the older JSON reads as no evidence.
    let old = std::fs::read_to_string(golden_path("push_request")).unwrap();
    let read: PushRequest = serde_json::from_str(&old).unwrap();
    let photo = &read.visits[0].answers["office.signage"].photos[0];
    assert_eq!((photo.taken_at, photo.position), (None, None));
}

/// A quarter's rating as served: each place with its 90% interval and the mark of a branch
/// that cannot be told from the leader.
fn rating() -> zakupka_core::wire::Rating {
    use zakupka_core::rating::{
        Criterion, CriterionResult, LeagueTable, Measure, Methodology, NotRated, PlaceInterval,
        RatedBranch, TieRule,
    };
    let row = |id: &str, place, score, visit: u128, low, high, mark| RatedBranch {
        branch_id: id.into(),
        place,
        score,
        criteria: vec![CriterionResult {
            criterion_id: "service-quality".into(),
            value: score,
            score,
            weight: 1.0,
            points: score,
        }],
        visits: vec![Uuid::from_u128(visit)],
        interval: Some(PlaceInterval {
            low,
            high,
            not_separable_from_leader: mark,
        }),
        adjusted_audits: None,
    };
    zakupka_core::wire::Rating {
        quarter: "2025-Q1".parse().unwrap(),
        methodology: Methodology {
            id: "branch-rating".into(),
            version: 1,
            title: Label::new("Рейтинг управлений", "Rating of branches"),
            league_threshold: 60_000,
            precision: 1,
            tie_rule: TieRule::Dense,
            min_approved_visits: 2,
            adjust_for_auditor_severity: false,
            appeal_window_days: None,
            action_due_days: None,
            action_due_days_critical: None,
            criteria: vec![Criterion {
                id: "service-quality".into(),
                label: Label::new("Качество обслуживания", "Service quality"),
                weight: 1.0,
                measure: Measure::Audits,
            }],
        },
        published_at: Some(at(18, 0, 0)),
        tables: vec![LeagueTable {
            league: zakupka_core::League::Small,
            rows: vec![
                row("klin", 1, 91.5, 1, 1, 2, false),
                row("shatura", 2, 90.8, 2, 1, 3, true),
                row("mozhaysk", 3, 70.2, 3, 3, 3, false),
            ],
            not_rated: vec![(
                "ruza".into(),
                NotRated::TooFewVisits {
                    approved: 1,
                    needed: 2,
                },
            )],
        }],
    }
}

#[test]
fn rating_with_place_intervals() {
    check_golden("rating", &rating());
}

/// Quarters published before intervals were computed are stored without them; they read
/// as places without an interval, never as an error.
#[test]
fn a_rating_published_before_intervals_reads_without_them() {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(golden_path("rating")).unwrap()).unwrap();
    for row in json["tables"][0]["rows"].as_array_mut().unwrap() {
        row.as_object_mut().unwrap().remove("interval");
    }
    let old: zakupka_core::wire::Rating = serde_json::from_value(json).unwrap();
    let places: Vec<(u32, bool)> = old.tables[0]
        .rows
        .iter()
        .map(|r| (r.place, r.interval.is_none()))
        .collect();
    assert_eq!(places, [(1, true), (2, true), (3, true)]);
}

#[test]
fn case_answer_frozen() {
    let mut answer = visit();
    answer.id = Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_00c1);
    answer.office_id = String::new();
    answer.revision = 1;
    answer.case_id = Some(Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_00ca));
    check_golden("case_answer", &answer);
}

#[test]
fn pair_request_frozen() {
    let r = assignment_request();
    let window = |auditor: &str, day: u32| zakupka_core::wire::PairedVisit {
        auditor: auditor.to_owned(),
        from: chrono::NaiveDate::from_ymd_opt(2025, 5, day).unwrap(),
        due: chrono::NaiveDate::from_ymd_opt(2025, 5, day + 3).unwrap(),
    };
    check_golden(
        "pair_request",
        &zakupka_core::wire::PairRequest {
            office_id: r.office_id,
            quarter: r.quarter,
            scenario: r.scenario,
            visits: [window("auditor1", 12), window("auditor2", 14)],
            note: r.note,
            dry_run: false,
        },
    );
}

#[test]
fn calibration_case_frozen() {
    check_golden(
        "calibration_case",
        &zakupka_core::wire::CalibrationCase {
            id: Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_00ca),
            title: "Очередь в обед".to_owned(),
            text: "В зале шесть человек, работает одно окно из трёх.".to_owned(),
            template_id: "office-visit".to_owned(),
            template_version: 1,
            scenario: "meter-readings".to_owned(),
            photos: vec!["a".repeat(64)],
            published_by: "supervisor".to_owned(),
            published_at: at(8, 0, 0),
            key: Some([("office.open-hours".to_owned(), AnswerValue::Yes)].into()),
        },
    );
}

/// A visit with the device's position at its start and finish (presence evidence): both
/// optional, so a device without a position service (a desktop) sends the `push_request`
/// JSON unchanged, and that JSON reads as no positions.
#[test]
fn push_request_with_locations() {
    let mut visit = visit();
    visit.start_location = Some(zakupka_core::presence::Location {
        lat: 55.796312,
        lon: 37.938204,
        accuracy_m: 18.5,
        at: at(9, 5, 2),
    });
    visit.finish_location = Some(zakupka_core::presence::Location {
        lat: 55.79628,
        lon: 37.93815,
        accuracy_m: 35.0,
        at: at(9, 47, 29),
    });
    check_golden(
        "push_request_locations",
        &PushRequest {
            visits: vec![visit],
        },
    );
    let old = std::fs::read_to_string(golden_path("push_request")).unwrap();
    let read: PushRequest = serde_json::from_str(&old).unwrap();
    assert_eq!(
        (
            read.visits[0].start_location,
            read.visits[0].finish_location
        ),
        (None, None)
    );
}

/// A visit in the queue and in full with presence flags, and the inclusion of an own-branch
/// visit: new optional fields, so the older goldens above stay as they were.
#[test]
fn server_visit_and_detail_with_presence_flags() {
    use zakupka_core::presence::PresenceFlag;
    check_golden(
        "server_visit_presence",
        &ServerVisit {
            visit_id: visit_id(),
            revision: 1,
            auditor: "auditor1".to_owned(),
            office_id: "balashikha-1".to_owned(),
            state: ReviewState::Submitted,
            received_at: Utc.with_ymd_and_hms(2025, 3, 14, 10, 2, 17).unwrap(),
            time_flags: vec![],
            presence_flags: vec![PresenceFlag::Far, PresenceFlag::OwnBranch],
        },
    );
    check_golden(
        "visit_detail_presence",
        &VisitDetail {
            visit: visit(),
            state: ReviewState::Submitted,
            missing_photos: vec![],
            time_flags: vec![],
            presence_flags: vec![PresenceFlag::OwnBranch, PresenceFlag::Unassigned],
            included: Some(zakupka_core::wire::Inclusion {
                by: "supervisor".to_owned(),
                at: Utc.with_ymd_and_hms(2025, 3, 15, 8, 30, 0).unwrap(),
                reason: "Офис передан другому управлению 1 марта".to_owned(),
            }),
            appeals: vec![],
        },
    );
    check_golden(
        "include_request",
        &zakupka_core::wire::IncludeRequest {
            reason: "Офис передан другому управлению 1 марта".to_owned(),
            revision: Some(1),
        },
    );
}

#[test]
fn calibration_of_a_quarter() {
    use zakupka_core::calibration::{AuditorSeverity, ItemAgreement, Level, SectionAgreement};
    use zakupka_core::rating::Quarter;
    use zakupka_core::wire::Calibration;
    let item = |id: &str, level, alpha: Option<f64>| ItemAgreement {
        item_id: id.to_owned(),
        label: Label::new("Вывеска на месте", "The sign is in place"),
        level,
        alpha,
        units: 14,
        unreliable: alpha.is_some_and(|a| a < 0.667),
    };
    check_golden(
        "calibration",
        &Calibration {
            quarter: Quarter { year: 2026, q: 3 },
            units: 14,
            visits: 29,
            sections: vec![SectionAgreement {
                section_id: "entrance".to_owned(),
                title: Label::new("Вход", "Entrance"),
                alpha: Some(0.71),
                units: 40,
                unreliable: false,
                items: vec![
                    item("entrance.sign", Level::Nominal, Some(0.82)),
                    item("entrance.clean", Level::Ordinal, Some(0.5)),
                    item("entrance.wait", Level::Interval, None),
                ],
            }],
            auditors: vec![
                AuditorSeverity {
                    login: "auditor1".to_owned(),
                    severity: 6.5,
                    low: Some(2.25),
                    high: Some(10.75),
                    units: 9,
                    observations: 310,
                },
                AuditorSeverity {
                    login: "auditor2".to_owned(),
                    severity: -6.5,
                    low: None,
                    high: None,
                    units: 1,
                    observations: 38,
                },
            ],
        },
    );
}

#[test]
fn appeals_and_their_decisions() {
    use zakupka_core::AppealOutcome;
    use zakupka_core::wire::{
        Appeal, AppealDecision, AppealDecisionRequest, AppealRequest, AppealState,
    };
    let visit_id = Uuid::parse_str("0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b").unwrap();
    check_golden(
        "appeal_request",
        &AppealRequest {
            op_id: Uuid::parse_str("0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a00").unwrap(),
            visit_id,
            item_id: "office.signage".to_owned(),
            reason: "Вывеска была на месте: см. фото".to_owned(),
            photos: vec![PHOTO_SHA256.to_owned()],
        },
    );
    check_golden(
        "appeal_decision_request",
        &AppealDecisionRequest {
            op_id: Uuid::parse_str("0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a01").unwrap(),
            decision: AppealDecision::Uphold,
            outcome: Some(AppealOutcome::Excluded),
            reason: "Вывеска снята на ремонт фасада".to_owned(),
        },
    );
    check_golden(
        "appeal",
        &Appeal {
            id: Uuid::parse_str("0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a02").unwrap(),
            visit_id,
            revision: 1,
            item_id: "office.signage".to_owned(),
            office_id: "serpukhov-1".to_owned(),
            branch_id: "serpukhov".to_owned(),
            quarter: "2025-Q1".parse().unwrap(),
            by: "manager".to_owned(),
            at: Utc.with_ymd_and_hms(2025, 3, 15, 8, 30, 0).unwrap(),
            reason: "Вывеска была на месте: см. фото".to_owned(),
            photos: vec![],
            state: AppealState::Upheld,
            outcome: Some(AppealOutcome::Passed),
            decided_by: Some("supervisor2".to_owned()),
            decided_at: Some(Utc.with_ymd_and_hms(2025, 3, 16, 9, 0, 0).unwrap()),
            decision_reason: Some("Фото подтверждает".to_owned()),
            score: Some(92.5),
            approved_score: Some(88.0),
        },
    );
}

/// An assignment with items to re-check (issue 13): `recheck` on the wire only when there
/// are some, so the assignment above reads and writes as before.
#[test]
fn assignment_with_items_to_recheck() {
    let r = assignment_request();
    let assignment = Assignment {
        id: visit_id(),
        auditor: r.auditor,
        office_id: r.office_id,
        quarter: r.quarter,
        scenario: r.scenario,
        due: r.due,
        note: r.note,
        created_by: "supervisor".to_owned(),
        created_at: Utc.with_ymd_and_hms(2025, 4, 1, 9, 0, 0).unwrap(),
        status: AssignmentStatus::Open,
        from: None,
        pair_id: None,
        recheck: vec!["office.signage".to_owned(), "service.wait".to_owned()],
    };
    check_golden("assignment_recheck", &assignment);
    let mut older = serde_json::to_value(&assignment).unwrap();
    older.as_object_mut().unwrap().remove("recheck");
    let read: Assignment = serde_json::from_value(older).unwrap();
    assert!(read.recheck.is_empty());
}

fn action() -> zakupka_core::wire::Action {
    use zakupka_core::wire::{Action, ActionPhoto, ActionState, Finding, RecheckOutcome};
    let photo = |sha: &str| ActionPhoto {
        sha256: sha.to_owned(),
        mime: "image/jpeg".to_owned(),
    };
    Action {
        id: Uuid::parse_str(DEVICE_ID).unwrap(),
        visit_id: visit_id(),
        office_id: "tver-1".to_owned(),
        branch_id: "tver".to_owned(),
        item_id: "office.signage".to_owned(),
        critical: true,
        finding: Finding {
            answer: AnswerValue::No,
            comment: "Вывеска не горит".to_owned(),
            photos: vec![photo(PHOTO_SHA256)],
        },
        created_at: at(12, 0, 0),
        due: chrono::NaiveDate::from_ymd_opt(2025, 3, 21).unwrap(),
        state: ActionState::Done,
        overdue: false,
        plan: "Заменить лампы".to_owned(),
        evidence: "Лампы заменены".to_owned(),
        evidence_photos: vec![photo(&"b".repeat(64))],
        missing_photos: vec!["b".repeat(64)],
        closed_by: Some("manager".to_owned()),
        closed_at: Some(at(15, 0, 0)),
        verified_by: None,
        verified_at: None,
        reopen_reason: Some("Фото нечитаемо".to_owned()),
        reopened: 1,
        repeats: 0,
        recheck: Some(RecheckOutcome::FixConfirmed),
    }
}

#[test]
fn corrective_action_frozen() {
    check_golden("action", &action());
}

#[test]
fn action_requests_frozen() {
    use zakupka_core::wire::{
        ActionPhoto, ActionState, DoneRequest, PlanRequest, ReopenRequest, VerifyRequest,
    };
    let op_id = Uuid::parse_str(DEVICE_ID).unwrap();
    check_golden(
        "action_plan",
        &PlanRequest {
            op_id,
            plan: "Заменить лампы".to_owned(),
        },
    );
    check_golden(
        "action_done",
        &DoneRequest {
            op_id,
            evidence: "Лампы заменены".to_owned(),
            photos: vec![ActionPhoto {
                sha256: PHOTO_SHA256.to_owned(),
                mime: "image/jpeg".to_owned(),
            }],
        },
    );
    check_golden("action_verify", &VerifyRequest { op_id });
    check_golden(
        "action_reopen",
        &ReopenRequest {
            op_id,
            reason: "Фото нечитаемо".to_owned(),
        },
    );
    for state in [
        ActionState::Open,
        ActionState::Planned,
        ActionState::Done,
        ActionState::Verified,
    ] {
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(json, format!("\"{}\"", state.as_str()));
        assert_eq!(ActionState::parse(state.as_str()), Some(state));
    }
}

/// The manager's view of a visit: nothing in it names or places the auditor.
#[test]
fn manager_visit_detail_frozen() {
    use zakupka_core::wire::{ActionPhoto, ManagerAnswer, ManagerVisit, ManagerVisitDetail};
    let detail = ManagerVisitDetail {
        visit: ManagerVisit {
            visit_id: visit_id(),
            office_id: "tver-1".to_owned(),
            template_id: "branch-visit".to_owned(),
            template_version: 3,
            scenario: "payment".to_owned(),
            date: chrono::NaiveDate::from_ymd_opt(2025, 3, 14).unwrap(),
            percent: Some(81.25),
            actions: 1,
        },
        comment: "Очередь у окна 2".to_owned(),
        answers: BTreeMap::from([(
            "office.signage".to_owned(),
            ManagerAnswer {
                value: Some(AnswerValue::No),
                comment: "Вывеска не горит".to_owned(),
                photos: vec![ActionPhoto {
                    sha256: PHOTO_SHA256.to_owned(),
                    mime: "image/jpeg".to_owned(),
                }],
            },
        )]),
        action_ids: BTreeMap::from([(
            "office.signage".to_owned(),
            Uuid::parse_str(DEVICE_ID).unwrap(),
        )]),
    };
    check_golden("manager_visit_detail", &detail);
    let text = serde_json::to_string(&detail).unwrap();
    for identity in [
        "auditor", "device", "location", "position", "\"lat\"", "taken_at",
    ] {
        assert!(!text.contains(identity), "{identity} in {text}");
    }
}
