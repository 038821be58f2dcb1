//! The organisation being audited: branches (управления) and their client offices.
//! Which league a branch plays in is the rating methodology's call (`rating.rs`).

use serde::{Deserialize, Serialize};

use crate::label::{Label, Lang};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Branch {
    pub id: String,
    pub name: Label,
    pub district: String,
    pub accounts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Office {
    pub id: String,
    pub branch_id: String,
    pub name: Label,
    pub district: String,
    pub address: String,
    /// Where the office is, for judging whether a visit happened there (`presence.rs`).
    /// Optional in the directory; on the wire only when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<crate::visit::GeoPoint>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Directory {
    pub branches: Vec<Branch>,
    pub offices: Vec<Office>,
}

impl Directory {
    pub fn branch(&self, id: &str) -> Option<&Branch> {
        self.branches.iter().find(|b| b.id == id)
    }

    pub fn office(&self, id: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.id == id)
    }

    /// Offices whose name, branch name, district or address contains every word of
    /// `query`, ignoring case; all offices for an empty query.
    pub fn search(&self, query: &str, lang: Lang) -> Vec<&Office> {
        let words: Vec<String> = query.split_whitespace().map(fold).collect();
        let mut found: Vec<&Office> = self
            .offices
            .iter()
            .filter(|office| {
                let branch = self.branch(&office.branch_id);
                let haystack = fold(&format!(
                    "{} {} {} {} {} {}",
                    office.name.ru,
                    office.name.en,
                    office.district,
                    office.address,
                    branch.map_or("", |b| b.name.ru.as_str()),
                    branch.map_or("", |b| b.name.en.as_str()),
                ));
                words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .collect();
        found.sort_by(|a, b| a.name.get(lang).cmp(b.name.get(lang)));
        found
    }
}

/// Case- and ё-insensitive form for search: people type "е" for "ё".
fn fold(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
}
