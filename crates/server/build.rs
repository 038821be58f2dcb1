//! A release build embeds `dist/` and `seeds/` (see src/bundle.rs). rust-embed makes cargo
//! watch the files it embedded, not files that appear later (a new build's wasm has a new
//! name), so the folders themselves are watched too. A debug build reads them at run time.
fn main() {
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        println!("cargo:rerun-if-changed=../../dist");
        println!("cargo:rerun-if-changed=../../seeds");
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
