//! A visit: one mystery-shopper audit of one office, as filled on the device.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    Draft,
    Submitted,
}

impl VisitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitStatus::Draft => "draft",
            VisitStatus::Submitted => "submitted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(VisitStatus::Draft),
            "submitted" => Some(VisitStatus::Submitted),
            _ => None,
        }
    }
}

/// An answer's value. Serialized with an explicit tag so the wire format can grow kinds
/// without old readers misreading new values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Yes,
    No,
    Scale(u8),
    Number(f64),
    Choice(String),
    NotApplicable,
}

/// Reading the times of a visit: every answer has one, so a push of a hundred visits holds
/// thousands, and chrono's general RFC 3339 parser was a fifth of the time of reading a
/// visit. The form devices write (`2024-05-01T10:15:00.123Z`) is read directly; anything
/// else goes to chrono's parser, so what is accepted and how it reads is unchanged.
mod wire_time {
    use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
    use serde::de::{self, Deserializer, Visitor};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(Time)
    }

    pub fn deserialize_option<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        d.deserialize_option(MaybeTime)
    }

    struct Time;

    impl Visitor<'_> for Time {
        type Value = DateTime<Utc>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            // chrono's words, so that an error reads as it did.
            f.write_str("an RFC 3339 formatted date and time string")
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<DateTime<Utc>, E> {
            match utc_fixed(s.as_bytes()) {
                Some(t) => Ok(t),
                None => s
                    .parse::<DateTime<FixedOffset>>()
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(E::custom),
            }
        }
    }

    struct MaybeTime;

    impl<'de> Visitor<'de> for MaybeTime {
        type Value = Option<DateTime<Utc>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an RFC 3339 formatted date and time string or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            deserialize(d).map(Some)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, or `None` for any other form (chrono reads those).
    fn utc_fixed(b: &[u8]) -> Option<DateTime<Utc>> {
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            b.get(r)?.iter().try_fold(0u32, |n, c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let fixed = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
        if b.len() < 20 || b.last() != Some(&b'Z') || fixed.iter().any(|&(i, c)| b[i] != c) {
            return None;
        }
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        let nanos = match &b[19..b.len() - 1] {
            [] => 0,
            [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
                digits(20..b.len() - 1)? * 10u32.pow(9 - fraction.len() as u32)
            }
            _ => return None,
        };
        // A leap second (`:60`) is left to chrono, with every date it would refuse.
        if second >= 60 {
            return None;
        }
        NaiveDate::from_ymd_opt(year as i32, month, day)?
            .and_hms_nano_opt(hour, minute, second, nanos)
            .map(|t| t.and_utc())
    }
}

/// A photo attached to an answer, addressed by the SHA-256 of its bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoRef {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub sha256: String,
    pub mime: String,
    pub size: u64,
    /// When the camera says it took the photo (EXIF `DateTimeOriginal` of the original
    /// file): the camera's own clock, local time without a zone, as EXIF keeps it. Evidence
    /// for review; absent when the original carried none, and on the wire only when known,
    /// so devices and servers that predate it read and write the same JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<NaiveDateTime>,
    /// Where the camera says it was (EXIF GPS of the original), if it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<GeoPoint>,
}

/// A position on Earth in degrees (WGS 84, as EXIF GPS records it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub lon: f64,
}

impl GeoPoint {
    /// A point only where one can be: latitude within ±90, longitude within ±180.
    pub fn new(lat: f64, lon: f64) -> Option<GeoPoint> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
            .then_some(GeoPoint { lat, lon })
    }
}

/// What the auditor recorded for one item: the answer itself, and any comment or photos,
/// which may come before the answer is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    pub value: Option<AnswerValue>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::comment))]
    pub comment: String,
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub photos: Vec<PhotoRef>,
    #[serde(deserialize_with = "wire_time::deserialize")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    /// UUID v7, made on the device: unique without asking a server, and time-ordered.
    pub id: Uuid,
    pub template_id: String,
    #[cfg_attr(feature = "openapi", schema(format = Int64, maximum = 4294967295u32))]
    pub template_version: u32,
    pub office_id: String,
    pub auditor: String,
    pub scenario: String,
    #[serde(deserialize_with = "wire_time::deserialize")]
    pub started_at: DateTime<Utc>,
    // `default`: absent reads as `None`, as it does without `deserialize_with`.
    #[serde(default, deserialize_with = "wire_time::deserialize_option")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Where the device was when the visit started and when it finished, if it could say
    /// (presence evidence, see `presence.rs`). On the wire only when known, so older
    /// devices' pushes read as before; shown to supervisors only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_location: Option<crate::presence::Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_location: Option<crate::presence::Location>,
    /// Measured with the app's stopwatch; also copied into the checklist's timer item.
    #[cfg_attr(feature = "openapi", schema(format = Int64, maximum = 4294967295u32))]
    pub waiting_seconds: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::comment))]
    pub comment: String,
    pub status: VisitStatus,
    /// Grows by one each time the visit is submitted again after a correction.
    #[cfg_attr(
        feature = "openapi",
        schema(format = Int64, minimum = 1, maximum = 4294967295u32)
    )]
    pub revision: u32,
    /// Answers by item id.
    pub answers: BTreeMap<String, Answer>,
    /// Set when this is an answer to a calibration case rather than a visit of an office
    /// (`office_id` is then empty): the server keeps it apart, out of the rating and the
    /// review queue. On the wire only when set, so every visit reads and writes as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<Uuid>,
}

impl Visit {
    /// The given answers by item id, as scoring takes them.
    pub fn values(&self) -> BTreeMap<String, AnswerValue> {
        self.answers
            .iter()
            .filter_map(|(k, a)| Some((k.clone(), a.value.clone()?)))
            .collect()
    }
}

/// A time on a visit that a device with a wrong clock would produce. Flagged for the
/// supervisor, never a reason to refuse: the answers are still the auditor's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimeFlag {
    /// Finished before it started.
    FinishedBeforeStarted,
    /// Started or finished after the server received it.
    InTheFuture,
    /// Took more than a day from start to finish.
    LongerThanADay,
    /// Started long before the server received it: a clock set back, or a visit kept
    /// unsent for months.
    LongBeforeReceipt,
}

/// How far ahead of the server a device clock may run before its times count as future:
/// phones drift, and a visit may arrive seconds after it was finished.
pub const CLOCK_TOLERANCE_MINUTES: i64 = 10;
/// Older than this when received, a visit is flagged as long before receipt.
pub const STALE_AFTER_DAYS: i64 = 92;

impl Visit {
    /// The times of this visit a supervisor should look at, judged against `received_at`,
    /// the server's own clock when the visit arrived.
    pub fn time_flags(&self, received_at: DateTime<Utc>) -> Vec<TimeFlag> {
        let mut flags = Vec::new();
        let tolerance = chrono::Duration::minutes(CLOCK_TOLERANCE_MINUTES);
        if let Some(finished) = self.finished_at {
            if finished < self.started_at {
                flags.push(TimeFlag::FinishedBeforeStarted);
            } else if finished - self.started_at > chrono::Duration::days(1) {
                flags.push(TimeFlag::LongerThanADay);
            }
        }
        let latest = self
            .finished_at
            .map_or(self.started_at, |f| f.max(self.started_at));
        if latest > received_at + tolerance {
            flags.push(TimeFlag::InTheFuture);
        }
        if received_at - self.started_at > chrono::Duration::days(STALE_AFTER_DAYS) {
            flags.push(TimeFlag::LongBeforeReceipt);
        }
        flags.sort();
        flags
    }
}

/// Why a visit cannot be accepted, naming the field at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidVisit {
    pub field: String,
    pub message: String,
}

/// Longest comment kept, in characters: a page of text.
pub const MAX_COMMENT_CHARS: usize = 4000;
pub use crate::wire::MAX_PHOTOS_PER_ANSWER;

impl Visit {
    /// Checks a submitted visit against the template it names and the directory: what a
    /// server must verify before storing it. Times are not judged here: a device clock can
    /// be wrong, and such visits are flagged for review, not refused.
    pub fn validate(
        &self,
        template: &crate::Template,
        directory: &crate::Directory,
    ) -> Result<(), InvalidVisit> {
        let bad = |field: &str, message: String| {
            Err(InvalidVisit {
                field: field.to_owned(),
                message,
            })
        };
        if self.template_id != template.id || self.template_version != template.version {
            return bad(
                "template_version",
                format!("expected {} v{}", template.id, template.version),
            );
        }
        if self.status != VisitStatus::Submitted {
            return bad("status", "only submitted visits are accepted".into());
        }
        if self.revision == 0 {
            return bad("revision", "revisions start at 1".into());
        }
        // A case answer judges a described situation, not an office.
        match self.case_id {
            Some(_) if !self.office_id.is_empty() => {
                return bad("office_id", "a case answer names no office".into());
            }
            Some(_) => {}
            None if directory.office(&self.office_id).is_none() => {
                return bad("office_id", format!("no office `{}`", self.office_id));
            }
            None => {}
        }
        if template.scenario(&self.scenario).is_none() {
            return bad(
                "scenario",
                format!("no scenario `{}` in the checklist", self.scenario),
            );
        }
        if self.auditor.trim().is_empty() {
            return bad("auditor", "must not be empty".into());
        }
        crate::presence::check_locations(self)?;
        if self.comment.chars().count() > MAX_COMMENT_CHARS {
            return bad(
                "comment",
                format!("longer than {MAX_COMMENT_CHARS} characters"),
            );
        }
        for (item_id, answer) in &self.answers {
            let field = format!("answers.{item_id}");
            let Some(item) = template.item(item_id) else {
                return bad(&field, "no such item in the checklist".into());
            };
            if let Some(value) = &answer.value
                && let Err(e) = item.check_answer(value)
            {
                return bad(&field, e.to_string());
            }
            if answer.comment.chars().count() > MAX_COMMENT_CHARS {
                return bad(
                    &format!("{field}.comment"),
                    format!("longer than {MAX_COMMENT_CHARS} characters"),
                );
            }
            if !answer.photos.is_empty() && !item.allow_photo {
                return bad(
                    &format!("{field}.photos"),
                    "this item takes no photos".into(),
                );
            }
            if answer.photos.len() > MAX_PHOTOS_PER_ANSWER {
                return bad(
                    &format!("{field}.photos"),
                    format!("more than {MAX_PHOTOS_PER_ANSWER} photos"),
                );
            }
            for p in &answer.photos {
                if !crate::wire::is_photo_address(&p.sha256) {
                    return bad(
                        &format!("{field}.photos"),
                        format!("`{}` is not a SHA-256 in lowercase hex", p.sha256),
                    );
                }
                if let Some(at) = p.position
                    && GeoPoint::new(at.lat, at.lon).is_none()
                {
                    return bad(
                        &format!("{field}.photos"),
                        "the position is not on Earth".into(),
                    );
                }
            }
        }
        // The first required item without a value; read in place, since this runs for
        // every visit a server receives.
        let unanswered = template.items().find(|i| {
            i.required
                && self
                    .answers
                    .get(&i.id)
                    .and_then(|a| a.value.as_ref())
                    .is_none()
        });
        if let Some(missing) = unanswered.map(|i| &i.id) {
            return bad(
                &format!("answers.{missing}"),
                "a required item is not answered".into(),
            );
        }
        Ok(())
    }
}

/// The type of a JPEG, PNG or WebP image from its first bytes; `None` for anything else.
/// File names and declared types are not trusted: the bytes decide.
pub fn photo_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ => None,
    }
}

/// What a revision changed in one item, for the supervisor reading a correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemChange {
    pub item_id: String,
    pub before: Option<AnswerValue>,
    pub after: Option<AnswerValue>,
    pub comment_before: String,
    pub comment_after: String,
}

/// The items whose answer or comment differs between two revisions of a visit.
pub fn changes(before: &Visit, after: &Visit) -> Vec<ItemChange> {
    let ids: std::collections::BTreeSet<&String> =
        before.answers.keys().chain(after.answers.keys()).collect();
    ids.into_iter()
        .filter_map(|id| {
            let (b, a) = (before.answers.get(id), after.answers.get(id));
            let value = |x: Option<&Answer>| x.and_then(|x| x.value.clone());
            let comment = |x: Option<&Answer>| x.map(|x| x.comment.clone()).unwrap_or_default();
            let change = ItemChange {
                item_id: id.clone(),
                before: value(b),
                after: value(a),
                comment_before: comment(b),
                comment_after: comment(a),
            };
            (change.before != change.after || change.comment_before != change.comment_after)
                .then_some(change)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A visit's times read as chrono reads them, in the form devices write and in every
    /// other form chrono accepts or refuses.
    #[test]
    fn times_read_as_chrono_reads_them() {
        #[derive(Deserialize)]
        struct Times {
            #[serde(deserialize_with = "wire_time::deserialize")]
            at: DateTime<Utc>,
            #[serde(default, deserialize_with = "wire_time::deserialize_option")]
            maybe: Option<DateTime<Utc>>,
        }
        let forms = [
            "2024-05-01T10:15:00.123Z",
            "2024-05-01T10:15:00Z",
            "2024-05-01T10:15:00.1Z",
            "2024-05-01T10:15:00.123456789Z",
            "2024-05-01T10:15:00.1234567891Z",
            "2024-12-31T23:59:60.500Z",
            "2024-02-29T00:00:00.000Z",
            "2023-02-29T00:00:00.000Z",
            "2024-13-01T00:00:00.000Z",
            "2024-05-01T24:00:00.000Z",
            "2024-05-01t10:15:00.123z",
            "2024-05-01 10:15:00.123Z",
            "2024-05-01T10:15:00.123+03:00",
            "2024-05-01T10:15:00.Z",
            "2024-05-01T10:15:0x.000Z",
            "+2024-05-01T10:15:00Z",
            "",
        ];
        for form in forms {
            let chrono = form.parse::<DateTime<chrono::FixedOffset>>().ok();
            let json = format!(r#"{{"at":"{form}","maybe":"{form}"}}"#);
            let ours = serde_json::from_str::<Times>(&json).ok();
            assert_eq!(
                ours.as_ref().map(|t| (t.at, t.maybe)),
                chrono.map(|t| (t.to_utc(), Some(t.to_utc()))),
                "{form}"
            );
        }
        let absent: Times = serde_json::from_str(r#"{"at":"2024-05-01T10:15:00Z"}"#).unwrap();
        let null: Times =
            serde_json::from_str(r#"{"at":"2024-05-01T10:15:00Z","maybe":null}"#).unwrap();
        assert_eq!((absent.maybe, null.maybe), (None, None));
    }
}
