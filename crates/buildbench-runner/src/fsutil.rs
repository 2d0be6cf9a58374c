//! File helpers: atomic writes and tree copies that never follow a project outside itself.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::RunnerError;

/// Writes `bytes` to `path` atomically: a temporary file in the same directory renamed over the
/// target, so a crash or `kill -9` leaves either the old or the new file, never half of one.
/// There is no fsync: it would cost milliseconds per sample, and the rename alone is atomic
/// against process death (only a power loss could lose the newest version).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunnerError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(RunnerError::io(dir, "cannot create the directory"))?;
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(RunnerError::io(dir, "cannot create a temporary file"))?;
    tmp.write_all(bytes).map_err(RunnerError::io(path, "cannot write"))?;
    // Temporary files are private (0600); results are meant to be read and published.
    use std::os::unix::fs::PermissionsExt as _;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(RunnerError::io(path, "cannot set permissions"))?;
    tmp.persist(path).map_err(|e| RunnerError::Io {
        path: path.to_owned(),
        action: "cannot replace",
        source: e.error,
    })?;
    Ok(())
}

/// Copies the tree at `from` to `to`, skipping every path in `skip` (and below). Symlinks are
/// copied as symlinks, files keep their permissions.
pub fn copy_tree(from: &Path, to: &Path, skip: &[PathBuf]) -> Result<u64, RunnerError> {
    fs::create_dir_all(to).map_err(RunnerError::io(to, "cannot create the directory"))?;
    let mut bytes = 0;
    let entries = fs::read_dir(from).map_err(RunnerError::io(from, "cannot list the directory"))?;
    for entry in entries {
        let entry = entry.map_err(RunnerError::io(from, "cannot list the directory"))?;
        let source = entry.path();
        if skip.iter().any(|s| s == &source) {
            continue;
        }
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(RunnerError::io(&source, "cannot stat"))?;
        if kind.is_symlink() {
            let link = fs::read_link(&source).map_err(RunnerError::io(&source, "cannot read the link"))?;
            std::os::unix::fs::symlink(&link, &target).map_err(RunnerError::io(&target, "cannot create the link"))?;
        } else if kind.is_dir() {
            bytes += copy_tree(&source, &target, skip)?;
        } else {
            bytes += fs::copy(&source, &target).map_err(RunnerError::io(&source, "cannot copy"))?;
        }
    }
    Ok(bytes)
}

/// Copies the project at `root` to `to` for a study, without what the study must not carry
/// along: its target directories, its git history and any of `also_skip` (e.g. the output folder).
pub fn copy_project(
    root: &Path,
    target_directory: &Path,
    to: &Path,
    also_skip: &[PathBuf],
) -> Result<u64, RunnerError> {
    let mut skip = vec![target_directory.to_owned(), root.join(".git"), root.join("target")];
    skip.extend(also_skip.iter().cloned());
    copy_tree(root, to, &skip)
}

/// Removes a directory tree if it exists.
pub fn remove_tree(path: &Path) -> Result<(), RunnerError> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RunnerError::Io { path: path.to_owned(), action: "cannot remove", source: e }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_a_tree_without_the_skipped_parts() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::create_dir_all(src.join("a/target")).unwrap();
        fs::write(src.join("a/x.rs"), "x").unwrap();
        fs::write(src.join("a/target/big"), "y").unwrap();
        std::os::unix::fs::symlink("x.rs", src.join("a/link.rs")).unwrap();
        let dst = dir.path().join("dst");
        copy_tree(&src, &dst, &[src.join("a/target")]).unwrap();
        assert_eq!(fs::read_to_string(dst.join("a/x.rs")).unwrap(), "x");
        assert!(!dst.join("a/target").exists());
        assert_eq!(fs::read_link(dst.join("a/link.rs")).unwrap(), Path::new("x.rs"));
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("study.json");
        write_atomic(&file, b"one").unwrap();
        write_atomic(&file, b"two").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary files left");
    }
}
