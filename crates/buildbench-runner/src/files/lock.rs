//! Exclusive locks: one run per output folder, one run at a time that edits or copies a project.
//!
//! A lock is an advisory `flock` on a file, so the kernel releases it when the holder dies,
//! even by `kill -9`: a stale lock cannot outlive its run. The holder's PID is written into the
//! file so the refusal can name it.

use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

use crate::RunnerError;

/// Held until dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
    /// Removed (while still locked) when dropped: the lock file of a study folder, which must
    /// not stay behind in the finished study.
    remove: Option<PathBuf>,
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some(path) = self.remove.take() {
            // Unlinked before the lock is released: a run that opened the file meanwhile finds,
            // once it holds the lock, that the path no longer names its file, and opens again.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Takes the lock at `path` (creating the file), or says who holds it. `what` names the thing
/// locked for the message ("the output folder", "the project").
pub fn acquire(path: &Path, what: &str) -> Result<Lock, RunnerError> {
    for _ in 0..100 {
        let lock = acquire_once(path, what)?;
        if same_file(&lock._file, path) {
            return Ok(lock);
        }
    }
    Err(RunnerError::Locked { path: path.to_owned(), holder: format!("{what} keeps changing hands") })
}

/// `acquire`, and the lock file is removed when the lock is released.
pub fn acquire_removed_after(path: &Path, what: &str) -> Result<Lock, RunnerError> {
    let mut lock = acquire(path, what)?;
    lock.remove = Some(path.to_owned());
    Ok(lock)
}

/// Does `path` still name `file` (it was not removed by the holder we waited for)?
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn acquire_once(path: &Path, what: &str) -> Result<Lock, RunnerError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(RunnerError::io(dir, "cannot create the directory"))?;
    }
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(RunnerError::io(path, "cannot open the lock file"))?;
    match file.try_lock() {
        Ok(()) => {
            // Only the holder writes: the PID of this run, for the message others get.
            let _ = file.set_len(0).and_then(|()| write!(file, "{}", std::process::id()));
            Ok(Lock { _file: file, remove: None })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.rewind().and_then(|_| file.read_to_string(&mut pid));
            let pid = pid.trim();
            let holder = if pid.is_empty() {
                format!("{what} is in use by another buildbench run")
            } else {
                format!("{what} is in use by another buildbench run (PID {pid})")
            };
            Err(RunnerError::Locked { path: path.to_owned(), holder })
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(RunnerError::Io { path: path.to_owned(), action: "cannot lock", error: e })
        }
    }
}

/// Where buildbench keeps what belongs to a project rather than to one run: restore journals
/// and project locks. `BUILDBENCH_STATE_DIR`, else `$XDG_STATE_HOME/buildbench`, else
/// `~/.local/state/buildbench`, else a folder in the temporary directory.
pub fn state_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("BUILDBENCH_STATE_DIR") {
        return dir;
    }
    if let Some(dir) = var("XDG_STATE_HOME") {
        return dir.join("buildbench");
    }
    if let Some(home) = var("HOME") {
        return home.join(".local/state/buildbench");
    }
    // Without a home, a folder of this user's own in the temporary folder: named after the user
    // id, so it is not shared, and its journals are only trusted when this user owns them
    // (`edit::recover`).
    std::env::temp_dir().join(format!("buildbench-state-{}", current_uid().map_or_else(String::new, |u| u.to_string())))
}

/// The user id this process runs as, from `/proc/self/status` (no libc call needed).
pub fn current_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    // Real, effective, saved, filesystem: the effective one decides what files we may touch.
    line.split_whitespace().nth(2)?.parse().ok()
}

/// The per-project files under `state_dir()`: named after the project folder and a hash of
/// its resolved path, so two projects never share them and a person can tell whose they are.
pub fn project_key(root: &Path) -> String {
    let hash = fnv1a(root.to_string_lossy().as_bytes());
    let name: String = root
        .file_name()
        .map(|n| n.to_string_lossy().chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect())
        .unwrap_or_default();
    format!("{name}-{hash:016x}")
}

/// FNV-1a, 64 bits: a hash that is stable across buildbench versions and platforms (unlike
/// std's), for names on disk and fingerprints in journals.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The lock that one run at a time holds while it edits (`--in-place`), restores or copies
/// the project at `root` (resolved).
pub fn project_lock(root: &Path) -> Result<Lock, RunnerError> {
    acquire(
        &state_dir().join("locks").join(format!("{}.lock", project_key(root))),
        &format!("the project {}", root.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = acquire(&path, "the output folder").unwrap();
        let message = acquire(&path, "the output folder").unwrap_err().to_string();
        assert!(message.contains(&format!("PID {}", std::process::id())), "{message}");
        drop(first);
        acquire(&path, "the output folder").unwrap();
    }

    #[test]
    fn a_lock_removed_after_release_leaves_no_file_and_never_two_holders() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".buildbench-lock");
        let first = acquire_removed_after(&path, "the output folder").unwrap();
        assert!(acquire_removed_after(&path, "the output folder").is_err());
        // A run that opened the file before the holder removed it must not hold a lock on the
        // removed file while a third run locks the new one.
        let stale = File::options().read(true).write(true).open(&path).unwrap();
        drop(first);
        assert!(!path.exists());
        assert!(stale.try_lock().is_ok(), "the unlinked file is lockable, which is why acquire checks the path");
        assert!(!same_file(&stale, &path));
        let second = acquire_removed_after(&path, "the output folder").unwrap();
        assert!(same_file(&second._file, &path));
        drop(second);
        assert!(!path.exists());
    }

    #[test]
    fn project_keys_differ_by_path() {
        assert_ne!(project_key(Path::new("/a/app")), project_key(Path::new("/b/app")));
        assert!(project_key(Path::new("/a/my app")).starts_with("myapp-"));
    }
}
