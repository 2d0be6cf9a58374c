//! Runs a study: checks what can run, prepares an isolated copy of the project, executes the
//! planned steps, records every sample and rewrites `study.json` atomically after each one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use buildbench_model::stats::Summary;
use buildbench_model::{
    Artifact, Backend, Cache, Configuration, Invocation as Logged, Linker, Plan, Purpose, SCHEMA_VERSION, Sample,
    Scenario, Study, Unavailable, UnitTiming,
};

use crate::cargo::{BuildContext, LinkWrapper, UserConfig, cargo_invocation};
use crate::edit::{RestoreGuard, edited};
use crate::exec::{Executor, Outcome};
use crate::fsutil::{copy_project, remove_tree, write_atomic};
use crate::plan::{Action, Done, Planner, Step, shard_runnable, steps};
use crate::probe::{Toolchain, linker_requirement, which};
use crate::project::Project;
use crate::{RunnerError, Sccache, elf};

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct StudyOptions {
    /// The project directory (or its Cargo.toml); with `None`, the project of the resumed
    /// study, else the current directory.
    pub project: Option<PathBuf>,
    /// The output folder: `study.json`, and `work/` while the study runs. `None`: a new
    /// folder `buildbench/<out_name>` in the project's target directory.
    pub out: Option<PathBuf>,
    /// Continue the study in `out`.
    pub resume: bool,
    /// The name of the default output folder (a timestamp).
    pub out_name: String,
    pub plan: Plan,
    /// `-p`: which package's main file the incremental scenarios edit by default.
    pub package: Option<String>,
    /// Keep `work/` (the copy and every target directory) after the study.
    pub keep_work: bool,
    /// The buildbench executable, used as a linker wrapper to time every link; `None` turns
    /// link timing off.
    pub link_wrapper: Option<PathBuf>,
}

/// What happens, for progress displays. The runner never prints.
#[derive(Debug)]
pub enum Event<'a> {
    /// The plan is known: how many builds will run, and how many are measured, warm-up and
    /// preparation builds.
    Planned {
        builds: usize,
        measured: usize,
        warmup: usize,
    },
    Unavailable(&'a Unavailable),
    /// A build starts.
    Build {
        number: usize,
        configuration: &'a str,
        scenario: Scenario,
        purpose: Purpose,
        index: u32,
    },
    /// A sample was recorded (warm-up or measured).
    Sample(&'a Sample),
    /// Adaptive sampling added a round of `builds` builds to `scenario`.
    Extended {
        builds: usize,
        scenario: Scenario,
        round: u32,
    },
    /// A configuration failed to build; its remaining samples are skipped.
    Failed {
        configuration: &'a str,
        scenario: Scenario,
        stderr_tail: &'a str,
    },
    Note(String),
}

/// Receives progress events.
pub trait Observer {
    fn event(&mut self, event: Event<'_>);
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {
    fn event(&mut self, _: Event<'_>) {}
}

/// A study checked and planned, before anything is written or built.
pub struct Prepared {
    pub options: StudyOptions,
    /// The output folder, resolved (absolute, symlinks resolved).
    pub out: PathBuf,
    /// An interrupted `--in-place` run left files to restore; `run` restores them first.
    pub pending_restore: bool,
    pub project: Project,
    pub toolchains: HashMap<String, Toolchain>,
    /// Toolchains whose unchanged default linker is rustc's bundled rust-lld.
    pub rust_lld: HashMap<String, bool>,
    /// The linker each toolchain uses unchanged, read from a probe binary.
    pub default_linkers: HashMap<String, Option<String>>,
    pub runnable: Vec<usize>,
    pub unavailable: Vec<Unavailable>,
    /// The edited file, relative to the project root.
    pub edit_file: Option<PathBuf>,
    pub user_config: UserConfig,
    pub steps: Vec<Step>,
    /// Samples a resumed study already has: (configuration, scenario, warm-up, index).
    pub done: Done,
    /// A study being resumed.
    pub previous: Option<Study>,
    /// Where cargo runs.
    pub source: PathBuf,
    pub work: PathBuf,
}

fn toolchain_key(configuration: &Configuration) -> String {
    configuration.toolchain.clone().unwrap_or_else(|| "default".to_owned())
}

/// Resolves the project and toolchains, checks every configuration, plans the steps.
/// Writes nothing and builds nothing, so `--dry-run` can show the result.
pub fn prepare(mut options: StudyOptions) -> Result<Prepared, RunnerError> {
    let previous = match (&options.out, options.resume) {
        (Some(out), true) => {
            let study_file = out.join("study.json");
            if !study_file.is_file() {
                return Err(RunnerError::Study {
                    path: out.clone(),
                    problem: "no study.json to resume; pass the output folder of an interrupted study".to_owned(),
                });
            }
            let bytes = std::fs::read(&study_file).map_err(RunnerError::io(&study_file, "cannot read"))?;
            let study = Study::from_json(&bytes).map_err(|e| RunnerError::Study {
                path: study_file.clone(),
                problem: format!("{e}; it cannot be resumed"),
            })?;
            options.plan = study.plan.clone();
            Some(study)
        }
        (Some(out), false) if out.join("study.json").exists() => {
            return Err(RunnerError::Study {
                path: out.clone(),
                problem: format!(
                    "already holds a study; continue it with --resume {} or pick another --out",
                    crate::shell_quote(&out.to_string_lossy())
                ),
            });
        }
        _ => None,
    };
    // A resumed study continues on its own project: another one is refused, not measured
    // into it.
    let project_path = match (&options.project, &previous) {
        (Some(given), Some(study)) => {
            let (given, recorded) = (crate::paths::resolve(given)?, crate::paths::resolve(Path::new(&study.project))?);
            if given != recorded {
                return Err(RunnerError::OtherProject { recorded, given });
            }
            given
        }
        (Some(given), None) => given.clone(),
        (None, Some(study)) => PathBuf::from(&study.project),
        (None, None) => PathBuf::from("."),
    };

    let default = Toolchain::resolve(None)?;
    let mut project = Project::load(&default.cargo, &project_path)?;
    project.root = crate::paths::resolve(&project.root)?;
    let out = match &options.out {
        Some(out) => crate::paths::resolve(out)?,
        None => crate::paths::resolve(&project.target_directory.join("buildbench").join(&options.out_name))?,
    };
    crate::paths::check_apart(&project.root, &project.target_directory, &out, "--out")?;
    let owned = out.join(crate::paths::MARKER).is_file() || out.join("study.json").is_file();
    if !owned && std::fs::read_dir(&out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(RunnerError::NotOwned { what: "--out".to_owned(), dir: out });
    }
    let mut toolchains = HashMap::new();
    let mut rust_lld = HashMap::new();
    let mut default_linkers = HashMap::new();
    let mut unavailable = Vec::new();
    let mut runnable = Vec::new();
    for (i, configuration) in options.plan.configurations.iter().enumerate() {
        let key = toolchain_key(configuration);
        if !toolchains.contains_key(&key) {
            let resolved = if key == "default" { Ok(default.clone()) } else { Toolchain::resolve(Some(&key)) };
            match resolved {
                Ok(tc) => {
                    let linker = tc.default_linker().ok();
                    rust_lld.insert(key.clone(), linker.as_deref().is_some_and(|l| l.contains("rust-lld")));
                    default_linkers.insert(key.clone(), linker);
                    toolchains.insert(key.clone(), tc);
                }
                Err(e) => {
                    unavailable.push(Unavailable {
                        configuration: configuration.name.clone(),
                        reason: format!("toolchain {key} is not usable: {e}"),
                        install: Some(format!(
                            "rustup toolchain install {} --profile minimal",
                            crate::shell_quote(&key)
                        )),
                    });
                    continue;
                }
            }
        }
        match check(configuration, &toolchains[&key]) {
            Ok(()) => runnable.push(i),
            Err(u) => unavailable.push(u),
        }
    }
    if !project.outside_paths.is_empty() && !options.plan.in_place {
        return Err(RunnerError::NeedsInPlace { paths: project.outside_paths.clone() });
    }

    let needs_edit = options.plan.scenarios.iter().any(|s| s.edits_source());
    let edit_file = match (&options.plan.edit_file, needs_edit) {
        (Some(f), _) => Some(PathBuf::from(f)),
        (None, true) => {
            let file = project.default_edit_file(options.package.as_deref()).ok_or_else(|| RunnerError::EditFile {
                path: project.root.clone(),
                problem: "no binary or library target to edit; pass --edit FILE".to_owned(),
            })?;
            Some(file.strip_prefix(&project.root).unwrap_or(file).to_owned())
        }
        (None, false) => None,
    };
    if let Some(f) = &edit_file {
        let full = project.root.join(f);
        if !full.is_file() || !full.starts_with(&project.root) {
            return Err(RunnerError::EditFile {
                path: full,
                problem: "the file to edit must be a source file inside the project".to_owned(),
            });
        }
        // In place, the file really edited is the one a symlink points to: it must be the
        // project's. (A copy replaces such a link by a file of its own, see `run`.)
        let real = crate::paths::resolve(&full)?;
        if options.plan.in_place && !real.starts_with(&project.root) {
            return Err(RunnerError::EditFile {
                path: full,
                problem: format!(
                    "a symlink to {}, outside the project; --in-place would edit that file. Run without \
                     --in-place (the copy edits its own file) or pass --edit with a file inside the project",
                    real.display()
                ),
            });
        }
        options.plan.edit_file = Some(f.display().to_string());
    }

    let (runnable, done, steps) = schedule(&options.plan, runnable, previous.as_ref());
    let plan = &options.plan;
    let work = out.join("work");
    let source = if plan.in_place { project.root.clone() } else { work.join("src") };
    let user_config = UserConfig::detect(&default.cargo, &project.root, &default.host);
    let pending_restore = crate::edit::journal_path(&project.root).is_file();
    options.project = Some(project.root.clone());
    Ok(Prepared {
        options,
        out,
        pending_restore,
        project,
        toolchains,
        rust_lld,
        default_linkers,
        runnable,
        unavailable,
        edit_file,
        user_config,
        steps,
        done,
        previous,
        source,
        work,
    })
}

/// The steps still to run: all of them for a new study; for a resumed one (`previous`), only
/// the samples it lacks, and none of a configuration that already failed (it is not retried).
/// Returns the configurations that will run, the samples already done, and the steps.
pub fn schedule(plan: &Plan, mut runnable: Vec<usize>, previous: Option<&Study>) -> (Vec<usize>, Done, Vec<Step>) {
    let done: Done = previous
        .iter()
        .flat_map(|s| &s.samples)
        .map(|s| (s.configuration.clone(), s.scenario, s.warmup, s.index))
        .collect();
    let failed: Vec<&str> =
        previous.iter().flat_map(|s| &s.samples).filter(|s| !s.success).map(|s| s.configuration.as_str()).collect();
    runnable.retain(|&i| plan.configurations.get(i).is_some_and(|c| !failed.contains(&c.name.as_str())));
    let steps = steps(plan, &runnable, &done);
    (runnable, done, steps)
}

/// Is everything this configuration needs installed? If not, say how to install it.
fn check(configuration: &Configuration, toolchain: &Toolchain) -> Result<(), Unavailable> {
    let missing = |reason: String, install: &str| Unavailable {
        configuration: configuration.name.clone(),
        reason,
        install: Some(install.to_owned()),
    };
    if let Some((program, install)) = linker_requirement(configuration.linker)
        && which(program).is_none()
    {
        return Err(missing(format!("linker {} needs `{program}` on PATH", configuration.linker), install));
    }
    if configuration.linker != Linker::Default && which("cc").is_none() {
        return Err(missing("choosing a linker needs a C compiler driver `cc`".to_owned(), "apt-get install -y gcc"));
    }
    if configuration.cache == Cache::Sccache && which("sccache").is_none() {
        return Err(missing("sccache is not on PATH".to_owned(), "apt-get install -y sccache"));
    }
    if configuration.backend == Backend::Cranelift && !toolchain.has_cranelift() {
        let name = toolchain.label();
        return Err(missing(
            format!("toolchain {name} has no Cranelift backend"),
            &format!("rustup component add rustc-codegen-cranelift-preview --toolchain {}", crate::shell_quote(name)),
        ));
    }
    Ok(())
}

impl Prepared {
    fn target_dir(&self, configuration: &Configuration) -> PathBuf {
        self.work.join("target").join(&configuration.name)
    }

    fn sccache_for(&self, configuration: &Configuration, ports: &HashMap<String, u16>) -> Option<Sccache> {
        (configuration.cache == Cache::Sccache).then(|| Sccache {
            program: which("sccache").unwrap_or_else(|| PathBuf::from("sccache")),
            dir: self.work.join("sccache").join(&configuration.name),
            port: ports.get(&configuration.name).copied().unwrap_or(0),
            conf: self.work.join("sccache").join("empty-config"),
        })
    }

    fn link_log(&self, configuration: &Configuration) -> PathBuf {
        self.work.join("links").join(format!("{}.jsonl", configuration.name))
    }

    fn wild_dir(&self) -> PathBuf {
        self.work.join("wild-bin")
    }

    /// The exact build command of a step.
    pub fn build_invocation(&self, step: &Step, check: bool, ports: &HashMap<String, u16>) -> crate::Invocation {
        let configuration = &self.options.plan.configurations[step.configuration];
        let key = toolchain_key(configuration);
        let sccache = self.sccache_for(configuration, ports);
        let wild = self.wild_dir();
        let ctx = BuildContext {
            toolchain: &self.toolchains[&key],
            toolchain_uses_rust_lld: self.rust_lld.get(&key).copied().unwrap_or(false),
            source: &self.source,
            target_dir: self.target_dir(configuration),
            cargo_args: &self.options.plan.cargo_args,
            cargo_profile: cargo_profile(&self.options.plan.cargo_args),
            rustflags: &self.user_config.rustflags,
            sccache: sccache.as_ref(),
            wild_dir: Some(&wild),
            link_wrapper: self.options.link_wrapper.as_deref().map(|program| LinkWrapper {
                program,
                real: self.user_config.linker.as_deref().unwrap_or("cc"),
                log: self.link_log(configuration),
                mode: crate::cargo::WrapperMode::Time,
                capture_dir: None,
            }),
            temp_dir: Some(self.work.join("tmp")),
        };
        cargo_invocation(configuration, check, &ctx)
    }

    /// Every step as text, for `--dry-run`.
    pub fn describe(&self) -> Vec<String> {
        let ports = HashMap::new();
        let mut lines = Vec::new();
        if self.pending_restore {
            lines.push(format!(
                "first restore the files an interrupted --in-place run left edited in {} (see `buildbench restore`)",
                self.project.root.display()
            ));
        }
        for step in &self.steps {
            let configuration = &self.options.plan.configurations[step.configuration];
            let what = format!("[{} / {}]", configuration.name, step.scenario);
            lines.push(match step.action {
                Action::WipeTarget => format!("{what} rm -rf {}", self.target_dir(configuration).display()),
                Action::WipeCache => format!("{what} empty the private sccache cache"),
                Action::Edit => format!(
                    "{what} edit {} (append a new function)",
                    self.edit_file.as_deref().map_or_else(String::new, |f| f.display().to_string())
                ),
                Action::Build { check, purpose, index } => {
                    let label = match purpose {
                        Purpose::Prepare => "prepare".to_owned(),
                        Purpose::Warmup => format!("warm-up {}", index + 1),
                        Purpose::Measured => format!("sample {}", index + 1),
                    };
                    format!("{what} {label}: {}", self.build_invocation(step, check, &ports).shell_line())
                }
            });
        }
        lines
    }
}

/// `dev`, or `release` when `--release` (or `--profile NAME`) is among the cargo arguments.
pub fn cargo_profile(args: &[String]) -> &str {
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if a == "--release" || a == "-r" {
            return "release";
        }
        if a == "--profile" {
            return iter.next().map_or("dev", String::as_str);
        }
        if let Some(p) = a.strip_prefix("--profile=") {
            return p;
        }
    }
    "dev"
}

/// Runs a prepared study to the end (or until `interrupted`), saving after every sample.
pub fn run(
    prepared: Prepared,
    executor: &mut dyn Executor,
    observer: &mut dyn Observer,
    interrupted: &Arc<AtomicBool>,
) -> Result<Study, RunnerError> {
    let p = &prepared;
    let out = &p.out;
    // The output folder is buildbench's (marked) and one run's at a time.
    crate::paths::claim(out, "--out", Some("study.json"))?;
    let _out_lock = crate::lock::acquire(&out.join(".buildbench-lock"), "the output folder")?;
    let study_file = out.join("study.json");
    // One run at a time edits, restores or copies the project: an interrupted --in-place run's
    // files are put back first, and a copy never catches another run's edit.
    let mut project_lock = Some(crate::lock::project_lock(&p.project.root)?);
    let recovered = crate::edit::recover(&p.project.root)?;
    report_restore(observer, &recovered, "an interrupted run");

    let mut toolchains: Vec<_> =
        p.toolchains.iter().map(|(key, tc)| tc.info(p.default_linkers.get(key).cloned().flatten())).collect();
    toolchains.sort_by(|a, b| a.name.cmp(&b.name));
    let mut study = match &p.previous {
        Some(previous) => previous.clone(),
        None => Study {
            schema_version: SCHEMA_VERSION,
            buildbench_version: env!("CARGO_PKG_VERSION").to_owned(),
            started_at: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            project: p.project.root.display().to_string(),
            environment: crate::probe::environment(
                toolchains,
                &["cc", "ld.bfd", "ld.gold", "ld.lld", "mold", "wild", "sccache"],
            ),
            plan: p.options.plan.clone(),
            unavailable: Vec::new(),
            samples: Vec::new(),
            invocations: Vec::new(),
            complete: false,
            merged_from: Vec::new(),
            mixed_environments: Vec::new(),
        },
    };
    study.unavailable = p.unavailable.clone();
    study.complete = false;
    for u in &p.unavailable {
        observer.event(Event::Unavailable(u));
    }
    let builds = p.steps.iter().filter(|s| matches!(s.action, Action::Build { .. })).count();
    let count = |wanted: Purpose| {
        p.steps.iter().filter(|s| matches!(s.action, Action::Build { purpose, .. } if purpose == wanted)).count()
    };
    observer.event(Event::Planned { builds, measured: count(Purpose::Measured), warmup: count(Purpose::Warmup) });
    save(&study_file, &study)?;

    crate::paths::claim(&p.work, "the work folder", None)?;
    let temp = p.work.join("tmp");
    std::fs::create_dir_all(&temp).map_err(RunnerError::io(&temp, "cannot create"))?;
    let edit_path = p.edit_file.as_ref().map(|f| p.source.join(f));
    let mut guarded = Vec::new();
    if p.options.plan.in_place {
        guarded.extend(edit_path.clone().map(|f| (f, false)));
        // Cargo may write a missing or stale lock file.
        guarded.push((p.source.join("Cargo.lock"), true));
        // Everything written must be writable before the first build, not after it.
        for (file, _) in &guarded {
            let check = if file.exists() { file.as_path() } else { &p.project.root };
            if !crate::exec::writable(check) {
                return Err(RunnerError::NotWritable { path: check.to_owned() });
            }
        }
    } else {
        // The isolated copy: the user's tree is only ever read.
        remove_tree(&p.source)?;
        copy_project(&p.project.root, &p.project.target_directory, &p.source, std::slice::from_ref(&p.work))?;
        if let Some(f) = &p.edit_file {
            crate::fsutil::materialize(&p.source, f)?;
        }
        project_lock = None;
    }
    let journal = p
        .options
        .plan
        .in_place
        .then(|| (crate::edit::journal_path(&p.project.root), p.project.root.as_path(), Some(out.as_path())));
    let mut guard = RestoreGuard::new(&guarded, journal)?;
    let original = match &edit_path {
        Some(path) => Some(std::fs::read(path).map_err(RunnerError::io(path, "cannot read the file to edit"))?),
        None => None,
    };
    if p.runnable.iter().any(|&i| p.options.plan.configurations[i].linker == Linker::Wild)
        && let Some(wild) = which("wild")
    {
        let dir = p.wild_dir();
        std::fs::create_dir_all(&dir).map_err(RunnerError::io(&dir, "cannot create"))?;
        let _ = std::fs::remove_file(dir.join("ld"));
        std::os::unix::fs::symlink(wild, dir.join("ld")).map_err(RunnerError::io(dir.join("ld"), "cannot link"))?;
    }

    let mut ports = HashMap::new();
    let mut servers: HashMap<String, Sccache> = HashMap::new();
    // Servers an earlier, killed run of this study left running are stopped first.
    let ports_file = p.work.join("sccache-ports.json");
    crate::sccache::stop_recorded(&ports_file);
    for &i in &p.runnable {
        let configuration = &p.options.plan.configurations[i];
        if configuration.cache == Cache::Sccache {
            ports.insert(configuration.name.clone(), crate::sccache::free_port()?);
            if let Some(server) = p.sccache_for(configuration, &ports) {
                crate::sccache::record(&ports_file, &server)?;
                server.start()?;
                servers.insert(configuration.name.clone(), server);
            }
        }
    }

    let result = Execution {
        p,
        study: &mut study,
        executor,
        observer,
        interrupted,
        ports: &ports,
        servers: &servers,
        guard: &mut guard,
        edit_path: edit_path.as_deref(),
        original: original.as_deref(),
        failed: Vec::new(),
        edits: 0,
        number: 0,
    }
    .execute();
    for server in servers.values() {
        server.stop();
    }
    let _ = std::fs::remove_file(&ports_file);
    let restored = guard.restore()?;
    report_restore(observer, &restored, "this run");
    drop(guard);
    drop(project_lock);
    if let (Some(path), Some(original)) = (&edit_path, &original)
        && !p.options.plan.in_place
    {
        let _ = std::fs::write(path, original);
    }
    study.complete = result.is_ok();
    save(&study_file, &study)?;
    result?;
    if !p.options.keep_work {
        crate::paths::remove_owned(&p.work)?;
    }
    Ok(study)
}

/// Tells the observer what a restore did, above all which files were kept as someone else left
/// them.
fn report_restore(observer: &mut dyn Observer, done: &crate::edit::Restored, by: &str) {
    for path in &done.restored {
        observer.event(Event::Note(format!("restored {} as it was before {by}", path.display())));
    }
    for path in &done.kept {
        observer.event(Event::Note(format!(
            "kept {} as it is now: it changed during {by}, not by buildbench, so it was not restored",
            path.display()
        )));
    }
}

fn save(path: &Path, study: &Study) -> Result<(), RunnerError> {
    let bytes =
        serde_json::to_vec_pretty(study).map_err(|e| RunnerError::Encode { what: "study", detail: e.to_string() })?;
    write_atomic(path, &bytes)
}

/// Everything one run of the steps needs and updates.
struct Execution<'a> {
    p: &'a Prepared,
    study: &'a mut Study,
    executor: &'a mut dyn Executor,
    observer: &'a mut dyn Observer,
    interrupted: &'a Arc<AtomicBool>,
    ports: &'a HashMap<String, u16>,
    servers: &'a HashMap<String, Sccache>,
    /// Writes the edits (through the journal, in place).
    guard: &'a mut RestoreGuard,
    /// The file the incremental scenarios edit, and its original bytes.
    edit_path: Option<&'a Path>,
    original: Option<&'a [u8]>,
    /// Configurations whose build failed: their remaining steps are skipped.
    failed: Vec<usize>,
    /// Edits applied so far (numbers every edit uniquely).
    edits: u64,
    /// Builds started so far, for progress.
    number: usize,
}

impl Execution<'_> {
    /// Runs every scenario's rounds, and adaptive extra rounds where asked for.
    fn execute(mut self) -> Result<(), RunnerError> {
        let p = self.p;
        let plan = &p.options.plan;
        // Edit numbers continue after those of a resumed study, so no two builds see the same text.
        self.edits = self.study.invocations.len() as u64;
        let mut planner = Planner::new(&plan.configurations);
        for &scenario in &plan.scenarios {
            let runnable = shard_runnable(plan, &p.runnable, scenario);
            let mut steps = planner.scenario(scenario, plan.warmup, plan.runs, &runnable, &p.done);
            let mut next_index = plan.runs;
            loop {
                for step in &steps {
                    self.run_step(step)?;
                }
                // Adaptive sampling: another round for the cells whose interval is still too wide.
                let Some(target) = plan.precision else { break };
                if next_index >= plan.max_runs.max(plan.runs) {
                    break;
                }
                let imprecise: Vec<usize> = runnable
                    .iter()
                    .copied()
                    .filter(|&c| !self.failed.contains(&c) && crate::plan::applies(&plan.configurations[c], scenario))
                    .filter(|&c| {
                        let times = self.study.wall_times(&plan.configurations[c].name, scenario);
                        Summary::of(&times).and_then(|s| s.relative_precision()).is_none_or(|r| r > target)
                    })
                    .collect();
                if imprecise.is_empty() {
                    break;
                }
                steps = planner.round(scenario, Purpose::Measured, next_index, &imprecise, &p.done);
                let builds = steps.iter().filter(|s| matches!(s.action, Action::Build { .. })).count();
                self.observer.event(Event::Extended { builds, scenario, round: next_index + 1 });
                next_index += 1;
            }
        }
        Ok(())
    }

    /// Runs one step and records what it measured.
    fn run_step(&mut self, step: &Step) -> Result<(), RunnerError> {
        let p = self.p;
        let study_file = p.out.join("study.json");
        if self.interrupted.load(Ordering::SeqCst) {
            return Err(RunnerError::Interrupted { out: Some(p.out.clone()) });
        }
        let configuration = &p.options.plan.configurations[step.configuration];
        match step.action {
            // Edits are shared by every configuration, so they happen even for a failed one.
            Action::Edit => {
                if let (Some(path), Some(original)) = (self.edit_path, self.original) {
                    self.edits += 1;
                    self.guard.write(path, &edited(original, self.edits), &p.out)?;
                }
            }
            _ if self.failed.contains(&step.configuration) => {}
            Action::WipeTarget => remove_tree(&p.target_dir(configuration))?,
            Action::WipeCache => {
                if let Some(server) = self.servers.get(&configuration.name) {
                    server.wipe()?;
                }
            }
            Action::Build { check, purpose, index } => {
                self.number += 1;
                self.observer.event(Event::Build {
                    number: self.number,
                    configuration: &configuration.name,
                    scenario: step.scenario,
                    purpose,
                    index,
                });
                let server = self.servers.get(&configuration.name);
                if let Some(server) = server {
                    server.zero()?;
                }
                let invocation = p.build_invocation(step, check, self.ports);
                let link_log = p.link_log(configuration);
                if let Some(dir) = link_log.parent() {
                    std::fs::create_dir_all(dir).map_err(RunnerError::io(dir, "cannot create"))?;
                }
                let _ = std::fs::remove_file(&link_log);
                let outcome = self.executor.run(&invocation).map_err(|e| RunnerError::Command {
                    command: invocation.shell_line(),
                    detail: format!("cannot start it: {e}"),
                })?;
                self.study.invocations.push(Logged {
                    configuration: configuration.name.clone(),
                    scenario: step.scenario,
                    purpose,
                    command: invocation.shell_line(),
                    wall_seconds: outcome.wall.as_secs_f64(),
                });
                if self.interrupted.load(Ordering::SeqCst) {
                    return Err(RunnerError::Interrupted { out: Some(p.out.clone()) });
                }
                let sccache = match server {
                    Some(server) => Some(server.stats()?),
                    None => None,
                };
                let target_dir = p.target_dir(configuration);
                if !outcome.success() || purpose != Purpose::Prepare {
                    let mut sample = sample_from(&outcome, &p.project, &target_dir);
                    sample.links = links(&crate::linkwrap::read_log(&link_log), &sample.artifacts);
                    if let Some(warning) = link_disagreement(&sample) {
                        self.observer
                            .event(Event::Note(format!("{} / {}: {warning}", configuration.name, step.scenario)));
                    }
                    sample.configuration = configuration.name.clone();
                    sample.scenario = step.scenario;
                    sample.index = index;
                    sample.warmup = purpose != Purpose::Measured;
                    sample.sccache = sccache;
                    if !outcome.success() {
                        self.failed.push(step.configuration);
                        self.observer.event(Event::Failed {
                            configuration: &configuration.name,
                            scenario: step.scenario,
                            stderr_tail: sample.stderr_tail.as_deref().unwrap_or(""),
                        });
                    }
                    self.observer.event(Event::Sample(&sample));
                    self.study.samples.push(sample);
                }
                remove_reports(&target_dir);
                save(&study_file, self.study)?;
            }
        }
        Ok(())
    }
}

/// A sample from one finished build.
fn sample_from(outcome: &Outcome, project: &Project, target_dir: &Path) -> Sample {
    let stderr = String::from_utf8_lossy(&outcome.stderr);
    let report = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Timing report saved to "))
        .map(|p| PathBuf::from(p.trim()))
        .or_else(|| Some(target_dir.join("cargo-timings/cargo-timing.html")).filter(|p| p.exists()));
    let parsed = report.and_then(|r| std::fs::read(&r).ok()).and_then(|bytes| buildbench_timings::parse(&bytes).ok());
    let units = parsed
        .as_ref()
        .map(|p| {
            p.build
                .units
                .iter()
                .filter(|u| u.ran())
                .filter_map(|u| {
                    let split = buildbench_timings::split(u);
                    Some(UnitTiming {
                        name: u.name.clone(),
                        version: u.version.clone(),
                        target: u.target.clone(),
                        kind: u.kind.as_str().to_owned(),
                        mode: u.mode.as_str().to_owned(),
                        start: u.start?,
                        duration: u.duration.unwrap_or(0.0),
                        frontend: split.map(|s| s.frontend),
                        codegen: split.map(|s| s.codegen),
                        link: split.map(|s| s.link).filter(|_| u.sections.iter().any(|s| s.name == "link")),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let build = parsed.as_ref().map(|p| &p.build);
    let analysis = build.map(|b| buildbench_timings::analyze(b, 0));
    let critical = analysis.as_ref().and_then(|a| a.critical_path.as_ref());
    Sample {
        configuration: String::new(),
        scenario: Scenario::Clean,
        index: 0,
        warmup: false,
        wall_seconds: outcome.wall.as_secs_f64(),
        user_seconds: outcome.user_seconds,
        system_seconds: outcome.system_seconds,
        max_rss_bytes: outcome.max_rss_bytes,
        exit_code: outcome.exit_code,
        success: outcome.success(),
        stderr_tail: (!outcome.success()).then(|| {
            // The line that says what failed leads, even when it is older than the last 20.
            let tail = outcome.stderr_tail(20);
            let reason = buildbench_model::failure_reason(&stderr);
            if tail.contains(&reason) { tail } else { format!("{reason}\n[...]\n{tail}") }
        }),
        fresh_units: build.and_then(|b| b.fresh_units),
        dirty_units: build.and_then(|b| b.dirty_units),
        cargo_seconds: build.and_then(|b| b.total_seconds),
        units,
        critical_path: match (critical, build) {
            (Some(c), Some(b)) => c.units.iter().map(|&i| b.units[i].label()).collect(),
            _ => Vec::new(),
        },
        critical_path_seconds: critical.map(|c| c.seconds),
        sccache: None,
        artifacts: artifacts(&outcome.stdout, project),
        links: Vec::new(),
    }
}

/// With `-Zsection-timings` (nightly), cargo reports each unit's link section too. The wrapper
/// times only the linker process, so it must not exceed the section (beyond cargo's 10 ms
/// rounding) nor fall far below it; a mismatch means a link was missed or mis-attributed.
pub(crate) fn link_disagreement(sample: &Sample) -> Option<String> {
    let wrapper = sample.artifact_link_seconds()?;
    let section: f64 = sample
        .units
        .iter()
        .filter(|u| matches!(u.kind.as_str(), "bin" | "test" | "bench" | "example"))
        .filter_map(|u| u.link)
        .sum();
    if section <= 0.0 {
        return None;
    }
    let agree = wrapper <= section + 0.011 && section - wrapper <= 0.02 + 0.25 * section;
    (!agree).then(|| {
        format!("the linker wrapper timed {wrapper:.3}s of linking but cargo's link sections say {section:.3}s")
    })
}

/// The timed links of a build; those whose output is a final artifact of the workspace are
/// marked (rustc links `deps/<crate_name>-<hash>`, which cargo then hard-links as the artifact).
pub(crate) fn links(records: &[crate::linkwrap::LinkRecord], artifacts: &[Artifact]) -> Vec<buildbench_model::Link> {
    records
        .iter()
        .map(|r| {
            let output = r.output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let stem = artifact_stem(&output);
            let artifact = artifacts.iter().any(|a| a.name.replace('-', "_") == stem);
            buildbench_model::Link { output, seconds: r.seconds, artifact }
        })
        .collect()
}

/// The crate name a link output is named after: `name-<hash>` for executables, `libname.so`
/// for cdylibs.
pub(crate) fn artifact_stem(output: &str) -> &str {
    match output.strip_suffix(".so") {
        Some(lib) => lib.strip_prefix("lib").unwrap_or(lib),
        None => output.rsplit_once('-').map_or(output, |(stem, _)| stem),
    }
}

/// Final artifacts of workspace members from `compiler-artifact` messages.
///
/// Members are matched by package name and version, not by id: in the copy the package path
/// changes, and with it the id's spelling (cargo omits the name when it equals the directory
/// name, so `…/mini-redis#0.4.1` becomes `…/src#mini-redis@0.4.1`).
pub(crate) fn artifacts(stdout: &[u8], project: &Project) -> Vec<Artifact> {
    let identity = |id: &str| {
        let p = buildbench_timings::PackageId::parse(id);
        (p.name, p.version)
    };
    let members: Vec<(String, Option<String>)> = project.members.iter().map(|m| identity(m)).collect();
    let linked = |k: &&String| matches!(k.as_str(), "bin" | "cdylib" | "dylib" | "test" | "bench" | "example");
    let mut out = Vec::new();
    for message in buildbench_timings::artifact_messages(&String::from_utf8_lossy(stdout)) {
        if !message.package_id.starts_with("path+") || !members.contains(&identity(&message.package_id)) {
            continue;
        }
        let Some(kind) = message.kinds.iter().find(linked) else { continue };
        let file =
            message.executable.clone().or_else(|| message.filenames.iter().find(|f| f.ends_with(".so")).cloned());
        let Some(file) = file else { continue };
        let Ok(bytes) = std::fs::read(&file) else { continue };
        out.push(Artifact {
            name: message.target.clone(),
            kind: kind.clone(),
            bytes: bytes.len() as u64,
            linker: elf::linker_of(&bytes),
        });
    }
    out
}

/// Deletes the `--timings` reports of a build once parsed, so they do not pile up.
fn remove_reports(target_dir: &Path) {
    let dir = target_dir.join("cargo-timings");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_of_a_root_package_named_like_its_directory_are_found_in_the_copy() {
        // The user's tree: /src/mini-redis (id without the name); the copy: /out/work/src.
        let project = Project {
            root: PathBuf::from("/src/mini-redis"),
            target_directory: PathBuf::from("/src/mini-redis/target"),
            members: vec!["path+file:///src/mini-redis#0.4.1".to_owned()],
            targets: Vec::new(),
            outside_paths: Vec::new(),
        };
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("mini-redis-server");
        std::fs::write(&exe, b"not elf").unwrap();
        let line = format!(
            r#"{{"reason":"compiler-artifact","package_id":"path+file:///out/work/src#mini-redis@0.4.1","target":{{"kind":["bin"],"name":"mini-redis-server"}},"executable":"{}","fresh":false}}"#,
            exe.display()
        );
        let dep = r#"{"reason":"compiler-artifact","package_id":"registry+https://registry.invalid/index#tokio@1.0.0","target":{"kind":["bin"],"name":"x"},"executable":"/nope"}"#;
        let found = artifacts(format!("{line}\n{dep}\n").as_bytes(), &project);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].name.as_str(), found[0].kind.as_str(), found[0].bytes), ("mini-redis-server", "bin", 7));
    }
}
