//! How sure a place is. Places 2 and 3 can differ by one visit's worth of noise, so each
//! rated branch gets a 90% interval of places by bootstrap over its approved visits.
//!
//! A resample draws every branch's approved visits again with replacement (as many as it
//! has), keeps its KPI figures, recomputes the mystery-shopper index and the methodology's
//! total at the published precision, and places the league again under the same tie rule.
//! The interval runs from the 5th to the 95th percentile of the branch's places over the
//! resamples. The random stream is ChaCha8 seeded from the quarter and the league, so the
//! same data give the same intervals on every machine and in every run: a published
//! interval can be recomputed by anyone who holds the quarter's scores.
//!
//! Cost: the visits' scores are read once into one array; a resample is half a 64-bit
//! random draw and one addition per visit, then one sort of the league's totals.

use std::collections::HashMap;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{BranchQuarter, League, LeagueTable, Measure, Methodology, Quarter, rate};

/// Resamples per league, enough for the 5th and 95th percentiles to settle.
pub const RESAMPLES: u32 = 1_000;
/// The interval's percentiles: a 90% interval.
const LOWER: f64 = 0.05;
const UPPER: f64 = 0.95;

/// The places a branch took in 90% of the resampled quarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceInterval {
    /// The best place of the interval (the 5th percentile; 1 is first).
    pub low: u32,
    /// The worst place of the interval (the 95th percentile).
    pub high: u32,
    /// The interval reaches first place although the branch is not placed first: the
    /// visits cannot tell it from the leader.
    pub not_separable_from_leader: bool,
}

/// Rates the quarter (`rate`) and gives every rated branch its place interval from
/// `RESAMPLES` resamples.
pub fn rate_with_intervals(
    methodology: &Methodology,
    quarter: Quarter,
    branches: &[BranchQuarter],
) -> Vec<LeagueTable> {
    let mut tables = rate(methodology, branches);
    place_intervals(methodology, quarter, branches, &mut tables, RESAMPLES);
    tables
}

/// Sets the interval of every rated row of `tables` (as `rate` made them from `branches`)
/// from `resamples` bootstrap resamples; none at all leaves them unset.
pub fn place_intervals(
    methodology: &Methodology,
    quarter: Quarter,
    branches: &[BranchQuarter],
    tables: &mut [LeagueTable],
    resamples: u32,
) {
    if resamples == 0 {
        return;
    }
    let by_id: HashMap<&str, &BranchQuarter> =
        branches.iter().map(|b| (b.branch.id.as_str(), b)).collect();
    let total_weight: f64 = methodology.criteria.iter().map(|c| c.weight).sum();
    let audits: Vec<&str> = methodology
        .criteria
        .iter()
        .filter(|c| c.measure == Measure::Audits)
        .map(|c| c.id.as_str())
        .collect();
    // Every audit criterion scores the same mean; together they weigh this share.
    let audit_share = if total_weight > 0.0 {
        methodology
            .criteria
            .iter()
            .filter(|c| c.measure == Measure::Audits)
            .map(|c| c.weight)
            .sum::<f64>()
            / total_weight
    } else {
        0.0
    };
    for table in tables.iter_mut() {
        let mut league = LeagueSample {
            fixed: Vec::with_capacity(table.rows.len()),
            starts: vec![0],
            scores: Vec::new(),
            audit_share,
        };
        for row in &table.rows {
            league.fixed.push(
                row.criteria
                    .iter()
                    .filter(|c| !audits.contains(&c.criterion_id.as_str()))
                    .map(|c| c.points)
                    .sum(),
            );
            if let Some(b) = by_id.get(row.branch_id.as_str()) {
                league.scores.extend(b.visits.iter().map(|v| v.1));
            }
            league.starts.push(league.scores.len());
        }
        let places = league.places(methodology, seed(quarter, table.league), resamples);
        for (row, mut own) in table.rows.iter_mut().zip(places) {
            let (low, high) = (percentile(&mut own, LOWER), percentile(&mut own, UPPER));
            // The printed place always lies inside its interval: under a tie rule that
            // shares places, resamples split ties the published table keeps, and "3 (4–6)"
            // would read as a contradiction to anyone deciding a cup by it.
            let (low, high) = (low.min(row.place), high.max(row.place));
            row.interval = Some(PlaceInterval {
                low,
                high,
                not_separable_from_leader: low == 1 && row.place > 1,
            });
        }
    }
}

/// One league's rated branches, in the table's order, ready to resample.
struct LeagueSample {
    /// The points of the criteria that stay fixed (the KPIs).
    fixed: Vec<f64>,
    /// Branch `i`'s visit scores are `scores[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    scores: Vec<f64>,
    /// The share of the total the mystery-shopper index weighs.
    audit_share: f64,
}

impl LeagueSample {
    /// Each branch's places over `resamples` resampled quarters, drawn in [`STREAMS`]
    /// streams of their own seeds, side by side where the machine has the cores.
    fn places(&self, methodology: &Methodology, seed: u64, resamples: u32) -> Vec<Vec<u32>> {
        let streams: Vec<(u64, u32)> = (0..STREAMS)
            .map(|s| {
                let count = resamples / STREAMS + u32::from(s < resamples % STREAMS);
                (seed ^ (u64::from(s) << 48), count)
            })
            .collect();
        let parts = run_streams(&streams, |seed, count| {
            self.stream(methodology, seed, count)
        });
        let mut places = vec![Vec::with_capacity(resamples as usize); self.fixed.len()];
        for part in parts {
            for (all, some) in places.iter_mut().zip(part) {
                all.extend(some);
            }
        }
        places
    }

    /// Each branch's places over `resamples` quarters drawn from one stream.
    fn stream(&self, methodology: &Methodology, seed: u64, resamples: u32) -> Vec<Vec<u32>> {
        let n = self.fixed.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut places = vec![Vec::with_capacity(resamples as usize); n];
        let mut order: Vec<(f64, usize)> = Vec::with_capacity(n);
        for _ in 0..resamples {
            order.clear();
            for i in 0..n {
                let own = &self.scores[self.starts[i]..self.starts[i + 1]];
                let mut sum = 0.0;
                // Two draws from each 64 random bits: the national quarter makes 200
                // million draws, and the generator is most of their cost.
                let mut left = own.len();
                while left > 0 {
                    let bits = rng.next_u64();
                    sum += own[index(bits as u32, own.len())];
                    if left > 1 {
                        sum += own[index((bits >> 32) as u32, own.len())];
                    }
                    left = left.saturating_sub(2);
                }
                // As `rate` scores the index: the mean, 0 with no visits, within 0-100.
                let mean = (sum / own.len().max(1) as f64).clamp(0.0, 100.0);
                let total = methodology.round(self.fixed[i] + self.audit_share * mean);
                order.push((total, i));
            }
            order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
            let placed = methodology.tie_rule.places(order.iter().map(|o| o.0));
            for (place, &(_, i)) in placed.zip(order.iter()) {
                places[i].push(place);
            }
        }
        places
    }
}

/// The resamples of a league are drawn in this many streams, each from its own seed: the
/// streams, not the machine's cores, fix the result, so it is the same everywhere.
const STREAMS: u32 = 4;

/// `draw(seed, count)` of every stream, in their order: on threads of their own (a
/// national quarter draws 200 million visits), or one after another in the browser,
/// which has no threads.
fn run_streams<T: Send>(streams: &[(u64, u32)], draw: impl Fn(u64, u32) -> T + Sync) -> Vec<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::scope(|scope| {
            let draw = &draw;
            let running: Vec<_> = streams
                .iter()
                .map(|&(seed, count)| scope.spawn(move || draw(seed, count)))
                .collect();
            running
                .into_iter()
                .map(|t| {
                    t.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        streams
            .iter()
            .map(|&(seed, count)| draw(seed, count))
            .collect()
    }
}

/// An index below `len` from 32 random bits (Lemire's multiply-shift): its bias, under
/// `len` / 2^32, is far below the bootstrap's own noise, and it needs no second draw.
fn index(bits: u32, len: usize) -> usize {
    ((u64::from(bits) * len as u64) >> 32) as usize
}

/// The seed of a league's stream in a quarter, written out rather than hashed, so that it
/// never depends on a hasher's version.
fn seed(quarter: Quarter, league: League) -> u64 {
    let league = match league {
        League::Large => 0,
        League::Small => 1,
    };
    (u64::from(quarter.year.unsigned_abs()) << 16) | (u64::from(quarter.q) << 8) | league
}

/// The nearest-rank percentile `p` of `places` (reordered in the process).
fn percentile(places: &mut [u32], p: f64) -> u32 {
    if places.is_empty() {
        return 0;
    }
    let rank = ((p * places.len() as f64).ceil() as usize).clamp(1, places.len());
    *places.select_nth_unstable(rank - 1).1
}
