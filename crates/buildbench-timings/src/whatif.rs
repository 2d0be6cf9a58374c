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
//! A unit that used more CPUs than one (a build script running make or cc through cargo's
//! jobserver, rustc's codegen threads), where its CPU time is known, needs job tokens for
//! them: it shares the idle tokens with the others and slows down when it gets fewer than it
//! had (`Graph::speeds`). What the model leaves out, and what it does to the predictions, is
//! measured in docs/whatif.md: durations are those of the recorded build (with its contention
//! for cores), and an HTML report alone records only the dependency edge that released each
//! unit (`complete` adds the others from `cargo metadata`).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use serde::Serialize;

use crate::complete::{Completion, Edges, ROUNDING, compiled_library, metadata_suffices};
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
    /// Its index in the units the graph was made from.
    #[serde(skip)]
    pub unit: usize,
    /// When it ended in the recording, seconds from cargo's start.
    #[serde(skip)]
    pub end: f64,
    /// A binary, test, bench or example: what a build is run for, not a library that others use.
    #[serde(skip)]
    pub final_target: bool,
    /// CPUs its processes used on average (CPU seconds over its duration), where measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<f64>,
    /// In the optimistic replay of a build script that may use more job tokens than the
    /// recording gave it: at most this many tokens, each running it as fast as a recorded one.
    #[serde(skip)]
    pub ceiling: Option<f64>,
    /// Job tokens it had on average in the recording: its own plus the idle ones.
    #[serde(skip)]
    pub tokens_recorded: f64,
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
    /// Every dependency edge is known: the build-analysis log lists them, or the graph was
    /// completed from `cargo metadata`. An HTML report alone records only the edge that
    /// released each unit.
    pub complete_edges: bool,
    /// What completing the graph from `cargo metadata` added, when it was completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<Completion>,
    /// How much of the graph is known.
    pub edges: Edges,
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

/// Units shorter than this have too few CPU samples for a parallelism.
const MIN_CPU_DURATION: f64 = 0.5;

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

impl Graph {
    /// The graph of the units that ran in `build`. Their time is split with the report's
    /// sections or rmeta times where it has them; a compiled unit without them (binaries, build
    /// scripts, proc-macros in most formats) gets the median frontend share of the units that
    /// have them, and no link time. Edges come from the build-analysis log's `dependencies`
    /// where given, else from who-unblocked-whom in the report.
    pub fn from_build(build: &Build) -> Result<Graph, WhatIfError> {
        let mut graph = Graph::from_units(&build.units, build.total_seconds, build.jobs)?;
        graph.edges = build.edges();
        graph.completed = build.completion.clone();
        Ok(graph)
    }

    /// `from_build` for units kept elsewhere (a study's samples), with the build's total wall
    /// time and job slots where known.
    pub fn from_units(units: &[Unit], total_seconds: Option<f64>, jobs: Option<u32>) -> Result<Graph, WhatIfError> {
        let (positions, ran): (Vec<usize>, Vec<&Unit>) = units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.ran() && !u.failed && u.start.is_some() && u.duration.is_some())
            .unzip();
        if ran.is_empty() {
            return Err(WhatIfError::NoSchedule);
        }
        let share = median_frontend_share(&ran);
        let mut nodes: Vec<Node> =
            ran.iter().zip(&positions).map(|(u, &position)| Node::from_unit(u, position, share)).collect();
        let complete_edges = ran.iter().any(|u| !u.dependencies.is_empty());
        if complete_edges {
            add_listed_edges(&mut nodes, &ran);
        } else {
            add_released_edges(&mut nodes, &ran);
        }
        add_package_edges(&mut nodes, &ran);
        if !complete_edges {
            connect_orphans(&mut nodes, &ran);
        }
        add_upstream_edges(&mut nodes, &ran);
        mark_rmeta(&mut nodes);
        if let Some(jobs) = jobs {
            set_recorded_tokens(&mut nodes, &ran, jobs);
        }
        let offset = ran.iter().filter_map(|u| u.start).reduce(f64::min).unwrap_or(0.0).max(0.0);
        let last = ran.iter().filter_map(|u| u.end()).reduce(f64::max).unwrap_or(0.0);
        let recorded = total_seconds.filter(|t| *t > 0.0).or(Some(last));
        let tail = recorded.map_or(0.0, |t| (t - last).max(0.0));
        let edges = if complete_edges { Edges::Listed } else { Edges::Partial };
        Ok(Graph { nodes, offset, tail, jobs, recorded, complete_edges, completed: None, edges })
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

    /// The slot-by-slot replay with `jobs` slots (`None`: `unlimited`): whenever a slot is free
    /// the ready node with the highest priority starts; time moves from one rmeta or end to
    /// the next, each releasing the dependents that waited for it.
    fn run(&self, jobs: Option<u32>, scale: &Scale, priorities: &[u64], dependents: &[Vec<(usize, Edge)>]) -> Schedule {
        let Some(jobs) = jobs else { return self.unlimited(scale, dependents) };
        let tokens = jobs.max(1) as usize;
        let n = self.nodes.len();
        let times = self.times(scale);
        let slots = tokens.min(n.max(1));
        let mut queue = Queue::new(&self.nodes, priorities);
        let mut start = vec![f64::NAN; n];
        let mut end = vec![f64::NAN; n];
        // Each running node: how far through its recorded time it is, and whether its rmeta
        // was released. A node moves through its recorded time at speed 1, or slower where it
        // ran on more job tokens than it gets now (`speeds`).
        let mut running: Vec<Running> = Vec::new();
        let mut now = self.offset;
        let mut started = 0usize;
        loop {
            while running.len() < slots {
                let Some(next) = queue.ready.pop() else { break };
                let i = next.index;
                if let Some(s) = start.get_mut(i) {
                    *s = now;
                }
                let (rmeta, duration) = times.get(i).copied().unwrap_or((0.0, 0.0));
                running.push(Running { index: i, done: 0.0, rmeta_released: rmeta >= duration });
                started += 1;
            }
            let speeds = self.speeds(&running, Some(tokens));
            let Some((k, dt, finished, i)) = next_milestone(&running, &speeds, &times) else { break };
            now += dt;
            for (r, speed) in running.iter_mut().zip(&speeds) {
                r.done += dt * speed;
            }
            if finished {
                running.swap_remove(k);
                if let Some(e) = end.get_mut(i) {
                    *e = now;
                }
            } else if let Some(r) = running.get_mut(k) {
                r.rmeta_released = true;
                r.done = times.get(i).map_or(r.done, |t| t.0);
            }
            let has_rmeta_event = times.get(i).is_some_and(|(r, d)| r < d);
            queue.release(i, finished, has_rmeta_event, dependents.get(i).map(Vec::as_slice).unwrap_or_default());
        }
        Schedule::replayed(start, end, queue.released_by, started, self.offset, self.tail)
    }

    /// The replay with a slot for every unit, as one pass in dependency order: each unit starts
    /// when its last dependency releases it (its rmeta or its end). The same schedule the
    /// slot-by-slot replay gives with unlimited slots, in time linear in the edges. At equal
    /// release times the releasing unit is the one the event order takes last (an end after
    /// an rmeta, then the higher index).
    fn unlimited(&self, scale: &Scale, dependents: &[Vec<(usize, Edge)>]) -> Schedule {
        let n = self.nodes.len();
        let times = self.times(scale);
        let mut start = vec![f64::NAN; n];
        let mut end = vec![f64::NAN; n];
        let mut released_by: Vec<Option<usize>> = vec![None; n];
        for i in self.topological(dependents) {
            let Some(node) = self.nodes.get(i) else { continue };
            let mut at = self.offset;
            let mut by: Option<(usize, bool)> = None;
            let mut ready = true;
            for &(d, edge) in &node.deps {
                let (Some(&s), Some(&e), Some(&(rmeta, duration))) = (start.get(d), end.get(d), times.get(d)) else {
                    continue;
                };
                if !e.is_finite() {
                    ready = false;
                    break;
                }
                let full = edge == Edge::Full || rmeta >= duration;
                let release = if full { e } else { s + rmeta };
                let later = match by {
                    None => true,
                    Some((b, b_full)) => release > at || (release == at && (full, d) > (b_full, b)),
                };
                if later {
                    at = release;
                    by = Some((d, full));
                }
            }
            if !ready {
                continue;
            }
            let duration = times.get(i).map_or(0.0, |t| t.1);
            if let (Some(s), Some(e), Some(r)) = (start.get_mut(i), end.get_mut(i), released_by.get_mut(i)) {
                *s = at;
                *e = at + duration;
                *r = by.map(|(d, _)| d);
            }
        }
        let units_run = end.iter().filter(|e| e.is_finite()).count();
        Schedule::replayed(start, end, released_by, units_run, self.offset, self.tail)
    }

    /// How fast each running node moves through its recorded time, with `tokens` job tokens
    /// (`None`: unlimited). A node whose processes used `c` CPUs on average while the recording
    /// gave it `a` tokens on average (its own plus the idle ones) needed tokens for `min(c, a)`
    /// of them (make and cc through cargo's jobserver, rustc's extra codegen threads) and none
    /// for the rest (rustc's own helper threads). Now it holds its own token and shares the
    /// idle ones with the other nodes that want more (equal shares, capped at what each
    /// wants); it never runs faster than recorded. Nodes without CPU data move at speed 1.
    fn speeds(&self, running: &[Running], tokens: Option<usize>) -> Vec<f64> {
        let Some(tokens) = tokens else { return vec![1.0; running.len()] };
        // (CPUs used in the recording, tokens it can use, whether it may beat its recording)
        // per running node. A node with a ceiling (the optimistic replay of a build script
        // that may use more tokens than it had) can use up to that many.
        let use_of = |r: &Running| -> Option<(f64, f64, bool)> {
            let node = self.nodes.get(r.index)?;
            if let Some(k) = node.ceiling.filter(|k| *k > 1.0) {
                return Some((node.parallelism.unwrap_or(node.tokens_recorded).max(1.0), k, true));
            }
            let c = node.parallelism.filter(|c| *c > 1.0)?;
            Some((c, c.min(node.tokens_recorded.max(1.0)), false))
        };
        let uses: Vec<Option<(f64, f64, bool)>> = running.iter().map(use_of).collect();
        let mut idle = tokens.saturating_sub(running.len()) as f64;
        // Water-filling: the node wanting the fewest extra tokens is served first.
        let mut wants: Vec<(usize, f64)> =
            uses.iter().enumerate().filter_map(|(k, u)| u.map(|(_, bound, _)| (k, bound - 1.0))).collect();
        wants.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut extra = vec![0.0; running.len()];
        let mut left = wants.len();
        for (k, want) in wants {
            let share = if left > 0 { idle / left as f64 } else { 0.0 };
            let given = want.min(share).max(0.0);
            if let Some(e) = extra.get_mut(k) {
                *e = given;
            }
            idle -= given;
            left -= 1;
        }
        uses.iter()
            .zip(&extra)
            .map(|(u, e)| match u {
                Some((c, bound, true)) => (1.0 + e).min(*bound) / c,
                Some((c, bound, false)) => (((c - bound) + (1.0 + e).min(*bound)) / c).min(1.0),
                None => 1.0,
            })
            .collect()
    }

    /// The predicted wall time for each job count, the critical-path floor (unlimited slots),
    /// and the chain that bounds it.
    pub fn curve(&self, jobs: &[u32], scale: &Scale) -> Result<Curve, WhatIfError> {
        self.check(scale)?;
        let dependents = self.dependents();
        let priorities = self.priorities(&dependents);
        let points: Vec<(u32, f64)> =
            jobs.iter().map(|&j| (j, self.run(Some(j), scale, &priorities, &dependents).seconds)).collect();
        let floor = self.run(None, scale, &priorities, &dependents);
        // Build scripts without CPU data may have run make or cc on every token they had, or
        // on one; and a script that used every token it had may use more where there are
        // more. The prediction is then a range between the cases.
        let uncertain = self.uncertain();
        let limited = self.limited_by_tokens();
        let mut ranges = Vec::new();
        if let Some(recorded_jobs) = self.jobs {
            let mut parallel = self.clone();
            for &i in &uncertain {
                if let Some(node) = parallel.nodes.get_mut(i) {
                    node.parallelism = Some(node.tokens_recorded.max(1.0).min(f64::from(recorded_jobs)));
                }
            }
            for &(j, point) in &points {
                let mut cases = vec![point];
                if !uncertain.is_empty() {
                    cases.push(parallel.run(Some(j), scale, &priorities, &dependents).seconds);
                }
                if j > recorded_jobs && !limited.is_empty() {
                    let mut wider = self.clone();
                    for &i in &limited {
                        if let Some(node) = wider.nodes.get_mut(i) {
                            node.ceiling = Some(f64::from(j));
                        }
                    }
                    cases.push(wider.run(Some(j), scale, &priorities, &dependents).seconds);
                }
                if cases.len() > 1 {
                    let low = cases.iter().copied().fold(f64::INFINITY, f64::min);
                    let high = cases.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    ranges.push((j, low, high));
                }
            }
        }
        let mut named = uncertain.clone();
        if points.iter().any(|&(j, _)| self.jobs.is_some_and(|r| j > r)) {
            named.extend(limited.iter().filter(|i| !uncertain.contains(i)));
        }
        named.sort_unstable();
        let uncertain = named.iter().filter_map(|&i| self.nodes.get(i).map(|n| n.label.clone())).collect();
        let (critical_seconds, chain) = if *scale == Scale::default() {
            self.critical_path()
        } else {
            let mut scaled = self.clone();
            for node in &mut scaled.nodes {
                let unit = scale.units.iter().filter(|(name, _)| name == &node.name).map(|(_, f)| *f).product::<f64>();
                node.frontend *= scale.frontend * unit;
                node.codegen *= scale.codegen * unit;
                node.link *= scale.link * unit;
                node.other *= unit;
            }
            scaled.critical_path()
        };
        let chain = chain.iter().filter_map(|&i| self.nodes.get(i).map(|n| n.label.clone())).collect();
        Ok(Curve { points, floor: floor.seconds, critical_seconds, chain, ranges, uncertain })
    }

    /// The critical path: the longest chain of units through the graph, each released by the
    /// one before, with the recorded durations and as many slots as units (what no number of
    /// cores beats). Its seconds exclude cargo's start-up and wind-down; its nodes run first to
    /// last and the last is a unit nobody waits for. `timings` and `whatif` both report this.
    pub fn critical_path(&self) -> (f64, Vec<usize>) {
        let dependents = self.dependents();
        // With a slot for every unit nothing waits for one, so cargo's priorities do not matter.
        let priorities = vec![0; self.nodes.len()];
        let floor = self.run(None, &Scale::default(), &priorities, &dependents);
        // The chain ends at a unit nobody waits for. In a partial graph (an HTML report alone) a
        // library whose dependents were all released by others looks like one; there only a
        // final target (a binary, test, bench or example) or the unit the recording ended with
        // can end it.
        let recorded_last = self.nodes.iter().enumerate().max_by(|a, b| a.1.end.total_cmp(&b.1.end)).map(|(i, _)| i);
        let end = (0..self.nodes.len())
            .filter(|&i| dependents.get(i).is_some_and(Vec::is_empty))
            .filter(|&i| {
                self.complete_edges || Some(i) == recorded_last || self.nodes.get(i).is_some_and(|n| n.final_target)
            })
            .filter_map(|i| Some((i, *floor.end.get(i)?)))
            .filter(|(_, e)| e.is_finite())
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
        let Some((end, at)) = end else { return (0.0, Vec::new()) };
        ((at - self.offset).max(0.0), floor.chain_to(end))
    }

    /// Build-script runs long enough to matter: 1 s and 2% of the build.
    fn long_scripts(&self) -> impl Iterator<Item = (usize, &Node)> {
        let total = self.recorded.unwrap_or(0.0);
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.source == SplitSource::NotCompiled && n.seconds() >= 1.0_f64.max(0.02 * total))
    }

    /// Long build-script runs (`long_scripts`) whose CPU use is not known and that had idle
    /// tokens: they may have compiled C through cargo's jobserver on more than one token.
    pub fn uncertain(&self) -> Vec<usize> {
        self.long_scripts()
            .filter(|(_, n)| n.parallelism.is_none() && n.tokens_recorded > 1.05)
            .map(|(i, _)| i)
            .collect()
    }

    /// Long build-script runs (`long_scripts`) that used every job token they had (or whose CPU
    /// use is not known): with more tokens they may run faster (make and cc take one per
    /// compiler), or not (one long compile). A prediction for more jobs than the recording had
    /// is a range between the two.
    pub fn limited_by_tokens(&self) -> Vec<usize> {
        self.long_scripts()
            .filter(|(_, n)| n.parallelism.is_none_or(|c| c >= 0.85 * n.tokens_recorded.max(1.0)))
            .map(|(i, _)| i)
            .collect()
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

/// Every node `node` depends on, directly or not (memoized in `memo`).
fn closure_of(nodes: &[Node], node: usize, memo: &mut [Option<Vec<usize>>]) -> Vec<usize> {
    if let Some(Some(done)) = memo.get(node) {
        return done.clone();
    }
    // Iterative depth-first search: deep chains must not overflow the stack.
    let mut seen = vec![false; nodes.len()];
    let mut out = Vec::new();
    let mut stack: Vec<usize> = nodes.get(node).map(|n| n.deps.iter().map(|(d, _)| *d).collect()).unwrap_or_default();
    while let Some(d) = stack.pop() {
        if d == node || seen.get(d).copied().unwrap_or(true) {
            continue;
        }
        if let Some(s) = seen.get_mut(d) {
            *s = true;
        }
        out.push(d);
        if let Some(Some(done)) = memo.get(d) {
            for &x in done {
                if !seen.get(x).copied().unwrap_or(true) {
                    stack.push(x);
                }
            }
        } else if let Some(n) = nodes.get(d) {
            stack.extend(n.deps.iter().map(|(x, _)| *x));
        }
    }
    if let Some(slot) = memo.get_mut(node) {
        *slot = Some(out.clone());
    }
    out
}

impl Node {
    /// The node of unit `u` (at `position` in the units the graph is made from), without its
    /// dependencies: its time split by the report's sections or rmeta time where it has them,
    /// else by the build's median frontend `share`; a build script's run is not compiled.
    fn from_unit(u: &Unit, position: usize, share: f64) -> Node {
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
            splittable: compiled_library(u),
            unit: position,
            end: u.end().unwrap_or(0.0),
            final_target: matches!(
                u.kind,
                TargetKind::Bin | TargetKind::Test | TargetKind::Bench | TargetKind::Example
            ),
            parallelism: u.cpu_seconds.filter(|_| duration >= MIN_CPU_DURATION).map(|c| c / duration),
            ceiling: None,
            tokens_recorded: 1.0,
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
    }
}

/// The median share of the frontend in the compiled time of the units whose split is known
/// (0.5 when none is): what a unit without one is estimated with.
fn median_frontend_share(ran: &[&Unit]) -> f64 {
    let mut shares: Vec<f64> = ran
        .iter()
        .filter_map(|u| {
            let s = crate::split(u)?;
            let compiled = s.frontend + s.codegen;
            (compiled > 0.0).then(|| s.frontend / compiled)
        })
        .collect();
    shares.sort_by(f64::total_cmp);
    shares.get(shares.len() / 2).copied().unwrap_or(0.5)
}

/// Each unit's position among `ran`, by its id.
fn positions_by_id(ran: &[&Unit]) -> HashMap<u64, usize> {
    ran.iter().enumerate().filter_map(|(i, u)| Some((u.id?, i))).collect()
}

/// Adds the edges a format lists (each unit's `dependencies`), pipelined where cargo's rule
/// lets the dependent start at the dependency's metadata.
fn add_listed_edges(nodes: &mut [Node], ran: &[&Unit]) {
    let index = positions_by_id(ran);
    for (i, unit) in ran.iter().enumerate() {
        for dep in &unit.dependencies {
            let Some(&d) = index.get(dep) else { continue };
            let Some(dep_unit) = ran.get(d) else { continue };
            let edge = if metadata_suffices(unit, dep_unit) { Edge::Metadata } else { Edge::Full };
            if let Some(node) = nodes.get_mut(i) {
                node.deps.push((d, edge));
            }
        }
    }
}

/// Adds the edges an HTML report records: the units each unit released at its end and at its
/// rmeta.
fn add_released_edges(nodes: &mut [Node], ran: &[&Unit]) {
    let index = positions_by_id(ran);
    for (i, unit) in ran.iter().enumerate() {
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

/// Adds the edges within a package that cargo always has, released or not
/// (`implied_by_package`), where the unit does not wait for that dependency already.
fn add_package_edges(nodes: &mut [Node], ran: &[&Unit]) {
    let mut packages: HashMap<(&str, Option<&str>), Vec<usize>> = HashMap::new();
    for (i, u) in ran.iter().enumerate() {
        packages.entry((u.name.as_str(), u.version.as_deref())).or_default().push(i);
    }
    for (i, unit) in ran.iter().enumerate() {
        let same_package = packages.get(&(unit.name.as_str(), unit.version.as_deref())).cloned().unwrap_or_default();
        for d in same_package {
            let Some(dep) = ran.get(d) else { continue };
            if d != i
                && implied_by_package(unit, dep)
                && let Some(node) = nodes.get_mut(i)
                && !node.deps.iter().any(|(x, _)| *x == d)
            {
                node.deps.push((d, Edge::Full));
            }
        }
    }
}

/// Does `unit` wait for `dep`, a unit of its own package, whatever was recorded? A package's
/// build script runs after it is compiled, and every target of the package is compiled after
/// the script ran; binaries, tests and examples link the package's own library.
fn implied_by_package(unit: &Unit, dep: &Unit) -> bool {
    match (unit.kind, unit.mode, dep.kind, dep.mode) {
        (TargetKind::BuildScript, Mode::RunCustomBuild, TargetKind::BuildScript, m) => m != Mode::RunCustomBuild,
        (TargetKind::BuildScript, _, _, _) => false,
        (_, _, TargetKind::BuildScript, Mode::RunCustomBuild) => true,
        (TargetKind::Bin | TargetKind::Test | TargetKind::Bench | TargetKind::Example, _, k, _) => {
            matches!(k, TargetKind::Lib | TargetKind::ProcMacro)
        }
        _ => false,
    }
}

/// Each unit's recorded (start, end), seconds from cargo's start.
fn spans(ran: &[&Unit]) -> Vec<(f64, f64)> {
    ran.iter().map(|u| (u.start.unwrap_or(0.0), u.end().unwrap_or(0.0))).collect()
}

/// Keeps a partial graph (an HTML report alone) connected. Its libraries that released nobody
/// had every dependent released by another dependency that finished later; such a library is
/// still needed by what is built from it, so the final targets (binaries, tests, benches,
/// examples) that started after it ended wait for it, which the recorded schedule allows.
fn connect_orphans(nodes: &mut [Node], ran: &[&Unit]) {
    let mut has_dependents = vec![false; nodes.len()];
    for node in nodes.iter() {
        for &(d, _) in &node.deps {
            if let Some(h) = has_dependents.get_mut(d) {
                *h = true;
            }
        }
    }
    let spans = spans(ran);
    // A library that released nobody: `splittable` marks the compiled libraries.
    let orphans: Vec<usize> = (0..nodes.len())
        .filter(|&i| !has_dependents.get(i).copied().unwrap_or(true) && nodes.get(i).is_some_and(|n| n.splittable))
        .collect();
    for (f, node) in nodes.iter_mut().enumerate() {
        if !node.final_target {
            continue;
        }
        let started = spans.get(f).map_or(0.0, |s| s.0);
        for &o in &orphans {
            if spans.get(o).is_some_and(|s| s.1 <= started + ROUNDING) && !node.deps.iter().any(|(x, _)| *x == o) {
                node.deps.push((o, Edge::Full));
            }
        }
    }
}

/// cargo's rule for units that link or run upstream code (binaries, tests, proc-macros,
/// build scripts; `Unit::requires_upstream_objects`): they wait for the whole of every
/// dependency of their dependencies, transitively, not only for their direct ones, since
/// a pipelined library can finish before a library it was compiled against. Adds those edges.
fn add_upstream_edges(nodes: &mut [Node], ran: &[&Unit]) {
    let links: Vec<bool> =
        ran.iter().map(|u| u.kind != TargetKind::Lib || matches!(u.mode, Mode::Test | Mode::RunCustomBuild)).collect();
    let mut closure: Vec<Option<Vec<usize>>> = vec![None; nodes.len()];
    for i in 0..nodes.len() {
        if !links.get(i).copied().unwrap_or(false) {
            continue;
        }
        let direct: Vec<usize> = nodes.get(i).map(|n| n.deps.iter().map(|(d, _)| *d).collect()).unwrap_or_default();
        let mut seen = vec![false; nodes.len()];
        let mut stack: Vec<usize> = Vec::new();
        for d in &direct {
            if let Some(s) = seen.get_mut(*d) {
                *s = true;
            }
        }
        for d in direct {
            // Dependencies of dependencies, computed once per node.
            let deps_of = closure_of(nodes, d, &mut closure);
            stack.extend(deps_of);
        }
        let mut added = Vec::new();
        while let Some(t) = stack.pop() {
            if seen.get(t).copied().unwrap_or(true) || t == i {
                continue;
            }
            if let Some(s) = seen.get_mut(t) {
                *s = true;
            }
            added.push((t, Edge::Full));
        }
        if let Some(node) = nodes.get_mut(i) {
            node.deps.extend(added);
        }
    }
}

/// Gives an rmeta to every node a dependent waits for at its rmeta: a unit released at its
/// dependency's rmeta can only be if that dependency has one.
fn mark_rmeta(nodes: &mut [Node]) {
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
}

/// Sets the tokens each unit had in the recording, with `jobs` job slots: its own, plus the
/// slots no other unit held, on average over its run.
fn set_recorded_tokens(nodes: &mut [Node], ran: &[&Unit], jobs: u32) {
    let spans = spans(ran);
    for (i, node) in nodes.iter_mut().enumerate() {
        let Some(&(a, b)) = spans.get(i) else { continue };
        if b - a <= 0.0 {
            continue;
        }
        let others: f64 = spans
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, &(c, d))| (b.min(d) - a.max(c)).max(0.0))
            .sum::<f64>()
            / (b - a);
        node.tokens_recorded = 1.0 + (f64::from(jobs) - 1.0 - others).max(0.0);
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
    /// The dependency that released each node last.
    #[serde(skip)]
    pub released_by: Vec<Option<usize>>,
}

impl Schedule {
    /// The schedule of a replay from each node's `start`, `end` and releasing dependency: it
    /// ends with the node that ended last (the higher index at equal ends), plus cargo's `tail`
    /// (`offset` when nothing ran).
    fn replayed(
        start: Vec<f64>,
        end: Vec<f64>,
        released_by: Vec<Option<usize>>,
        units_run: usize,
        offset: f64,
        tail: f64,
    ) -> Schedule {
        let (last, finish) = end
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_finite())
            .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| a.0.cmp(&b.0)))
            .map_or((None, offset), |(i, e)| (Some(i), *e));
        let mut schedule = Schedule { seconds: finish + tail, chain: Vec::new(), units_run, start, end, released_by };
        if let Some(last) = last {
            schedule.chain = schedule.chain_to(last);
        }
        schedule
    }

    /// The chain of nodes that released each other up to `node`, first to last.
    pub fn chain_to(&self, node: usize) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut on_chain = vec![false; self.released_by.len()];
        let mut current = Some(node);
        while let Some(i) = current {
            // The marks stop cycles in malformed input.
            match on_chain.get_mut(i) {
                Some(seen) if !*seen => *seen = true,
                _ => break,
            }
            chain.push(i);
            current = self.released_by.get(i).copied().flatten();
        }
        chain.reverse();
        chain
    }
}

/// Predicted wall time against job slots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// (job slots, predicted seconds).
    pub points: Vec<(u32, f64)>,
    /// With unlimited slots: the wall time no number of cores beats.
    pub floor: f64,
    /// The critical path's seconds (`Graph::critical_path`, the same one `timings` prints).
    pub critical_seconds: f64,
    /// The units of the critical path, first to last.
    pub chain: Vec<String>,
    /// Where build scripts may use another number of job tokens than the replay gives them:
    /// (job slots, fewest, most seconds), between each script using one token and using every
    /// token it had in the recording (scripts without CPU data), and, beyond the recorded job
    /// count, using every token there is (scripts that used every token they had).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<(u32, f64, f64)>,
    /// Those build scripts (`Graph::uncertain`, and `Graph::limited_by_tokens` where a job
    /// count beyond the recorded one is asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<String>,
}

impl Curve {
    /// The fewest job slots whose prediction is within `within` (0.05) of the floor.
    pub fn enough(&self, within: f64) -> Option<u32> {
        self.points.iter().filter(|(_, s)| *s <= self.floor * (1.0 + within)).map(|(j, _)| *j).min()
    }
}

/// The next milestone of the running nodes, moving at `speeds` through their scaled `times`:
/// the earliest rmeta or end, as (position in `running`, seconds until it, whether it is the
/// end, node). At equal times rmeta before ends, then by index, so the replay is deterministic.
fn next_milestone(running: &[Running], speeds: &[f64], times: &[(f64, f64)]) -> Option<(usize, f64, bool, usize)> {
    running
        .iter()
        .zip(speeds)
        .enumerate()
        .map(|(k, (r, speed))| {
            let (rmeta, duration) = times.get(r.index).copied().unwrap_or((0.0, 0.0));
            let (target, finished) = if r.rmeta_released { (duration, true) } else { (rmeta, false) };
            (k, ((target - r.done).max(0.0) / speed, finished, r.index))
        })
        .min_by(|a, b| {
            let (x, y) = (a.1, b.1);
            x.0.total_cmp(&y.0).then_with(|| x.1.cmp(&y.1)).then_with(|| x.2.cmp(&y.2))
        })
        .map(|(k, (dt, finished, i))| (k, dt, finished, i))
}

/// cargo's job queue in a replay: what each node still waits for, the dependency that
/// released it last, and the ready nodes by priority.
struct Queue<'a> {
    priorities: &'a [u64],
    /// Per node, its dependencies (nodes of the graph) not yet released.
    waiting: Vec<usize>,
    /// The dependency that released each node last, for the bounding chain.
    released_by: Vec<Option<usize>>,
    ready: BinaryHeap<Ready>,
}

impl<'a> Queue<'a> {
    /// The queue before anything ran: the nodes without dependencies are ready.
    fn new(nodes: &[Node], priorities: &'a [u64]) -> Queue<'a> {
        let n = nodes.len();
        let waiting: Vec<usize> = nodes.iter().map(|node| node.deps.iter().filter(|(d, _)| *d < n).count()).collect();
        let mut queue = Queue { priorities, waiting, released_by: vec![None; n], ready: BinaryHeap::new() };
        for i in 0..n {
            if queue.waiting.get(i) == Some(&0) {
                queue.push(i);
            }
        }
        queue
    }

    /// Makes node `i` ready.
    fn push(&mut self, i: usize) {
        self.ready.push(Ready { priority: self.priorities.get(i).copied().unwrap_or(0), index: i });
    }

    /// Releases the `dependents` of node `i` that waited for this milestone, its end
    /// (`finished`) or its rmeta, and makes ready those that wait for nothing more. An rmeta
    /// edge is released by the rmeta event, or by the end when the node had none
    /// (`has_rmeta_event`); a full edge by the end.
    fn release(&mut self, i: usize, finished: bool, has_rmeta_event: bool, dependents: &[(usize, Edge)]) {
        for &(d, edge) in dependents {
            let releases = match edge {
                Edge::Full => finished,
                Edge::Metadata => !finished || !has_rmeta_event,
            };
            if !releases {
                continue;
            }
            if let Some(w) = self.waiting.get_mut(d) {
                *w = w.saturating_sub(1);
                let now_ready = *w == 0;
                if let Some(r) = self.released_by.get_mut(d) {
                    *r = Some(i);
                }
                if now_ready {
                    self.push(d);
                }
            }
        }
    }
}

/// A node being replayed.
#[derive(Debug, Clone, Copy)]
struct Running {
    index: usize,
    /// Seconds of its recorded (scaled) time done.
    done: f64,
    /// Its rmeta edges were released (or it has none).
    rmeta_released: bool,
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
            unit: 0,
            end: 0.0,
            final_target: false,
            parallelism: None,
            ceiling: None,
            tokens_recorded: 1.0,
        }
    }

    fn graph(nodes: Vec<Node>) -> Graph {
        Graph {
            nodes,
            offset: 0.0,
            tail: 0.0,
            jobs: None,
            recorded: None,
            complete_edges: true,
            completed: None,
            edges: Edges::Listed,
        }
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
    fn a_build_script_that_ran_make_on_every_token_slows_down_with_fewer() {
        use Edge::Full;
        // A 10 s build script that used 1.9 CPUs with both tokens of a 2-job build to itself,
        // then a 1 s binary. At 2 jobs it replays as recorded; at 1 job make gets only the
        // script's own token: 19 s of CPU at one CPU.
        let mut script = node("jemalloc-sys", 10.0, None, &[]);
        script.parallelism = Some(1.9);
        script.tokens_recorded = 2.0;
        let g = graph(vec![script, node("app", 1.0, None, &[(0, Full)])]);
        assert!((wall(&g, Some(2)) - 11.0).abs() < 1e-9);
        assert!((wall(&g, Some(1)) - 20.0).abs() < 1e-9, "{}", wall(&g, Some(1)));
        assert!((wall(&g, None) - 11.0).abs() < 1e-9, "never faster than recorded");
    }

    #[test]
    fn a_build_script_that_had_one_token_may_use_more_when_there_are_more() {
        use Edge::Full;
        // A 10 s build script of a 1-job recording (no CPU data: an HTML report), then a 1 s
        // binary. At 1 job it replays as recorded; at 2 its make may take the second token
        // (5 s) or not (10 s): the prediction is the range, the point the recorded case.
        let mut script = node("jemalloc-sys", 10.0, None, &[]);
        script.other = 10.0;
        script.frontend = 0.0;
        script.codegen = 0.0;
        script.source = SplitSource::NotCompiled;
        let mut g = graph(vec![script, node("app", 1.0, None, &[(0, Full)])]);
        g.jobs = Some(1);
        g.recorded = Some(11.0);
        let curve = g.curve(&[1, 2], &Scale::default()).unwrap();
        assert_eq!(curve.points, [(1, 11.0), (2, 11.0)]);
        assert_eq!(curve.ranges.len(), 1, "{:?}", curve.ranges);
        let (j, low, high) = curve.ranges[0];
        assert_eq!(j, 2);
        assert!((low - 6.0).abs() < 1e-9 && (high - 11.0).abs() < 1e-9, "{low} {high}");
        assert_eq!(curve.uncertain, ["jemalloc-sys"]);
        // Measured at one CPU on its one token (a study at -j1), the same; measured at 1.2 CPUs
        // on two tokens, it did not use what it had, and more would not help.
        g.nodes[0].parallelism = Some(1.0);
        assert_eq!(g.curve(&[2], &Scale::default()).unwrap().ranges.len(), 1);
        g.nodes[0].parallelism = Some(1.2);
        g.nodes[0].tokens_recorded = 2.0;
        g.jobs = Some(2);
        assert!(g.curve(&[4], &Scale::default()).unwrap().ranges.is_empty());
    }

    #[test]
    fn parallelism_beyond_the_tokens_a_unit_had_needs_none() {
        use Edge::Full;
        // rustc at 1.2 CPUs while another unit held the second token (1 token on average):
        // its extra 0.2 CPU is its own helper threads, so one job does not slow it down.
        let mut rustc = node("syn", 10.0, None, &[]);
        rustc.parallelism = Some(1.2);
        rustc.tokens_recorded = 1.0;
        let g = graph(vec![rustc, node("app", 1.0, None, &[(0, Full)])]);
        assert!((wall(&g, Some(1)) - 11.0).abs() < 1e-9);
        // Two such scripts on two tokens share the idle ones: one job each, so each at 1/1.9.
        let mut a = node("a", 10.0, None, &[]);
        a.parallelism = Some(1.9);
        a.tokens_recorded = 2.0;
        let mut b = a.clone();
        b.name = "b".into();
        let g = graph(vec![a, b]);
        assert!((wall(&g, Some(2)) - 19.0).abs() < 1e-9, "{}", wall(&g, Some(2)));
        assert!((wall(&g, Some(4)) - 10.0).abs() < 1e-9, "{}", wall(&g, Some(4)));
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
