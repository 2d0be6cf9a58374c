//! Before anything is written or built: resolve the project, its toolchains and output folder,
//! check which configurations can run here, and plan the steps (what `--dry-run` shows).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use buildbench_model::{Backend, Cache, Configuration, Linker, Plan, Purpose, Study, Unavailable};

use crate::build::cargo::{BuildContext, LinkWrapper, UserConfig, cargo_invocation};
use crate::build::probe::{ResolvedToolchain, Toolchain, which};
use crate::build::project::Project;
use crate::study::plan::{Action, Done, Step, steps};
use crate::{RunnerError, Sccache};
use buildbench_model::cargo_args::CargoArgs;

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
    /// Keep `work/` (the copy and every target directory) after the study.
    pub keep_work: bool,
    /// The buildbench executable, used as a linker wrapper to time every link; `None` turns
    /// link timing off.
    pub link_wrapper: Option<PathBuf>,
    /// `--rev`: the git revisions to measure, base first (`SPEC` or `NAME=SPEC`); empty for a
    /// study of the project as it is. Ignored when resuming (the study has its own).
    pub revisions: Vec<String>,
}

/// A study checked and planned, before anything is written or built.
pub struct Prepared {
    pub options: StudyOptions,
    /// The output folder, resolved (absolute, symlinks resolved).
    pub out: PathBuf,
    /// An interrupted `--in-place` run left files to restore; `run` restores them first.
    pub pending_restore: bool,
    pub project: Project,
    /// Every toolchain the study uses, by name (`default` for the default toolchain).
    pub toolchains: HashMap<String, ResolvedToolchain>,
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
    /// Where cargo runs (outside a rev study).
    pub source: PathBuf,
    pub work: PathBuf,
    /// The git repository of a rev study, which each revision is exported from.
    pub repository: Option<crate::study::revision::Repository>,
    /// `work` is shared with other studies of the same sources (`share_work`).
    pub shared_work: bool,
}

fn toolchain_key(configuration: &Configuration) -> String {
    configuration.toolchain.clone().unwrap_or_else(|| "default".to_owned())
}

/// Resolves the project and toolchains, checks every configuration, plans the steps.
/// Writes nothing and builds nothing, so `--dry-run` can show the result.
pub fn prepare(mut options: StudyOptions) -> Result<Prepared, RunnerError> {
    let previous = resumed_study(&mut options)?;
    let project_path = project_path(&options, previous.as_ref())?;
    let here = Toolchain::resolve(None)?;
    let mut project = Project::load(&here.cargo, &project_path)?;
    project.root = crate::files::paths::resolve(&project.root)?;
    // The default toolchain is the one the project's own `cargo build` uses: its
    // rust-toolchain.toml, wherever buildbench was started from.
    let default = Toolchain::resolve_in(None, Some(&project.root))?;
    let repository = repository(&options, &project)?;
    if let (Some(repo), None) = (&repository, &previous) {
        expand_revisions(&mut options, repo)?;
    }
    let out = output_folder(&options, &project, repository.as_ref())?;
    let (toolchains, runnable, unavailable) = check_configurations(&options.plan, &default);
    refuse_outside_paths(&options.plan, &project, repository.as_ref())?;
    let edit_file = edit_file(&options.plan, &project)?;
    if let Some(f) = &edit_file {
        options.plan.edit_file = Some(f.display().to_string());
        if let Some(repo) = &repository {
            every_revision_has(repo, &options.plan, f)?;
        }
    }

    let (runnable, done, steps) = schedule(&options.plan, runnable, previous.as_ref());
    let plan = &options.plan;
    let work = out.join("work");
    let source = if plan.in_place { project.root.clone() } else { work.join("src") };
    let triple = CargoArgs::parse(&plan.cargo_args).target_triple().unwrap_or(&default.host).to_owned();
    let user_config = UserConfig::detect(&default.cargo, &project.root, &triple);
    let pending_restore = crate::files::edit::journal_path(&project.root).is_file();
    options.project = Some(project.root.clone());
    Ok(Prepared {
        options,
        out,
        pending_restore,
        project,
        toolchains,
        runnable,
        unavailable,
        edit_file,
        user_config,
        steps,
        done,
        previous,
        source,
        work,
        repository,
        shared_work: false,
    })
}

/// The study being resumed from the output folder, whose plan replaces the one given; a new
/// study refuses an output folder that already holds one.
fn resumed_study(options: &mut StudyOptions) -> Result<Option<Study>, RunnerError> {
    match (&options.out, options.resume) {
        (Some(out), true) => {
            let study_file = out.join("study.json");
            if !study_file.is_file() {
                return Err(RunnerError::Study {
                    path: out.clone(),
                    problem: "no study.json to resume; pass the output folder of an interrupted study".to_owned(),
                });
            }
            let bytes = crate::files::fsutil::read_bounded(&study_file)?;
            let study = Study::from_json(&bytes).map_err(|e| RunnerError::Study {
                path: study_file.clone(),
                problem: format!("{e}; it cannot be resumed"),
            })?;
            options.plan = study.plan.clone();
            Ok(Some(study))
        }
        (Some(out), false) if out.join("study.json").exists() => Err(RunnerError::Study {
            path: out.clone(),
            problem: format!(
                "already holds a study; continue it with --resume {} or pick another -o/--output",
                crate::shell_quote(&out.to_string_lossy())
            ),
        }),
        _ => Ok(None),
    }
}

/// The project to measure: the one given, else the resumed study's, else the current one.
/// A resumed study continues on its own project: another one is refused, not measured into it.
fn project_path(options: &StudyOptions, previous: Option<&Study>) -> Result<PathBuf, RunnerError> {
    Ok(match (&options.project, previous) {
        (Some(given), Some(study)) => {
            let given = crate::files::paths::resolve(given)?;
            let recorded = crate::files::paths::resolve(Path::new(&study.project))?;
            if given != recorded {
                return Err(RunnerError::OtherProject { recorded, given });
            }
            given
        }
        (Some(given), None) => given.clone(),
        (None, Some(study)) => PathBuf::from(&study.project),
        (None, None) => crate::files::paths::current_project(),
    })
}

/// The git repository of a rev study (`None` for a study of the project as it is); a rev
/// study never builds in place.
fn repository(
    options: &StudyOptions,
    project: &Project,
) -> Result<Option<crate::study::revision::Repository>, RunnerError> {
    if options.revisions.is_empty() && options.plan.revisions.is_empty() {
        return Ok(None);
    }
    if options.plan.in_place {
        return Err(RunnerError::Revision {
            problem: "--rev measures exports of each revision and never builds in your checkout; drop --in-place"
                .to_owned(),
        });
    }
    Ok(Some(crate::study::revision::repository(&project.root)?))
}

/// Resolves a new rev study's revisions and expands its configurations over them (the
/// baseline becomes the base revision's).
fn expand_revisions(options: &mut StudyOptions, repo: &crate::study::revision::Repository) -> Result<(), RunnerError> {
    let revisions = crate::study::revision::resolve(repo, &options.revisions)?;
    if options.plan.configurations.iter().any(|c| c.toolchain.is_none()) {
        crate::study::revision::same_toolchain_pin(repo, &revisions)?;
    }
    let plan = &mut options.plan;
    let configurations = crate::study::plan::with_revisions(&plan.configurations, &revisions);
    // Runnable indices below refer to the expanded list.
    plan.baseline = buildbench_model::revision_name(
        &plan.baseline,
        &revisions.first().map_or_else(String::new, |r| r.name.clone()),
    );
    plan.configurations = configurations;
    plan.revisions = revisions;
    Ok(())
}

/// The output folder, resolved: the one given, else a new one in the project's target
/// directory (a rev study's in buildbench's state folder); it must lie apart from the project
/// and be empty or buildbench's own.
fn output_folder(
    options: &StudyOptions,
    project: &Project,
    repository: Option<&crate::study::revision::Repository>,
) -> Result<PathBuf, RunnerError> {
    // A rev study's exports must not lie inside the repository: cargo reads the config files
    // of every folder above where it builds, so an export under the checkout would build with
    // the checkout's `.cargo/config.toml` (base measured with head's settings), and git in a
    // build script would find the user's repository. Its default output folder is therefore in
    // buildbench's state folder, and an `--out` inside the repository is refused.
    let out = match (&options.out, repository) {
        (Some(out), _) => crate::files::paths::resolve(out)?,
        (None, Some(repo)) if project.target_directory.starts_with(&repo.top) => {
            crate::files::paths::resolve(&crate::files::lock::state_dir().join("studies").join(format!(
                "{}-{}",
                crate::files::lock::project_key(&project.root),
                options.out_name
            )))?
        }
        (None, _) => {
            crate::files::paths::resolve(&project.target_directory.join("buildbench").join(&options.out_name))?
        }
    };
    if let Some(repo) = repository
        && out.starts_with(&repo.top)
    {
        return Err(RunnerError::Revision {
            problem: format!(
                "-o/--output {} is inside the git repository {}; a rev study's exports must lie outside it (cargo would \
                 read the checkout's own .cargo/config.toml for every revision); pass an -o/--output outside the \
                 repository, or none",
                out.display(),
                repo.top.display()
            ),
        });
    }
    crate::files::paths::check_apart(&project.root, &project.target_directory, &out, "-o/--output")?;
    let owned = out.join(crate::files::paths::MARKER).is_file() || out.join("study.json").is_file();
    if !owned && std::fs::read_dir(&out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(RunnerError::NotOwned { what: "-o/--output".to_owned(), dir: out });
    }
    Ok(out)
}

/// Every toolchain the configurations name, resolved and probed once (`default`: the
/// project's own), and which configurations can run here: their positions, and for the
/// others why not and how to install what they lack.
fn check_configurations(
    plan: &Plan,
    default: &Toolchain,
) -> (HashMap<String, ResolvedToolchain>, Vec<usize>, Vec<Unavailable>) {
    let mut toolchains: HashMap<String, ResolvedToolchain> = HashMap::new();
    let mut unavailable = Vec::new();
    let mut runnable = Vec::new();
    for (i, configuration) in plan.configurations.iter().enumerate() {
        let key = toolchain_key(configuration);
        if !toolchains.contains_key(&key) {
            let resolved = if key == "default" { Ok(default.clone()) } else { Toolchain::resolve(Some(&key)) };
            match resolved {
                Ok(tc) => {
                    toolchains.insert(key.clone(), ResolvedToolchain::probe(tc));
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
        let Some(resolved) = toolchains.get(&key) else { continue };
        match check(configuration, &resolved.toolchain) {
            Ok(()) => runnable.push(i),
            Err(u) => unavailable.push(u),
        }
    }
    (toolchains, runnable, unavailable)
}

/// Refuses a project with path dependencies outside it, which a copy would not carry,
/// unless the study builds in place.
fn refuse_outside_paths(
    plan: &Plan,
    project: &Project,
    repository: Option<&crate::study::revision::Repository>,
) -> Result<(), RunnerError> {
    // A rev study exports the whole repository, so path dependencies inside it still resolve.
    let outside: Vec<PathBuf> =
        project.outside_paths.iter().filter(|p| repository.is_none_or(|r| !p.starts_with(&r.top))).cloned().collect();
    if !outside.is_empty() && !plan.in_place {
        return Err(RunnerError::NeedsInPlace { paths: outside });
    }
    Ok(())
}

/// The file the incremental scenarios edit, relative to the project root: the one the plan
/// names, else the project's default for the cargo arguments; `None` when no scenario edits.
/// It must be a source file inside the project (in place, where a symlink points too).
fn edit_file(plan: &Plan, project: &Project) -> Result<Option<PathBuf>, RunnerError> {
    let needs_edit = plan.scenarios.iter().any(|s| s.edits_source());
    let f = match (&plan.edit_file, needs_edit) {
        (Some(f), _) => PathBuf::from(f),
        (None, true) => {
            let selection = CargoArgs::parse(&plan.cargo_args).selection();
            let file = project.default_edit_file(&selection).ok_or_else(|| RunnerError::EditFile {
                path: project.root.clone(),
                problem: "no binary or library target that the cargo arguments build; pass --edit FILE".to_owned(),
            })?;
            file.strip_prefix(&project.root).unwrap_or(file).to_owned()
        }
        (None, false) => return Ok(None),
    };
    // A study file names the edited file relative to the project: `..` or an absolute path
    // (a crafted or damaged study being resumed) could lead anywhere.
    if !f.components().all(|c| matches!(c, std::path::Component::Normal(_))) {
        return Err(RunnerError::EditFile {
            path: f.clone(),
            problem: "the file to edit must be a relative path inside the project, without `..`".to_owned(),
        });
    }
    let full = project.root.join(&f);
    if !full.is_file() || !full.starts_with(&project.root) {
        return Err(RunnerError::EditFile {
            path: full,
            problem: "the file to edit must be a source file inside the project".to_owned(),
        });
    }
    // In place, the file really edited is the one a symlink points to: it must be the
    // project's. (A copy replaces such a link by a file of its own, see `run`.)
    let real = crate::files::paths::resolve(&full)?;
    if plan.in_place && !real.starts_with(&project.root) {
        return Err(RunnerError::EditFile {
            path: full,
            problem: format!(
                "a symlink to {}, outside the project; --in-place would edit that file. Run without \
                 --in-place (the copy edits its own file) or pass --edit with a file inside the project",
                real.display()
            ),
        });
    }
    Ok(Some(f))
}

/// Refuses a rev study whose edited file is missing from one of its revisions.
fn every_revision_has(repo: &crate::study::revision::Repository, plan: &Plan, file: &Path) -> Result<(), RunnerError> {
    for revision in &plan.revisions {
        if !crate::study::revision::has_file(repo, revision, file) {
            return Err(RunnerError::Revision {
                problem: format!(
                    "{} does not exist in revision {}, so the incremental scenarios cannot edit it there; \
                     pass --edit with a file that every revision has",
                    file.display(),
                    revision.describe()
                ),
            });
        }
    }
    Ok(())
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
    if let Some((program, install)) = configuration.linker.requirement()
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

/// In a work folder studies share (`Prepared::share_work`): removes the target folders and
/// caches of `configurations`, which no later study will measure, so a long search holds no
/// more on disk than the configurations still to come.
pub fn forget_configurations(work: &Path, configurations: &[String]) -> Result<(), RunnerError> {
    // A name is one folder's: never a path that leads elsewhere.
    let plain = |name: &String| {
        matches!(Path::new(name).components().collect::<Vec<_>>()[..], [std::path::Component::Normal(_)])
    };
    for name in configurations.iter().filter(|n| plain(n)) {
        for folder in ["target", "sccache"] {
            crate::files::fsutil::remove_tree(&work.join(folder).join(name))?;
        }
    }
    Ok(())
}

impl Prepared {
    /// Builds in `work`, a work folder shared by studies of the same sources one after the
    /// other (tune's stages): the sources are copied into it by the first of them only, and
    /// every target folder and cache stays after the study, so a configuration measured again
    /// starts from its built target folder instead of from nothing. Whoever shares it removes
    /// it. Not for `--in-place` or rev studies, which have no copy of their own.
    pub fn share_work(&mut self, work: PathBuf) {
        if self.options.plan.in_place || self.repository.is_some() {
            return;
        }
        self.source = work.join("src");
        self.work = work;
        self.options.keep_work = true;
        self.shared_work = true;
    }

    /// Where a revision is exported: `work/rev/NAME`, the repository's top folder.
    pub(crate) fn revision_dir(&self, revision: &str) -> PathBuf {
        self.work.join("rev").join(revision)
    }

    /// Where cargo builds `configuration`: the project inside its revision's export, or the
    /// study's one copy (or the project itself in place).
    pub(crate) fn source_of(&self, configuration: &Configuration) -> PathBuf {
        self.tree(configuration.revision.as_deref())
    }

    /// The project inside the source tree of `revision` (`None`: the study's one tree).
    pub(crate) fn tree(&self, revision: Option<&str>) -> PathBuf {
        match (revision, &self.repository) {
            (Some(revision), Some(repo)) => self.revision_dir(revision).join(&repo.prefix),
            _ => self.source.clone(),
        }
    }

    pub(crate) fn target_dir(&self, configuration: &Configuration) -> PathBuf {
        self.work.join("target").join(&configuration.name)
    }

    pub(crate) fn sccache_for(&self, configuration: &Configuration, ports: &HashMap<String, u16>) -> Option<Sccache> {
        (configuration.cache == Cache::Sccache).then(|| Sccache {
            program: which("sccache").unwrap_or_else(|| PathBuf::from("sccache")),
            dir: self.work.join("sccache").join(&configuration.name),
            port: ports.get(&configuration.name).copied().unwrap_or(0),
            conf: self.work.join("sccache").join("empty-config"),
        })
    }

    pub(crate) fn link_log(&self, configuration: &Configuration) -> PathBuf {
        self.work.join("links").join(format!("{}.jsonl", configuration.name))
    }

    /// The folder a linker selected through a folder of its own is found in (`wild-bin`).
    pub(crate) fn ld_folder(&self, linker: buildbench_model::Linker) -> PathBuf {
        crate::build::probe::ld_folder(&self.work, linker)
    }

    /// The exact build command of a step.
    pub fn build_invocation(&self, step: &Step, check: bool, ports: &HashMap<String, u16>) -> crate::Invocation {
        let configuration = &self.options.plan.configurations[step.configuration];
        let key = toolchain_key(configuration);
        let sccache = self.sccache_for(configuration, ports);
        let ld_folder = self.ld_folder(configuration.linker);
        let resolved = &self.toolchains[&key];
        let source = self.source_of(configuration);
        let ctx = BuildContext {
            toolchain: &resolved.toolchain,
            toolchain_uses_rust_lld: resolved.uses_rust_lld(),
            source: &source,
            target_dir: self.target_dir(configuration),
            cargo_args: &self.options.plan.cargo_args,
            cargo_profile: CargoArgs::parse(&self.options.plan.cargo_args).profile(),
            rustflags: &self.user_config.rustflags,
            sccache: sccache.as_ref(),
            ld_folder: Some(&ld_folder),
            link_wrapper: self.options.link_wrapper.as_deref().map(|program| LinkWrapper {
                program,
                real: self.user_config.linker.as_deref().unwrap_or("cc"),
                log: self.link_log(configuration),
                mode: crate::build::cargo::WrapperMode::Time,
                capture_dir: None,
            }),
            temp_dir: Some(self.work.join("tmp")),
            extra_rustflags: &[],
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
        for revision in &self.options.plan.revisions {
            let how = if revision.worktree {
                "copy the working tree, uncommitted changes included,".to_owned()
            } else {
                format!(
                    "export commit {} (git read-tree and checkout-index with a private index file)",
                    revision.commit
                )
            };
            lines.push(format!(
                "[revision {}] {how} into {}",
                revision.describe(),
                self.revision_dir(&revision.name).display()
            ));
        }
        for step in &self.steps {
            let configuration = &self.options.plan.configurations[step.configuration];
            let what = format!("[{} / {}]", configuration.name, step.scenario);
            lines.push(match step.action {
                Action::WipeTarget => format!("{what} rm -rf {}", self.target_dir(configuration).display()),
                Action::WipeCache => format!("{what} empty the private sccache cache"),
                Action::Edit => format!(
                    "{what} edit {}{} (append a new function)",
                    self.edit_file.as_deref().map_or_else(String::new, |f| f.display().to_string()),
                    configuration.revision.as_ref().map_or_else(String::new, |r| format!(" in the export of {r}"))
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
