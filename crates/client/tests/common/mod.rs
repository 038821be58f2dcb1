#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use zakupka_client::{NewVisit, Store};
use zakupka_core::seed::parse_template;
use zakupka_core::{Directory, Label, Office, Template};

pub const TEMPLATE: &str = r#"
id = "t"
version = 1
title = { ru = "Проверка", en = "Check" }

[[scenarios]]
id = "bill"
label = { ru = "Счёт", en = "Bill" }

[[sections]]
id = "office"
title = { ru = "Офис", en = "Office" }

[[sections.items]]
id = "clean"
label = { ru = "Чисто", en = "Clean" }
kind = "yes_no"
weight = 2
photo = true

[[sections.items]]
id = "wait"
label = { ru = "Ожидание", en = "Waiting" }
kind = "number"
weight = 1
timer = true
allow_na = true
bands = [{ max = 15, score = 1.0 }]

[[sections]]
id = "speech"
title = { ru = "Речь", en = "Speech" }

[[sections.items]]
id = "polite"
label = { ru = "Вежливо", en = "Polite" }
kind = "scale"
weight = 1

[[sections.items]]
id = "extra"
label = { ru = "Доп.", en = "Extra" }
kind = "yes_no"
weight = 1
required = false
"#;

pub fn template() -> Template {
    parse_template("test.toml", TEMPLATE).unwrap()
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap()
}

pub fn directory() -> Directory {
    Directory {
        branches: vec![zakupka_core::Branch {
            id: "klin".into(),
            name: Label::new("Клин", "Klin"),
            district: "Клин".into(),
            accounts: 58_000,
        }],
        offices: vec![Office {
            id: "klin-1".into(),
            branch_id: "klin".into(),
            name: Label::new("Клин, центральный", "Klin central"),
            district: "Клин".into(),
            address: "ул. Ленина, 1".into(),
            position: None,
        }],
    }
}

pub fn seeded(store: &Store) {
    store.import_template(&template()).unwrap();
    store.set_directory(&directory(), t0()).unwrap();
}

pub fn new_visit() -> NewVisit {
    NewVisit {
        template_id: "t".into(),
        template_version: 1,
        office_id: "klin-1".into(),
        auditor: "auditor1".into(),
        scenario: "bill".into(),
    }
}

/// The smallest valid JPEG header our type sniffing accepts, padded to `len` bytes.
pub fn jpeg(len: usize, seed: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.resize(len.max(4), seed);
    b
}
