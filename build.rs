//! Parses and checks the seeds shipped inside the app (the default checklist and the office
//! directory) when the app is built, and embeds them as JSON for `src/seeds.rs`. A seed
//! that does not parse fails the build with the seed parser's message (file, line, field);
//! the app, the web build above all, then carries neither the TOML nor the CSV parser
//! (about 150 KB of wasm) nor their cost at every start.

use std::path::Path;

use zakupka_core::seed::{parse_directory, parse_template};

fn main() {
    let files = [
        "seeds/checklist.toml",
        "seeds/branches.csv",
        "seeds/offices.csv",
    ];
    for f in files {
        println!("cargo::rerun-if-changed={f}");
    }
    let [checklist, branches, offices] =
        files.map(|f| std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f}: {e}")));
    let template = parse_template(files[0], &checklist).unwrap_or_else(|e| panic!("{e}"));
    let directory =
        parse_directory(files[1], &branches, files[2], &offices).unwrap_or_else(|e| panic!("{e}"));
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let write = |name: &str, json: serde_json::Result<String>| {
        let path = Path::new(&out).join(name);
        let json = json.unwrap_or_else(|e| panic!("{name}: {e}"));
        std::fs::write(&path, json).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    };
    write("checklist.json", serde_json::to_string(&template));
    write("directory.json", serde_json::to_string(&directory));
}
