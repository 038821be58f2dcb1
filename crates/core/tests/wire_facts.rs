//! The protocol's small facts that client and server both hold: change kinds and export
//! formats read back from their names (the same names serde writes), and what a photo
//! address may be.

use zakupka_core::wire::{ChangeKind, ExportFormat, is_photo_address};

#[test]
fn change_kinds_read_back_from_their_names() {
    for kind in [
        ChangeKind::Directory,
        ChangeKind::Template,
        ChangeKind::Visit,
        ChangeKind::Notification,
    ] {
        assert_eq!(ChangeKind::parse(kind.as_str()), Some(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
    assert_eq!(ChangeKind::parse("Visit"), None);
}

#[test]
fn export_formats_read_back_from_their_names() {
    for format in ExportFormat::ALL {
        assert_eq!(ExportFormat::parse(format.as_str()), Some(format));
        assert_eq!(serde_json::to_value(format).unwrap(), format.as_str());
        assert_eq!(format.to_string(), format.as_str());
    }
    assert_eq!(ExportFormat::parse("pdf"), None);
    assert_eq!(ExportFormat::parse("CSV"), None);
}

#[test]
fn a_photo_address_is_64_lowercase_hex_digits() {
    let sha = "0123456789abcdef".repeat(4);
    assert!(is_photo_address(&sha));
    assert!(!is_photo_address(&sha.to_uppercase()));
    assert!(!is_photo_address(&sha[1..]));
    assert!(!is_photo_address(&format!("{sha}0")));
    assert!(!is_photo_address(&format!("../{}", &sha[3..])));
    assert!(!is_photo_address(&format!("{}g", &sha[1..])));
    assert!(!is_photo_address(""));
}
