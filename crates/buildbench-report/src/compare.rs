//! The summary of a study: per scenario, each configuration's median and spread and its speedup
//! over the baseline. Text for the terminal and the JSON of `compare --format json`.

use std::fmt::Write as _;

use buildbench_model::stats::{Summary, speedup};
use buildbench_model::{Configuration, Scenario, Study};
use serde::Serialize;

use crate::{Align, Table, seconds};

/// One configuration × scenario of the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub configuration: String,
    pub scenario: Scenario,
    /// `ok`, `failed` (a build failed; see `error`) or `unavailable` (see `error`).
    pub status: &'static str,
    /// Wall times of the measured, successful samples, in seconds, in the order they ran.
    pub samples: Vec<f64>,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Baseline median / this median; above 1 is faster than the baseline.
    pub speedup: Option<f64>,
    /// The scenario of the baseline run this cell is compared with (`clean` for cache scenarios).
    pub compared_with: Option<Scenario>,
    /// Linkers named in this cell's binaries, when they were read.
    pub linked_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudySummary {
    pub baseline: String,
    /// The toolchains' default linkers, resolved from a probe binary.
    pub default_linkers: Vec<(String, String)>,
    pub cells: Vec<Cell>,
}

/// The baseline scenario a scenario's cells are compared with: cache scenarios compare a clean
/// build with a cache against the baseline's clean build without one.
fn reference(scenario: Scenario) -> Scenario {
    match scenario {
        Scenario::CleanColdCache | Scenario::CleanWarmCache => Scenario::Clean,
        s => s,
    }
}

fn times(study: &Study, configuration: &str, scenario: Scenario) -> Vec<f64> {
    study.run(configuration, scenario).filter(|s| s.success).map(|s| s.wall_seconds).collect()
}

/// Computes the summary of a study.
pub fn summarize(study: &Study) -> StudySummary {
    let baseline = study.plan.baseline.clone();
    let mut cells = Vec::new();
    for &scenario in &study.plan.scenarios {
        let base_times = times(study, &baseline, reference(scenario));
        let base = Summary::of(&base_times);
        for configuration in &study.plan.configurations {
            if let Some(cell) = cell(study, configuration, scenario, base.as_ref()) {
                cells.push(cell);
            }
        }
    }
    let default_linkers =
        study.environment.toolchains.iter().filter_map(|t| Some((t.name.clone(), t.default_linker.clone()?))).collect();
    StudySummary { baseline, default_linkers, cells }
}

fn cell(study: &Study, configuration: &Configuration, scenario: Scenario, base: Option<&Summary>) -> Option<Cell> {
    let name = &configuration.name;
    let mut cell = Cell {
        configuration: name.clone(),
        scenario,
        status: "ok",
        samples: Vec::new(),
        median: None,
        min: None,
        max: None,
        speedup: None,
        compared_with: None,
        linked_by: Vec::new(),
        error: None,
    };
    if let Some(u) = study.unavailable.iter().find(|u| &u.configuration == name) {
        cell.status = "unavailable";
        let install = u.install.as_deref().map(|i| format!("; install: {i}")).unwrap_or_default();
        cell.error = Some(format!("{}{install}", u.reason));
        return Some(cell);
    }
    let all: Vec<_> = study.samples.iter().filter(|s| &s.configuration == name && s.scenario == scenario).collect();
    if all.is_empty() {
        // A scenario that does not apply to this configuration (e.g. cold cache without sccache).
        let failed = study.samples.iter().find(|s| &s.configuration == name && !s.success);
        return failed.map(|f| Cell {
            status: "failed",
            error: Some(format!("failed earlier in {}", f.scenario)),
            ..cell.clone()
        });
    }
    if let Some(f) = all.iter().find(|s| !s.success) {
        cell.status = "failed";
        cell.error = Some(f.stderr_tail.clone().unwrap_or_default());
    }
    cell.samples = times(study, name, scenario);
    for s in &all {
        for a in &s.artifacts {
            if let Some(l) = &a.linker
                && !cell.linked_by.contains(l)
            {
                cell.linked_by.push(l.clone());
            }
        }
    }
    if let Some(summary) = Summary::of(&cell.samples) {
        cell.median = Some(summary.median);
        cell.min = Some(summary.min);
        cell.max = Some(summary.max);
        if let Some(base) = base {
            cell.speedup = speedup(base, &summary);
            cell.compared_with = Some(reference(scenario));
        }
    }
    Some(cell)
}

/// The terminal tables, one per scenario.
pub fn summary_text(study: &Study) -> String {
    let summary = summarize(study);
    let mut out = String::new();
    for (toolchain, linker) in &summary.default_linkers {
        let _ = writeln!(out, "default linker ({toolchain} toolchain): {linker}");
    }
    for &scenario in &study.plan.scenarios {
        let cells: Vec<&Cell> = summary.cells.iter().filter(|c| c.scenario == scenario).collect();
        if cells.is_empty() {
            continue;
        }
        let note = if reference(scenario) != scenario {
            format!(" (speedup vs {} {})", summary.baseline, reference(scenario))
        } else {
            String::new()
        };
        let _ = writeln!(out, "\n{scenario}{note}");
        let mut t = Table::new(&[
            ("configuration", Align::Left),
            ("median", Align::Right),
            ("min-max", Align::Right),
            ("speedup", Align::Right),
            ("n", Align::Right),
            ("", Align::Left),
        ]);
        for c in cells {
            let marker = if c.configuration == summary.baseline { " (baseline)" } else { "" };
            let range = match (c.min, c.max) {
                (Some(a), Some(b)) => format!("{}-{}", seconds(a), seconds(b)),
                _ => "-".to_owned(),
            };
            let detail = match c.status {
                "ok" if !c.linked_by.is_empty() => format!("linked by {}", c.linked_by.join(", ")),
                "ok" => String::new(),
                status => format!("{status}: {}", first_line(c.error.as_deref().unwrap_or(""))),
            };
            t.row(vec![
                format!("{}{marker}", c.configuration),
                c.median.map_or_else(|| "-".to_owned(), seconds),
                range,
                c.speedup.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}x")),
                c.samples.len().to_string(),
                detail,
            ]);
        }
        out.push_str(&t.render());
    }
    out
}

/// The most telling line of an error: cargo's `error:` line if there is one.
fn first_line(text: &str) -> &str {
    text.lines().find(|l| l.starts_with("error")).or_else(|| text.lines().next()).unwrap_or("").trim()
}
