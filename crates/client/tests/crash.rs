//! SIGKILL at random points of long scripted visits: after reopening, the database is intact
//! and holds exactly what the store had acknowledged, at most plus the one change that was
//! in flight when the process died — no acknowledged change lost, none half-applied.
//!
//! Each round scripts several visits on the real 40-item checklist (`seeds/`): positions,
//! answers with changes of mind, cleared answers, comments, photos added and removed, the
//! stopwatch, a draft deleted, submits and sync bookkeeping. The test binary is its own
//! child: with `ZAKUPKA_CRASH_CHILD` set it runs the script against a file database,
//! printing `ack N` after step N returns, until it is killed. The parent kills it after a
//! random number of acknowledgements plus a random delay, so the kill lands anywhere in a
//! step (mid-statement, mid-commit, mid-fsync), then reopens the file and compares it with
//! the same script replayed in memory up to the last acknowledged step.
//!
//! `cargo test` runs 5 rounds (about 20 s in a debug build). The long run of the issue:
//!   ZAKUPKA_CRASH_ROUNDS=100 cargo test -p zakupka-client --test crash
//! A failure prints the seed; `ZAKUPKA_CRASH_SEED=<seed>` repeats the same rounds.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zakupka_client::{NewVisit, PushOutcome, Store};
use zakupka_core::seed::{parse_directory, parse_template};
use zakupka_core::{AnswerValue, Directory, ItemKind, Template};

const CHILD_ENV: &str = "ZAKUPKA_CRASH_CHILD";
const SCRIPT_ENV: &str = "ZAKUPKA_CRASH_SCRIPT";
const VISITS: usize = 6;
/// The visit the auditor abandons half-way and deletes.
const DELETED: usize = 2;

/// splitmix64: enough randomness for a test, reproducible from one number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

#[derive(Debug)]
enum Step {
    Start {
        visit: usize,
        office: String,
        scenario: String,
    },
    Position {
        visit: usize,
        section: String,
    },
    Answer {
        visit: usize,
        item: String,
        value: AnswerValue,
    },
    Clear {
        visit: usize,
        item: String,
    },
    Comment {
        visit: usize,
        item: String,
        text: String,
    },
    VisitComment {
        visit: usize,
        text: String,
    },
    StartTimer {
        visit: usize,
    },
    StopTimer {
        visit: usize,
        item: String,
    },
    /// Photo bytes are made from `seed` when the step runs, so the script stays small.
    AddPhoto {
        visit: usize,
        item: String,
        size: usize,
        seed: u64,
    },
    RemovePhoto {
        visit: usize,
        item: String,
        size: usize,
        seed: u64,
    },
    Delete {
        visit: usize,
    },
    Submit {
        visit: usize,
    },
    /// The sync engine recording a push of every waiting outbox entry.
    Push {
        stored: bool,
    },
}

fn seeds() -> (Template, Directory) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let template = parse_template("checklist.toml", &read("checklist.toml")).unwrap();
    let directory = parse_directory(
        "branches.csv",
        &read("branches.csv"),
        "offices.csv",
        &read("offices.csv"),
    )
    .unwrap();
    (template, directory)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap()
}

/// Step N happens N seconds after `t0`, so every run of the script stores the same times.
fn at(step: usize) -> DateTime<Utc> {
    t0() + chrono::Duration::seconds(step as i64)
}

/// A JPEG header, the seed (so every photo has its own hash), then filler: what SQLite
/// has to write is the size, not the content.
fn photo(size: usize, seed: u64) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend_from_slice(&seed.to_le_bytes());
    bytes.resize(size.max(bytes.len()), seed as u8);
    bytes
}

/// Mostly small photos, sometimes a full-size one from a phone camera.
fn photo_size(rng: &mut Rng) -> usize {
    if rng.one_in(8) {
        1_000_000 + rng.below(1_500_000) as usize
    } else {
        10_000 + rng.below(300_000) as usize
    }
}

fn random_value(rng: &mut Rng, kind: &ItemKind, allow_na: bool) -> AnswerValue {
    if allow_na && rng.one_in(8) {
        return AnswerValue::NotApplicable;
    }
    match kind {
        ItemKind::YesNo if rng.one_in(4) => AnswerValue::No,
        ItemKind::YesNo => AnswerValue::Yes,
        ItemKind::Scale => AnswerValue::Scale(1 + rng.below(5) as u8),
        ItemKind::Number { .. } => AnswerValue::Number(rng.below(40) as f64),
        ItemKind::Choice { options } => {
            AnswerValue::Choice(options[rng.below(options.len() as u64) as usize].id.clone())
        }
    }
}

fn random_text(rng: &mut Rng) -> String {
    const WORDS: &[&str] = &[
        "очередь",
        "окно",
        "вежливо",
        "долго",
        "табло",
        "квитанция",
        "«пени»",
        "ok",
        "—",
        "2 мин.",
    ];
    let n = 1 + rng.below(40) as usize;
    (0..n)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The script of one round: every visit walked through the whole checklist the way an
/// auditor does it, with the detours auditors take.
fn script(template: &Template, directory: &Directory, seed: u64) -> Vec<Step> {
    let mut rng = Rng(seed);
    let mut steps = Vec::new();
    for visit in 0..VISITS {
        steps.push(Step::Start {
            visit,
            office: directory.offices[rng.below(directory.offices.len() as u64) as usize]
                .id
                .clone(),
            scenario: template.scenarios[rng.below(template.scenarios.len() as u64) as usize]
                .id
                .clone(),
        });
        'sections: for (s, section) in template.sections.iter().enumerate() {
            if visit == DELETED && s == 2 {
                steps.push(Step::Delete { visit });
                break 'sections;
            }
            steps.push(Step::Position {
                visit,
                section: section.id.clone(),
            });
            for item in &section.items {
                let answer = |rng: &mut Rng| Step::Answer {
                    visit,
                    item: item.id.clone(),
                    value: random_value(rng, &item.kind, item.allow_na),
                };
                if item.timer {
                    steps.push(Step::StartTimer { visit });
                    steps.push(Step::StopTimer {
                        visit,
                        item: item.id.clone(),
                    });
                } else {
                    steps.push(answer(&mut rng));
                }
                if rng.one_in(4) {
                    steps.push(answer(&mut rng));
                }
                if rng.one_in(8) {
                    steps.push(Step::Clear {
                        visit,
                        item: item.id.clone(),
                    });
                    steps.push(answer(&mut rng));
                }
                if item.allow_comment && rng.one_in(5) {
                    steps.push(Step::Comment {
                        visit,
                        item: item.id.clone(),
                        text: random_text(&mut rng),
                    });
                }
                if item.allow_photo && rng.one_in(2) {
                    let first = (photo_size(&mut rng), rng.next());
                    steps.push(Step::AddPhoto {
                        visit,
                        item: item.id.clone(),
                        size: first.0,
                        seed: first.1,
                    });
                    if rng.one_in(3) {
                        steps.push(Step::AddPhoto {
                            visit,
                            item: item.id.clone(),
                            size: photo_size(&mut rng),
                            seed: rng.next(),
                        });
                    }
                    if rng.one_in(4) {
                        steps.push(Step::RemovePhoto {
                            visit,
                            item: item.id.clone(),
                            size: first.0,
                            seed: first.1,
                        });
                    }
                }
            }
        }
        if visit == DELETED {
            continue;
        }
        steps.push(Step::VisitComment {
            visit,
            text: random_text(&mut rng),
        });
        // The last visit is still being filled in when the script ends.
        if visit + 1 < VISITS {
            steps.push(Step::Submit { visit });
            if rng.one_in(2) {
                steps.push(Step::Push { stored: false });
            }
            steps.push(Step::Push { stored: true });
        }
    }
    steps
}

/// Runs the script's steps against a store; remembers the ids the store gave the visits.
struct Runner<'a> {
    store: &'a Store,
    template: &'a Template,
    ids: HashMap<usize, Uuid>,
}

impl Runner<'_> {
    fn run(&mut self, n: usize, step: &Step) {
        let now = at(n);
        let store = self.store;
        let id = |visit: &usize| self.ids[visit];
        let done = match step {
            Step::Start {
                visit,
                office,
                scenario,
            } => {
                let v = store
                    .start_visit(
                        &NewVisit {
                            template_id: self.template.id.clone(),
                            template_version: self.template.version,
                            office_id: office.clone(),
                            auditor: "auditor1".into(),
                            scenario: scenario.clone(),
                        },
                        now,
                    )
                    .map(|v| v.id);
                v.map(|v| {
                    self.ids.insert(*visit, v);
                })
            }
            Step::Position { visit, section } => store.set_position(id(visit), section, now),
            Step::Answer { visit, item, value } => store.set_answer(id(visit), item, value, now),
            Step::Clear { visit, item } => store.clear_answer(id(visit), item, now),
            Step::Comment { visit, item, text } => {
                store.set_item_comment(id(visit), item, text, now)
            }
            Step::VisitComment { visit, text } => store.set_visit_comment(id(visit), text, now),
            Step::StartTimer { visit } => store.start_timer(id(visit), now),
            Step::StopTimer { visit, item } => store.stop_timer(id(visit), item, now).map(drop),
            Step::AddPhoto {
                visit,
                item,
                size,
                seed,
            } => store
                .add_photo(id(visit), item, "IMG.jpg", &photo(*size, *seed), now)
                .map(drop),
            Step::RemovePhoto {
                visit,
                item,
                size,
                seed,
            } => {
                let sha = format!("{:x}", Sha256::digest(photo(*size, *seed)));
                store.remove_photo(id(visit), item, &sha, now)
            }
            Step::Delete { visit } => store.delete_draft(id(visit)),
            Step::Submit { visit } => store.submit(id(visit), now).map(drop),
            Step::Push { stored } => {
                let outcomes: Vec<_> = store
                    .outbox()
                    .unwrap()
                    .into_iter()
                    .map(|e| {
                        let outcome = if *stored {
                            PushOutcome::Stored
                        } else {
                            PushOutcome::Retry("connection reset".into())
                        };
                        (e.visit_id, e.revision, outcome)
                    })
                    .collect();
                store.record_push(&outcomes, now)
            }
        };
        if let Err(e) = done {
            panic!("step {n} {step:?}: {e}");
        }
    }
}

fn seeded(store: &Store) {
    let (template, directory) = seeds();
    store.import_template(&template).unwrap();
    store.set_directory(&directory, t0()).unwrap();
}

/// Everything the auditor and the sync engine can see, with the device-made visit ids
/// replaced by the visits' start times (the same in every run of the script).
fn state(store: &Store) -> Value {
    let mut labels: HashMap<Uuid, String> = HashMap::new();
    let mut visits = BTreeMap::new();
    for summary in store.visits().unwrap() {
        let label = summary.started_at.to_rfc3339();
        labels.insert(summary.id, label.clone());
        let visit = store.visit(summary.id).unwrap();
        // A photo the visit lists must be there in full.
        for answer in visit.answers.values() {
            for p in &answer.photos {
                let (_, bytes) = store.photo(&p.sha256).unwrap().expect("listed photo");
                assert_eq!(format!("{:x}", Sha256::digest(&bytes)), p.sha256);
            }
        }
        let mut visit = serde_json::to_value(&visit).unwrap();
        visit.as_object_mut().unwrap().remove("id");
        visits.insert(
            label,
            json!({
                "visit": visit,
                "updated_at": summary.updated_at,
                "answered": summary.answered,
                "position": store.position(summary.id).unwrap(),
                "timer": store.timer_started_at(summary.id).unwrap(),
            }),
        );
    }
    let relabel = |text: &str| {
        labels.iter().fold(text.to_owned(), |t, (id, label)| {
            t.replace(&id.to_string(), label)
        })
    };
    let outbox: Vec<Value> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|e| {
            json!({
                "visit": labels[&e.visit_id],
                "revision": e.revision,
                "payload": relabel(&e.payload),
                "queued_at": e.queued_at,
                "attempts": e.attempts,
                "last_error": e.last_error,
            })
        })
        .collect();
    let sync: BTreeMap<String, String> = store
        .sync_states()
        .unwrap()
        .into_iter()
        .map(|(id, s)| (labels[&id].clone(), format!("{s:?}")))
        .collect();
    json!({ "visits": visits, "outbox": outbox, "sync": sync })
}

/// The first place two states differ, for a failure message a person can read.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys()
                .chain(y.keys())
                .find_map(|k| match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => first_difference(&format!("{path}.{k}"), p, q),
                    (p, q) => Some(format!("{path}.{k}: {p:?} vs {q:?}")),
                })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(&format!("{path}[{i}]"), p, q)),
        _ if a == b => None,
        _ => {
            let short = |v: &Value| v.to_string().chars().take(200).collect::<String>();
            Some(format!("{path}: {} vs {}", short(a), short(b)))
        }
    }
}

fn child(path: &str, seed: u64) {
    let (template, directory) = seeds();
    let store = Store::open(Path::new(path)).unwrap();
    seeded(&store);
    let mut runner = Runner {
        store: &store,
        template: &template,
        ids: HashMap::new(),
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    for (n, step) in script(&template, &directory, seed).iter().enumerate() {
        runner.run(n, step);
        writeln!(out, "ack {n}").unwrap();
        out.flush().unwrap();
    }
    writeln!(out, "done").unwrap();
    out.flush().unwrap();
    // Wait for the kill, as an app left open does.
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

struct Round {
    steps: usize,
    acknowledged: usize,
    in_flight: InFlight,
}

/// What became of the step the child was in when it was killed.
#[derive(PartialEq)]
enum InFlight {
    Lost,
    Landed,
    /// Only for photo steps: a photo lives in the attached `media` database, and SQLite
    /// commits a transaction over two WAL databases atomically in each, not across both
    /// (https://sqlite.org/lang_attach.html). The kill fell between the two commits: the
    /// photo change without the visit's "last changed" time, or the other way round. No
    /// acknowledged change is affected and nothing else may differ.
    HalfLanded,
}

/// `state` with every visit's "last changed" time taken from `times`.
fn with_times(state: &Value, times: &Value) -> Value {
    let mut out = state.clone();
    if let Some(visits) = out["visits"].as_object_mut() {
        for (label, visit) in visits.iter_mut() {
            if let Some(t) = times["visits"].get(label) {
                visit["updated_at"] = t["updated_at"].clone();
            }
        }
    }
    out
}

fn round(seed: u64, dir: &Path, template: &Template, directory: &Directory) -> Round {
    let mut rng = Rng(seed);
    let script_seed = rng.next();
    let steps = script(template, directory, script_seed);
    let path = dir.join(format!("round-{seed:x}.db"));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, &path)
        .env(SCRIPT_ENV, script_seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ack = |line: &str| -> Option<usize> { line.strip_prefix("ack ")?.parse().ok() };

    let kill_after = 1 + rng.below(steps.len() as u64) as usize;
    let mut last: Option<usize> = None;
    while last.map_or(0, |l| l + 1) < kill_after {
        match lines.next() {
            Some(Ok(line)) if line == "done" => break,
            Some(Ok(line)) => last = Some(ack(&line).expect("an ack line")),
            _ => panic!(
                "round {seed:x}: the child stopped by itself after step {last:?}: {:?}",
                child.wait()
            ),
        }
    }
    // Lands the kill anywhere inside the step the child is on.
    std::thread::sleep(Duration::from_micros(rng.below(3_000)));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // What the child printed before dying was acknowledged too.
    for line in lines {
        match line.unwrap() {
            l if l == "done" => {}
            l => last = Some(ack(&l).expect("an ack line")),
        }
    }
    let last = last.expect("at least one step acknowledged");

    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.integrity_check().unwrap(),
        ["ok", "ok"],
        "round {seed:x}: integrity after a kill after step {last}"
    );
    let found = state(&store);

    // The same script replayed in memory: the file must match it after the last
    // acknowledged step, or after the next one if that committed just before the kill.
    let replay = Store::open_in_memory().unwrap();
    seeded(&replay);
    let mut runner = Runner {
        store: &replay,
        template,
        ids: HashMap::new(),
    };
    for (n, step) in steps.iter().enumerate().take(last + 1) {
        runner.run(n, step);
    }
    let acknowledged = state(&replay);
    let in_flight = if found == acknowledged {
        InFlight::Lost
    } else if let Some(next) = steps.get(last + 1) {
        runner.run(last + 1, next);
        let with_next = state(&replay);
        let photo_step = matches!(next, Step::AddPhoto { .. } | Step::RemovePhoto { .. });
        if found == with_next {
            InFlight::Landed
        } else if photo_step
            && (found == with_times(&acknowledged, &with_next)
                || found == with_times(&with_next, &acknowledged))
        {
            InFlight::HalfLanded
        } else {
            panic!(
                "round {seed:x}: after a kill after step {last} ({:?}), the database matches \
                 neither that step nor the next ({next:?}); against the acknowledged state: {}",
                steps[last],
                first_difference("", &found, &acknowledged).unwrap_or_default()
            );
        }
    } else {
        panic!(
            "round {seed:x}: all {} steps acknowledged, yet the database differs: {}",
            steps.len(),
            first_difference("", &found, &acknowledged).unwrap_or_default()
        );
    };

    // And the auditor carries on where they were.
    let v = store
        .start_visit(
            &NewVisit {
                template_id: template.id.clone(),
                template_version: template.version,
                office_id: directory.offices[0].id.clone(),
                auditor: "auditor1".into(),
                scenario: template.scenarios[0].id.clone(),
            },
            Utc::now(),
        )
        .unwrap();
    let item = template.items().next().unwrap();
    store
        .set_answer(v.id, &item.id, &AnswerValue::NotApplicable, Utc::now())
        .or_else(|_| store.set_answer(v.id, &item.id, &AnswerValue::Yes, Utc::now()))
        .unwrap();
    drop(store);
    std::fs::remove_file(&path).ok();
    let mut media = path.into_os_string();
    media.push("-media");
    std::fs::remove_file(media).ok();

    Round {
        steps: steps.len(),
        acknowledged: last + 1,
        in_flight,
    }
}

fn main() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        let seed = std::env::var(SCRIPT_ENV).unwrap().parse().unwrap();
        child(&path, seed);
        return;
    }
    let rounds: u64 = std::env::var("ZAKUPKA_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let base: u64 = std::env::var("ZAKUPKA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("crash: seed {base} (ZAKUPKA_CRASH_SEED={base} repeats these rounds)");
    let (template, directory) = seeds();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (mut steps, mut acknowledged, mut landed, mut half) = (0, 0, 0, 0);
    for n in 0..rounds {
        let seed = Rng(base.wrapping_add(n)).next();
        let r = round(seed, dir.path(), &template, &directory);
        steps += r.steps;
        acknowledged += r.acknowledged;
        landed += usize::from(r.in_flight == InFlight::Landed);
        half += usize::from(r.in_flight == InFlight::HalfLanded);
    }
    println!(
        "crash: {rounds} rounds of SIGKILL in scripted visits ({} steps per script on average), \
         {acknowledged} acknowledged steps checked; the step in flight had landed in {landed} \
         rounds, half-landed (photo without its visit's time) in {half}; integrity ok every \
         time; {:.1} s",
        steps as u64 / rounds.max(1),
        started.elapsed().as_secs_f64()
    );
    println!("{rounds} passed, 0 failed");
}
