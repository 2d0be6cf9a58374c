//! Statistics of samples: location, spread, confidence intervals, outliers, and the comparison
//! of a configuration with the baseline (speedup with an interval, Welch's t-test).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Location and spread of one run's times, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Number of finite values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// Sample standard deviation (n − 1 in the denominator); 0 for a single value.
    pub stddev: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// 95% confidence interval of the mean, Student's t with n − 1 degrees of freedom (its
    /// spread floored at half the measurement's resolution by `with_resolution` and
    /// `two_stage`). `None` with fewer than two values.
    pub ci95: Option<(f64, f64)>,
    /// Positions (in the input order) of values flagged as outliers. They are shown, never dropped.
    pub outliers: Vec<usize>,
}

/// The two-sided 97.5% quantile of Student's t with `df` degrees of freedom.
fn t975(df: f64) -> Option<f64> {
    t_quantile(0.975, df)
}

/// The `q` quantile of Student's t with `df` degrees of freedom.
pub(crate) fn t_quantile(q: f64, df: f64) -> Option<f64> {
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let x = t.inverse_cdf(q);
    x.is_finite().then_some(x)
}

/// The resolution of a wall time: buildbench's own clock (`Instant`), recorded in seconds.
pub const WALL_RESOLUTION: f64 = 1e-6;
/// The resolution of unit, codegen, frontend and link times read from cargo's `--timings`,
/// which rounds them to 10 ms.
pub const TIMINGS_RESOLUTION: f64 = 0.01;

/// The fewest measured samples a run needs before any interval, p-value or verdict rests on
/// it. With two, the 95% interval of a mean is ±12.7 standard errors (t with one degree of
/// freedom): it reached below zero for `--runs 2` builds, and a speedup's interval from two
/// samples a side ran from 0.00x to 1.74x. Below this, tables show the values and mark the cell.
pub const MIN_SAMPLES: usize = 3;

/// Relative tolerance when a measured bound is compared with a threshold: `0.21 / 0.10` is
/// 2.0999999999999996 in floating point, which must not decide a verdict against ">= 2.1x".
pub const TOLERANCE: f64 = 1e-9;

/// How two sets of times are compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Changes smaller than this fraction are never called significant (0.02 = 2%).
    pub noise: f64,
    /// The resolution of the measurement: a run's spread is never taken as smaller than half
    /// of it (values rounded to it may differ by up to that much), so no interval has zero
    /// width.
    pub resolution: f64,
    /// Confidence of the interval (0.95); a family of k decisions uses 1 − 0.05/k.
    pub confidence: f64,
    /// The samples were taken in two stages (`--precision`): the first `pilot` fixed how many
    /// followed, so the spread is estimated from them alone (Stein, 1945), with `pilot − 1`
    /// degrees of freedom; the mean uses every sample.
    pub pilot: Option<usize>,
}

impl Settings {
    /// Wall times, 95% intervals, one stage.
    pub fn wall(noise: f64) -> Settings {
        Settings { noise, resolution: WALL_RESOLUTION, confidence: 0.95, pilot: None }
    }
}

/// One side of a comparison: its mean, the variance of that mean, and the degrees of freedom
/// of the variance estimate.
pub(crate) struct Side {
    mean: f64,
    /// How many values the mean is of.
    n: f64,
    /// Variance of the mean: s² / n.
    var: f64,
    df: f64,
}

impl Side {
    fn of(values: &[f64], settings: &Settings) -> Option<Side> {
        let all = Summary::of(values)?;
        let spread = pilot_spread(values, settings.pilot).unwrap_or_else(|| all.clone());
        let sd = spread.stddev.max(settings.resolution / 2.0);
        Some(Side {
            mean: all.mean,
            n: all.n as f64,
            var: sd * sd / all.n as f64,
            df: spread.n.saturating_sub(1) as f64,
        })
    }
}

/// The summary of a two-stage sample's pilot (its first `pilot` values, which chose how many
/// followed), when there is one: at least two pilot values and more values after them.
fn pilot_spread(values: &[f64], pilot: Option<usize>) -> Option<Summary> {
    let k = pilot.filter(|&k| k >= 2 && values.len() > k)?;
    Summary::of(values.get(..k)?)
}

impl Summary {
    /// `of`, with the interval's spread floored at half the measurement's `resolution`
    /// (`WALL_RESOLUTION`, `TIMINGS_RESOLUTION`), as every comparison floors it: values rounded
    /// to the resolution may differ by up to that much, so a constant run (`[12.34, 12.34]`)
    /// gets an interval of honest width instead of none. The standard deviation shown stays the
    /// sample's own.
    pub fn with_resolution(values: &[f64], resolution: f64) -> Option<Summary> {
        let mut summary = Summary::of(values)?;
        summary.ci95 = mean_interval(summary.mean, summary.stddev, summary.n - 1, summary.n, resolution);
        Some(summary)
    }

    /// `with_resolution`, with the 95% interval of the mean of a two-stage sample (Stein, 1945):
    /// every value's mean ± t(0.975, k − 1) · s₀ / √n, where s₀ is the spread of the first
    /// `pilot` values (k), which chose n. Exact coverage for normal data, where the one-stage
    /// interval of a sample whose size depended on its own first values covers less often than
    /// it says.
    pub fn two_stage(values: &[f64], pilot: Option<usize>, resolution: f64) -> Option<Summary> {
        let mut summary = Summary::with_resolution(values, resolution)?;
        if let Some(first) = pilot_spread(values, pilot) {
            summary.ci95 = mean_interval(summary.mean, first.stddev, first.n - 1, summary.n, resolution);
        }
        Some(summary)
    }
}

/// mean ± t(0.975, df) · s / √n, with s floored at half the resolution; `None` without a degree
/// of freedom, with fewer than `MIN_SAMPLES` values, or when the interval reaches zero: a time
/// is positive, and an interval that says otherwise says nothing (reports print it as
/// undetermined rather than cut it at zero).
fn mean_interval(mean: f64, stddev: f64, df: usize, n: usize, resolution: f64) -> Option<(f64, f64)> {
    if n < MIN_SAMPLES {
        return None;
    }
    let t = (df >= 1).then(|| t975(df as f64)).flatten()?;
    let half = t * stddev.max(resolution / 2.0) / (n as f64).sqrt();
    (mean - half > 0.0).then_some((mean - half, mean + half))
}

impl Summary {
    /// `None` for an empty set. Non-finite values are ignored. The interval is the values'
    /// own, with no resolution floor: summaries of measured times use `with_resolution`.
    pub fn of(values: &[f64]) -> Option<Summary> {
        let finite: Vec<(usize, f64)> = values.iter().copied().enumerate().filter(|(_, x)| x.is_finite()).collect();
        if finite.is_empty() {
            return None;
        }
        let mut v: Vec<f64> = finite.iter().map(|&(_, x)| x).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let median = median_sorted(&v);
        let stddev =
            if n > 1 { (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
        // Mean ± t(0.975, n−1) · s/√n; measured values floor s with `with_resolution`.
        let ci95 = mean_interval(mean, stddev, n - 1, n, 0.0);
        // Modified z-scores (Iglewicz & Hoaglin, 1993): M = 0.6745 (x − median) / MAD, outlier
        // when |M| > 3.5. Robust to the outliers themselves, unlike mean ± k·sd, and usable
        // with the small sample counts of build benchmarks.
        let mut deviations: Vec<f64> = v.iter().map(|x| (x - median).abs()).collect();
        deviations.sort_by(f64::total_cmp);
        let mad = median_sorted(&deviations);
        let outliers = if mad > 0.0 {
            finite.iter().filter(|&&(_, x)| (0.6745 * (x - median) / mad).abs() > 3.5).map(|&(i, _)| i).collect()
        } else {
            Vec::new()
        };
        let (min, max) = (*v.first()?, *v.last()?);
        Some(Summary { n, mean, median, stddev, min, max, ci95, outliers })
    }
}

/// The median of `values` (non-finite ones ignored), `None` when there are none.
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    Summary::of(&values.into_iter().collect::<Vec<_>>()).map(|s| s.median)
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    let at = |i: usize| v.get(i).copied().unwrap_or(0.0);
    if n % 2 == 1 {
        at(n / 2)
    } else if n == 0 {
        0.0
    } else {
        (at(n / 2 - 1) + at(n / 2)) / 2.0
    }
}

/// A configuration against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Baseline mean / configuration mean: above 1 is faster than the baseline.
    pub speedup: f64,
    /// 95% interval of the speedup (Fieller's method); `None` when it is unbounded (the
    /// configuration's mean is not significantly above zero) or there are too few samples.
    pub ci95: Option<(f64, f64)>,
    /// Two-sided p-value of Welch's t-test for a difference of means.
    pub p_value: Option<f64>,
    /// The p-value adjusted for the family of comparisons it was decided with (Holm), when
    /// one was (`significant` then uses it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_adjusted: Option<f64>,
    /// p < 0.05 (adjusted, in a family) and the speedup differs from 1 by more than the noise
    /// threshold.
    pub significant: bool,
    /// For a blocked study (shards on several runners): the speedup is pooled from
    /// within-runner comparisons, and this says how (`blocks::compare_paired`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pooled: Option<blocks::Pooled>,
}

impl Comparison {
    /// A ratio from too few samples: nothing that claims to know how certain it is.
    pub fn ratio_only(speedup: f64) -> Comparison {
        Comparison { speedup, ci95: None, p_value: None, p_adjusted: None, significant: false, pooled: None }
    }
}

/// Compares `candidate` times with `baseline` times.
///
/// The speedup is the ratio of means; its interval comes from Fieller's theorem for a ratio of
/// two independent normal means (Fieller, 1954), which, unlike the delta method, stays correct
/// when the denominator is noisy. The degrees of freedom are Welch–Satterthwaite's, shared with
/// Welch's t-test (Welch, 1947), which does not assume equal variances.
pub fn compare(baseline: &[f64], candidate: &[f64], noise: f64) -> Option<Comparison> {
    compare_with(baseline, candidate, &Settings::wall(noise))
}

/// `compare` with an explicit resolution and confidence.
///
/// Each run's standard deviation is floored at half the measurement's resolution, so constant
/// runs of rounded values (cargo's 10 ms) still get an interval of honest width. The interval's
/// degrees of freedom are Satterthwaite's for the pivot `a − r·b` of Fieller's theorem (the
/// quantity whose t distribution the interval inverts), not those of the difference of means:
/// they weigh the candidate's variance by r², which keeps the coverage when the candidate is the
/// noisier one.
pub fn compare_with(baseline: &[f64], candidate: &[f64], settings: &Settings) -> Option<Comparison> {
    compare_sides(&Side::of(baseline, settings)?, &Side::of(candidate, settings)?, settings)
}

/// Fieller's interval and Welch's test for two sides, however their variances were estimated.
pub(crate) fn compare_sides(a: &Side, b: &Side, settings: &Settings) -> Option<Comparison> {
    if b.mean <= 0.0 {
        return None;
    }
    let speedup = a.mean / b.mean;
    if a.n < MIN_SAMPLES as f64 || b.n < MIN_SAMPLES as f64 {
        // A ratio, but nothing that claims to know how certain it is.
        return Some(Comparison::ratio_only(speedup));
    }
    let (va, vb) = (a.var, b.var);
    let p_value = welch_df(va, a.df, vb, b.df).and_then(|df| {
        let se = (va + vb).sqrt();
        let t = StudentsT::new(0.0, 1.0, df).ok()?;
        Some((2.0 * (1.0 - t.cdf(((a.mean - b.mean) / se).abs()))).clamp(0.0, 1.0))
    });
    let q = 1.0 - (1.0 - settings.confidence) / 2.0;
    let ci95 = pivot_df(speedup, va, a.df, vb, b.df)
        .and_then(|df| t_quantile(q, df))
        .and_then(|t| fieller(a.mean, va, b.mean, vb, t));
    let significant = p_value.is_some_and(|p| p < 1.0 - settings.confidence) && (speedup - 1.0).abs() > settings.noise;
    Some(Comparison { speedup, ci95, p_value, p_adjusted: None, significant, pooled: None })
}

/// `compare_with` for samples taken in pairs: the i-th baseline and the i-th candidate sample
/// were built in the same round, one after the other, so whatever slowed the machine in that
/// round slowed both. The ratio of means gets Fieller's interval for correlated means (Fieller,
/// 1954: the pivot `a − r·b` has variance `va − 2r·cov + r²·vb`, with n − 1 degrees of freedom
/// from the pairs), and the p-value is the paired t-test's. Exact for normal pairs whatever
/// the two spreads are, and narrower than the unpaired interval when rounds drift together.
/// Only the first `min(len)` pairs count.
pub fn compare_pairs(baseline: &[f64], candidate: &[f64], settings: &Settings) -> Option<Comparison> {
    let n = baseline.len().min(candidate.len());
    let (a_values, b_values) = (baseline.get(..n)?, candidate.get(..n)?);
    let nf = n as f64;
    let a = a_values.iter().sum::<f64>() / nf;
    let b = b_values.iter().sum::<f64>() / nf;
    if n == 0 || b <= 0.0 {
        return None;
    }
    let speedup = a / b;
    if n < MIN_SAMPLES {
        return Some(Comparison::ratio_only(speedup));
    }
    let floor = (settings.resolution / 2.0).powi(2);
    let (mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0);
    for (x, y) in a_values.iter().zip(b_values) {
        saa += (x - a) * (x - a);
        sbb += (y - b) * (y - b);
        sab += (x - a) * (y - b);
    }
    let df = nf - 1.0;
    let (va, vb, cov) = ((saa / df).max(floor) / nf, (sbb / df).max(floor) / nf, sab / df / nf);
    let q = 1.0 - (1.0 - settings.confidence) / 2.0;
    let t = t_quantile(q, df)?;
    let t2 = t * t;
    // (a − r·b)² = t²·(va − 2r·cov + r²·vb), a quadratic in r.
    let (qa, qb, qc) = (b * b - t2 * vb, a * b - t2 * cov, a * a - t2 * va);
    let discriminant = qb * qb - qa * qc;
    let ci95 = (qa > 0.0 && discriminant >= 0.0)
        .then(|| ((qb - discriminant.sqrt()) / qa, (qb + discriminant.sqrt()) / qa))
        .filter(|&(low, _)| low > 0.0);
    let vd = (va + vb - 2.0 * cov).max(floor / nf);
    let p_value = StudentsT::new(0.0, 1.0, df)
        .ok()
        .map(|dist| (2.0 * (1.0 - dist.cdf(((a - b) / vd.sqrt()).abs()))).clamp(0.0, 1.0));
    let significant = p_value.is_some_and(|p| p < 1.0 - settings.confidence) && (speedup - 1.0).abs() > settings.noise;
    Some(Comparison { speedup, ci95, p_value, p_adjusted: None, significant, pooled: None })
}

/// Two-stage sample size (Stein, 1945): how many samples make the 95% interval of the mean
/// narrower than ±`precision` of the mean, judged from a pilot:
/// n = ⌈(t(0.975, n₀ − 1) · s / (precision · mean))²⌉, never fewer than the pilot's n₀.
///
/// The size is fixed once, from the pilot alone. Sampling "until the interval is narrow enough"
/// instead stops exactly when an interval happens to come out narrow, and those intervals cover
/// the true mean less often than they claim (92% instead of 95% at 4% noise). `resolution`
/// floors the pilot's spread as in `compare_with`. `None` with fewer than two pilot samples.
pub fn stein_sample_size(pilot: &[f64], precision: f64, resolution: f64) -> Option<usize> {
    let s = Summary::of(pilot)?;
    if s.n < 2 || s.mean <= 0.0 || precision <= 0.0 {
        return None;
    }
    let t = t975((s.n - 1) as f64)?;
    let sd = s.stddev.max(resolution / 2.0);
    let n = (t * sd / (precision * s.mean)).powi(2).ceil();
    // A size beyond any study (a noisy pilot, a tiny precision) is capped by the caller anyway.
    Some(if n.is_finite() { (n.min(1e6) as usize).max(s.n) } else { s.n })
}

/// Decides a family of comparisons together: each gets its Holm-adjusted p-value, and is
/// significant when that is below `alpha` and its speedup differs from 1 by more than `noise`.
pub fn decide_family<'a>(family: impl IntoIterator<Item = &'a mut Comparison>, noise: f64, alpha: f64) {
    let mut family: Vec<&mut Comparison> = family.into_iter().collect();
    let adjusted = holm(&family.iter().map(|c| c.p_value).collect::<Vec<_>>());
    for (c, p) in family.iter_mut().zip(adjusted) {
        c.p_adjusted = p;
        c.significant = p.is_some_and(|p| p < alpha) && (c.speedup - 1.0).abs() > noise;
    }
}

/// Degrees of freedom for the variance of `a − r·b` (Fieller's pivot): Satterthwaite's, less
/// one, never fewer than the smaller run's n − 1 (the exact, conservative bound of Hsu and
/// Banerjee). With three to ten samples Satterthwaite's estimate (a ratio of estimated
/// variances) runs high when the spreads differ, which made the interval's lower end miss 2.8%
/// of the time instead of 2.5% (n = 3, one side four times noisier); one degree fewer brings
/// every simulated case to at most 2.5% (docs/reports.md, `stats/simulation.rs`).
fn pivot_df(r: f64, va: f64, dfa: f64, vb: f64, dfb: f64) -> Option<f64> {
    if dfa < 1.0 || dfb < 1.0 {
        return None;
    }
    let (wa, wb) = (va, r * r * vb);
    let denominator = wa.powi(2) / dfa + wb.powi(2) / dfb;
    let floor = dfa.min(dfb);
    (denominator > 0.0).then(|| ((wa + wb).powi(2) / denominator - 1.0).max(floor))
}

/// Holm–Bonferroni adjusted p-values (Holm, 1979): deciding "significant" when the adjusted
/// p-value is below α keeps the chance of *any* false alarm among all the decisions at or
/// below α, however many there are, without assuming they are independent. `None` entries
/// (no test possible) are not counted in the family.
pub fn holm(p_values: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut order: Vec<(usize, f64)> = p_values.iter().enumerate().filter_map(|(i, p)| Some((i, (*p)?))).collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    let m = order.len();
    let mut adjusted = vec![None; p_values.len()];
    let mut running: f64 = 0.0;
    for (rank, (i, p)) in order.into_iter().enumerate() {
        running = running.max(((m - rank) as f64 * p).min(1.0));
        if let Some(slot) = adjusted.get_mut(i) {
            *slot = Some(running);
        }
    }
    adjusted
}

/// Welch–Satterthwaite degrees of freedom for two variances of means, each estimated with
/// `dfa` and `dfb` degrees of freedom.
fn welch_df(va: f64, dfa: f64, vb: f64, dfb: f64) -> Option<f64> {
    if dfa < 1.0 || dfb < 1.0 {
        return None;
    }
    let denominator = va.powi(2) / dfa + vb.powi(2) / dfb;
    if denominator == 0.0 {
        // Both runs without any spread: the smaller sample bounds the degrees of freedom.
        return Some(dfa.min(dfb));
    }
    Some((va + vb).powi(2) / denominator)
}

/// Fieller's interval for a/b with independent estimates of variances `va`, `vb`:
/// g = t²·vb/b², limits = [r ± (t/b)·√(va + r²·vb − g·va)] / (1 − g).
fn fieller(a: f64, va: f64, b: f64, vb: f64, t: f64) -> Option<(f64, f64)> {
    let r = a / b;
    let g = t * t * vb / (b * b);
    if g >= 1.0 {
        return None;
    }
    let root = (va + r * r * vb - g * va).max(0.0).sqrt();
    let half = t / b * root;
    // Both means are times, so the ratio is positive: a lower limit at or below 0 (a baseline
    // whose mean is not clearly above 0) means the interval is undetermined, not "from 0.00x".
    let low = (r - half) / (1.0 - g);
    (low > 0.0).then_some((low, (r + half) / (1.0 - g)))
}

pub mod blocks;
pub mod changepoint;
pub mod power;

#[cfg(test)]
pub(crate) mod simulation;

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn constant_runs_of_rounded_times_get_an_interval_of_honest_width() {
        // cargo rounds unit times to 10 ms: [10, 10] against [5, 5] is not an exact 2.00x.
        let settings = Settings { noise: 0.02, resolution: TIMINGS_RESOLUTION, confidence: 0.95, pilot: None };
        let c = compare_with(&[10.0, 10.0, 10.0], &[5.0, 5.0, 5.0], &settings).unwrap();
        let (low, high) = c.ci95.unwrap();
        assert!(low < 2.0 && high > 2.0 && high - low > 1e-4, "{low} {high}");
        // So "at least 2x" is not established by two equal readings.
        assert_eq!(crate::claims::check(Some(&c), 2.0), crate::claims::Verdict::Inconclusive);
    }

    #[test]
    fn a_constant_run_gets_a_mean_interval_of_nonzero_width() {
        // `report --format json` once showed `ci95 [12.34, 12.34]` for three equal wall times.
        let s = Summary::with_resolution(&[12.34, 12.34, 12.34], WALL_RESOLUTION).unwrap();
        let (low, high) = s.ci95.unwrap();
        // t(0.975, 2) = 4.302653; half-width = 4.302653 · 0.5 µs / √3 = 1.242069 µs.
        assert!(close(high - 12.34, 1.242_069e-6, 1e-11) && close(12.34 - low, 1.242_069e-6, 1e-11), "{low} {high}");
        assert!(s.stddev < 1e-12, "the sample's own spread is shown unchanged: {}", s.stddev);
        // cargo's unit times are rounded to 10 ms: the floor is 5 ms.
        let (low, high) = Summary::with_resolution(&[0.5, 0.5, 0.5], TIMINGS_RESOLUTION).unwrap().ci95.unwrap();
        assert!(close(high - low, 2.0 * 4.302_653 * 0.005 / 3f64.sqrt(), 1e-6), "{low} {high}");
        // A two-stage sample whose pilot was constant is floored the same way.
        let (low, high) = Summary::two_stage(&[3.0, 3.0, 3.0, 3.0], Some(2), TIMINGS_RESOLUTION).unwrap().ci95.unwrap();
        assert!(close(high - low, 2.0 * 12.706_205 * 0.005 / 2.0, 1e-6), "{low} {high}");
        // A spread above the floor is left alone.
        assert_eq!(
            Summary::with_resolution(&[3.0, 1.0, 2.0, 4.0], WALL_RESOLUTION),
            Summary::of(&[3.0, 1.0, 2.0, 4.0])
        );
    }

    #[test]
    fn a_bound_equal_to_the_threshold_up_to_floating_point_is_not_flipped() {
        // 0.21 / 0.10 is 2.0999999999999996 in floating point.
        let c = Comparison {
            speedup: 0.21 / 0.10,
            ci95: Some((0.21 / 0.10, 2.3)),
            p_value: Some(0.001),
            p_adjusted: None,
            significant: true,
            pooled: None,
        };
        assert_eq!(crate::claims::check(Some(&c), 2.1), crate::claims::Verdict::Holds);
    }

    #[test]
    fn holm_matches_a_worked_example() {
        // p = (0.01, 0.04, 0.03, 0.005), m = 4: sorted 0.005·4 = 0.02, 0.01·3 = 0.03,
        // 0.03·2 = 0.06, 0.04·1 = 0.04 → 0.06 (monotone); no test for the `None`.
        let adjusted = holm(&[Some(0.01), Some(0.04), None, Some(0.03), Some(0.005)]);
        let expected = [Some(0.03), Some(0.06), None, Some(0.06), Some(0.02)];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!(a.zip(e).is_none_or(|(a, e)| close(a, e, 1e-12)) && a.is_some() == e.is_some(), "{adjusted:?}");
        }
    }

    #[test]
    fn a_speedup_interval_is_never_negative_it_is_undetermined() {
        // A baseline so noisy that its mean is not clearly above zero: no "[0.00x, ...]".
        let c = compare(&[0.1, 12.0, 0.2], &[1.0, 1.01, 0.99], 0.02).unwrap();
        assert_eq!(c.ci95, None, "{c:?}");
    }

    #[test]
    fn fewer_than_three_samples_give_no_interval_p_value_or_verdict() {
        // Two samples a side, 46% slower: a ratio, and nothing that pretends to certainty.
        let c = compare(&[10.0, 13.0], &[14.6, 19.0], 0.02).unwrap();
        assert_eq!((c.ci95, c.p_value, c.significant), (None, None, false));
        assert!((c.speedup - 23.0 / 33.6).abs() < 1e-12);
        // A mean of two times: no interval, never one below zero.
        assert_eq!(Summary::with_resolution(&[2.44, 0.2], WALL_RESOLUTION).unwrap().ci95, None);
        assert!(
            Summary::with_resolution(&[2.44, 0.2, 4.7], WALL_RESOLUTION).unwrap().ci95.is_none_or(|(l, _)| l > 0.0)
        );
    }

    #[test]
    fn summary_of_known_values() {
        let s = Summary::of(&[3.0, 1.0, 2.0, 4.0]).unwrap();
        assert_eq!((s.n, s.median, s.min, s.max, s.mean), (4, 2.5, 1.0, 4.0, 2.5));
        // Sample standard deviation of 1..4: sqrt(5/3).
        assert!(close(s.stddev, (5.0f64 / 3.0).sqrt(), 1e-12));
        // t(0.975, 3) = 3.182446; half-width = 3.182446 · 1.290994 / 2 = 2.054262.
        let (low, high) = s.ci95.unwrap();
        assert!(close(low, 2.5 - 2.054262, 1e-5) && close(high, 2.5 + 2.054262, 1e-5), "{low} {high}");
        assert_eq!(Summary::of(&[7.0]).unwrap().ci95, None);
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[f64::NAN]).is_none());
    }

    #[test]
    fn outliers_are_flagged_in_input_order() {
        // Median 10, MAD 0.1: 14 has M = 0.6745 · 4 / 0.1 ≈ 27.
        let s = Summary::of(&[10.0, 10.1, 14.0, 9.9, 10.0, 10.2]).unwrap();
        assert_eq!(s.outliers, [2]);
        assert!(Summary::of(&[1.0, 1.0, 1.0]).unwrap().outliers.is_empty());
    }

    #[test]
    fn welch_test_matches_a_worked_example() {
        // Two samples with different variances; reference values from SciPy 1.x,
        // scipy.stats.ttest_ind(a, b, equal_var=False): t = -2.455356, df = 24.988529,
        // p = 0.0213780.
        let a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
        let b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
        let c = compare(&a, &b, 0.02).unwrap();
        let p = c.p_value.unwrap();
        assert!(close(p, 0.021_378_0, 1e-6), "p = {p}");
        assert!(c.significant);
    }

    #[test]
    fn paired_intervals_see_through_drift_that_hits_both_sides() {
        // The machine slows down round by round; the candidate is 20% faster in every round.
        let base: Vec<f64> = (0..6).map(|i| 10.0 + 2.0 * i as f64).collect();
        let fast: Vec<f64> = base.iter().map(|x| x / 1.2 + 0.01 * (x % 3.0)).collect();
        let paired = compare_pairs(&base, &fast, &Settings::wall(0.02)).unwrap();
        let unpaired = compare(&base, &fast, 0.02).unwrap();
        assert!(close(paired.speedup, unpaired.speedup, 1e-12));
        let (low, high) = paired.ci95.unwrap();
        assert!(low > 1.15 && high < 1.25, "{low} {high}");
        assert!(paired.significant && !unpaired.significant, "{paired:?} {unpaired:?}");
        // No pairs, no interval; fewer than three, a ratio alone.
        assert!(compare_pairs(&[], &[1.0], &Settings::wall(0.02)).is_none());
        assert_eq!(compare_pairs(&[2.0, 2.0], &[1.0, 1.0], &Settings::wall(0.02)).unwrap().ci95, None);
    }

    #[test]
    fn fieller_interval_contains_the_ratio_and_widens_with_noise() {
        let base = [10.0, 10.2, 9.8, 10.1, 9.9];
        let fast = [5.0, 5.1, 4.9, 5.05, 4.95];
        let c = compare(&base, &fast, 0.02).unwrap();
        assert!(close(c.speedup, 2.0, 1e-9));
        // Computed apart: Satterthwaite's df of the pivot a − r·b is 8.0 (the spreads are
        // proportional to the means), less one = 7; t(0.975, 7) = 2.364624 from the table;
        // Fieller limits 1.953257 and 2.047862.
        let (low, high) = c.ci95.unwrap();
        assert!(close(low, 1.953_257, 1e-5) && close(high, 2.047_862, 1e-5), "{low} {high}");
        let noisy = [3.0, 7.0, 4.0, 6.0, 5.0];
        let (nl, nh) = compare(&base, &noisy, 0.02).unwrap().ci95.unwrap();
        assert!(nh - nl > high - low);
    }

    #[test]
    fn small_differences_are_not_significant() {
        let base = [10.0, 10.02, 9.98, 10.01, 9.99];
        let same = [10.01, 9.99, 10.0, 10.02, 9.98];
        let c = compare(&base, &same, 0.02).unwrap();
        assert!(!c.significant);
        // Real but below the noise threshold: 1% faster with almost no spread.
        let slightly = [9.9, 9.9, 9.9, 9.9, 9.91];
        let c = compare(&base, &slightly, 0.02).unwrap();
        assert!(c.p_value.unwrap() < 0.05 && !c.significant);
    }

    #[test]
    fn a_single_sample_gives_a_ratio_without_an_interval() {
        let c = compare(&[10.0], &[5.0], 0.02).unwrap();
        assert_eq!((c.speedup, c.ci95, c.p_value, c.significant), (2.0, None, None, false));
    }
}
