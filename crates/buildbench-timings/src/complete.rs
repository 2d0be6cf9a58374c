//! Completing a report's unit graph from `cargo metadata`.
//!
//! An HTML report records, for each unit, only the dependency that released it: the last one to
//! finish. A replay or a critical path over those edges alone lets a unit start before
//! dependencies that finished earlier in the recording, so both can come out too short, and the
//! critical path can end at a unit that is not the last. `cargo metadata` knows every package's
//! dependencies and their kinds; from them and cargo's rules for which unit waits for which
//! (the ones `cargo::core::compiler::unit_dependencies` applies), every edge between the units of
//! the report can be written down.
//!
//! Package ids differ between a report and its metadata (paths of copies, registry spellings),
//! so units and packages meet by name and version. A package compiled twice (once for the host,
//! as a build dependency or proc-macro dependency, once for the target) has two library units
//! that the report does not tell apart; the edge goes to the copy the recorded schedule allows:
//! one that had finished (or had its metadata) when the dependent started, the later of two.
//! No edge is added that the recording contradicts, so the completed graph, replayed with the
//! recorded durations and unlimited slots, never takes longer than the recorded build did.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::{Mode, TargetKind, Unit};

/// How a package depends on another (`dep_kinds[].kind` in `cargo metadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DepKind {
    Normal,
    Dev,
    Build,
}

/// One package's dependencies and whether it has a `links` key.
#[derive(Debug, Clone, Default, PartialEq)]
struct Package {
    links: bool,
    /// (name, version, kinds) of each dependency.
    deps: Vec<(String, String, Vec<DepKind>)>,
}

/// The package graph of `cargo metadata` (with its `resolve`), keyed by name and version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageGraph {
    packages: HashMap<(String, String), Package>,
}

/// How much of a build's unit graph is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edges {
    /// The format lists every unit's dependencies (the build-analysis log).
    Listed,
    /// Completed from `cargo metadata` (`complete`).
    Completed,
    /// Only the dependency that released each unit (an HTML report alone), plus each package's
    /// own edges: a unit may seem to start before a dependency that finished earlier, so the
    /// critical path and the what-if floor can come out too short.
    Partial,
}

impl Edges {
    /// One line for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Edges::Listed => "every dependency edge (the build-analysis log lists them)",
            Edges::Completed => "every dependency edge (the report's, completed from `cargo metadata`)",
            Edges::Partial => {
                "partial: only the edge that released each unit (an HTML report records no others); the critical path and the floor can come out too short (give --project PATH, or read the report inside its project's target folder, to complete it from `cargo metadata`)"
            }
        }
    }
}

/// What completing a graph did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Completion {
    /// Edges the report did not record and the package graph adds.
    pub added: usize,
    /// Edges the package graph implies that the recorded schedule contradicts (the dependency
    /// ended after the dependent started): left out.
    pub contradicted: usize,
    /// Units of the report whose package the metadata does not list.
    pub unknown_units: usize,
}

impl PackageGraph {
    /// Reads `cargo metadata --format-version 1` output (without `--no-deps`: the `resolve`
    /// section is what lists dependencies).
    pub fn from_metadata(text: &str) -> Result<PackageGraph, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not cargo metadata JSON: {e}"))?;
        let packages = value.get("packages").and_then(Value::as_array).ok_or("no `packages` list")?;
        let mut ids: HashMap<&str, (String, String)> = HashMap::new();
        let mut out = PackageGraph::default();
        for p in packages {
            let (Some(id), Some(name), Some(version)) = (
                p.get("id").and_then(Value::as_str),
                p.get("name").and_then(Value::as_str),
                p.get("version").and_then(Value::as_str),
            ) else {
                continue;
            };
            let key = (name.to_owned(), version.to_owned());
            ids.insert(id, key.clone());
            let links = p.get("links").and_then(Value::as_str).is_some();
            out.packages.insert(key, Package { links, deps: Vec::new() });
        }
        let nodes = value
            .get("resolve")
            .and_then(|r| r.get("nodes"))
            .and_then(Value::as_array)
            .ok_or("no `resolve` section (was it run with --no-deps?)")?;
        for node in nodes {
            let Some(key) = node.get("id").and_then(Value::as_str).and_then(|id| ids.get(id)) else { continue };
            let mut deps = Vec::new();
            for dep in node.get("deps").and_then(Value::as_array).into_iter().flatten() {
                let Some(target) = dep.get("pkg").and_then(Value::as_str).and_then(|id| ids.get(id)) else {
                    continue;
                };
                let mut kinds: Vec<DepKind> = dep
                    .get("dep_kinds")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|k| match k.get("kind").and_then(Value::as_str) {
                        Some("dev") => DepKind::Dev,
                        Some("build") => DepKind::Build,
                        _ => DepKind::Normal,
                    })
                    .collect();
                // cargo before 1.41 has no dep_kinds: every dependency is a normal one.
                if kinds.is_empty() {
                    kinds.push(DepKind::Normal);
                }
                kinds.dedup();
                deps.push((target.0.clone(), target.1.clone(), kinds));
            }
            if let Some(p) = out.packages.get_mut(key) {
                p.deps = deps;
            }
        }
        Ok(out)
    }

    /// How many packages it lists.
    pub fn len(&self) -> usize {
        self.packages.len()
    }

    /// True when it lists no package.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// True when most of the units that ran belong to packages this graph lists: the metadata
    /// is of the project the report was recorded on.
    pub fn describes(&self, units: &[Unit]) -> bool {
        let ran: Vec<&Unit> = units.iter().filter(|u| u.ran()).collect();
        let known = ran.iter().filter(|u| self.package(u).is_some()).count();
        !ran.is_empty() && known * 10 >= ran.len() * 9
    }

    fn package(&self, unit: &Unit) -> Option<&Package> {
        self.packages.get(&(unit.name.clone(), unit.version.clone()?))
    }
}

/// Does `parent` need only `dep`'s metadata? Cargo's rule: a unit that does not link (a
/// library, or anything checked) needs only the metadata of a compiled library dependency, not
/// of a proc-macro, whose compiled code it runs.
pub(crate) fn metadata_suffices(parent: &Unit, dep: &Unit) -> bool {
    let parent_links = !matches!(parent.kind, TargetKind::Lib) && parent.mode != Mode::Check;
    let dep_pipelined = dep.kind == TargetKind::Lib && matches!(dep.mode, Mode::Build | Mode::Check);
    !parent_links && parent.mode != Mode::RunCustomBuild && dep_pipelined
}

/// When `dep` released `parent` in the recording: its metadata or its end.
fn released_at(parent: &Unit, dep: &Unit) -> Option<f64> {
    let end = dep.end()?;
    if !metadata_suffices(parent, dep) {
        return Some(end);
    }
    let frontend_end = dep.sections.iter().find(|s| s.name == "frontend").and_then(|s| s.end);
    Some(dep.rmeta_time.or(frontend_end).map_or(end, |r| dep.start.unwrap_or(0.0) + r))
}

/// The report rounds times to 10 ms; a dependency may seem to end up to this late.
pub(crate) const ROUNDING: f64 = 0.015;

/// Fills every unit's `dependencies` (ids) with the edges the report recorded plus those the
/// package graph implies, for the units that ran. A report without unit ids is left alone.
pub fn complete(units: &mut [Unit], graph: &PackageGraph) -> Completion {
    let mut completion = Completion::default();
    let ran: Vec<usize> = (0..units.len())
        .filter(|&i| units.get(i).is_some_and(|u| u.ran() && u.id.is_some() && u.start.is_some()))
        .collect();
    let recorded = recorded_edges(units, &ran);
    let by_package = ByPackage::new(units, &ran);
    let mut result: Vec<(usize, Vec<u64>)> = Vec::new();
    for &i in &ran {
        let Some(unit) = units.get(i) else { continue };
        let Some(id) = unit.id else { continue };
        let mut deps: HashSet<u64> = recorded.get(&id).cloned().unwrap_or_default();
        let (Some(version), Some(package)) = (unit.version.as_deref(), graph.package(unit)) else {
            completion.unknown_units += 1;
            result.push((i, sorted(deps)));
            continue;
        };
        for group in dependency_groups(unit, version, package, graph, &by_package) {
            let group: Vec<usize> = group.into_iter().filter(|&d| d != i).collect();
            add_allowed(units, unit, &group, &mut deps, &mut completion);
        }
        result.push((i, sorted(deps)));
    }
    for (i, deps) in result {
        if let Some(u) = units.get_mut(i) {
            u.dependencies = deps;
        }
    }
    completion
}

/// The edges the report recorded among the units at `ran`, dependent id → dependency ids: who
/// released whom, and the dependencies a format lists.
fn recorded_edges(units: &[Unit], ran: &[usize]) -> HashMap<u64, HashSet<u64>> {
    let mut recorded: HashMap<u64, HashSet<u64>> = HashMap::new();
    for &i in ran {
        let Some(u) = units.get(i) else { continue };
        let Some(id) = u.id else { continue };
        for b in u.unblocked.iter().chain(&u.unblocked_rmeta) {
            recorded.entry(*b).or_default().insert(id);
        }
        for d in &u.dependencies {
            recorded.entry(id).or_default().insert(*d);
        }
    }
    recorded
}

/// The units that ran, by package name and version.
struct ByPackage<'a> {
    units: &'a [Unit],
    packages: HashMap<(&'a str, Option<&'a str>), Vec<usize>>,
}

impl<'a> ByPackage<'a> {
    /// Groups the units at `ran` by package.
    fn new(units: &'a [Unit], ran: &[usize]) -> ByPackage<'a> {
        let mut packages: HashMap<(&str, Option<&str>), Vec<usize>> = HashMap::new();
        for &i in ran {
            if let Some(u) = units.get(i) {
                packages.entry((u.name.as_str(), u.version.as_deref())).or_default().push(i);
            }
        }
        ByPackage { units, packages }
    }

    /// The units of package `name` `version` that are `kind`.
    fn of(&self, name: &str, version: &str, kind: fn(&Unit) -> bool) -> Vec<usize> {
        self.packages
            .get(&(name, Some(version)))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| self.units.get(i).is_some_and(kind))
            .collect()
    }
}

/// A library or proc-macro, compiled: what a dependent links or runs.
fn library(u: &Unit) -> bool {
    matches!(u.kind, TargetKind::Lib | TargetKind::ProcMacro) && u.mode != Mode::RunCustomBuild
}

/// A compiled library (not a proc-macro): what a package's binaries, tests and examples link,
/// and what `whatif --split` splits.
pub(crate) fn compiled_library(u: &Unit) -> bool {
    u.kind == TargetKind::Lib && u.mode != Mode::RunCustomBuild
}

/// A build script running.
fn script_run(u: &Unit) -> bool {
    u.kind == TargetKind::BuildScript && u.mode == Mode::RunCustomBuild
}

/// A build script being compiled.
fn script_build(u: &Unit) -> bool {
    u.kind == TargetKind::BuildScript && u.mode != Mode::RunCustomBuild
}

/// The dependencies of `unit` (of `package` at `version`) by cargo's rules, as groups of
/// candidate units: each group is one dependency, of which one unit is taken.
fn dependency_groups(
    unit: &Unit,
    version: &str,
    package: &Package,
    graph: &PackageGraph,
    by_package: &ByPackage<'_>,
) -> Vec<Vec<usize>> {
    let name = unit.name.as_str();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let kinds_of = |wanted: &[DepKind]| -> Vec<(&str, &str)> {
        package
            .deps
            .iter()
            .filter(|(_, _, kinds)| kinds.iter().any(|k| wanted.contains(k)))
            .map(|(n, v, _)| (n.as_str(), v.as_str()))
            .collect()
    };
    match (unit.kind, unit.mode) {
        (TargetKind::BuildScript, Mode::RunCustomBuild) => {
            groups.push(by_package.of(name, version, script_build));
            // The build scripts of dependencies with `links` run first (their `DEP_*` output).
            for (n, v) in kinds_of(&[DepKind::Normal]) {
                if graph.packages.get(&(n.to_owned(), v.to_owned())).is_some_and(|p| p.links) {
                    groups.push(by_package.of(n, v, script_run));
                }
            }
        }
        (TargetKind::BuildScript, _) => {
            for (n, v) in kinds_of(&[DepKind::Build]) {
                groups.push(by_package.of(n, v, library));
            }
        }
        (kind, mode) => {
            groups.push(by_package.of(name, version, script_run));
            if kind != TargetKind::Lib && kind != TargetKind::ProcMacro {
                groups.push(by_package.of(name, version, compiled_library));
            }
            let dev = matches!(kind, TargetKind::Test | TargetKind::Bench | TargetKind::Example) || mode == Mode::Test;
            let wanted: &[DepKind] = if dev { &[DepKind::Normal, DepKind::Dev] } else { &[DepKind::Normal] };
            for (n, v) in kinds_of(wanted) {
                groups.push(by_package.of(n, v, library));
            }
        }
    }
    groups
}

/// Adds to `deps` (of `unit`) the edge to one unit of `group`, one dependency, unless an edge
/// to it is there already: the copy the recorded schedule allows, the later of two, or none
/// when the schedule contradicts every copy. Counts what it did in `completion`.
fn add_allowed(units: &[Unit], unit: &Unit, group: &[usize], deps: &mut HashSet<u64>, completion: &mut Completion) {
    if group.is_empty() {
        return;
    }
    let ids: Vec<u64> = group.iter().filter_map(|&d| units.get(d)?.id).collect();
    if ids.iter().any(|d| deps.contains(d)) {
        return;
    }
    let start = unit.start.unwrap_or(0.0);
    let allowed = group
        .iter()
        .filter_map(|&d| {
            let dep = units.get(d)?;
            let at = released_at(unit, dep)?;
            (at <= start + ROUNDING).then_some((dep.id?, at))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match allowed {
        Some((d, _)) => {
            deps.insert(d);
            completion.added += 1;
        }
        None => completion.contradicted += 1,
    }
}

fn sorted(set: HashSet<u64>) -> Vec<u64> {
    let mut v: Vec<u64> = set.into_iter().collect();
    v.sort_unstable();
    v
}
