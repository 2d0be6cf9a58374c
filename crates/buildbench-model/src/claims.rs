//! Verdicts on claimed speedups ("mold links 2-5x faster"): does the measured interval support
//! the claimed range?

use serde::Serialize;

use crate::Word as _;
use crate::stats::Comparison;

/// The outcome of checking a claim against a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// The word printed in reports (`holds`, `does not hold`, ...).
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
    // A bound equal to the threshold up to floating-point error counts as equal.
    let threshold = low * (1.0 - crate::stats::TOLERANCE);
    match c.ci95 {
        Some((lo, _)) if lo >= threshold => Verdict::Holds,
        Some((_, hi)) if hi < threshold => Verdict::DoesNotHold,
        _ => Verdict::Inconclusive,
    }
}

/// `holds (2-5x): measured 2.8x [2.5x, 3.1x]`, with a note when the speedup exceeds the range.
pub fn describe(verdict: Verdict, comparison: Option<&Comparison>, low: f64, high: Option<f64>) -> String {
    let range = match high {
        Some(h) => format!("{low}-{h}x"),
        None => format!(">= {low}x"),
    };
    format!("{} ({range}): {}", verdict.as_str(), measured(verdict, comparison, high))
}

/// What was measured, in words: `measured 2.80x [2.50x, 3.10x]`, with a remark when even the
/// interval's low end is above the claimed range.
pub fn measured(verdict: Verdict, comparison: Option<&Comparison>, high: Option<f64>) -> String {
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
    format!("{measured}{above}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(speedup: f64, ci: Option<(f64, f64)>) -> Comparison {
        Comparison { speedup, ci95: ci, p_value: Some(0.01), p_adjusted: None, significant: true, pooled: None }
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

/// The guide's claims, as data (`claims.json`): new claims need no code.
pub const CLAIMS_JSON: &str = include_str!("../claims.json");

/// One claim: "`candidate` is at least `low`x faster than `reference` on `metric`".
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Claim {
    /// Stable identifier (`mold-link`).
    pub id: String,
    /// The claim as the guide words it.
    pub text: String,
    /// Axis values (`backend`, `linker`, `cache`, `profile`) of the configuration compared with.
    pub reference: std::collections::BTreeMap<String, String>,
    /// Axis values of the configuration the claim is about; every other axis must be equal.
    pub candidate: std::collections::BTreeMap<String, String>,
    /// `wall`, `codegen` or `link`.
    pub metric: String,
    /// Scenarios to check, in order of preference; the first that was measured is used.
    pub scenarios: Vec<crate::Scenario>,
    /// The smallest speedup the claim promises (2.0 for "2-5x").
    pub low: f64,
    #[serde(default)]
    /// The largest, when the claim gives a range.
    pub high: Option<f64>,
    #[serde(default)]
    /// Why the claim is measured the way it is.
    pub note: Option<String>,
}

/// The claims shipped with buildbench.
pub fn builtin() -> Vec<Claim> {
    // The file is part of the binary and checked by a test; it cannot fail to parse.
    serde_json::from_str(CLAIMS_JSON).unwrap_or_default()
}

/// The built-in claim with this id (`mold-link`).
pub fn builtin_claim(id: &str) -> Option<Claim> {
    builtin().into_iter().find(|c| c.id == id)
}

/// A claim checked against a study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimResult {
    /// The claim's identifier.
    pub id: String,
    /// The claim as the guide words it.
    pub text: String,
    /// Holds, does not hold, inconclusive or not measured.
    pub verdict: Verdict,
    /// `holds (2-5x): measured ...`, or why it was not measured.
    pub detail: String,
    /// The part of `detail` after the verdict: what was measured, or what it needs.
    #[serde(skip)]
    pub measured: String,
    /// The cells compared, when measured: the reference's and the candidate's configuration,
    /// and the scenario.
    #[serde(skip)]
    pub cells: Option<(String, String, crate::Scenario)>,
    /// The configurations and scenario compared: `mold vs default, incremental, link time`.
    pub compared: Option<String>,
    /// The measured speedup with its interval, when measured.
    pub comparison: Option<Comparison>,
    /// What was compared, or why nothing was.
    pub note: Option<String>,
}

impl ClaimResult {
    /// Futile to sample on: an inconclusive verdict that `max` samples per side would decide
    /// (either way) with a probability below `FUTILITY`, if the speedup were what has been
    /// measured so far (conditional power under the current trend). From the interval at
    /// `confidence`: each side's standard error is its half-width over the t quantile for
    /// `taken` samples per side (2(n−1) degrees of freedom, as for two equal spreads); the
    /// final estimate after `max` samples then varies around today's with a standard error of
    /// se·√(taken·(max−taken))/max, and its interval has the t quantile for `max` samples.
    /// `--until-verdict` stops sampling such a claim. Stopping for futility never decides a
    /// claim, so it cannot raise the error rate of the verdicts that are given (a non-binding
    /// futility rule); the simulation (`stats/simulation.rs`) measures what it costs in power.
    /// Without an interval (fewer than three samples) nothing is futile yet.
    pub fn futile(&self, low: f64, taken: usize, max: usize, confidence: f64) -> bool {
        use statrs::distribution::{ContinuousCDF, Normal};
        // Before half of the samples the estimate itself is too rough to judge by (the
        // simulation lost a third of its power stopping at three of ten).
        if self.verdict != Verdict::Inconclusive || taken < 2 || 2 * taken < max {
            return false;
        }
        let Some((speedup, (lo, hi))) = self.comparison.as_ref().and_then(|c| Some((c.speedup, c.ci95?))) else {
            return false;
        };
        if taken >= max {
            return true;
        }
        let q = 1.0 - (1.0 - confidence) / 2.0;
        let t = |n: usize| crate::stats::t_quantile(q, 2.0 * (n as f64 - 1.0));
        let (Some(now), Some(then), Ok(normal)) = (t(taken), t(max), Normal::new(0.0, 1.0)) else { return false };
        let (n, m) = (taken as f64, max as f64);
        // The chance that the final interval clears `low` on the side of `half`'s error.
        let clears = |half: f64, above: bool| {
            let se = half / now;
            let (final_se, spread) = (se * (n / m).sqrt(), se * (n * (m - n)).sqrt() / m);
            if spread <= 0.0 {
                return 0.0;
            }
            if above {
                1.0 - normal.cdf((low + then * final_se - speedup) / spread)
            } else {
                normal.cdf((low - then * final_se - speedup) / spread)
            }
        };
        clears(speedup - lo, true) + clears(hi - speedup, false) < FUTILITY
    }
}

/// The conditional power under which `--until-verdict` stops sampling a claim.
pub const FUTILITY: f64 = 0.05;

fn axis<'a>(c: &'a crate::Configuration, name: &str) -> Option<&'a str> {
    Some(match name {
        "backend" => c.backend.as_str(),
        "linker" => c.linker.as_str(),
        "cache" => c.cache.as_str(),
        "preset" | "profile" => c.preset.as_str(),
        _ => return None,
    })
}

fn matches(c: &crate::Configuration, wanted: &std::collections::BTreeMap<String, String>) -> bool {
    wanted.iter().all(|(k, v)| axis(c, k) == Some(v.as_str()))
}

/// What a configuration must share with the one it is compared with: the axes the claim does
/// not name, the overrides other than profile settings, the environment, the scan values and,
/// in a rev study, the revision (a claim is about a setting, never about a code change). Two
/// configurations are comparable for a claim exactly when their keys are equal, so the
/// candidate of every reference is found by a lookup, not a search.
#[derive(PartialEq, Eq, Hash)]
struct Elsewhere<'a> {
    axes: Vec<Option<&'a str>>,
    overrides: Vec<&'a str>,
    env: &'a [(String, String)],
    rustflags: &'a [String],
    scan: &'a [(String, String)],
    revision: Option<&'a str>,
}

fn elsewhere<'a>(c: &'a crate::Configuration, claim: &Claim) -> Elsewhere<'a> {
    Elsewhere {
        axes: ["backend", "linker", "cache", "preset"]
            .iter()
            .filter(|k| !claim.candidate.contains_key(**k) && !claim.reference.contains_key(**k))
            .map(|k| axis(c, k))
            .collect(),
        overrides: c.overrides.iter().filter(|o| !o.starts_with("profile.")).map(String::as_str).collect(),
        env: &c.env,
        rustflags: &c.rustflags,
        scan: &c.scan,
        revision: c.revision.as_deref(),
    }
}

fn metric(sample: &crate::Sample, name: &str) -> Option<f64> {
    match name {
        "wall" => Some(sample.wall_seconds),
        "codegen" => sample.codegen_seconds(),
        "link" => sample.artifact_link_seconds(),
        _ => None,
    }
}

/// Checks every claim against a study, as one family: with k claims measured, each interval
/// has confidence 1 − 0.05/k (Bonferroni), so the chance that *any* verdict rests on an
/// interval that misses the true speedup stays at or below 5%.
///
/// A study sampled `--until-verdict` looked at its verdicts after every round: with L possible
/// looks, each interval has confidence 1 − 0.05/(k·L) (Bonferroni over claims and looks), so
/// stopping at the first decided look does not raise the error rate.
pub fn evaluate_all(claims: &[Claim], study: &crate::Study, noise: f64) -> Vec<ClaimResult> {
    evaluate_family(claims, study, noise).0
}

/// `evaluate_all`, with the confidence each interval used: 1 − 0.05/(k·L) for k claims
/// measured and L looks (what `ClaimResult::futile` projects from).
pub fn evaluate_family(claims: &[Claim], study: &crate::Study, noise: f64) -> (Vec<ClaimResult>, f64) {
    let cells = study.cells();
    let measured = claims.iter().filter(|c| evaluate_cells(c, &cells, noise, 0.95).comparison.is_some()).count();
    let confidence = 1.0 - 0.05 / (measured.max(1) * looks(&study.plan)) as f64;
    (claims.iter().map(|c| evaluate_cells(c, &cells, noise, confidence)).collect(), confidence)
}

/// How many times a study may look at its verdicts: once, or after every round `--until-verdict`.
pub fn looks(plan: &crate::Plan) -> usize {
    if plan.until_verdict { plan.max_runs.saturating_sub(plan.runs) as usize + 1 } else { 1 }
}

/// Checks one claim against a study, with intervals of the given confidence.
pub fn evaluate(claim: &Claim, study: &crate::Study, noise: f64, confidence: f64) -> ClaimResult {
    evaluate_cells(claim, &study.cells(), noise, confidence)
}

/// `evaluate` on a study whose samples are already grouped by cell.
fn evaluate_cells(claim: &Claim, cells: &crate::Cells<'_>, noise: f64, confidence: f64) -> ClaimResult {
    let study = cells.study;
    let mut result = ClaimResult {
        id: claim.id.clone(),
        text: claim.text.clone(),
        verdict: Verdict::NotMeasured,
        detail: String::new(),
        measured: String::new(),
        cells: None,
        compared: None,
        comparison: None,
        note: claim.note.clone(),
    };
    let configs = &study.plan.configurations;
    // Prefer the study's baseline as the reference when it fits.
    let mut references: Vec<&crate::Configuration> = configs.iter().filter(|c| matches(c, &claim.reference)).collect();
    references.sort_by_key(|c| c.name != study.plan.baseline);
    // The first candidate (in the plan's order) of each kind of configuration.
    let mut candidates: std::collections::HashMap<Elsewhere<'_>, &crate::Configuration> =
        std::collections::HashMap::new();
    for c in configs.iter().filter(|c| matches(c, &claim.candidate)) {
        candidates.entry(elsewhere(c, claim)).or_insert(c);
    }
    let references: Vec<(&crate::Configuration, &crate::Configuration)> =
        references.into_iter().filter_map(|r| Some((r, *candidates.get(&elsewhere(r, claim))?))).collect();
    for &scenario in &claim.scenarios {
        for &(reference, candidate) in &references {
            let value = |x: &crate::Sample| metric(x, &claim.metric);
            let (r, c) = ((reference.name.as_str(), scenario.reference()), (candidate.name.as_str(), scenario));
            if cells.groups(r.0, r.1, value).is_empty() || cells.groups(c.0, c.1, value).is_empty() {
                continue;
            }
            // Times from cargo's --timings are rounded to 10 ms; wall and link times are
            // buildbench's own clock.
            let resolution = if claim.metric == "codegen" {
                crate::stats::TIMINGS_RESOLUTION
            } else {
                crate::stats::WALL_RESOLUTION
            };
            let settings = crate::stats::Settings { noise, resolution, confidence, pilot: study.pilot() };
            let comparison = cells.compare(r, c, value, &settings);
            result.verdict = check(comparison.as_ref(), claim.low);
            result.detail = describe(result.verdict, comparison.as_ref(), claim.low, claim.high);
            result.measured = measured(result.verdict, comparison.as_ref(), claim.high);
            result.cells = Some((reference.name.clone(), candidate.name.clone(), scenario));
            result.compared =
                Some(format!("{} vs {}, {scenario}, {} time", candidate.name, reference.name, claim.metric));
            result.comparison = comparison;
            return result;
        }
    }
    let flags: Vec<String> = claim
        .candidate
        .iter()
        .map(|(axis, value)| {
            let reference = claim.reference.get(axis).map_or_else(String::new, |r| format!("{r},"));
            format!("--{axis} {reference}{value}")
        })
        .collect();
    result.measured = format!(
        "needs configurations that differ only in {} (compare {} in the {} scenario)",
        claim.candidate.keys().cloned().collect::<Vec<_>>().join(" and "),
        flags.join(" "),
        claim.scenarios.first().map_or("clean", |s| s.as_str()),
    );
    result.detail = format!("not measured: {}", result.measured);
    result
}

#[cfg(test)]
mod data_tests {
    use super::*;

    #[test]
    fn a_claim_at_its_boundary_is_futile_to_sample_and_a_clear_one_is_not() {
        let result = |speedup: f64, ci: (f64, f64)| ClaimResult {
            id: "x".to_owned(),
            text: String::new(),
            verdict: check(Some(&Comparison { ci95: Some(ci), ..Comparison::ratio_only(speedup) }), 1.8),
            detail: String::new(),
            measured: String::new(),
            cells: None,
            compared: None,
            comparison: Some(Comparison { ci95: Some(ci), ..Comparison::ratio_only(speedup) }),
            note: None,
        };
        // ripgrep's Cranelift codegen claim, 1.87x [1.57x, 2.24x] against >= 1.8x: with 4 of 8
        // samples taken, 8 would decide it about 3% of the time at this estimate.
        let boundary = result(1.87, (1.57, 2.24));
        assert_eq!(boundary.verdict, Verdict::Inconclusive);
        assert!(boundary.futile(1.8, 4, 8, 0.95));
        // Before half of the samples, never.
        assert!(!boundary.futile(1.8, 3, 8, 0.95));
        // 2.3x [1.7x, 2.9x]: 20 samples at that estimate would clear 1.8x, so sample on.
        assert!(!result(2.3, (1.7, 2.9)).futile(1.8, 3, 20, 0.95));
        // At the last look nothing narrows: futile exactly when undecided.
        assert!(result(2.3, (1.7, 2.9)).futile(1.8, 20, 20, 0.95));
        // Decided claims and claims without an interval are never futile.
        assert!(!result(2.5, (2.1, 2.9)).futile(1.8, 3, 8, 0.95));
        assert!(
            !ClaimResult { comparison: Some(Comparison::ratio_only(1.9)), ..result(1.9, (1.0, 3.0)) }
                .futile(1.8, 2, 8, 0.95)
        );
    }

    #[test]
    fn the_builtin_claims_parse() {
        let claims = builtin();
        assert!(
            builtin_claim("mold-link").is_some_and(|c| c.low == 2.0 && c.high == Some(5.0)),
            "buildbench link uses it"
        );
        let ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["cranelift-codegen", "mold-link", "sccache", "fast-dev", "all-together"]);
        assert!(serde_json::from_str::<Vec<Claim>>(CLAIMS_JSON).is_ok());
    }
}
