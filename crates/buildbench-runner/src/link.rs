//! `buildbench link`: capture the final link commands of a project once per debuginfo level,
//! then replay only the links, many times, under each linker, checking every output.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use buildbench_model::cargo_args::CargoArgs;
use buildbench_model::claims::Verdict;
use buildbench_model::{
    Artifact, Configuration, Debuginfo, LinkLevel, LinkStudy, Linker, LinkerResult, LinkerStatus, Word,
};

use crate::build::cargo::{BuildContext, LinkWrapper, UserConfig, capture_invocation};
use crate::build::elf;
use crate::build::probe::{ResolvedToolchain, Toolchain, which};
use crate::build::project::Project;
use crate::files::fsutil::remove_tree;
use crate::process::exec::Executor;
use crate::process::linkwrap::{CapturedLink, captured};
use crate::{Event, Invocation, Observer, RunnerError};

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    pub project: PathBuf,
    /// Scratch space: the project copy, target directories, captured inputs, relinked outputs.
    pub work: PathBuf,
    pub linkers: Vec<Linker>,
    pub runs: u32,
    /// Only this binary's link (default: every final artifact of the workspace).
    pub bin: Option<String>,
    /// Passed to cargo (`-p`, `--bin`, `--release`).
    pub cargo_args: Vec<String>,
    pub debuginfo: Vec<Debuginfo>,
    /// The buildbench executable (the linker wrapper that captures the links).
    pub wrapper: PathBuf,
    pub toolchain: Option<String>,
    pub keep_work: bool,
    /// Stop relinking once both mold verdicts are decided (from the third run on); `runs` is
    /// then the most.
    pub until_verdict: bool,
    /// Which existing build to start from.
    pub reuse: Reuse,
}

/// Where `buildbench link` finds a build of the project to start from: its profile folder is
/// copied (never written), so only the final crates are rebuilt.
#[derive(Debug, Clone, PartialEq)]
pub enum Reuse {
    /// The project's own target folder, when it holds a build of the profile.
    ProjectTarget,
    /// A target folder the user names.
    Folder(PathBuf),
    /// Build everything from scratch.
    Nothing,
}

/// The first run after which `--until-verdict` looks at the verdicts (an interval needs a few
/// samples to be worth a look).
const FIRST_LOOK: u32 = 3;

impl LinkOptions {
    /// How many times the verdicts may be looked at.
    fn looks(&self) -> u32 {
        if self.until_verdict { self.runs.saturating_sub(FIRST_LOOK) + 1 } else { 1 }
    }
}

/// Rewrites a captured link command for `linker`, writing to `output`.
///
/// The captured command is rustc's own, for the toolchain's default linker. For any other
/// linker, rustc's choice (`linker::chooses_linker`: the driver's linker flag and the
/// `-B.../gcc-ld` folder of rust-lld) is removed and the new linker selected as the linker
/// table says (`Linker::driver_args`); `ld_folder` is its folder, when it needs one.
pub fn replay_args(args: &[String], linker: Linker, ld_folder: &Path, output: &Path) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len() + 2);
    let mut iter = args.iter().peekable();
    while let Some(a) = iter.next() {
        if a == "-o" {
            out.push(a.clone());
            iter.next();
            out.push(output.display().to_string());
            continue;
        }
        if linker != Linker::Default && buildbench_model::linker::chooses_linker(a) {
            continue;
        }
        out.push(a.clone());
    }
    out.extend(linker.driver_args(&ld_folder.display().to_string()));
    out
}

/// How long `--version` may take before the binary is taken not to answer it.
const BEHAVIOUR_LIMIT: Duration = Duration::from_secs(2);

/// Runs `binary --version` in an empty scratch folder, stdin closed, at most 2 s, and returns
/// its exit code and output (`None` if it did not finish or start).
fn behaviour(executor: &mut dyn Executor, binary: &Path, scratch: &Path) -> Option<(Option<i32>, Vec<u8>)> {
    let _ = std::fs::create_dir_all(scratch);
    let invocation = Invocation::new(binary).arg("--version").cwd(scratch).timeout(BEHAVIOUR_LIMIT);
    let out = executor.run(&invocation).ok()?;
    (!out.timed_out).then_some((out.exit_code, out.stdout))
}

/// How a relinked output is checked against the original, decided once per original.
enum Reference {
    /// `--version` answers the same twice: a relinked binary must answer exactly so.
    Behaviour((Option<i32>, Vec<u8>)),
    /// `--version` does not finish, or answers differently each time: the functions the
    /// binary defines are compared instead (deterministic, whichever linker made it).
    Functions(Vec<String>, &'static str),
    /// A shared library (or a stripped binary without `--version`): a valid ELF file.
    Elf(&'static str),
}

fn reference(executor: &mut dyn Executor, original: &Path, scratch: &Path) -> Reference {
    let bytes = std::fs::read(original).unwrap_or_default();
    let library = is_library(original);
    let functions = elf::essential_functions(&bytes, library);
    if library {
        return functions.map_or(Reference::Elf("a valid ELF shared library"), |f| {
            Reference::Functions(f, "a shared library: its exported functions")
        });
    }
    let why = match (behaviour(executor, original, scratch), behaviour(executor, original, scratch)) {
        (Some(a), Some(b)) if a == b => return Reference::Behaviour(a),
        (Some(_), Some(_)) => "the original's `--version` output differs between runs",
        _ => "the original does not finish `--version`",
    };
    match functions {
        Some(f) => Reference::Functions(f, why),
        None => Reference::Elf("a valid ELF executable (stripped, and --version cannot tell)"),
    }
}

fn is_library(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "so")
}

/// Checks a relinked output against the original; `Ok` says how it was checked.
fn verify(
    executor: &mut dyn Executor,
    reference: &Reference,
    relinked: &Path,
    scratch: &Path,
) -> Result<String, String> {
    let bytes = std::fs::read(relinked).map_err(|e| format!("{}: {e}", relinked.display()))?;
    if elf::linker_of(&bytes).is_none() {
        return Err(format!("{} is not an ELF file", relinked.display()));
    }
    match reference {
        Reference::Elf(how) => Ok((*how).to_owned()),
        Reference::Functions(functions, why) => {
            let mine = elf::essential_functions(&bytes, is_library(relinked)).unwrap_or_default();
            if &mine == functions {
                Ok(format!("defines the same {} functions as the original ({why})", functions.len()))
            } else {
                let missing = functions.iter().filter(|f| mine.binary_search(f).is_err()).count();
                let extra = mine.iter().filter(|f| functions.binary_search(f).is_err()).count();
                Err(format!(
                    "{} defines other functions than the original ({missing} missing, {extra} extra)",
                    relinked.display()
                ))
            }
        }
        Reference::Behaviour(expected) => match behaviour(executor, relinked, scratch) {
            Some(b) if &b == expected => Ok("runs --version exactly like the original".to_owned()),
            Some((code, _)) => {
                Err(format!("`{} --version` behaves differently from the original (exit {code:?})", relinked.display()))
            }
            None => {
                Err(format!("`{} --version` did not finish in {} s", relinked.display(), BEHAVIOUR_LIMIT.as_secs()))
            }
        },
    }
}

/// Captures and replays links; every result is returned, nothing is printed.
pub fn run(
    options: &LinkOptions,
    executor: &mut dyn Executor,
    observer: &mut dyn Observer,
    interrupted: &Arc<AtomicBool>,
) -> Result<LinkStudy, RunnerError> {
    let progress = &mut |line: String| observer.event(Event::Note(line));
    let started = Instant::now();
    let toolchain = Toolchain::resolve(options.toolchain.as_deref())?;
    let (project, source, _work_lock) = crate::build::project::copy_into_work(
        &toolchain.cargo,
        &options.project,
        &options.work,
        &|_| Ok(()),
        progress,
    )?;
    let triple = CargoArgs::parse(&options.cargo_args).target_triple().unwrap_or(&toolchain.host).to_owned();
    let user = UserConfig::detect(&toolchain.cargo, &project.root, &triple);
    let resolved = ResolvedToolchain::probe(toolchain.clone());
    let temp = options.work.join("tmp");
    std::fs::create_dir_all(&temp).map_err(RunnerError::io(&temp, "cannot create"))?;
    crate::build::probe::make_ld_folders(&options.linkers, &|l| crate::build::probe::ld_folder(&options.work, l))?;
    let session = Session {
        options,
        profile: CargoArgs::parse(&options.cargo_args).profile().to_owned(),
        toolchain: &toolchain,
        project: &project,
        source: &source,
        user: &user,
        scratch: options.work.join("run"),
        temp,
    };
    let mut levels = Vec::new();
    for &level in &options.debuginfo {
        let captured = session.capture(level, executor, progress, interrupted)?;
        levels.push(session.measure(level, captured, executor, progress, interrupted)?);
    }
    let study = LinkStudy {
        looks: options.looks(),
        project: options.project.display().to_string(),
        environment: crate::build::probe::environment(vec![resolved.info()], &crate::build::probe::tools(false)),
        default_linker: resolved.default_linker.clone(),
        runs: options.runs,
        total_seconds: started.elapsed().as_secs_f64(),
        levels,
    };
    if !options.keep_work {
        crate::files::paths::remove_owned(&options.work)?;
    }
    Ok(study)
}

/// What one `link` run shares across its debuginfo levels.
struct Session<'a> {
    options: &'a LinkOptions,
    /// The cargo profile the builds use.
    profile: String,
    toolchain: &'a Toolchain,
    project: &'a Project,
    /// The copy of the project the builds read.
    source: &'a Path,
    /// The project's own linker settings.
    user: &'a UserConfig,
    /// Where the relinked outputs are run to be checked.
    scratch: PathBuf,
    /// TMPDIR of the builds and the replays.
    temp: PathBuf,
}

/// The links captured at one debuginfo level, ready to replay.
struct Captured {
    /// The final links of the wanted targets.
    links: Vec<CapturedLink>,
    /// (output file name, bytes) of each.
    artifacts: Vec<(String, u64)>,
    /// Seconds the capturing builds took.
    build_seconds: f64,
}

impl Session<'_> {
    /// Builds the final targets at `level` with the linker wrapper in capture mode: one
    /// `cargo rustc` per final target (binaries and cdylibs of the members, or of -p and
    /// --bin); a target that does not build (required features, say) is skipped, and only when
    /// none builds is it an error.
    fn capture(
        &self,
        level: Debuginfo,
        executor: &mut dyn Executor,
        progress: &mut dyn FnMut(String),
        interrupted: &Arc<AtomicBool>,
    ) -> Result<Captured, RunnerError> {
        let options = self.options;
        let target = options.work.join(format!("target-{level}"));
        let capture_dir = options.work.join(format!("capture-{level}"));
        remove_tree(&target)?;
        remove_tree(&capture_dir)?;
        self.copy_existing_build(level, &target, progress)?;
        std::fs::create_dir_all(&capture_dir).map_err(RunnerError::io(&capture_dir, "cannot create"))?;
        let configuration = Configuration {
            overrides: vec![format!("profile.{}.debug=\"{level}\"", self.profile)],
            ..Configuration::plain(&format!("link-{level}"), options.toolchain.as_deref())
        };
        let ctx = self.capture_context(level, target, &capture_dir);
        progress(format!("debuginfo={level}: building to capture the final link commands"));
        let (artifacts, build_seconds) = self.build_final_targets(&configuration, &ctx, executor, interrupted)?;
        let links = self.captured_links(&capture_dir, &artifacts)?;
        let artifacts =
            links.iter().map(|c| (file_name(&c.output), std::fs::metadata(&c.output).map_or(0, |m| m.len()))).collect();
        Ok(Captured { links, artifacts, build_seconds })
    }

    /// Starts the capture at `level` from a copy of an existing build (the project's target
    /// folder, or the folder `--reuse` names), when there is one, copied into `target`.
    fn copy_existing_build(
        &self,
        level: Debuginfo,
        target: &Path,
        progress: &mut dyn FnMut(String),
    ) -> Result<(), RunnerError> {
        let dir = crate::build::cargo::profile_dir(&self.profile);
        let reused = match &self.options.reuse {
            Reuse::ProjectTarget => Some(self.project.target_directory.join(dir)),
            Reuse::Folder(folder) => Some(folder.join(dir)),
            Reuse::Nothing => None,
        };
        if let Some(built) = reused.filter(|d| d.is_dir()) {
            // A copy (modification times kept, so cargo sees it fresh) of the user's build: the
            // user's own target folder is only read.
            progress(format!("debuginfo={level}: copying the build in {}", built.display()));
            crate::files::fsutil::copy_tree(&built, &target.join(dir), &[])?;
        }
        Ok(())
    }

    /// The capture builds' context at `level`: the project's own flags, and the linker wrapper
    /// in capture mode, saving each final link's command and inputs into `capture_dir`.
    fn capture_context(&self, level: Debuginfo, target: PathBuf, capture_dir: &Path) -> BuildContext<'_> {
        let options = self.options;
        BuildContext {
            toolchain: self.toolchain,
            toolchain_uses_rust_lld: false,
            source: self.source,
            target_dir: target,
            cargo_args: &options.cargo_args,
            cargo_profile: &self.profile,
            rustflags: &self.user.rustflags,
            sccache: None,
            ld_folder: None,
            link_wrapper: Some(LinkWrapper {
                program: &options.wrapper,
                real: self.user.linker.as_deref().unwrap_or("cc"),
                log: options.work.join(format!("links-{level}.jsonl")),
                mode: crate::build::cargo::WrapperMode::Capture,
                capture_dir: Some(capture_dir.to_owned()),
            }),
            temp_dir: Some(self.temp.clone()),
            extra_rustflags: &[],
        }
    }

    /// One `cargo rustc` per final target: the artifacts built and the seconds all the builds
    /// took. The first failure is the error only when nothing was built.
    fn build_final_targets(
        &self,
        configuration: &Configuration,
        ctx: &BuildContext<'_>,
        executor: &mut dyn Executor,
        interrupted: &Arc<AtomicBool>,
    ) -> Result<(Vec<Artifact>, f64), RunnerError> {
        let finals = final_targets(self.project, self.options);
        let (mut artifacts, mut build_seconds, mut first_failure) = (Vec::new(), 0.0, None);
        for (package, final_target) in &finals {
            let build = capture_invocation(configuration, package, final_target, ctx);
            let outcome = executor
                .run(&build)
                .map_err(|e| RunnerError::Command { command: build.shell_line(), detail: e.to_string() })?;
            if interrupted.load(Ordering::SeqCst) {
                return Err(RunnerError::Interrupted { out: None });
            }
            build_seconds += outcome.wall.as_secs_f64();
            if outcome.success() {
                artifacts.extend(crate::build::record::artifacts(&outcome.stdout, self.project));
            } else if first_failure.is_none() {
                first_failure =
                    Some(RunnerError::Command { command: build.shell_line(), detail: outcome.stderr_tail(15) });
            }
        }
        if artifacts.is_empty()
            && let Some(failure) = first_failure
        {
            return Err(failure);
        }
        Ok((artifacts, build_seconds))
    }

    /// The links captured in `capture_dir` that made one of `artifacts` (the one `--bin`
    /// names, when given); none is an error.
    fn captured_links(&self, capture_dir: &Path, artifacts: &[Artifact]) -> Result<Vec<CapturedLink>, RunnerError> {
        let options = self.options;
        let links: Vec<CapturedLink> = captured(capture_dir)
            .into_iter()
            .filter(|c| {
                let name = file_name(&c.output);
                let stem = crate::build::record::artifact_stem(&name);
                let is_artifact = artifacts.iter().any(|a| a.name.replace('-', "_") == stem);
                let is_bin = options.bin.as_ref().is_none_or(|b| b.replace('-', "_") == stem);
                is_artifact && is_bin
            })
            .collect();
        if links.is_empty() {
            return Err(RunnerError::NoLinkTarget { bin: options.bin.clone() });
        }
        Ok(links)
    }

    /// Replays the captured links with every linker: one warm-up round (also the one whose
    /// outputs are verified), then the measured runs, linkers taking turns so that drift hits
    /// all alike.
    fn measure(
        &self,
        level: Debuginfo,
        captured: Captured,
        executor: &mut dyn Executor,
        progress: &mut dyn FnMut(String),
        interrupted: &Arc<AtomicBool>,
    ) -> Result<LinkLevel, RunnerError> {
        let options = self.options;
        let mut results: Vec<LinkerResult> = options.linkers.iter().map(|&linker| available(linker)).collect();
        let references: Vec<Reference> =
            captured.links.iter().map(|link| reference(executor, &link.output, &self.scratch)).collect();
        for round in 0..=options.runs {
            if interrupted.load(Ordering::SeqCst) {
                return Err(RunnerError::Interrupted { out: None });
            }
            progress(format!(
                "debuginfo={level}: {}",
                if round == 0 { "warm-up and checks".to_owned() } else { format!("run {round} of {}", options.runs) }
            ));
            for result in results.iter_mut().filter(|r| r.status == LinkerStatus::Ok) {
                self.relink(level, round, result, &captured.links, &references, executor)?;
            }
            if options.until_verdict && round >= FIRST_LOOK && decided(&results, options.looks()) {
                progress(format!("debuginfo={level}: both verdicts decided after {round} runs"));
                break;
            }
        }
        Ok(LinkLevel {
            debuginfo: level,
            artifacts: captured.artifacts,
            build_seconds: captured.build_seconds,
            linkers: results,
        })
    }

    /// One round of `result`'s linker: every captured link replayed with it, timed together;
    /// in the warm-up round (0) each output is verified against the original and its size and
    /// linker recorded instead. A failed link or a broken output fails the linker.
    fn relink(
        &self,
        level: Debuginfo,
        round: u32,
        result: &mut LinkerResult,
        links: &[CapturedLink],
        references: &[Reference],
        executor: &mut dyn Executor,
    ) -> Result<(), RunnerError> {
        let options = self.options;
        let dir = options.work.join(format!("relink-{level}")).join(result.linker.as_str());
        std::fs::create_dir_all(&dir).map_err(RunnerError::io(&dir, "cannot create"))?;
        let mut total = 0.0;
        let mut bytes = 0;
        for (link, reference) in links.iter().zip(references) {
            let output = dir.join(file_name(&link.output));
            let _ = std::fs::remove_file(&output);
            let inv = Invocation::new(&link.program)
                .args(replay_args(
                    &link.args,
                    result.linker,
                    &crate::build::probe::ld_folder(&options.work, result.linker),
                    &output,
                ))
                .cwd(&link.cwd)
                .env("TMPDIR", &self.temp);
            let out = executor
                .run(&inv)
                .map_err(|e| RunnerError::Command { command: inv.shell_line(), detail: e.to_string() })?;
            if !out.success() {
                result.status = LinkerStatus::Failed;
                result.error = Some(out.stderr_tail(12));
                return Ok(());
            }
            total += out.wall.as_secs_f64();
            if round == 0 {
                match verify(executor, reference, &output, &self.scratch) {
                    // One line for all outputs: each distinct check once, with its outputs.
                    Ok(how) => {
                        let name = file_name(&link.output);
                        let name = buildbench_model::linker::without_hash(&name);
                        let so_far = result.verified.take().unwrap_or_default();
                        result.verified = Some(if so_far.is_empty() {
                            format!("{name}: {how}")
                        } else {
                            format!("{so_far}; {name}: {how}")
                        });
                    }
                    Err(why) => {
                        result.status = LinkerStatus::Failed;
                        result.error = Some(format!("the relinked output is broken: {why}"));
                        return Ok(());
                    }
                }
                let content = std::fs::read(&output).unwrap_or_default();
                bytes += content.len() as u64;
                result.linked_by = elf::linker_of(&content);
            }
        }
        if round == 0 {
            result.output_bytes = Some(bytes);
        } else {
            result.samples.push(total);
        }
        Ok(())
    }
}

/// A linker's result before any link: ready, or unavailable with its install hint when its
/// program is not on PATH.
fn available(linker: Linker) -> LinkerResult {
    let missing = linker.requirement().filter(|(program, _)| which(program).is_none());
    LinkerResult {
        linker,
        status: if missing.is_some() { LinkerStatus::Unavailable } else { LinkerStatus::Ok },
        error: missing.map(|(program, _)| format!("`{program}` is not on PATH")),
        install: missing.map(|(_, install)| install.to_owned()),
        samples: Vec::new(),
        output_bytes: None,
        linked_by: None,
        verified: None,
    }
}

/// Are both mold verdicts (against the default linker and against GNU ld) decided?
fn decided(results: &[LinkerResult], looks: u32) -> bool {
    let times = |l: Linker| {
        results.iter().find(|r| r.linker == l && r.status == LinkerStatus::Ok).map_or(&[][..], |r| &r.samples[..])
    };
    let verdicts =
        buildbench_model::link::mold_verdicts(times(Linker::Default), times(Linker::Bfd), times(Linker::Mold), looks);
    verdicts.iter().all(|(_, _, v)| matches!(v, Verdict::Holds | Verdict::DoesNotHold | Verdict::NotMeasured))
}

/// The final targets to capture: every binary and cdylib of the workspace members (of `-p`
/// only, or just `--bin`, when given), with their package.
fn final_targets<'a>(project: &'a Project, options: &LinkOptions) -> Vec<(&'a str, &'a crate::build::project::Target)> {
    let selection = CargoArgs::parse(&options.cargo_args).selection();
    let package = selection.packages.first();
    project
        .targets
        .iter()
        .filter(|t| t.kinds.iter().any(|k| k == "bin" || k == "cdylib"))
        .filter(|t| package.is_none_or(|p| &t.package == p))
        .filter(|t| options.bin.as_ref().is_none_or(|b| &t.name == b))
        .map(|t| (t.package.as_str(), t))
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn replay_swaps_the_linker_and_the_output() {
        let (lld, mold) = (buildbench_model::linker::fuse_ld("lld"), buildbench_model::linker::fuse_ld("mold"));
        let captured = args(&["-m64", "a.o", "-B/tc/lib/rustlib/x/bin/gcc-ld", &lld, "-o", "/t/deps/app-1", "-pie"]);
        let out = Path::new("/w/app-1");
        assert_eq!(
            replay_args(&captured, Linker::Mold, Path::new("/w/wild"), out),
            args(&["-m64", "a.o", "-o", "/w/app-1", "-pie", &mold])
        );
        assert_eq!(
            replay_args(&captured, Linker::Default, Path::new("/w/wild"), out),
            args(&["-m64", "a.o", "-B/tc/lib/rustlib/x/bin/gcc-ld", &lld, "-o", "/w/app-1", "-pie"])
        );
        assert_eq!(
            replay_args(&captured, Linker::Wild, Path::new("/w/wild"), out).last().map(String::as_str),
            Some("-B/w/wild")
        );
    }
}
