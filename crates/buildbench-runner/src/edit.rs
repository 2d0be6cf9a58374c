//! Source edits for the incremental scenarios, and the guarantee that they are undone.
//!
//! Every edit appends a new, never-repeated item to the chosen file, so rustc must recompile
//! that crate (a changed file, not only a new mtime) and cargo must relink what depends on it.
//! The original bytes and modification time are restored at the end, on failure, on Ctrl-C and
//! on panic (`Drop`); in `--in-place` mode a journal on disk also covers `kill -9`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::RunnerError;

/// A file's exact state before buildbench touched it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub path: PathBuf,
    /// `None` when the file did not exist (it is removed again on restore).
    pub contents: Option<Vec<u8>>,
    /// Modification time in nanoseconds since the Unix epoch.
    pub modified_ns: Option<u128>,
}

impl Snapshot {
    pub fn take(path: &Path) -> Result<Snapshot, RunnerError> {
        match fs::read(path) {
            Ok(contents) => {
                let modified_ns = fs::metadata(path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                    .map(|d| d.as_nanos());
                Ok(Snapshot { path: path.to_owned(), contents: Some(contents), modified_ns })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Snapshot { path: path.to_owned(), contents: None, modified_ns: None })
            }
            Err(e) => Err(RunnerError::Io { path: path.to_owned(), action: "cannot read", source: e }),
        }
    }

    /// Puts the file back exactly: bytes and modification time, or removes it if it was absent.
    pub fn restore(&self) -> Result<(), RunnerError> {
        let Some(contents) = &self.contents else {
            return match fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(RunnerError::Io { path: self.path.clone(), action: "cannot remove", source: e })
                }
                _ => Ok(()),
            };
        };
        if fs::read(&self.path).ok().as_ref() != Some(contents) {
            fs::write(&self.path, contents).map_err(RunnerError::io(&self.path, "cannot restore"))?;
        }
        if let Some(ns) = self.modified_ns {
            let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX));
            let file =
                fs::File::options().write(true).open(&self.path).map_err(RunnerError::io(&self.path, "cannot open"))?;
            file.set_modified(time).map_err(RunnerError::io(&self.path, "cannot restore the modification time"))?;
        }
        Ok(())
    }
}

/// Files a study may change, restored when this guard is dropped (panic included).
pub struct RestoreGuard {
    snapshots: Vec<Snapshot>,
    journal: Option<PathBuf>,
}

impl RestoreGuard {
    /// Snapshots `paths`; with a journal path, also writes them to disk first so a later run can
    /// restore after `kill -9` (see `recover`).
    pub fn new(paths: &[PathBuf], journal: Option<PathBuf>) -> Result<RestoreGuard, RunnerError> {
        let snapshots = paths.iter().map(|p| Snapshot::take(p)).collect::<Result<Vec<_>, _>>()?;
        if let Some(journal) = &journal {
            let bytes = serde_json::to_vec(&snapshots)
                .map_err(|e| RunnerError::Plan(format!("cannot encode the journal: {e}")))?;
            crate::fsutil::write_atomic(journal, &bytes)?;
        }
        Ok(RestoreGuard { snapshots, journal })
    }

    /// Restores every file now; the journal goes once everything is back.
    pub fn restore(&mut self) -> Result<(), RunnerError> {
        for snapshot in &self.snapshots {
            snapshot.restore()?;
        }
        if let Some(journal) = self.journal.take() {
            let _ = fs::remove_file(journal);
        }
        Ok(())
    }
}

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        let _ = self.restore();
    }
}

/// Restores files left edited by a run that was killed; returns the paths restored.
pub fn recover(journal: &Path) -> Result<Vec<PathBuf>, RunnerError> {
    let Ok(bytes) = fs::read(journal) else { return Ok(Vec::new()) };
    let snapshots: Vec<Snapshot> = serde_json::from_slice(&bytes)
        .map_err(|e| RunnerError::Plan(format!("{}: unreadable restore journal: {e}", journal.display())))?;
    for snapshot in &snapshots {
        snapshot.restore()?;
    }
    let _ = fs::remove_file(journal);
    Ok(snapshots.into_iter().map(|s| s.path).collect())
}

/// The text appended for edit number `n`: a new function, so the crate really changes.
pub fn edit_suffix(n: u64) -> String {
    format!("\n#[allow(dead_code)]\nfn buildbench_edit_{n}() -> u64 {{ {n} }}\n")
}

/// Writes `original` plus edit `n` to `path`.
pub fn apply_edit(path: &Path, original: &[u8], n: u64) -> Result<(), RunnerError> {
    let mut contents = original.to_vec();
    contents.extend_from_slice(edit_suffix(n).as_bytes());
    fs::write(path, contents).map_err(RunnerError::io(path, "cannot edit"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_restores_bytes_mtime_and_absence() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("main.rs");
        let absent = dir.path().join("Cargo.lock");
        fs::write(&file, "fn main() {}\n").unwrap();
        let old = fs::File::options().write(true).open(&file).unwrap();
        old.set_modified(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000)).unwrap();
        let before = fs::metadata(&file).unwrap().modified().unwrap();
        {
            let _guard = RestoreGuard::new(&[file.clone(), absent.clone()], None).unwrap();
            apply_edit(&file, b"fn main() {}\n", 7).unwrap();
            fs::write(&absent, "x").unwrap();
        }
        assert_eq!(fs::read_to_string(&file).unwrap(), "fn main() {}\n");
        assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), before);
        assert!(!absent.exists());
    }

    #[test]
    fn journal_recovers_after_a_kill() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lib.rs");
        let journal = dir.path().join("journal.json");
        fs::write(&file, "pub fn f() {}\n").unwrap();
        let guard = RestoreGuard::new(std::slice::from_ref(&file), Some(journal.clone())).unwrap();
        apply_edit(&file, b"pub fn f() {}\n", 1).unwrap();
        // A kill -9 runs no destructor.
        std::mem::forget(guard);
        assert!(fs::read_to_string(&file).unwrap().contains("buildbench_edit_1"));
        assert_eq!(recover(&journal).unwrap(), std::slice::from_ref(&file));
        assert_eq!(fs::read_to_string(&file).unwrap(), "pub fn f() {}\n");
        assert!(!journal.exists());
    }

    #[test]
    fn every_edit_differs() {
        assert_ne!(edit_suffix(1), edit_suffix(2));
    }
}
