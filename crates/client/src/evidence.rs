//! What a photo's original file says of itself: when and where the camera took it (EXIF).
//!
//! Read from the first bytes of the original only ([`HEADER_BYTES`]; a JPEG's EXIF segment
//! is at most 64 KB and comes first), before the photo is downscaled, which drops EXIF. The
//! result travels with the photo as evidence for review; a file with no EXIF, or a broken
//! one, simply has no evidence.

use chrono::{NaiveDate, NaiveDateTime};
use exif::{In, Reader, Tag, Value};
use zakupka_core::GeoPoint;

/// How much of the original is read for its EXIF.
pub const HEADER_BYTES: usize = 128 * 1024;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    /// EXIF `DateTimeOriginal`: the camera's local clock, no zone.
    pub taken_at: Option<NaiveDateTime>,
    pub position: Option<GeoPoint>,
}

/// The evidence in the EXIF of `header`, the first bytes of a JPEG, PNG or WebP file.
pub fn read(header: &[u8]) -> Evidence {
    let header = &header[..header.len().min(HEADER_BYTES)];
    let Ok(exif) = Reader::new().read_from_container(&mut std::io::Cursor::new(header)) else {
        return Evidence::default();
    };
    let field = |tag| exif.get_field(tag, In::PRIMARY).map(|f| &f.value);
    let taken_at = [Tag::DateTimeOriginal, Tag::DateTime]
        .into_iter()
        .find_map(|tag| time(field(tag)?));
    let coordinate = |tag, sign_tag, negative: u8| {
        let degrees = degrees(field(tag)?)?;
        let sign = match field(sign_tag)? {
            Value::Ascii(v) if v.first().and_then(|s| s.first()) == Some(&negative) => -1.0,
            _ => 1.0,
        };
        Some(sign * degrees)
    };
    let position = match (
        coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S'),
        coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W'),
    ) {
        (Some(lat), Some(lon)) => GeoPoint::new(lat, lon),
        _ => None,
    };
    Evidence { taken_at, position }
}

/// "YYYY:MM:DD HH:MM:SS", as EXIF writes times; anything else (blank, zeros) is no time.
fn time(value: &Value) -> Option<NaiveDateTime> {
    let Value::Ascii(parts) = value else {
        return None;
    };
    let t = exif::DateTime::from_ascii(parts.first()?).ok()?;
    NaiveDate::from_ymd_opt(t.year.into(), t.month.into(), t.day.into())?.and_hms_opt(
        t.hour.into(),
        t.minute.into(),
        t.second.into(),
    )
}

/// Degrees, minutes and seconds as three rationals, to degrees.
fn degrees(value: &Value) -> Option<f64> {
    let Value::Rational(dms) = value else {
        return None;
    };
    let part = |i: usize| {
        let r = dms.get(i)?;
        (r.denom != 0).then(|| r.to_f64())
    };
    let d = part(0)? + part(1).unwrap_or(0.0) / 60.0 + part(2).unwrap_or(0.0) / 3600.0;
    d.is_finite().then_some(d)
}

#[doc(hidden)]
/// For tests, here and of the store: a JPEG whose APP1 segment is an EXIF block written by hand (big-endian TIFF): IFD0
/// with an EXIF pointer and a GPS pointer, `DateTimeOriginal` in the EXIF IFD, and
/// latitude/longitude with their references in the GPS IFD.
pub fn sample_jpeg(time: &str, lat: [u32; 3], south: bool, lon: [u32; 3]) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        t.extend(tag.to_be_bytes());
        t.extend(kind.to_be_bytes());
        t.extend(count.to_be_bytes());
        t.extend(value.to_be_bytes());
    };
    // IFD0 at 8: 2 entries (12 bytes each) + next-IFD offset → 8 + 2 + 24 + 4 = 38.
    let exif_ifd = 38u32;
    // EXIF IFD at 38: 1 entry → 38 + 2 + 12 + 4 = 56; its time string at 56 (20 bytes).
    let gps_ifd = 76u32;
    tiff.extend(2u16.to_be_bytes());
    entry(&mut tiff, 0x8769, 4, 1, exif_ifd);
    entry(&mut tiff, 0x8825, 4, 1, gps_ifd);
    tiff.extend(0u32.to_be_bytes());
    tiff.extend(1u16.to_be_bytes());
    entry(&mut tiff, 0x9003, 2, 20, 56);
    tiff.extend(0u32.to_be_bytes());
    let mut text = time.as_bytes().to_vec();
    text.resize(20, 0);
    tiff.extend(text);
    assert_eq!(tiff.len(), gps_ifd as usize);
    // GPS IFD at 76: 4 entries → 76 + 2 + 48 + 4 = 130; rationals after it.
    let rationals = 130u32;
    tiff.extend(4u16.to_be_bytes());
    let r#ref = |c: u8| u32::from_be_bytes([c, 0, 0, 0]);
    entry(&mut tiff, 1, 2, 2, r#ref(if south { b'S' } else { b'N' }));
    entry(&mut tiff, 2, 5, 3, rationals);
    entry(&mut tiff, 3, 2, 2, r#ref(b'E'));
    entry(&mut tiff, 4, 5, 3, rationals + 24);
    tiff.extend(0u32.to_be_bytes());
    for v in lat.into_iter().chain(lon) {
        tiff.extend(v.to_be_bytes());
        tiff.extend(1u32.to_be_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend(((app1.len() + 2) as u16).to_be_bytes());
    jpeg.extend(app1);
    jpeg.extend([0xFF, 0xD9]);
    jpeg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_time_and_position_are_read_from_exif() {
        let jpeg = sample_jpeg("2026:11:03 10:15:42", [55, 45, 0], false, [37, 37, 12]);
        let e = read(&jpeg);
        assert_eq!(
            e.taken_at,
            NaiveDate::from_ymd_opt(2026, 11, 3).and_then(|d| d.and_hms_opt(10, 15, 42))
        );
        let at = e.position.expect("a position");
        assert!((at.lat - 55.75).abs() < 1e-9, "{at:?}");
        assert!((at.lon - 37.62).abs() < 1e-9, "{at:?}");
    }

    #[test]
    fn southern_latitudes_are_negative() {
        let jpeg = sample_jpeg("2026:11:03 10:15:42", [33, 52, 0], true, [151, 12, 0]);
        assert!(read(&jpeg).position.unwrap().lat < -33.8);
    }

    #[test]
    fn a_photo_without_exif_or_with_a_broken_one_has_no_evidence() {
        assert_eq!(read(b"\xFF\xD8\xFF\xDB not exif"), Evidence::default());
        assert_eq!(read(b""), Evidence::default());
        let mut jpeg = sample_jpeg("0000:00:00 00:00:00", [0; 3], false, [0; 3]);
        assert_eq!(read(&jpeg).taken_at, None, "a blank time is no time");
        jpeg.truncate(40);
        assert_eq!(read(&jpeg), Evidence::default());
    }

    #[test]
    fn a_position_off_the_earth_is_dropped() {
        let jpeg = sample_jpeg("2026:11:03 10:15:42", [95, 0, 0], false, [37, 0, 0]);
        assert_eq!(read(&jpeg).position, None);
    }
}
