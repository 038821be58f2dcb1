//! Builds the browser store of an auditor after months of work, for the web benchmark
//! (`tests/browser/bench/web.mjs`): `visits` visits of 40 answers, submitted and
//! acknowledged by the server over the past months, and the shipped checklist and
//! directory, as the web app would have kept them. (Photos are added by the benchmark
//! through the app's file input: the release before issue 10 kept them in one IndexedDB
//! value, which Chromium refuses beyond 127 MiB, so 60 photos of 3+ MB cannot be seeded
//! in that form.)
//!
//! It writes the database as the web app's IndexedDB snapshot (`main` in the `zakupka`
//! database) held it before issue 10's store: the bytes of [`Store::snapshot`]. The
//! benchmark puts them into a fresh browser profile; a newer store migrates them when it
//! opens, as it does for any browser upgraded from that release. Made through the store's
//! own API, so every row is one the app itself would write.
//!
//! Run: cargo run --release -p zakupka-client --example web_seed -- OUT_DIR VISITS

use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use zakupka_client::{NewVisit, PushOutcome, Store};
use zakupka_core::demo::cycled_answer;
use zakupka_server::demo::read_seeds;

const ANSWERS: usize = 40;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: web_seed OUT_DIR VISITS";
    let out = PathBuf::from(args.next().ok_or_else(|| anyhow::anyhow!(usage))?);
    let visits: usize = args.next().ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;

    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let (template, directory) = read_seeds(&seeds)?;
    let items: Vec<_> = template.items().take(ANSWERS).collect();
    anyhow::ensure!(
        items.len() == ANSWERS,
        "the checklist has fewer than {ANSWERS} items"
    );

    let mut store = Store::open_in_memory()?;
    let now = Utc::now();
    // The app brings these in at its first start (src/state.rs).
    store.import_template(&template)?;
    store.set_directory(&directory, now - Duration::days(200))?;
    let mut acknowledged = Vec::with_capacity(visits);
    for n in 0..visits {
        // Oldest first, a few a day over about six months.
        let started = now - Duration::minutes(((visits - n) * 250) as i64);
        let visit = store.start_visit(
            &NewVisit {
                template_id: template.id.clone(),
                template_version: template.version,
                office_id: directory.offices[n % directory.offices.len()].id.clone(),
                auditor: "auditor1".into(),
                scenario: template.scenarios[n % template.scenarios.len()].id.clone(),
            },
            started,
        )?;
        for (i, item) in items.iter().enumerate() {
            let value = cycled_answer(item, n + i, (n + i) % 5 == 0);
            let at = started + Duration::seconds(30 * i as i64);
            store.set_answer(visit.id, &item.id, &value, at)?;
        }
        let submitted = store.submit(visit.id, started + Duration::minutes(35))?;
        acknowledged.push((visit.id, submitted.revision, PushOutcome::Stored));
    }
    // The server acknowledged them all at the last sync.
    store.record_push(&acknowledged, now)?;

    std::fs::create_dir_all(&out)?;
    let main = store.snapshot(false)?;
    std::fs::write(out.join("main.db"), &main)?;
    println!(
        "web_seed: {visits} visits, {} bytes, in {}",
        main.len(),
        out.display()
    );
    Ok(())
}
