//! Photos travel apart from their visits: a visit names them by address, and the device
//! uploads the bytes the server reports missing. Both sides hold the same limits.

/// Phone cameras make 2-6 MB JPEGs; 8 MB keeps any of them and stops a video or a RAW file.
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// The most photos one answer holds.
pub const MAX_PHOTOS_PER_ANSWER: usize = 5;

/// A photo's address is the SHA-256 of its bytes as 64 lowercase hex digits and nothing
/// else, so no path can be smuggled through it and one photo has one address.
pub fn is_photo_address(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
