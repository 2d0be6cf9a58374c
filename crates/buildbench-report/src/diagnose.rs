//! Where the build time goes, measured: the guide's "if `cargo check` is slow the frontend is the
//! bottleneck; if check is fast but build is slow, it is the backend", with numbers.

use std::fmt::Write as _;

use buildbench_model::stats::{MIN_SAMPLES, compare, median};
use buildbench_model::{Sample, Scenario, Study};
use serde::Serialize;

use crate::format::seconds;

/// check against build for one kind of build (clean or incremental).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    /// `clean` or `incremental`.
    pub build: Scenario,
    /// Median `cargo check` seconds.
    pub check_seconds: f64,
    /// Median `cargo build` seconds.
    pub build_seconds: f64,
    /// Median seconds linking the final artifacts (linker wrapper), when recorded.
    pub link_seconds: Option<f64>,
    /// Whether `cargo check` was significantly faster than `cargo build` (Welch's test at the
    /// study's noise threshold); `None` with fewer than three runs of either, too few to test.
    /// When it was not (or, untested, check was not faster at all), the shares below are
    /// unknown: `None`, never a guess.
    pub separated: Option<bool>,
    /// Runs of the smaller side, for the findings' wording.
    pub runs: usize,
    /// check / build: the share of the frontend (parsing, macros, type and borrow checking).
    pub frontend_share: Option<f64>,
    /// The rest minus linking: code generation.
    pub codegen_share: Option<f64>,
    pub link_share: Option<f64>,
}

/// Everything the diagnosis says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub configuration: String,
    pub splits: Vec<Split>,
    /// The slowest units of a representative clean build: (unit, seconds).
    pub slowest: Vec<(String, f64)>,
    pub unit_seconds: f64,
    pub wall_seconds: f64,
    pub parallelism: f64,
    pub proc_macro_seconds: f64,
    pub build_script_seconds: f64,
    pub critical_path: Vec<String>,
    pub critical_path_seconds: Option<f64>,
    /// frontend, codegen and link seconds summed over units, from `-Zsection-timings` (nightly).
    pub sections: Option<(f64, f64, f64)>,
    /// The conclusions, one sentence each.
    pub findings: Vec<String>,
}

/// The diagnosis of `configuration`, when the study ran a check scenario next to its build.
///
/// `noise` is the threshold under which a difference is never called significant (0.02 = 2%).
pub fn diagnose(study: &Study, configuration: &str, noise: f64) -> Option<Diagnosis> {
    let mut splits = Vec::new();
    for (check, build) in [(Scenario::CheckClean, Scenario::Clean), (Scenario::CheckIncremental, Scenario::Incremental)]
    {
        let checks: Vec<f64> = study.successful(configuration, check).map(|s| s.wall_seconds).collect();
        let builds: Vec<f64> = study.successful(configuration, build).map(|s| s.wall_seconds).collect();
        if let Some(split) = split(build, &checks, &builds, study, configuration, noise) {
            splits.push(split);
        }
    }
    if splits.is_empty() {
        return None;
    }
    // The clean sample nearest its median stands for the clean build's units.
    let representative = study.representative(configuration, Scenario::Clean);
    let mut d = Diagnosis {
        configuration: configuration.to_owned(),
        splits,
        slowest: Vec::new(),
        unit_seconds: 0.0,
        wall_seconds: 0.0,
        parallelism: 0.0,
        proc_macro_seconds: 0.0,
        build_script_seconds: 0.0,
        critical_path: Vec::new(),
        critical_path_seconds: None,
        sections: None,
        findings: Vec::new(),
    };
    if let Some(sample) = representative {
        let mut units: Vec<(String, f64)> = sample.units.iter().map(|u| (u.label(), u.duration)).collect();
        units.sort_by(|a, b| b.1.total_cmp(&a.1));
        d.slowest = units.into_iter().take(5).collect();
        d.unit_seconds = sample.units.iter().map(|u| u.duration).sum::<f64>() + 0.0;
        d.wall_seconds = sample.cargo_seconds.unwrap_or(sample.wall_seconds);
        d.parallelism = if d.wall_seconds > 0.0 { d.unit_seconds / d.wall_seconds } else { 0.0 };
        d.proc_macro_seconds =
            sample.units.iter().filter(|u| u.kind == "proc-macro").map(|u| u.duration).sum::<f64>() + 0.0;
        d.build_script_seconds =
            sample.units.iter().filter(|u| u.kind == "build-script").map(|u| u.duration).sum::<f64>() + 0.0;
        d.critical_path = sample.critical_path.clone();
        d.critical_path_seconds = sample.critical_path_seconds;
    }
    // Section timings from any clean sample that has link sections (a nightly configuration).
    d.sections = study
        .samples
        .iter()
        .filter(|s| s.success && s.scenario == Scenario::Clean && s.units.iter().any(|u| u.link.is_some()))
        .map(|s| {
            let sum =
                |f: fn(&buildbench_model::UnitTiming) -> Option<f64>| s.units.iter().filter_map(f).sum::<f64>() + 0.0;
            (sum(|u| u.frontend), sum(|u| u.codegen), sum(|u| u.link))
        })
        .next();
    d.findings = findings(&d);
    Some(d)
}

/// check against build for one kind of build, from their wall times.
fn split(
    build: Scenario,
    checks: &[f64],
    builds: &[f64],
    study: &Study,
    configuration: &str,
    noise: f64,
) -> Option<Split> {
    let (c, b) = (median(checks.iter().copied())?, median(builds.iter().copied())?);
    if b <= 0.0 {
        return None;
    }
    let link = median(study.successful(configuration, build).filter_map(Sample::artifact_link_seconds));
    // build / check above 1, beyond the noise: only then is there a backend to measure.
    let runs = checks.len().min(builds.len());
    let separated =
        (runs >= MIN_SAMPLES).then(|| compare(builds, checks, noise).is_some_and(|c| c.significant && c.speedup > 1.0));
    let (frontend_share, codegen_share, link_share) = if separated.unwrap_or(c < b) {
        let frontend = (c / b).min(1.0);
        let link_share = link.map_or(0.0, |l| (l / b).min(1.0 - frontend));
        (Some(frontend), Some((1.0 - frontend - link_share).max(0.0)), Some(link_share))
    } else {
        (None, None, None)
    };
    Some(Split {
        build,
        check_seconds: c,
        build_seconds: b,
        link_seconds: link,
        separated,
        runs,
        frontend_share,
        codegen_share,
        link_share,
    })
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn findings(d: &Diagnosis) -> Vec<String> {
    let mut out = Vec::new();
    for s in &d.splits {
        let (Some(frontend_share), Some(link_share)) = (s.frontend_share, s.link_share) else {
            out.push(format!(
                "{} builds: `cargo check` ({}) was not significantly faster than `cargo build` ({}), so these \
                 measurements cannot tell the frontend from code generation; more --runs (or a quieter machine) can.",
                s.build,
                seconds(s.check_seconds),
                seconds(s.build_seconds)
            ));
            continue;
        };
        let what = if frontend_share >= 0.6 {
            "frontend-bound: faster codegen (Cranelift, fewer optimisations) or a faster linker cannot help much; \
             fewer or lighter macros and generics, or splitting crates, can"
        } else if link_share >= 0.3 {
            "link-bound: a faster linker helps most"
        } else if frontend_share <= 0.4 {
            "backend-bound: code generation dominates; Cranelift, less debug info or more codegen units can help"
        } else {
            "balanced between frontend and backend"
        };
        let untested = if s.separated.is_none() {
            format!("; {} run(s) each, too few to tell this from noise", s.runs)
        } else {
            String::new()
        };
        out.push(format!(
            "{} builds: `cargo check` takes {} of `cargo build` ({} vs {}{untested}), so they are {what}.",
            s.build,
            percent(frontend_share),
            seconds(s.check_seconds),
            seconds(s.build_seconds)
        ));
    }
    if d.unit_seconds > 0.0 {
        if d.proc_macro_seconds > 0.0 {
            out.push(format!(
                "Proc-macro crates take {} of unit time in a clean build ({}).",
                percent(d.proc_macro_seconds / d.unit_seconds),
                seconds(d.proc_macro_seconds)
            ));
        }
        if d.build_script_seconds > 0.0 {
            out.push(format!(
                "Build scripts (compiling and running) take {} of unit time ({}).",
                percent(d.build_script_seconds / d.unit_seconds),
                seconds(d.build_script_seconds)
            ));
        }
        if let Some(cp) = d.critical_path_seconds.filter(|_| d.wall_seconds > 0.0) {
            let share = cp / d.wall_seconds;
            let bound = if share >= 0.8 {
                "the build is dependency-bound: more cores will not help, shortening that chain will"
            } else {
                "the build is CPU-bound: more cores (or less total work) help more than reordering"
            };
            out.push(format!(
                "The critical path is {} of {} wall time ({}), average parallelism {:.2}: {bound}.",
                seconds(cp),
                seconds(d.wall_seconds),
                percent(share),
                d.parallelism
            ));
        }
    }
    out
}

/// The diagnosis as text.
/// Where the time goes as a section of a view (`buildbench doctor --diagnose`): the same lines
/// as `text`, the findings as a list.
pub fn section(view: &mut crate::view::View, d: &Diagnosis) {
    let text = text(d);
    let mut lines = text.lines().skip(1).map(str::trim_start);
    let (facts, findings): (Vec<&str>, Vec<&str>) = lines.by_ref().partition(|l| !l.starts_with("- "));
    let section = view.section(2, Some(&format!("Where the time goes ({})", d.configuration)));
    if !facts.is_empty() {
        section.text(&facts.join("\n"));
    }
    section.list(findings.iter().map(|f| crate::view::styled(f.trim_start_matches("- "))).collect());
}

pub fn text(d: &Diagnosis) -> String {
    let mut out = format!("Where the time goes ({})\n", d.configuration);
    for s in &d.splits {
        let share = |x: Option<f64>| x.map_or_else(|| "unknown".to_owned(), percent);
        let link =
            s.link_seconds.map_or_else(String::new, |l| format!(", link {} ({})", seconds(l), share(s.link_share)));
        let _ = writeln!(
            out,
            "  {:<12} check {} / build {}: frontend {}, codegen {}{link}",
            s.build.to_string(),
            seconds(s.check_seconds),
            seconds(s.build_seconds),
            share(s.frontend_share),
            share(s.codegen_share)
        );
    }
    if let Some((f, c, l)) = d.sections {
        let total = (f + c + l).max(f64::MIN_POSITIVE);
        let _ = writeln!(
            out,
            "  section timings (nightly, clean): frontend {}, codegen {}, link {} of unit time",
            percent(f / total),
            percent(c / total),
            percent(l / total)
        );
    }
    if !d.slowest.is_empty() {
        let list: Vec<String> = d.slowest.iter().map(|(n, s)| format!("{n} {}", seconds(*s))).collect();
        let _ = writeln!(out, "  slowest units (clean): {}", list.join(", "));
    }
    if !d.critical_path.is_empty() {
        let _ = writeln!(out, "  critical path: {}", d.critical_path.join(" > "));
    }
    for f in &d.findings {
        let _ = writeln!(out, "  - {f}");
    }
    out
}
