//! Visits made on a device with a wrong clock are flagged, judged against the server's own
//! clock at receipt, never refused.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;
use zakupka_core::{TimeFlag, Visit, VisitStatus};

fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 20, 12, 0, 0).unwrap()
}

fn visit(started: DateTime<Utc>, finished: Option<DateTime<Utc>>) -> Visit {
    Visit {
        id: Uuid::now_v7(),
        template_id: "office-visit".into(),
        template_version: 1,
        office_id: "klin-1".into(),
        auditor: "auditor1".into(),
        scenario: "s".into(),
        started_at: started,
        finished_at: finished,
        waiting_seconds: None,
        start_location: None,
        finish_location: None,
        comment: String::new(),
        status: VisitStatus::Submitted,
        revision: 1,
        answers: BTreeMap::new(),
        case_id: None,
    }
}

#[test]
fn a_visit_of_an_hour_this_morning_has_no_flags() {
    let start = received() - Duration::hours(3);
    assert!(
        visit(start, Some(start + Duration::hours(1)))
            .time_flags(received())
            .is_empty()
    );
}

#[test]
fn each_impossible_time_is_named() {
    let r = received();
    let cases = [
        (
            visit(r - Duration::hours(1), Some(r - Duration::hours(2))),
            vec![TimeFlag::FinishedBeforeStarted],
        ),
        (
            visit(
                r + Duration::days(3),
                Some(r + Duration::days(3) + Duration::hours(1)),
            ),
            vec![TimeFlag::InTheFuture],
        ),
        (
            visit(r - Duration::days(3), Some(r - Duration::days(1))),
            vec![TimeFlag::LongerThanADay],
        ),
        (
            visit(
                r - Duration::days(400),
                Some(r - Duration::days(400) + Duration::hours(1)),
            ),
            vec![TimeFlag::LongBeforeReceipt],
        ),
        // A clock a few minutes fast is a phone, not a problem.
        (
            visit(r - Duration::minutes(30), Some(r + Duration::minutes(5))),
            vec![],
        ),
    ];
    for (v, expected) in cases {
        assert_eq!(
            v.time_flags(r),
            expected,
            "{} → {:?}",
            v.started_at,
            v.finished_at
        );
    }
}

proptest! {
    /// Flags depend only on how the visit's times stand to each other and to the receipt:
    /// shifting all three by the same amount changes nothing.
    #[test]
    fn flags_do_not_depend_on_the_absolute_time(
        start_offset in -1_000_000i64..1_000_000,
        length in -100_000i64..200_000,
        shift in -100_000_000i64..100_000_000,
    ) {
        let start = received() + Duration::seconds(start_offset);
        let v = visit(start, Some(start + Duration::seconds(length)));
        let mut moved = v.clone();
        moved.started_at += Duration::seconds(shift);
        moved.finished_at = moved.finished_at.map(|f| f + Duration::seconds(shift));
        prop_assert_eq!(v.time_flags(received()), moved.time_flags(received() + Duration::seconds(shift)));
    }
}
