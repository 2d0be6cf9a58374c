//! Folders buildbench writes to, kept apart from the user's project, and removed only when
//! buildbench made them.
//!
//! Every folder buildbench writes (the output folder of `compare`, the scratch folder of `link`,
//! the copy and the target directories inside them) must not equal, contain or lie inside the
//! project: a copy would then copy itself, and removing the folder would remove user files.
//! Paths are compared after resolving symlinks, so a link to the project is the project.
//! A folder buildbench creates gets a marker file; buildbench only ever deletes a folder that
//! holds its marker.

use std::path::{Component, Path, PathBuf};

use crate::RunnerError;

/// The marker file inside every folder buildbench owns.
pub const MARKER: &str = ".buildbench-owned";

/// `path` made absolute with every symlink resolved, also when its last parts do not exist yet
/// (they are appended to the nearest existing ancestor, with `..` resolved lexically: a part
/// that does not exist cannot be a symlink).
pub fn resolve(path: &Path) -> Result<PathBuf, RunnerError> {
    let absolute = std::path::absolute(path).map_err(RunnerError::io(path, "cannot resolve the path"))?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(mut resolved) => {
                for part in rest.iter().rev() {
                    match part {
                        Component::ParentDir => {
                            resolved.pop();
                        }
                        Component::Normal(name) => resolved.push(name),
                        _ => {}
                    }
                }
                return Ok(resolved);
            }
            Err(_) => match (existing.parent(), existing.components().next_back()) {
                (Some(parent), Some(last)) => {
                    rest.push(last);
                    existing = parent;
                }
                _ => return Ok(absolute),
            },
        }
    }
}

/// Refuses a folder buildbench would write (`what`, e.g. "--out") that equals, contains or
/// lies inside the project. The one exception is a folder inside the project's own target
/// directory: cargo's output folder, never copied and never user source.
pub fn check_apart(project_root: &Path, target_directory: &Path, dir: &Path, what: &str) -> Result<(), RunnerError> {
    let root = resolve(project_root)?;
    let target = resolve(target_directory)?;
    let dir = resolve(dir)?;
    // A target directory that holds the project (CARGO_TARGET_DIR=..) is no exception.
    let inside_target = dir.starts_with(&target) && dir != target && !root.starts_with(&target);
    let relation = if dir == root {
        "is the project itself"
    } else if root.starts_with(&dir) {
        "contains the project"
    } else if dir.starts_with(&root) && !inside_target {
        "lies inside the project"
    } else {
        return Ok(());
    };
    let hint = format!("pass a {what} folder outside the project, for example {}", suggestion(&root).display());
    Err(RunnerError::Overlap { what: what.to_owned(), dir, relation, project: root, hint })
}

/// A sibling of the project for the error message: `<parent>/<name>-buildbench`.
fn suggestion(root: &Path) -> PathBuf {
    let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "project".to_owned());
    root.parent().unwrap_or(Path::new("/")).join(format!("{name}-buildbench"))
}

/// Makes `dir` a folder buildbench owns: creates it with a marker, or accepts it when it is
/// empty or already holds the marker (or, for `accept_if`, a file that proves an earlier run
/// wrote it, such as `study.json`). A folder with other content is refused: it is the user's.
///
/// The returned `Claimed` takes back what this call did when it is dropped while the folder
/// still holds nothing but the marker: a run refused after claiming its folder (a locked
/// project, a bad journal) leaves no empty folder behind. Keep it alive for the whole run.
pub fn claim(dir: &Path, what: &str, accept_if: Option<&str>) -> Result<Claimed, RunnerError> {
    let marker = dir.join(MARKER);
    let mut claimed = Claimed { dir: dir.to_owned(), created: Vec::new(), marked: false };
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            let owned = marker.is_file() || accept_if.is_some_and(|f| dir.join(f).is_file());
            if !owned && entries.next().is_some() {
                return Err(RunnerError::NotOwned { what: what.to_owned(), dir: dir.to_owned() });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // The folders that do not exist yet, innermost first, each created here with
            // `create_dir` so that a folder another process made at the same moment is not
            // taken for ours.
            let missing: Vec<&Path> =
                dir.ancestors().take_while(|a| !a.as_os_str().is_empty() && !a.exists()).collect();
            for folder in missing.iter().rev() {
                match std::fs::create_dir(folder) {
                    Ok(()) => claimed.created.push(folder.to_path_buf()),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && folder.is_dir() => {}
                    Err(e) => {
                        return Err(RunnerError::Io {
                            path: folder.to_path_buf(),
                            action: "cannot create the directory",
                            error: e,
                        });
                    }
                }
            }
        }
        Err(e) => return Err(RunnerError::Io { path: dir.to_owned(), action: "cannot open the directory", error: e }),
    }
    if !marker.is_file() {
        std::fs::write(&marker, "This folder was created by buildbench, which may delete it.\n")
            .map_err(RunnerError::io(&marker, "cannot write"))?;
        claimed.marked = true;
    }
    Ok(claimed)
}

/// A folder `claim` made or marked. Dropped while the folder holds nothing but the marker, it
/// removes the marker it wrote and the folders it created; a folder with anything else in it
/// (a study, a copy) stays, and so does a folder the user had.
#[must_use = "dropping it removes the folder again while it is empty"]
#[derive(Debug)]
pub struct Claimed {
    dir: PathBuf,
    /// Folders this claim created, outermost first (`dir` last, when it was created).
    created: Vec<PathBuf>,
    /// Whether this claim wrote the marker.
    marked: bool,
}

impl Drop for Claimed {
    fn drop(&mut self) {
        let only_marker =
            std::fs::read_dir(&self.dir).is_ok_and(|entries| entries.flatten().all(|e| e.file_name() == MARKER));
        if !only_marker || !self.marked {
            return;
        }
        let _ = std::fs::remove_file(self.dir.join(MARKER));
        // `remove_dir` removes only empty folders: one that something was put in meanwhile stays.
        for folder in self.created.iter().rev() {
            if std::fs::remove_dir(folder).is_err() {
                break;
            }
        }
    }
}

/// Removes `dir` if buildbench owns it (it holds the marker); a folder without the marker is
/// left alone. A missing folder is fine.
pub fn remove_owned(dir: &Path) -> Result<(), RunnerError> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.join(MARKER).is_file() {
        return Err(RunnerError::NotOwned { what: "scratch".to_owned(), dir: dir.to_owned() });
    }
    crate::files::fsutil::remove_tree(dir)
}

/// The project cargo would build from the current folder: the nearest folder from here up
/// that holds a Cargo.toml (cargo then finds the workspace root from it), else `.`.
pub fn current_project() -> PathBuf {
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    here.ancestors().find(|dir| dir.join("Cargo.toml").is_file()).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `path` as given, except that `.` without a Cargo.toml means the project cargo would find
/// from here (`current_project`), as cargo searches upward.
pub fn project_path(path: &Path) -> PathBuf {
    if path == Path::new(".") && !path.join("Cargo.toml").is_file() { current_project() } else { path.to_path_buf() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_dropped_while_empty_removes_only_what_it_made() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b/out");
        drop(claim(&nested, "--out", None).unwrap());
        assert!(!dir.path().join("a").exists(), "every folder the claim created is gone");
        let mine = dir.path().join("mine");
        std::fs::create_dir(&mine).unwrap();
        drop(claim(&mine, "--out", None).unwrap());
        assert!(mine.is_dir() && std::fs::read_dir(&mine).unwrap().next().is_none(), "the user's folder, as it was");
        let used = dir.path().join("used/out");
        let claimed = claim(&used, "--out", None).unwrap();
        std::fs::write(used.join("study.json"), "{}").unwrap();
        drop(claimed);
        assert!(used.join("study.json").is_file() && used.join(MARKER).is_file(), "a folder with a study stays");
        let sibling = dir.path().join("shared/out");
        let claimed = claim(&sibling, "--out", None).unwrap();
        std::fs::write(dir.path().join("shared/other"), "").unwrap();
        drop(claimed);
        assert!(!sibling.exists() && dir.path().join("shared/other").is_file(), "a parent with other files stays");
    }

    #[test]
    fn overlapping_folders_are_refused_in_every_direction() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("q/work/proj");
        std::fs::create_dir_all(root.join("src")).unwrap();
        let target = root.join("target");
        let check = |d: &Path| check_apart(&root, &target, d, "--out");
        assert!(check(&root).is_err(), "the project itself");
        assert!(check(&root.join("results")).is_err(), "inside the project");
        assert!(check(&dir.path().join("q")).is_err(), "a parent of the project");
        assert!(check(&root.join("src/../..")).is_err(), "a parent spelled with ..");
        assert!(check(&target.join("buildbench/1")).is_ok(), "inside cargo's target directory");
        assert!(check(&target).is_err(), "the target directory itself");
        assert!(check(&dir.path().join("elsewhere")).is_ok());
        // A target directory above the project does not make the project's folders fair game.
        let odd = check_apart(&root, dir.path(), &root.join("results"), "--out");
        assert!(odd.is_err());
        // A symlink to the project is the project.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&root, &link).unwrap();
        assert!(check(&link.join("out")).is_err());
        let message = check(&root.join("results")).unwrap_err().to_string();
        assert!(message.contains("lies inside the project") && message.contains("proj-buildbench"), "{message}");
    }

    #[test]
    fn only_owned_folders_are_claimed_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user");
        std::fs::create_dir_all(user.join("src")).unwrap();
        std::fs::write(user.join("src/important.rs"), "keep me").unwrap();
        assert!(claim(&user, "--work", None).is_err());
        assert!(remove_owned(&user).is_err());
        assert!(user.join("src/important.rs").exists());
        let ours = dir.path().join("ours");
        let first = claim(&ours, "--work", None).unwrap();
        std::fs::write(ours.join("x"), "").unwrap();
        drop(first);
        let _again = claim(&ours, "--work", None).unwrap();
        remove_owned(&ours).unwrap();
        assert!(!ours.exists());
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let _claimed = claim(&empty, "--work", None).unwrap();
        assert!(empty.join(MARKER).is_file());
    }
}
