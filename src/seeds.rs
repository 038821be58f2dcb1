//! The seeds shipped inside the app: the default checklist and the office directory. They
//! are embedded (the browser has no file system) and validated at start-up like any file.

use zakupka_core::seed::{parse_directory, parse_template};
use zakupka_core::{Directory, SeedError, Template};

pub fn checklist() -> Result<Template, SeedError> {
    parse_template(
        "seeds/checklist.toml",
        include_str!("../seeds/checklist.toml"),
    )
}

pub fn directory() -> Result<Directory, SeedError> {
    parse_directory(
        "seeds/branches.csv",
        include_str!("../seeds/branches.csv"),
        "seeds/offices.csv",
        include_str!("../seeds/offices.csv"),
    )
}
