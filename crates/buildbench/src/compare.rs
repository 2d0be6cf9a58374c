//! `buildbench compare`: resolve the flags into a plan, run it with progress, print the summary.

use std::io::IsTerminal as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use buildbench_model::gate::GateSpec;
use buildbench_model::{Backend, Cache, Configuration, Linker, Plan, Purpose, Scenario, Study};
use buildbench_report::export::{Exporter, Format, Html, Markdown, exporter};
use buildbench_report::{StudySummary, summarize};
use buildbench_runner::plan::{Matrix, Scan, effective_scenarios, expand};
use buildbench_runner::{Event, Observer, ProcessExecutor, StudyOptions, prepare, run as run_study};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{CompareArgs, words};

/// A list flag as given, or its default when it was not given.
fn or_default(list: &[String], default: &str) -> Vec<String> {
    if list.is_empty() { default.split(',').map(str::to_owned).collect() } else { list.to_vec() }
}

/// Did the user name the configurations (rather than take the default axes)? Then a
/// configuration whose tool is missing was asked for, and a study without it is partial.
fn named_configurations(args: &CompareArgs) -> bool {
    !args.backend.is_empty()
        || !args.linker.is_empty()
        || !args.cache.is_empty()
        || args.toolchain.is_some()
        || !args.scan.is_empty()
        || config_file(args).is_some()
}

/// The buildbench.toml to use: `--config-file`, else the project's own `buildbench.toml` or
/// `.config/buildbench.toml`, unless `--no-config`.
fn config_file(args: &CompareArgs) -> Option<PathBuf> {
    if args.no_config {
        return None;
    }
    if let Some(file) = &args.config_file {
        return Some(file.clone());
    }
    let project = args.path.clone().unwrap_or_else(buildbench_runner::paths::current_project);
    let root = if project.is_file() { project.parent().map(PathBuf::from).unwrap_or_default() } else { project };
    ["buildbench.toml", ".config/buildbench.toml"].iter().map(|f| root.join(f)).find(|f| f.is_file())
}

/// Resolves the flags into a plan, in one place.
fn plan(args: &CompareArgs) -> Result<Plan> {
    let cargo_args = cargo_args(args)?;
    let matrix = matrix(args, &cargo_args)?;
    let (configurations, file_baseline) = configurations(args, &matrix)?;
    let requested = words::<Scenario>(&args.scenario)?;
    let scenarios = effective_scenarios(&requested, &configurations);
    let baseline = baseline(args, &configurations, file_baseline.as_deref())?;
    check_sampling(args)?;
    let edit_file = edit_file(args)?;
    Ok(Plan {
        baseline,
        cargo_args,
        edit_file,
        in_place: args.in_place,
        precision: args.precision,
        max_runs: args.max_runs,
        until_verdict: args.until_verdict,
        shard: args.shard,
        shard_by: args.shard_by.into(),
        gate: args
            .gate
            .map(|threshold| crate::gate::spec(None, Some(threshold), &args.gate_options, args.until_decided)),
        ..Plan::new(configurations, scenarios, args.runs, args.warmup)
    })
}

/// The cargo arguments every build passes: the selection flags, `--cargo-profile` and the
/// arguments after `--`.
fn cargo_args(args: &CompareArgs) -> Result<Vec<String>> {
    let mut passthrough = Vec::new();
    if let Some(profile) = &args.cargo_profile {
        passthrough.extend(["--profile".to_owned(), profile.clone()]);
    }
    passthrough.extend(args.cargo.iter().cloned());
    buildbench_model::cargo_args::assemble(
        args.package.as_deref(),
        args.bin.as_deref(),
        args.release,
        args.jobs,
        &passthrough,
    )
    .map_err(anyhow::Error::msg)
}

/// The axes as given on the command line, each one its default when it was not given.
fn matrix(args: &CompareArgs, cargo_args: &[String]) -> Result<Matrix> {
    Ok(Matrix {
        backends: words::<Backend>(&or_default(&args.backend, "llvm"))?,
        linkers: words::<Linker>(&or_default(&args.linker, "default,mold"))?,
        caches: words::<Cache>(&or_default(&args.cache, "none"))?,
        presets: args.preset.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
        sets: args.set.clone(),
        scans: args.scan.iter().map(|s| Scan::parse(s)).collect::<Result<_, _>>()?,
        toolchain: args.toolchain.clone(),
        cargo_profile: buildbench_model::cargo_args::CargoArgs::parse(cargo_args).profile().to_owned(),
    })
}

/// The configurations to compare, from the buildbench.toml in use or else the axes, and the
/// baseline the file names.
fn configurations(args: &CompareArgs, matrix: &Matrix) -> Result<(Vec<Configuration>, Option<String>)> {
    match config_file(args) {
        Some(file) => {
            if args.config_file.is_none() && !args.quiet {
                eprintln!("note: configurations from {} (--no-config ignores it)", file.display());
            }
            crate::config_file::read(&file, &matrix.cargo_profile)
        }
        None => Ok((expand(matrix)?, None)),
    }
}

/// The baseline's name: `--baseline`, else the file's, else the first configuration; a name
/// that is not a configuration is refused with the list of those there are.
fn baseline(args: &CompareArgs, configurations: &[Configuration], file_baseline: Option<&str>) -> Result<String> {
    Ok(match args.baseline.as_deref().or(file_baseline) {
        Some(b) if configurations.iter().any(|c| c.name == b) => b.to_owned(),
        Some(b) => bail!(
            "--baseline {b:?} is not a configuration of this study; they are: {}",
            configurations.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
        None => configurations.first().map(|c| c.name.clone()).unwrap_or_default(),
    })
}

/// Refuses sampling flags that cannot work: too few `--runs`, a `--gate` or `--precision` of
/// zero, a `--max-runs` below `--runs` when samples are added, and adaptive sampling across
/// the blocks of `--shard`.
fn check_sampling(args: &CompareArgs) -> Result<()> {
    if args.resume.is_none() {
        crate::cli::check_runs(args.runs)?;
    }
    if args.gate.is_some_and(|t| t <= 0.0) {
        bail!("--gate must be a slowdown above 0% (e.g. 5%): a threshold of 0% no interval can be below");
    }
    if args.precision.is_some_and(|p| p <= 0.0) {
        bail!("--precision must be above 0% (e.g. 2%): no number of samples reaches an interval of zero width");
    }
    let adaptive = args.precision.is_some() || args.until_verdict || args.until_decided;
    if adaptive && args.max_runs < args.runs {
        bail!(
            "--max-runs {} is below --runs {}: --precision, --until-verdict and --until-decided add samples after \
             the first --runs, up to --max-runs; give a --max-runs of at least {}",
            args.max_runs,
            args.runs,
            args.runs
        );
    }
    if let Some((_, n)) = args.shard
        && n > 1
        && args.shard_by == crate::cli::ShardByArg::Block
        && (args.precision.is_some() || args.until_verdict)
    {
        bail!(
            "--precision and --until-verdict choose how many samples to take from the samples taken so far, \
             but each block of --shard sees only its own; give a fixed --runs (it is divided among the shards)"
        );
    }
    Ok(())
}

/// The `--edit` file relative to the project root; it may be given relative to the project
/// or to the current directory, and must be inside the project.
fn edit_file(args: &CompareArgs) -> Result<Option<String>> {
    let Some(f) = &args.edit else { return Ok(None) };
    let path = args.path.clone().unwrap_or_else(buildbench_runner::paths::current_project);
    let root =
        std::fs::canonicalize(&path).with_context(|| format!("{}: no such project directory", path.display()))?;
    let full = std::fs::canonicalize(f).or_else(|_| std::fs::canonicalize(root.join(f))).with_context(|| {
        format!("--edit {}: no such file (give it relative to the project or the current directory)", f.display())
    })?;
    let relative = full
        .strip_prefix(&root)
        .map_err(|_| anyhow::anyhow!("--edit {}: the file is outside the project {}", f.display(), root.display()))?;
    Ok(Some(relative.display().to_string()))
}

/// `YYYYMMDD-HHMMSS` in UTC, for the default output folder.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (year, month, day, h, m, s) = crate::cli::civil(secs);
    format!("{year:04}{month:02}{day:02}-{h:02}{m:02}{s:02}")
}

/// `buildbench compare`: plans the study, runs it with progress, writes the reports and
/// exports, prints the summary, and exits as the gate or a partial study says.
pub fn run(args: &CompareArgs) -> Result<ExitCode> {
    // The watchdog and the signal handlers come first: preparing already probes toolchains in
    // temporary folders, and a Ctrl-C or SIGTERM then must clean them up and exit 130.
    let interrupted = crate::cli::interrupt_flag()?;
    let options = study_options(args)?;
    note_mixed_toolchains(args, &options);
    let prepared = prepare(options)?;
    let out = prepared.out.clone();
    refuse_exports_over_the_study(args, &out)?;
    if let Some(spec) = &prepared.options.plan.gate {
        // A gated cell that names nothing is an error now, not after the builds.
        buildbench_model::gate::gated_cells(&prepared.options.plan, spec)?;
    }
    if args.dry_run {
        print_dry_run(&prepared, args)?;
        return Ok(ExitCode::SUCCESS);
    }

    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(buildbench_runner::RunnerError::Interrupted { out: None }.into());
    }
    let mut executor = ProcessExecutor::new(Arc::clone(&interrupted));
    let mut progress = Progress::new(args.quiet);
    progress.verbose = args.verbose;
    let result = run_study(prepared, &mut executor, &mut progress, &interrupted);
    progress.finish();
    let study = result?;
    let summary = summarize(&study, args.noise);
    write_reports(args, &study, &summary, &out)?;
    let text = buildbench_report::export::painted(args.format, crate::cli::color()).render(&study, &summary);
    std::io::stdout().lock().write_all(&text).context("writing to stdout")?;
    if !args.quiet {
        eprintln!("study, report.html and report.md saved in {}", out.display());
    }
    if let Some(spec) = &study.plan.gate {
        return write_gate(&study, spec, &out, args.format == Format::Table);
    }
    let unmeasured = unmeasured(&study, named_configurations(args) || args.resume.is_some());
    if unmeasured.is_empty() || args.allow_partial {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "error: no successful measured build for {}; the study is saved, but a partial study exits 1 \
         (pass --allow-partial to accept it)",
        unmeasured.join(", ")
    );
    Ok(ExitCode::from(1))
}

/// The study to prepare: the plan from the flags, or with `--resume` the saved plan (the axes
/// given now are then ignored).
fn study_options(args: &CompareArgs) -> Result<StudyOptions> {
    Ok(StudyOptions {
        project: args.path.clone(),
        out: args.resume.clone().or_else(|| args.out.clone()),
        resume: args.resume.is_some(),
        out_name: timestamp(),
        plan: plan(args)?,
        keep_work: args.keep_work,
        // This executable doubles as the linker wrapper that times every link.
        link_wrapper: std::env::current_exe().ok(),
        revisions: args.rev.iter().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).collect(),
    })
}

/// Notes that Cranelift and LLVM configurations without `--toolchain` build with different
/// toolchains, so their difference includes the toolchain.
fn note_mixed_toolchains(args: &CompareArgs, options: &StudyOptions) {
    // The toolchain each configuration builds with: its own, or its backend's default.
    let toolchain = |c: &buildbench_model::Configuration| {
        c.toolchain.as_deref().or_else(|| c.backend.default_toolchain()).map(str::to_owned)
    };
    let of = |backend: Backend| -> Vec<Option<String>> {
        options.plan.configurations.iter().filter(|c| c.backend == backend).map(toolchain).collect()
    };
    let (cranelift, llvm) = (of(Backend::Cranelift), of(Backend::Llvm));
    let mixes_toolchains = cranelift.iter().any(|t| llvm.iter().any(|u| u != t));
    if mixes_toolchains && args.resume.is_none() && !args.quiet {
        eprintln!(
            "note: Cranelift configurations build with the nightly toolchain and LLVM ones with the default \
             toolchain, so their difference includes the toolchain; add --toolchain nightly to compare \
             backends alone"
        );
    }
}

/// `--dry-run`: prints the unavailable configurations, the plan's summary and every command.
fn print_dry_run(prepared: &buildbench_runner::Prepared, args: &CompareArgs) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    for u in &prepared.unavailable {
        let install = u.install.as_deref().map(|i| format!(" (install: {i})")).unwrap_or_default();
        writeln!(stdout, "unavailable: {}: {}{install}", u.configuration, u.reason)?;
    }
    for line in plan_summary(prepared, args) {
        writeln!(stdout, "{line}")?;
    }
    writeln!(stdout)?;
    for line in prepared.describe() {
        writeln!(stdout, "{line}")?;
    }
    Ok(())
}

/// Writes report.html and report.md in the output folder, and every `--export-*` file asked for.
fn write_reports(args: &CompareArgs, study: &Study, summary: &StudySummary, out: &Path) -> Result<()> {
    for exporter in [&Html as &dyn Exporter, &Markdown] {
        let file = out.join(format!("report.{}", exporter.extension()));
        buildbench_runner::fsutil::write_atomic(&file, &exporter.render(study, summary))?;
    }
    let exports = [
        (&args.export_json, Format::Json, "json"),
        (&args.export_markdown, Format::Md, "markdown"),
        (&args.export_csv, Format::Csv, "csv"),
        (&args.export_html, Format::Html, "html"),
    ];
    for (file, format, flag) in exports {
        if let Some(file) = file {
            buildbench_runner::fsutil::write_atomic(file, &exporter(format).render(study, summary))
                .with_context(|| format!("--export-{flag}"))?;
        }
    }
    if let Some(file) = &args.export_hyperfine {
        buildbench_runner::fsutil::write_atomic(file, buildbench_report::hyperfine::json(study).as_bytes())
            .context("--export-hyperfine")?;
    }
    Ok(())
}

/// `compare --gate`: decides the gate, writes gate.md and gate.json in the output folder and
/// gives the gate's exit status (`shown`: the table on stdout already shows the verdict).
fn write_gate(study: &Study, spec: &GateSpec, out: &Path, shown: bool) -> Result<ExitCode> {
    let gate = crate::gate::decide(study, spec, &out.join("study.json"))?;
    buildbench_runner::fsutil::write_atomic(&out.join("gate.md"), buildbench_report::gate::markdown(&gate).as_bytes())?;
    buildbench_runner::fsutil::write_atomic(&out.join("gate.json"), buildbench_report::gate::json(&gate).as_bytes())?;
    Ok(crate::gate::exit(&gate, shown))
}

/// Refuses an `--export-*` file that is one buildbench writes in the output folder itself (the
/// study, its reports, the gate's files, anything in `work/`): the export would replace it,
/// and `report` and `--resume` would then fail on the study.
fn refuse_exports_over_the_study(args: &CompareArgs, out: &std::path::Path) -> Result<()> {
    const OWN: &[&str] = &["study.json", "report.html", "report.md", "gate.md", "gate.json", ".buildbench-lock"];
    let exports =
        [&args.export_json, &args.export_markdown, &args.export_csv, &args.export_html, &args.export_hyperfine];
    for file in exports.into_iter().flatten() {
        let absolute = std::path::absolute(file).with_context(|| format!("{}: cannot resolve", file.display()))?;
        let parent = absolute.parent().map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned()));
        let name = absolute.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let inside_work = parent.as_ref().is_some_and(|p| p.starts_with(out.join("work")));
        if parent.as_deref() == Some(out) && OWN.contains(&name.as_str()) || inside_work {
            bail!(
                "{}: buildbench writes this file of the output folder {} itself; export to another name or folder",
                file.display(),
                out.display()
            );
        }
    }
    Ok(())
}

/// The configurations of the study that have a scenario without one successful measured
/// sample: their build failed, or their tool is missing.
fn unmeasured(study: &buildbench_model::Study, count_unavailable: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (c, scenario) in study.plan.cells() {
        let configuration = &study.plan.configurations[c];
        let name = &configuration.name;
        let asked = study.plan.in_shard(c, scenario) && buildbench_runner::plan::applies(configuration, scenario);
        if asked && study.wall_times(name, scenario).is_empty() {
            let unavailable = study.unavailable.iter().any(|u| &u.configuration == name);
            if unavailable && !count_unavailable {
                continue;
            }
            let why = if unavailable { "unavailable" } else { "failed" };
            let label = format!("{name} ({why})");
            if !out.contains(&label) {
                out.push(label);
            }
        }
    }
    out
}

/// `buildbench restore`: put back what an interrupted `--in-place` run left edited.
pub fn restore(args: &crate::cli::RestoreArgs) -> Result<ExitCode> {
    let project = buildbench_runner::paths::resolve(&buildbench_runner::paths::project_path(&args.path))?;
    let restored = buildbench_runner::edit::restore_project(&project)?;
    for path in &restored.restored {
        eprintln!("restored {}", path.display());
    }
    for path in &restored.kept {
        eprintln!("kept {} as it is: it changed after buildbench edited it, so it was not restored", path.display());
    }
    if restored.restored.is_empty() && restored.kept.is_empty() {
        eprintln!("nothing to restore in {}", project.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// What `--dry-run` says before the commands: the configurations and the axes that made them
/// (which were defaults), the scenarios, how many builds of each purpose, and how long that
/// took last time, from the newest earlier study of this project in its target folder.
fn plan_summary(prepared: &buildbench_runner::Prepared, args: &CompareArgs) -> Vec<String> {
    let plan = &prepared.options.plan;
    let names: Vec<String> = plan
        .configurations
        .iter()
        .enumerate()
        .filter(|(i, _)| prepared.runnable.contains(i))
        .map(|(_, c)| if c.name == plan.baseline { format!("{} (baseline)", c.name) } else { c.name.clone() })
        .collect();
    let axis = |name: &str, given: &[String], default: &str| {
        if given.is_empty() || given.join(",") == default {
            format!("{name} {default} (default)")
        } else {
            format!("{name} {}", given.join(","))
        }
    };
    let scenarios: Vec<String> = plan.scenarios.iter().map(ToString::to_string).collect();
    let mut builds = [0usize; 3];
    let mut per_scenario: std::collections::BTreeMap<Scenario, usize> = std::collections::BTreeMap::new();
    for step in &prepared.steps {
        if let buildbench_runner::plan::Action::Build { purpose, .. } = step.action {
            let k = match purpose {
                Purpose::Measured => 0,
                Purpose::Warmup => 1,
                Purpose::Prepare => 2,
            };
            builds[k] += 1;
            *per_scenario.entry(step.scenario).or_default() += 1;
        }
    }
    let total: usize = builds.iter().sum();
    let mut lines = vec![
        format!("plan: {} configuration(s): {}", names.len(), names.join(", ")),
        format!(
            "  from: {}; {}; {}; {}",
            axis("backend", &args.backend, "llvm"),
            axis("linker", &args.linker, "default,mold"),
            axis("cache", &args.cache, "none"),
            axis("preset", &args.preset, "dev"),
        ),
        format!("  scenarios: {}", scenarios.join(", ")),
        format!("  builds: {total} ({} measured, {} warm-up, {} preparation)", builds[0], builds[1], builds[2]),
    ];
    lines.push(match earlier_build_times(prepared) {
        Some(times) => {
            let seconds: f64 = per_scenario
                .iter()
                .map(|(scenario, n)| *n as f64 * times.get(scenario).copied().unwrap_or_else(|| times.values().copied().fold(0.0, f64::max)))
                .sum();
            format!("  about {} (from the build times of the newest earlier study of this project)", buildbench_report::seconds(seconds))
        }
        None => "  no estimate of the time yet (no earlier study of this project); the progress shows one once builds finish".to_owned(),
    });
    lines
}

/// Median wall time of a measured build per scenario in the newest study of this project under
/// its target folder's `buildbench/`.
fn earlier_build_times(prepared: &buildbench_runner::Prepared) -> Option<std::collections::BTreeMap<Scenario, f64>> {
    let root = prepared.project.target_directory.join("buildbench");
    let mut studies: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&root)
        .ok()?
        .flatten()
        .map(|e| e.path().join("study.json"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    studies.sort();
    for (_, path) in studies.iter().rev() {
        let Ok(bytes) = std::fs::read(path) else { continue };
        let Ok(study) = buildbench_model::Study::from_json(&bytes) else { continue };
        let mut times: std::collections::BTreeMap<Scenario, Vec<f64>> = std::collections::BTreeMap::new();
        for sample in study.samples.iter().filter(|s| s.success && !s.warmup) {
            times.entry(sample.scenario).or_default().push(sample.wall_seconds);
        }
        if times.is_empty() {
            continue;
        }
        return Some(
            times
                .into_iter()
                .map(|(k, mut v)| {
                    v.sort_by(f64::total_cmp);
                    (k, v.get(v.len() / 2).copied().unwrap_or(0.0))
                })
                .collect(),
        );
    }
    None
}

/// Progress on stderr (none with --quiet). On a terminal, a bar with the current cell, the
/// sample and the ETA. Off a terminal (a CI log), plain lines: one per finished build, at most
/// one every `LOG_EVERY`, with the counts, the elapsed time and an estimate of what is left,
/// and a "still running" line when one build has been silent for `HEARTBEAT`, so a log never
/// goes quiet long enough for a CI system to take it for a hang.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
    /// Print every build's command before it runs.
    pub(crate) verbose: bool,
    log: Option<Arc<Mutex<Log>>>,
    heartbeat: Option<(mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
}

/// At most one progress line this often in a log.
const LOG_EVERY: Duration = Duration::from_secs(5);
/// A build silent this long gets a "still running" line.
const HEARTBEAT: Duration = Duration::from_secs(60);

/// What the log lines need.
struct Log {
    started: Instant,
    total: usize,
    /// The build running: its number, what it is, since when.
    current: Option<(usize, String, Instant)>,
    last_line: Instant,
}

impl Log {
    fn clock(d: Duration) -> String {
        let s = d.as_secs();
        if s >= 3600 {
            format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
        } else {
            format!("{}:{:02}", s / 60, s % 60)
        }
    }

    /// "[3/12 builds] 0:42 elapsed, about 2:48 left".
    fn line(&self, done: usize) -> String {
        let elapsed = self.started.elapsed();
        let left = if done > 0 && done < self.total {
            let each = elapsed.as_secs_f64() / done as f64;
            format!(", about {} left", Log::clock(Duration::from_secs_f64(each * (self.total - done) as f64)))
        } else {
            String::new()
        };
        format!("[{done}/{} builds] {} elapsed{left}", self.total, Log::clock(elapsed))
    }
}

impl Progress {
    pub(crate) fn new(quiet: bool) -> Progress {
        Progress { bar: None, quiet, verbose: false, log: None, heartbeat: None }
    }

    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some((stop, thread)) = self.heartbeat.take() {
            drop(stop);
            let _ = thread.join();
        }
        if let Some(log) = self.log.take() {
            let log = log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((number, _, _)) = log.current {
                eprintln!("{}", log.line(number));
            }
        }
    }

    fn say(&self, line: String) {
        let line = buildbench_report::format::terminal_safe(&line);
        match &self.bar {
            // A bar that is not drawn (stderr is not a terminal) would swallow the line.
            Some(bar) if !bar.is_hidden() => bar.println(line),
            // Notes, failures and skipped configurations are printed with --quiet too: it only
            // turns the progress bar off.
            _ => eprintln!("{line}"),
        }
    }

    /// Off a terminal: the log lines and their heartbeat thread.
    fn start_log(&mut self, builds: usize) {
        let log = Arc::new(Mutex::new(Log {
            started: Instant::now(),
            total: builds,
            current: None,
            last_line: Instant::now(),
        }));
        let (stop, stopped) = mpsc::channel::<()>();
        let shared = Arc::clone(&log);
        let thread = std::thread::spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(Duration::from_secs(5)) {
                let mut log = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if log.last_line.elapsed() < HEARTBEAT {
                    continue;
                }
                if let Some((number, what, since)) = &log.current {
                    eprintln!("[{number}/{}] still running {what}, {} so far", log.total, Log::clock(since.elapsed()));
                    log.last_line = Instant::now();
                }
            }
        });
        self.log = Some(log);
        self.heartbeat = Some((stop, thread));
    }
}

impl Observer for Progress {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Planned { builds, measured, warmup } => {
                if !self.quiet {
                    let prepare = builds - measured - warmup;
                    eprintln!("{builds} builds to run: {measured} measured, {warmup} warm-up, {prepare} preparation");
                    if !std::io::stderr().is_terminal() {
                        self.start_log(builds);
                        return;
                    }
                    let bar = ProgressBar::new(builds as u64);
                    bar.set_style(
                        ProgressStyle::with_template("{bar:30} {pos}/{len} builds, ETA {eta}  {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    bar.enable_steady_tick(Duration::from_millis(500));
                    self.bar = Some(bar);
                }
            }
            Event::Unavailable(u) => {
                let install = u.install.as_deref().map(|i| format!("; install with: {i}")).unwrap_or_default();
                self.say(format!("skipped {}: {}{install}", u.configuration, u.reason));
            }
            Event::Build { number, configuration, scenario, purpose, index, command } => {
                if self.verbose {
                    self.say(format!("[{number}] {command}"));
                }
                let what = match purpose {
                    Purpose::Prepare => "preparing".to_owned(),
                    Purpose::Warmup => format!("warm-up {}", index + 1),
                    Purpose::Measured => format!("sample {}", index + 1),
                };
                let what = format!("{configuration} / {scenario}: {what}");
                if let Some(bar) = &self.bar {
                    bar.set_position(number.saturating_sub(1) as u64);
                    bar.set_message(what.clone());
                }
                if let Some(log) = &self.log {
                    let mut log = log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    let done = number.saturating_sub(1);
                    if done > 0 && log.last_line.elapsed() >= LOG_EVERY {
                        eprintln!("{}; next: {}", log.line(done), buildbench_report::format::terminal_safe(&what));
                        log.last_line = Instant::now();
                    }
                    log.current = Some((number, what, Instant::now()));
                }
            }
            Event::Sample(_) => {}
            Event::Failed { configuration, scenario, stderr_tail } => {
                let last = buildbench_model::failure_reason(stderr_tail);
                self.say(format!("failed: {configuration} / {scenario}: {last} (its remaining samples are skipped)"));
            }
            Event::Extended { builds, scenario, round } => {
                if let Some(bar) = &self.bar {
                    bar.inc_length(builds as u64);
                }
                if let Some(log) = &self.log {
                    log.lock().unwrap_or_else(std::sync::PoisonError::into_inner).total += builds;
                }
                self.say(format!(
                    "{scenario}: sample {round} for {builds} configuration(s) that need more samples (--precision, --until-verdict, --until-decided)"
                ));
            }
            Event::Note(note) => self.say(note),
        }
    }
}
