//! Views of one parsed build and of the diff of two: the terminal summary and the JSON schema
//! of `buildbench timings --format json` (documented in `docs/timings.md`).

use buildbench_timings::{Analysis, Build, BuildDiff, Parsed, Unit, split};
use serde::Serialize;

use crate::format::opt_seconds;
use crate::view::View;
use crate::{Align, Table, seconds};

/// `buildbench timings FILE --format json`. Every field is part of the documented schema.
#[derive(Debug, Serialize)]
pub struct SummaryJson<'a> {
    /// The file that was read, as given.
    pub file: &'a str,
    /// `html`, `build-analysis`, `timing-info` or `message-format`.
    pub format: &'static str,
    pub cargo_version: Option<&'a str>,
    pub rustc_version: Option<&'a str>,
    pub profile: Option<&'a str>,
    pub host: Option<&'a str>,
    pub jobs: Option<u32>,
    pub ncpu: Option<u32>,
    pub build_start: Option<&'a str>,
    pub total_seconds: Option<f64>,
    pub fresh_units: Option<u32>,
    pub dirty_units: Option<u32>,
    pub total_units: Option<u32>,
    pub failed: bool,
    pub error: Option<&'a str>,
    pub units: Vec<UnitJson<'a>>,
    pub metrics: MetricsJson,
    pub warnings: &'a [String],
}

/// One unit in the JSON view.
#[derive(Debug, Serialize)]
pub struct UnitJson<'a> {
    pub name: &'a str,
    pub version: Option<&'a str>,
    pub target: &'a str,
    pub kind: &'static str,
    pub mode: &'static str,
    pub fresh: bool,
    pub failed: bool,
    pub start: Option<f64>,
    pub duration: Option<f64>,
    pub frontend: Option<f64>,
    pub codegen: Option<f64>,
    pub link: Option<f64>,
    pub features: &'a [String],
}

/// The derived metrics in the JSON view; units are named by their label.
#[derive(Debug, Serialize)]
pub struct MetricsJson {
    pub wall_seconds: Option<f64>,
    pub unit_seconds: f64,
    pub units_run: usize,
    pub parallelism: Option<f64>,
    pub critical_path_seconds: Option<f64>,
    pub critical_path: Option<Vec<String>>,
    /// How much of the unit graph the critical path was computed over.
    pub unit_graph: buildbench_timings::Edges,
    pub slowest: Vec<SlowUnitJson>,
    pub frontend_seconds: Option<f64>,
    pub codegen_seconds: Option<f64>,
    pub link_seconds: Option<f64>,
    pub other_seconds: Option<f64>,
    pub unattributed_seconds: Option<f64>,
    pub build_script_seconds: f64,
    pub proc_macro_seconds: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct SlowUnitJson {
    pub unit: String,
    pub duration: f64,
}

/// The JSON view of one build.
pub fn summary_json<'a>(file: &'a str, parsed: &'a Parsed, analysis: &Analysis) -> SummaryJson<'a> {
    let b = &parsed.build;
    let units = b
        .units
        .iter()
        .map(|u| {
            let s = split(u);
            UnitJson {
                name: &u.name,
                version: u.version.as_deref(),
                target: &u.target,
                kind: u.kind.as_str(),
                mode: u.mode.as_str(),
                fresh: u.fresh,
                failed: u.failed,
                start: u.start,
                duration: u.duration,
                frontend: s.map(|s| s.frontend),
                codegen: s.map(|s| s.codegen),
                link: s.map(|s| s.link).filter(|_| u.sections.iter().any(|x| x.name == "link")),
                features: &u.features,
            }
        })
        .collect();
    let sp = analysis.split;
    SummaryJson {
        file,
        format: b.format.as_str(),
        cargo_version: b.cargo_version.as_deref(),
        rustc_version: b.rustc_version.as_deref(),
        profile: b.profile.as_deref(),
        host: b.host.as_deref(),
        jobs: b.jobs,
        ncpu: b.ncpu,
        build_start: b.build_start.as_deref(),
        total_seconds: b.total_seconds,
        fresh_units: b.fresh_units,
        dirty_units: b.dirty_units,
        total_units: b.total_units,
        failed: b.failed(),
        error: b.error.as_deref(),
        units,
        metrics: MetricsJson {
            wall_seconds: analysis.wall_seconds,
            unit_seconds: analysis.unit_seconds,
            units_run: analysis.units_run,
            parallelism: analysis.parallelism,
            critical_path_seconds: analysis.critical_path.as_ref().map(|c| c.seconds),
            critical_path: analysis.critical_path.as_ref().map(|c| labels(b, &c.units)),
            unit_graph: analysis.edges,
            slowest: analysis
                .slowest
                .iter()
                .map(|&i| SlowUnitJson { unit: b.units[i].label(), duration: b.units[i].duration.unwrap_or(0.0) })
                .collect(),
            frontend_seconds: sp.map(|s| s.frontend),
            codegen_seconds: sp.map(|s| s.codegen),
            link_seconds: sp.map(|s| s.link),
            other_seconds: sp.map(|s| s.other),
            unattributed_seconds: sp.map(|s| s.unattributed),
            build_script_seconds: analysis.build_script_seconds,
            proc_macro_seconds: analysis.proc_macro_seconds,
        },
        warnings: &parsed.warnings,
    }
}

fn labels(build: &Build, indices: &[usize]) -> Vec<String> {
    indices.iter().map(|&i| build.units[i].label()).collect()
}

fn count(n: Option<u32>) -> String {
    n.map_or_else(|| "?".to_owned(), |n| n.to_string())
}

/// What the numbers of one build say, in one line: CPU-bound (more cores would help),
/// dependency-bound (a chain of crates sets the time), or in between. `None` without timing.
pub fn interpretation(build: &Build, analysis: &Analysis) -> Option<String> {
    let wall = analysis.wall_seconds.filter(|w| *w > 0.0)?;
    let parallelism = analysis.parallelism?;
    let slots = build.jobs.or(build.ncpu).filter(|j| *j > 0);
    let cores = slots.map(|j| format!(" on {j} job slots")).unwrap_or_default();
    let path = analysis.critical_path.as_ref().map(|c| c.seconds);
    let path_share = path.map(|p| p / wall);
    let busy = slots.map(|j| parallelism / f64::from(j));
    let headline = format!("{} of unit time in {}{cores}", seconds(analysis.unit_seconds), seconds(wall));
    Some(match (busy, path_share, path) {
        (_, Some(share), Some(p)) if share >= 0.7 => format!(
            "dependency-bound: {headline}; the critical path is {} ({:.0}% of the build), so more cores would \
             not help much: shorten that chain (smaller or fewer crates on it)",
            seconds(p),
            share * 100.0
        ),
        (Some(b), Some(share), Some(p)) if b >= 0.8 && share < 0.5 => format!(
            "CPU-bound: {headline} (the slots were busy {:.0}% of the time); the critical path is {}, so more \
             cores would help",
            b * 100.0,
            seconds(p)
        ),
        (Some(b), _, Some(p)) => format!(
            "mixed: {headline} (the slots were busy {:.0}% of the time); the critical path is {}",
            b * 100.0,
            seconds(p)
        ),
        _ => format!("{headline} (average parallelism {parallelism:.2})"),
    })
}

/// What `buildbench timings` shows of one build, in every format (`export::write`): the file
/// and what it is, what failed, what its numbers say, the numbers, the slowest units, the
/// parser's warnings.
pub fn summary_view(file: &str, parsed: &Parsed, analysis: &Analysis) -> View {
    let b = &parsed.build;
    let mut view = View::new(&format!("buildbench timings: {file}"));
    let mut lines = Vec::new();
    if let Some(error) = &b.error {
        lines.push(format!("FAILED BUILD: {error}"));
    }
    let failed: Vec<String> = b.units.iter().filter(|u| u.failed).map(Unit::label).collect();
    if !failed.is_empty() {
        lines.push(format!("failed units: {}", failed.join(", ")));
    }
    lines.extend(interpretation(b, analysis));
    let head = view.section(1, Some(&title(file, b)));
    if !lines.is_empty() {
        head.text(&lines.join("\n"));
    }
    head.table(facts(b, analysis));
    slowest(&mut view, b, analysis);
    if !parsed.warnings.is_empty() {
        let warnings: Vec<String> = parsed.warnings.iter().map(|w| format!("warning: {w}")).collect();
        view.section(2, None).text(&warnings.join("\n"));
    }
    view
}

/// The file with its format, cargo version, profile and jobs.
fn title(file: &str, b: &Build) -> String {
    let mut about = vec![b.format.as_str().to_owned()];
    if let Some(v) = &b.cargo_version {
        about.push(format!("cargo {v}"));
    }
    if let Some(p) = &b.profile {
        about.push(format!("profile {p}"));
    }
    if let Some(j) = b.jobs {
        about.push(format!("jobs {j}"));
    }
    format!("{file} ({})", about.join(", "))
}

/// The table of the build's numbers: wall and unit time, units, critical path, the split,
/// build scripts and proc-macros (its header row is empty).
fn facts(b: &Build, analysis: &Analysis) -> Table {
    // Formats without unit times (`--message-format=json`) have no time to add up: their sums
    // are unknown, not 0.
    let timed = b.units.iter().any(|u| u.duration.is_some());
    let total = |x: f64| if timed { seconds(x) } else { "unknown (this format has no unit times)".to_owned() };
    let mut facts = Table::new(&[("", Align::Left), ("", Align::Left)]);
    facts.row(vec!["wall time".into(), analysis.wall_seconds.map_or_else(|| "unknown".to_owned(), seconds)]);
    facts.row(vec![
        "units".into(),
        format!("{} total, {} dirty, {} fresh", count(b.total_units), count(b.dirty_units), count(b.fresh_units)),
    ]);
    let par = analysis.parallelism.map(|p| format!(" (average parallelism {p:.2})")).unwrap_or_default();
    facts.row(vec!["unit time".into(), format!("{}{par}", total(analysis.unit_seconds))]);
    if let Some(cp) = &analysis.critical_path {
        let names: Vec<String> = cp.units.iter().map(|&i| short(&b.units[i])).collect();
        facts.row(vec![
            "critical path".into(),
            format!("{} over {} units: {}", seconds(cp.seconds), cp.units.len(), names.join(" > ")),
        ]);
        let mut graph = analysis.edges.describe().to_owned();
        if let Some(c) = &b.completion {
            graph.push_str(&format!(": {} edge(s) added", c.added));
        }
        facts.row(vec!["unit graph".into(), graph]);
    }
    if let Some(s) = analysis.split {
        facts.row(vec!["split".into(), split_parts(&s)]);
    }
    facts.row(vec!["build scripts".into(), total(analysis.build_script_seconds)]);
    let proc_macros = analysis
        .proc_macro_seconds
        .map_or_else(|| "unknown (this report cannot tell them from libraries)".to_owned(), total);
    facts.row(vec!["proc-macros".into(), proc_macros]);
    facts
}

/// `frontend 1.20s, codegen 3.40s, link 0.50s`: the parts of the split that took time
/// (frontend and codegen always).
fn split_parts(s: &buildbench_timings::Split) -> String {
    let mut parts = vec![format!("frontend {}", seconds(s.frontend)), format!("codegen {}", seconds(s.codegen))];
    if s.link > 0.0 {
        parts.push(format!("link {}", seconds(s.link)));
    }
    if s.other > 0.0 {
        parts.push(format!("other {}", seconds(s.other)));
    }
    if s.unattributed > 0.0 {
        parts.push(format!("no split {}", seconds(s.unattributed)));
    }
    parts.join(", ")
}

/// The table of the slowest units, where the analysis found any.
fn slowest(view: &mut View, b: &Build, analysis: &Analysis) {
    if analysis.slowest.is_empty() {
        return;
    }
    let mut t = Table::new(&[
        ("unit", Align::Left),
        ("start", Align::Right),
        ("duration", Align::Right),
        ("frontend", Align::Right),
        ("codegen", Align::Right),
    ]);
    for &i in &analysis.slowest {
        let u = &b.units[i];
        let s = split(u);
        t.row(vec![
            u.label(),
            opt_seconds(u.start),
            opt_seconds(u.duration),
            opt_seconds(s.map(|s| s.frontend)),
            opt_seconds(s.map(|s| s.codegen)),
        ]);
    }
    view.section(2, Some("Slowest units")).table(t);
}

fn short(u: &Unit) -> String {
    match (u.kind, u.mode) {
        (buildbench_timings::TargetKind::BuildScript, buildbench_timings::Mode::RunCustomBuild) => {
            format!("{}(run build.rs)", u.name)
        }
        (buildbench_timings::TargetKind::BuildScript, _) => format!("{}(build.rs)", u.name),
        (buildbench_timings::TargetKind::Lib | buildbench_timings::TargetKind::ProcMacro, _) => u.name.clone(),
        _ => format!("{}({})", u.target, u.kind.as_str()),
    }
}

/// What `buildbench timings` shows of two builds, in every format (`export::write`): the
/// total, the `top` largest changes of units that ran in both and how many more there are, and
/// the units only one build ran.
pub fn diff_view(before: &str, after: &str, diff: &BuildDiff, top: usize) -> View {
    let mut view = View::new(&format!("buildbench timings: {before} -> {after}"));
    let change = match diff.total_delta {
        Some(d) => format!(
            "{} -> {} ({}{})",
            opt_seconds(diff.total_before),
            opt_seconds(diff.total_after),
            if d >= 0.0 { "+" } else { "-" },
            seconds(d.abs())
        ),
        None => "unknown".to_owned(),
    };
    view.section(1, Some(&format!("{before} -> {after}"))).text(&format!("total  {change}"));
    if !diff.changed.is_empty() {
        let mut t = Table::new(&[
            ("unit", Align::Left),
            ("before", Align::Right),
            ("after", Align::Right),
            ("change", Align::Right),
        ]);
        for c in diff.changed.iter().take(top) {
            let sign = if c.delta >= 0.0 { "+" } else { "-" };
            t.row(vec![
                c.unit.clone(),
                seconds(c.before),
                seconds(c.after),
                format!("{sign}{}", seconds(c.delta.abs())),
            ]);
        }
        let section = view.section(2, Some("Units that ran in both, largest change first"));
        section.table(t);
        if diff.changed.len() > top {
            section.text(&format!(
                "... and {} more (--top {} shows them)",
                diff.changed.len() - top,
                diff.changed.len()
            ));
        }
    }
    for (title, list) in
        [("Ran only in the first build", &diff.only_before), ("Ran only in the second build", &diff.only_after)]
    {
        if !list.is_empty() {
            view.section(2, Some(&format!("{title} ({})", list.len())))
                .list(list.iter().map(|u| crate::view::styled(u)).collect());
        }
    }
    view
}

/// One build as a self-contained HTML page: its summary's view and an SVG timeline of its units
/// with its colour legend (`buildbench timings REPORT -o timeline.html`; `.svg` for the chart
/// alone).
pub fn timeline_page(
    file: &str,
    parsed: &Parsed,
    analysis: &Analysis,
    units: &[buildbench_model::UnitTiming],
    svg_only: bool,
) -> String {
    let timeline = crate::charts::timeline(units);
    let svg = crate::charts::draw_timeline(&timeline);
    if svg_only {
        return svg;
    }
    let omitted = match timeline.omitted {
        0 => String::new(),
        n => format!(" The {n} shortest units are not drawn."),
    };
    let mut view = summary_view(file, parsed, analysis);
    view.section(2, Some("Timeline")).figure(
        "unit timeline",
        svg,
        &crate::charts::timeline_legend(),
        &format!("One bar per unit, from its start to its end, in start order.{omitted}"),
    );
    let page = crate::export::view_page(&view);
    page.render()
}
