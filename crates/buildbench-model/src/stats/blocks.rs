//! Comparisons over blocks: a study sharded with `--shard K/N` (by block) measures every
//! configuration on every runner, so a speedup can be estimated *within* each runner and then
//! pooled across runners. A runner that is 20% slower then slows both sides of every ratio it
//! holds and leaves the speedup alone (randomized multiple interleaved trials, Abedi and
//! Brecht, ICPE 2017).
//!
//! The model, on the log scale: `ln t = configuration + runner + noise`. The runner effect is
//! multiplicative and shared by the configurations a runner builds, so it cancels in each
//! runner's log-ratio `d_b`. The pooled estimate is the weighted mean of the `d_b`; its variance
//! comes from the noise within runners (each side's spread pooled over runners, with
//! Satterthwaite's degrees of freedom). When the runners' ratios disagree by more than that noise
//! explains (an F test of the runner × configuration interaction, p < 0.05, for example a runner
//! with fewer cores that helps a parallel linker less), the spread of the per-runner ratios sets
//! the interval instead, with a t quantile over the runners (the Hartung–Knapp interval of a
//! random-effects meta-analysis in its modified form, which never goes below the within-runner
//! variance: Röver, Knapp and Friede, BMC Med Res Methodol 2015). docs/reports.md has the
//! measured coverage.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

use super::{Comparison, Settings, Side, compare_sides, t_quantile};

/// One side's values grouped by block: `(block, values)`.
pub type Groups = [(u32, Vec<f64>)];

/// How a pooled comparison was made, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pooled {
    /// Each block that measured both sides, with its own speedup (ratio of geometric means).
    pub per_block: Vec<(u32, f64)>,
    /// The blocks' speedups differ by more than the noise within them explains (F test of the
    /// interaction, p < 0.05): the interval then comes from the spread between blocks.
    pub heterogeneous: bool,
}

/// The logs of one block's positive finite values: their count, mean and sum of squared
/// deviations.
struct LogRun {
    n: f64,
    mean: f64,
    ss: f64,
}

impl LogRun {
    fn of(values: &[f64]) -> Option<LogRun> {
        let logs: Vec<f64> = values.iter().filter(|x| x.is_finite() && **x > 0.0).map(|x| x.ln()).collect();
        if logs.is_empty() {
            return None;
        }
        let n = logs.len() as f64;
        let mean = logs.iter().sum::<f64>() / n;
        let ss = logs.iter().map(|y| (y - mean).powi(2)).sum();
        Some(LogRun { n, mean, ss })
    }
}

/// One side's variance of a log time within a block, pooled over blocks, and its degrees of
/// freedom; floored at half the resolution relative to the side's geometric mean.
fn pooled_variance(runs: &[&LogRun], resolution: f64) -> (f64, f64) {
    let df: f64 = runs.iter().map(|r| r.n - 1.0).sum();
    let ss: f64 = runs.iter().map(|r| r.ss).sum();
    let n: f64 = runs.iter().map(|r| r.n).sum();
    let geometric = (runs.iter().map(|r| r.n * r.mean).sum::<f64>() / n.max(1.0)).exp();
    let floor = (resolution / 2.0 / geometric.max(f64::MIN_POSITIVE)).powi(2);
    let variance = if df >= 1.0 { ss / df } else { 0.0 };
    (variance.max(floor), df)
}

/// Compares `candidate` with `baseline` within each block both measured, pooled across blocks.
/// `None` when fewer than two blocks measured both sides (the caller then compares the values
/// as one run). The speedup is the ratio of geometric means, weighted over blocks by
/// `1 / (1/n_baseline + 1/n_candidate)`; see the module documentation for the interval.
pub fn compare_paired(baseline: &Groups, candidate: &Groups, settings: &Settings) -> Option<Comparison> {
    let mut pairs: Vec<(u32, LogRun, LogRun)> = Vec::new();
    for (block, values) in baseline {
        let Some((_, other)) = candidate.iter().find(|(b, _)| b == block) else { continue };
        if let (Some(a), Some(c)) = (LogRun::of(values), LogRun::of(other))
            && !pairs.iter().any(|(b, _, _)| b == block)
        {
            pairs.push((*block, a, c));
        }
    }
    if pairs.len() < 2 {
        return None;
    }
    let count = |side: usize| -> f64 { pairs.iter().map(|(_, a, c)| if side == 0 { a.n } else { c.n }).sum() };
    if count(0) < super::MIN_SAMPLES as f64 || count(1) < super::MIN_SAMPLES as f64 {
        // Blocks of one sample each: a ratio, and no claim about its certainty (as for one run).
        let ratio = pairs.iter().map(|(_, a, c)| a.mean - c.mean).sum::<f64>() / pairs.len() as f64;
        return Some(Comparison::ratio_only(ratio.exp()));
    }
    let k = pairs.len() as f64;
    let (sa, dfa) = pooled_variance(&pairs.iter().map(|(_, a, _)| a).collect::<Vec<_>>(), settings.resolution);
    let (sc, dfc) = pooled_variance(&pairs.iter().map(|(_, _, c)| c).collect::<Vec<_>>(), settings.resolution);
    // Speedup = baseline / candidate: the log-ratio is baseline − candidate.
    let weights: Vec<f64> = pairs.iter().map(|(_, a, c)| 1.0 / (1.0 / a.n + 1.0 / c.n)).collect();
    let total: f64 = weights.iter().sum();
    let ratios: Vec<f64> = pairs.iter().map(|(_, a, c)| a.mean - c.mean).collect();
    let pooled = weights.iter().zip(&ratios).map(|(w, d)| w * d).sum::<f64>() / total;
    // Within runners: Var(Σ w d / W) = α·s²_baseline + β·s²_candidate.
    let alpha: f64 = weights.iter().zip(&pairs).map(|(w, (_, a, _))| w * w / a.n).sum::<f64>() / (total * total);
    let beta: f64 = weights.iter().zip(&pairs).map(|(w, (_, _, c))| w * w / c.n).sum::<f64>() / (total * total);
    let within = alpha * sa + beta * sc;
    let within_df = (dfa >= 1.0 && dfc >= 1.0)
        .then(|| (within * within) / ((alpha * sa).powi(2) / dfa + (beta * sc).powi(2) / dfc))
        .filter(|df| df.is_finite() && *df >= 1.0);
    // Between runners: the weighted spread of the per-block ratios (k − 1 degrees of freedom).
    let spread = weights.iter().zip(&ratios).map(|(w, d)| w * (d - pooled).powi(2)).sum::<f64>();
    let between = spread / ((k - 1.0) * total);
    let heterogeneous = match within_df {
        Some(df) => {
            // Σ (d_b − d̄)² / v_b over k − 1, against F(k − 1, within df).
            let q: f64 = pairs
                .iter()
                .zip(&ratios)
                .map(|((_, a, c), d)| (d - pooled).powi(2) / (sa / a.n + sc / c.n))
                .sum::<f64>()
                / (k - 1.0);
            let f = FisherSnedecor::new(k - 1.0, df).ok()?;
            1.0 - f.cdf(q) < 0.05
        }
        None => true,
    };
    let (variance, df) = match within_df {
        Some(df) if !heterogeneous => (within, df),
        _ => (between.max(within), k - 1.0),
    };
    let se = variance.sqrt();
    let speedup = pooled.exp();
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let p_value = (se > 0.0).then(|| (2.0 * (1.0 - t.cdf(pooled.abs() / se))).clamp(0.0, 1.0));
    let q = 1.0 - (1.0 - settings.confidence) / 2.0;
    let ci95 = t_quantile(q, df).map(|t| ((pooled - t * se).exp(), (pooled + t * se).exp()));
    let significant = p_value.is_some_and(|p| p < 1.0 - settings.confidence) && (speedup - 1.0).abs() > settings.noise;
    let per_block = pairs.iter().zip(&ratios).map(|((b, _, _), d)| (*b, d.exp())).collect();
    Some(Comparison {
        speedup,
        ci95,
        p_value,
        p_adjusted: None,
        significant,
        pooled: Some(Pooled { per_block, heterogeneous }),
    })
}

/// Compares `candidate` with `baseline`, each a run's values grouped by block: within blocks and
/// pooled where two or more blocks measured both (`compare_paired`), else the two runs as
/// wholes (`compare_with`). `None` when a side has no value.
pub fn compare_groups(baseline: &Groups, candidate: &Groups, settings: &Settings) -> Option<Comparison> {
    if let Some(pooled) = compare_paired(baseline, candidate, settings) {
        return Some(pooled);
    }
    let flat = |g: &Groups| -> Vec<f64> { g.iter().flat_map(|(_, v)| v.iter().copied()).collect() };
    let (r, c) = (flat(baseline), flat(candidate));
    if r.is_empty() || c.is_empty() {
        return None;
    }
    super::compare_with(&r, &c, settings)
}

/// Compares two runs whose samples come from blocks that are *not* shared (two studies, each
/// on its own runners): each side's mean is the mean of its block means, and its variance is
/// the larger of the within-block one and the one from the spread between its blocks (a
/// runner is then a random effect: the next study will run on other runners). With one block
/// per side this is `compare_with`.
pub fn compare_unpaired(baseline: &Groups, candidate: &Groups, settings: &Settings) -> Option<Comparison> {
    compare_sides(&blocked_side(baseline, settings)?, &blocked_side(candidate, settings)?, settings)
}

fn blocked_side(groups: &Groups, settings: &Settings) -> Option<Side> {
    let runs: Vec<&Vec<f64>> = groups.iter().map(|(_, v)| v).filter(|v| !v.is_empty()).collect();
    if runs.len() < 2 {
        let all: Vec<f64> = groups.iter().flat_map(|(_, v)| v.iter().copied()).collect();
        return Side::of(&all, settings);
    }
    let sides: Vec<Side> = runs.iter().filter_map(|v| Side::of(v, settings)).collect();
    let k = sides.len() as f64;
    let mean = sides.iter().map(|s| s.mean).sum::<f64>() / k;
    let within = sides.iter().map(|s| s.var).sum::<f64>() / (k * k);
    let within_df = satterthwaite(&sides, k);
    let n: f64 = sides.iter().map(|s| s.n).sum();
    let between = sides.iter().map(|s| (s.mean - mean).powi(2)).sum::<f64>() / ((k - 1.0) * k);
    Some(if between > within || within_df < 1.0 {
        Side { mean, n, var: between.max(within), df: k - 1.0 }
    } else {
        Side { mean, n, var: within, df: within_df }
    })
}

/// The degrees of freedom of `Σ var_i / k²`, a sum of variances each estimated with `df_i`
/// degrees of freedom: Satterthwaite's (Σ v_i)² / Σ (v_i² / df_i) with v_i = var_i / k², which
/// lies between the smallest df_i and their sum and reaches the sum only when each block's
/// variance is proportional to its degrees of freedom (summing them overstated how well the
/// variance is known when one noisy block dominates it). 0 when a block has no degree of
/// freedom of its own (one sample): its variance of the mean is then unknown, and the caller
/// takes the spread between the blocks instead.
fn satterthwaite(sides: &[Side], k: f64) -> f64 {
    if sides.iter().any(|s| s.df < 1.0) {
        return 0.0;
    }
    let v: Vec<(f64, f64)> = sides.iter().map(|s| (s.var / (k * k), s.df)).collect();
    let denominator: f64 = v.iter().map(|(v, df)| v * v / df).sum();
    if denominator > 0.0 {
        v.iter().map(|(v, _)| v).sum::<f64>().powi(2) / denominator
    } else {
        // No spread anywhere (possible only without a resolution floor): the smallest block
        // bounds the degrees of freedom, as in `welch_df`.
        v.iter().map(|(_, df)| *df).fold(f64::INFINITY, f64::min)
    }
}

/// How much the blocks (runners) of a study differed, apart from the noise within each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunnerSpread {
    /// Each block's times relative to the average runner (1.14: 14% slower), over every cell it
    /// shares with another block.
    pub blocks: Vec<(u32, f64)>,
    /// The slowest block's times over the fastest's, less 1 (0.14: runners differed by 14%).
    pub range: f64,
    /// The noise within a runner: the pooled standard deviation of log times (about the
    /// coefficient of variation).
    pub within: f64,
}

/// The runner spread over `cells`, each one cell's values grouped by block. `None` when no
/// cell was measured by two blocks.
pub fn runner_spread(cells: &[Vec<(u32, Vec<f64>)>]) -> Option<RunnerSpread> {
    let mut effects: Vec<(u32, f64, f64)> = Vec::new(); // block, sum of centered log means, count
    let (mut ss, mut df) = (0.0, 0.0);
    for cell in cells {
        let runs: Vec<(u32, LogRun)> = cell.iter().filter_map(|(b, v)| Some((*b, LogRun::of(v)?))).collect();
        if runs.len() < 2 {
            continue;
        }
        let center = runs.iter().map(|(_, r)| r.mean).sum::<f64>() / runs.len() as f64;
        for (block, run) in &runs {
            ss += run.ss;
            df += run.n - 1.0;
            match effects.iter_mut().find(|(b, _, _)| b == block) {
                Some(e) => {
                    e.1 += run.mean - center;
                    e.2 += 1.0;
                }
                None => effects.push((*block, run.mean - center, 1.0)),
            }
        }
    }
    if effects.len() < 2 {
        return None;
    }
    effects.sort_by_key(|e| e.0);
    let blocks: Vec<(u32, f64)> = effects.iter().map(|(b, sum, n)| (*b, (sum / n).exp())).collect();
    let (lo, hi) = blocks.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), (_, x)| (lo.min(*x), hi.max(*x)));
    let within = if df >= 1.0 { (ss / df).sqrt() } else { 0.0 };
    Some(RunnerSpread { blocks, range: hi / lo - 1.0, within })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(blocks: &[(u32, &[f64])]) -> Vec<(u32, Vec<f64>)> {
        blocks.iter().map(|(b, v)| (*b, v.to_vec())).collect()
    }

    #[test]
    fn a_slow_runner_slows_both_sides_and_leaves_the_speedup_alone() {
        // Runner 2 is 50% slower on everything; within each runner the candidate is 2x faster.
        let base = groups(&[(1, &[10.0, 10.2, 9.8]), (2, &[15.0, 15.3, 14.7])]);
        let cand = groups(&[(1, &[5.0, 5.1, 4.9]), (2, &[7.5, 7.65, 7.35])]);
        let c = compare_paired(&base, &cand, &Settings::wall(0.02)).unwrap();
        assert!((c.speedup - 2.0).abs() < 1e-9, "{}", c.speedup);
        let (lo, hi) = c.ci95.unwrap();
        assert!(lo < 2.0 && hi > 2.0 && hi - lo < 0.15, "{lo} {hi}");
        let pooled = c.pooled.unwrap();
        assert!(!pooled.heterogeneous);
        assert_eq!(pooled.per_block.len(), 2);
    }

    #[test]
    fn runners_that_disagree_widen_the_interval_to_their_spread() {
        // Same noise, but runner 2 sees 1.5x where runner 1 sees 2x: an interaction.
        let base = groups(&[(1, &[10.0, 10.1, 9.9]), (2, &[10.0, 10.1, 9.9]), (3, &[10.0, 10.1, 9.9])]);
        let cand = groups(&[(1, &[5.0, 5.05, 4.95]), (2, &[6.67, 6.7, 6.64]), (3, &[5.7, 5.75, 5.65])]);
        let c = compare_paired(&base, &cand, &Settings::wall(0.02)).unwrap();
        assert!(c.pooled.as_ref().unwrap().heterogeneous);
        let (lo, hi) = c.ci95.unwrap();
        assert!(lo < 1.6 && hi > 1.9, "the interval spans the runners' ratios: {lo} {hi}");
    }

    #[test]
    fn one_shared_block_is_not_a_blocked_comparison() {
        let base = groups(&[(1, &[10.0, 10.2])]);
        let cand = groups(&[(1, &[5.0, 5.1]), (2, &[5.0])]);
        assert!(compare_paired(&base, &cand, &Settings::wall(0.02)).is_none());
    }

    #[test]
    fn a_side_pooled_over_blocks_gets_satterthwaites_degrees_of_freedom_not_their_sum() {
        // Two blocks with the same mean (so the spread between them is 0 and the within-block
        // variance is used). Block 1: [10, 12], s² = 2, variance of its mean 2/2 = 1, 1 df.
        // Block 2: [10.5, 11, 11.5], s² = 0.25, variance of its mean 0.25/3 = 1/12, 2 df.
        // k = 2: v₁ = 1/4, v₂ = 1/48, Σv = 13/48 (the side's variance of the mean);
        // df = (13/48)² / ((1/4)²/1 + (1/48)²/2) = (169/2304) / (289/4608) = 338/289 = 1.16955.
        // Summing the degrees of freedom gave 3, which took block 1's noisy variance as known
        // from three degrees of freedom.
        let side =
            blocked_side(&groups(&[(1, &[10.0, 12.0]), (2, &[10.5, 11.0, 11.5])]), &Settings::wall(0.0)).unwrap();
        assert!((side.mean - 11.0).abs() < 1e-12, "{}", side.mean);
        assert!((side.var - 13.0 / 48.0).abs() < 1e-12, "{}", side.var);
        assert!((side.df - 338.0 / 289.0).abs() < 1e-9, "{}", side.df);
        // Equal blocks: Satterthwaite's estimate is the sum.
        let side = blocked_side(&groups(&[(1, &[10.0, 12.0]), (2, &[12.0, 10.0])]), &Settings::wall(0.0)).unwrap();
        assert!((side.df - 2.0).abs() < 1e-9, "{}", side.df);
        // A block of one sample has no variance of its own: the spread between blocks, k − 1 df.
        let side = blocked_side(&groups(&[(1, &[10.0, 12.0]), (2, &[11.0])]), &Settings::wall(0.0)).unwrap();
        assert!((side.df - 1.0).abs() < 1e-9, "{}", side.df);
    }

    #[test]
    fn the_spread_between_runners_is_told_apart_from_the_noise_within() {
        let cells = vec![
            groups(&[(1, &[10.0, 10.2, 9.8]), (2, &[11.4, 11.6, 11.2])]),
            groups(&[(1, &[5.0, 5.1, 4.9]), (2, &[5.7, 5.8, 5.6])]),
        ];
        let s = runner_spread(&cells).unwrap();
        assert!((s.range - 0.14).abs() < 0.005, "{s:?}");
        assert!(s.within > 0.01 && s.within < 0.03, "{s:?}");
        assert!(runner_spread(&[groups(&[(1, &[1.0, 2.0])])]).is_none());
    }
}
