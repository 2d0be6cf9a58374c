//! Descriptive statistics of one run's samples.

use serde::Serialize;

/// Location and spread of a set of times, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub median: f64,
    /// Sample standard deviation (n − 1 in the denominator); 0 for a single value.
    pub stddev: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// `None` for an empty set. Non-finite values are ignored.
    pub fn of(values: &[f64]) -> Option<Summary> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        let stddev =
            if n > 1 { (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
        Some(Summary { n, mean, median, stddev, min: v[0], max: v[n - 1] })
    }
}

/// Speedup of `candidate` over `baseline` as the ratio of medians: above 1 means faster.
pub fn speedup(baseline: &Summary, candidate: &Summary) -> Option<f64> {
    (candidate.median > 0.0).then(|| baseline.median / candidate.median)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_values() {
        let s = Summary::of(&[3.0, 1.0, 2.0, 4.0]).unwrap();
        assert_eq!((s.n, s.median, s.min, s.max, s.mean), (4, 2.5, 1.0, 4.0, 2.5));
        // Sample standard deviation of 1..4: sqrt(5/3).
        assert!((s.stddev - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(Summary::of(&[7.0]).unwrap().stddev, 0.0);
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[f64::NAN]).is_none());
    }

    #[test]
    fn speedup_is_baseline_over_candidate() {
        let base = Summary::of(&[10.0]).unwrap();
        let fast = Summary::of(&[4.0]).unwrap();
        assert_eq!(speedup(&base, &fast), Some(2.5));
    }
}
