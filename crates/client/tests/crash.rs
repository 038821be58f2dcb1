//! Kill -9 in the middle of a burst of answers: every answer acknowledged before the kill
//! must be there after reopening, and the database must be intact.
//!
//! The test binary is its own child: with `ZAKUPKA_CRASH_CHILD` set it writes answers as
//! fast as it can, printing an acknowledgement after each commit, until it is killed.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;
use zakupka_client::Store;
use zakupka_core::AnswerValue;

const CHILD_ENV: &str = "ZAKUPKA_CRASH_CHILD";

fn child(path: &str) {
    let store = Store::open(std::path::Path::new(path)).unwrap();
    seeded(&store);
    let v = store.start_visit(&new_visit(), t0()).unwrap();
    let out = std::io::stdout();
    let mut out = out.lock();
    writeln!(out, "visit {}", v.id).unwrap();
    out.flush().unwrap();
    for n in 1u32.. {
        // Alternate an answer and a comment so both paths are exercised; each carries a
        // counter that only grows, so "acknowledged" has a clear meaning after the crash.
        if n % 2 == 0 {
            store
                .set_answer(v.id, "wait", &AnswerValue::Number(f64::from(n)), t0())
                .unwrap();
            writeln!(out, "ack wait {n}").unwrap();
        } else {
            let item = ["clean", "polite", "extra"][(n as usize / 2) % 3];
            store
                .set_item_comment(v.id, item, &n.to_string(), t0())
                .unwrap();
            writeln!(out, "ack {item} {n}").unwrap();
        }
        out.flush().unwrap();
    }
}

/// One round: returns how many acknowledgements were checked.
fn round(seed: u64, dir: &std::path::Path) -> usize {
    let path = dir.join(format!("round-{seed}.db"));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let visit_line = lines.next().unwrap().unwrap();
    let visit_id = uuid::Uuid::parse_str(visit_line.trim_start_matches("visit ")).unwrap();
    // A cheap deterministic spread of kill points, from the first write to a few hundred.
    let kill_after = 1 + (seed.wrapping_mul(2654435761) % 300) as usize;
    let mut acked: BTreeMap<String, u32> = BTreeMap::new();
    for _ in 0..kill_after {
        let line = lines.next().unwrap().unwrap();
        let mut parts = line.split_whitespace().skip(1);
        let (item, n) = (
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().parse().unwrap(),
        );
        acked.insert(item, n);
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.integrity_check().unwrap(),
        ["ok", "ok"],
        "round {seed}"
    );
    let visit = store.visit(visit_id).unwrap();
    for (item, n) in &acked {
        let answer = &visit.answers[item];
        let stored = if item == "wait" {
            match answer.value {
                Some(AnswerValue::Number(v)) => v as u32,
                ref other => panic!("round {seed}: wait is {other:?}"),
            }
        } else {
            answer.comment.parse().unwrap()
        };
        assert!(
            stored >= *n,
            "round {seed}: {item} acknowledged {n}, found {stored} after the crash"
        );
    }
    acked.len()
}

fn main() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(&path);
        return;
    }
    let rounds: u64 = std::env::var("ZAKUPKA_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for seed in 0..rounds {
        checked += round(seed, dir.path());
    }
    println!(
        "crash: {rounds} rounds of SIGKILL during a burst of answers, {checked} acknowledged items checked"
    );
    println!("{rounds} passed, 0 failed");
}
