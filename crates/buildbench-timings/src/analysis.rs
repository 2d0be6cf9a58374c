//! Metrics derived from one build: wall and unit time, parallelism, critical path, slowest units,
//! and where the time went (frontend, codegen, link, build scripts, proc-macros).

use std::collections::HashMap;

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
    /// The chain of units that bounded the build, where the format records who unblocked whom.
    pub critical_path: Option<CriticalPath>,
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
    /// Time spent waiting for a jobserver token is not on the path.
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
        slowest,
        split: any_split.then_some(total),
        build_script_seconds: sum_where(&|u| u.kind == TargetKind::BuildScript),
        proc_macro_seconds: build
            .proc_macros_known
            .then(|| sum_where(&|u| u.kind == TargetKind::ProcMacro && u.mode == Mode::Build)),
    }
}

/// Walks back from the unit that finished last through the unit that unblocked each one.
///
/// Cargo records, for every unit, which units it unblocked when its rmeta or its whole output
/// was ready: that is each unit's last dependency to finish, the edge that actually held it
/// back. Following those edges from the last unit gives the chain that bounded the build, as in
/// the classic critical path method (Kelley & Walker, 1959) applied to the observed schedule.
fn critical_path(units: &[Unit]) -> Option<CriticalPath> {
    let by_id: HashMap<u64, usize> = units.iter().enumerate().filter_map(|(i, u)| Some((u.id?, i))).collect();
    // For each unit: (the unit that unblocked it, when, in seconds from cargo's start).
    let mut unblocker: HashMap<usize, (usize, f64)> = HashMap::new();
    let mut any_edges = false;
    for (a, unit) in units.iter().enumerate() {
        let (Some(start), Some(end)) = (unit.start, unit.end()) else { continue };
        // With `-Zsection-timings` cargo ≥ 1.94 reports no rmeta time; the frontend's end (the
        // codegen start) is the closest point, since rustc emits the rmeta early in codegen.
        let frontend_end = unit.sections.iter().find(|s| s.name == "frontend").and_then(|s| s.end);
        let rmeta_at = unit.rmeta_time.or(frontend_end).map_or(end, |r| start + r);
        let edges = unit.unblocked.iter().map(|b| (b, end)).chain(unit.unblocked_rmeta.iter().map(|b| (b, rmeta_at)));
        for (b, at) in edges {
            any_edges = true;
            let Some(&b) = by_id.get(b) else { continue };
            let entry = unblocker.entry(b).or_insert((a, at));
            if at > entry.1 {
                *entry = (a, at);
            }
        }
    }
    // Without start times there is no schedule to follow.
    if !any_edges && units.iter().all(|u| u.start.is_none()) {
        return None;
    }
    let (last, last_unit) = units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| Some((i, u, u.end()?)))
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(i, u, _)| (i, u))?;
    let mut on_chain = std::collections::HashSet::from([last]);
    let mut chain = vec![last];
    let mut seconds = last_unit.duration.unwrap_or(0.0);
    let mut current = last;
    // Each step moves to a unit that finished earlier in a valid report; the visited marks stop
    // cycles in malformed input.
    while let Some(&(previous, at)) = unblocker.get(&current) {
        if !on_chain.insert(previous) {
            break;
        }
        let start = units.get(previous).and_then(|u| u.start).unwrap_or(at);
        seconds += (at - start).max(0.0);
        chain.push(previous);
        current = previous;
    }
    chain.reverse();
    Some(CriticalPath { seconds, units: chain })
}
