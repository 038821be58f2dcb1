//! Evidence that a visit happened where and when it says: the device's position at the
//! start and at the finish, the office's coordinates, the checklist's minimum duration and
//! the photos' capture times. Pure rules: the server flags what they find for the
//! supervisor and never refuses a visit for them (GPS fails indoors, phones are switched
//! off; a flag is a question, not a verdict).

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::visit::{GeoPoint, Visit};

/// Where the device was at one moment, as its location service said.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub lon: f64,
    /// The radius, in metres, within which the device says it is (68% confidence).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub accuracy_m: f64,
    /// When the position was taken, by the device's clock.
    pub at: DateTime<Utc>,
}

impl Location {
    pub fn point(&self) -> GeoPoint {
        GeoPoint {
            lat: self.lat,
            lon: self.lon,
        }
    }

    /// A location only where one can be: on Earth, with a finite accuracy of at least 0.
    pub fn is_valid(&self) -> bool {
        GeoPoint::new(self.lat, self.lon).is_some()
            && self.accuracy_m.is_finite()
            && self.accuracy_m >= 0.0
    }
}

/// Refuses a visit whose start or finish location is not a position on Earth with an
/// accuracy: malformed, unlike a position far away, which is only flagged.
pub(crate) fn check_locations(visit: &Visit) -> Result<(), crate::visit::InvalidVisit> {
    for (field, at) in [
        ("start_location", visit.start_location),
        ("finish_location", visit.finish_location),
    ] {
        if at.is_some_and(|at| !at.is_valid()) {
            return Err(crate::visit::InvalidVisit {
                field: field.to_owned(),
                message: "not a position on Earth with an accuracy".into(),
            });
        }
    }
    Ok(())
}

/// Something about a visit a supervisor should look at before trusting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PresenceFlag {
    /// At the start or the finish the device was farther from the office than
    /// [`NEAR_METRES`] or twice its accuracy, whichever is larger.
    Far,
    /// No position at the start or at the finish (no permission, no fix, a desktop).
    NoPosition,
    /// Shorter than the checklist's minimum duration.
    TooShort,
    /// A photo's capture time lies outside the visit (with [`PHOTO_SLACK_MINUTES`]).
    PhotoOutsideVisit,
    /// An office of the auditor's own branch: left out of the rating until a supervisor
    /// includes it with a reason.
    OwnBranch,
    /// No assignment for it, in a quarter where the auditor has assignments.
    Unassigned,
}

impl PresenceFlag {
    pub const ALL: [PresenceFlag; 6] = [
        PresenceFlag::Far,
        PresenceFlag::NoPosition,
        PresenceFlag::TooShort,
        PresenceFlag::PhotoOutsideVisit,
        PresenceFlag::OwnBranch,
        PresenceFlag::Unassigned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PresenceFlag::Far => "far",
            PresenceFlag::NoPosition => "no_position",
            PresenceFlag::TooShort => "too_short",
            PresenceFlag::PhotoOutsideVisit => "photo_outside_visit",
            PresenceFlag::OwnBranch => "own_branch",
            PresenceFlag::Unassigned => "unassigned",
        }
    }

    pub fn parse(s: &str) -> Option<PresenceFlag> {
        PresenceFlag::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Within this distance of the office a position is near, however good the fix: a large
/// building, its car park and the GPS error of a phone indoors.
pub const NEAR_METRES: f64 = 300.0;
/// A photo may be taken this long before the start or after the finish: the facade on the
/// way in, the opening hours on the way out, and camera clocks that drift.
pub const PHOTO_SLACK_MINUTES: i64 = 15;

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The great-circle distance between two points in metres (haversine): within a few
/// metres of the ellipsoid's answer at the distances that matter here.
pub fn distance_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Whether `at` is too far from `office` to count as being there: more than
/// [`NEAR_METRES`] or twice the fix's accuracy, whichever is larger (a poor fix is given
/// room rather than blamed).
pub fn is_far(office: GeoPoint, at: &Location) -> bool {
    distance_m(office, at.point()) > NEAR_METRES.max(2.0 * at.accuracy_m)
}

/// What the rules need besides the visit itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expected {
    /// The office's coordinates, if the directory has them: without them `far` is not
    /// judged.
    pub office: Option<GeoPoint>,
    /// The checklist's minimum duration in minutes, if it sets one.
    pub min_minutes: Option<u32>,
    /// The offset of the cameras' local time (EXIF keeps none): the offices' time zone.
    pub photo_offset: Option<FixedOffset>,
}

/// The flags of `visit` that the visit alone shows (not `own_branch` or `unassigned`,
/// which need the auditor's branch and assignments), sorted.
pub fn flags(visit: &Visit, expected: &Expected) -> Vec<PresenceFlag> {
    let mut flags = Vec::new();
    let fixes = [visit.start_location, visit.finish_location];
    if fixes.iter().any(Option::is_none) {
        flags.push(PresenceFlag::NoPosition);
    }
    if let Some(office) = expected.office
        && fixes.iter().flatten().any(|at| is_far(office, at))
    {
        flags.push(PresenceFlag::Far);
    }
    if let (Some(min), Some(finished)) = (expected.min_minutes, visit.finished_at)
        && finished - visit.started_at < chrono::Duration::minutes(i64::from(min))
    {
        flags.push(PresenceFlag::TooShort);
    }
    if let Some(offset) = expected.photo_offset
        && photo_outside(visit, offset)
    {
        flags.push(PresenceFlag::PhotoOutsideVisit);
    }
    flags.sort();
    flags
}

/// Whether any photo's capture time lies outside [start − slack, finish + slack].
fn photo_outside(visit: &Visit, offset: FixedOffset) -> bool {
    let slack = chrono::Duration::minutes(PHOTO_SLACK_MINUTES);
    let from = visit.started_at - slack;
    let to = visit.finished_at.unwrap_or(visit.started_at) + slack;
    visit
        .answers
        .values()
        .flat_map(|a| &a.photos)
        .filter_map(|p| p.taken_at.and_then(|t| utc(t, offset)))
        .any(|t| t < from || t > to)
}

fn utc(local: NaiveDateTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    offset
        .from_local_datetime(&local)
        .single()
        .map(|t| t.to_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::visit::{Answer, PhotoRef, VisitStatus};
    use chrono::TimeZone;

    /// Balashikha, pr-t Lenina 32 (roughly).
    const OFFICE: GeoPoint = GeoPoint {
        lat: 55.7963,
        lon: 37.9382,
    };

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, h, m, 0).unwrap()
    }

    fn fix(lat: f64, lon: f64, accuracy_m: f64, at: DateTime<Utc>) -> Location {
        Location {
            lat,
            lon,
            accuracy_m,
            at,
        }
    }

    fn visit(start: Option<Location>, finish: Option<Location>) -> Visit {
        Visit {
            id: uuid::Uuid::nil(),
            template_id: "t".into(),
            template_version: 1,
            office_id: "o".into(),
            auditor: "a".into(),
            scenario: "s".into(),
            started_at: t(9, 0),
            finished_at: Some(t(9, 40)),
            waiting_seconds: None,
            comment: String::new(),
            status: VisitStatus::Submitted,
            revision: 1,
            answers: Default::default(),
            start_location: start,
            finish_location: finish,
            case_id: None,
        }
    }

    fn expected() -> Expected {
        Expected {
            office: Some(OFFICE),
            min_minutes: Some(20),
            photo_offset: FixedOffset::east_opt(3 * 3600),
        }
    }

    #[test]
    fn haversine_matches_known_distances() {
        // One degree of latitude is 111.2 km on the mean sphere.
        let d = distance_m(
            GeoPoint { lat: 0.0, lon: 0.0 },
            GeoPoint { lat: 1.0, lon: 0.0 },
        );
        assert!((d - 111_195.0).abs() < 5.0, "{d}");
        // Moscow (Red Square) to Saint Petersburg (Palace Square): about 634 km.
        let d = distance_m(
            GeoPoint {
                lat: 55.7539,
                lon: 37.6208,
            },
            GeoPoint {
                lat: 59.9390,
                lon: 30.3158,
            },
        );
        assert!((d - 634_000.0).abs() < 3_000.0, "{d}");
        assert_eq!(distance_m(OFFICE, OFFICE), 0.0);
        // Antipodes: half the circumference, without NaN from rounding.
        let d = distance_m(
            GeoPoint { lat: 0.0, lon: 0.0 },
            GeoPoint {
                lat: 0.0,
                lon: 180.0,
            },
        );
        assert!(
            (d - std::f64::consts::PI * EARTH_RADIUS_M).abs() < 1.0,
            "{d}"
        );
    }

    #[test]
    fn far_is_beyond_300_m_or_twice_the_accuracy() {
        // 0.0036° of latitude is about 400 m.
        let north = |accuracy| fix(OFFICE.lat + 0.0036, OFFICE.lon, accuracy, t(9, 0));
        assert!(is_far(OFFICE, &north(20.0)));
        assert!(is_far(OFFICE, &north(150.0)));
        // A fix good to 250 m is given 500 m.
        assert!(!is_far(OFFICE, &north(250.0)));
        let near = fix(OFFICE.lat + 0.0018, OFFICE.lon, 5.0, t(9, 0));
        assert!(!is_far(OFFICE, &near));
    }

    #[test]
    fn a_visit_at_the_office_for_long_enough_has_no_flags() {
        let v = visit(
            Some(fix(OFFICE.lat, OFFICE.lon, 15.0, t(9, 0))),
            Some(fix(OFFICE.lat + 0.001, OFFICE.lon, 30.0, t(9, 40))),
        );
        assert_eq!(flags(&v, &expected()), vec![]);
    }

    #[test]
    fn far_at_start_or_finish_is_flagged() {
        let at = fix(OFFICE.lat, OFFICE.lon, 15.0, t(9, 0));
        // 2 km east.
        let away = fix(OFFICE.lat, OFFICE.lon + 0.032, 15.0, t(9, 40));
        assert_eq!(
            flags(&visit(Some(at), Some(away)), &expected()),
            vec![PresenceFlag::Far]
        );
        assert_eq!(
            flags(&visit(Some(away), Some(at)), &expected()),
            vec![PresenceFlag::Far]
        );
        // Without the office's coordinates, distance is not judged.
        let unknown = Expected {
            office: None,
            ..expected()
        };
        assert_eq!(flags(&visit(Some(away), Some(away)), &unknown), vec![]);
    }

    #[test]
    fn a_missing_position_is_flagged() {
        let at = fix(OFFICE.lat, OFFICE.lon, 15.0, t(9, 0));
        for v in [
            visit(None, None),
            visit(Some(at), None),
            visit(None, Some(at)),
        ] {
            assert_eq!(flags(&v, &expected()), vec![PresenceFlag::NoPosition]);
        }
    }

    #[test]
    fn shorter_than_the_minimum_is_flagged() {
        let at = fix(OFFICE.lat, OFFICE.lon, 15.0, t(9, 0));
        let mut v = visit(Some(at), Some(at));
        v.finished_at = Some(t(9, 19));
        assert_eq!(flags(&v, &expected()), vec![PresenceFlag::TooShort]);
        v.finished_at = Some(t(9, 20));
        assert_eq!(flags(&v, &expected()), vec![]);
        // No minimum in the checklist: nothing to judge.
        v.finished_at = Some(t(9, 1));
        let none = Expected {
            min_minutes: None,
            ..expected()
        };
        assert_eq!(flags(&v, &none), vec![]);
    }

    #[test]
    fn a_photo_taken_outside_the_visit_is_flagged() {
        let at = fix(OFFICE.lat, OFFICE.lon, 15.0, t(9, 0));
        let with_photo = |local_h, local_m| {
            let mut v = visit(Some(at), Some(at));
            let photo = PhotoRef {
                taken_at: Some(
                    chrono::NaiveDate::from_ymd_opt(2025, 3, 14)
                        .unwrap()
                        .and_hms_opt(local_h, local_m, 0)
                        .unwrap(),
                ),
                ..PhotoRef::default()
            };
            v.answers.insert(
                "x".into(),
                Answer {
                    value: None,
                    comment: String::new(),
                    photos: vec![photo],
                    updated_at: t(9, 0),
                },
            );
            v
        };
        // The visit is 09:00-09:40 UTC, 12:00-12:40 Moscow time; slack 15 minutes.
        assert_eq!(flags(&with_photo(12, 10), &expected()), vec![]);
        assert_eq!(flags(&with_photo(11, 46), &expected()), vec![]);
        assert_eq!(flags(&with_photo(12, 55), &expected()), vec![]);
        for (h, m) in [(11, 44), (12, 56), (9, 10)] {
            assert_eq!(
                flags(&with_photo(h, m), &expected()),
                vec![PresenceFlag::PhotoOutsideVisit],
                "{h}:{m}"
            );
        }
    }

    #[test]
    fn flags_read_and_write_as_snake_case() {
        for f in PresenceFlag::ALL {
            let json = serde_json::to_value(f).unwrap();
            assert_eq!(json, serde_json::json!(f.as_str()));
            assert_eq!(PresenceFlag::parse(f.as_str()), Some(f));
        }
        assert_eq!(PresenceFlag::parse("close"), None);
    }

    #[test]
    fn only_locations_on_earth_with_an_accuracy_are_valid() {
        assert!(fix(55.0, 37.0, 0.0, t(9, 0)).is_valid());
        assert!(!fix(91.0, 37.0, 5.0, t(9, 0)).is_valid());
        assert!(!fix(55.0, 181.0, 5.0, t(9, 0)).is_valid());
        assert!(!fix(55.0, 37.0, -1.0, t(9, 0)).is_valid());
        assert!(!fix(55.0, 37.0, f64::NAN, t(9, 0)).is_valid());
        assert!(!fix(f64::NAN, 37.0, 5.0, t(9, 0)).is_valid());
    }
}
