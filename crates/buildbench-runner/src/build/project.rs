//! The user's cargo project as `cargo metadata` describes it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::build::probe;
use crate::{Invocation, RunnerError};

/// A workspace target that can be edited or built.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub package: String,
    pub name: String,
    /// Cargo's kinds: `lib`, `bin`, `proc-macro`, `custom-build`, ...
    pub kinds: Vec<String>,
    pub src_path: PathBuf,
}

/// The parts of a project a study needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The workspace root (where the root Cargo.toml is).
    pub root: PathBuf,
    /// Where the project's own builds go; never touched by a study.
    pub target_directory: PathBuf,
    pub members: Vec<String>,
    pub targets: Vec<Target>,
    /// Path dependencies that live outside the workspace root: a copy would break them.
    pub outside_paths: Vec<PathBuf>,
}

impl Project {
    /// Reads the project at `path` with `cargo metadata --no-deps` (no network, no lock changes).
    pub fn load(cargo: &Path, path: &Path) -> Result<Project, RunnerError> {
        let manifest = if path.is_dir() { path.join("Cargo.toml") } else { path.to_owned() };
        if !manifest.is_file() {
            return Err(RunnerError::NotAProject { path: path.to_owned() });
        }
        // Cargo reads the configuration files of every folder above the project; one that is a
        // pipe or a device would hang every cargo command run there.
        if let Some(dir) = manifest.parent() {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            crate::files::fsutil::check_cargo_files(&std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned()))?;
        }
        let invocation = Invocation::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps", "--offline", "--manifest-path"])
            .arg(&manifest);
        let text = probe::capture(&invocation)?;
        parse_metadata(&text).map_err(|detail| RunnerError::Command { command: invocation.shell_line(), detail })
    }

    /// The package graph of the project at `root` (`cargo metadata` with its resolve), for
    /// completing a timing report's unit graph. `--locked --offline`: it never writes
    /// Cargo.lock and never fetches; the features among `cargo_args` select the same
    /// dependencies the build had.
    pub fn package_graph(
        cargo: &Path,
        root: &Path,
        cargo_args: &[String],
    ) -> Result<buildbench_timings::PackageGraph, RunnerError> {
        let manifest = if root.is_dir() { root.join("Cargo.toml") } else { root.to_owned() };
        if !manifest.is_file() {
            return Err(RunnerError::NotAProject { path: root.to_owned() });
        }
        let features = buildbench_model::cargo_args::CargoArgs::parse(cargo_args).features();
        let invocation = Invocation::new(cargo)
            .args(["metadata", "--format-version", "1", "--locked", "--offline", "--manifest-path"])
            .arg(&manifest)
            .args(features);
        let text = probe::capture(&invocation)?;
        buildbench_timings::PackageGraph::from_metadata(&text)
            .map_err(|detail| RunnerError::Command { command: invocation.shell_line(), detail })
    }

    /// Every target's main file, relative to the workspace root (as cargo passes the workspace's
    /// own files to rustc), with its package.
    pub fn source_packages(&self) -> Vec<(String, String)> {
        self.targets
            .iter()
            .filter_map(|t| {
                let relative = t.src_path.strip_prefix(&self.root).ok()?;
                Some((relative.to_string_lossy().into_owned(), t.package.clone()))
            })
            .collect()
    }

    /// The file the incremental scenarios edit by default: the main source file of a target the
    /// cargo arguments build: the `--bin` named, else the library with `--lib`, else the first
    /// binary, else the first library, of the packages selected (`-p`, less `--exclude`).
    pub fn default_edit_file(&self, selection: &buildbench_model::cargo_args::Selection) -> Option<&Path> {
        let wanted = |t: &&Target| {
            (selection.packages.is_empty() || selection.packages.contains(&t.package))
                && !selection.exclude.contains(&t.package)
        };
        let has = |t: &Target, kind: &str| t.kinds.iter().any(|k| k == kind);
        let is_lib = |t: &Target| has(t, "lib") || has(t, "rlib") || has(t, "proc-macro");
        let candidates = || self.targets.iter().filter(wanted);
        let chosen = if !selection.bins.is_empty() {
            candidates().find(|t| has(t, "bin") && selection.bins.contains(&t.name))
        } else if selection.lib {
            candidates().find(|t| is_lib(t))
        } else {
            candidates().find(|t| has(t, "bin")).or_else(|| candidates().find(|t| is_lib(t)))
        };
        chosen.map(|t| t.src_path.as_path())
    }
}

/// The project at `path`, copied into `work/src` for builds that must never touch it
/// (`link`, `profile`): the work folder is claimed and locked (the lock is returned), kept apart
/// from the project, and files an interrupted `--in-place` study left edited are put back
/// before the copy. `refuse` checks the loaded project before any folder is made.
pub fn copy_into_work(
    cargo: &Path,
    path: &Path,
    work: &Path,
    refuse: &dyn Fn(&Project) -> Result<(), RunnerError>,
    progress: &mut dyn FnMut(String),
) -> Result<(Project, PathBuf, crate::files::lock::Lock), RunnerError> {
    let mut project = Project::load(cargo, path)?;
    project.root = crate::files::paths::resolve(&project.root)?;
    crate::files::paths::check_apart(&project.root, &project.target_directory, work, "--work")?;
    refuse(&project)?;
    // A refusal from here on (a locked project, a bad journal) removes the folder again.
    let _claimed = crate::files::paths::claim(work, "--work", None)?;
    let lock = crate::files::lock::acquire_removed_after(&work.join(".buildbench-lock"), "the --work folder")?;
    let source = work.join("src");
    crate::files::fsutil::remove_tree(&source)?;
    let _project = crate::files::lock::project_lock(&project.root)?;
    let restored = crate::files::edit::recover(&project.root)?;
    for path in restored.restored {
        progress(format!("restored {} as it was before an interrupted run", path.display()));
    }
    crate::files::fsutil::copy_project(
        &project.root,
        &project.target_directory,
        &source,
        std::slice::from_ref(&work.to_owned()),
    )?;
    Ok((project, source, lock))
}

/// What the project at `path` builds with in `profile` (`Current`): the profile as cargo
/// resolves it (`cargo build --unit-graph`, or `cargo check` with `check`, with `cargo_args`),
/// and the linker its own rustflags select. It never writes into the project: with a
/// `Cargo.lock` the query runs `--locked`; without one, in a copy in a temporary folder (cargo
/// would write the lock file). When cargo cannot answer (an old cargo, a project that does not
/// resolve), cargo's defaults for the profile stand in, and `Current::source` says why.
pub fn current_settings(
    toolchain: &probe::Toolchain,
    path: &Path,
    cargo_args: &[String],
    check: bool,
    profile: &str,
) -> buildbench_model::tune::Current {
    let mut current = match unit_graph(&toolchain.cargo, path, cargo_args, check) {
        Ok(text) => buildbench_model::tune::Current::from_unit_graph(&text, profile)
            .unwrap_or_else(|why| buildbench_model::tune::Current::defaults(profile, &why)),
        Err(e) => buildbench_model::tune::Current::defaults(profile, &format!("cargo's unit graph: {e}")),
    };
    let user = crate::build::cargo::UserConfig::detect(&toolchain.cargo, path, &toolchain.host);
    current.linker = user.own_linker.map(|own| own.linker);
    current
}

/// `cargo build --unit-graph` (`check`: `cargo check`) of the project at `path` with
/// `cargo_args`: `--locked` in place when it has a lock file, else in a temporary copy.
fn unit_graph(cargo: &Path, path: &Path, cargo_args: &[String], check: bool) -> Result<String, RunnerError> {
    let project = Project::load(cargo, path)?;
    let query = |dir: &Path, locked: bool| {
        Invocation::new(cargo)
            .arg(if check { "check" } else { "build" })
            .args(["--unit-graph", "-Zunstable-options"])
            .args(locked.then_some("--locked"))
            .args(cargo_args)
            // The unit graph is unstable: RUSTC_BOOTSTRAP on this query only, never on a build.
            .env("RUSTC_BOOTSTRAP", "1")
            .cwd(dir)
    };
    if project.root.join("Cargo.lock").is_file() {
        return probe::capture(&query(path, true));
    }
    let scratch = tempfile::Builder::new()
        .prefix("buildbench-unit-graph-")
        .tempdir()
        .map_err(RunnerError::io(std::env::temp_dir(), "cannot create a folder for cargo's unit graph in"))?;
    let copy = scratch.path().join("src");
    crate::files::fsutil::copy_project(&project.root, &project.target_directory, &copy, &[])?;
    let inside = path.strip_prefix(&project.root).map_or_else(|_| copy.clone(), |rel| copy.join(rel));
    probe::capture(&query(&inside, false))
}

fn parse_metadata(text: &str) -> Result<Project, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("unexpected output: {e}"))?;
    let path = |key: &str| v.get(key).and_then(Value::as_str).map(PathBuf::from);
    let root = path("workspace_root").ok_or("no workspace_root in the output")?;
    let target_directory = path("target_directory").unwrap_or_else(|| root.join("target"));
    let members: Vec<String> = v
        .get("workspace_members")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let mut targets = Vec::new();
    let mut outside_paths = Vec::new();
    for package in v.get("packages").and_then(Value::as_array).into_iter().flatten() {
        let name = package.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
        for target in package.get("targets").and_then(Value::as_array).into_iter().flatten() {
            let kinds = target
                .get("kind")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            targets.push(Target {
                package: name.clone(),
                name: target.get("name").and_then(Value::as_str).unwrap_or("").to_owned(),
                kinds,
                src_path: target.get("src_path").and_then(Value::as_str).map(PathBuf::from).unwrap_or_default(),
            });
        }
        for dep in package.get("dependencies").and_then(Value::as_array).into_iter().flatten() {
            if let Some(p) = dep.get("path").and_then(Value::as_str).map(PathBuf::from)
                && !p.starts_with(&root)
            {
                outside_paths.push(p);
            }
        }
    }
    Ok(Project { root, target_directory, members, targets, outside_paths })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_targets_and_outside_paths() {
        let text = r#"{"workspace_root":"/ws","target_directory":"/ws/target","workspace_members":["path+file:///ws/app#0.1.0"],
          "packages":[{"name":"app","targets":[{"name":"app","kind":["bin"],"src_path":"/ws/app/src/main.rs"},
                                               {"name":"build-script-build","kind":["custom-build"],"src_path":"/ws/app/build.rs"}],
                       "dependencies":[{"name":"x","path":"/elsewhere/x"},{"name":"y","path":"/ws/y"},{"name":"serde"}]}]}"#;
        let p = parse_metadata(text).unwrap();
        let select = |args: &[&str]| {
            buildbench_model::cargo_args::Selection::parse(&args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
        };
        assert_eq!(p.default_edit_file(&select(&[])), Some(Path::new("/ws/app/src/main.rs")));
        assert_eq!(p.outside_paths, [PathBuf::from("/elsewhere/x")]);
        assert_eq!(p.default_edit_file(&select(&["-p", "other"])), None);
    }
}
