//! How small a slowdown a comparison can catch at the noise it measured, and how many runs a
//! threshold needs: what the gate states beside every decision, so a team knows what a green
//! check is worth before a slow pull request merges.
//!
//! The model is the one the gate decides with, on the log scale: `ln t = side + noise`, the
//! noise's standard deviation `σ` (about the coefficient of variation) measured within each
//! block (runner) and pooled over both sides. The log-ratio of `n_b` base and `n_h` head samples
//! then has standard error `se = σ·√(1/n_b + 1/n_h)`. A cell is called slower when the interval's
//! lower end is above 1 (`d̂ > c·se`, `c` the t quantile of the corrected confidence) *and* the
//! estimate is beyond the threshold (`d̂ > ln(1 + threshold)`); with `d̂ ~ N(δ, se)`, that
//! happens with 80% probability once `δ ≥ max(ln(1 + threshold), c·se) + z₀.₈·se`
//! (the textbook normal approximation, with t quantiles for small samples).

use serde::Serialize;

use super::t_quantile;

/// What a comparison can detect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Power {
    /// The noise of one sample: the standard deviation of log times within a block, pooled over
    /// both sides (0.03: about 3%).
    pub noise: f64,
    /// Samples per side the figures below assume (the smaller side's count).
    pub runs: u32,
    /// The smallest slowdown (0.08: 8%) the rule would call slower with 80% probability at
    /// this noise and these sample counts. Never below the threshold, since the rule asks for
    /// an estimate beyond it. `None` without two samples a side.
    pub detectable: Option<f64>,
    /// Samples per side at which a slowdown of exactly the threshold is significant with 80%
    /// probability (the interval's lower end above 1): the usual "runs needed to detect the
    /// threshold". `None` when more than `MAX_RUNS` would be needed.
    pub runs_needed: Option<u32>,
}

/// The largest sample count `runs_needed` looks at.
pub const MAX_RUNS: u32 = 10_000;

/// The noise of log times within blocks, pooled over every side given: `(σ, degrees of
/// freedom)`. Each side is its values grouped by block. `None` without a degree of freedom.
pub fn log_noise(sides: &[&super::blocks::Groups]) -> Option<(f64, f64)> {
    let (mut ss, mut df) = (0.0, 0.0);
    for side in sides {
        for (_, values) in side.iter() {
            let logs: Vec<f64> = values.iter().filter(|x| x.is_finite() && **x > 0.0).map(|x| x.ln()).collect();
            if logs.len() < 2 {
                continue;
            }
            let mean = logs.iter().sum::<f64>() / logs.len() as f64;
            ss += logs.iter().map(|y| (y - mean).powi(2)).sum::<f64>();
            df += (logs.len() - 1) as f64;
        }
    }
    (df >= 1.0).then(|| ((ss / df).sqrt(), df))
}

/// The power of "slower: interval above 1 at `confidence`, estimate beyond `threshold`" with
/// `n_base` and `n_head` samples at `noise` (σ of log times, estimated with `df` degrees of
/// freedom).
pub fn power(noise: f64, df: f64, n_base: u32, n_head: u32, threshold: f64, confidence: f64) -> Power {
    let runs = n_base.min(n_head);
    let detectable = (n_base >= 2 && n_head >= 2 && df >= 1.0 && noise.is_finite())
        .then(|| {
            let se = noise * (1.0 / f64::from(n_base) + 1.0 / f64::from(n_head)).sqrt();
            let c = t_quantile(1.0 - (1.0 - confidence) / 2.0, df)?;
            let z = t_quantile(0.8, df)?;
            Some(((1.0 + threshold).ln().max(c * se) + z * se).exp() - 1.0)
        })
        .flatten();
    Power { noise, runs, detectable, runs_needed: runs_needed(noise, threshold, confidence) }
}

/// Samples per side (equal sides) for which a slowdown of exactly `threshold` is significant
/// with 80% probability: the smallest n with `(c + z₀.₈)·σ·√(2/n) ≤ ln(1 + threshold)`, the
/// t quantiles taken at 2n − 2 degrees of freedom.
pub fn runs_needed(noise: f64, threshold: f64, confidence: f64) -> Option<u32> {
    let target = (1.0 + threshold).ln();
    if !(noise.is_finite() && noise >= 0.0 && target > 0.0) {
        return None;
    }
    let enough = |n: u32| -> bool {
        let df = f64::from(2 * n - 2);
        match (t_quantile(1.0 - (1.0 - confidence) / 2.0, df), t_quantile(0.8, df)) {
            (Some(c), Some(z)) => (c + z) * noise * (2.0 / f64::from(n)).sqrt() <= target,
            _ => false,
        }
    };
    if !enough(MAX_RUNS) {
        return None;
    }
    // The left side only shrinks as n grows: bisect.
    let (mut lo, mut hi) = (2, MAX_RUNS);
    if enough(lo) {
        return Some(lo);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if enough(mid) { hi = mid } else { lo = mid }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_needed_match_the_textbook_formula() {
        // σ = 5%, threshold 10% (ln 1.1 = 0.0953), two-sided 5%: the normal formula gives
        // n = 2·(1.96 + 0.8416)²·0.05² / 0.0953² = 4.32; t quantiles at 2n − 2 df make it 6
        // (n = 5: (2.306 + 0.889)·0.05·√0.4 = 0.101 > 0.0953; n = 6: (2.228 + 0.879)·0.05·√(1/3)
        // = 0.0897).
        assert_eq!(runs_needed(0.05, 0.10, 0.95), Some(6));
        // A tighter threshold needs many more runs; a stricter confidence more again.
        let five = runs_needed(0.05, 0.05, 0.95).unwrap();
        assert!((16..=20).contains(&five), "{five}");
        assert!(runs_needed(0.05, 0.05, 0.99).unwrap() > five);
        assert_eq!(runs_needed(2.0, 0.001, 0.95), None);
    }

    #[test]
    fn the_detectable_slowdown_is_never_below_the_threshold_and_shrinks_with_runs() {
        let small = power(0.05, 8.0, 5, 5, 0.05, 0.95).detectable.unwrap();
        let large = power(0.05, 38.0, 20, 20, 0.05, 0.95).detectable.unwrap();
        assert!(small > large && large > 0.05, "{small} {large}");
        // With a tiny noise the threshold itself dominates: just above it.
        let quiet = power(0.001, 38.0, 20, 20, 0.05, 0.95).detectable.unwrap();
        assert!(quiet > 0.05 && quiet < 0.052, "{quiet}");
        assert_eq!(power(0.05, 1.0, 1, 5, 0.05, 0.95).detectable, None);
    }

    #[test]
    fn noise_is_pooled_within_blocks_so_a_slow_runner_adds_none() {
        let a: Vec<(u32, Vec<f64>)> = vec![(1, vec![10.0, 10.1, 9.9]), (2, vec![15.0, 15.15, 14.85])];
        let (sigma, df) = log_noise(&[&a]).unwrap();
        assert_eq!(df, 4.0);
        assert!(sigma > 0.009 && sigma < 0.011, "{sigma}");
        assert!(log_noise(&[&[(1, vec![3.0])]]).is_none());
    }
}

/// The table in docs/reports.md: the smallest slowdown a gate at `threshold` catches with 80%
/// probability, per sample count (of each revision, in pairs) and noise, at one decision
/// (95%) and at a gate of one cell with `--until-decided`'s five looks (99%).
pub fn docs_table(threshold: f64) -> String {
    use std::fmt::Write as _;
    let noises = [0.01, 0.02, 0.03, 0.05, 0.10];
    let mut out = String::from("| runs of each | confidence |");
    for n in noises {
        let _ = write!(out, " noise {:.0}% |", n * 100.0);
    }
    out.push_str("\n|--:|--:|");
    out.push_str(&"--:|".repeat(noises.len()));
    out.push('\n');
    for runs in [3u32, 5, 10, 20, 40] {
        for confidence in [0.95, 0.99] {
            let _ = write!(out, "| {runs} | {:.0}% |", confidence * 100.0);
            for noise in noises {
                // Paired: n pairs, n − 1 degrees of freedom.
                let p = power(noise, f64::from(runs - 1), runs, runs, threshold, confidence);
                match p.detectable {
                    Some(d) => {
                        let _ = write!(out, " {:.1}% |", d * 100.0);
                    }
                    None => out.push_str(" - |"),
                }
            }
            out.push('\n');
        }
    }
    out.push_str("| runs for 5% | 95% |");
    for noise in noises {
        let _ = write!(out, " {} |", runs_needed(noise, threshold, 0.95).map_or("-".to_owned(), |n| n.to_string()));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod docs {
    #[test]
    fn the_power_table_in_the_docs_is_what_the_code_computes() {
        let table = super::docs_table(0.05);
        println!("{table}");
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/reports.md"))
            .expect("docs/reports.md");
        assert!(docs.contains(&table), "docs/reports.md must hold this table:\n{table}");
    }
}
