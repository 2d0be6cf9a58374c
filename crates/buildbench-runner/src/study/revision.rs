//! The revisions of a rev study (`compare --rev BASE,HEAD`): resolved in the user's git
//! repository and exported into buildbench's own folder, one tree per revision.
//!
//! The user's checkout and its `.git` are only read. A commit is exported with a temporary index
//! file of buildbench's (`GIT_INDEX_FILE`): `git read-tree` fills it from the commit and
//! `git checkout-index --all` writes the files into the export, with the filters and line
//! endings a real checkout applies. Nothing is added to `.git` (no worktree, branch, ref or
//! index change), so nothing is left behind there even after `kill -9`. (`git worktree add`
//! registers the worktree inside `.git`; `git archive` drops `export-ignore` files.)

use std::path::{Path, PathBuf};

use buildbench_model::Revision;

use crate::{Invocation, RunnerError};

/// The revision name for the working tree as it is: uncommitted changes and untracked files.
pub const WORKTREE: &str = "WORKTREE";

/// Where the project sits in its git repository.
#[derive(Debug, Clone, PartialEq)]
pub struct Repository {
    /// The repository's top folder (`git rev-parse --show-toplevel`).
    pub top: PathBuf,
    /// The project root relative to `top` (empty when the project is the repository).
    pub prefix: PathBuf,
}

fn git(repo: &Path) -> Invocation {
    // A user's GIT_DIR or GIT_WORK_TREE (set inside a git hook, say) would point git elsewhere.
    // A partial clone would fetch missing objects into `.git` (and over the network):
    // GIT_NO_LAZY_FETCH makes that an error instead. No hook of the user's runs (an index hook
    // would run in their checkout).
    Invocation::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "core.hooksPath=/dev/null"])
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_NO_LAZY_FETCH", "1")
}

fn not_git(root: &Path, detail: &str) -> RunnerError {
    RunnerError::Revision {
        problem: format!(
            "{}: --rev needs the project in a git repository ({detail}); run `git init` and commit, or measure \
             without --rev",
            root.display()
        ),
    }
}

/// Finds the repository that holds the project at `root` (absolute, resolved).
pub fn repository(root: &Path) -> Result<Repository, RunnerError> {
    let text = crate::build::probe::capture(&git(root).args(["rev-parse", "--show-toplevel"]))
        .map_err(|e| not_git(root, &e.to_string()))?;
    let top = crate::files::paths::resolve(Path::new(text.trim()))?;
    let prefix = root.strip_prefix(&top).map_err(|_| not_git(root, "the project is outside its repository"))?;
    Ok(Repository { prefix: prefix.to_owned(), top })
}

/// The checkout a study was measured on, for the history's provenance: (commit, branch, commit
/// date as ISO 8601), each `None` where git cannot tell (not a repository, no commit yet, a
/// detached head has the branch `HEAD`). Only reads, with `--no-optional-locks` so `git` does
/// not refresh `.git/index`.
pub fn checkout(project: &Path) -> (Option<String>, Option<String>, Option<String>) {
    let read = |args: &[&str]| -> Option<String> {
        let text = crate::build::probe::capture(&git(project).arg("--no-optional-locks").args(args)).ok()?;
        Some(text.trim().to_owned()).filter(|s| !s.is_empty())
    };
    if !project.is_dir() {
        return (None, None, None);
    }
    (read(&["rev-parse", "HEAD"]), read(&["rev-parse", "--abbrev-ref", "HEAD"]), read(&["log", "-1", "--format=%cI"]))
}

/// Resolves each `--rev` value (`SPEC` or `NAME=SPEC`) to a commit. Names must be distinct and
/// fit in a folder name: a spec's own characters outside `[A-Za-z0-9._-]` become `-`.
pub fn resolve(repo: &Repository, specs: &[String]) -> Result<Vec<Revision>, RunnerError> {
    if specs.len() < 2 {
        return Err(RunnerError::Revision {
            problem: format!(
                "--rev needs at least two revisions, base first (e.g. --rev main,HEAD); got {}",
                specs.len()
            ),
        });
    }
    let mut out: Vec<Revision> = Vec::new();
    for given in specs {
        let (name, spec) = match given.split_once('=') {
            Some((name, spec)) if !name.is_empty() && !spec.is_empty() => (name.to_owned(), spec.to_owned()),
            _ => (folder_name(given), given.clone()),
        };
        if name.is_empty() || name != folder_name(&name) || name.starts_with('.') || name.len() > 100 {
            return Err(RunnerError::Revision {
                problem: format!(
                    "--rev {given:?}: the name {name:?} must be 1 to 100 letters, digits, '.', '_' or '-' (not starting \
                     with '.'); give one with NAME=REVISION"
                ),
            });
        }
        if let Some(other) = out.iter().find(|r| r.name == name) {
            return Err(RunnerError::Revision {
                problem: format!(
                    "--rev {given:?} and {:?} would both be named {name:?}; name them, e.g. --rev base={},head={spec}",
                    other.spec, other.spec
                ),
            });
        }
        let revision = if spec == WORKTREE {
            let commit = crate::build::probe::capture(&git(&repo.top).args(["rev-parse", "--verify", "-q", "HEAD"]))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default();
            Revision { name, spec, commit, subject: String::new(), worktree: true }
        } else {
            let commit = crate::build::probe::capture(&git(&repo.top).args([
                "rev-parse",
                "--verify",
                "--end-of-options",
                &format!("{spec}^{{commit}}"),
            ]))
            .map_err(|_| RunnerError::Revision {
                problem: format!(
                    "--rev {given:?}: {spec:?} is not a commit of the repository at {} (`git rev-parse --verify \
                     {spec}^{{commit}}` failed); give a branch, tag or commit id, or {WORKTREE} for the working tree",
                    repo.top.display()
                ),
            })?
            .trim()
            .to_owned();
            let subject = crate::build::probe::capture(&git(&repo.top).args(["show", "-s", "--format=%s", &commit]))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default();
            submodules(repo, &spec, &commit)?;
            // The project must exist in the commit, or every build of it fails mid-study.
            let manifest = repo.prefix.join("Cargo.toml");
            let probe = format!("{commit}:{}", manifest.to_string_lossy());
            if crate::build::probe::capture(&git(&repo.top).args(["cat-file", "-e", &probe])).is_err() {
                return Err(RunnerError::Revision {
                    problem: format!(
                        "--rev {given:?}: the commit has no {} (the project is not there in it); pick a revision that \
                         has the project",
                        manifest.display()
                    ),
                });
            }
            Revision { name, spec, commit, subject, worktree: false }
        };
        out.push(revision);
    }
    Ok(out)
}

/// Refuses revisions that pin different toolchains (`rust-toolchain.toml` or `rust-toolchain`,
/// in the project or above it in the repository): a study builds every revision with one
/// toolchain for `default`, so a pull request that moves the pin would be measured with the
/// wrong one on one side.
pub fn same_toolchain_pin(repo: &Repository, revisions: &[Revision]) -> Result<(), RunnerError> {
    let mut folders = vec![repo.prefix.clone()];
    let mut up = repo.prefix.clone();
    while up.pop() {
        folders.push(up.clone());
    }
    let pin = |revision: &Revision| -> Option<(String, String)> {
        for folder in &folders {
            for name in ["rust-toolchain.toml", "rust-toolchain"] {
                let path = folder.join(name);
                let text = if revision.worktree {
                    std::fs::read_to_string(repo.top.join(&path)).ok()
                } else {
                    let spec = format!("{}:{}", revision.commit, path.to_string_lossy());
                    crate::build::probe::capture(&git(&repo.top).args(["show", &spec])).ok()
                };
                if let Some(text) = text {
                    return Some((path.display().to_string(), text));
                }
            }
        }
        None
    };
    let pins: Vec<Option<(String, String)>> = revisions.iter().map(pin).collect();
    let Some(first) = pins.first() else { return Ok(()) };
    if let Some((i, other)) = pins.iter().enumerate().find(|(_, p)| *p != first) {
        let describe = |p: &Option<(String, String)>| match p {
            Some((path, text)) => format!("{path}: {}", text.split_whitespace().collect::<Vec<_>>().join(" ")),
            None => "no rust-toolchain file".to_owned(),
        };
        let base = revisions.first().map_or_else(String::new, Revision::describe);
        let head = revisions.get(i).map_or_else(String::new, Revision::describe);
        return Err(RunnerError::Revision {
            problem: format!(
                "the revisions pin different toolchains ({base}: {}; {head}: {}), and a study builds every revision \
                 with one; pass --toolchain NAME to measure both with it",
                describe(first),
                describe(other)
            ),
        });
    }
    Ok(())
}

/// `origin/main` → `origin-main`: a name a folder can carry.
fn folder_name(spec: &str) -> String {
    spec.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' }).collect()
}

/// Refuses a commit with submodules: an export from the object store would leave their folders
/// empty, and the build would fail or measure something else.
fn submodules(repo: &Repository, spec: &str, commit: &str) -> Result<(), RunnerError> {
    let listing = crate::build::probe::capture(&git(&repo.top).args(["ls-tree", "-r", "-z", "--full-tree", commit]))?;
    let links: Vec<&str> = listing
        .split('\0')
        .filter(|e| e.starts_with("160000 "))
        .filter_map(|e| e.split_once('\t'))
        .map(|e| e.1)
        .collect();
    if links.is_empty() {
        return Ok(());
    }
    Err(RunnerError::Revision {
        problem: format!(
            "--rev {spec}: the commit has git submodules ({}), which an export of the commit cannot include; \
             measure it as the working tree with --rev BASE,{WORKTREE} after `git submodule update --init`, or \
             compare two studies with `buildbench diff`",
            links.join(", ")
        ),
    })
}

/// Does `revision` have the file at `relative` (to the project root)? Read from the object
/// store (`git cat-file -e`), so a missing file is reported before anything is written. The
/// working tree is checked on disk.
pub fn has_file(repo: &Repository, revision: &Revision, relative: &Path) -> bool {
    let path = repo.prefix.join(relative);
    if revision.worktree {
        return repo.top.join(path).is_file();
    }
    let spec = format!("{}:{}", revision.commit, path.to_string_lossy());
    crate::build::probe::capture(&git(&repo.top).args(["cat-file", "-e", &spec])).is_ok()
}

/// Exports `revision` into `dest` (which must not exist yet or be empty) and returns where the
/// project is inside it. `skip` are folders a working-tree copy leaves out (the output folder,
/// the project's target directory).
pub fn export(
    repo: &Repository,
    revision: &Revision,
    dest: &Path,
    temp: &Path,
    skip: &[PathBuf],
) -> Result<PathBuf, RunnerError> {
    crate::files::fsutil::remove_tree(dest)?;
    std::fs::create_dir_all(dest).map_err(RunnerError::io(dest, "cannot create"))?;
    if revision.worktree {
        // What `git status` knows: tracked files as they are now and untracked ones that are
        // not ignored (a 300 MB ignored data folder or another project's target/ is not part of
        // the working tree's changes).
        let listing = crate::build::probe::capture(&git(&repo.top).args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ]))?;
        for relative in listing.split('\0').filter(|f| !f.is_empty()) {
            let from = repo.top.join(relative);
            if skip.iter().any(|s| from.starts_with(s)) {
                continue;
            }
            if std::fs::symlink_metadata(&from).is_err() {
                // A tracked file deleted in the working tree.
                continue;
            }
            let to = dest.join(relative);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(RunnerError::io(parent, "cannot create"))?;
            }
            // A folder listed here is a submodule's checkout: copied whole.
            crate::files::fsutil::copy_entry(&from, &to, skip)?;
        }
    } else {
        std::fs::create_dir_all(temp).map_err(RunnerError::io(temp, "cannot create"))?;
        let index = temp.join(format!("{}.index", revision.name));
        let _ = std::fs::remove_file(&index);
        crate::build::probe::capture(
            &git(&repo.top).env("GIT_INDEX_FILE", &index).args(["read-tree", &revision.commit]),
        )?;
        crate::build::probe::capture(
            &git(&repo.top).env("GIT_INDEX_FILE", &index).arg("--work-tree").arg(dest).args([
                "checkout-index",
                "--all",
                "--force",
            ]),
        )?;
        let _ = std::fs::remove_file(&index);
    }
    Ok(dest.join(&repo.prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_in_a_folder() {
        assert_eq!(folder_name("origin/main"), "origin-main");
        assert_eq!(folder_name("HEAD~1"), "HEAD-1");
        assert_eq!(folder_name("v1.2.3"), "v1.2.3");
    }
}
