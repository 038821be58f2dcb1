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
    let units: Vec<&Vec<f64>> = units
        .iter()
        .filter(|u| u.len() >= 2 && u.iter().all(|v| v.is_finite()))
        .collect();
    if units.is_empty() {
        return None;
    }
    let (observed, expected) = match level {
        Level::Interval => interval(&units),
        Level::Nominal | Level::Ordinal => categorical(level, &units),
    };
    (expected > 0.0).then(|| 1.0 - observed / expected)
}

/// Interval data in closed form, O(values): over the ordered pairs of a set of m values,
/// Σ (x_i − x_j)² = 2 (m Σx² − (Σx)²). Returns (D_o, D_e) both scaled by n.
fn interval(units: &[&Vec<f64>]) -> (f64, f64) {
    let pairs_sq = |m: f64, sum: f64, sum_sq: f64| 2.0 * (m * sum_sq - sum * sum);
    let (mut observed, mut n, mut sum, mut sum_sq) = (0.0, 0.0, 0.0, 0.0);
    for u in units {
        // Centred on the unit's first value, so large numbers lose no precision.
        let m = u.len() as f64;
        let c = u[0];
        let (s, s2) = u.iter().fold((0.0, 0.0), |(s, s2), v| {
            (s + (v - c), s2 + (v - c) * (v - c))
        });
        observed += pairs_sq(m, s, s2) / (m - 1.0);
        n += m;
        sum += u.iter().sum::<f64>();
        sum_sq += u.iter().map(|v| v * v).sum::<f64>();
    }
    let mean = sum / n;
    let centred_sq = sum_sq - n * mean * mean;
    let expected = 2.0 * n * centred_sq.max(0.0) / (n - 1.0);
    (observed, expected)
}

/// Nominal and ordinal data through the coincidence matrix of the distinct values (few:
/// two answers, five marks, a handful of options).
fn categorical(level: Level, units: &[&Vec<f64>]) -> (f64, f64) {
    // Values as ordered keys: total order on finite f64 via their bits' order.
    let mut index: BTreeMap<Key, usize> = BTreeMap::new();
    for v in units.iter().flat_map(|u| u.iter()) {
        index.entry(Key(*v)).or_insert(0);
    }
    for (i, slot) in index.values_mut().enumerate() {
        *slot = i;
    }
    let k = index.len();
    let mut o = vec![0.0; k * k];
    let mut counts = vec![0.0; k];
    for u in units {
        counts.iter_mut().for_each(|c| *c = 0.0);
        for v in u.iter() {
            counts[index[&Key(*v)]] += 1.0;
        }
        let share = 1.0 / (u.len() as f64 - 1.0);
        for c in 0..k {
            if counts[c] == 0.0 {
                continue;
            }
            for d in 0..k {
                let pairs = if c == d {
                    counts[c] * (counts[c] - 1.0)
                } else {
                    counts[c] * counts[d]
                };
                o[c * k + d] += pairs * share;
            }
        }
    }
    let n_c: Vec<f64> = (0..k).map(|c| (0..k).map(|d| o[c * k + d]).sum()).collect();
    let n: f64 = n_c.iter().sum();
    let delta = |c: usize, d: usize| -> f64 {
        match level {
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
    // alpha = 1 − (n − 1) Σ o δ / Σ n_c n_d δ: scale both alike.
    (observed * (n - 1.0), expected)
}

#[derive(Clone, Copy, PartialEq)]
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
