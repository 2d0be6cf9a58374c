//! `buildbench profile`: the project's clean build (and, when asked, one rebuild after an edit)
//! with rustc's `-Zself-profile`, beside the same builds without it.
//!
//! Everything happens in a copy of the project inside the work folder: the plain builds and the
//! self-profiled ones have target folders of their own, so the profiler's flags never reach a
//! build that is timed for its own sake, and the user's project is only read.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use buildbench_model::cargo_args::CargoArgs;
use buildbench_model::{Configuration, Environment, Sample, Scenario};

use crate::build::cargo::{BuildContext, UserConfig, cargo_invocation};
use crate::build::probe::{ResolvedToolchain, Toolchain};
use crate::build::project::Project;
use crate::files::edit;
use crate::files::fsutil::remove_tree;
use crate::process::exec::Executor;
use crate::{Invocation, RunnerError};

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    pub project: PathBuf,
    /// Scratch space: the project copy, target folders, the profiles.
    pub work: PathBuf,
    /// Passed to cargo (features, `-p`, `--profile`, `--target`).
    pub cargo_args: Vec<String>,
    /// A nightly toolchain (`-Zself-profile` is unstable).
    pub toolchain: String,
    /// Also profile one rebuild after an edit.
    pub incremental: bool,
    /// Also build without the profiler, to measure what it costs and to read the unit graph.
    pub plain: bool,
    /// The events rustc records (`-Zself-profile-events`).
    pub events: String,
}

/// One profiled build.
#[derive(Debug, Clone)]
pub struct ProfiledRun {
    pub scenario: Scenario,
    /// The self-profiled build, as a sample (wall time, units from its `--timings` report).
    pub profiled: Sample,
    /// The same build without the profiler, when measured.
    pub plain: Option<Sample>,
    /// The folder of rustc's `.mm_profdata` files for this build.
    pub profiles: PathBuf,
}

/// Everything `buildbench profile` measured; reading the profiles is the caller's.
#[derive(Debug, Clone)]
pub struct ProfileRun {
    pub project: Project,
    /// The workspace's source files (relative to its root, as cargo passes them to rustc) and
    /// their packages.
    pub packages: Vec<(String, String)>,
    pub toolchain: Toolchain,
    pub environment: Environment,
    pub runs: Vec<ProfiledRun>,
}

/// Runs the builds; nothing is printed, `observer` hears what is happening (`Event::Note`).
pub fn run(
    options: &ProfileOptions,
    executor: &mut dyn Executor,
    observer: &mut dyn crate::Observer,
    interrupted: &Arc<AtomicBool>,
) -> Result<ProfileRun, RunnerError> {
    let toolchain = nightly(&options.toolchain)?;
    // The copy breaks path dependencies outside the workspace: refused before anything is made.
    let outside = |project: &crate::build::project::Project| {
        if project.outside_paths.is_empty() {
            Ok(())
        } else {
            Err(RunnerError::OutsideWorkspace { paths: project.outside_paths.clone() })
        }
    };
    let progress = &mut |line: String| observer.event(crate::Event::Note(line));
    let (project, source, _work_lock) =
        crate::build::project::copy_into_work(&toolchain.cargo, &options.project, &options.work, &outside, progress)?;
    let packages = project.source_packages();
    let temp = options.work.join("tmp");
    std::fs::create_dir_all(&temp).map_err(RunnerError::io(&temp, "cannot create"))?;
    let user = UserConfig::detect(&toolchain.cargo, &source, &toolchain.host);
    let resolved = ResolvedToolchain::probe(toolchain.clone());
    let profile = CargoArgs::parse(&options.cargo_args).profile().to_owned();
    // rustc writes into this folder; it keeps one path for every build, since another path
    // would be another flag and make cargo rebuild everything.
    let live = options.work.join("profile");
    let flags = vec![format!("-Zself-profile={}", live.display()), format!("-Zself-profile-events={}", options.events)];
    let plain = BuildContext {
        toolchain: &toolchain,
        toolchain_uses_rust_lld: resolved.uses_rust_lld(),
        source: &source,
        target_dir: options.work.join("target-plain"),
        cargo_args: &options.cargo_args,
        cargo_profile: &profile,
        rustflags: &user.rustflags,
        sccache: None,
        ld_folder: None,
        link_wrapper: None,
        temp_dir: Some(temp.clone()),
        extra_rustflags: &[],
    };
    let profiled =
        BuildContext { target_dir: options.work.join("target-profiled"), extra_rustflags: &flags, ..plain.clone() };
    // Downloads first, so the plain build (the first) does not pay for them and make the
    // profiler look cheaper than it is. A failure here shows again, explained, in the build.
    progress("fetching the dependencies".to_owned());
    let _ = executor.run(&fetch_invocation(&toolchain, &source, &options.cargo_args));
    if interrupted.load(Ordering::SeqCst) {
        return Err(RunnerError::Interrupted { out: None });
    }
    for dir in [&plain.target_dir, &profiled.target_dir, &live] {
        remove_tree(dir)?;
    }
    let edit_file = edit_file(options, &project, &source)?;
    let mut builds = Builds {
        options,
        configuration: Configuration::plain("profile", Some(&options.toolchain)),
        executor,
        observer,
        interrupted,
        project: &project,
        plain,
        profiled,
        live,
        package_graph: None,
    };
    let mut scenarios = vec![Scenario::Clean];
    if options.incremental {
        scenarios.push(Scenario::Incremental);
    }
    let mut runs = Vec::new();
    for (n, scenario) in scenarios.into_iter().enumerate() {
        runs.push(builds.scenario(n, scenario, edit_file.as_deref())?);
    }
    let environment = crate::build::probe::environment(vec![resolved.info()], &[]);
    Ok(ProfileRun { project, packages, toolchain, environment, runs })
}

/// The toolchain named `name`, refused unless it is a nightly (or a local build): only those
/// have `-Zself-profile`.
fn nightly(name: &str) -> Result<Toolchain, RunnerError> {
    let toolchain = Toolchain::resolve(Some(name))
        .map_err(|e| RunnerError::NeedsNightly { toolchain: name.to_owned(), found: e.to_string() })?;
    if !toolchain.rustc_version.contains("nightly") && !toolchain.rustc_version.contains("-dev") {
        return Err(RunnerError::NeedsNightly { toolchain: name.to_owned(), found: toolchain.rustc_version.clone() });
    }
    Ok(toolchain)
}

/// `cargo fetch` of the copy, with the user's `--locked`, `--frozen`, `--offline` and target.
fn fetch_invocation(toolchain: &Toolchain, source: &Path, cargo_args: &[String]) -> Invocation {
    let mut fetch = Invocation::new(&toolchain.cargo).arg("fetch").cwd(source).env("RUSTC", &toolchain.rustc);
    for flag in cargo_args.iter().filter(|a| matches!(a.as_str(), "--locked" | "--frozen" | "--offline")) {
        fetch = fetch.arg(flag);
    }
    if let Some(triple) = CargoArgs::parse(cargo_args).target_triple() {
        fetch = fetch.arg("--target").arg(triple);
    }
    fetch
}

/// The file of the copy (under `source`) that the incremental rebuild edits: the project's
/// default for the cargo arguments; `None` without `--incremental`.
fn edit_file(options: &ProfileOptions, project: &Project, source: &Path) -> Result<Option<PathBuf>, RunnerError> {
    if !options.incremental {
        return Ok(None);
    }
    let selection = CargoArgs::parse(&options.cargo_args).selection();
    let file = project.default_edit_file(&selection).ok_or_else(|| RunnerError::EditFile {
        path: project.root.clone(),
        problem: "no target of the packages the cargo arguments select to edit".to_owned(),
    })?;
    let relative = file.strip_prefix(&project.root).unwrap_or(file);
    Ok(Some(source.join(relative)))
}

/// The builds of one `profile` run and what they share: each runs through the executor, stops
/// at an interrupt, and becomes a sample.
struct Builds<'a> {
    options: &'a ProfileOptions,
    configuration: Configuration,
    executor: &'a mut dyn Executor,
    observer: &'a mut dyn crate::Observer,
    interrupted: &'a Arc<AtomicBool>,
    project: &'a Project,
    /// The build without the profiler, in a target folder of its own.
    plain: BuildContext<'a>,
    /// The build with `-Zself-profile`, in a target folder of its own.
    profiled: BuildContext<'a>,
    /// The folder rustc writes its profiles into.
    live: PathBuf,
    /// The copy's package graph completes the plain build's unit graph, which the "smaller
    /// crates" verdict replays; read after the first build, when the copy has its Cargo.lock.
    package_graph: Option<Option<buildbench_timings::PackageGraph>>,
}

impl Builds<'_> {
    /// One scenario, the `n`th: the copy's edit for an incremental one, the build without the
    /// profiler when asked for, and the profiled build, whose profiles are moved to a folder of
    /// their own.
    fn scenario(&mut self, n: usize, scenario: Scenario, edit_file: Option<&Path>) -> Result<ProfiledRun, RunnerError> {
        if let (Scenario::Incremental, Some(file)) = (scenario, edit_file) {
            // The copy is edited: one new function, as compare's incremental scenario does.
            let original = crate::files::fsutil::read_bounded(file)?;
            crate::files::fsutil::write_atomic(file, &edit::edited(&original, n as u64))?;
        }
        let plain = if self.options.plain {
            Some(self.build(false, format!("{scenario} build without the profiler"))?)
        } else {
            None
        };
        let live = self.live.clone();
        std::fs::create_dir_all(&live).map_err(RunnerError::io(&live, "cannot create"))?;
        let profiled = self.build(true, format!("{scenario} build with -Zself-profile"))?;
        let kept = self.options.work.join(format!("profile-{scenario}"));
        remove_tree(&kept)?;
        std::fs::rename(&live, &kept).map_err(RunnerError::io(&live, "cannot move"))?;
        Ok(ProfiledRun { scenario, profiled, plain, profiles: kept })
    }

    /// One build, `profiled` or plain, as a sample; `what` tells the observer which.
    fn build(&mut self, profiled: bool, what: String) -> Result<Sample, RunnerError> {
        self.observer.event(crate::Event::Note(what));
        let ctx = if profiled { &self.profiled } else { &self.plain };
        let invocation = cargo_invocation(&self.configuration, false, ctx);
        let outcome = self
            .executor
            .run(&invocation)
            .map_err(|e| RunnerError::Command { command: invocation.shell_line(), detail: e.to_string() })?;
        if self.interrupted.load(Ordering::SeqCst) {
            return Err(RunnerError::Interrupted { out: None });
        }
        if !outcome.success() {
            return Err(RunnerError::Command { command: invocation.shell_line(), detail: outcome.stderr_tail(20) });
        }
        let options = self.options;
        let graph = self.package_graph.get_or_insert_with(|| {
            crate::build::project::Project::package_graph(&ctx.toolchain.cargo, ctx.source, &options.cargo_args).ok()
        });
        let sample = crate::build::record::sample_from(&outcome, self.project, &ctx.target_dir, graph.as_ref());
        crate::build::record::remove_reports(&ctx.target_dir);
        Ok(sample)
    }
}
