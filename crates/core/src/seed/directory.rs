//! The office directory (CSV): a branches file and an offices file.

use serde::Deserialize;

use super::{SeedError, read_csv, row_err};
use crate::directory::{Branch, Directory, Office};
use crate::label::Label;
use crate::visit::GeoPoint;

#[derive(Deserialize)]
struct RawBranch {
    id: String,
    name_ru: String,
    #[serde(default)]
    name_en: String,
    district: String,
    accounts: u32,
}

#[derive(Deserialize)]
struct RawOffice {
    id: String,
    branch_id: String,
    name_ru: String,
    #[serde(default)]
    name_en: String,
    district: String,
    address: String,
    /// Optional columns: the office's position in degrees, both or neither.
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
}

/// Parses and validates the directory: the branches file, then the offices file.
pub fn parse_directory(
    branches_file: &str,
    branches_text: &str,
    offices_file: &str,
    offices_text: &str,
) -> Result<Directory, SeedError> {
    let mut branches: Vec<Branch> = Vec::new();
    for (line, b) in read_csv::<RawBranch>(branches_file, branches_text)? {
        if b.id.is_empty() {
            return row_err(branches_file, line, "id", "must not be empty");
        }
        if branches.iter().any(|x| x.id == b.id) {
            return row_err(
                branches_file,
                line,
                "id",
                format!("branch `{}` is listed twice", b.id),
            );
        }
        if b.name_ru.is_empty() {
            return row_err(branches_file, line, "name_ru", "must not be empty");
        }
        if b.accounts == 0 {
            return row_err(
                branches_file,
                line,
                "accounts",
                "a branch serves at least one account",
            );
        }
        branches.push(Branch {
            id: b.id,
            name: Label::new(b.name_ru, b.name_en),
            district: b.district,
            accounts: b.accounts,
        });
    }
    let mut offices: Vec<Office> = Vec::new();
    for (line, o) in read_csv::<RawOffice>(offices_file, offices_text)? {
        if o.id.is_empty() {
            return row_err(offices_file, line, "id", "must not be empty");
        }
        if offices.iter().any(|x| x.id == o.id) {
            return row_err(
                offices_file,
                line,
                "id",
                format!("office `{}` is listed twice", o.id),
            );
        }
        if !branches.iter().any(|b| b.id == o.branch_id) {
            return row_err(
                offices_file,
                line,
                "branch_id",
                format!("no branch `{}` in {branches_file}", o.branch_id),
            );
        }
        if o.name_ru.is_empty() {
            return row_err(offices_file, line, "name_ru", "must not be empty");
        }
        let position = match (o.lat, o.lon) {
            (None, None) => None,
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    return row_err(offices_file, line, "lat", "must be between -90 and 90");
                }
                match GeoPoint::new(lat, lon) {
                    Some(p) => Some(p),
                    None => {
                        return row_err(offices_file, line, "lon", "must be between -180 and 180");
                    }
                }
            }
            (None, Some(_)) => {
                return row_err(
                    offices_file,
                    line,
                    "lat",
                    "give both lat and lon, or neither",
                );
            }
            (Some(_), None) => {
                return row_err(
                    offices_file,
                    line,
                    "lon",
                    "give both lat and lon, or neither",
                );
            }
        };
        offices.push(Office {
            id: o.id,
            branch_id: o.branch_id,
            name: Label::new(o.name_ru, o.name_en),
            district: o.district,
            address: o.address,
            position,
        });
    }
    // An empty file is a mistake too (a lost file, a header alone), not an empty network.
    if branches.is_empty() {
        let line = branches_text.lines().count() + 1;
        return row_err(branches_file, line, "id", "no branches listed");
    }
    if offices.is_empty() {
        let line = offices_text.lines().count() + 1;
        return row_err(offices_file, line, "id", "no offices listed");
    }
    Ok(Directory { branches, offices })
}
