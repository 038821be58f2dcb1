//! The quarterly rating of branches: ten weighted criteria, two leagues by size, shared
//! places under a stated tie rule, and every figure traceable to what it came from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::directory::Branch;
use crate::label::Label;

mod feedback;
pub mod uncertainty;

pub use feedback::LoopFigures;

pub use uncertainty::{PlaceInterval, place_intervals, rate_with_intervals};

/// Branches are rated against others of their size; the methodology's
/// `league_threshold` decides which league a branch plays in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum League {
    Large,
    Small,
}

/// How equal scores are placed. Scores are compared as published, at the methodology's
/// precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TieRule {
    /// 1-2-2-3: the next place after a shared one is the next number (the source article's).
    Dense,
    /// 1-2-2-4: a shared place uses up the places it covers.
    Standard,
}

impl TieRule {
    /// The places of scores sorted best first, equal scores sharing one: the one rule for
    /// the published places and the bootstrap's (`uncertainty`).
    fn places(self, sorted: impl IntoIterator<Item = f64>) -> impl Iterator<Item = u32> {
        let (mut previous, mut place) = (None, 0);
        sorted.into_iter().enumerate().map(move |(i, score)| {
            if previous != Some(score) {
                place = match self {
                    TieRule::Dense => place + 1,
                    TieRule::Standard => i as u32 + 1,
                };
                previous = Some(score);
            }
            place
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Measure {
    /// The mystery-shopper index: the mean score of the branch's approved visits.
    Audits,
    /// A figure from the quarter's KPI file, scored linearly: `best` earns 100, `worst` 0.
    /// `best` below `worst` means lower is better (complaints per 10,000 accounts).
    Kpi { key: String, best: f64, worst: f64 },
    /// The share of the branch's corrective actions due in the quarter that were closed by
    /// their due day, in percent (100 when none were due).
    ActionsOnTime,
    /// The share of re-checked items that the next visit found failed again, in percent
    /// (0 when none were re-checked), scored so that no repeat earns 100.
    RepeatDefects,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criterion {
    pub id: String,
    pub label: Label,
    pub weight: f64,
    pub measure: Measure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Methodology {
    pub id: String,
    pub version: u32,
    pub title: Label,
    /// More accounts than this puts a branch in the large league.
    pub league_threshold: u32,
    /// Decimal places of the published score.
    pub precision: u8,
    pub tie_rule: TieRule,
    /// Fewer approved visits in the quarter and a branch is not rated.
    pub min_approved_visits: u32,
    pub criteria: Vec<Criterion>,
    /// Show each branch's mystery-shopper index also adjusted for the severity of the
    /// auditors who visited it, beside the raw one. Places and the published score stay
    /// the raw ones. Absent from the JSON when off, so earlier stored methodologies read
    /// and compare the same.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adjust_for_auditor_severity: bool,
    /// Days after a visit's approval in which a branch's manager may appeal one of its
    /// items (and only before the quarter is published). Absent from the JSON when not set
    /// (then [`DEFAULT_APPEAL_WINDOW_DAYS`]), so earlier stored methodologies read and
    /// compare the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_window_days: Option<u32>,
    /// Days a branch has to fix a failed item (`actions.rs`); 30 when not set. Absent from
    /// the JSON when not set, so earlier stored methodologies read and compare the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_due_days: Option<u32>,
    /// Days to fix a failed critical item; 7 when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_due_days_critical: Option<u32>,
}

/// The appeal window of a methodology that does not set one.
pub const DEFAULT_APPEAL_WINDOW_DAYS: u32 = 10;

impl Methodology {
    /// Days after approval in which an item may be appealed.
    pub fn appeal_window_days(&self) -> u32 {
        self.appeal_window_days
            .unwrap_or(DEFAULT_APPEAL_WINDOW_DAYS)
    }

    /// The keys of the KPIs the criteria measure, in the criteria's order: the columns a
    /// KPI file must have.
    pub fn kpi_keys(&self) -> impl Iterator<Item = &str> {
        self.criteria.iter().filter_map(|c| match &c.measure {
            Measure::Kpi { key, .. } => Some(key.as_str()),
            Measure::Audits | Measure::ActionsOnTime | Measure::RepeatDefects => None,
        })
    }

    pub fn league(&self, branch: &Branch) -> League {
        if branch.accounts > self.league_threshold {
            League::Large
        } else {
            League::Small
        }
    }

    fn round(&self, value: f64) -> f64 {
        let factor = 10f64.powi(i32::from(self.precision));
        (value * factor).round() / factor
    }
}

/// One branch's quarter: its approved visits' scores and its KPI figures.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchQuarter {
    pub branch: Branch,
    /// (visit id, visit score in percent) of approved visits.
    pub visits: Vec<(Uuid, f64)>,
    pub kpis: BTreeMap<String, f64>,
    /// How the branch fixed what visits found (`LoopFigures`).
    pub loop_figures: LoopFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionResult {
    pub criterion_id: String,
    /// What was measured: the mean visit score, or the KPI figure.
    pub value: f64,
    /// The value on the 0-100 scale.
    pub score: f64,
    pub weight: f64,
    /// Points this criterion adds to the total (score × its share of the weights).
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatedBranch {
    pub branch_id: String,
    pub place: u32,
    /// The published score, rounded to the methodology's precision.
    pub score: f64,
    pub criteria: Vec<CriterionResult>,
    /// The approved visits behind the audit criterion.
    pub visits: Vec<Uuid>,
    /// The place's 90% interval by bootstrap over the approved visits
    /// (`uncertainty::place_intervals`); `None` from `rate` alone, and in quarters
    /// published before intervals were computed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub interval: Option<PlaceInterval>,
    /// The mystery-shopper index with each visit's score raised by its auditor's severity
    /// (lowered for a lenient one): only when the methodology asks for it. Shown beside
    /// the raw index; the place and score above never use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusted_audits: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NotRated {
    TooFewVisits { approved: u32, needed: u32 },
    MissingKpi { keys: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeagueTable {
    pub league: League,
    /// Best first; equal places in name order.
    pub rows: Vec<RatedBranch>,
    pub not_rated: Vec<(String, NotRated)>,
}

fn criterion_score(m: &Measure, b: &BranchQuarter) -> Option<(f64, f64)> {
    let (visits, kpis) = (&b.visits, &b.kpis);
    match m {
        Measure::Audits => {
            let mean = visits.iter().map(|v| v.1).sum::<f64>() / visits.len().max(1) as f64;
            Some((mean, mean.clamp(0.0, 100.0)))
        }
        Measure::Kpi { key, best, worst } => {
            let value = *kpis.get(key)?;
            let span = best - worst;
            let share = if span == 0.0 {
                1.0
            } else {
                ((value - worst) / span).clamp(0.0, 1.0)
            };
            Some((value, share * 100.0))
        }
        Measure::ActionsOnTime => Some(b.loop_figures.on_time_score()),
        Measure::RepeatDefects => Some(b.loop_figures.repeat_score()),
    }
}

/// Rates one quarter: the large league first, then the small one.
pub fn rate(methodology: &Methodology, quarter: &[BranchQuarter]) -> Vec<LeagueTable> {
    let total_weight: f64 = methodology.criteria.iter().map(|c| c.weight).sum();
    [League::Large, League::Small]
        .into_iter()
        .map(|league| {
            let mut rows: Vec<(RatedBranch, String)> = Vec::new();
            let mut not_rated = Vec::new();
            for b in quarter
                .iter()
                .filter(|b| methodology.league(&b.branch) == league)
            {
                let approved = b.visits.len() as u32;
                if approved < methodology.min_approved_visits {
                    not_rated.push((
                        b.branch.id.clone(),
                        NotRated::TooFewVisits {
                            approved,
                            needed: methodology.min_approved_visits,
                        },
                    ));
                    continue;
                }
                let missing: Vec<String> = methodology
                    .kpi_keys()
                    .filter(|key| !b.kpis.contains_key(*key))
                    .map(str::to_owned)
                    .collect();
                if !missing.is_empty() {
                    not_rated.push((b.branch.id.clone(), NotRated::MissingKpi { keys: missing }));
                    continue;
                }
                let criteria: Vec<CriterionResult> = methodology
                    .criteria
                    .iter()
                    .filter_map(|c| {
                        let (value, score) = criterion_score(&c.measure, b)?;
                        let points = if total_weight > 0.0 {
                            score * c.weight / total_weight
                        } else {
                            0.0
                        };
                        Some(CriterionResult {
                            criterion_id: c.id.clone(),
                            value,
                            score,
                            weight: c.weight,
                            points,
                        })
                    })
                    .collect();
                let exact: f64 = criteria.iter().map(|c| c.points).sum();
                rows.push((
                    RatedBranch {
                        branch_id: b.branch.id.clone(),
                        place: 0,
                        score: methodology.round(exact),
                        criteria,
                        visits: b.visits.iter().map(|v| v.0).collect(),
                        interval: None,
                        adjusted_audits: None,
                    },
                    b.branch.name.ru.clone(),
                ));
            }
            rows.sort_by(|(a, an), (b, bn)| b.score.total_cmp(&a.score).then_with(|| an.cmp(bn)));
            let places: Vec<u32> = methodology
                .tie_rule
                .places(rows.iter().map(|r| r.0.score))
                .collect();
            for (row, place) in rows.iter_mut().zip(places) {
                row.0.place = place;
            }
            not_rated.sort_by(|a, b| a.0.cmp(&b.0));
            LeagueTable {
                league,
                rows: rows.into_iter().map(|(r, _)| r).collect(),
                not_rated,
            }
        })
        .collect()
}

/// Fills each rated branch's severity-adjusted mystery-shopper index when `methodology`
/// asks for it: the mean of its visits' scores, each plus `shift` of the visit (its
/// auditor's severity, in points), clamped to 0–100. Nothing else changes.
pub fn adjust_for_severity(
    methodology: &Methodology,
    tables: &mut [LeagueTable],
    shift: impl Fn(Uuid) -> f64,
) {
    if !methodology.adjust_for_auditor_severity {
        return;
    }
    let audits = |c: &&CriterionResult| {
        methodology
            .criteria
            .iter()
            .any(|m| m.id == c.criterion_id && m.measure == Measure::Audits)
    };
    for row in tables.iter_mut().flat_map(|t| t.rows.iter_mut()) {
        let Some(raw) = row.criteria.iter().find(audits).map(|c| c.value) else {
            continue;
        };
        let n = row.visits.len().max(1) as f64;
        let mean_shift = row.visits.iter().map(|v| shift(*v)).sum::<f64>() / n;
        row.adjusted_audits = Some((raw + mean_shift).clamp(0.0, 100.0));
    }
}

/// A calendar quarter, written `2024-Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Quarter {
    pub year: i32,
    pub q: u8,
}

impl Quarter {
    pub fn of(t: chrono::DateTime<chrono::Utc>) -> Quarter {
        use chrono::Datelike;
        Quarter {
            year: t.year(),
            q: ((t.month() - 1) / 3 + 1) as u8,
        }
    }

    /// The first instant of the quarter and of the next one, for `start <= t < end`.
    pub fn bounds(self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        use chrono::TimeZone;
        let start = |year: i32, q: u8| {
            chrono::Utc
                .with_ymd_and_hms(year, u32::from(q - 1) * 3 + 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default()
        };
        let next = if self.q == 4 {
            (self.year + 1, 1)
        } else {
            (self.year, self.q + 1)
        };
        (start(self.year, self.q), start(next.0, next.1))
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    pub fn previous(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

impl std::str::FromStr for Quarter {
    type Err = String;

    fn from_str(s: &str) -> Result<Quarter, String> {
        let bad = || format!("`{s}` is not a quarter: write it like 2024-Q3");
        let (year, q) = s.trim().split_once("-Q").ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let q: u8 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&q) || !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        Ok(Quarter { year, q })
    }
}

impl TryFrom<String> for Quarter {
    type Error = String;
    fn try_from(s: String) -> Result<Quarter, String> {
        s.parse()
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> String {
        q.to_string()
    }
}

/// Who led each league in each published quarter, how often each branch has led, and who
/// holds each rotating cup now (the latest quarter's leaders; a shared first place shares
/// the cup).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct History {
    pub quarters: Vec<QuarterLeaders>,
    /// Quarters in first place, by branch id, over all published quarters.
    pub times_led: BTreeMap<String, u32>,
    /// Each branch's published score by quarter, for its trend.
    pub scores: BTreeMap<String, Vec<(Quarter, f64)>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuarterLeaders {
    pub quarter: Quarter,
    pub large: Vec<String>,
    pub small: Vec<String>,
}

impl History {
    /// The holders of the league's cup: the leaders of the latest published quarter.
    pub fn cup(&self, league: League) -> &[String] {
        self.quarters.last().map_or(&[], |q| {
            if league == League::Large {
                &q.large
            } else {
                &q.small
            }
        })
    }
}

/// Builds the history from published quarters, in any order.
pub fn history(published: &[(Quarter, Vec<LeagueTable>)]) -> History {
    let mut sorted: Vec<&(Quarter, Vec<LeagueTable>)> = published.iter().collect();
    sorted.sort_by_key(|p| p.0);
    let mut h = History::default();
    for (quarter, tables) in sorted {
        let leaders = |league: League| -> Vec<String> {
            tables
                .iter()
                .filter(|t| t.league == league)
                .flat_map(|t| {
                    t.rows
                        .iter()
                        .filter(|r| r.place == 1)
                        .map(|r| r.branch_id.clone())
                })
                .collect()
        };
        let (large, small) = (leaders(League::Large), leaders(League::Small));
        for b in large.iter().chain(small.iter()) {
            *h.times_led.entry(b.clone()).or_default() += 1;
        }
        for row in tables.iter().flat_map(|t| t.rows.iter()) {
            h.scores
                .entry(row.branch_id.clone())
                .or_default()
                .push((*quarter, row.score));
        }
        h.quarters.push(QuarterLeaders {
            quarter: *quarter,
            large,
            small,
        });
    }
    h
}
