//! The seed files people edit: the shipped ones load, and mistakes are reported with the
//! file, the line and the field.

use zakupka_core::rating::Methodology;
use zakupka_core::seed::{parse_directory, parse_methodology, parse_template};
use zakupka_core::{Branch, ItemKind, Label, League};

const CHECKLIST: &str = include_str!("../../../seeds/checklist.toml");
const BRANCHES: &str = include_str!("../../../seeds/branches.csv");
const OFFICES: &str = include_str!("../../../seeds/offices.csv");
const METHODOLOGY: &str = include_str!("../../../seeds/methodology.toml");

/// The methodology decides leagues, so the league tests ask the shipped one.
fn methodology() -> Methodology {
    parse_methodology("seeds/methodology.toml", METHODOLOGY).unwrap()
}

#[test]
fn the_shipped_checklist_covers_the_five_areas() {
    let t = parse_template("seeds/checklist.toml", CHECKLIST).unwrap();
    let sections: Vec<&str> = t.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        sections,
        ["office", "standards", "politeness", "competence", "speech"]
    );
    assert!(t.items().count() >= 30, "{} items", t.items().count());
    assert!(
        t.items()
            .all(|i| !i.label.ru.is_empty() && !i.label.en.is_empty()),
        "every item has both languages"
    );
    assert!(
        t.items()
            .any(|i| i.timer && matches!(i.kind, ItemKind::Number { .. })),
        "a waiting-time item"
    );
    assert!(t.items().any(|i| i.critical));
    assert!(!t.scenarios.is_empty());
}

#[test]
fn the_shipped_directory_has_48_branches_and_134_offices() {
    let d = parse_directory("seeds/branches.csv", BRANCHES, "seeds/offices.csv", OFFICES).unwrap();
    assert_eq!(d.branches.len(), 48);
    assert_eq!(d.offices.len(), 134);
    assert!(
        d.branches
            .iter()
            .all(|b| d.offices.iter().any(|o| o.branch_id == b.id)),
        "every branch has an office"
    );
    for name in ["Клин", "Серпухов", "Балашиха", "Шатура", "Можайск"]
    {
        assert!(d.branches.iter().any(|b| b.name.ru == name), "{name}");
    }
    let m = methodology();
    assert!(d.branches.iter().any(|b| m.league(b) == League::Large));
    assert!(d.branches.iter().any(|b| m.league(b) == League::Small));
}

#[test]
fn league_boundary_is_more_than_60000() {
    let m = methodology();
    let branch = |accounts| Branch {
        id: "b".into(),
        name: Label::new("Клин", "Klin"),
        district: String::new(),
        accounts,
    };
    assert_eq!(m.league(&branch(60_000)), League::Small);
    assert_eq!(m.league(&branch(60_001)), League::Large);
}

#[test]
fn directory_search_finds_offices_by_name_branch_or_district() {
    let d = parse_directory("seeds/branches.csv", BRANCHES, "seeds/offices.csv", OFFICES).unwrap();
    let klin = d.search("клин", zakupka_core::Lang::Ru);
    assert!(!klin.is_empty());
    assert!(klin.iter().all(|o| o.branch_id == "klin"
        || o.name.ru.to_lowercase().contains("клин")
        || o.district.to_lowercase().contains("клин")
        || o.address.to_lowercase().contains("клин")));
    assert_eq!(d.search("", zakupka_core::Lang::Ru).len(), 134);
    assert!(
        d.search("KOROLYOV", zakupka_core::Lang::En).len()
            + d.search("королев", zakupka_core::Lang::Ru).len()
            > 0,
        "case and ё are ignored"
    );
    assert!(
        d.search("нет-такого-офиса", zakupka_core::Lang::Ru)
            .is_empty()
    );
}

const GOOD: &str = r#"
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
id = "office.clean"
label = { ru = "Чисто", en = "Clean" }
kind = "yes_no"
weight = 2

[[sections.items]]
id = "office.wait"
label = { ru = "Ожидание", en = "Waiting" }
kind = "number"
weight = 1
timer = true
bands = [{ max = 15, score = 1.0 }]
"#;

fn error(text: &str) -> String {
    parse_template("seeds/checklist.toml", text)
        .unwrap_err()
        .to_string()
}

/// A checklist may ask for its photos kept larger (or smaller) than the default 2048 px.
#[test]
fn photo_max_side_is_read_and_checked() {
    let with = |extra: &str| GOOD.replace("weight = 2\n", &format!("weight = 2\n{extra}\n"));
    let t = parse_template("x.toml", &with("photo = true\nphoto_max_side = 4096")).unwrap();
    assert_eq!(t.item("office.clean").unwrap().photo_side(), 4096);
    let t = parse_template("x.toml", &with("photo = true")).unwrap();
    assert_eq!(t.item("office.clean").unwrap().photo_side(), 2048);
    assert_eq!(
        error(&with("photo = true\nphoto_max_side = 10")),
        "seeds/checklist.toml, line 20, field `photo_max_side`: a photo item's longest side in pixels, from 256 to 8192"
    );
    assert!(
        error(&with("photo_max_side = 1024")).contains("photo_max_side"),
        "only an item that takes photos has a photo size"
    );
}

#[test]
fn a_good_template_parses() {
    let t = parse_template("x.toml", GOOD).unwrap();
    assert_eq!(t.items().count(), 2);
}

#[test]
fn template_errors_name_the_file_line_and_field() {
    assert_eq!(
        error(&GOOD.replace("weight = 2", "weight = -2")),
        "seeds/checklist.toml, line 18, field `weight`: -2 must be greater than 0 and at most 1000"
    );
    assert_eq!(
        error(&GOOD.replace("kind = \"yes_no\"", "kind = \"stars\"")),
        "seeds/checklist.toml, line 17, field `kind`: unknown kind `stars`: use yes_no, scale, number or choice"
    );
    assert_eq!(
        error(&GOOD.replace("score = 1.0 }]", "score = 1.5 }]")),
        "seeds/checklist.toml, line 26, field `bands.score`: 1.5 must be between 0 and 1"
    );
    assert_eq!(
        error(&GOOD.replace("id = \"office.wait\"", "id = \"office.clean\"")),
        "seeds/checklist.toml, line 21, field `items.id`: item `office.clean` is defined twice"
    );
    assert_eq!(
        error(&GOOD.replace("id = \"office.wait\"", "id = \"Office Wait\"")),
        "seeds/checklist.toml, line 21, field `items.id`: `Office Wait` is not a valid id: use 1-64 of a-z, 0-9, `.`, `_`, `-`"
    );
    assert_eq!(
        error(&GOOD.replace("version = 1", "version = 0")),
        "seeds/checklist.toml, line 3, field `version`: 0 must be a whole number from 1"
    );
    assert_eq!(
        error(&GOOD.replace(
            "weight = 1\ntimer = true",
            "weight = 1\nmax = 3\ntimer = true"
        )),
        "seeds/checklist.toml, line 25, field `max`: unknown field `max`, expected one of `id`, `label`, `hint`, `kind`, `weight`, `critical`, `allow_na`, `required`, `comment`, `photo`, `photo_max_side`, `timer`, `unit`, `bands`, `options`"
    );
    let missing = error(&GOOD.replace("weight = 2\n", ""));
    assert!(
        missing.starts_with("seeds/checklist.toml, line 14")
            && missing.contains("missing field `weight`"),
        "{missing}"
    );
    let syntax = error(&GOOD.replace("kind = \"yes_no\"", "kind = yes_no"));
    assert!(
        syntax.starts_with("seeds/checklist.toml, line 17"),
        "{syntax}"
    );
    assert!(
        error(&GOOD.replace("kind = \"yes_no\"", "kind = \"yes_no\"\ntimer = true"))
            .contains("field `timer`: only `number` items")
    );
}

#[test]
fn directory_errors_name_the_file_line_and_field() {
    let branches = "id,name_ru,name_en,district,accounts\nklin,Клин,Klin,г.о. Клин,58000\nshatura,Шатура,Shatura,г.о. Шатура,много\n";
    let offices =
        "id,branch_id,name_ru,name_en,district,address\nklin-1,klin,Офис,Office,Клин,ул. Ленина\n";
    assert_eq!(
        parse_directory("b.csv", branches, "o.csv", offices)
            .unwrap_err()
            .to_string(),
        "b.csv, line 3, field `accounts`: expected a whole number"
    );
    let branches =
        "# illustrative\nid,name_ru,name_en,district,accounts\nklin,Клин,Klin,г.о. Клин,58000\n";
    let bad_office = "id,branch_id,name_ru,name_en,district,address\nklin-1,klin,Офис,Office,Клин,ул. Ленина\nx-1,nowhere,Офис,Office,Х,ул. Мира\n";
    assert_eq!(
        parse_directory("b.csv", branches, "o.csv", bad_office)
            .unwrap_err()
            .to_string(),
        "o.csv, line 3, field `branch_id`: no branch `nowhere` in b.csv"
    );
    let short = "id,branch_id,name_ru,name_en,district,address\nklin-1,klin,Офис\n";
    assert_eq!(
        parse_directory("b.csv", branches, "o.csv", short)
            .unwrap_err()
            .to_string(),
        "o.csv, line 2: 3 values where the header has 6"
    );
    let twice = "id,branch_id,name_ru,name_en,district,address\nk,klin,А,A,К,ул\nk,klin,Б,B,К,ул\n";
    assert_eq!(
        parse_directory("b.csv", branches, "o.csv", twice)
            .unwrap_err()
            .to_string(),
        "o.csv, line 3, field `id`: office `k` is listed twice"
    );
}

/// Offices may carry their position (`lat`, `lon`, both or neither); the shipped ones are
/// in their towns, all in Moscow Oblast, and a bad value names its line and column.
#[test]
fn office_positions_are_optional_and_checked() {
    let d = parse_directory("seeds/branches.csv", BRANCHES, "seeds/offices.csv", OFFICES).unwrap();
    for o in &d.offices {
        let p = o
            .position
            .unwrap_or_else(|| panic!("{} has no position", o.id));
        assert!(
            (54.2..57.0).contains(&p.lat) && (35.0..40.5).contains(&p.lon),
            "{} at {p:?} is outside Moscow Oblast",
            o.id
        );
    }
    let klin = d.office("klin-1").unwrap().position.unwrap();
    assert!((klin.lat - 56.33).abs() < 0.05 && (klin.lon - 36.73).abs() < 0.05);

    let branches = "id,name_ru,name_en,district,accounts\nklin,Клин,Klin,г.о. Клин,58000\n";
    let parse = |offices: &str| {
        parse_directory("b.csv", branches, "o.csv", offices).map_err(|e| e.to_string())
    };
    let without =
        parse("id,branch_id,name_ru,name_en,district,address\nk,klin,А,A,К,ул\n").unwrap();
    assert_eq!(without.offices[0].position, None);
    let header = "id,branch_id,name_ru,name_en,district,address,lat,lon\n";
    let empty = parse(&format!("{header}k,klin,А,A,К,ул,,\n")).unwrap();
    assert_eq!(empty.offices[0].position, None);
    let given = parse(&format!("{header}k,klin,А,A,К,ул,56.33,36.73\n")).unwrap();
    assert_eq!(
        given.offices[0].position,
        zakupka_core::GeoPoint::new(56.33, 36.73)
    );
    for (row, message) in [
        (
            "k,klin,А,A,К,ул,95,36.7",
            "o.csv, line 2, field `lat`: must be between -90 and 90",
        ),
        (
            "k,klin,А,A,К,ул,56.3,200",
            "o.csv, line 2, field `lon`: must be between -180 and 180",
        ),
        (
            "k,klin,А,A,К,ул,56.3,",
            "o.csv, line 2, field `lon`: give both lat and lon, or neither",
        ),
        (
            "k,klin,А,A,К,ул,,36.7",
            "o.csv, line 2, field `lat`: give both lat and lon, or neither",
        ),
    ] {
        assert_eq!(parse(&format!("{header}{row}\n")).unwrap_err(), message);
    }
    let text = parse(&format!("{header}k,klin,А,A,К,ул,север,36.7\n")).unwrap_err();
    assert!(text.starts_with("o.csv, line 2, field `lat`:"), "{text}");
}

/// The checklist's minimum duration: optional, whole minutes from 1 to a day; the shipped
/// checklist sets one.
#[test]
fn min_duration_is_optional_and_checked() {
    assert_eq!(
        parse_template("x.toml", GOOD).unwrap().min_duration_minutes,
        None
    );
    let with = |v: &str| GOOD.replacen("\n", &format!("\nmin_duration_minutes = {v}\n"), 1);
    assert_eq!(
        parse_template("x.toml", &with("20"))
            .unwrap()
            .min_duration_minutes,
        Some(20)
    );
    for bad in ["0", "-5", "2000"] {
        let e = error(&with(bad));
        assert!(
            e.starts_with("seeds/checklist.toml, line 2, field `min_duration_minutes`:"),
            "{e}"
        );
    }
    let shipped = parse_template("seeds/checklist.toml", CHECKLIST).unwrap();
    assert_eq!(shipped.min_duration_minutes, Some(15));
}
