//! The quarterly rating as served, and the files it exports to.

use serde::{Deserialize, Serialize};

/// A quarter's rating, live or as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    pub quarter: crate::rating::Quarter,
    /// The methodology the rating was computed with (for a published quarter, the version
    /// it was frozen with), so every figure can be explained by its criterion.
    pub methodology: crate::rating::Methodology,
    /// When it was published; `None` for a live computation that may still change.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub tables: Vec<crate::rating::LeagueTable>,
}

/// What publishing a quarter would freeze, shown before it is confirmed: the places as
/// they stand, and who would then hold each league's cup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishPreview {
    pub rating: Rating,
    /// The holders of the large league's cup once published (branch ids).
    pub cup_large: Vec<String>,
    /// The holders of the small league's cup once published (branch ids).
    pub cup_small: Vec<String>,
}

/// A quarter with something to rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuarterInfo {
    pub quarter: crate::rating::Quarter,
    pub published: bool,
}

/// The file formats `/rating/export?format=…` answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// Every format, in the order the interface offers them.
    pub const ALL: [ExportFormat; 2] = [ExportFormat::Csv, ExportFormat::Xlsx];

    /// The query value, also the file name's extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn parse(s: &str) -> Option<ExportFormat> {
        ExportFormat::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The `Content-Type` the file is served with.
    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

impl std::fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
