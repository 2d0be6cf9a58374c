//! The pull-request gate of a rev study: head against base *within one study*, per gated
//! configuration × scenario, with three outcomes and the power of each decision.
//!
//! Base and head were built on the same runner, in turns, so a slower runner slows both and
//! leaves their ratio alone (in a sharded study, within each block; `stats::blocks`). Per gated
//! cell, the interval of head / base (Fieller's for one block, the pooled within-block one for
//! several) at a confidence corrected for every gated cell and every look decides:
//!
//! - **slower**: the whole interval above 1 *and* the estimate beyond the threshold. A change
//!   that is real but within the threshold never fails, and a zero-change pull request fails
//!   with probability at most 5% over all gated cells and looks (Bonferroni: each decision at
//!   `0.05 / (cells × looks)`, which holds whatever the looks' dependence).
//! - **not slower** (by more than the threshold): the interval's upper end below
//!   1 + threshold. Shown, not assumed.
//! - **undecided**: neither; `--until-decided` measures these cells again.
//!
//! Thresholds are compared with the relative tolerance `stats::TOLERANCE`, so a ratio of
//! exactly 1.05 computed as `1 / (b / h)` = 1.0500000000000000444 is not "beyond 5%".

use serde::{Deserialize, Serialize};

use crate::stats::power::{Power, log_noise, power};
use crate::stats::{Settings, TIMINGS_RESOLUTION, TOLERANCE, WALL_RESOLUTION, blocks};
use crate::{Revision, Sample, Scenario, Study, revision_name};

/// The family-wise false-alarm rate of a gate: the chance that a pull request that changes
/// nothing fails, over every gated cell and look.
pub const ALPHA: f64 = 0.05;

/// What the gate compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Wall-clock seconds of the build: what a developer waits for.
    #[default]
    Wall,
    /// User + system CPU seconds of the build's process tree: the work done, less sensitive to
    /// how busy the machine is.
    Cpu,
    /// The sum of the units' durations from cargo's `--timings` report.
    Units,
}

impl Metric {
    /// The metric of one sample, `None` when the sample does not have it.
    pub fn of(self, sample: &Sample) -> Option<f64> {
        match self {
            Metric::Wall => Some(sample.wall_seconds),
            Metric::Cpu => Some(sample.user_seconds + sample.system_seconds),
            Metric::Units => {
                (!sample.units.is_empty()).then(|| sample.units.iter().map(|u| u.duration).sum::<f64>() + 0.0)
            }
        }
    }

    /// The measurement's resolution: the clock's for wall and CPU time, cargo's 10 ms rounding
    /// for unit times.
    pub fn resolution(self) -> f64 {
        match self {
            Metric::Wall | Metric::Cpu => WALL_RESOLUTION,
            Metric::Units => TIMINGS_RESOLUTION,
        }
    }

    /// `wall`, `cpu`, `units`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Wall => "wall",
            Metric::Cpu => "cpu",
            Metric::Units => "units",
        }
    }

    /// How the metric is named in reports.
    pub fn describe(self) -> &'static str {
        match self {
            Metric::Wall => "wall time",
            Metric::Cpu => "CPU time (user + system)",
            Metric::Units => "sum of unit times",
        }
    }
}

/// What an undecided gated cell does to the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnUndecided {
    /// Pass, with a warning that names the cells.
    #[default]
    Pass,
    /// Fail like a slower cell.
    Fail,
}

/// A gate as asked for (`compare --gate`, `buildbench gate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateSpec {
    /// The slowdown that fails the gate (0.05: head more than 5% slower than base).
    pub threshold: f64,
    /// The gated cells as `configuration/scenario` (the configuration without its revision);
    /// empty: the baseline configuration in every scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<String>,
    /// What is compared.
    #[serde(default)]
    pub metric: Metric,
    /// What undecided cells do to the exit status.
    #[serde(default)]
    pub undecided: OnUndecided,
    /// Keep measuring undecided gated cells, both revisions in turn, up to the plan's
    /// `max_runs`, deciding at the looks of `looks`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub until_decided: bool,
}

/// The decision on one gated cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Head is slower than base by more than the threshold: the whole interval above 1 and the
    /// estimate beyond the threshold.
    Slower,
    /// Head is not slower than base by more than the threshold: the interval's upper end is
    /// below 1 + threshold.
    NotSlower,
    /// The interval straddles the threshold (or 1): more samples would tell.
    Undecided,
    /// Head could not be measured (its builds failed) where base could.
    Failed,
}

impl Outcome {
    /// `slower`, `not slower`, `undecided`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Slower => "slower",
            Outcome::NotSlower => "not slower",
            Outcome::Undecided => "undecided",
            Outcome::Failed => "failed",
        }
    }
}

/// One gated cell: a configuration in a scenario, head against base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatedCell {
    /// The configuration, without its revision (`default`).
    pub configuration: String,
    /// The scenario.
    pub scenario: Scenario,
    /// The head revision's name (a study may have several heads against one base).
    pub head: String,
    /// Successful measured samples of base and of head.
    pub base_runs: u32,
    /// See `base_runs`.
    pub head_runs: u32,
    /// Mean of the metric at base, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_mean: Option<f64>,
    /// Mean of the metric at head, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_mean: Option<f64>,
    /// Head / base (1.08: head 8% slower), the ratio of means (of geometric means within blocks
    /// in a sharded study).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// The interval of `ratio` at the gate's corrected confidence; `None` when unbounded or
    /// not computable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<(f64, f64)>,
    /// The decision.
    pub outcome: Outcome,
    /// Why, in words.
    pub reason: String,
    /// What this cell could detect at the noise it measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<Power>,
    /// The ratio was taken pair by pair: base and head samples measured one after the other,
    /// in the same round on the same runner (see `decide`).
    pub paired: bool,
}

/// The gate's result over every gated cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gate {
    /// The slowdown that fails the gate.
    pub threshold: f64,
    /// What was compared.
    pub metric: Metric,
    /// The base revision.
    pub base: Revision,
    /// The head revisions.
    pub heads: Vec<Revision>,
    /// Confidence of each cell's interval: `1 − 0.05 / (cells × looks)`.
    pub confidence: f64,
    /// The looks the correction counts (1 without `--until-decided`).
    pub looks: u32,
    /// What undecided cells do to the exit status.
    pub undecided: OnUndecided,
    /// Every gated cell.
    pub cells: Vec<GatedCell>,
}

impl Gate {
    /// Cells with this outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.cells.iter().filter(|c| c.outcome == outcome).count()
    }

    /// Does the gate fail? On a slower or failed cell, or an undecided one with `--undecided
    /// fail`, or with no cell gated at all (nothing measured is not green).
    pub fn fails(&self) -> bool {
        self.cells.is_empty()
            || self.count(Outcome::Slower) > 0
            || self.count(Outcome::Failed) > 0
            || (self.undecided == OnUndecided::Fail && self.count(Outcome::Undecided) > 0)
    }
}

/// Why a study cannot be gated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GateError {
    /// Not a rev study.
    #[error(
        "the study has no revisions to compare; run `buildbench compare PATH --rev BASE,HEAD` (a rev study) and gate that, or compare two studies with `buildbench diff`"
    )]
    NotRevStudy,
    /// A `--gate-cells` entry names nothing in the study.
    #[error("--gate-cells {cell:?} is not a configuration/scenario of this study; it has: {known}")]
    UnknownCell {
        /// The entry as given.
        cell: String,
        /// The cells the study has.
        known: String,
    },
    /// A threshold that is no slowdown.
    #[error("the threshold {0} is not a slowdown between 0% and 1000%")]
    Threshold(f64),
}

/// The sample counts at which `--until-decided` decides: the first `runs`, then about 1.5
/// times more at each look, up to `max_runs`. Few looks keep the correction small: 5 → 8 →
/// 12 → 18 → 20 is five looks. Without `until_decided`, one look at `runs`.
pub fn looks(runs: u32, max_runs: u32, until_decided: bool) -> Vec<u32> {
    let first = runs.max(1);
    let mut out = vec![first];
    if !until_decided {
        return out;
    }
    let mut n = first;
    while n < max_runs {
        n = (n + 1).max(n.saturating_mul(3).div_ceil(2)).min(max_runs);
        out.push(n);
    }
    out
}

/// The cells a gate covers, `(variant, scenario)`: those named in `spec.cells`, else the
/// baseline configuration's in every scenario it runs.
pub fn gated_cells(plan: &crate::Plan, spec: &GateSpec) -> Result<Vec<(String, Scenario)>, GateError> {
    // In the plan's order, each once; the set keeps this linear in the configurations.
    let mut all: Vec<(String, Scenario)> = Vec::new();
    let mut seen: std::collections::HashSet<(&str, Scenario)> = std::collections::HashSet::new();
    for &scenario in &plan.scenarios {
        for c in &plan.configurations {
            if c.runs(scenario) && seen.insert((c.variant(), scenario)) {
                all.push((c.variant().to_owned(), scenario));
            }
        }
    }
    if spec.cells.is_empty() {
        let baseline = plan.configurations.iter().find(|c| c.name == plan.baseline).map_or("default", |c| c.variant());
        return Ok(all.into_iter().filter(|(v, _)| v == baseline).collect());
    }
    let mut out = Vec::new();
    let mut taken: std::collections::HashSet<(&str, Scenario)> = std::collections::HashSet::new();
    for wanted in &spec.cells {
        let found = wanted.rsplit_once('/').and_then(|(v, s)| {
            let scenario: Scenario = s.parse().ok()?;
            seen.get(&(v, scenario)).copied()
        });
        match found {
            Some(cell) if taken.insert(cell) => out.push((cell.0.to_owned(), cell.1)),
            Some(_) => {}
            None => {
                let known = all.iter().map(|(v, s)| format!("{v}/{s}")).collect::<Vec<_>>().join(", ");
                return Err(GateError::UnknownCell { cell: wanted.clone(), known });
            }
        }
    }
    Ok(out)
}

/// What a report's "head vs base" section shows: the study's own gate (`compare --gate`),
/// else every configuration in every scenario at a 5% threshold.
pub fn report_spec(plan: &crate::Plan) -> GateSpec {
    if let Some(spec) = &plan.gate {
        return spec.clone();
    }
    let mut cells: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<(&str, Scenario)> = std::collections::HashSet::new();
    for &scenario in &plan.scenarios {
        for c in &plan.configurations {
            if c.runs(scenario) && seen.insert((c.variant(), scenario)) {
                cells.push(format!("{}/{scenario}", c.variant()));
            }
        }
    }
    GateSpec { threshold: 0.05, cells, metric: Metric::Wall, undecided: OnUndecided::Pass, until_decided: false }
}

/// The looks a study's gate counts: those of its plan.
pub fn planned_looks(study: &Study, spec: &GateSpec) -> u32 {
    u32::try_from(looks(study.plan.runs, study.plan.max_runs, spec.until_decided).len()).unwrap_or(u32::MAX)
}

/// The confidence of each decision for `cells` gated cells and `looks` looks.
pub fn confidence(cells: usize, looks: u32) -> f64 {
    1.0 - ALPHA / (cells.max(1) as f64 * f64::from(looks.max(1)))
}

/// Gates a rev study: every head revision against the base (the first) in every gated cell.
pub fn evaluate(study: &Study, spec: &GateSpec) -> Result<Gate, GateError> {
    if !(spec.threshold.is_finite() && spec.threshold > 0.0 && spec.threshold <= 10.0) {
        return Err(GateError::Threshold(spec.threshold));
    }
    let (base, heads) = match study.plan.revisions.split_first() {
        Some((base, heads)) if !heads.is_empty() => (base, heads),
        _ => return Err(GateError::NotRevStudy),
    };
    let cells = gated_cells(&study.plan, spec)?;
    let looks = planned_looks(study, spec);
    let confidence = confidence(cells.len() * heads.len(), looks);
    let runs = study.cells();
    let mut out = Vec::new();
    for head in heads {
        for (variant, scenario) in &cells {
            let base_name = revision_name(variant, &base.name);
            let head_name = revision_name(variant, &head.name);
            let values = |name: &str| -> Vec<(u32, u32, f64)> {
                runs.successful(name, *scenario)
                    .filter_map(|s| Some((s.block.unwrap_or(0), s.index, spec.metric.of(s)?)))
                    .collect()
            };
            let failure = |name: &str| {
                runs.run(name, *scenario).next()?;
                let failed: Vec<&Sample> = runs.run(name, *scenario).filter(|s| !s.success).collect();
                let all_failed = !failed.is_empty() && runs.successful(name, *scenario).next().is_none();
                all_failed.then(|| {
                    failed.first().map_or_else(String::new, |s| {
                        crate::failure_reason(s.stderr_tail.as_deref().unwrap_or_default())
                    })
                })
            };
            let (b, h) = (values(&base_name), values(&head_name));
            let mut decision = decide(&b, &h, spec.threshold, confidence, spec.metric);
            decision.power = cell_power(&b, &h, spec.threshold, confidence, spec.metric);
            let mut cell = GatedCell {
                configuration: variant.clone(),
                scenario: *scenario,
                head: head.name.clone(),
                base_runs: decision.base_runs,
                head_runs: decision.head_runs,
                base_mean: decision.base_mean,
                head_mean: decision.head_mean,
                ratio: decision.ratio,
                interval: decision.interval,
                outcome: decision.outcome,
                reason: decision.reason,
                power: decision.power,
                paired: decision.paired,
            };
            if cell.base_runs == 0 || cell.head_runs == 0 {
                // Nothing measured is not green: a side without one successful sample.
                cell.outcome = Outcome::Failed;
                cell.reason = format!(
                    "not measured: {} successful sample(s) of {base_name}, {} of {head_name}",
                    cell.base_runs, cell.head_runs
                );
            }
            if let Some(why) = failure(&head_name) {
                cell.outcome = Outcome::Failed;
                cell.reason = format!("every build of {head_name} failed: {why}");
            } else if let Some(why) = failure(&base_name) {
                cell.outcome = Outcome::Undecided;
                cell.reason = format!("every build of {base_name} failed, so there is nothing to compare with: {why}");
            }
            out.push(cell);
        }
    }
    Ok(Gate {
        threshold: spec.threshold,
        metric: spec.metric,
        base: base.clone(),
        heads: heads.to_vec(),
        confidence,
        looks,
        undecided: spec.undecided,
        cells: out,
    })
}

/// One cell's decision, from its two sides' values grouped by block.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The outcome.
    pub outcome: Outcome,
    /// Why, in words.
    pub reason: String,
    /// Head / base.
    pub ratio: Option<f64>,
    /// Its interval.
    pub interval: Option<(f64, f64)>,
    /// What the cell could detect.
    pub power: Option<Power>,
    /// Samples of base.
    pub base_runs: u32,
    /// Samples of head.
    pub head_runs: u32,
    /// Mean of base.
    pub base_mean: Option<f64>,
    /// Mean of head.
    pub head_mean: Option<f64>,
    /// Taken pair by pair.
    pub paired: bool,
}

/// One side's measurements: `(block, sample index, value)`. Base and head samples with the same
/// block and index were measured in the same round, one right after the other.
pub type Values = [(u32, u32, f64)];

/// The base and head values measured in the same round of the same block.
fn pairs(base: &Values, head: &Values) -> Vec<(f64, f64)> {
    base.iter()
        .filter_map(|&(b, i, x)| head.iter().find(|&&(hb, hi, _)| hb == b && hi == i).map(|&(_, _, y)| (x, y)))
        .filter(|(x, y)| x.is_finite() && y.is_finite() && *x > 0.0 && *y > 0.0)
        .collect()
}

/// The log-ratios of the pairs: their mean, standard deviation (floored at the resolution
/// relative to base's mean, as every interval is) and count.
fn paired_logs(pairs: &[(f64, f64)], resolution: f64) -> Option<(f64, f64, f64)> {
    if pairs.len() < crate::stats::MIN_SAMPLES {
        return None;
    }
    let n = pairs.len() as f64;
    let d: Vec<f64> = pairs.iter().map(|(x, y)| (y / x).ln()).collect();
    let mean = d.iter().sum::<f64>() / n;
    let sd = (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let base = pairs.iter().map(|(x, _)| x).sum::<f64>() / n;
    let floor = resolution / 2.0 / base.max(f64::MIN_POSITIVE) * std::f64::consts::SQRT_2;
    Some((mean, sd.max(floor), n))
}

/// How many values a side has.
fn count(values: &Values) -> u32 {
    u32::try_from(values.len()).unwrap_or(u32::MAX)
}

/// A side's mean, `None` without values.
fn mean(values: &Values) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().map(|x| x.2).sum::<f64>() / values.len() as f64)
}

fn groups(values: &Values) -> Vec<(u32, Vec<f64>)> {
    let mut out: Vec<(u32, Vec<f64>)> = Vec::new();
    for &(block, _, x) in values {
        match out.iter_mut().find(|(b, _)| *b == block) {
            Some((_, v)) => v.push(x),
            None => out.push((block, vec![x])),
        }
    }
    out
}

/// What a gated cell could detect at the noise it measured: of the pairs' log-ratios where
/// base and head were measured in turns, else of each side within its blocks.
pub fn cell_power(base: &Values, head: &Values, threshold: f64, confidence: f64, metric: Metric) -> Option<Power> {
    if let Some((_, sd, n)) = paired_logs(&pairs(base, head), metric.resolution()) {
        // A pair's log-ratio has twice one sample's variance: the per-sample noise is sd / √2.
        let n = n as u32;
        return Some(power(sd / std::f64::consts::SQRT_2, f64::from(n - 1), n, n, threshold, confidence));
    }
    let (b, h) = (groups(base), groups(head));
    log_noise(&[&b, &h]).map(|(noise, df)| {
        let floor = metric.resolution() / 2.0 / mean(base).unwrap_or(0.0).max(f64::MIN_POSITIVE);
        power(noise.max(floor), df, count(base), count(head), threshold, confidence)
    })
}

/// Decides one gated cell (see the module documentation): pure, so the simulations drive it.
/// The power is left to `cell_power`, which `evaluate` adds.
///
/// Where base and head were measured in turns (samples of the same block and index), the
/// ratio is taken pair by pair: the geometric mean of head/base over the pairs, with a paired
/// t interval of the log-ratios (n − 1 degrees of freedom). Each pair was built within a minute
/// on one machine, so whatever slows the machine for a while (a neighbour's job, a throttled
/// CPU, a slower runner) slows both of a pair and cancels in its ratio, instead of widening
/// both sides' spread. Without pairs (samples that do not line up), the two sides are compared
/// as wholes: within blocks and pooled (`stats::blocks`), or Fieller's interval.
pub fn decide(base: &Values, head: &Values, threshold: f64, confidence: f64, metric: Metric) -> Decision {
    let (base_runs, head_runs) = (count(base), count(head));
    let settings = Settings { noise: 0.0, resolution: metric.resolution(), confidence, pilot: None };
    let q = 1.0 - (1.0 - confidence) / 2.0;
    let paired = paired_logs(&pairs(base, head), metric.resolution());
    // (ratio, interval) of head / base.
    let estimate: Option<(f64, Option<(f64, f64)>)> = match paired {
        Some((mean, sd, n)) => {
            let half = crate::stats::t_quantile(q, n - 1.0).map(|t| t * sd / n.sqrt());
            Some((mean.exp(), half.map(|h| ((mean - h).exp(), (mean + h).exp()))))
        }
        None => {
            let comparison = blocks::compare_groups(&groups(base), &groups(head), &settings);
            // Speedup = base / head, so head / base has the interval [1 / high, 1 / low].
            comparison
                .filter(|c| c.speedup > 0.0 && c.speedup.is_finite())
                .map(|c| (1.0 / c.speedup, c.ci95.and_then(|(lo, hi)| (lo > 0.0).then(|| (1.0 / hi, 1.0 / lo)))))
        }
    };
    let mut decision = Decision {
        outcome: Outcome::Undecided,
        reason: String::new(),
        ratio: None,
        interval: None,
        power: None,
        base_runs,
        head_runs,
        base_mean: mean(base),
        head_mean: mean(head),
        paired: paired.is_some(),
    };
    let least = crate::stats::MIN_SAMPLES as u32;
    if base_runs < least || head_runs < least {
        decision.reason = format!(
            "too few samples to decide ({base_runs} of base, {head_runs} of head; at least {least} each, and more \
             for a useful interval)"
        );
        decision.ratio = estimate.map(|e| e.0);
        return decision;
    }
    let Some((ratio, interval)) = estimate else {
        decision.reason = "no comparison possible (a time of zero)".to_owned();
        return decision;
    };
    decision.ratio = Some(ratio);
    decision.interval = interval;
    let limit = 1.0 + threshold;
    let percent = |x: f64| format!("{:+.1}%", (x - 1.0) * 100.0);
    let at = format!("{}%", format!("{:.4}", (1.0 - confidence) * 100.0).trim_end_matches('0').trim_end_matches('.'));
    match interval {
        Some((low, high)) if low > 1.0 + TOLERANCE && ratio > limit * (1.0 + TOLERANCE) => {
            decision.outcome = Outcome::Slower;
            decision.reason = format!(
                "head is {} slower (interval {} to {}, entirely above 0%), beyond the {:.1}% threshold",
                percent(ratio).trim_start_matches('+'),
                percent(low),
                percent(high),
                threshold * 100.0
            );
        }
        Some((_, high)) if high < limit * (1.0 - TOLERANCE) => {
            decision.outcome = Outcome::NotSlower;
            decision.reason =
                format!("the interval's upper end {} is below the {:.1}% threshold", percent(high), threshold * 100.0);
        }
        Some((low, high)) => {
            decision.reason = format!(
                "the interval {} to {} does not settle it against {:.1}% (each decision at {at} error)",
                percent(low),
                percent(high),
                threshold * 100.0
            );
        }
        None => {
            decision.reason = "the interval is unbounded at this noise; more samples would tell".to_owned();
        }
    }
    decision
}

#[cfg(test)]
mod simulation;

#[cfg(test)]
mod tests {
    use super::*;

    fn one(values: &[f64]) -> Vec<(u32, u32, f64)> {
        values.iter().enumerate().map(|(i, &x)| (0, i as u32, x)).collect()
    }

    #[test]
    fn looks_grow_by_half_up_to_the_maximum() {
        assert_eq!(looks(5, 20, true), [5, 8, 12, 18, 20]);
        assert_eq!(looks(3, 20, true), [3, 5, 8, 12, 18, 20]);
        assert_eq!(looks(5, 20, false), [5]);
        assert_eq!(looks(5, 5, true), [5]);
        assert_eq!(looks(1, 3, true), [1, 2, 3]);
    }

    #[test]
    fn exactly_the_threshold_is_not_slower_than_the_threshold() {
        // Head exactly 5% slower with no spread at all: 1 / (10 / 10.5) is
        // 1.0500000000000000444 in floating point, which must not count as beyond 5%.
        let base = one(&[10.0; 6]);
        let head = one(&[10.5; 6]);
        let d = decide(&base, &head, 0.05, 0.95, Metric::Wall);
        assert_ne!(d.outcome, Outcome::Slower, "{d:?}");
        assert!((d.ratio.unwrap() - 1.05).abs() < 1e-12);
    }

    #[test]
    fn just_above_the_threshold_with_a_tight_interval_is_slower() {
        let base = one(&[10.0, 10.001, 9.999, 10.0, 10.0, 10.001]);
        let head = one(&[10.51, 10.511, 10.509, 10.51, 10.51, 10.511]);
        let d = decide(&base, &head, 0.05, 0.95, Metric::Wall);
        assert_eq!(d.outcome, Outcome::Slower, "{d:?}");
        let (low, _) = d.interval.unwrap();
        assert!(low > 1.0);
    }

    #[test]
    fn an_unchanged_tight_cell_is_shown_not_slower_and_a_noisy_one_stays_undecided() {
        let base = one(&[10.0, 10.1, 9.9, 10.05, 9.95]);
        let same = one(&[10.02, 9.98, 10.1, 9.9, 10.0]);
        assert_eq!(decide(&base, &same, 0.05, 0.95, Metric::Wall).outcome, Outcome::NotSlower);
        let noisy = one(&[8.0, 12.0, 9.0, 11.5, 10.0]);
        let d = decide(&base, &noisy, 0.05, 0.95, Metric::Wall);
        assert_eq!(d.outcome, Outcome::Undecided, "{d:?}");
        let power = cell_power(&base, &noisy, 0.05, 0.95, Metric::Wall).unwrap();
        assert!(power.detectable.unwrap() > 0.10, "{power:?}");
    }

    #[test]
    fn two_samples_are_never_enough_to_pass_a_large_slowdown_silently() {
        // The old diff passed a 46% slowdown from two samples a side without a word.
        let d = decide(&one(&[10.0, 13.0]), &one(&[14.6, 19.0]), 0.05, 0.95, Metric::Wall);
        assert_ne!(d.outcome, Outcome::NotSlower, "{d:?}");
        let one_each = decide(&one(&[10.0]), &one(&[14.6]), 0.05, 0.95, Metric::Wall);
        assert_eq!(one_each.outcome, Outcome::Undecided);
        assert!(one_each.reason.contains("too few samples"));
    }
}
