//! Metrics derived from one build: wall and unit time, parallelism, critical path, slowest units,
//! and where the time went (frontend, codegen, link, build scripts, proc-macros).

use serde::Serialize;

use crate::{Build, Mode, TargetKind, Unit};

/// Everything derived from one `Build`. Unit references are indices into `Build::units`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Build wall time: cargo's total, else the end of the last unit. `None` without start times.
    pub wall_seconds: Option<f64>,
    /// Sum of the durations of the units that ran.
    pub unit_seconds: f64,
    /// Units that ran in this build.
    pub units_run: usize,
    /// `unit_seconds / wall_seconds`: how many units ran at once on average.
    pub parallelism: Option<f64>,
    /// The longest chain of dependent units (see `critical_path`), where the format has a schedule.
    pub critical_path: Option<CriticalPath>,
    /// How much of the unit graph the critical path was computed over.
    pub edges: crate::Edges,
    /// Indices of the units that ran, slowest first, at most `top`.
    pub slowest: Vec<usize>,
    /// Frontend / codegen / link split summed over the units that report it.
    pub split: Option<Split>,
    /// Compiling and running build scripts.
    pub build_script_seconds: f64,
    /// Compiling proc-macro crates; `None` when the format cannot tell them from libraries.
    pub proc_macro_seconds: Option<f64>,
}

/// The dependency chain that bounded the build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalPath {
    /// Time along the chain: for each unit, the part that had to finish before the next could
    /// start (its rmeta time when the next needed only metadata), plus the whole last unit.
    /// Time spent waiting for a jobserver token is not on the path: this is the build's wall
    /// time with as many cores as units.
    pub seconds: f64,
    /// Indices into `Build::units`, first to last.
    pub units: Vec<usize>,
}

/// Where unit time went, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Split {
    /// Parsing, macro expansion, type checking, borrow checking: up to the `.rmeta`.
    pub frontend: f64,
    /// LLVM or Cranelift code generation.
    pub codegen: f64,
    /// Linking (for libraries, writing the archive). Only with `-Zsection-timings`.
    pub link: f64,
    /// Time after the last section, and sections with other names.
    pub other: f64,
    /// Unit time not covered by any of the above (units without section data).
    pub unattributed: f64,
}

/// The frontend / codegen / link split of one unit, where its format records it.
pub fn split(unit: &Unit) -> Option<Split> {
    let duration = unit.duration?;
    let mut out = Split::default();
    if unit.sections.is_empty() {
        let rmeta = unit.rmeta_time?;
        out.frontend = rmeta;
        out.codegen = (duration - rmeta).max(0.0);
        return Some(out);
    }
    for section in &unit.sections {
        let seconds = (section.end.unwrap_or(duration) - section.start).max(0.0);
        match section.name.as_str() {
            "frontend" => out.frontend += seconds,
            "codegen" => out.codegen += seconds,
            "link" => out.link += seconds,
            _ => out.other += seconds,
        }
    }
    Some(out)
}

/// Sums from +0.0: `Iterator::sum` of no `f64`s is -0.0, which prints as `-0.00`.
fn sum(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}

/// The end of the last unit that finished, or `None` when no unit has timing.
pub(crate) fn last_end(units: &[Unit]) -> Option<f64> {
    units.iter().filter_map(Unit::end).reduce(f64::max)
}

/// Computes every metric; `top` bounds the list of slowest units.
pub fn analyze(build: &Build, top: usize) -> Analysis {
    // The units that ran, with their index in the report.
    let ran: Vec<(usize, &Unit)> = build.units.iter().enumerate().filter(|(_, u)| u.ran()).collect();
    let duration = |u: &Unit| u.duration.unwrap_or(0.0);
    let unit_seconds = sum(ran.iter().map(|(_, u)| duration(u)));
    // Cargo ≥ 1.94 reports 0.0 s for a failed build; the last unit event is the better bound.
    let last_event = build.units.iter().filter_map(|u| u.end().or(u.start)).reduce(f64::max);
    let wall_seconds = match (build.total_seconds, last_event) {
        (Some(total), Some(last)) => Some(total.max(last)),
        (total, last) => total.or(last),
    };
    let parallelism = wall_seconds.filter(|w| *w > 0.0).map(|w| unit_seconds / w);

    let mut slowest: Vec<(usize, &Unit)> = ran.iter().copied().filter(|(_, u)| u.duration.is_some()).collect();
    // Stable sort on a total order so equal durations keep report order.
    slowest.sort_by(|(_, a), (_, b)| duration(b).total_cmp(&duration(a)));
    slowest.truncate(top);
    let slowest: Vec<usize> = slowest.into_iter().map(|(i, _)| i).collect();

    let mut total = Split::default();
    let mut any_split = false;
    for &(_, unit) in &ran {
        match split(unit) {
            Some(s) => {
                any_split = true;
                total.frontend += s.frontend;
                total.codegen += s.codegen;
                total.link += s.link;
                total.other += s.other;
            }
            None => total.unattributed += duration(unit),
        }
    }

    let sum_where =
        |pred: &dyn Fn(&Unit) -> bool| -> f64 { sum(ran.iter().filter(|(_, u)| pred(u)).map(|(_, u)| duration(u))) };
    Analysis {
        wall_seconds,
        unit_seconds,
        units_run: ran.len(),
        parallelism,
        critical_path: critical_path(&build.units),
        edges: build.edges(),
        slowest,
        split: any_split.then_some(total),
        build_script_seconds: sum_where(&|u| u.kind == TargetKind::BuildScript),
        proc_macro_seconds: build
            .proc_macros_known
            .then(|| sum_where(&|u| u.kind == TargetKind::ProcMacro && u.mode == Mode::Build)),
    }
}

/// The longest chain of units through the build's unit graph (`whatif::Graph::critical_path`):
/// one definition for `timings`, `whatif` and every report. Over an HTML report's graph alone,
/// which records only the edge that released each unit, it can come out shorter than the true
/// one; `complete::complete` adds the other edges from `cargo metadata` first where it can.
fn critical_path(units: &[Unit]) -> Option<CriticalPath> {
    let graph = crate::whatif::Graph::from_units(units, None, None).ok()?;
    let (seconds, chain) = graph.critical_path();
    let units = chain.iter().filter_map(|&n| graph.nodes.get(n).map(|node| node.unit)).collect();
    Some(CriticalPath { seconds, units })
}
