//! `buildbench apply`'s writes: a configuration's files written into the user's project
//! (journaled first, so every exit path puts them back), the check that the project still
//! builds, and the files put back when it does not. What to write is the caller's (the report
//! crate's `apply::plan`); this only reads, writes and builds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::files::edit::RestoreGuard;
use crate::files::lock::Lock;
use crate::process::exec::Executor;
use crate::{Event, Invocation, Observer, RunnerError};

/// The files `apply` may edit, relative to the project root.
const FILES: [&str; 3] = [".cargo/config.toml", "Cargo.toml", "rust-toolchain.toml"];

/// The project apply writes into: its root and the files apply may edit, as they are now.
pub struct Destination {
    /// The project root, resolved (absolute, symlinks resolved).
    pub root: PathBuf,
    /// The text of each of `FILES` that exists, by its relative path, line endings as read.
    texts: HashMap<&'static str, String>,
}

impl Destination {
    /// The file at `rel` (relative to the root) as text with LF line endings, which edits are
    /// made on; `None` when it does not exist.
    pub fn read(&self, rel: &str) -> Option<String> {
        self.texts.get(rel).map(|t| t.replace("\r\n", "\n"))
    }

    /// Does the file at `rel` end its lines in CRLF? Its new text is written back the same way.
    fn crlf(&self, rel: &str) -> bool {
        self.texts.get(rel).is_some_and(|t| t.contains("\r\n"))
    }
}

/// One file to write: its path relative to the project root and its new text (LF line
/// endings; CRLF where the file had CRLF).
pub struct FileText {
    pub path: String,
    pub text: String,
}

/// Opens the project at `path` for apply: resolves it, refuses a folder without Cargo.toml,
/// puts back what an interrupted apply (or `--in-place` study) left edited (each file a note to
/// `observer`), and reads the files apply may edit.
pub fn open(path: &Path, observer: &mut dyn Observer) -> Result<Destination, RunnerError> {
    let root = crate::files::paths::resolve(path).map_err(|e| RunnerError::Apply {
        path: path.to_owned(),
        problem: format!("the project to write into: {e}"),
    })?;
    if !root.join("Cargo.toml").is_file() {
        return Err(RunnerError::Apply {
            path: root,
            problem: "not a cargo project (no Cargo.toml); name the project: buildbench apply STUDY PATH".to_owned(),
        });
    }
    // An interrupted apply (or --in-place study) is undone first, so the diff the caller shows
    // is against the user's own files and no stale journal is left to undo this run's work later.
    {
        let _lock = crate::files::lock::project_lock(&root)?;
        let recovered = crate::files::edit::recover(&root)?;
        for p in &recovered.restored {
            observer.event(Event::Note(format!("restored {} (left edited by an interrupted run)", p.display())));
        }
        for p in &recovered.kept {
            observer.event(Event::Note(format!("kept {} as it is: it changed after the interrupted run", p.display())));
        }
    }
    let texts = read_texts(&root)?;
    Ok(Destination { root, texts })
}

/// Reads each of `FILES` that exists under `root` once, through the bounded reader: a pipe or
/// device in its place is refused by name, never read. A file that exists but is not UTF-8
/// text is not "absent": apply would replace it whole, so it is refused.
fn read_texts(root: &Path) -> Result<HashMap<&'static str, String>, RunnerError> {
    let mut texts = HashMap::new();
    for rel in FILES {
        let path = root.join(rel);
        if std::fs::symlink_metadata(&path).is_err() && std::fs::metadata(&path).is_err() {
            continue;
        }
        let bytes = match crate::files::fsutil::read_bounded(&path) {
            Ok(bytes) => bytes,
            // A dangling link is an absent file here (the link itself is checked before writing).
            Err(RunnerError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(RunnerError::Apply {
                path,
                problem: "not UTF-8 text, which apply cannot edit without losing it; edit it yourself".to_owned(),
            });
        };
        texts.insert(rel, text);
    }
    Ok(texts)
}

/// Files written into a project, journaled, under the project lock: kept with `commit`, or
/// checked with `check` and put back when the project no longer builds. Dropped any other way
/// (an error), it puts them back.
pub struct Written {
    /// The files written, absolute.
    pub files: Vec<PathBuf>,
    root: PathBuf,
    /// Folders apply created (`.cargo/`), removed again when the files in them are put back.
    created: Vec<PathBuf>,
    guard: RestoreGuard,
    // Declared after the guard, so it is released after the files are put back.
    _lock: Lock,
}

/// What the check build of the written files found.
pub enum Check {
    /// The project builds: the files are kept.
    Builds,
    /// The project does not build (`why`: the line that says why, and the end of cargo's
    /// output); the files were put back.
    Fails { why: String, restored: Vec<PathBuf> },
    /// The build was interrupted; the files were put back.
    Interrupted { restored: Vec<PathBuf> },
}

/// Writes `files` into the project `to`. Refuses (nothing written) a file that is, or lies in, a link
/// out of the project, and, unless `force`, files with uncommitted changes in git. Every file
/// (and Cargo.lock, which a check build may rewrite) is journaled before the first write, so a
/// failed build, Ctrl-C or kill -9 puts them back.
pub fn write(
    to: &Destination,
    files: &[FileText],
    force: bool,
    observer: &mut dyn Observer,
) -> Result<Written, RunnerError> {
    let root = &to.root;
    for f in files {
        refuse_links_out(root, &root.join(&f.path))?;
    }
    if !force {
        refuse_uncommitted(root, &files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>())?;
    }
    let lock = crate::files::lock::project_lock(root)?;
    let recovered = crate::files::edit::recover(root)?;
    for p in &recovered.restored {
        observer.event(Event::Note(format!("restored {} (left edited by an interrupted run)", p.display())));
    }
    let mut guarded: Vec<(PathBuf, bool)> = files.iter().map(|f| (root.join(&f.path), false)).collect();
    if root.join("Cargo.lock").is_file() {
        guarded.push((root.join("Cargo.lock"), true));
    }
    let journal = crate::files::edit::journal_path(root);
    let mut guard = RestoreGuard::new(&guarded, Some((journal, root, None)))?;
    let mut created: Vec<PathBuf> = Vec::new();
    let mut written = Vec::new();
    for f in files {
        let path = root.join(&f.path);
        if let Some(dir) = path.parent() {
            if !dir.exists() {
                created.push(dir.to_owned());
            }
            std::fs::create_dir_all(dir).map_err(RunnerError::io(dir, "cannot create"))?;
        }
        let text = if to.crlf(&f.path) { f.text.replace('\n', "\r\n") } else { f.text.clone() };
        guard.write(&path, text.as_bytes(), root)?;
        written.push(path);
    }
    Ok(Written { files: written, root: root.clone(), created, guard, _lock: lock })
}

/// Refuses to write `path` when it (or its folder) is a link out of the project `root`: the
/// edit would land where it points, in a config shared with other projects. Refused, even with
/// `--force`.
fn refuse_links_out(root: &Path, path: &Path) -> Result<(), RunnerError> {
    // `exists()` follows a link: a dangling one looks like no file at all, and writing it
    // would create its target, wherever that is.
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) && !path.exists() {
        let target = std::fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_default();
        return Err(RunnerError::Apply {
            path: path.to_owned(),
            problem: format!(
                "a symlink to {target}, which does not exist; apply edits files of the project only (remove the \
                 link or create the file it points to inside the project)"
            ),
        });
    }
    let existing =
        if path.exists() { Some(path.to_owned()) } else { path.parent().map(Path::to_owned).filter(|p| p.exists()) };
    if let Some(existing) = existing {
        let real = crate::files::paths::resolve(&existing)?;
        if !real.starts_with(root) {
            return Err(RunnerError::Apply {
                path: path.to_owned(),
                problem: format!(
                    "leads to {}, outside the project; apply edits files of the project only (copy the \
                     file into the project, or edit it yourself)",
                    real.display()
                ),
            });
        }
    }
    Ok(())
}

/// The files `apply` may write (the linker, backend and profile settings), checked before a
/// long search that ends by applying (`buildbench tune --apply`): refused now, not after it.
pub const MAY_WRITE: [&str; 3] = ["Cargo.toml", ".cargo/config.toml", "rust-toolchain.toml"];

/// Refuses, unless `force`, when a file `apply` may write in the project at `root` has
/// uncommitted changes (as `write` would at the end).
pub fn precheck(root: &Path, force: bool) -> Result<(), RunnerError> {
    if force { Ok(()) } else { refuse_uncommitted(root, &MAY_WRITE) }
}

/// Refuses when any of `files` has uncommitted changes in the project's git tree, a tracked
/// file deleted in the work tree included (projects outside git pass). When git cannot tell
/// (not installed, "dubious ownership", a broken repository) the answer is unknown, so apply
/// refuses unless `--force`, rather than take the project for one outside git.
/// `--no-optional-locks`: `git status` would otherwise rewrite `.git/index`.
fn refuse_uncommitted(root: &Path, files: &[&str]) -> Result<(), RunnerError> {
    let git = || Invocation::new("git").arg("-C").arg(root).arg("--no-optional-locks");
    match crate::build::probe::capture(&git().args(["rev-parse", "--is-inside-work-tree"])) {
        Ok(answer) if answer.trim() == "true" => {}
        Ok(_) => return Ok(()),
        // Outside git, unless a `.git` up the tree says git just failed to read it.
        Err(e)
            if e.to_string().contains("not a git repository") && !root.ancestors().any(|a| a.join(".git").exists()) =>
        {
            return Ok(());
        }
        Err(e) => {
            return Err(RunnerError::Apply {
                path: root.to_owned(),
                problem: format!(
                    "cannot tell whether the files apply would edit have uncommitted changes ({e}); fix git's \
                     complaint, or pass --force to write them anyway"
                ),
            });
        }
    }
    let dirty =
        crate::build::probe::capture(&git().args(["status", "--porcelain", "--"]).args(files.iter())).map_err(|e| {
            RunnerError::Apply {
                path: root.to_owned(),
                problem: format!("git status failed ({e}); pass --force to write anyway"),
            }
        })?;
    if !dirty.trim().is_empty() {
        return Err(RunnerError::Apply {
            path: root.to_owned(),
            problem: format!(
                "uncommitted changes in the files apply would edit:\n{dirty}commit or stash them first, or pass --force"
            ),
        });
    }
    Ok(())
}

impl Written {
    /// Keeps every file as written (`--no-check`): the journal goes.
    pub fn commit(self) {
        self.guard.commit();
    }

    /// Builds the project with `cargo build CARGO_ARGS` (in its own target directory, the
    /// user's) through `executor`: keeps the files when it builds, puts them back (and removes
    /// the folders apply created, when empty) when it does not or when `interrupted`.
    pub fn check(
        self,
        cargo_args: &[String],
        executor: &mut dyn Executor,
        interrupted: &AtomicBool,
    ) -> Result<Check, RunnerError> {
        let Written { mut guard, created, root, .. } = self;
        let outcome = check_build(&root, cargo_args, executor);
        // What the check build left in Cargo.lock is this run's own, to put back with the rest.
        guard.record()?;
        let mut put_back = || -> Result<Vec<PathBuf>, RunnerError> {
            let restored = guard.restore()?;
            for dir in created.iter().rev() {
                // Only an empty folder: anything the user put there since stays.
                let _ = std::fs::remove_dir(dir);
            }
            Ok(restored.restored)
        };
        if interrupted.load(Ordering::SeqCst) {
            return Ok(Check::Interrupted { restored: put_back()? });
        }
        match outcome {
            Ok(()) => {
                guard.commit();
                Ok(Check::Builds)
            }
            Err(why) => Ok(Check::Fails { why, restored: put_back()? }),
        }
    }
}

/// `cargo build` of the project with the study's arguments, in its own target directory (the
/// user's); the error carries the line that says why it failed.
fn check_build(root: &Path, cargo_args: &[String], executor: &mut dyn Executor) -> Result<(), String> {
    let inv = Invocation::new("cargo").arg("build").args(cargo_args.iter()).cwd(root);
    let outcome = executor.run(&inv).map_err(|e| format!("cannot run cargo: {e}"))?;
    if outcome.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&outcome.stderr);
    Err(format!("{}\n{}", buildbench_model::failure_reason(&stderr), outcome.stderr_tail(15)))
}
