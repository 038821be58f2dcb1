//! The server's time in its tables. Every timestamp is written in one text format, fixed
//! width and in UTC, so that comparing the text compares the times: quarter filters and
//! "newest first" are plain `<` and `ORDER BY` on TEXT columns. Reading goes through
//! rusqlite's `chrono` feature (`row.get::<_, DateTime<Utc>>`), which also reads the
//! RFC 3339 text older demo data was written with. Never pass a `DateTime` to SQL itself:
//! rusqlite would write another format (`2026-01-02 03:04:05+00:00`), which sorts apart.

use chrono::{DateTime, SecondsFormat, Utc};
use zakupka_core::rating::Quarter;

/// A time as the tables hold it: `2026-01-02T03:04:05.678Z`.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A quarter as `start <= t < end` bounds in the tables' time format.
pub fn quarter_span(q: Quarter) -> (String, String) {
    let (start, end) = q.bounds();
    (ts(start), ts(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is written reads back the same, and so do times in the RFC 3339 form that
    /// databases written before the one format hold.
    #[test]
    fn stored_times_read_back() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
            .unwrap()
            .with_timezone(&Utc);
        for text in [
            ts(t),
            t.to_rfc3339(),
            "2026-01-02T03:04:05.678+00:00".into(),
        ] {
            let back: DateTime<Utc> = conn.query_row("SELECT ?1", [&text], |r| r.get(0)).unwrap();
            assert_eq!(back, t, "{text}");
        }
        assert_eq!(ts(t), "2026-01-02T03:04:05.678Z");
    }

    #[test]
    fn a_quarter_span_sorts_around_its_times() {
        let q: Quarter = "2026-Q1".parse().unwrap();
        let (start, end) = quarter_span(q);
        let inside = ts(DateTime::parse_from_rfc3339("2026-03-31T23:59:59.999Z")
            .unwrap()
            .with_timezone(&Utc));
        assert!(start <= inside && inside < end, "{start} {inside} {end}");
    }
}
