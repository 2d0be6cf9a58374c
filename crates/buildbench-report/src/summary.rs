//! The numbers every output shows: per scenario, each configuration's statistics and its
//! comparison with the baseline. Computed once here; exporters only format them.

use buildbench_model::stats::{Comparison, Settings, Summary, WALL_RESOLUTION};
use buildbench_model::{Sample, Scenario, Study};
use serde::Serialize;

/// The default noise threshold: a speedup within ±2% of 1 is never called significant.
pub const DEFAULT_NOISE: f64 = 0.02;

/// What a cell is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    /// A build failed; see `error`.
    Failed,
    /// The configuration could not run here; see `error`.
    Unavailable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Unavailable => "unavailable",
        }
    }
}

/// One configuration × scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub configuration: String,
    /// The configuration this cell is compared with: the baseline, or in a rev study the
    /// baseline configuration of the cell's own revision.
    pub reference: String,
    /// The revision built, in a rev study.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    pub scenario: Scenario,
    pub status: Status,
    /// Wall times of the measured, successful samples, in seconds, in the order they ran.
    pub samples: Vec<f64>,
    /// Statistics of `samples`.
    pub stats: Option<Summary>,
    /// Against the baseline's run of `compared_with`.
    pub comparison: Option<Comparison>,
    /// The baseline scenario compared with: `clean` for the cache scenarios, else the same.
    pub compared_with: Option<Scenario>,
    /// Linkers named in this cell's binaries.
    pub linked_by: Vec<String>,
    /// Median cargo-reported dirty units, to show what a scenario rebuilt.
    pub dirty_units: Option<u32>,
    /// Median seconds spent linking the final artifacts, timed by the linker wrapper.
    pub link_seconds: Option<f64>,
    /// sccache hit rate over the measured samples (hits / (hits + misses)).
    pub cache_hit_rate: Option<f64>,
    /// What went wrong, as text (the JSON summary's field; exporters use `failure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What went wrong, as a type.
    #[serde(skip)]
    pub failure: Option<Failure>,
    /// This cell and the baseline's were measured on different runners only (shards split by
    /// cell): the speedup includes the difference between the runners.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub across_runners: bool,
}

/// Why a cell has no numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// A build of this cell failed: the line that says why, and the tail of its stderr.
    Build { reason: String, tail: String },
    /// The configuration's build failed in an earlier scenario, so this one did not run.
    Earlier { scenario: Scenario },
    /// The configuration cannot run here.
    Unavailable { reason: String, install: Option<String> },
}

impl Failure {
    /// One line for a table cell: `failed: error[E0308]: mismatched types`.
    pub fn line(&self) -> String {
        match self {
            Failure::Build { reason, .. } => format!("failed: {reason}"),
            Failure::Earlier { scenario } => format!("failed: failed earlier, in the {scenario} scenario"),
            Failure::Unavailable { reason, install } => {
                let install = install.as_deref().map(|i| format!("; install: {i}")).unwrap_or_default();
                format!("unavailable: {reason}{install}")
            }
        }
    }
}

/// What a report's table shows in a cell's speedup, p-value and verdict columns: the one
/// decision the Markdown and HTML tables share (each words it in its own markup).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome<'a> {
    /// The cell is its own reference and ran: the row marked "baseline".
    Baseline,
    /// The cell ran and was compared with its reference.
    Compared(&'a Comparison),
    /// The cell failed or could not run (`Cell::failure` says why).
    Failed,
    /// The cell ran but has no comparison (its reference has no times).
    Uncompared,
}

impl Cell {
    pub fn median(&self) -> Option<f64> {
        self.stats.as_ref().map(|s| s.median)
    }

    /// The cell is its own reference (the baseline in a scenario compared with itself): a row
    /// marked "baseline", not a comparison.
    pub fn is_reference(&self) -> bool {
        self.configuration == self.reference && self.scenario.reference() == self.scenario
    }

    /// What its row shows in the speedup, p-value and verdict columns (`Outcome`).
    pub fn outcome(&self) -> Outcome<'_> {
        match (&self.comparison, self.status, self.is_reference()) {
            (_, Status::Ok, true) => Outcome::Baseline,
            (Some(k), Status::Ok, false) => Outcome::Compared(k),
            (_, Status::Ok, false) => Outcome::Uncompared,
            _ => Outcome::Failed,
        }
    }

    /// The notes every table shows next to a cell, in one wording for every format: outliers
    /// (flagged, kept), units rebuilt, link time, sccache hit rate, the linkers found in the
    /// binaries.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(s) = &self.stats
            && !s.outliers.is_empty()
        {
            notes.push(format!("{} outlier(s)", s.outliers.len()));
        }
        if let Some(d) = self.dirty_units {
            notes.push(if d == 1 { "1 unit rebuilt".to_owned() } else { format!("{d} units rebuilt") });
        }
        if let Some(link) = self.link_seconds {
            notes.push(format!("link {}", crate::format::seconds(link)));
        }
        if let Some(rate) = self.cache_hit_rate {
            notes.push(format!("sccache hits {:.0}%", rate * 100.0));
        }
        if !self.linked_by.is_empty() {
            notes.push(format!("linked by {}", self.linked_by.join(", ")));
        }
        if let Some(pooled) = self.comparison.as_ref().and_then(|c| c.pooled.as_ref()) {
            notes.push(if pooled.heterogeneous {
                format!("pooled over {} runners, which disagreed (interval from their spread)", pooled.per_block.len())
            } else {
                format!("pooled over {} runners", pooled.per_block.len())
            });
        }
        if self.across_runners {
            notes.push("measured on another runner than the baseline: includes the runners' difference".to_owned());
        }
        notes
    }
}

/// The whole summary of a study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudySummary {
    pub baseline: String,
    /// The noise threshold used for significance (0.02 = 2%).
    pub noise: f64,
    /// Each toolchain's default linker, resolved from a probe binary: (toolchain, linker).
    pub default_linkers: Vec<(String, String)>,
    pub cells: Vec<Cell>,
    /// The guide's claims checked against this study.
    pub claims: Vec<buildbench_model::claims::ClaimResult>,
    /// Per scenario, how to adopt the fastest significantly better configuration.
    pub recommendations: Vec<crate::recommend::Recommendation>,
    /// Where the baseline's build time goes, when check scenarios ran next to build ones.
    pub diagnosis: Option<crate::diagnose::Diagnosis>,
    /// For a study sharded over several runners: how much they differed, apart from the noise
    /// within each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runners: Option<buildbench_model::stats::blocks::RunnerSpread>,
    /// The baseline's clean build replayed with 1 to 16 jobs (`buildbench whatif`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<crate::whatif::JobsCurve>,
    /// How the shards divided the study (`block` or `cell`), for a merged study.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_by: Option<&'static str>,
    /// A rev study's head against base (`gate::report_spec`): the study's gate, or every cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_vs_base: Option<buildbench_model::gate::Gate>,
}

impl StudySummary {
    pub fn scenario(&self, scenario: Scenario) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(move |c| c.scenario == scenario)
    }

    /// No cell has a successful measured sample: every build failed or could not run. Reports
    /// then check no claim and recommend nothing; they say so in one line (`NOTHING_MEASURED`).
    pub fn measured_nothing(&self) -> bool {
        self.cells.iter().all(|c| c.samples.is_empty())
    }

    /// Why the reports check no claim and recommend nothing, where that is so: nothing was
    /// measured (`NOTHING_MEASURED`), or one configuration was, with nothing to compare it to
    /// (`ONE_CONFIGURATION`).
    pub fn nothing_to_compare(&self) -> Option<&'static str> {
        if self.measured_nothing() {
            return Some(NOTHING_MEASURED);
        }
        let first = self.cells.first().map(|c| c.configuration.as_str());
        self.cells.iter().all(|c| Some(c.configuration.as_str()) == first).then_some(ONE_CONFIGURATION)
    }

    pub fn cell(&self, configuration: &str, scenario: Scenario) -> Option<&Cell> {
        self.cells.iter().find(|c| c.configuration == configuration && c.scenario == scenario)
    }

    /// How many comparisons were decided as one family (Holm).
    pub fn comparisons(&self) -> usize {
        self.cells.iter().filter(|c| c.comparison.as_ref().is_some_and(|k| k.p_adjusted.is_some())).count()
    }

    /// The fastest configuration of a scenario that is significantly faster than the baseline.
    /// The significantly fastest cell of a scenario; in a rev study, among the configurations
    /// of the baseline's revision (a faster head is a code change, not a configuration to adopt).
    pub fn winner(&self, scenario: Scenario) -> Option<&Cell> {
        let revision = self.cells.iter().find(|c| c.configuration == self.baseline).and_then(|c| c.revision.as_ref());
        self.scenario(scenario)
            .filter(|c| c.revision.as_ref() == revision)
            .filter(|c| c.comparison.as_ref().is_some_and(|k| k.significant && k.speedup > 1.0))
            .max_by(|a, b| speedup(a).total_cmp(&speedup(b)))
    }
}

fn speedup(cell: &Cell) -> f64 {
    cell.comparison.as_ref().map_or(0.0, |c| c.speedup)
}

/// A scenario in one line, in hyperfine's manner: the fastest configuration against the
/// baseline (or, when the baseline is the fastest, against the next fastest).
#[derive(Debug, Clone, PartialEq)]
pub enum Headline {
    /// `faster` ran `ratio ± sd` times faster than `slower`: the difference is significant
    /// (the same decision as the table's mark).
    Faster { faster: String, slower: String, ratio: f64, sd: f64 },
    /// The fastest configuration and the baseline differ by no significant amount;
    /// `ratio ± sd` is the fastest's speed as a multiple of the baseline's.
    NoDifference { fastest: String, baseline: String, ratio: f64, sd: f64 },
}

impl StudySummary {
    /// The one-line summary of `scenario` (`Headline`), among the configurations of the
    /// baseline's revision; `None` when no configuration has a comparison with the baseline
    /// (one configuration, or fewer than 3 samples a side).
    ///
    /// The ratio is the table's speedup (means); `± sd` is hyperfine's: the standard deviation
    /// of the ratio from both runs' standard deviations, `ratio · √((s₁/m₁)² + (s₂/m₂)²)`
    /// (hyperfine's `compute_relative_speed`), a spread of the builds, not an interval.
    pub fn headline(&self, scenario: Scenario) -> Option<Headline> {
        let revision = self.cells.iter().find(|c| c.configuration == self.baseline).and_then(|c| c.revision.as_ref());
        let fastest = self
            .scenario(scenario)
            .filter(|c| c.revision.as_ref() == revision && !c.is_reference() && c.stats.is_some())
            .filter(|c| c.comparison.as_ref().is_some_and(|k| k.speedup.is_finite() && k.speedup > 0.0))
            .max_by(|a, b| speedup(a).total_cmp(&speedup(b)))?;
        let k = fastest.comparison.as_ref()?;
        let compared_with = fastest.compared_with.unwrap_or(scenario);
        let reference = self.cell(&fastest.reference, compared_with)?;
        let relative = |c: &Cell| c.stats.as_ref().map(|s| if s.mean > 0.0 { s.stddev / s.mean } else { 0.0 });
        let spread = relative(fastest)?.hypot(relative(reference)?);
        // The cache scenarios are compared with the baseline's clean build: say which.
        let reference_name = if compared_with == scenario {
            fastest.reference.clone()
        } else {
            format!("{} ({compared_with})", fastest.reference)
        };
        Some(match (k.significant, k.speedup >= 1.0) {
            (true, true) => Headline::Faster {
                faster: fastest.configuration.clone(),
                slower: reference_name,
                ratio: k.speedup,
                sd: k.speedup * spread,
            },
            (true, false) => Headline::Faster {
                faster: reference_name,
                slower: fastest.configuration.clone(),
                ratio: 1.0 / k.speedup,
                sd: spread / k.speedup,
            },
            (false, _) => Headline::NoDifference {
                fastest: fastest.configuration.clone(),
                baseline: reference_name,
                ratio: k.speedup,
                sd: k.speedup * spread,
            },
        })
    }
}

impl Headline {
    /// `mold ran 1.23 ± 0.05 times faster than default`, or `no significant difference: mold
    /// ran 1.01 ± 0.04 times as fast as default`. A ratio is shown with as many decimals as it
    /// takes not to read 1.00 (up to four), so a significant difference never prints as
    /// "1.00 times faster".
    pub fn line(&self) -> String {
        match self {
            Headline::Faster { faster, slower, ratio, sd } => {
                let digits = decimals(*ratio);
                format!("{faster} ran {ratio:.digits$} ± {sd:.digits$} times faster than {slower}")
            }
            Headline::NoDifference { fastest, baseline, ratio, sd } => {
                format!("no significant difference: {fastest} ran {ratio:.2} ± {sd:.2} times as fast as {baseline}")
            }
        }
    }
}

/// Decimals for a ratio: 2, or more (up to 4) while it would print as 1.00.
fn decimals(ratio: f64) -> usize {
    (2..=4).find(|&d| format!("{ratio:.d$}").trim_end_matches('0').trim_end_matches('.') != "1").unwrap_or(4)
}

/// What every report says instead of claims and a recommendation when nothing was measured.
pub const NOTHING_MEASURED: &str =
    "Nothing was measured: every build failed or could not run, so no claim is checked and nothing is recommended.";

/// What a study of one configuration says instead of claims and a recommendation.
pub const ONE_CONFIGURATION: &str = "One configuration was measured: there is nothing to compare it with, so no claim is checked and nothing is recommended (measure another beside it, for example with --linker default,mold).";

/// Computes the summary of a study with the given noise threshold.
pub fn summarize(study: &Study, noise: f64) -> StudySummary {
    let baseline = study.plan.baseline.clone();
    // In a rev study every configuration is compared with the baseline configuration of its
    // own revision: a speedup is about a setting; head against base is the gate's section.
    let variant = study.plan.configurations.iter().find(|c| c.name == baseline).map(|c| c.variant().to_owned());
    let reference_of = |c: &buildbench_model::Configuration| match (&c.revision, &variant) {
        (Some(rev), Some(v)) => buildbench_model::revision_name(v, rev),
        _ => baseline.clone(),
    };
    // The samples grouped by cell and the unavailable configurations by name, once: every cell
    // then reads only its own samples.
    let runs = study.cells();
    let unavailable: std::collections::HashMap<&str, &buildbench_model::Unavailable> =
        study.unavailable.iter().rev().map(|u| (u.configuration.as_str(), u)).collect();
    let mut cells = Vec::new();
    for &scenario in &study.plan.scenarios {
        // One reference per revision: its times are read once per scenario, not per cell.
        let mut references: Vec<(String, Vec<f64>)> = Vec::new();
        for configuration in &study.plan.configurations {
            let reference = reference_of(configuration);
            if !references.iter().any(|(r, _)| *r == reference) {
                let times = runs.wall_times(&reference, scenario.reference());
                references.push((reference.clone(), times));
            }
            let base = references.iter().find(|(r, _)| *r == reference).map_or(&[][..], |(_, t)| t.as_slice());
            let unavailable = unavailable.get(configuration.name.as_str()).copied();
            if let Some(mut cell) = cell(&runs, unavailable, configuration, scenario, (&reference, base), noise) {
                cell.reference = reference;
                cells.push(cell);
            }
        }
    }
    let default_linkers =
        study.environment.toolchains.iter().filter_map(|t| Some((t.name.clone(), t.default_linker.clone()?))).collect();
    let claims = buildbench_model::claims::evaluate_all(&buildbench_model::claims::builtin(), study, noise);
    // Every "significantly faster or slower" mark of the report is one family of decisions
    // (Holm): the chance of any false mark stays at or below 5% however many cells there are.
    // The baseline against itself is not a decision.
    let family = cells.iter_mut().filter(|c| !c.is_reference()).filter_map(|c| c.comparison.as_mut());
    buildbench_model::stats::decide_family(family, noise, 0.05);
    let diagnosis = crate::diagnose::diagnose(study, &baseline, noise);
    let mut summary = StudySummary {
        baseline,
        noise,
        default_linkers,
        cells,
        claims,
        recommendations: Vec::new(),
        diagnosis,
        runners: runs.runner_spread(),
        jobs: None,
        shard_by: (study.blocks.len() > 1).then(|| study.plan.shard_by.as_str()),
        head_vs_base: buildbench_model::gate::evaluate(study, &buildbench_model::gate::report_spec(&study.plan)).ok(),
    };
    summary.jobs = crate::whatif::jobs_curve(study);
    summary.recommendations = crate::recommend::recommend(study, &summary);
    summary
}

/// The cell of `configuration` in `scenario`: why it has no numbers, or its samples, their
/// statistics and its comparison with `base` (the reference's name and wall times).
fn cell(
    runs: &buildbench_model::Cells<'_>,
    unavailable: Option<&buildbench_model::Unavailable>,
    configuration: &buildbench_model::Configuration,
    scenario: Scenario,
    base: (&str, &[f64]),
    noise: f64,
) -> Option<Cell> {
    let name = configuration.name.as_str();
    let mut cell = Cell::empty(configuration, scenario);
    if let Some(u) = unavailable {
        cell.unavailable(u);
        return Some(cell);
    }
    let all = runs.all(name, scenario);
    if all.is_empty() {
        // Either the scenario does not apply to this configuration (cache scenarios), or an
        // earlier failure stopped it.
        cell.failed_earlier(runs.first_failure(name)?.scenario);
        return Some(cell);
    }
    if let Some(f) = all.iter().find(|s| !s.success) {
        cell.build_failed(f);
    }
    cell.linked_by = linkers(all);
    cell.samples = runs.wall_times(name, scenario);
    let measured: Vec<&Sample> = runs.successful(name, scenario).collect();
    cell.note_figures(&measured);
    // Wall times from buildbench's own clock: the interval is floored at half its resolution, as
    // the comparisons are.
    cell.stats = Summary::two_stage(&cell.samples, runs.study.pilot(), WALL_RESOLUTION);
    let (baseline, base) = base;
    if cell.status == Status::Ok && !base.is_empty() {
        let settings = Settings { pilot: runs.study.pilot(), ..Settings::wall(noise) };
        let reference = (baseline, scenario.reference());
        cell.comparison = runs.compare(reference, (name, scenario), |s| Some(s.wall_seconds), &settings);
        cell.compared_with = cell.comparison.as_ref().map(|_| scenario.reference());
        cell.across_runners = runs.across_runners(reference, (name, scenario));
    }
    Some(cell)
}

impl Cell {
    /// A cell of `configuration` in `scenario` with nothing known yet: no samples, no failure,
    /// no reference (`summarize` sets it).
    fn empty(configuration: &buildbench_model::Configuration, scenario: Scenario) -> Cell {
        Cell {
            configuration: configuration.name.clone(),
            reference: String::new(),
            revision: configuration.revision.clone(),
            scenario,
            status: Status::Ok,
            samples: Vec::new(),
            stats: None,
            comparison: None,
            compared_with: None,
            linked_by: Vec::new(),
            dirty_units: None,
            link_seconds: None,
            cache_hit_rate: None,
            error: None,
            failure: None,
            across_runners: false,
        }
    }

    /// Marks the cell as one whose configuration cannot run here, and why.
    fn unavailable(&mut self, u: &buildbench_model::Unavailable) {
        self.status = Status::Unavailable;
        let install = u.install.as_deref().map(|i| format!("; install: {i}")).unwrap_or_default();
        self.error = Some(format!("{}{install}", u.reason));
        self.failure = Some(Failure::Unavailable { reason: u.reason.clone(), install: u.install.clone() });
    }

    /// Marks the cell as not run because its configuration's build failed in `scenario`.
    fn failed_earlier(&mut self, scenario: Scenario) {
        self.status = Status::Failed;
        self.error = Some(format!("failed earlier, in the {scenario} scenario"));
        self.failure = Some(Failure::Earlier { scenario });
    }

    /// Marks the cell as failed by the build `f`, with the tail of its stderr.
    fn build_failed(&mut self, f: &Sample) {
        self.status = Status::Failed;
        let tail = f.stderr_tail.clone().unwrap_or_else(|| "the build failed".to_owned());
        self.failure = Some(Failure::Build { reason: buildbench_model::failure_reason(&tail), tail: tail.clone() });
        self.error = Some(tail);
    }

    /// The medians and rates its notes show, from its `measured` samples: units rebuilt, link
    /// time, sccache hit rate.
    fn note_figures(&mut self, measured: &[&Sample]) {
        let mut dirty: Vec<u32> = measured.iter().filter_map(|s| s.dirty_units).collect();
        dirty.sort_unstable();
        self.dirty_units = dirty.get(dirty.len() / 2).copied();
        let links: Vec<f64> = measured.iter().filter_map(|s| s.artifact_link_seconds()).collect();
        self.link_seconds = Summary::of(&links).map(|s| s.median);
        let (hits, misses) =
            measured.iter().filter_map(|s| s.sccache.as_ref()).fold((0, 0), |(h, m), s| (h + s.hits, m + s.misses));
        self.cache_hit_rate = (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64);
    }
}

/// The linkers named in the binaries of `samples`, each once, in the order they are found.
fn linkers(samples: &[&Sample]) -> Vec<String> {
    let mut linked_by: Vec<String> = Vec::new();
    for sample in samples {
        for l in sample.artifacts.iter().filter_map(|a| a.linker.as_ref()) {
            if !linked_by.contains(l) {
                linked_by.push(l.clone());
            }
        }
    }
    linked_by
}
