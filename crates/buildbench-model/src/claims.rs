//! Verdicts on claimed speedups ("mold links 2-5x faster"): does the measured interval support
//! the claimed range?

use serde::Serialize;

use crate::stats::Comparison;

/// The outcome of checking a claim against a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The whole 95% interval of the speedup is at or above the claimed minimum.
    Holds,
    /// The whole interval is below the claimed minimum.
    DoesNotHold,
    /// The interval straddles the claimed minimum, or there are too few samples for one.
    Inconclusive,
    /// The configurations the claim compares were not measured.
    NotMeasured,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NotMeasured => "not measured",
        }
    }
}

/// Checks "at least `low`x faster (and up to `high`x)" against a comparison.
///
/// Only the lower end of a claim decides: a speedup above the claimed range still supports the
/// claim (the text then says it exceeded it). The point estimate alone never decides: the
/// 95% interval must clear the threshold.
pub fn check(comparison: Option<&Comparison>, low: f64) -> Verdict {
    let Some(c) = comparison else { return Verdict::NotMeasured };
    match c.ci95 {
        Some((lo, _)) if lo >= low => Verdict::Holds,
        Some((_, hi)) if hi < low => Verdict::DoesNotHold,
        _ => Verdict::Inconclusive,
    }
}

/// `holds (2-5x): measured 2.8x [2.5x, 3.1x]`, with a note when the speedup exceeds the range.
pub fn describe(verdict: Verdict, comparison: Option<&Comparison>, low: f64, high: Option<f64>) -> String {
    let range = match high {
        Some(h) => format!("{low}-{h}x"),
        None => format!(">= {low}x"),
    };
    let measured = match comparison {
        Some(c) => match c.ci95 {
            Some((l, h)) => format!("measured {:.2}x [{l:.2}x, {h:.2}x]", c.speedup),
            None => format!("measured {:.2}x (no interval: too few samples)", c.speedup),
        },
        None => "not measured".to_owned(),
    };
    let above = match (verdict, high, comparison.and_then(|c| c.ci95)) {
        (Verdict::Holds, Some(h), Some((l, _))) if l > h => ", even faster than claimed",
        _ => "",
    };
    format!("{} ({range}): {measured}{above}", verdict.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(speedup: f64, ci: Option<(f64, f64)>) -> Comparison {
        Comparison { speedup, ci95: ci, p_value: Some(0.01), significant: true }
    }

    #[test]
    fn the_interval_decides() {
        assert_eq!(check(Some(&c(3.0, Some((2.5, 3.5)))), 2.0), Verdict::Holds);
        assert_eq!(check(Some(&c(1.1, Some((1.0, 1.2)))), 2.0), Verdict::DoesNotHold);
        assert_eq!(check(Some(&c(2.1, Some((1.8, 2.4)))), 2.0), Verdict::Inconclusive);
        assert_eq!(check(Some(&c(3.0, None)), 2.0), Verdict::Inconclusive);
        assert_eq!(check(None, 2.0), Verdict::NotMeasured);
        assert_eq!(
            describe(Verdict::Holds, Some(&c(8.0, Some((6.0, 9.0)))), 2.0, Some(5.0)),
            "holds (2-5x): measured 8.00x [6.00x, 9.00x], even faster than claimed"
        );
    }
}
