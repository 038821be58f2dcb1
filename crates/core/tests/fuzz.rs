//! Fuzzing what comes from outside: the seed files people edit (checklist and methodology
//! TOML, directory and KPI CSV), quarters typed into URLs, and submitted visits checked
//! against the checklist. Whatever the input, nothing panics, and a file that is refused
//! is refused naming the file, a line inside it and, where a key or column is at fault,
//! the field.
//!
//! The inputs are random text and, more to the point, the real seed files broken the way
//! people break them: lines deleted, doubled, swapped or replaced, characters changed,
//! the file cut short.
//!
//! Short by default (CI). Long, one command:
//! `PROPTEST_CASES=20000 cargo test --release -p zakupka-core --test fuzz`

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use uuid::Uuid;
use zakupka_core::rating::{Methodology, Quarter};
use zakupka_core::seed::{parse_directory, parse_kpis, parse_methodology, parse_template};
use zakupka_core::visit::{MAX_COMMENT_CHARS, MAX_PHOTOS_PER_ANSWER};
use zakupka_core::{
    Answer, AnswerValue, Directory, ItemKind, PhotoRef, SeedError, Template, Visit, VisitStatus,
    score,
};

const CHECKLIST: &str = include_str!("../../../seeds/checklist.toml");
const METHODOLOGY: &str = include_str!("../../../seeds/methodology.toml");
const BRANCHES: &str = include_str!("../../../seeds/branches.csv");
const OFFICES: &str = include_str!("../../../seeds/offices.csv");

/// `PROPTEST_CASES` when set, else a count that keeps this file to a few seconds in CI.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

fn template() -> Template {
    parse_template("seeds/checklist.toml", CHECKLIST).expect("the shipped checklist")
}

fn directory() -> Directory {
    parse_directory("branches.csv", BRANCHES, "offices.csv", OFFICES).expect("the directory")
}

fn methodology() -> Methodology {
    parse_methodology("methodology.toml", METHODOLOGY).expect("the methodology")
}

/// A valid KPI file for the shipped methodology and directory.
fn kpi_file(m: &Methodology, d: &Directory) -> String {
    let keys: Vec<&str> = m.kpi_keys().collect();
    let mut out = format!("# KPI, 2026-Q3\nbranch_id,{}\n", keys.join(","));
    for (n, b) in d.branches.iter().enumerate() {
        let figures: Vec<String> = (0..keys.len())
            .map(|k| format!("{}.{}", (n * 7 + k * 3) % 100, n % 10))
            .collect();
        out += &format!("{},{}\n", b.id, figures.join(","));
    }
    out
}

/// Lines people type into these files, right and wrong, for the mutations to plant.
const LINES: &[&str] = &[
    "",
    "#",
    "[[sections]]",
    "[[sections.items]]",
    "[[criteria]]",
    "[[scenarios]]",
    "[sections]",
    "id = \"\"",
    "id = \"Плохой id\"",
    "id = \"dup\"",
    "id = 7",
    "version = 0",
    "version = -1",
    "version = 99999999999999999999",
    "weight = 0",
    "weight = -1",
    "weight = nan",
    "weight = inf",
    "weight = 1e400",
    "weight = \"heavy\"",
    "weight = [1, 2]",
    "kind = \"number\"",
    "kind = \"choice\"",
    "kind = \"maybe\"",
    "timer = true",
    "critical = \"yes\"",
    "bands = []",
    "bands = [{ max = 5, score = 1 }, { max = 1, score = 0.5 }]",
    "bands = [{ max = -1, score = 2 }]",
    "options = [{ id = \"a\", label = { ru = \"\" }, score = 1 }]",
    "options = [{ id = \"a\", label = { ru = \"А\" }, score = 1 }, { id = \"a\", label = { ru = \"Б\" }, score = 0 }]",
    "label = { ru = \"\" }",
    "label = { en = \"only English\" }",
    "title = \"not a label\"",
    "source = \"kpi\"",
    "source = \"gossip\"",
    "kpi = \"Not A Column\"",
    "best = 5",
    "worst = 5",
    "tie_rule = \"1-1-1\"",
    "precision = 9",
    "league_threshold = -5",
    "min_approved_visits = 1000000",
    "unknown = 1",
    "a = { b = { c = { d = [[[[[[1]]]]]] } } }",
    "= \"no key\"",
    "key with spaces = 1",
    "\"unterminated",
    "'''",
    "\u{0}",
    "\u{feff}id = \"bom\"",
    "\r",
    "ключ = \"значение\"",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 = \"🙂\"",
    ",,,,,",
    "id,id,id",
    "branch_id",
    "klin,Клин,Klin,г.о. Клин,много",
    "klin,Клин,Klin,г.о. Клин,-5",
    "klin,Клин,Klin,г.о. Клин,0",
    "klin,Клин,Klin,г.о. Клин,99999999999",
    "klin-1,nowhere,Офис,Office,Клин,ул. Ленина",
    ",,Офис,Office,Клин,ул. Ленина",
    "\"a,\"b\",c",
    "\"open quote, never closed",
    "klin,1e999,NaN,inf,-0,,,,,,",
    "klin,1,2,3,4,5,6,7,8,9,10,11,12",
    "nowhere,1,2,3,4,5,6,7,8,9",
];

/// Characters that matter to TOML and CSV, and some that matter to nobody.
const CHARS: &[char] = &[
    '"', '\'', '=', '[', ']', '{', '}', ',', '.', '#', '\n', '\r', '\\', ' ', '\t', '0', '9', '-',
    '+', 'e', 'x', 'ё', '\u{0}', '\u{7f}', '\u{200b}', '🙂',
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    ReplaceLine(Index, &'static str),
    InsertLine(Index, &'static str),
    ReplaceChar(Index, char),
    InsertChar(Index, char),
    DeleteChar(Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let line = prop::sample::select(LINES);
    let ch = prop_oneof![prop::sample::select(CHARS), any::<char>()];
    prop_oneof![
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<Index>(), line.clone()).prop_map(|(i, l)| Mutation::ReplaceLine(i, l)),
        (any::<Index>(), line).prop_map(|(i, l)| Mutation::InsertLine(i, l)),
        (any::<Index>(), ch.clone()).prop_map(|(i, c)| Mutation::ReplaceChar(i, c)),
        (any::<Index>(), ch).prop_map(|(i, c)| Mutation::InsertChar(i, c)),
        any::<Index>().prop_map(Mutation::DeleteChar),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_owned();
    for m in mutations {
        let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
        let mut chars: Vec<char> = text.chars().collect();
        match m {
            Mutation::DeleteLine(i) => {
                lines.remove(i.index(lines.len()));
            }
            Mutation::DuplicateLine(i) => {
                let i = i.index(lines.len());
                lines.insert(i, lines[i].clone());
            }
            Mutation::SwapLines(a, b) => {
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
            }
            Mutation::ReplaceLine(i, l) => {
                let i = i.index(lines.len());
                lines[i] = (*l).to_owned();
            }
            Mutation::InsertLine(i, l) => lines.insert(i.index(lines.len() + 1), (*l).to_owned()),
            Mutation::ReplaceChar(i, c) if !chars.is_empty() => {
                let i = i.index(chars.len());
                chars[i] = *c;
            }
            Mutation::InsertChar(i, c) => chars.insert(i.index(chars.len() + 1), *c),
            Mutation::DeleteChar(i) if !chars.is_empty() => {
                chars.remove(i.index(chars.len()));
            }
            Mutation::Truncate(i) => chars.truncate(i.index(chars.len() + 1)),
            _ => {}
        }
        text = if matches!(
            m,
            Mutation::ReplaceChar(..)
                | Mutation::InsertChar(..)
                | Mutation::DeleteChar(..)
                | Mutation::Truncate(..)
        ) {
            chars.into_iter().collect()
        } else {
            lines.join("\n")
        };
    }
    text
}

fn mutated(text: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(mutation(), 1..6).prop_map(move |ms| apply(text, &ms))
}

/// Random text with the characters these formats care about well represented.
fn noise() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        // Random bytes, as a file read with its bad UTF-8 replaced.
        prop::collection::vec(any::<u8>(), 0..400)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        prop::collection::vec(prop::sample::select(CHARS), 0..200)
            .prop_map(|cs| cs.into_iter().collect()),
        prop::collection::vec(prop::sample::select(LINES), 0..30).prop_map(|ls| ls.join("\n")),
    ]
}

/// The error names one of `files`, a line that exists in it (or the one just past its
/// end, where a cut-off file is found wanting), and a field unless the text is not even
/// TOML or CSV.
fn assert_names_file_and_line(e: &SeedError, files: &[(&str, &str)]) -> Result<(), TestCaseError> {
    let text = files
        .iter()
        .find(|(name, _)| *name == e.file)
        .map(|(_, text)| *text);
    prop_assert!(text.is_some(), "unknown file in {e}");
    let lines = text.unwrap_or_default().split('\n').count();
    let line = e.line;
    prop_assert!(
        line.is_some_and(|l| (1..=lines + 1).contains(&l)),
        "line {line:?} of {lines}: {e}"
    );
    prop_assert!(!e.message.trim().is_empty(), "{e:?}");
    let shown = e.to_string();
    prop_assert!(
        shown.starts_with(&e.file) && shown.contains("line"),
        "{shown}"
    );
    Ok(())
}

/// A file that is valid TOML but not a valid checklist or methodology is wrong in some
/// key: the error says which.
fn assert_toml_field(e: &SeedError, text: &str) -> Result<(), TestCaseError> {
    if text.parse::<toml::Table>().is_ok() {
        prop_assert!(e.field.is_some(), "valid TOML, no field named: {e}");
    }
    Ok(())
}

/// A CSV file whose rows all have as many values as its header is wrong in some column.
fn assert_csv_field(e: &SeedError, text: &str) -> Result<(), TestCaseError> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let even = reader.headers().is_ok_and(|h| !h.is_empty()) && reader.records().all(|r| r.is_ok());
    if even {
        prop_assert!(e.field.is_some(), "even rows, no column named: {e}");
    }
    Ok(())
}

fn check_template(text: &str) -> Result<(), TestCaseError> {
    match parse_template("checklist.toml", text) {
        Ok(t) => {
            // What was accepted holds together: the scoring of an empty visit is sane.
            prop_assert!(!t.sections.is_empty());
            prop_assert!(t.items().all(|i| i.weight.is_finite() && i.weight > 0.0));
            let s = score(&t, &BTreeMap::new());
            prop_assert!(s.percent.is_none_or(|v| (0.0..=100.0).contains(&v)));
        }
        Err(e) => {
            assert_names_file_and_line(&e, &[("checklist.toml", text)])?;
            assert_toml_field(&e, text)?;
        }
    }
    Ok(())
}

fn check_methodology(text: &str) -> Result<(), TestCaseError> {
    match parse_methodology("methodology.toml", text) {
        Ok(m) => {
            prop_assert!(!m.criteria.is_empty());
            prop_assert!(m.precision <= 3);
        }
        Err(e) => {
            assert_names_file_and_line(&e, &[("methodology.toml", text)])?;
            assert_toml_field(&e, text)?;
        }
    }
    Ok(())
}

fn check_directory(branches: &str, offices: &str) -> Result<(), TestCaseError> {
    match parse_directory("branches.csv", branches, "offices.csv", offices) {
        Ok(d) => {
            prop_assert!(!d.branches.is_empty() && !d.offices.is_empty());
            prop_assert!(d.offices.iter().all(|o| d.branch(&o.branch_id).is_some()));
        }
        Err(e) => {
            assert_names_file_and_line(
                &e,
                &[("branches.csv", branches), ("offices.csv", offices)],
            )?;
            let text = if e.file == "branches.csv" {
                branches
            } else {
                offices
            };
            assert_csv_field(&e, text)?;
        }
    }
    Ok(())
}

fn check_kpis(text: &str, m: &Methodology, d: &Directory) -> Result<(), TestCaseError> {
    match parse_kpis("kpi.csv", text, m, d) {
        Ok(kpis) => {
            prop_assert!(kpis.keys().all(|b| d.branch(b).is_some()));
            prop_assert!(
                kpis.values()
                    .flat_map(|f| f.values())
                    .all(|v| v.is_finite())
            );
        }
        Err(e) => {
            assert_names_file_and_line(&e, &[("kpi.csv", text)])?;
            assert_csv_field(&e, text)?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_broken_checklist_is_refused_naming_file_line_and_field(text in mutated(CHECKLIST)) {
        check_template(&text)?;
    }

    #[test]
    fn random_text_as_a_checklist_is_refused_naming_file_and_line(text in noise()) {
        check_template(&text)?;
    }

    #[test]
    fn a_broken_methodology_is_refused_naming_file_line_and_field(text in mutated(METHODOLOGY)) {
        check_methodology(&text)?;
    }

    #[test]
    fn random_text_as_a_methodology_is_refused_naming_file_and_line(text in noise()) {
        check_methodology(&text)?;
    }

    #[test]
    fn a_broken_directory_is_refused_naming_file_line_and_column(
        branches in prop_oneof![Just(BRANCHES.to_owned()), mutated(BRANCHES), noise()],
        offices in prop_oneof![Just(OFFICES.to_owned()), mutated(OFFICES), noise()],
    ) {
        check_directory(&branches, &offices)?;
    }

    #[test]
    fn a_broken_kpi_file_is_refused_naming_file_line_and_column(
        mutations in prop::collection::vec(mutation(), 0..6),
        random in prop::option::weighted(0.2, noise()),
    ) {
        let (m, d) = (methodology(), directory());
        let text = random.unwrap_or_else(|| apply(&kpi_file(&m, &d), &mutations));
        check_kpis(&text, &m, &d)?;
    }

    #[test]
    fn any_text_as_a_quarter_is_parsed_or_refused_and_a_quarter_reads_back(
        text in prop_oneof![
            any::<String>(),
            "[0-9+ -]{0,6}-?Q?[0-9+ -]{0,4}",
            (1990i32..2110, 0u8..6).prop_map(|(y, q)| format!("{y}-Q{q}")),
        ]
    ) {
        if let Ok(q) = text.parse::<Quarter>() {
            prop_assert_eq!(q.to_string().parse::<Quarter>(), Ok(q));
            let (start, end) = q.bounds();
            prop_assert!(start < end);
        }
    }
}

/// What the fuzzer found, kept as plain cases: serde's own messages did not say which key
/// was wrong, and an empty directory file was taken for an empty network.
#[test]
fn errors_the_fuzzer_found_name_their_field() {
    let checklist = |text: &str| parse_template("checklist.toml", text).unwrap_err();
    let e = checklist("[sections]");
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(1), Some("sections")),
        "{e}"
    );
    let heavy = CHECKLIST.replacen("weight = 3\n", "weight = \"heavy\"\n", 1);
    let line = heavy.lines().position(|l| l.contains("\"heavy\"")).unwrap() + 1;
    let e = checklist(&heavy);
    assert_eq!(
        e.to_string(),
        format!(
            "checklist.toml, line {line}, field `weight`: invalid type: string \"heavy\", expected f64"
        )
    );
    let e = checklist("");
    assert_eq!(
        e.to_string(),
        "checklist.toml, line 1, field `id`: missing field `id`"
    );
    let e = parse_methodology(
        "m.toml",
        &METHODOLOGY.replacen("precision = 1", "precision = \"one\"", 1),
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("precision"), "{e}");

    let header = OFFICES.lines().find(|l| l.starts_with("id,")).unwrap();
    let e = parse_directory("b.csv", BRANCHES, "o.csv", &format!("{header}\n")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "o.csv, line 2, field `id`: no offices listed"
    );
    let e = parse_directory("b.csv", "", "o.csv", "").unwrap_err();
    assert_eq!(
        e.to_string(),
        "b.csv, line 1, field `id`: no branches listed"
    );
    // A column missing from the header is named.
    let e = parse_directory("b.csv", "id,name_ru,accounts\nk,К,1\n", "o.csv", OFFICES).unwrap_err();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(2), Some("district")),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------
// Visits against the checklist

/// A complete valid visit to the shipped checklist: every item answered.
fn valid_visit(t: &Template, d: &Directory) -> Visit {
    let at = Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).unwrap();
    let answers = t
        .items()
        .map(|i| {
            let value = match &i.kind {
                ItemKind::YesNo => AnswerValue::Yes,
                ItemKind::Scale => AnswerValue::Scale(4),
                ItemKind::Number { .. } => AnswerValue::Number(7.0),
                ItemKind::Choice { options } => AnswerValue::Choice(options[0].id.clone()),
            };
            let answer = Answer {
                value: Some(value),
                comment: String::new(),
                photos: vec![],
                updated_at: at,
            };
            (i.id.clone(), answer)
        })
        .collect();
    Visit {
        id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
        template_id: t.id.clone(),
        template_version: t.version,
        office_id: d.offices[0].id.clone(),
        auditor: "auditor1".into(),
        scenario: t.scenarios[0].id.clone(),
        started_at: at,
        finished_at: Some(at),
        waiting_seconds: Some(420),
        start_location: None,
        finish_location: None,
        comment: String::new(),
        status: VisitStatus::Submitted,
        revision: 1,
        answers,
        case_id: None,
    }
}

fn answer_value() -> impl Strategy<Value = AnswerValue> {
    prop_oneof![
        Just(AnswerValue::Yes),
        Just(AnswerValue::No),
        Just(AnswerValue::NotApplicable),
        any::<u8>().prop_map(AnswerValue::Scale),
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-0.0),
            Just(100_000.0),
            Just(100_000.000_001),
            0.0..200.0f64,
        ]
        .prop_map(AnswerValue::Number),
        prop_oneof![any::<String>(), "[a-z-]{1,12}"].prop_map(AnswerValue::Choice),
    ]
}

/// Comments around the length limit, in one- and four-byte characters.
fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        1 => any::<String>(),
        1 => (MAX_COMMENT_CHARS - 1..=MAX_COMMENT_CHARS + 1, prop::bool::ANY)
            .prop_map(|(n, wide)| if wide { "🙂".repeat(n) } else { "x".repeat(n) }),
    ]
}

fn photos() -> impl Strategy<Value = Vec<PhotoRef>> {
    let sha = prop_oneof![
        "[0-9a-f]{64}",
        "[0-9A-F]{64}",
        "[0-9a-f]{63}",
        any::<String>(),
        Just("../../etc/passwd".to_owned()),
    ];
    let photo = (sha, any::<String>(), any::<u64>()).prop_map(|(sha256, mime, size)| PhotoRef {
        sha256,
        mime,
        size,
        ..PhotoRef::default()
    });
    prop::collection::vec(photo, 0..=MAX_PHOTOS_PER_ANSWER + 2)
}

#[derive(Debug, Clone)]
enum Edit {
    Value(Index, Option<AnswerValue>),
    Comment(Index, String),
    Photos(Index, Vec<PhotoRef>),
    Remove(Index),
    Unknown(String, AnswerValue),
    Office(String),
    Scenario(String),
    Auditor(String),
    VisitComment(String),
    Status(VisitStatus),
    Revision(u32),
    TemplateVersion(u32),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => (any::<Index>(), prop::option::of(answer_value())).prop_map(|(i, v)| Edit::Value(i, v)),
        2 => (any::<Index>(), comment()).prop_map(|(i, c)| Edit::Comment(i, c)),
        2 => (any::<Index>(), photos()).prop_map(|(i, p)| Edit::Photos(i, p)),
        2 => any::<Index>().prop_map(Edit::Remove),
        1 => (any::<String>(), answer_value()).prop_map(|(id, v)| Edit::Unknown(id, v)),
        1 => prop_oneof![any::<String>(), Just("klin-1".to_owned())].prop_map(Edit::Office),
        1 => any::<String>().prop_map(Edit::Scenario),
        1 => prop_oneof![any::<String>(), Just(" \t".to_owned())].prop_map(Edit::Auditor),
        1 => comment().prop_map(Edit::VisitComment),
        1 => Just(Edit::Status(VisitStatus::Draft)),
        1 => (0u32..3).prop_map(Edit::Revision),
        1 => any::<u32>().prop_map(Edit::TemplateVersion),
    ]
}

fn edit_visit(v: &mut Visit, e: &Edit) {
    let key = |v: &Visit, i: &Index| -> Option<String> {
        (!v.answers.is_empty()).then(|| {
            v.answers
                .keys()
                .nth(i.index(v.answers.len()))
                .cloned()
                .unwrap_or_default()
        })
    };
    match e {
        Edit::Value(i, value) => {
            if let Some(k) = key(v, i) {
                v.answers.entry(k).and_modify(|a| a.value = value.clone());
            }
        }
        Edit::Comment(i, c) => {
            if let Some(k) = key(v, i) {
                v.answers.entry(k).and_modify(|a| a.comment = c.clone());
            }
        }
        Edit::Photos(i, p) => {
            if let Some(k) = key(v, i) {
                v.answers.entry(k).and_modify(|a| a.photos = p.clone());
            }
        }
        Edit::Remove(i) => {
            if let Some(k) = key(v, i) {
                v.answers.remove(&k);
            }
        }
        Edit::Unknown(id, value) => {
            let mut answer = v.answers.values().next().cloned().unwrap_or(Answer {
                value: None,
                comment: String::new(),
                photos: vec![],
                updated_at: v.started_at,
            });
            answer.value = Some(value.clone());
            v.answers.insert(id.clone(), answer);
        }
        Edit::Office(o) => v.office_id = o.clone(),
        Edit::Scenario(s) => v.scenario = s.clone(),
        Edit::Auditor(a) => v.auditor = a.clone(),
        Edit::VisitComment(c) => v.comment = c.clone(),
        Edit::Status(s) => v.status = *s,
        Edit::Revision(r) => v.revision = *r,
        Edit::TemplateVersion(n) => v.template_version = *n,
    }
}

const VISIT_FIELDS: &[&str] = &[
    "template_version",
    "status",
    "revision",
    "office_id",
    "scenario",
    "auditor",
    "comment",
];

proptest! {
    #![proptest_config(config())]

    /// A visit edited at random is accepted or refused naming a field of the visit; an
    /// accepted one holds only answers that fit their items and scores within 0-100.
    #[test]
    fn a_visit_is_accepted_or_refused_naming_its_field(edits in prop::collection::vec(edit(), 0..8)) {
        let (t, d) = (template(), directory());
        let mut v = valid_visit(&t, &d);
        for e in &edits {
            edit_visit(&mut v, e);
        }
        match v.validate(&t, &d) {
            Ok(()) => {
                prop_assert_eq!(v.status, VisitStatus::Submitted);
                prop_assert!(d.office(&v.office_id).is_some());
                for (id, a) in &v.answers {
                    let item = t.item(id);
                    prop_assert!(item.is_some(), "accepted an answer to unknown item {}", id);
                    if let (Some(item), Some(value)) = (item, &a.value) {
                        prop_assert!(item.check_answer(value).is_ok(), "{id}: {value:?}");
                    }
                    prop_assert!(a.comment.chars().count() <= MAX_COMMENT_CHARS);
                    prop_assert!(a.photos.len() <= MAX_PHOTOS_PER_ANSWER);
                }
                let s = score(&t, &v.values());
                // All "not applicable" leaves nothing to score: no percentage rather than a wrong one.
                prop_assert!(s.percent.is_none_or(|x| (0.0..=100.0).contains(&x)), "{:?}", s.percent);
                prop_assert!(s.earned.is_finite() && s.earned <= s.possible);
            }
            Err(e) => {
                let answer_field = e
                    .field
                    .strip_prefix("answers.")
                    .map(|rest| {
                        let id = rest.strip_suffix(".comment").or(rest.strip_suffix(".photos")).unwrap_or(rest);
                        v.answers.contains_key(id) || t.item(id).is_some_and(|i| i.required)
                    });
                prop_assert!(
                    VISIT_FIELDS.contains(&e.field.as_str()) || answer_field == Some(true),
                    "no such field: {}", e
                );
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}
