//! Krippendorff's alpha: how far the values observers gave the same units agree, beyond
//! what chance would give, with any number of observers and missing values. Computed from
//! the coincidence of values within units, as in Krippendorff's "Computing Krippendorff's
//! Alpha-Reliability" (2011): alpha = 1 − D_o / D_e, observed over expected disagreement.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How values are compared: the metric of the disagreement between two of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Categories: equal or not (yes/no, an option of a choice).
    Nominal,
    /// Ranks: values far apart in the data's own distribution disagree more (marks 1–5).
    Ordinal,
    /// Numbers: the squared difference (a measured waiting time).
    Interval,
}

/// Alpha of `units`, each the values observers gave one unit (missing values already left
/// out). Units with fewer than two values cannot be paired and do not count. `None` when
/// nothing can be paired or the values do not vary at all (0/0: alpha is undefined).
pub fn alpha(level: Level, units: &[Vec<f64>]) -> Option<f64> {
    let mut sums = Sums::new(level);
    for u in units {
        sums.add(u);
    }
    sums.alpha()
}

/// What alpha needs of the units seen so far, so units can be added one at a time (a
/// national quarter has a hundred thousand of them) and forgotten.
#[derive(Debug, Clone)]
pub struct Sums {
    level: Level,
    /// Units with two values or more.
    pub units: u32,
    /// Interval: Σ over units of Σ_{i≠j} (x_i − x_j)² / (m − 1), and n, Σx, Σx².
    observed: f64,
    n: f64,
    sum: f64,
    sum_sq: f64,
    /// Nominal and ordinal: the coincidence matrix of the distinct values (few: two
    /// answers, five marks, a handful of options).
    coincidences: BTreeMap<(Key, Key), f64>,
}

impl Sums {
    pub fn new(level: Level) -> Sums {
        Sums {
            level,
            units: 0,
            observed: 0.0,
            n: 0.0,
            sum: 0.0,
            sum_sq: 0.0,
            coincidences: BTreeMap::new(),
        }
    }

    /// Adds one unit's values; fewer than two, or any not finite, and it does not count.
    pub fn add(&mut self, values: &[f64]) {
        if values.len() < 2 || values.iter().any(|v| !v.is_finite()) {
            return;
        }
        self.units += 1;
        let m = values.len() as f64;
        match self.level {
            Level::Interval => {
                // Over the ordered pairs of m values, Σ (x_i − x_j)² = 2 (m Σx² − (Σx)²),
                // centred on the unit's first value so large numbers lose no precision.
                let c = values[0];
                let (s, s2) = values.iter().fold((0.0, 0.0), |(s, s2), v| {
                    (s + (v - c), s2 + (v - c) * (v - c))
                });
                self.observed += 2.0 * (m * s2 - s * s) / (m - 1.0);
                self.n += m;
                self.sum += values.iter().sum::<f64>();
                self.sum_sq += values.iter().map(|v| v * v).sum::<f64>();
            }
            Level::Nominal | Level::Ordinal => {
                let share = 1.0 / (m - 1.0);
                for (i, a) in values.iter().enumerate() {
                    for (j, b) in values.iter().enumerate() {
                        if i != j {
                            *self.coincidences.entry((Key(*a), Key(*b))).or_default() += share;
                        }
                    }
                }
            }
        }
    }

    /// Alpha of the units added; `None` when undefined.
    pub fn alpha(&self) -> Option<f64> {
        let (observed, expected) = match self.level {
            Level::Interval => {
                let n = self.n;
                if n < 2.0 {
                    return None;
                }
                let centred_sq = (self.sum_sq - self.sum * self.sum / n).max(0.0);
                (self.observed * (n - 1.0), 2.0 * n * centred_sq)
            }
            Level::Nominal | Level::Ordinal => self.categorical(),
        };
        // Rounding can leave a hair of "variation" in constant data: treat it as none.
        (expected > 1e-12).then(|| 1.0 - observed / expected)
    }

    /// (n − 1) Σ o_ck δ²_ck and Σ n_c n_k δ²_ck, whose ratio alpha subtracts from 1.
    fn categorical(&self) -> (f64, f64) {
        let values: Vec<Key> = {
            let mut v: Vec<Key> = self.coincidences.keys().map(|k| k.0).collect();
            v.dedup();
            v
        };
        let k = values.len();
        let at = |v: Key| values.binary_search(&v).unwrap_or(0);
        let mut o = vec![0.0; k * k];
        for ((a, b), w) in &self.coincidences {
            o[at(*a) * k + at(*b)] += w;
        }
        let n_c: Vec<f64> = (0..k).map(|c| (0..k).map(|d| o[c * k + d]).sum()).collect();
        let n: f64 = n_c.iter().sum();
        let delta = |c: usize, d: usize| -> f64 {
            match self.level {
                _ if c == d => 0.0,
                Level::Ordinal => {
                    let (a, b) = (c.min(d), c.max(d));
                    let between: f64 = n_c[a..=b].iter().sum::<f64>() - (n_c[a] + n_c[b]) / 2.0;
                    between * between
                }
                _ => 1.0,
            }
        };
        let (mut observed, mut expected) = (0.0, 0.0);
        for c in 0..k {
            for d in 0..k {
                let w = delta(c, d);
                observed += o[c * k + d] * w;
                expected += n_c[c] * n_c[d] * w;
            }
        }
        (observed * (n - 1.0), expected)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
    /// observers, twelve units, values 1–5, missing values as `None`.
    fn worked_example() -> Vec<Vec<f64>> {
        let n = None;
        let rows: [[Option<f64>; 12]; 4] = [
            [
                Some(1.),
                Some(2.),
                Some(3.),
                Some(3.),
                Some(2.),
                Some(1.),
                Some(4.),
                Some(1.),
                Some(2.),
                n,
                n,
                n,
            ],
            [
                Some(1.),
                Some(2.),
                Some(3.),
                Some(3.),
                Some(2.),
                Some(2.),
                Some(4.),
                Some(1.),
                Some(2.),
                Some(5.),
                n,
                Some(3.),
            ],
            [
                n,
                Some(3.),
                Some(3.),
                Some(3.),
                Some(2.),
                Some(3.),
                Some(4.),
                Some(2.),
                Some(2.),
                Some(5.),
                Some(1.),
                n,
            ],
            [
                Some(1.),
                Some(2.),
                Some(3.),
                Some(3.),
                Some(2.),
                Some(4.),
                Some(4.),
                Some(1.),
                Some(2.),
                Some(5.),
                Some(1.),
                n,
            ],
        ];
        (0..12)
            .map(|u| rows.iter().filter_map(|r| r[u]).collect())
            .collect()
    }

    fn near(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 0.0005)
    }

    #[test]
    fn reproduces_krippendorffs_worked_example() {
        let units = worked_example();
        assert!(
            near(alpha(Level::Nominal, &units), 0.743),
            "{:?}",
            alpha(Level::Nominal, &units)
        );
        assert!(
            near(alpha(Level::Ordinal, &units), 0.815),
            "{:?}",
            alpha(Level::Ordinal, &units)
        );
        assert!(
            near(alpha(Level::Interval, &units), 0.849),
            "{:?}",
            alpha(Level::Interval, &units)
        );
    }

    #[test]
    fn undefined_without_pairs_or_variation() {
        assert_eq!(alpha(Level::Nominal, &[vec![1.0]]), None);
        assert_eq!(
            alpha(Level::Interval, &[vec![2.0, 2.0], vec![2.0, 2.0]]),
            None
        );
    }

    #[test]
    fn systematic_disagreement_is_below_zero() {
        let units = vec![
            vec![0.0, 1.0],
            vec![1.0, 0.0],
            vec![0.0, 1.0],
            vec![1.0, 0.0],
        ];
        for level in [Level::Nominal, Level::Ordinal, Level::Interval] {
            assert!(alpha(level, &units).is_some_and(|a| a < 0.0), "{level:?}");
        }
    }
}
