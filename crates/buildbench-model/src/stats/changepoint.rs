//! Change points in a series of build times (one point per commit): where the series shifted,
//! found with PELT (Killick, Fearnhead and Eckley, JASA 2012) on the log of each point, for a
//! change in mean with a penalty per change point.
//!
//! Why PELT and these settings (docs/history.md has the measured error rates):
//! - The cost of a segment is its sum of squared deviations from its mean (a normal change in
//!   mean, on logs so a +10% step is the same size at 1 s and at 100 s).
//! - The noise σ is estimated robustly from the series itself: the median absolute difference
//!   of consecutive points / (0.6745·√2), which a few steps and outliers barely move.
//! - The penalty per change point is `penalty · σ² · ln n` (a BIC-type penalty; `penalty` = 4
//!   by default, chosen by the simulation so that stationary series of 100 points at 3% noise
//!   show a false change point in under 5% of series).
//! - Segments have at least `min_size` points (2), so a single outlier is not a change point.
//! - Each change point reported carries the ratio of the means on either side and Welch's test
//!   of the two neighbouring segments; the CI gate uses those.
//!
//! PELT is exact for this cost and penalty (it finds the optimal segmentation) and runs in
//! about linear time when change points are spread out, so 1,000 points take well under the
//! 100 ms budget (benches/).

use serde::Serialize;

/// One change point: the series shifted at `index` (the first point of the new segment).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangePoint {
    /// Index of the first point after the change.
    pub index: usize,
    /// Mean after / mean before (geometric, from the log means of the two segments): 1.10 is
    /// 10% slower.
    pub ratio: f64,
    /// Two-sided p-value of Welch's t-test between the two segments (on logs).
    pub p_value: Option<f64>,
}

/// Settings of the detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Penalty per change point, in units of σ²·ln n.
    pub penalty: f64,
    /// Fewest points in a segment.
    pub min_size: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { penalty: 4.0, min_size: 2 }
    }
}

/// The robust noise estimate of a series of logs: MAD of consecutive differences / (0.6745·√2).
pub fn noise(logs: &[f64]) -> Option<f64> {
    let mut diffs: Vec<f64> = logs.windows(2).filter_map(|w| Some((w.get(1)? - w.first()?).abs())).collect();
    if diffs.is_empty() {
        return None;
    }
    diffs.sort_by(f64::total_cmp);
    let median = crate::stats::median(diffs.iter().copied())?;
    Some(median / (0.6745 * std::f64::consts::SQRT_2))
}

/// The change points of `values` (positive times, in series order), first to last.
pub fn detect(values: &[f64], settings: &Settings) -> Vec<ChangePoint> {
    let logs: Vec<f64> = values.iter().filter(|v| v.is_finite() && **v > 0.0).map(|v| v.ln()).collect();
    let n = logs.len();
    let min = settings.min_size.max(1);
    if n < 2 * min {
        return Vec::new();
    }
    // A floor for σ: a series of identical values (a rounded clock) has none.
    let sigma = noise(&logs).unwrap_or(0.0).max(1e-4);
    let beta = settings.penalty * sigma * sigma * (n as f64).ln();
    // Prefix sums for O(1) segment costs.
    let mut s1 = vec![0.0; n + 1];
    let mut s2 = vec![0.0; n + 1];
    for (i, x) in logs.iter().enumerate() {
        if let (Some(&a), Some(&b)) = (s1.get(i), s2.get(i)) {
            if let Some(slot) = s1.get_mut(i + 1) {
                *slot = a + x;
            }
            if let Some(slot) = s2.get_mut(i + 1) {
                *slot = b + x * x;
            }
        }
    }
    let cost = |a: usize, b: usize| -> f64 {
        // Sum of squared deviations of logs[a..b] from their mean.
        let (Some(&sa), Some(&sb), Some(&qa), Some(&qb)) = (s1.get(a), s1.get(b), s2.get(a), s2.get(b)) else {
            return f64::INFINITY;
        };
        let len = (b - a) as f64;
        let sum = sb - sa;
        ((qb - qa) - sum * sum / len).max(0.0)
    };
    // f[t]: the optimal cost of logs[..t]; last[t]: where its last segment starts.
    let mut f = vec![f64::INFINITY; n + 1];
    let mut last = vec![0usize; n + 1];
    if let Some(first) = f.get_mut(0) {
        *first = -beta;
    }
    let mut candidates: Vec<usize> = vec![0];
    for t in min..=n {
        // Segment starts that leave at least `min` points before t.
        let mut best = (f64::INFINITY, 0usize);
        for &s in candidates.iter().filter(|&&s| t - s >= min) {
            let value = f.get(s).copied().unwrap_or(f64::INFINITY) + cost(s, t) + beta;
            if value < best.0 {
                best = (value, s);
            }
        }
        if let Some(slot) = f.get_mut(t) {
            *slot = best.0;
        }
        if let Some(slot) = last.get_mut(t) {
            *slot = best.1;
        }
        // PELT pruning: a start that cannot beat the best now never will.
        let ft = best.0;
        candidates.retain(|&s| t - s < min || f.get(s).copied().unwrap_or(f64::INFINITY) + cost(s, t) <= ft);
        if t + 1 >= min {
            candidates.push(t + 1 - min);
        }
        candidates.sort_unstable();
        candidates.dedup();
    }
    // Walk back the segment starts.
    let mut starts = Vec::new();
    let mut t = n;
    while t > 0 {
        let s = last.get(t).copied().unwrap_or(0);
        if s == 0 || s >= t {
            break;
        }
        starts.push(s);
        t = s;
    }
    starts.reverse();
    let mut bounds = vec![0];
    bounds.extend(starts.iter().copied());
    bounds.push(n);
    starts
        .iter()
        .enumerate()
        .filter_map(|(k, &index)| {
            let before = logs.get(*bounds.get(k)?..index)?;
            let after = logs.get(index..*bounds.get(k + 2)?)?;
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let ratio = (mean(after) - mean(before)).exp();
            let p_value = crate::stats::compare(before, after, 0.0).and_then(|c| c.p_value);
            Some(ChangePoint { index, ratio, p_value })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::simulation::Rng;

    #[test]
    fn a_step_is_found_where_it_is() {
        let mut values = vec![10.0; 30];
        values.extend(vec![11.0; 30]);
        let mut rng = Rng::new(1);
        let noisy: Vec<f64> = values.iter().map(|v| v * (1.0 + rng.normal(0.0, 0.01))).collect();
        let found = detect(&noisy, &Settings::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].index, 30);
        assert!((found[0].ratio - 1.1).abs() < 0.02);
        assert!(found[0].p_value.is_some_and(|p| p < 0.001));
        assert!(detect(&[1.0, 2.0], &Settings::default()).is_empty());
        assert!(detect(&vec![5.0; 50], &Settings::default()).is_empty(), "constant");
    }

    /// (found within ±2 of commit 60, series without a false change point) over `reps` series.
    fn rates(reps: usize, seed: u64) -> (f64, f64) {
        let mut rng = Rng::new(seed);
        let (mut found, mut quiet) = (0, 0);
        for _ in 0..reps {
            let step: Vec<f64> =
                (0..100).map(|i| if i < 60 { 10.0 } else { 11.0 } * (1.0 + rng.normal(0.0, 0.03))).collect();
            let points = detect(&step, &Settings::default());
            if points.iter().any(|c| c.index.abs_diff(60) <= 2) {
                found += 1;
            }
            let flat: Vec<f64> = (0..100).map(|_| 10.0 * (1.0 + rng.normal(0.0, 0.03))).collect();
            if detect(&flat, &Settings::default()).is_empty() {
                quiet += 1;
            }
        }
        (found as f64 / reps as f64, quiet as f64 / reps as f64)
    }

    #[test]
    fn a_ten_percent_step_at_three_percent_noise_is_found_and_flat_series_stay_quiet() {
        let (found, quiet) = rates(2000, 0x5eed_0010);
        eprintln!("step found within ±2: {found:.4}; stationary without a change point: {quiet:.4}");
        assert!(found >= 0.95, "found {found}");
        assert!(quiet >= 0.95, "quiet {quiet}");
    }
}
