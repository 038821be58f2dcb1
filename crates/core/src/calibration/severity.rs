//! Auditor severity: a linear many-facet model of the shares of points auditors give the
//! same units, score = unit-and-item effect − auditor severity + noise, fitted by
//! alternating least squares. Calibration keys are raters with severity 0 by definition;
//! without keys the auditors' severities are centred on zero, as the model fixes only
//! differences between them.
//!
//! The effects need not be kept: with them eliminated, a round of alternating least
//! squares is s_r ← (b_r + Σ_r' w_rr' s_r') / n_r, where n_r counts r's observations in
//! cells (unit, item) of two or more, b_r sums r's deviations below the cells' means and
//! w_rr' sums 1/|cell| over the pairs of observations of r and r' sharing a cell. Units
//! are added one at a time and forgotten but for these sums, per rater and per unit.

use std::collections::HashMap;
use std::sync::Arc;

use super::{AuditorSeverity, Cell, Observation, Rater};

const ROUNDS: usize = 10_000;
const SETTLED: f64 = 1e-9;
/// The 95th percentile of the standard normal distribution: a two-sided 90% interval.
const Z90: f64 = 1.644_853_626_951_472_2;

/// One rater's part in one unit.
#[derive(Debug, Clone)]
struct InUnit {
    rater: usize,
    /// Σ of the cells' means minus the rater's values, their count, and Σ of the cells'
    /// sizes (for the unit's share of the noise its own effect absorbs).
    below: f64,
    n: f64,
    sizes: f64,
    partners: Vec<(usize, f64)>,
}

/// The sums severity is fitted from; see the module's note.
#[derive(Debug, Clone, Default)]
pub struct SeveritySums {
    rater_at: HashMap<Rater, usize>,
    raters: Vec<Rater>,
    /// Item names numbered for [`SeveritySums::add_unit`]'s cells.
    item_at: HashMap<Arc<str>, u32>,
    n: Vec<f64>,
    below: Vec<f64>,
    weights: HashMap<(usize, usize), f64>,
    units: Vec<InUnit>,
}

impl SeveritySums {
    /// The number of `rater` in the cells.
    pub fn rater(&mut self, r: &Rater) -> u32 {
        if let Some(i) = self.rater_at.get(r) {
            return *i as u32;
        }
        self.raters.push(r.clone());
        self.n.push(0.0);
        self.below.push(0.0);
        self.rater_at.insert(r.clone(), self.raters.len() - 1);
        (self.raters.len() - 1) as u32
    }

    /// Whether the rater numbered `r` is a case's key.
    pub(super) fn is_key(&self, r: u32) -> bool {
        self.raters.get(r as usize) == Some(&Rater::Key)
    }

    /// Adds the observations of one unit (any order; items of one observation only).
    pub fn add_unit(&mut self, observations: &[Observation]) {
        let mut cells: Vec<Cell> = Vec::with_capacity(observations.len());
        for o in observations {
            let next = self.item_at.len() as u32;
            let item = *self.item_at.entry(o.item.clone()).or_insert(next);
            cells.push(Cell {
                item,
                rater: self.rater(&o.rater),
                value: o.value,
                answer: o.answer,
            });
        }
        cells.sort_by_key(|c| c.item);
        self.add_cells(&cells);
    }

    /// Adds one unit's cells, each item's together (numbered by the caller, raters by
    /// [`SeveritySums::rater`]): numbers, so a national quarter's millions of answers
    /// are grouped and matched without comparing or hashing a name.
    pub fn add_cells(&mut self, cells: &[Cell]) {
        let mut here: Vec<InUnit> = Vec::new();
        let mut raters: Vec<usize> = Vec::new();
        let measured = |c: &&Cell| c.value.is_finite();
        for cell in cells.chunk_by(|a, b| a.item == b.item) {
            raters.clear();
            raters.extend(cell.iter().filter(measured).map(|c| c.rater as usize));
            if raters.len() < 2 {
                continue;
            }
            let m = raters.len() as f64;
            let mean = cell
                .iter()
                .filter(measured)
                .map(|c| c.value * 100.0)
                .sum::<f64>()
                / m;
            for (c, &r) in cell.iter().filter(measured).zip(&raters) {
                let below = mean - c.value * 100.0;
                self.n[r] += 1.0;
                self.below[r] += below;
                let at = match here.iter().position(|u| u.rater == r) {
                    Some(at) => at,
                    None => {
                        here.push(InUnit {
                            rater: r,
                            below: 0.0,
                            n: 0.0,
                            sizes: 0.0,
                            partners: Vec::new(),
                        });
                        here.len() - 1
                    }
                };
                let u = &mut here[at];
                u.below += below;
                u.n += 1.0;
                u.sizes += m;
                for &p in &raters {
                    match u.partners.iter_mut().find(|x| x.0 == p) {
                        Some(x) => x.1 += 1.0 / m,
                        None => u.partners.push((p, 1.0 / m)),
                    }
                }
            }
        }
        // The unit's pairs summed over its cells, then added once: the weights are sums
        // over all units of exactly these.
        for u in &here {
            for &(p, w) in &u.partners {
                *self.weights.entry((u.rater, p)).or_default() += w;
            }
        }
        self.units.extend(here);
    }

    /// The auditors' severities, sorted by login.
    pub fn finish(self) -> Vec<AuditorSeverity> {
        let k = self.raters.len();
        let is_key: Vec<bool> = self.raters.iter().map(|r| *r == Rater::Key).collect();
        let anchored = (0..k).any(|r| is_key[r] && self.n[r] > 0.0);
        let weights: Vec<(usize, usize, f64)> = self
            .weights
            .iter()
            .map(|((r, p), w)| (*r, *p, *w))
            .collect();
        let mut severity = vec![0.0; k];
        let mut next = vec![0.0; k];
        for _ in 0..ROUNDS {
            next.copy_from_slice(&self.below);
            for &(r, p, w) in &weights {
                next[r] += w * severity[p];
            }
            for r in 0..k {
                next[r] = if is_key[r] || self.n[r] == 0.0 {
                    0.0
                } else {
                    next[r] / self.n[r]
                };
            }
            if !anchored {
                let active: Vec<usize> = (0..k).filter(|r| self.n[*r] > 0.0).collect();
                let mean =
                    active.iter().map(|r| next[*r]).sum::<f64>() / active.len().max(1) as f64;
                active.iter().for_each(|r| next[*r] -= mean);
            }
            let moved = (0..k)
                .map(|r| (next[r] - severity[r]).abs())
                .fold(0.0, f64::max);
            std::mem::swap(&mut severity, &mut next);
            if moved < SETTLED {
                break;
            }
        }
        // Each unit's mean deviation of the rater from the fitted effects: the severity is
        // their mean, its standard error theirs. A unit's effect is fitted from its own m
        // raters, which leaves each deviation (m − 1)/m of the noise's variance: scaled
        // back by sqrt(m / (m − 1)) around the severity.
        let mut deviations: Vec<Vec<f64>> = vec![Vec::new(); k];
        for u in &self.units {
            let shared: f64 = u.partners.iter().map(|(p, w)| w * severity[*p]).sum();
            let e = (u.below + shared) / u.n;
            let m = u.sizes / u.n;
            let s = severity[u.rater];
            deviations[u.rater].push(s + (e - s) * (m / (m - 1.0)).sqrt());
        }
        let mut out: Vec<AuditorSeverity> = self
            .raters
            .iter()
            .enumerate()
            .filter_map(|(r, rater)| match rater {
                Rater::Auditor(login) if self.n[r] > 0.0 => {
                    let (low, high) = interval(severity[r], &deviations[r]).unzip();
                    Some(AuditorSeverity {
                        login: login.to_string(),
                        severity: severity[r],
                        low,
                        high,
                        units: deviations[r].len() as u32,
                        observations: self.n[r] as u32,
                    })
                }
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.login.cmp(&b.login));
        out
    }
}

/// Fits the model to `observations` of any units, in any order.
pub fn severities(observations: &[Observation]) -> Vec<AuditorSeverity> {
    let mut sums = SeveritySums::default();
    for unit in by_unit(observations) {
        sums.add_unit(&unit);
    }
    sums.finish()
}

/// The observations grouped by unit.
pub(super) fn by_unit(observations: &[Observation]) -> Vec<Vec<Observation>> {
    let mut units: HashMap<&Arc<str>, Vec<Observation>> = HashMap::new();
    let mut order: Vec<&Arc<str>> = Vec::new();
    for o in observations {
        units
            .entry(&o.unit)
            .or_insert_with(|| {
                order.push(&o.unit);
                Vec::new()
            })
            .push(o.clone());
    }
    order.into_iter().filter_map(|u| units.remove(u)).collect()
}

fn interval(center: f64, deviations: &[f64]) -> Option<(f64, f64)> {
    let n = deviations.len() as f64;
    if deviations.len() < 2 {
        return None;
    }
    let mean = deviations.iter().sum::<f64>() / n;
    let var = deviations
        .iter()
        .map(|d| (d - mean) * (d - mean))
        .sum::<f64>()
        / (n - 1.0);
    let half = Z90 * (var / n).sqrt();
    Some((center - half, center + half))
}
