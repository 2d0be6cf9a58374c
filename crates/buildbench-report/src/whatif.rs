//! `buildbench whatif`: the predictions of one replayed unit graph, as a terminal table and as
//! the JSON schema of `--format json` (documented in `docs/whatif.md`).

use buildbench_model::{Scenario, Study, UnitTiming};
use buildbench_timings::whatif::{Curve, Graph, Scale, SplitSource};
use buildbench_timings::{Mode, Section, TargetKind, Unit};
use serde::Serialize;

use crate::view::View;
use crate::{Align, Table, seconds};

/// Everything `whatif` says about one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    /// The report read, as given.
    pub file: String,
    pub cargo_version: Option<String>,
    /// Job slots of the recorded build.
    pub recorded_jobs: Option<u32>,
    /// Its wall time.
    pub recorded_seconds: Option<f64>,
    /// The graph replayed as recorded (its job slots, no scaling): checks the reconstruction.
    pub replayed_seconds: Option<f64>,
    /// Units in the graph.
    pub units: usize,
    /// All dependency edges known (build-analysis log, or completed from `cargo metadata`), or
    /// only those that released each unit.
    pub complete_edges: bool,
    /// How much of the unit graph is known.
    pub edges: buildbench_timings::Edges,
    /// Units whose frontend / codegen split was measured, and estimated.
    pub split_measured: usize,
    pub split_estimated: usize,
    /// The factors applied, and the crates split (`name`, parts).
    pub scale: Scale,
    pub splits: Vec<(String, u32)>,
    /// Predicted wall time per job count, the critical-path floor, its chain.
    pub curve: Curve,
    /// The fewest job slots within 5% of the floor.
    pub enough_jobs: Option<u32>,
    /// With `--rank-splits`: (package, predicted seconds, seconds saved), best first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rank_splits: Vec<(String, f64, f64)>,
}

impl WhatIf {
    /// The view of `curve`, predicted from the graph `base` as recorded after `splits` and with
    /// `scale`.
    pub fn new(
        file: &str,
        cargo_version: Option<&str>,
        base: &Graph,
        scale: &Scale,
        splits: Vec<(String, u32)>,
        curve: Curve,
    ) -> WhatIf {
        let replayed = base.jobs.and_then(|j| base.simulate(Some(j), &Scale::default()).ok()).map(|s| s.seconds);
        WhatIf {
            file: file.to_owned(),
            cargo_version: cargo_version.map(str::to_owned),
            recorded_jobs: base.jobs,
            recorded_seconds: base.recorded,
            replayed_seconds: replayed,
            units: base.nodes.len(),
            complete_edges: base.complete_edges,
            edges: base.edges,
            split_measured: base.nodes.iter().filter(|n| n.source == SplitSource::Measured).count(),
            split_estimated: base.nodes.iter().filter(|n| n.source == SplitSource::Estimated).count(),
            scale: scale.clone(),
            splits,
            enough_jobs: curve.enough(0.05),
            curve,
            rank_splits: Vec::new(),
        }
    }

    /// What `buildbench whatif` shows, in every format (`export::write`): the report read and
    /// how well its replay matches it, the predictions per job count, the critical-path floor
    /// and, with `--rank-splits`, the crates whose split would save most.
    pub fn view(&self) -> View {
        let mut view = View::new("buildbench whatif");
        self.heading(&mut view);
        self.predictions(&mut view);
        self.floor(&mut view);
        self.split_ranking(&mut view);
        view
    }

    /// The report read (as the heading), how well its replay matches it, its graph, and the
    /// changes asked for.
    fn heading(&self, view: &mut View) {
        let cargo = self.cargo_version.as_deref().map(|v| format!("cargo {v}, ")).unwrap_or_default();
        let recorded = match (self.recorded_jobs, self.recorded_seconds) {
            (Some(j), Some(s)) => format!("recorded with {j} jobs in {}", seconds(s)),
            (None, Some(s)) => format!("recorded in {}", seconds(s)),
            _ => "no recorded wall time".to_owned(),
        };
        let mut lines = Vec::new();
        if let (Some(replayed), Some(recorded)) = (self.replayed_seconds, self.recorded_seconds) {
            lines.push(format!(
                "replayed as recorded: {} ({:+.1}% off the recorded time: the model's own error)",
                seconds(replayed),
                (replayed / recorded - 1.0) * 100.0
            ));
        }
        lines.push(format!("graph: {} units; {}", self.units, self.edges.describe()));
        if self.split_estimated > 0 {
            lines.push(format!(
                "sections: measured for {} unit(s), estimated for {} (no rmeta or section times: the build's median frontend share, no link time)",
                self.split_measured, self.split_estimated
            ));
        }
        let changes = self.changes();
        if !changes.is_empty() {
            lines.push(format!("what if: {}", changes.join(", ")));
        }
        view.section(1, Some(&format!("what-if: {} ({cargo}{recorded})", self.file))).text(&lines.join("\n"));
    }

    /// The changes asked for: the factors that are not 1 and the crates split.
    fn changes(&self) -> Vec<String> {
        let mut changes = Vec::new();
        for (what, f) in [("frontend", self.scale.frontend), ("codegen", self.scale.codegen), ("link", self.scale.link)]
        {
            if (f - 1.0).abs() > f64::EPSILON {
                changes.push(format!("{what} x{f}"));
            }
        }
        changes.extend(self.scale.units.iter().map(|(n, f)| format!("{n} x{f}")));
        changes.extend(self.splits.iter().map(|(n, k)| format!("{n} split in {k}")));
        changes
    }

    /// The table of predictions per job count and, where build scripts make it uncertain, the
    /// range of each and why.
    fn predictions(&self, view: &mut View) {
        let ranged = !self.curve.ranges.is_empty();
        let mut columns = vec![("jobs", Align::Right), ("predicted", Align::Right), ("vs recorded", Align::Right)];
        if ranged {
            columns.push(("range", Align::Right));
        }
        let mut table = Table::new(&columns);
        for &(jobs, predicted) in &self.curve.points {
            let versus = self.recorded_seconds.map(|r| versus(r, predicted)).unwrap_or_default();
            let mut row = vec![jobs.to_string(), seconds(predicted), versus];
            if ranged {
                row.push(
                    self.curve
                        .ranges
                        .iter()
                        .find(|r| r.0 == jobs)
                        .map(|r| format!("{} to {}", seconds(r.1), seconds(r.2)))
                        .unwrap_or_default(),
                );
            }
            table.row(row);
        }
        let section = view.section(2, None);
        section.table(table);
        if ranged {
            section.text(&format!(
                "range: {}: how many job tokens it can use is not known (make and cc through cargo's jobserver take one per compiler; a timing report alone has no CPU data): at fewer jobs than recorded, from using one token to using every token it had; at more, from running as recorded to using every token there is. A study from `buildbench compare` measures each unit's CPU time and narrows the range.",
                self.curve.uncertain.join(", ")
            ));
        }
    }

    /// The critical-path floor and the chain that bounds the build.
    fn floor(&self, view: &mut View) {
        let chain = self.curve.chain.join(" → ");
        let bound = match self.enough_jobs {
            Some(j) => {
                format!("beyond {} the chain {chain} bounds the build at {}", n_jobs(j), seconds(self.curve.floor))
            }
            None => format!("the bounding chain: {chain}; more jobs than listed would still help"),
        };
        view.section(2, None)
            .text(&format!("critical-path floor (unlimited jobs): {}\n{bound}", seconds(self.curve.floor)));
    }

    /// With `--rank-splits`: the ten crates whose split would save most.
    fn split_ranking(&self, view: &mut View) {
        if self.rank_splits.is_empty() {
            return;
        }
        let mut table = Table::new(&[("crate", Align::Left), ("predicted", Align::Right), ("saved", Align::Right)]);
        for (name, after, saved) in self.rank_splits.iter().take(10) {
            table.row(vec![name.clone(), seconds(*after), seconds(*saved)]);
        }
        view.section(2, Some("splitting one crate (best case: independent parts, nothing added):")).table(table);
    }
}

/// A prediction against the recorded wall time: `1.52x faster`, `1.10x slower` or `the same`.
fn versus(recorded: f64, predicted: f64) -> String {
    let x = recorded / predicted;
    if (x - 1.0).abs() < 0.005 {
        "the same".to_owned()
    } else if x > 1.0 {
        format!("{x:.2}x faster")
    } else {
        format!("{:.2}x slower", 1.0 / x)
    }
}

/// `1 job`, `4 jobs`.
fn n_jobs(n: u32) -> String {
    format!("{n} job{}", if n == 1 { "" } else { "s" })
}

/// The job counts every compare report predicts.
pub const REPORT_JOBS: [u32; 5] = [1, 2, 4, 8, 16];

/// The baseline's clean build replayed at other job counts, for the compare report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobsCurve {
    /// The job slots the study's builds had (`-j`, else the machine's cores).
    pub recorded_jobs: u32,
    /// The replayed sample's wall time (cargo's own total).
    pub recorded_seconds: f64,
    /// The predictions and the critical-path floor.
    pub curve: Curve,
}

/// A unit of a study's sample as the timings model has it.
pub(crate) fn unit(t: &UnitTiming) -> Unit {
    let kind = TargetKind::from_cargo(&t.kind).unwrap_or(TargetKind::Lib);
    let mode = Mode::from_cargo(&t.mode).unwrap_or(Mode::Build);
    let mut u = Unit::new(&t.name, &t.target, kind, mode);
    u.id = t.id;
    u.version = t.version.clone();
    u.start = Some(t.start);
    u.duration = Some(t.duration);
    u.unblocked = t.unblocked.clone();
    u.unblocked_rmeta = t.unblocked_rmeta.clone();
    u.dependencies = t.dependencies.clone();
    u.cpu_seconds = t.cpu_seconds;
    if let Some(frontend) = t.frontend {
        let mut at = frontend;
        u.sections.push(Section { name: "frontend".to_owned(), start: 0.0, end: Some(frontend) });
        for (name, seconds) in [("codegen", t.codegen), ("link", t.link)] {
            if let Some(x) = seconds {
                u.sections.push(Section { name: name.to_owned(), start: at, end: Some(at + x) });
                at += x;
            }
        }
    }
    u
}

/// The unit graph of a study's baseline's clean build (the successful sample nearest its
/// median), with the job slots it had (the study's `-j`, else the machine's cores). `None`
/// without a clean scenario, or for samples recorded before their unit edges were kept.
pub fn study_graph(study: &Study) -> Option<Graph> {
    sample_graph(study, &study.plan.baseline, Scenario::Clean)
}

/// `study_graph` for any configuration and scenario: the unit graph of its representative
/// successful sample.
pub fn sample_graph(study: &Study, configuration: &str, scenario: Scenario) -> Option<Graph> {
    let sample = study.representative(configuration, scenario)?;
    if sample.units.iter().all(|u| u.unblocked.is_empty() && u.unblocked_rmeta.is_empty() && u.dependencies.is_empty())
    {
        return None;
    }
    graph_of(study, sample)
}

/// The unit graph of one sample, with the job slots it had.
fn graph_of(study: &Study, sample: &buildbench_model::Sample) -> Option<Graph> {
    let jobs = buildbench_model::cargo_args::CargoArgs::parse(&study.plan.cargo_args)
        .value(&["-j", "--jobs"])
        .and_then(|j| j.parse::<u32>().ok())
        .unwrap_or(study.environment.cores)
        .max(1);
    let units: Vec<Unit> = sample.units.iter().map(unit).collect();
    let mut graph = Graph::from_units(&units, sample.cargo_seconds, Some(jobs)).ok()?;
    // `compare` reads HTML reports and completes their edges from `cargo metadata`.
    if graph.complete_edges {
        graph.edges = buildbench_timings::Edges::Completed;
    }
    Some(graph)
}

/// From the baseline's clean build (`study_graph`): the predicted wall time at 1, 2, 4, 8 and
/// 16 jobs and the critical-path floor.
pub fn jobs_curve(study: &Study) -> Option<JobsCurve> {
    let graph = study_graph(study)?;
    let curve = graph.curve(&REPORT_JOBS, &Scale::default()).ok()?;
    Some(JobsCurve { recorded_jobs: graph.jobs?, recorded_seconds: graph.recorded?, curve })
}

/// The one line every report shows.
pub fn jobs_line(j: &JobsCurve) -> String {
    let points: Vec<String> = j.curve.points.iter().map(|(n, s)| format!("{} {}", n_jobs(*n), seconds(*s))).collect();
    format!(
        "More or fewer cores (the baseline's clean build, {} with {} jobs, replayed by `buildbench whatif`): {}; critical-path floor {}.",
        seconds(j.recorded_seconds),
        j.recorded_jobs,
        points.join(" · "),
        seconds(j.curve.floor)
    )
}

/// What a configuration's build in `scenario` could save at most, from its representative
/// sample: the share of its final links (measured by the linker wrapper, or replayed without
/// link sections) and the share of code generation and links (its unit graph replayed with
/// both taking no time). `buildbench tune` leaves out options that cannot save enough.
pub fn shares(study: &Study, configuration: &str, scenario: Scenario) -> Option<buildbench_model::tune::Shares> {
    let sample = study.representative(configuration, scenario)?;
    let measured_link = sample.artifact_link_seconds().map(|l| l / sample.wall_seconds.max(f64::MIN_POSITIVE));
    // An incremental build may rebuild a unit or two with no edge between them: its graph is
    // still whole.
    let graph = graph_of(study, sample)?;
    let replay = |scale: &Scale| graph.simulate(graph.jobs, scale).ok().map(|s| s.seconds);
    let recorded = replay(&Scale::default())?.max(f64::MIN_POSITIVE);
    let without_links = replay(&Scale { link: 0.0, ..Scale::default() })?;
    let without_backend = replay(&Scale { codegen: 0.0, link: 0.0, ..Scale::default() })?;
    let link = measured_link.unwrap_or(0.0).max(1.0 - without_links / recorded).clamp(0.0, 1.0);
    let codegen_and_link = (1.0 - without_backend / recorded).max(link).clamp(0.0, 1.0);
    Some(buildbench_model::tune::Shares { link, codegen_and_link })
}
