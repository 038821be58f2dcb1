//! Desktop and mobile: a photo made as the browser makes it (in JavaScript, see
//! `web_photos`) before it is stored: EXIF orientation applied, at most the item's longest
//! side, JPEG at quality 85, and no EXIF left (the encoder writes none).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader};

/// JPEG quality of a stored photo: a 12-megapixel phone photo at 2048 px stays under 800 KB.
pub const QUALITY: u8 = 85;

/// The photo `original` (JPEG, PNG or WebP) upright, at most `max_side` pixels on its
/// longest side, as a JPEG.
pub fn downscale(original: &[u8], max_side: u32) -> Result<Vec<u8>, image::ImageError> {
    let mut decoder = ImageReader::new(Cursor::new(original))
        .with_guessed_format()?
        .into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut img = DynamicImage::from_decoder(decoder)?;
    img.apply_orientation(orientation);
    if img.width().max(img.height()) > max_side {
        img = img.resize(max_side, max_side, FilterType::Triangle);
    }
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY).encode_image(&img.to_rgb8())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    /// A 400x300 JPEG, red left half and blue right half, with an EXIF segment saying
    /// "orientation 6" (shown turned 90° clockwise).
    fn turned_jpeg() -> Vec<u8> {
        let img = RgbImage::from_fn(400, 300, |x, _| {
            if x < 200 {
                Rgb([220, 30, 30])
            } else {
                Rgb([30, 30, 220])
            }
        });
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&img)
            .unwrap();
        let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend(((tiff.len() + 8) as u16).to_be_bytes());
        app1.extend(b"Exif\0\0");
        app1.extend(tiff);
        [&jpeg[..2], &app1, &jpeg[2..]].concat()
    }

    #[test]
    fn a_photo_is_turned_upright_downscaled_and_has_no_exif() {
        let out = downscale(&turned_jpeg(), 200).unwrap();
        let img = image::load_from_memory(&out).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (150, 200), "turned, then at most 200 px");
        // Turned clockwise, the red left half is now on top.
        assert!(img.get_pixel(75, 10)[0] > 150 && img.get_pixel(75, 190)[2] > 150);
        assert!(
            !out.windows(6).any(|w| w == b"Exif\0\0"),
            "the stored photo carries no EXIF"
        );
        assert!(crate::evidence::read(&out) == crate::evidence::Evidence::default());
    }

    #[test]
    fn a_small_photo_keeps_its_size_and_a_broken_one_is_an_error() {
        let out = downscale(&turned_jpeg(), 2048).unwrap();
        let img = image::load_from_memory(&out).unwrap();
        assert_eq!((img.width(), img.height()), (300, 400));
        assert!(downscale(b"\xFF\xD8\xFF\xE0 not really", 2048).is_err());
    }
}
