//! What-if: replay a build's unit graph through a model of cargo's job queue, to predict its
//! wall time with another number of job slots, with faster or slower compiler sections, or with
//! a crate split in parts.
//!
//! The queue follows cargo's (`DependencyQueue` in cargo's `util/dependency_queue.rs` and its
//! use in `core/compiler/job_queue`): a unit becomes ready when every dependency it waits for is
//! done, where a library that only needs a dependency's metadata (pipelining) waits for that
//! dependency's `.rmeta` rather than its end; whenever a job slot is free the ready unit with the
//! highest priority starts, and cargo's priority is the cost of the unit plus the cost of every
//! unit that depends on it, transitively, with the same placeholder cost (100) for every unit, so
//! units with more dependents go first; ties go to the unit cargo queued first (here: the unit
//! the report lists first). A unit holds its slot from start to end.
//!
//! What the model leaves out, and what it does to the predictions, is measured in
//! docs/whatif.md: durations are those of the recorded build (with its contention for cores),
//! rustc's own threads are not job slots, and an HTML report records only the dependency edge
//! that released each unit, not all of them.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use serde::Serialize;

use crate::{Build, Mode, TargetKind, Unit};

/// What a dependent waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edge {
    /// The dependency's end.
    Full,
    /// The dependency's `.rmeta` (pipelining): the end of its frontend.
    Metadata,
}

/// Where a node's frontend / codegen / link split came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitSource {
    /// Cargo's sections (`-Zsection-timings`) or its rmeta time.
    Measured,
    /// Estimated from the build's other units (see `Graph::from_build`).
    Estimated,
    /// Not compilation: a build script running.
    NotCompiled,
}

/// One unit of the graph, its time split into what `Scale` can change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// The unit's label (`regex-syntax v0.8.5`, `ripgrep v14.1.1 (bin "rg")`).
    pub label: String,
    /// Its package name, what `--unit` and `--split` name.
    pub name: String,
    /// Seconds up to the `.rmeta` (for units without one, the frontend estimate).
    pub frontend: f64,
    /// Seconds of code generation.
    pub codegen: f64,
    /// Seconds of linking.
    pub link: f64,
    /// The rest (build scripts running, time after the last section).
    pub other: f64,
    /// Dependents that need only metadata may start at the end of the frontend.
    pub has_rmeta: bool,
    /// Where the split came from.
    pub source: SplitSource,
    /// The units this one waits for, and for what.
    pub deps: Vec<(usize, Edge)>,
    /// A library (or check) unit: what `--split` can split.
    pub splittable: bool,
}

impl Node {
    /// Seconds the unit ran.
    pub fn seconds(&self) -> f64 {
        self.frontend + self.codegen + self.link + self.other
    }
}

/// The unit graph of one build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    /// When the first unit started (cargo's own start-up: resolution, fingerprints).
    pub offset: f64,
    /// After the last unit ended until cargo was done.
    pub tail: f64,
    /// The job slots the recorded build had (`-j`), where the report says.
    pub jobs: Option<u32>,
    /// The recorded wall time.
    pub recorded: Option<f64>,
    /// Every dependency edge is known (build-analysis log). An HTML report records only the edge
    /// that released each unit.
    pub complete_edges: bool,
}

/// Factors applied to the sections of every unit (1.0 leaves them alone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    pub frontend: f64,
    pub codegen: f64,
    pub link: f64,
    /// Factors for the whole of every unit of one package.
    pub units: Vec<(String, f64)>,
}

impl Default for Scale {
    fn default() -> Scale {
        Scale { frontend: 1.0, codegen: 1.0, link: 1.0, units: Vec::new() }
    }
}

/// Why a report cannot be replayed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WhatIfError {
    #[error(
        "the report has no unit that ran with a start time and a duration (a no-op build, or a format without a schedule such as `timing-info` lines); use the `--timings` HTML or the build-analysis log of a build that compiled something"
    )]
    NoSchedule,
    #[error("--unit {0}: no unit of that package ran in this build")]
    UnknownUnit(String),
    #[error("--split {0}: no library unit of that package ran in this build")]
    UnknownSplit(String),
}

/// Does `parent` need only `dep`'s metadata? Cargo's rule: a unit that does not link
/// (a library, or anything checked) needs only the metadata of a library dependency that is
/// compiled, not of a proc-macro, whose compiled code it runs.
fn metadata_suffices(parent: &Unit, dep: &Unit) -> bool {
    let parent_links = !matches!(parent.kind, TargetKind::Lib) && parent.mode != Mode::Check;
    let dep_pipelined = dep.kind == TargetKind::Lib && matches!(dep.mode, Mode::Build | Mode::Check);
    !parent_links && parent.mode != Mode::RunCustomBuild && dep_pipelined
}

impl Graph {
    /// The graph of the units that ran in `build`. Their time is split with the report's
    /// sections or rmeta times where it has them; a compiled unit without them (binaries, build
    /// scripts, proc-macros in most formats) gets the median frontend share of the units that
    /// have them, and no link time. Edges come from the build-analysis log's `dependencies`
    /// where given, else from who-unblocked-whom in the report.
    pub fn from_build(build: &Build) -> Result<Graph, WhatIfError> {
        Graph::from_units(&build.units, build.total_seconds, build.jobs)
    }

    /// `from_build` for units kept elsewhere (a study's samples), with the build's total wall
    /// time and job slots where known.
    pub fn from_units(units: &[Unit], total_seconds: Option<f64>, jobs: Option<u32>) -> Result<Graph, WhatIfError> {
        let ran: Vec<&Unit> =
            units.iter().filter(|u| u.ran() && !u.failed && u.start.is_some() && u.duration.is_some()).collect();
        if ran.is_empty() {
            return Err(WhatIfError::NoSchedule);
        }
        let index: HashMap<u64, usize> = ran.iter().enumerate().filter_map(|(i, u)| Some((u.id?, i))).collect();
        let mut shares: Vec<f64> = ran
            .iter()
            .filter_map(|u| {
                let s = crate::split(u)?;
                let compiled = s.frontend + s.codegen;
                (compiled > 0.0).then(|| s.frontend / compiled)
            })
            .collect();
        shares.sort_by(f64::total_cmp);
        let share = shares.get(shares.len() / 2).copied().unwrap_or(0.5);
        let mut nodes: Vec<Node> = ran
            .iter()
            .map(|u| {
                let duration = u.duration.unwrap_or(0.0).max(0.0);
                let mut node = Node {
                    label: u.label(),
                    name: u.name.clone(),
                    frontend: 0.0,
                    codegen: 0.0,
                    link: 0.0,
                    other: 0.0,
                    has_rmeta: false,
                    source: SplitSource::Measured,
                    deps: Vec::new(),
                    splittable: matches!(u.kind, TargetKind::Lib) && u.mode != Mode::RunCustomBuild,
                };
                match (u.mode, crate::split(u)) {
                    (Mode::RunCustomBuild, _) => {
                        node.other = duration;
                        node.source = SplitSource::NotCompiled;
                    }
                    (_, Some(s)) => {
                        node.frontend = s.frontend;
                        node.codegen = s.codegen;
                        node.link = s.link;
                        node.other = (duration - s.frontend - s.codegen - s.link).max(0.0);
                        node.has_rmeta = u.kind == TargetKind::Lib;
                    }
                    (_, None) => {
                        node.frontend = duration * share;
                        node.codegen = duration - node.frontend;
                        node.source = SplitSource::Estimated;
                    }
                }
                node
            })
            .collect();
        let complete_edges = ran.iter().any(|u| !u.dependencies.is_empty());
        for (i, unit) in ran.iter().enumerate() {
            if complete_edges {
                for dep in &unit.dependencies {
                    let Some(&d) = index.get(dep) else { continue };
                    let Some(dep_unit) = ran.get(d) else { continue };
                    let edge = if metadata_suffices(unit, dep_unit) { Edge::Metadata } else { Edge::Full };
                    if let Some(node) = nodes.get_mut(i) {
                        node.deps.push((d, edge));
                    }
                }
            } else {
                let edges = unit.unblocked.iter().map(|b| (b, Edge::Full));
                for (b, edge) in edges.chain(unit.unblocked_rmeta.iter().map(|b| (b, Edge::Metadata))) {
                    let Some(&dependent) = index.get(b) else { continue };
                    if let Some(node) = nodes.get_mut(dependent)
                        && dependent != i
                    {
                        node.deps.push((i, edge));
                    }
                }
            }
        }
        // Edges within a package that cargo always has, released or not: a package's build
        // script runs after it is compiled, and every target of the package is compiled after
        // the script ran; binaries, tests and examples link the package's own library.
        let same = |a: &Unit, b: &Unit| a.name == b.name && a.version == b.version;
        for (i, unit) in ran.iter().enumerate() {
            for (d, dep) in ran.iter().enumerate() {
                let implied = same(unit, dep)
                    && match (unit.kind, unit.mode, dep.kind, dep.mode) {
                        (TargetKind::BuildScript, Mode::RunCustomBuild, TargetKind::BuildScript, m) => {
                            m != Mode::RunCustomBuild
                        }
                        (TargetKind::BuildScript, _, _, _) => false,
                        (_, _, TargetKind::BuildScript, Mode::RunCustomBuild) => true,
                        (TargetKind::Bin | TargetKind::Test | TargetKind::Bench | TargetKind::Example, _, k, _) => {
                            matches!(k, TargetKind::Lib | TargetKind::ProcMacro)
                        }
                        _ => false,
                    };
                if implied
                    && let Some(node) = nodes.get_mut(i)
                    && !node.deps.iter().any(|(x, _)| *x == d)
                {
                    node.deps.push((d, Edge::Full));
                }
            }
        }
        // A unit released at its dependency's rmeta can only be if that dependency has one.
        for i in 0..nodes.len() {
            let deps: Vec<(usize, Edge)> = nodes.get(i).map(|n| n.deps.clone()).unwrap_or_default();
            for (d, edge) in deps {
                if edge == Edge::Metadata
                    && let Some(dep) = nodes.get_mut(d)
                    && !dep.has_rmeta
                {
                    dep.has_rmeta = true;
                }
            }
        }
        let offset = ran.iter().filter_map(|u| u.start).reduce(f64::min).unwrap_or(0.0).max(0.0);
        let last = ran.iter().filter_map(|u| u.end()).reduce(f64::max).unwrap_or(0.0);
        let recorded = total_seconds.filter(|t| *t > 0.0).or(Some(last));
        let tail = recorded.map_or(0.0, |t| (t - last).max(0.0));
        Ok(Graph { nodes, offset, tail, jobs, recorded, complete_edges })
    }

    /// Splits every library unit of package `name` into `parts` independent units of equal
    /// time with the same dependencies; its dependents wait for all of them. The best case of
    /// splitting a crate: no part waits for another and nothing is added.
    pub fn split(&self, name: &str, parts: u32) -> Result<Graph, WhatIfError> {
        let targets: Vec<usize> =
            self.nodes.iter().enumerate().filter(|(_, n)| n.name == name && n.splittable).map(|(i, _)| i).collect();
        if targets.is_empty() {
            return Err(WhatIfError::UnknownSplit(name.to_owned()));
        }
        let parts = parts.max(1);
        let mut out = self.clone();
        let f = 1.0 / f64::from(parts);
        let mut extra: HashMap<usize, Vec<usize>> = HashMap::new();
        for &t in &targets {
            let Some(node) = out.nodes.get_mut(t) else { continue };
            node.frontend *= f;
            node.codegen *= f;
            node.link *= f;
            node.other *= f;
            let copy = node.clone();
            for _ in 1..parts {
                extra.entry(t).or_default().push(out.nodes.len());
                out.nodes.push(copy.clone());
            }
        }
        for node in &mut out.nodes {
            let added: Vec<(usize, Edge)> =
                node.deps.iter().flat_map(|(d, e)| extra.get(d).into_iter().flatten().map(move |&x| (x, *e))).collect();
            node.deps.extend(added);
        }
        Ok(out)
    }

    fn check(&self, scale: &Scale) -> Result<(), WhatIfError> {
        for (name, _) in &scale.units {
            if !self.nodes.iter().any(|n| &n.name == name) {
                return Err(WhatIfError::UnknownUnit(name.clone()));
            }
        }
        Ok(())
    }

    /// Each node's scaled (time to rmeta, duration).
    fn times(&self, scale: &Scale) -> Vec<(f64, f64)> {
        self.nodes
            .iter()
            .map(|n| {
                let unit = scale.units.iter().filter(|(name, _)| name == &n.name).map(|(_, f)| *f).product::<f64>();
                let frontend = n.frontend * scale.frontend * unit;
                let duration = frontend + (n.codegen * scale.codegen + n.link * scale.link + n.other) * unit;
                (if n.has_rmeta { frontend } else { duration }, duration)
            })
            .collect()
    }

    /// For each node, the nodes that wait for it, and for what.
    fn dependents(&self) -> Vec<Vec<(usize, Edge)>> {
        let mut out: Vec<Vec<(usize, Edge)>> = vec![Vec::new(); self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            for &(d, e) in &node.deps {
                if let Some(list) = out.get_mut(d) {
                    list.push((i, e));
                }
            }
        }
        out
    }

    /// cargo's priority of each node: 100 for itself plus 100 for every unit that depends on it,
    /// directly or not.
    fn priorities(&self, dependents: &[Vec<(usize, Edge)>]) -> Vec<u64> {
        let n = self.nodes.len();
        let words = n.div_ceil(64);
        // Reverse topological order: a node's set is the union of its dependents' sets.
        let order = self.topological(dependents);
        let mut sets: Vec<Vec<u64>> = vec![Vec::new(); n];
        for &i in order.iter().rev() {
            let mut set = vec![0u64; words];
            for &(d, _) in dependents.get(i).into_iter().flatten() {
                if let Some(word) = set.get_mut(d / 64) {
                    *word |= 1 << (d % 64);
                }
                if let Some(theirs) = sets.get(d) {
                    for (a, b) in set.iter_mut().zip(theirs) {
                        *a |= *b;
                    }
                }
            }
            if let Some(slot) = sets.get_mut(i) {
                *slot = set;
            }
        }
        sets.iter().map(|s| 100 * (1 + s.iter().map(|w| u64::from(w.count_ones())).sum::<u64>())).collect()
    }

    /// Nodes with every dependency before them (Kahn). Nodes on a cycle (malformed input) are
    /// appended at the end in index order.
    fn topological(&self, dependents: &[Vec<(usize, Edge)>]) -> Vec<usize> {
        let n = self.nodes.len();
        let mut remaining: Vec<usize> = self.nodes.iter().map(|x| x.deps.len()).collect();
        let mut queue: Vec<usize> = (0..n).filter(|&i| remaining.get(i) == Some(&0)).collect();
        let mut out = Vec::with_capacity(n);
        while let Some(i) = queue.pop() {
            out.push(i);
            for &(d, _) in dependents.get(i).into_iter().flatten() {
                if let Some(r) = remaining.get_mut(d) {
                    *r = r.saturating_sub(1);
                    if *r == 0 {
                        queue.push(d);
                    }
                }
            }
        }
        if out.len() < n {
            let mut seen = vec![false; n];
            for &i in &out {
                if let Some(s) = seen.get_mut(i) {
                    *s = true;
                }
            }
            out.extend((0..n).filter(|&i| !seen.get(i).copied().unwrap_or(true)));
        }
        out
    }

    /// Replays the graph with `jobs` slots (`None`: as many as there are units) and `scale`:
    /// the predicted wall time and the chain of units that bounded it.
    pub fn simulate(&self, jobs: Option<u32>, scale: &Scale) -> Result<Schedule, WhatIfError> {
        self.check(scale)?;
        let dependents = self.dependents();
        let priorities = self.priorities(&dependents);
        Ok(self.run(jobs, scale, &priorities, &dependents))
    }

    fn run(&self, jobs: Option<u32>, scale: &Scale, priorities: &[u64], dependents: &[Vec<(usize, Edge)>]) -> Schedule {
        let n = self.nodes.len();
        let times = self.times(scale);
        let slots = jobs.map_or(n.max(1), |j| (j.max(1) as usize).min(n.max(1)));
        // What each node still waits for: its dependencies that are nodes of the graph.
        let mut waiting: Vec<usize> =
            self.nodes.iter().map(|node| node.deps.iter().filter(|(d, _)| *d < n).count()).collect();
        // The dependency that released each node last, for the bounding chain.
        let mut released_by: Vec<Option<usize>> = vec![None; n];
        let mut start = vec![f64::NAN; n];
        let mut end = vec![f64::NAN; n];
        let mut ready: BinaryHeap<Ready> = BinaryHeap::new();
        for (i, w) in waiting.iter().enumerate() {
            if *w == 0 {
                ready.push(Ready { priority: priorities.get(i).copied().unwrap_or(0), index: i });
            }
        }
        let mut events: BinaryHeap<Event> = BinaryHeap::new();
        let mut now = self.offset;
        let mut running = 0usize;
        let mut started = 0usize;
        loop {
            while running < slots {
                let Some(next) = ready.pop() else { break };
                let i = next.index;
                let (rmeta, duration) = times.get(i).copied().unwrap_or((0.0, 0.0));
                if let Some(s) = start.get_mut(i) {
                    *s = now;
                }
                running += 1;
                started += 1;
                events.push(Event { at: now + duration, index: i, finished: true });
                if rmeta < duration {
                    events.push(Event { at: now + rmeta, index: i, finished: false });
                }
            }
            let Some(event) = events.pop() else { break };
            now = event.at;
            let i = event.index;
            if event.finished {
                running = running.saturating_sub(1);
                if let Some(e) = end.get_mut(i) {
                    *e = now;
                }
            }
            let has_rmeta_event = times.get(i).is_some_and(|(r, d)| r < d);
            for &(d, edge) in dependents.get(i).into_iter().flatten() {
                // An rmeta edge is released by the rmeta event, or by the end when the node
                // had none; a full edge by the end.
                let releases = match edge {
                    Edge::Full => event.finished,
                    Edge::Metadata => !event.finished || !has_rmeta_event,
                };
                if !releases {
                    continue;
                }
                if let Some(w) = waiting.get_mut(d) {
                    *w = w.saturating_sub(1);
                    if let Some(r) = released_by.get_mut(d) {
                        *r = Some(i);
                    }
                    if *w == 0 {
                        ready.push(Ready { priority: priorities.get(d).copied().unwrap_or(0), index: d });
                    }
                }
            }
        }
        let (last, finish) = end
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_finite())
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or((None, self.offset), |(i, e)| (Some(i), *e));
        let mut chain = Vec::new();
        let mut current = last;
        while let Some(i) = current {
            if chain.contains(&i) || chain.len() > n {
                break;
            }
            chain.push(i);
            current = released_by.get(i).copied().flatten();
        }
        chain.reverse();
        Schedule { seconds: finish + self.tail, chain, units_run: started, start, end }
    }

    /// The predicted wall time for each job count, the critical-path floor (unlimited slots),
    /// and the chain that bounds it.
    pub fn curve(&self, jobs: &[u32], scale: &Scale) -> Result<Curve, WhatIfError> {
        self.check(scale)?;
        let dependents = self.dependents();
        let priorities = self.priorities(&dependents);
        let points = jobs.iter().map(|&j| (j, self.run(Some(j), scale, &priorities, &dependents).seconds)).collect();
        let floor = self.run(None, scale, &priorities, &dependents);
        let chain = floor.chain.iter().filter_map(|&i| self.nodes.get(i).map(|n| n.label.clone())).collect();
        Ok(Curve { points, floor: floor.seconds, chain })
    }

    /// Every splittable package, ranked by how much splitting it into `parts` would shorten the
    /// build at `jobs` slots: (package, predicted seconds after the split, seconds saved).
    pub fn rank_splits(
        &self,
        jobs: Option<u32>,
        parts: u32,
        scale: &Scale,
    ) -> Result<Vec<(String, f64, f64)>, WhatIfError> {
        let base = self.simulate(jobs, scale)?.seconds;
        let mut names: Vec<&str> = self.nodes.iter().filter(|n| n.splittable).map(|n| n.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let mut out = Vec::new();
        for name in names {
            let after = self.split(name, parts)?.simulate(jobs, scale)?.seconds;
            out.push((name.to_owned(), after, base - after));
        }
        out.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }
}

/// One replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// Predicted wall time, cargo's start-up and wind-down included.
    pub seconds: f64,
    /// The chain of units that bounded it (each released the next), first to last.
    pub chain: Vec<usize>,
    /// Units that ran (fewer than the graph's only on a cycle in malformed input).
    pub units_run: usize,
    /// Each node's start and end.
    #[serde(skip)]
    pub start: Vec<f64>,
    #[serde(skip)]
    pub end: Vec<f64>,
}

/// Predicted wall time against job slots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// (job slots, predicted seconds).
    pub points: Vec<(u32, f64)>,
    /// With unlimited slots: the critical path, which no number of cores beats.
    pub floor: f64,
    /// The units of that path, first to last.
    pub chain: Vec<String>,
}

impl Curve {
    /// The fewest job slots whose prediction is within `within` (0.05) of the floor.
    pub fn enough(&self, within: f64) -> Option<u32> {
        self.points.iter().filter(|(_, s)| *s <= self.floor * (1.0 + within)).map(|(j, _)| *j).min()
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Ready {
    priority: u64,
    index: usize,
}

impl Ord for Ready {
    /// Highest priority first; among equals, the unit listed first.
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority.cmp(&other.priority).then_with(|| other.index.cmp(&self.index))
    }
}

impl PartialOrd for Ready {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, PartialEq)]
struct Event {
    at: f64,
    index: usize,
    finished: bool,
}

impl Eq for Event {}

impl Ord for Event {
    /// Earliest first (a max-heap, so reversed); at equal times rmeta events before ends, then
    /// by index, so the replay is deterministic.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .total_cmp(&self.at)
            .then_with(|| other.finished.cmp(&self.finished))
            .then_with(|| other.index.cmp(&self.index))
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node of `seconds`, with an rmeta at `rmeta` seconds when given.
    fn node(name: &str, seconds: f64, rmeta: Option<f64>, deps: &[(usize, Edge)]) -> Node {
        let frontend = rmeta.unwrap_or(seconds / 2.0);
        Node {
            label: name.to_owned(),
            name: name.to_owned(),
            frontend,
            codegen: seconds - frontend,
            link: 0.0,
            other: 0.0,
            has_rmeta: rmeta.is_some(),
            source: SplitSource::Measured,
            deps: deps.to_vec(),
            splittable: true,
        }
    }

    fn graph(nodes: Vec<Node>) -> Graph {
        Graph { nodes, offset: 0.0, tail: 0.0, jobs: None, recorded: None, complete_edges: true }
    }

    fn wall(g: &Graph, jobs: Option<u32>) -> f64 {
        g.simulate(jobs, &Scale::default()).unwrap().seconds
    }

    #[test]
    fn a_chain_takes_the_sum_of_its_units_however_many_slots() {
        use Edge::Full;
        let g = graph(vec![
            node("a", 1.0, None, &[]),
            node("b", 2.0, None, &[(0, Full)]),
            node("c", 3.0, None, &[(1, Full)]),
        ]);
        for jobs in [Some(1), Some(4), None] {
            assert!((wall(&g, jobs) - 6.0).abs() < 1e-9);
        }
        let s = g.simulate(Some(2), &Scale::default()).unwrap();
        assert_eq!(s.chain, [0, 1, 2]);
    }

    #[test]
    fn a_fan_out_packs_its_units_into_the_slots() {
        use Edge::Full;
        // Root 1 s, then four independent 2 s units: 1 + 8 on one slot, 1 + 4 on two, 1 + 2 on four.
        let mut nodes = vec![node("root", 1.0, None, &[])];
        nodes.extend((0..4).map(|i| node(&format!("leaf{i}"), 2.0, None, &[(0, Full)])));
        let g = graph(nodes);
        assert!((wall(&g, Some(1)) - 9.0).abs() < 1e-9);
        assert!((wall(&g, Some(2)) - 5.0).abs() < 1e-9);
        assert!((wall(&g, Some(4)) - 3.0).abs() < 1e-9);
        assert!((wall(&g, Some(3)) - 5.0).abs() < 1e-9, "three slots: two rounds");
    }

    #[test]
    fn a_diamond_with_pipelined_metadata_edges_starts_at_the_rmeta() {
        use Edge::{Full, Metadata};
        // a (4 s, rmeta at 1 s) → b and c need only its metadata (2 s and 3 s) → d needs both
        // fully (1 s). With enough slots: b and c start at 1, end at 3 and 4; a ends at 4; d
        // waits for a? No: d depends on b and c only, so it starts at 4 and ends at 5.
        let g = graph(vec![
            node("a", 4.0, Some(1.0), &[]),
            node("b", 2.0, Some(1.0), &[(0, Metadata)]),
            node("c", 3.0, Some(1.0), &[(0, Metadata)]),
            node("d", 1.0, None, &[(1, Full), (2, Full)]),
        ]);
        assert!((wall(&g, None) - 5.0).abs() < 1e-9);
        // Two slots: a runs to 4, one of b/c starts at 1 (c first: more... equal priority,
        // listed first: b) → b 1..3, c 3..6, d 6..7.
        assert!((wall(&g, Some(2)) - 7.0).abs() < 1e-9, "{}", wall(&g, Some(2)));
        // One slot: everything in a row.
        assert!((wall(&g, Some(1)) - 10.0).abs() < 1e-9);
        // The same edges as full edges lose the pipelining: 4 + 3 + 1.
        let mut full = g.clone();
        for n in &mut full.nodes {
            for e in &mut n.deps {
                e.1 = Full;
            }
        }
        assert!((wall(&full, None) - 8.0).abs() < 1e-9);
    }

    #[test]
    fn the_unit_with_more_dependents_goes_first() {
        use Edge::Full;
        // x, w and y are ready at once; only y has a dependent (z, 5 s). cargo gives y the
        // higher priority (200 against 100), so on two slots y starts at once and z follows it:
        // 6 s, where taking the units in list order (x, w, then y) would take 7 s.
        let g = graph(vec![
            node("x", 1.0, None, &[]),
            node("w", 1.0, None, &[]),
            node("y", 1.0, None, &[]),
            node("z", 5.0, None, &[(2, Full)]),
        ]);
        let s = g.simulate(Some(2), &Scale::default()).unwrap();
        assert!((s.seconds - 6.0).abs() < 1e-9, "{}", s.seconds);
        assert_eq!(s.start.get(2), Some(&0.0));
    }

    #[test]
    fn splitting_a_crate_in_two_halves_its_time_on_enough_slots() {
        use Edge::Full;
        let g = graph(vec![node("big", 8.0, None, &[]), node("app", 1.0, None, &[(0, Full)])]);
        let split = g.split("big", 2).unwrap();
        assert_eq!(split.nodes.len(), 3);
        assert!((wall(&split, Some(2)) - 5.0).abs() < 1e-9);
        assert!((wall(&split, Some(1)) - 9.0).abs() < 1e-9, "one slot gains nothing");
        let ranked = g.rank_splits(Some(2), 2, &Scale::default()).unwrap();
        assert_eq!(ranked.first().map(|r| r.0.as_str()), Some("big"));
        assert!(g.split("nope", 2).is_err());
    }

    #[test]
    fn scaling_codegen_shortens_only_codegen() {
        use Edge::Metadata;
        let g = graph(vec![node("a", 4.0, Some(1.0), &[]), node("b", 2.0, Some(1.0), &[(0, Metadata)])]);
        let half = Scale { codegen: 0.5, ..Scale::default() };
        // a: 1 + 1.5 = 2.5; b starts at 1, takes 1 + 0.5: ends 2.5.
        assert!((g.simulate(None, &half).unwrap().seconds - 2.5).abs() < 1e-9);
        let unit = Scale { units: vec![("a".into(), 2.0)], ..Scale::default() };
        assert!((g.simulate(None, &unit).unwrap().seconds - 8.0).abs() < 1e-9);
        assert!(g.simulate(None, &Scale { units: vec![("zz".into(), 2.0)], ..Scale::default() }).is_err());
    }
}
