//! What a comparison of two studies (`diff`, `history gate`) cannot tell, decided in one place
//! for both: the difference between their runners and times, which every output states, and
//! slowdowns smaller than its samples can catch, which make a cell "underpowered" instead of
//! letting it pass in silence. The report crate renders these values.

use serde::Serialize;

use crate::stats::blocks::Groups;
use crate::stats::power::{Power, log_noise, power};
use crate::stats::{Comparison, WALL_RESOLUTION};

/// Fewer samples than this on a side make a cell underpowered: two samples a side estimate each
/// spread on one degree of freedom, and Welch's test on at most two (t = 4.3 at 95%, far more
/// after Holm's correction) let a 46% slowdown pass.
pub const MIN_RUNS: u32 = 3;

/// A cell is underpowered when the smallest slowdown it would catch at 80% is more than this
/// many times the threshold.
pub const DETECTABLE_FACTOR: f64 = 2.0;

/// The sentence every cross-study output carries: what its differences include, and the gate
/// that does not have that problem.
pub fn note(threshold: f64) -> String {
    format!(
        "the differences include the difference between the runners and times of the studies compared, not only the code's; for pull requests, measure both revisions on one runner: `buildbench compare PATH --rev BASE,HEAD --gate {}`",
        percent(threshold)
    )
}

/// Why a cell cannot be trusted to catch a slowdown of the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Underpowered {
    /// In words: too few samples, or the smallest slowdown it would catch.
    pub reason: String,
    /// Samples per side that would catch a slowdown of the threshold 80% of the time (at least
    /// `MIN_RUNS`); `None` without a noise estimate or beyond `power::MAX_RUNS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_needed: Option<u32>,
}

/// What one cell's comparison could detect, and whether that is too little.
#[derive(Debug, Clone, PartialEq)]
pub struct CellPower {
    /// The power at the noise both sides measured; `None` without a noise estimate (no block
    /// with two samples).
    pub power: Option<Power>,
    /// Set when the cell cannot be trusted to catch a slowdown of the threshold.
    pub underpowered: Option<Underpowered>,
}

/// The confidence of one decision in a family of `m` decided with Holm's method, in its worst
/// case (the first step, p < α/m): what a slowdown has to clear to be called a regression.
pub fn holm_confidence(m: usize) -> f64 {
    1.0 - 0.05 / m.max(1) as f64
}

/// The power of comparing `base` with `new` (each its values grouped by block) at `threshold`
/// and `confidence`: the noise is the spread of log times within each block of either side
/// (`stats::power::log_noise`), floored at the clock's resolution as the intervals are. For
/// blocked studies this leaves out the spread between runners that `diff` counts as noise, so
/// the figure is the best the comparison could do: a cell short of even that is underpowered.
pub fn cell_power(base: &Groups, new: &Groups, threshold: f64, confidence: f64) -> CellPower {
    let count = |g: &Groups| u32::try_from(g.iter().map(|(_, v)| v.len()).sum::<usize>()).unwrap_or(u32::MAX);
    let (n_base, n_new) = (count(base), count(new));
    let values: Vec<f64> = base.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    let power = log_noise(&[base, new]).map(|(noise, df)| {
        let floor = mean.map_or(0.0, |m| WALL_RESOLUTION / 2.0 / m.max(f64::MIN_POSITIVE));
        power(noise.max(floor), df, n_base, n_new, threshold, confidence)
    });
    let runs_needed = power.as_ref().and_then(|p| p.runs_needed).map(|n| n.max(MIN_RUNS));
    let reason = if n_base.min(n_new) < MIN_RUNS {
        Some(format!("{n_base} and {n_new} samples, fewer than {MIN_RUNS} a side"))
    } else {
        match power.as_ref().and_then(|p| p.detectable) {
            None => Some("noise unknown: no runner measured it twice".to_owned()),
            Some(d) if d > DETECTABLE_FACTOR * threshold => {
                Some(format!("catches {}, over {DETECTABLE_FACTOR}× the threshold", percent(d)))
            }
            Some(_) => None,
        }
    };
    CellPower { power, underpowered: reason.map(|reason| Underpowered { reason, runs_needed }) }
}

/// `wild/incremental (2 and 2 samples, fewer than 3 a side; needs 7 runs a side)`.
pub fn describe(cell: &str, u: &Underpowered) -> String {
    let needs = match u.runs_needed {
        Some(n) => format!("needs {n} runs a side"),
        None => format!("needs at least {MIN_RUNS} runs a side on one runner"),
    };
    format!("{cell} ({}; {needs})", u.reason)
}

/// The decisions of a family that have a p-value (those Holm counts).
pub fn family_size<'a>(comparisons: impl IntoIterator<Item = Option<&'a Comparison>>) -> usize {
    comparisons.into_iter().filter(|c| c.is_some_and(|c| c.p_value.is_some())).count()
}

/// `5%`, `2.5%`, `12.3%`: a fraction as a percentage, with one decimal unless it is whole.
pub fn percent(x: f64) -> String {
    let p = x * 100.0;
    if (p - p.round()).abs() < 1e-9 { format!("{p:.0}%") } else { format!("{p:.1}%") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(values: &[f64]) -> Vec<(u32, Vec<f64>)> {
        vec![(1, values.to_vec())]
    }

    #[test]
    fn two_samples_a_side_are_underpowered_whatever_their_spread() {
        let p = cell_power(&groups(&[10.0, 10.01]), &groups(&[14.6, 14.61]), 0.05, 0.95);
        let u = p.underpowered.expect("underpowered");
        assert!(u.reason.contains("2 and 2 samples"), "{u:?}");
        assert!(u.runs_needed.is_some_and(|n| n >= MIN_RUNS), "{u:?}");
    }

    #[test]
    fn a_quiet_cell_with_enough_samples_is_not_underpowered_and_a_noisy_one_is() {
        let quiet = [10.0, 10.05, 9.95, 10.02, 9.98];
        assert_eq!(cell_power(&groups(&quiet), &groups(&quiet), 0.05, 0.95).underpowered, None);
        let noisy = [10.0, 12.0, 8.0, 11.0, 9.0];
        let u = cell_power(&groups(&noisy), &groups(&noisy), 0.05, 0.95).underpowered.expect("noisy");
        assert!(u.reason.starts_with("catches ") && u.reason.ends_with("over 2× the threshold"), "{u:?}");
    }

    #[test]
    fn percentages_keep_their_decimals_only_when_they_have_some() {
        assert_eq!(percent(0.05), "5%");
        assert_eq!(percent(0.025), "2.5%");
        assert!(note(0.05).contains("--gate 5%"));
    }
}
