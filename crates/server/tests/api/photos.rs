//! Photos (upload, addresses, limits) and pull.

use super::*;

#[tokio::test]
async fn a_photo_of_a_pushed_visit_is_uploaded_once() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let sha = sha256(PNG);
    let visit = s.with_photo(s.visit("auditor1"), PNG);
    assert_eq!(
        s.push_ok(&token, &visit).await,
        vec![sha.clone()],
        "the push result asks for the photo"
    );
    assert_eq!(
        s.detail(&token, visit.id).await.missing_photos,
        vec![sha.clone()]
    );

    s.put_photo(Some(&token), &sha, PNG)
        .await
        .expect(StatusCode::CREATED);
    s.put_photo(Some(&token), &sha, PNG)
        .await
        .expect(StatusCode::OK);
    assert!(s.detail(&token, visit.id).await.missing_photos.is_empty());
    // A retried push no longer asks for it.
    let again: PushResponse = s
        .push(&token, vec![visit])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(again.results[0].status, PushStatus::Duplicate);
    assert!(again.results[0].missing_photos.is_empty());
}

#[tokio::test]
async fn a_photo_whose_bytes_do_not_match_its_address_is_refused() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let visit = s.with_photo(s.visit("auditor1"), PNG);
    s.push_ok(&token, &visit).await;
    let mut other = PNG.to_vec();
    other.push(0);
    let e = s
        .put_photo(Some(&token), &sha256(PNG), &other)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("body"));
    assert_eq!(
        s.detail(&token, visit.id).await.missing_photos,
        vec![sha256(PNG)],
        "nothing was stored"
    );
}

#[tokio::test]
async fn a_photo_no_visit_of_the_caller_refers_to_is_404() {
    let s = Server::new();
    let token1 = s.login("auditor1").await;
    let token2 = s.login("auditor2").await;
    s.push_ok(&token1, &s.visit("auditor1")).await;
    let e = s
        .put_photo(Some(&token1), &sha256(PNG), PNG)
        .await
        .error(StatusCode::NOT_FOUND);
    assert_eq!(e.error, ErrorCode::NotFound);
    // Another auditor's photo is not the caller's either.
    s.push_ok(&token1, &s.with_photo(s.visit("auditor1"), PNG))
        .await;
    s.put_photo(Some(&token2), &sha256(PNG), PNG)
        .await
        .error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_file_that_is_not_an_image_is_refused() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let text = b"%PDF-1.7 not a photo".as_slice();
    s.push_ok(&token, &s.with_photo(s.visit("auditor1"), text))
        .await;
    let e = s
        .put_photo(Some(&token), &sha256(text), text)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("body"));
}

#[tokio::test]
async fn a_photo_address_that_is_not_a_sha256_is_refused() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let e = s
        .put_photo(Some(&token), &sha256(PNG).to_uppercase(), PNG)
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.field.as_deref(), Some("sha256"));
}

#[tokio::test]
async fn a_photo_over_the_size_limit_is_413_with_a_json_error() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    // Just over the photo limit, and over the limit of any request body.
    for size in [8 * 1024 * 1024 + 1, zakupka_server::MAX_BODY_BYTES + 1] {
        let mut big = PNG.to_vec();
        big.resize(size, 0);
        let e = s
            .put_photo(Some(&token), &sha256(&big), &big)
            .await
            .error(StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(e.error, ErrorCode::TooLarge, "{size} bytes");
    }
}

// ---------------------------------------------------------------------------------------
// Pull

#[tokio::test]
async fn a_first_pull_brings_the_directory_and_the_checklist() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let first = s.pull(&token, 0).await;
    let directory = first.directory.expect("the directory on a first pull");
    assert_eq!(directory.offices.len(), 134);
    assert_eq!(directory, s.directory);
    assert_eq!(first.templates, vec![s.template.clone()]);
    assert!(first.visits.is_empty());
    assert!(!first.more);
    assert!(first.next_cursor > 0);
    // No cursor is the same as cursor 0.
    let plain: PullResponse = s
        .get("/api/v1/pull", Some(&token))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(plain, s.pull(&token, 0).await);

    let second = s.pull(&token, first.next_cursor).await;
    assert_eq!(second.directory, None);
    assert!(second.templates.is_empty() && second.visits.is_empty() && !second.more);
    assert_eq!(second.next_cursor, first.next_cursor);
}

#[tokio::test]
async fn a_review_decision_reaches_only_the_visits_auditor() {
    let s = Server::new();
    let token1 = s.login("auditor1").await;
    let token2 = s.login("auditor2").await;
    let cursor1 = s.pull(&token1, 0).await.next_cursor;
    let cursor2 = s.pull(&token2, 0).await.next_cursor;
    let visit = s.visit("auditor1");
    s.push_ok(&token1, &visit).await;
    // The pushing device knows its visit is submitted: a push alone brings nothing to pull.
    assert!(s.pull(&token1, cursor1).await.visits.is_empty());

    // A supervisor's decision, as the review of the next milestone records it.
    let id = visit.id.to_string();
    s.db.blocking(move |c| {
        c.execute(
            "UPDATE reviews SET state = 'returned', comment = 'Уточните ответ' WHERE visit_id = ?1",
            [&id],
        )?;
        c.execute(
            "INSERT INTO changes (kind, ref, auditor) VALUES ('visit', ?1, 'auditor1')",
            [&id],
        )?;
        Ok(())
    })
    .unwrap();

    let mine = s.pull(&token1, cursor1).await;
    assert_eq!(mine.visits.len(), 1);
    let update = &mine.visits[0];
    assert_eq!(
        (update.visit_id, update.revision, update.state),
        (visit.id, 1, ReviewState::Returned)
    );
    assert_eq!(update.comment, "Уточните ответ");
    assert_eq!(mine.directory, None);
    assert!(mine.templates.is_empty());

    let theirs = s.pull(&token2, cursor2).await;
    assert!(theirs.visits.is_empty(), "{:?}", theirs.visits);
    // Not from the start either.
    assert!(s.pull(&token2, 0).await.visits.is_empty());
}

#[tokio::test]
async fn a_cursor_that_is_not_a_number_is_400() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let e = s
        .get("/api/v1/pull?cursor=-1", Some(&token))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(e.error, ErrorCode::BadRequest);
    s.get("/api/v1/pull?cursor=abc", Some(&token))
        .await
        .error(StatusCode::BAD_REQUEST);
}

/// The capture time and position the device read from a photo's EXIF are kept on the
/// visit's photo row, for review; a position that is not on Earth refuses the visit.
#[tokio::test]
async fn a_photos_evidence_is_stored_with_the_visit() {
    let s = Server::new();
    let token = s.login("auditor1").await;
    let mut visit = s.with_photo(s.visit("auditor1"), PNG);
    let (item, photo) = visit
        .answers
        .iter_mut()
        .find_map(|(item, a)| Some((item.clone(), a.photos.first_mut()?)))
        .unwrap();
    photo.taken_at =
        chrono::NaiveDate::from_ymd_opt(2026, 11, 3).and_then(|d| d.and_hms_opt(10, 15, 42));
    photo.position = zakupka_core::GeoPoint::new(55.75, 37.62);
    let sha = photo.sha256.clone();
    let mut far = visit.clone();
    s.push_ok(&token, &visit).await;
    let id = visit.id.to_string();
    let row =
        s.db.blocking(move |c| {
            Ok(c.query_row(
                "SELECT taken_at, latitude, longitude FROM visit_photos
                 WHERE visit_id = ?1 AND item_id = ?2 AND sha256 = ?3",
                [id, item, sha],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, f64>(1)?,
                        r.get::<_, f64>(2)?,
                    ))
                },
            )?)
        })
        .unwrap();
    assert_eq!(row, ("2026-11-03T10:15:42".to_owned(), 55.75, 37.62));

    far.id = Uuid::now_v7();
    let photo = far.answers.values_mut().find_map(|a| a.photos.first_mut());
    photo.unwrap().position = Some(zakupka_core::GeoPoint {
        lat: 123.0,
        lon: 0.0,
    });
    let e = s
        .push(&token, vec![far])
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(e.field.unwrap().ends_with(".photos"));
}
