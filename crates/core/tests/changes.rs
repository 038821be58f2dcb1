use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use uuid::Uuid;
use zakupka_core::{Answer, AnswerValue, Visit, VisitStatus, changes};

fn visit(answers: &[(&str, Option<AnswerValue>, &str)], revision: u32) -> Visit {
    let at = Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 0).unwrap();
    Visit {
        id: Uuid::from_u128(1),
        template_id: "t".into(),
        template_version: 1,
        office_id: "klin-1".into(),
        auditor: "auditor1".into(),
        scenario: "bill".into(),
        started_at: at,
        finished_at: Some(at),
        waiting_seconds: None,
        start_location: None,
        finish_location: None,
        comment: String::new(),
        status: VisitStatus::Submitted,
        revision,
        answers: answers
            .iter()
            .map(|(id, v, c)| {
                (
                    id.to_string(),
                    Answer {
                        value: v.clone(),
                        comment: c.to_string(),
                        photos: vec![],
                        updated_at: at,
                    },
                )
            })
            .collect::<BTreeMap<_, _>>(),
        case_id: None,
    }
}

#[test]
fn a_correction_lists_exactly_the_items_it_changed() {
    let before = visit(
        &[
            ("a", Some(AnswerValue::Yes), ""),
            ("b", Some(AnswerValue::Scale(2)), ""),
            ("c", None, ""),
        ],
        1,
    );
    let after = visit(
        &[
            ("a", Some(AnswerValue::Yes), ""),
            ("b", Some(AnswerValue::Scale(4)), ""),
            ("c", None, "был перерыв"),
            ("d", Some(AnswerValue::No), ""),
        ],
        2,
    );
    let changed = changes(&before, &after);
    let ids: Vec<&str> = changed.iter().map(|c| c.item_id.as_str()).collect();
    assert_eq!(ids, ["b", "c", "d"]);
    assert_eq!(
        (changed[0].before.clone(), changed[0].after.clone()),
        (Some(AnswerValue::Scale(2)), Some(AnswerValue::Scale(4)))
    );
    assert_eq!(changed[1].comment_after, "был перерыв");
    assert_eq!(changed[2].before, None);
    assert!(changes(&after, &after).is_empty());
}
