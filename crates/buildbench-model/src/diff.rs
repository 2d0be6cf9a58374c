//! Two studies compared cell by cell (e.g. main against a pull request): what the `diff` gate
//! decides. The report crate renders the result (`buildbench_report::diff::markdown`).

use std::collections::HashSet;

use serde::Serialize;

use crate::across_studies::{self, Underpowered, cell_power, holm_confidence};
use crate::stats::power::Power;
use crate::stats::{Comparison, Settings, median};
use crate::{Cells, Scenario, Study};

/// One configuration × scenario present in both studies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffRow {
    /// The configuration's name.
    pub configuration: String,
    /// The scenario.
    pub scenario: Scenario,
    /// The base study's median wall time of the cell, in seconds.
    pub base_median: Option<f64>,
    /// The new study's median wall time of the cell, in seconds.
    pub new_median: Option<f64>,
    /// Base mean / new mean: below 1 means the new study is slower.
    pub comparison: Option<Comparison>,
    /// Significantly slower by more than the threshold.
    pub regression: bool,
    /// The new study has no usable measurement of a cell the base study measured: every build
    /// failed, or a value is not a finite time. The gate fails: nothing measured is not green.
    pub failed: bool,
    /// What the comparison could detect at the noise both studies measured of this cell, at
    /// the confidence of Holm's first step over the cells compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<Power>,
    /// Set when the cell has too few samples to catch a slowdown of the threshold: the gate
    /// fails unless `--allow-underpowered`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub underpowered: Option<Underpowered>,
}

/// How two studies are compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffOptions {
    /// The slowdown that fails the gate when it is significant (0.05: 5%).
    pub threshold: f64,
    /// Compare studies of different projects or plans.
    pub allow_mixed: bool,
    /// Pass even when a cell is underpowered (it is still named).
    pub allow_underpowered: bool,
}

/// Why two studies are not compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiffError {
    /// Studies of two different projects.
    #[error("the studies measured different projects ({base} and {new}); pass --allow-mixed to compare them anyway")]
    OtherProject {
        /// The base study's project.
        base: String,
        /// The new study's project.
        new: String,
    },
    /// Studies built with different cargo arguments, or without a configuration in common.
    #[error("the studies ran different plans ({why}); pass --allow-mixed to compare them anyway")]
    OtherPlan {
        /// What differs.
        why: String,
    },
}

/// The whole diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyDiff {
    /// Set when the studies ran on different machines or toolchains: the two fingerprints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machines_differ: Option<(String, String)>,
    /// The slowdown that fails the gate when it is significant (0.05: 5%).
    pub threshold: f64,
    /// What the differences include besides the code's (the two studies' runners and times),
    /// and the gate for pull requests that measures both revisions on one runner.
    pub note: String,
    /// The confidence each cell's power is computed at: Holm's first step, 1 − 0.05/m over the
    /// m cells compared.
    pub confidence: f64,
    /// Underpowered cells do not fail the gate.
    pub allow_underpowered: bool,
    /// Every cell measured in both studies.
    pub rows: Vec<DiffRow>,
    /// Cells present only in the base study: `configuration/scenario`.
    pub only_base: Vec<String>,
    /// Cells present only in the new study: `configuration/scenario`.
    pub only_new: Vec<String>,
}

impl StudyDiff {
    /// Cells that are regressions.
    pub fn regressions(&self) -> usize {
        self.rows.iter().filter(|r| r.regression).count()
    }

    /// Cells of the base study that the new study failed to measure or lacks.
    pub fn failures(&self) -> usize {
        self.rows.iter().filter(|r| r.failed).count() + self.only_base.len()
    }

    /// The underpowered cells, each as `across_studies::describe` names it.
    pub fn underpowered(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter_map(|r| {
                let u = r.underpowered.as_ref()?;
                Some(across_studies::describe(&format!("{}/{}", r.configuration, r.scenario), u))
            })
            .collect()
    }

    /// Why nothing was compared, when nothing was.
    pub fn nothing_compared(&self) -> Option<String> {
        self.rows.is_empty().then(|| {
            "nothing was compared: no configuration × scenario is measured in both studies; the check fails".to_owned()
        })
    }

    /// Does the gate fail? On a regression, a failed or missing cell, nothing compared, or an
    /// underpowered cell without `allow_underpowered`.
    pub fn fails(&self) -> bool {
        self.regressions() > 0
            || self.failures() > 0
            || self.rows.is_empty()
            || (!self.allow_underpowered && self.rows.iter().any(|r| r.underpowered.is_some()))
    }
}

/// Compares every cell of `new` with the same cell of `base`: the CI gate.
///
/// A cell is a regression when its mean time grew by more than `threshold` (0.05: the new mean
/// is more than 5% above the base mean, exactly) and the slowdown is significant: Welch's
/// t-test p-value, adjusted with Holm's method over every cell compared, below 0.05. So the
/// chance that an unchanged project fails the gate stays at or below 5% however many cells the
/// studies have. Studies of different projects or plans are refused unless `allow_mixed`.
///
/// Each compared cell also gets its power: with too few samples a side, or when the smallest
/// slowdown it would catch is more than twice the threshold, the cell is underpowered and the
/// gate fails unless `allow_underpowered` (a green check from two samples a side let a 46%
/// slowdown through).
pub fn diff(base: &Study, new: &Study, options: &DiffOptions) -> Result<StudyDiff, DiffError> {
    let DiffOptions { threshold, allow_mixed, allow_underpowered } = *options;
    if !allow_mixed {
        check_comparable(base, new)?;
    }
    // Each study's samples grouped by cell once: the diff reads each cell's samples only.
    let (base_runs, new_runs) = (base.cells(), new.cells());
    let (base_cells, new_cells) = (measured_cells(base, &base_runs), measured_cells(new, &new_runs));
    let in_base: HashSet<(String, Scenario)> = base_cells.iter().cloned().collect();
    let settings = Settings { pilot: base.pilot().max(new.pilot()), ..Settings::wall(0.0) };
    let mut rows: Vec<DiffRow> = new_cells
        .iter()
        .filter(|(configuration, scenario)| in_base.contains(&(configuration.clone(), *scenario)))
        .map(|(configuration, scenario)| compare_cell(&base_runs, &new_runs, configuration, *scenario, &settings))
        .collect();
    let confidence = judge(&mut rows, &base_runs, &new_runs, threshold);
    let label = |(c, s): &(String, Scenario)| format!("{c}/{s}");
    let (fb, fn_) = (crate::fingerprint(&base.environment), crate::fingerprint(&new.environment));
    Ok(StudyDiff {
        machines_differ: (fb != fn_).then_some((fb, fn_)),
        threshold,
        note: across_studies::note(threshold),
        confidence,
        allow_underpowered,
        rows,
        only_base: base_cells.iter().filter(|c| !new_cells.contains(c)).map(label).collect(),
        only_new: new_cells.iter().filter(|c| !base_cells.contains(c)).map(label).collect(),
    })
}

/// Refuses studies of two projects (by the project folder's name), of other cargo arguments,
/// or without a configuration in common.
fn check_comparable(base: &Study, new: &Study) -> Result<(), DiffError> {
    let project = |s: &Study| {
        std::path::Path::new(&s.project).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    };
    if project(base) != project(new) {
        return Err(DiffError::OtherProject { base: base.project.clone(), new: new.project.clone() });
    }
    if base.plan.cargo_args != new.plan.cargo_args {
        let why = format!("cargo arguments {:?} and {:?}", base.plan.cargo_args, new.plan.cargo_args);
        return Err(DiffError::OtherPlan { why });
    }
    let names: HashSet<&str> = new.plan.configurations.iter().map(|n| n.name.as_str()).collect();
    if !base.plan.configurations.iter().any(|b| names.contains(b.name.as_str())) {
        return Err(DiffError::OtherPlan { why: "no configuration in common".to_owned() });
    }
    Ok(())
}

/// The cells of study `s` with a measured sample (`runs`: its samples by cell), in the plan's
/// order: scenario by scenario, configurations within.
fn measured_cells(s: &Study, runs: &Cells<'_>) -> Vec<(String, Scenario)> {
    let mut out = Vec::new();
    for &scenario in &s.plan.scenarios {
        for c in &s.plan.configurations {
            if runs.run(&c.name, scenario).next().is_some() {
                out.push((c.name.clone(), scenario));
            }
        }
    }
    out
}

/// The wall times of one cell, grouped by block. Each study's runners are its own: a blocked
/// study's cell mean is the mean over its runners, with the spread between them counted as
/// noise (`compare_unpaired`).
fn wall_groups(runs: &Cells<'_>, configuration: &str, scenario: Scenario) -> Vec<(u32, Vec<f64>)> {
    runs.groups(configuration, scenario, |x| Some(x.wall_seconds))
}

/// One cell of both studies (`base_runs`, `new_runs`: their samples by cell) compared with
/// `settings`, before the family's decision: medians, the comparison where both sides have
/// usable times, and whether the new study failed a cell the base study measured.
fn compare_cell(
    base_runs: &Cells<'_>,
    new_runs: &Cells<'_>,
    configuration: &str,
    scenario: Scenario,
    settings: &Settings,
) -> DiffRow {
    let (b, n) = (base_runs.wall_times(configuration, scenario), new_runs.wall_times(configuration, scenario));
    let usable = |times: &[f64]| !times.is_empty() && times.iter().all(|t| t.is_finite() && *t >= 0.0);
    let failed = usable(&b) && !usable(&n);
    let comparison = if usable(&b) && usable(&n) {
        crate::stats::blocks::compare_unpaired(
            &wall_groups(base_runs, configuration, scenario),
            &wall_groups(new_runs, configuration, scenario),
            settings,
        )
    } else {
        None
    };
    DiffRow {
        configuration: configuration.to_owned(),
        scenario,
        base_median: median(b.iter().copied()),
        new_median: median(n.iter().copied()),
        comparison,
        regression: false,
        failed,
        power: None,
        underpowered: None,
    }
}

/// Decides the compared cells as one family (Holm's method over every cell compared): which
/// are regressions beyond `threshold`, and each one's power at the confidence of Holm's first
/// step, which it returns.
fn judge(rows: &mut [DiffRow], base_runs: &Cells<'_>, new_runs: &Cells<'_>, threshold: f64) -> f64 {
    crate::stats::decide_family(rows.iter_mut().filter_map(|r| r.comparison.as_mut()), 0.0, 0.05);
    let confidence = holm_confidence(across_studies::family_size(rows.iter().map(|r| r.comparison.as_ref())));
    for row in rows.iter_mut() {
        row.regression = row.comparison.as_ref().is_some_and(|c| c.significant && slower_by(c) > threshold);
        if row.comparison.is_some() {
            let power = cell_power(
                &wall_groups(base_runs, &row.configuration, row.scenario),
                &wall_groups(new_runs, &row.configuration, row.scenario),
                threshold,
                confidence,
            );
            row.power = power.power;
            row.underpowered = power.underpowered;
        }
    }
    confidence
}

/// How much longer the new mean time is than the base one: 0.05 = 5% slower. (The speedup is
/// base mean / new mean.)
pub fn slower_by(c: &Comparison) -> f64 {
    1.0 / c.speedup - 1.0
}
