//! Auditor severity: a linear many-facet model of the shares of points auditors give the
//! same units, score = unit-and-item effect − auditor severity + noise, fitted by
//! alternating least squares. Calibration keys are raters with severity 0 by definition;
//! without keys the auditors' severities are centred on zero, as the model fixes only
//! differences between them.

use std::collections::HashMap;

use super::{AuditorSeverity, Observation, Rater};

const ROUNDS: usize = 200;
const SETTLED: f64 = 1e-9;
/// The 95th percentile of the standard normal distribution: a two-sided 90% interval.
const Z90: f64 = 1.644_853_626_951_472_2;

/// Fits the model to `observations`; only (unit, item) cells with two raters or more say
/// anything about a rater, so only those count. Auditors in the answer are sorted by login.
pub fn severities(observations: &[Observation]) -> Vec<AuditorSeverity> {
    // Interned raters and cells, so the rounds loop over plain indices.
    let mut rater_at: HashMap<&Rater, usize> = HashMap::new();
    let mut cell_at: HashMap<(&str, &str), usize> = HashMap::new();
    let mut raters: Vec<&Rater> = Vec::new();
    let mut cells: Vec<(usize, usize, f64)> = Vec::new(); // (cell, rater, value)
    let mut cell_raters: Vec<u32> = Vec::new();
    for o in observations.iter().filter(|o| o.value.is_finite()) {
        let r = *rater_at.entry(&o.rater).or_insert_with(|| {
            raters.push(&o.rater);
            raters.len() - 1
        });
        let c = *cell_at
            .entry((o.unit.as_str(), o.item.as_str()))
            .or_insert_with(|| {
                cell_raters.push(0);
                cell_raters.len() - 1
            });
        cell_raters[c] += 1;
        cells.push((c, r, o.value * 100.0));
    }
    cells.retain(|(c, _, _)| cell_raters[*c] >= 2);
    let is_key: Vec<bool> = raters.iter().map(|r| **r == Rater::Key).collect();
    let anchored = cells.iter().any(|(_, r, _)| is_key[*r]);
    let mut severity = vec![0.0; raters.len()];
    let mut effect = vec![0.0; cell_raters.len()];
    let (mut sum_c, mut n_c) = (vec![0.0; effect.len()], vec![0.0; effect.len()]);
    let (mut sum_r, mut n_r) = (vec![0.0; raters.len()], vec![0.0; raters.len()]);
    for _ in 0..ROUNDS {
        sum_c
            .iter_mut()
            .chain(n_c.iter_mut())
            .for_each(|x| *x = 0.0);
        for &(c, r, v) in &cells {
            sum_c[c] += v + severity[r];
            n_c[c] += 1.0;
        }
        for c in 0..effect.len() {
            if n_c[c] > 0.0 {
                effect[c] = sum_c[c] / n_c[c];
            }
        }
        sum_r
            .iter_mut()
            .chain(n_r.iter_mut())
            .for_each(|x| *x = 0.0);
        for &(c, r, v) in &cells {
            sum_r[r] += effect[c] - v;
            n_r[r] += 1.0;
        }
        let mut moved: f64 = 0.0;
        let next: Vec<f64> = (0..raters.len())
            .map(|r| match () {
                _ if is_key[r] || n_r[r] == 0.0 => 0.0,
                _ => sum_r[r] / n_r[r],
            })
            .collect();
        let shift = if anchored {
            0.0
        } else {
            let auditors: Vec<f64> = (0..raters.len())
                .filter(|r| n_r[*r] > 0.0)
                .map(|r| next[r])
                .collect();
            auditors.iter().sum::<f64>() / auditors.len().max(1) as f64
        };
        for r in 0..raters.len() {
            let s = if is_key[r] { 0.0 } else { next[r] - shift };
            moved = moved.max((s - severity[r]).abs());
            severity[r] = s;
        }
        if moved < SETTLED {
            break;
        }
    }
    // The spread over units: each unit's mean deviation of the rater from the fitted
    // effects; the severity is (about) their mean, its standard error theirs.
    // A unit's effect is fitted from its own m raters, which leaves each deviation's noise
    // (m − 1)/m of its variance: scaled back by sqrt(m / (m − 1)) around the severity.
    let mut per_unit: HashMap<(usize, &str), (f64, f64, f64)> = HashMap::new();
    let unit_of: Vec<&str> = {
        let mut u = vec![""; cell_raters.len()];
        for ((unit, _), c) in &cell_at {
            u[*c] = unit;
        }
        u
    };
    for &(c, r, v) in &cells {
        let e = per_unit.entry((r, unit_of[c])).or_default();
        e.0 += effect[c] - v;
        e.1 += 1.0;
        e.2 += f64::from(cell_raters[c]);
    }
    let mut deviations: Vec<Vec<f64>> = vec![Vec::new(); raters.len()];
    for ((r, _), (sum, n, m)) in per_unit {
        let m = m / n;
        let scale = (m / (m - 1.0)).sqrt();
        deviations[r].push(severity[r] + (sum / n - severity[r]) * scale);
    }
    let mut out: Vec<AuditorSeverity> = raters
        .iter()
        .enumerate()
        .filter_map(|(r, rater)| match rater {
            Rater::Auditor(login) if n_r[r] > 0.0 => {
                let (low, high) = interval(severity[r], &deviations[r]).unzip();
                Some(AuditorSeverity {
                    login: login.clone(),
                    severity: severity[r],
                    low,
                    high,
                    units: deviations[r].len() as u32,
                    observations: n_r[r] as u32,
                })
            }
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.login.cmp(&b.login));
    out
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
