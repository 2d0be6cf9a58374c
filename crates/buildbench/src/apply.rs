//! `buildbench apply`: write a measured configuration into the project, check it builds, and
//! put the files back if it does not.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use buildbench_report::apply::{diff, plan, recommended};
use buildbench_runner::Invocation;
use buildbench_runner::edit::RestoreGuard;
use buildbench_runner::exec::{Executor, ProcessExecutor};

use crate::cli::ApplyArgs;

pub fn run(args: &ApplyArgs) -> Result<ExitCode> {
    let study = crate::report::read_study(&args.study)?;
    let name = match &args.configuration {
        Some(name) => name.clone(),
        // Keeping what the project has is the recommendation: nothing to do is a success, so
        // `compare && apply` passes exactly when the default is right.
        None => match recommended(&study, args.noise) {
            Some(name) => name,
            None => {
                println!(
                    "{}: no configuration was significantly faster than the baseline: keep the project as it is; nothing written (pass --configuration NAME to write one anyway)",
                    args.study.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let Some(configuration) = study.plan.configurations.iter().find(|c| c.name == name) else {
        bail!(
            "--configuration {name:?} is not in the study; it has: {}",
            study.plan.configurations.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        );
    };
    let project = args.path.clone().or_else(|| args.project.clone()).unwrap_or_else(|| PathBuf::from(&study.project));
    let root = buildbench_runner::paths::resolve(&project)
        .with_context(|| format!("{}: the project to write into", project.display()))?;
    if !root.join("Cargo.toml").is_file() {
        bail!("{}: not a cargo project (no Cargo.toml); name the project: buildbench apply STUDY PATH", root.display());
    }
    // An interrupted apply (or --in-place study) is undone first, so the diff below is against
    // the user's own files and no stale journal is left to undo this run's work later.
    {
        let _lock = buildbench_runner::lock::project_lock(&root)?;
        let recovered = buildbench_runner::edit::recover(&root)?;
        for p in &recovered.restored {
            eprintln!("restored {} (left edited by an interrupted run)", p.display());
        }
        for p in &recovered.kept {
            eprintln!("kept {} as it is: it changed after the interrupted run", p.display());
        }
    }
    // A file that exists but is not UTF-8 text is not "absent": apply would replace it whole.
    // Each file is read once, through the bounded reader: a pipe or device in its place is
    // refused by name, never read.
    let mut texts: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for rel in [".cargo/config.toml", "Cargo.toml", "rust-toolchain.toml"] {
        let path = root.join(rel);
        if std::fs::symlink_metadata(&path).is_err() && std::fs::metadata(&path).is_err() {
            continue;
        }
        let bytes = match buildbench_runner::fsutil::read_bounded(&path) {
            Ok(bytes) => bytes,
            // A dangling link is an absent file here (the link itself is checked below).
            Err(buildbench_runner::RunnerError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            bail!("{}: not UTF-8 text, which apply cannot edit without losing it; edit it yourself", path.display());
        };
        texts.insert(rel, text);
    }
    // Line endings are the file's own: edits are made on LF text and written back in CRLF
    // where the file had CRLF.
    let crlf = |rel: &str| texts.get(rel).is_some_and(|t| t.contains("\r\n"));
    let read = |rel: &str| texts.get(rel).map(|t| t.replace("\r\n", "\n"));
    let changes = plan(&study, configuration, &read).map_err(|e| anyhow::anyhow!("{}: {e}", root.display()))?;
    let changed: Vec<_> = changes.files.iter().filter(|f| f.changes()).collect();
    if changed.is_empty() {
        println!("{name}: the project already has every setting of this configuration; nothing to write");
        return Ok(ExitCode::SUCCESS);
    }
    println!("configuration {name} from {}:\n", args.study.display());
    for f in &changed {
        println!("{}", diff(&f.path, f.before.as_deref(), &f.after));
    }
    for t in &changes.tradeoffs {
        println!("trade-off: {t}");
    }
    if args.dry_run {
        println!("\n--dry-run: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    // A file (or its folder) that is a link out of the project would be edited where it
    // points: a shared config of other projects. Refused, even with --force.
    for f in &changed {
        let path = root.join(&f.path);
        // `exists()` follows a link: a dangling one looks like no file at all, and writing it
        // would create its target, wherever that is.
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) && !path.exists() {
            let target = std::fs::read_link(&path).map(|t| t.display().to_string()).unwrap_or_default();
            bail!(
                "{}: a symlink to {target}, which does not exist; apply edits files of the project only (remove the \
                 link or create the file it points to inside the project)",
                path.display()
            );
        }
        let existing =
            if path.exists() { Some(path.clone()) } else { path.parent().map(Path::to_owned).filter(|p| p.exists()) };
        if let Some(existing) = existing {
            let real = buildbench_runner::paths::resolve(&existing)?;
            if !real.starts_with(&root) {
                bail!(
                    "{}: leads to {}, outside the project; apply edits files of the project only (copy the \
                     file into the project, or edit it yourself)",
                    path.display(),
                    real.display()
                );
            }
        }
    }
    if !args.force {
        refuse_uncommitted(&root, &changed.iter().map(|f| f.path.as_str()).collect::<Vec<_>>())?;
    }
    // Every file (and Cargo.lock, which the check build may rewrite) is journaled before the
    // first write: a failed build, Ctrl-C or kill -9 puts them back.
    let _lock = buildbench_runner::lock::project_lock(&root)?;
    let recovered = buildbench_runner::edit::recover(&root)?;
    for p in &recovered.restored {
        eprintln!("restored {} (left edited by an interrupted run)", p.display());
    }
    let mut guarded: Vec<(PathBuf, bool)> = changed.iter().map(|f| (root.join(&f.path), false)).collect();
    if root.join("Cargo.lock").is_file() {
        guarded.push((root.join("Cargo.lock"), true));
    }
    let journal = buildbench_runner::edit::journal_path(&root);
    let mut guard = RestoreGuard::new(&guarded, Some((journal, &root, None)))?;
    // Folders apply creates (`.cargo/`) go again when the files in them are put back.
    let mut created: Vec<PathBuf> = Vec::new();
    for f in &changed {
        let path = root.join(&f.path);
        if let Some(dir) = path.parent() {
            if !dir.exists() {
                created.push(dir.to_owned());
            }
            std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        }
        let text = if crlf(&f.path) { f.after.replace('\n', "\r\n") } else { f.after.clone() };
        guard.write(&path, text.as_bytes(), &root)?;
    }
    let remove_created = |created: &[PathBuf]| {
        for dir in created.iter().rev() {
            // Only an empty folder: anything the user put there since stays.
            let _ = std::fs::remove_dir(dir);
        }
    };
    if args.no_check {
        guard.commit();
        println!("\nwritten (not built: --no-check)");
        return Ok(ExitCode::SUCCESS);
    }
    println!("\nchecking that the project still builds: cargo build {}", study.plan.cargo_args.join(" "));
    let interrupted = crate::cli::interrupt_flag()?;
    let outcome = check_build(&root, &study.plan.cargo_args, interrupted.clone());
    // What the check build left in Cargo.lock is this run's own, to put back with the rest.
    guard.record()?;
    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        let restored = guard.restore()?;
        remove_created(&created);
        eprintln!("interrupted: put back {} file(s)", restored.restored.len());
        return Ok(ExitCode::from(130));
    }
    match outcome {
        Ok(()) => {
            guard.commit();
            println!("applied {name}: it builds; your next build uses it");
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            let restored = guard.restore()?;
            remove_created(&created);
            eprintln!(
                "error: the project does not build with {name}, so its files were put back ({} restored):\n{why}",
                restored.restored.len()
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// Refuses when any of `files` has uncommitted changes in the project's git tree, a tracked
/// file deleted in the work tree included (projects outside git pass). When git cannot tell
/// (not installed, "dubious ownership", a broken repository) the answer is unknown, so apply
/// refuses unless `--force`, rather than take the project for one outside git.
/// `--no-optional-locks`: `git status` would otherwise rewrite `.git/index`.
fn refuse_uncommitted(root: &Path, files: &[&str]) -> Result<()> {
    use buildbench_runner::Invocation;
    let git = || Invocation::new("git").arg("-C").arg(root).arg("--no-optional-locks");
    match buildbench_runner::probe::capture(&git().args(["rev-parse", "--is-inside-work-tree"])) {
        Ok(answer) if answer.trim() == "true" => {}
        Ok(_) => return Ok(()),
        // Outside git, unless a `.git` up the tree says git just failed to read it.
        Err(e)
            if e.to_string().contains("not a git repository") && !root.ancestors().any(|a| a.join(".git").exists()) =>
        {
            return Ok(());
        }
        Err(e) => bail!(
            "{}: cannot tell whether the files apply would edit have uncommitted changes ({e}); fix git's \
             complaint, or pass --force to write them anyway",
            root.display()
        ),
    }
    let dirty = buildbench_runner::probe::capture(&git().args(["status", "--porcelain", "--"]).args(files.iter()))
        .map_err(|e| anyhow::anyhow!("{}: git status failed ({e}); pass --force to write anyway", root.display()))?;
    if !dirty.trim().is_empty() {
        bail!(
            "{}: uncommitted changes in the files apply would edit:\n{}commit or stash them first, or pass --force",
            root.display(),
            dirty
        );
    }
    Ok(())
}

/// `cargo build` of the project with the study's arguments, in its own target directory (the
/// user's); the error carries the line that says why it failed.
fn check_build(
    root: &Path,
    cargo_args: &[String],
    interrupted: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<(), String> {
    let inv = Invocation::new("cargo").arg("build").args(cargo_args.iter()).cwd(root);
    let outcome = ProcessExecutor::new(interrupted).run(&inv).map_err(|e| format!("cannot run cargo: {e}"))?;
    if outcome.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&outcome.stderr);
    Err(format!("{}\n{}", buildbench_model::failure_reason(&stderr), outcome.stderr_tail(15)))
}
