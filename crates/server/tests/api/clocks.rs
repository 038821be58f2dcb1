//! Devices with wrong clocks, and photos seen in review.

use super::*;

/// `visit` as a device whose clock is off would have made it, started at `start`.
fn skewed(mut visit: Visit, start: chrono::DateTime<Utc>) -> Visit {
    let skew = start - visit.started_at;
    visit.started_at += skew;
    visit.finished_at = visit.finished_at.map(|t| t + skew);
    for a in visit.answers.values_mut() {
        a.updated_at += skew;
    }
    visit
}

#[tokio::test]
async fn a_device_clock_days_off_is_flagged_not_refused_and_lists_follow_the_servers_clock() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    // Sent first, from a phone whose clock runs five days ahead.
    let ahead = skewed(s.visit("auditor1"), Utc::now() + Duration::days(5));
    s.push_ok(&a1, &ahead).await;
    // Sent second, from a phone set a year back.
    let behind = skewed(s.visit("auditor1"), Utc::now() - Duration::days(365));
    s.push_ok(&a1, &behind).await;
    let right = s.visit("auditor1");
    s.push_ok(&a1, &right).await;

    let list = s.visits(&sup).await;
    let order: Vec<Uuid> = list.iter().map(|v| v.visit_id).collect();
    assert_eq!(
        order,
        vec![right.id, behind.id, ahead.id],
        "newest received first, whatever the devices' clocks say"
    );
    let flags = |id: Uuid| {
        list.iter()
            .find(|v| v.visit_id == id)
            .unwrap()
            .time_flags
            .clone()
    };
    assert_eq!(flags(ahead.id), vec![TimeFlag::InTheFuture]);
    assert_eq!(flags(behind.id), vec![TimeFlag::LongBeforeReceipt]);
    assert_eq!(flags(right.id), vec![]);
    assert_eq!(
        s.detail(&sup, ahead.id).await.time_flags,
        vec![TimeFlag::InTheFuture]
    );

    // Finished before it started: kept, flagged, and can be reviewed like any other.
    let mut backwards = s.visit("auditor1");
    backwards.finished_at = Some(backwards.started_at - Duration::hours(2));
    s.push_ok(&a1, &backwards).await;
    assert_eq!(
        s.detail(&sup, backwards.id).await.time_flags,
        vec![TimeFlag::FinishedBeforeStarted]
    );
    s.post_json(
        &format!("/api/v1/visits/{}/review", backwards.id),
        Some(&sup),
        &serde_json::json!({"decision": "return", "revision": 1, "comment": "Проверьте время на телефоне"}),
    )
    .await
    .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_supervisor_sees_the_photos_of_the_visit_under_review() {
    let s = Server::new();
    let a1 = s.login("auditor1").await;
    let sup = s.login("supervisor").await;
    let visit = s.with_photo(s.visit("auditor1"), PNG);
    s.push_ok(&a1, &visit).await;
    let address = format!("/api/v1/photos/{}", sha256(PNG));
    // Not uploaded yet: nothing to show.
    s.get(&address, Some(&sup))
        .await
        .error(StatusCode::NOT_FOUND);
    s.put_photo(Some(&a1), &sha256(PNG), PNG)
        .await
        .expect(StatusCode::CREATED);
    let reply = s.get(&address, Some(&sup)).await.expect(StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(&reply.body[..], PNG);
    s.get("/api/v1/photos/..%2F..%2Fetc%2Fpasswd", Some(&sup))
        .await
        .error(StatusCode::BAD_REQUEST);
}
