//! `buildbench profile`: where rustc's time goes, crate by crate, from `-Zself-profile`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use buildbench_model::Scenario;
use buildbench_model::profile::{ProfileReport, frontend_verdicts};
use buildbench_runner::ProcessExecutor;
use buildbench_runner::selfprofile::{ProfileOptions, run as run_profile};

use buildbench_report::export::{self, Format};

use crate::cli::{ProfileArgs, format, words};

pub fn run(args: &ProfileArgs) -> Result<ExitCode> {
    if let Some(dir) = &args.from {
        return output(args, &from_folder(args, dir)?);
    }
    let scenarios = words::<Scenario>(&args.scenario)?;
    if let Some(other) = scenarios.iter().find(|s| !matches!(s, Scenario::Clean | Scenario::Incremental)) {
        bail!("--scenario {other}: profile runs the clean build, and with `incremental` one rebuild after an edit");
    }
    let cargo_args =
        buildbench_model::cargo_args::assemble(None, None, false, None, &args.cargo).map_err(anyhow::Error::msg)?;
    let interrupted = crate::cli::interrupt_flag()?;
    let scratch = crate::cli::work_dir(args.work.as_deref(), "buildbench-profile-")?;
    let options = ProfileOptions {
        project: std::path::absolute(buildbench_runner::paths::project_path(&args.path))
            .with_context(|| format!("{}: cannot resolve", args.path.display()))?,
        work: scratch.1.clone(),
        cargo_args: cargo_args.clone(),
        toolchain: args.toolchain.clone(),
        incremental: scenarios.contains(&Scenario::Incremental),
        plain: !args.no_plain,
        events: buildbench_selfprofile::EVENTS.to_owned(),
    };
    let mut executor = ProcessExecutor::new(Arc::clone(&interrupted));
    let mut progress = crate::notes::Notes { quiet: args.quiet };
    let run = run_profile(&options, &mut executor, &mut progress, &interrupted)?;
    let mut builds = Vec::new();
    let mut warnings = Vec::new();
    for r in &run.runs {
        progress.line(format!("reading the {} build's profiles", r.scenario));
        let reading = buildbench_selfprofile::read_dir(&r.profiles, &run.packages).map_err(anyhow::Error::msg)?;
        warnings.extend(reading.warnings.iter().cloned());
        let cpu = |s: &buildbench_model::Sample| s.user_seconds + s.system_seconds;
        let mut build =
            reading.into_build(r.scenario, r.profiled.wall_seconds, r.plain.as_ref().map(|p| p.wall_seconds));
        build.cpu_seconds = Some(cpu(&r.profiled));
        build.plain_cpu_seconds = r.plain.as_ref().map(cpu);
        builds.push(build);
    }
    // "Smaller crates" from the plain clean build's unit graph (the profiled one is slowed
    // unevenly), at the job count the build ran with.
    let own: Vec<String> = run.project.targets.iter().map(|t| t.package.clone()).collect();
    let jobs = buildbench_model::cargo_args::CargoArgs::parse(&cargo_args)
        .value(&["-j", "--jobs"])
        .and_then(|j| j.parse::<u32>().ok())
        .unwrap_or(run.environment.cores);
    let clean = run.runs.iter().find(|r| r.scenario == Scenario::Clean);
    let split = match clean {
        Some(r) => buildbench_report::profile::split_estimate(r.plain.as_ref().unwrap_or(&r.profiled), &own, jobs),
        None => Err("no clean build".to_owned()),
    };
    let verdicts = builds
        .iter()
        .find(|b| b.scenario == Scenario::Clean)
        .map(|b| frontend_verdicts(b, split.as_ref().map_err(String::as_str)))
        .unwrap_or_default();
    let report = ProfileReport {
        project: run.project.root.display().to_string(),
        environment: run.environment.clone(),
        toolchain: run.toolchain.rustc_version.clone(),
        cargo_args,
        events: options.events.clone(),
        builds,
        split: split.ok(),
        verdicts,
        warnings,
    };
    if args.work.is_some() {
        progress.line(format!(
            "rustc's profiles are kept in {} (profile-clean, profile-incremental) for measureme's tools",
            scratch.1.display()
        ));
    } else {
        buildbench_runner::paths::remove_owned(&scratch.1)?;
    }
    drop(scratch);
    output(args, &report)
}

/// `--from DIR`: the profiles of an earlier build, read without building.
fn from_folder(args: &ProfileArgs, dir: &std::path::Path) -> Result<ProfileReport> {
    let kept = [(Scenario::Clean, dir.join("profile-clean")), (Scenario::Incremental, dir.join("profile-incremental"))];
    let folders: Vec<(Scenario, std::path::PathBuf)> = if kept[0].1.is_dir() {
        kept.into_iter().filter(|(_, d)| d.is_dir()).collect()
    } else {
        vec![(Scenario::Clean, dir.to_owned())]
    };
    // The workspace's own files name its packages; without a project, crates keep rustc's names.
    let project = buildbench_runner::probe::Toolchain::resolve(None).ok().and_then(|t| {
        buildbench_runner::project::Project::load(&t.cargo, &buildbench_runner::paths::project_path(&args.path)).ok()
    });
    let packages = project.as_ref().map(buildbench_runner::project::Project::source_packages).unwrap_or_default();
    let mut builds = Vec::new();
    let mut warnings = Vec::new();
    for (scenario, folder) in folders {
        let reading = buildbench_selfprofile::read_dir(&folder, &packages).map_err(anyhow::Error::msg)?;
        warnings.extend(reading.warnings.iter().cloned());
        let span = reading.span_seconds();
        let mut build = reading.into_build(scenario, span, None);
        build.span_only = true;
        builds.push(build);
    }
    let verdicts = builds
        .iter()
        .find(|b| b.scenario == Scenario::Clean)
        .map(|b| frontend_verdicts(b, Err("--from reads profiles only: there is no unit graph to replay")))
        .unwrap_or_default();
    Ok(ProfileReport {
        project: project.map_or_else(|| args.path.display().to_string(), |p| p.root.display().to_string()),
        environment: buildbench_runner::probe::environment(Vec::new(), &[]),
        toolchain: format!("profiles read from {}", dir.display()),
        cargo_args: Vec::new(),
        events: String::new(),
        builds,
        split: None,
        verdicts,
        warnings,
    })
}

/// Writes `-o FILE` and prints the report.
fn output(args: &ProfileArgs, report: &ProfileReport) -> Result<ExitCode> {
    let progress = |line: String| {
        if !args.quiet {
            eprintln!("{line}");
        }
    };
    // The page shows more crates in its bars than a terminal's table.
    let top = |f: Format| if f == Format::Html { args.top.max(25) } else { args.top };
    let json = || buildbench_report::format::json(report);
    if let Some(out) = &args.output {
        let f = format::of_output("profile", out, None, format::accepts::VIEW)?;
        let bytes = export::write(f, false, || buildbench_report::profile::view(report, top(f)), json);
        buildbench_runner::fsutil::write_atomic(out, &bytes)?;
        progress(format!("wrote {}", out.display()));
    }
    // `--format` takes every format (`cli::format::accepts::VIEW`); colour only on a terminal.
    let view = || buildbench_report::profile::view(report, top(args.format));
    let bytes = export::write(args.format, crate::cli::color(), view, json);
    crate::cli::print(&String::from_utf8_lossy(&bytes))
}
