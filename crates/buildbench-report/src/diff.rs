//! Two studies compared cell by cell (e.g. main against a pull request): the CI gate.

use std::fmt::Write as _;

use buildbench_model::stats::{Comparison, compare, median};
use buildbench_model::{Scenario, Study};
use serde::Serialize;

use crate::export::markdown::cell as md;
use crate::format::{opt_seconds, p_value, speedup};

/// One configuration × scenario present in both studies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffRow {
    pub configuration: String,
    pub scenario: Scenario,
    pub base_median: Option<f64>,
    pub new_median: Option<f64>,
    /// Base mean / new mean: below 1 means the new study is slower.
    pub comparison: Option<Comparison>,
    /// Significantly slower by more than the threshold.
    pub regression: bool,
    /// The new study has no usable measurement of a cell the base study measured: every build
    /// failed, or a value is not a finite time. The gate fails: nothing measured is not green.
    pub failed: bool,
}

/// The whole diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyDiff {
    pub threshold: f64,
    pub rows: Vec<DiffRow>,
    /// Cells present in only one of the studies: `configuration/scenario`.
    pub only_base: Vec<String>,
    pub only_new: Vec<String>,
}

impl StudyDiff {
    pub fn regressions(&self) -> usize {
        self.rows.iter().filter(|r| r.regression).count()
    }

    /// Cells of the base study that the new study failed to measure or lacks.
    pub fn failures(&self) -> usize {
        self.rows.iter().filter(|r| r.failed).count() + self.only_base.len()
    }

    /// Does the gate fail? On a regression, a failed or missing cell, or nothing compared.
    pub fn fails(&self) -> bool {
        self.regressions() > 0 || self.failures() > 0 || self.rows.is_empty()
    }
}

/// Compares every cell of `new` with the same cell of `base`. A regression is a significant
/// slowdown (Welch's t-test, p < 0.05) larger than `threshold` (0.05 = 5% slower).
pub fn diff(base: &Study, new: &Study, threshold: f64) -> StudyDiff {
    let cells = |s: &Study| -> Vec<(String, Scenario)> {
        let mut out = Vec::new();
        for &scenario in &s.plan.scenarios {
            for c in &s.plan.configurations {
                if s.run(&c.name, scenario).next().is_some() {
                    out.push((c.name.clone(), scenario));
                }
            }
        }
        out
    };
    let (base_cells, new_cells) = (cells(base), cells(new));
    let mut rows = Vec::new();
    for (configuration, scenario) in &new_cells {
        if !base_cells.contains(&(configuration.clone(), *scenario)) {
            continue;
        }
        let (b, n) = (base.wall_times(configuration, *scenario), new.wall_times(configuration, *scenario));
        let usable = |times: &[f64]| !times.is_empty() && times.iter().all(|t| t.is_finite() && *t >= 0.0);
        let failed = usable(&b) && !usable(&n);
        // The significance test uses the threshold as its noise floor.
        let comparison = if usable(&b) && usable(&n) { compare(&b, &n, threshold) } else { None };
        let regression = comparison.as_ref().is_some_and(|c| c.significant && c.speedup < 1.0 / (1.0 + threshold));
        rows.push(DiffRow {
            configuration: configuration.clone(),
            scenario: *scenario,
            base_median: median(b.iter().copied()),
            new_median: median(n.iter().copied()),
            comparison,
            regression,
            failed,
        });
    }
    let label = |(c, s): &(String, Scenario)| format!("{c}/{s}");
    StudyDiff {
        threshold,
        rows,
        only_base: base_cells.iter().filter(|c| !new_cells.contains(c)).map(label).collect(),
        only_new: new_cells.iter().filter(|c| !base_cells.contains(c)).map(label).collect(),
    }
}

/// The Markdown table a CI job posts.
pub fn markdown(d: &StudyDiff) -> String {
    let mut out = String::from(
        "| configuration | scenario | base median | new median | new speed vs base [95% CI] | p | |\n|---|---|--:|--:|--:|--:|---|\n",
    );
    for r in &d.rows {
        let (sp, p) = r
            .comparison
            .as_ref()
            .map_or_else(|| ("-".to_owned(), "-".to_owned()), |c| (speedup(c), p_value(c.p_value)));
        let mark = if r.failed {
            "**failed**"
        } else if r.regression {
            "**regression**"
        } else if r.comparison.as_ref().is_some_and(|c| c.significant && c.speedup > 1.0) {
            "faster"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            md(&r.configuration),
            r.scenario,
            opt_seconds(r.base_median),
            opt_seconds(r.new_median),
            sp,
            p,
            mark
        );
    }
    if !d.only_base.is_empty() {
        let _ = writeln!(
            out,
            "\n**Missing** in the new study (measured in the base study): {}",
            md(&d.only_base.join(", "))
        );
    }
    if !d.only_new.is_empty() {
        let _ = writeln!(out, "\nOnly in the new study: {}", md(&d.only_new.join(", ")));
    }
    let _ = writeln!(
        out,
        "\n{} regression(s): significantly slower (Welch's t-test, p < 0.05) by more than {:.0}%.",
        d.regressions(),
        d.threshold * 100.0
    );
    if d.failures() > 0 {
        let _ = writeln!(
            out,
            "{} cell(s) of the base study failed or are missing in the new study: the check fails.",
            d.failures()
        );
    } else if d.rows.is_empty() {
        let _ = writeln!(out, "No cell is measured in both studies: nothing was compared, the check fails.");
    }
    out
}
