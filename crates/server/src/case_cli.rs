//! `zakupka-server case add FILE.toml`: publishes a calibration case written as a file
//! (the format: `zakupka_core::seed::parse_case`), its photos read from beside it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use clap::Subcommand;
use sha2::{Digest, Sha256};
use zakupka_server::{Db, cases, photos, reference};

#[derive(Subcommand)]
pub enum CaseCommand {
    /// Publish the calibration case in FILE (TOML: title, text, scenario, photos, [key]).
    Add {
        file: PathBuf,
        /// Who publishes it, as the case records.
        #[arg(long, default_value = "admin")]
        by: String,
        #[arg(long, default_value = "./data/zakupka.db")]
        db: PathBuf,
    },
}

/// Runs a `case` command on the database `open` opens.
pub fn run(command: CaseCommand, open: fn(&Path) -> anyhow::Result<Db>) -> anyhow::Result<()> {
    match command {
        CaseCommand::Add { file, by, db } => add(&open(&db)?, &file, &by),
    }
}

/// Publishes the case in `file` as `by`, judged by the newest checklist the server has.
pub fn add(database: &Db, file: &Path, by: &str) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let template = database
        .blocking(|conn| reference::latest_template(conn))?
        .context("no checklist in the database yet: start the server once (`serve`)")?;
    let (mut request, photo_files) =
        zakupka_core::seed::parse_case(&file.display().to_string(), &text, &template)?;
    let folder = file.parent().unwrap_or(Path::new("."));
    let mut uploads = Vec::new();
    for name in &photo_files {
        let path = folder.join(name);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        let mime = photos::check_upload(&sha256, &bytes)
            .with_context(|| format!("{}: not a photo the app can show", path.display()))?;
        request.photos.push(sha256.clone());
        uploads.push((sha256, mime, bytes));
    }
    let now = Utc::now();
    let case = database.blocking(|conn| {
        let tx = conn.transaction()?;
        for (sha256, mime, bytes) in &uploads {
            cases::put_photo(&tx, sha256, mime, bytes, by, now)?;
        }
        let case = cases::publish(&tx, &request, by, now)?;
        tx.commit()?;
        Ok(case)
    })?;
    println!(
        "case {} «{}» published: auditors receive it at their next sync",
        case.id, case.title
    );
    Ok(())
}
