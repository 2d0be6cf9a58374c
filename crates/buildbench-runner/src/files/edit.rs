//! Source edits for the incremental scenarios, and the guarantee that they are undone.
//!
//! Every edit appends a new, never-repeated item to the chosen file, so rustc must recompile
//! that crate (a changed file, not only a new mtime) and cargo must relink what depends on it.
//! The original bytes and modification time are restored at the end, on failure, on Ctrl-C and
//! on panic (`Drop`). In `--in-place` mode a journal kept per project (in buildbench's state
//! folder, see `lock::state_dir`) also covers `kill -9`: every later run on the project, and
//! `buildbench restore`, puts the files back first. A file someone else changed during the run
//! is never overwritten, neither by the next edit nor by the restore.
//!
//! Every write of a guarded file, edit or restore, replaces it atomically
//! (`fsutil::replace_file`), so a kill or a full disk never leaves part of a file that the
//! journal would then take for the user's own save. A file cargo writes (`Cargo.lock`) is
//! restored only while it holds what it held before the run or what a build of the run left
//! (its fingerprint is journaled after every build, `RestoreGuard::record`): a lock file the
//! user regenerated after a killed run is theirs and is kept.

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
                Ok(Snapshot { path: path.to_owned(), contents: Some(contents), modified_ns: modified_ns(path) })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Snapshot { path: path.to_owned(), contents: None, modified_ns: None })
            }
            Err(e) => Err(RunnerError::Io { path: path.to_owned(), action: "cannot read", error: e }),
        }
    }

    /// Puts the file back exactly: bytes and modification time, or removes it if it was absent.
    pub fn restore(&self) -> Result<(), RunnerError> {
        let Some(contents) = &self.contents else {
            return match fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(RunnerError::Io { path: self.path.clone(), action: "cannot remove", error: e })
                }
                _ => Ok(()),
            };
        };
        if fs::read(&self.path).ok().as_ref() != Some(contents) {
            crate::files::fsutil::replace_file(&self.path, contents)?;
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

/// How the journal recognises the contents buildbench wrote.
fn fingerprint(bytes: &[u8]) -> u64 {
    crate::files::lock::fnv1a(bytes)
}

/// One file a run may change, as the journal records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guarded {
    pub snapshot: Snapshot,
    /// Fingerprints of the contents buildbench wrote (the current edit and the one before,
    /// in case the run died between the journal and the file write).
    pub written: Vec<u64>,
    /// Written by cargo, not by buildbench (`Cargo.lock`): `written` then holds the
    /// fingerprints of what the run's builds left in it.
    pub by_cargo: bool,
}

/// What a restore did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Restored {
    /// Files put back to their original bytes and modification time.
    pub restored: Vec<PathBuf>,
    /// Files someone else changed during the run: their current version is kept.
    pub kept: Vec<PathBuf>,
}

impl Guarded {
    /// Puts the file back unless someone other than buildbench (or cargo) changed it.
    fn restore(&self, done: &mut Restored) -> Result<(), RunnerError> {
        let path = &self.snapshot.path;
        remove_stale_temporaries(path);
        let current = std::fs::read(path).ok();
        let ours = match (&current, &self.snapshot.contents) {
            (None, _) => true,
            (Some(now), Some(original)) if now == original => true,
            (Some(now), _) => self.written.contains(&fingerprint(now)),
        };
        if !ours {
            done.kept.push(path.clone());
            return Ok(());
        }
        let changed = current != self.snapshot.contents
            || (self.snapshot.modified_ns.is_some() && modified_ns(path) != self.snapshot.modified_ns);
        self.snapshot.restore()?;
        if changed {
            done.restored.push(path.clone());
        }
        Ok(())
    }
}

/// Removes the temporary files a killed write left next to `path` (`fsutil::replace_file`
/// writes `.buildbench-XXXXXX` beside the file and renames it; a `kill -9` between the two
/// leaves it in the user's folder). Only names of exactly that shape are removed.
fn remove_stale_temporaries(path: &Path) {
    let Some(dir) = path.parent() else { return };
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name
            .strip_prefix(crate::files::fsutil::TEMPORARY_PREFIX)
            .is_some_and(|rest| rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric()));
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn modified_ns(path: &Path) -> Option<u128> {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
}

/// The journal of one project: the files a run may change, on disk before the first change,
/// so that any later run (or `buildbench restore`) puts them back after a `kill -9`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Journal {
    /// The project (resolved).
    project: PathBuf,
    /// The output folder of the run that wrote it, for messages.
    out: Option<PathBuf>,
    files: Vec<Guarded>,
}

/// The journal file of the project at `root` (resolved): kept per project, outside the project
/// and outside any output folder, so every later run on the project finds it.
pub fn journal_path(root: &Path) -> PathBuf {
    crate::files::lock::state_dir().join("journals").join(format!("{}.json", crate::files::lock::project_key(root)))
}

/// Files a run may change, restored when this guard is dropped (panic included) and, through
/// the journal, by the next run after a `kill -9`.
pub struct RestoreGuard {
    files: Vec<Guarded>,
    journal: Option<(PathBuf, Journal)>,
}

impl RestoreGuard {
    /// Snapshots `paths` (`by_cargo` marks files cargo may write). With a journal, writes it
    /// before anything is changed.
    pub fn new(
        paths: &[(PathBuf, bool)],
        journal: Option<(PathBuf, &Path, Option<&Path>)>,
    ) -> Result<RestoreGuard, RunnerError> {
        let mut files = Vec::new();
        for (path, by_cargo) in paths {
            files.push(Guarded { snapshot: Snapshot::take(path)?, written: Vec::new(), by_cargo: *by_cargo });
        }
        let mut guard = RestoreGuard {
            journal: journal.map(|(file, project, out)| {
                (file, Journal { project: project.to_owned(), out: out.map(Path::to_owned), files: Vec::new() })
            }),
            files,
        };
        guard.save()?;
        Ok(guard)
    }

    fn save(&mut self) -> Result<(), RunnerError> {
        if let Some((file, journal)) = &mut self.journal {
            journal.files.clone_from(&self.files);
            let bytes = serde_json::to_vec(journal)
                .map_err(|e| RunnerError::Encode { what: "restore journal", detail: e.to_string() })?;
            crate::files::fsutil::write_atomic(file, &bytes)?;
        }
        Ok(())
    }

    /// Writes `contents` to the guarded file `path`: the journal first, then the file. Refuses
    /// when the file no longer holds what buildbench last left there (someone saved it during
    /// the run), so a user's change is never overwritten.
    pub fn write(&mut self, path: &Path, contents: &[u8], out: &Path) -> Result<(), RunnerError> {
        let Some(i) = self.files.iter().position(|g| g.snapshot.path == path) else {
            return crate::files::fsutil::replace_file(path, contents);
        };
        let current = fs::read(path).ok();
        let entry = &mut self.files[i];
        let unchanged = current == entry.snapshot.contents
            || current.as_deref().is_some_and(|c| entry.written.last() == Some(&fingerprint(c)));
        if !unchanged {
            return Err(RunnerError::ChangedByUser { path: path.to_owned(), out: out.to_owned() });
        }
        let new = fingerprint(contents);
        entry.written = entry.written.last().copied().into_iter().chain([new]).collect();
        self.save()?;
        crate::files::fsutil::replace_file(path, contents)
    }

    /// Journals what the files cargo writes hold now (after a build), so a restore knows them
    /// for the run's own and never reverts a version the user made after the run.
    pub fn record(&mut self) -> Result<(), RunnerError> {
        let mut changed = false;
        for entry in self.files.iter_mut().filter(|g| g.by_cargo) {
            if let Ok(now) = fs::read(&entry.snapshot.path) {
                let print = fingerprint(&now);
                if Some(&now) != entry.snapshot.contents.as_ref() && !entry.written.contains(&print) {
                    entry.written.push(print);
                    changed = true;
                }
            }
        }
        if changed { self.save() } else { Ok(()) }
    }

    /// Keeps every file as written (`buildbench apply` succeeded): nothing is restored and the
    /// journal goes.
    pub fn commit(mut self) {
        self.files.clear();
        if let Some((file, _)) = self.journal.take() {
            let _ = fs::remove_file(file);
        }
    }

    /// Restores every file now; the journal goes once everything is back.
    pub fn restore(&mut self) -> Result<Restored, RunnerError> {
        let mut done = Restored::default();
        for guarded in &self.files {
            guarded.restore(&mut done)?;
        }
        self.files.clear();
        if let Some((file, _)) = self.journal.take() {
            let _ = fs::remove_file(file);
        }
        Ok(done)
    }
}

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        let _ = self.restore();
    }
}

/// Restores the files a killed run left changed in the project at `root` (resolved), from its
/// journal. The caller holds the project lock, so no running study is undone.
pub fn recover(root: &Path) -> Result<Restored, RunnerError> {
    recover_journal(&journal_path(root), root)
}

/// `recover` from the journal at `path`.
fn recover_journal(path: &Path, root: &Path) -> Result<Restored, RunnerError> {
    let path = path.to_owned();
    let Ok(bytes) = fs::read(&path) else { return Ok(Restored::default()) };
    let journal: Journal = serde_json::from_slice(&bytes)
        .map_err(|e| RunnerError::Journal { path: path.clone(), detail: e.to_string() })?;
    trust(&path, &journal, root)?;
    let mut done = Restored::default();
    for guarded in &journal.files {
        guarded.restore(&mut done)?;
    }
    let _ = fs::remove_file(&path);
    Ok(done)
}

/// A journal is followed only when this user wrote it for this project and it names files of
/// the project only: a journal planted in a shared folder must not make a restore overwrite
/// a file elsewhere.
fn trust(path: &Path, journal: &Journal, root: &Path) -> Result<(), RunnerError> {
    use std::os::unix::fs::MetadataExt as _;
    let refuse = |why: String| RunnerError::Journal { path: path.to_owned(), detail: why };
    let owner = fs::symlink_metadata(path).map(|m| m.uid()).ok();
    if let (Some(owner), Some(me)) = (owner, crate::files::lock::current_uid())
        && owner != me
    {
        return Err(refuse(format!("owned by user {owner}, not by you (user {me}); it was not written by your runs")));
    }
    if journal.project != root {
        return Err(refuse(format!("it is the journal of {}, not of {}", journal.project.display(), root.display())));
    }
    for guarded in &journal.files {
        let file = &guarded.snapshot.path;
        let inside = file.starts_with(root)
            && file
                .strip_prefix(root)
                .is_ok_and(|r| r.components().all(|c| matches!(c, std::path::Component::Normal(_))));
        if !inside {
            return Err(refuse(format!("it names {}, outside the project", file.display())));
        }
    }
    Ok(())
}

/// `buildbench restore`: takes the project lock (refused while a run is editing the project)
/// and restores what an interrupted run left edited.
pub fn restore_project(root: &Path) -> Result<Restored, RunnerError> {
    let _lock = crate::files::lock::project_lock(root)?;
    recover(root)
}

/// The text appended for edit number `n`: a new function, so the crate really changes.
pub fn edit_suffix(n: u64) -> String {
    format!("\n#[allow(dead_code)]\nfn buildbench_edit_{n}() -> u64 {{ {n} }}\n")
}

/// `original` plus edit `n`.
pub fn edited(original: &[u8], n: u64) -> Vec<u8> {
    let mut contents = original.to_vec();
    contents.extend_from_slice(edit_suffix(n).as_bytes());
    contents
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old_mtime(file: &Path) -> SystemTime {
        let old = fs::File::options().write(true).open(file).unwrap();
        old.set_modified(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000)).unwrap();
        fs::metadata(file).unwrap().modified().unwrap()
    }

    #[test]
    fn guard_restores_bytes_mtime_and_absence() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("main.rs");
        let absent = dir.path().join("Cargo.lock");
        fs::write(&file, "fn main() {}\n").unwrap();
        let before = old_mtime(&file);
        {
            let mut guard = RestoreGuard::new(&[(file.clone(), false), (absent.clone(), true)], None).unwrap();
            guard.write(&file, &edited(b"fn main() {}\n", 7), dir.path()).unwrap();
            // A build writes the lock file; the run journals what it left.
            fs::write(&absent, "x").unwrap();
            guard.record().unwrap();
        }
        assert_eq!(fs::read_to_string(&file).unwrap(), "fn main() {}\n");
        assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), before);
        assert!(!absent.exists());
    }

    #[test]
    fn a_lock_file_changed_after_the_runs_last_build_is_the_users_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        let journal = dir.path().join("journal.json");
        fs::write(&lock, "original\n").unwrap();
        let mut guard = RestoreGuard::new(&[(lock.clone(), true)], Some((journal.clone(), dir.path(), None))).unwrap();
        fs::write(&lock, "by the run's build\n").unwrap();
        guard.record().unwrap();
        // kill -9, then the user regenerates the lock file.
        std::mem::forget(guard);
        fs::write(&lock, "regenerated by the user\n").unwrap();
        let done = recover_from(&journal);
        assert_eq!(done.kept, std::slice::from_ref(&lock));
        assert_eq!(fs::read_to_string(&lock).unwrap(), "regenerated by the user\n");
        // What the run's build left is the run's own: put back.
        fs::write(&lock, "by the run's build\n").unwrap();
        let mut guard = RestoreGuard::new(&[(lock.clone(), true)], Some((journal.clone(), dir.path(), None))).unwrap();
        fs::write(&lock, "by the run's build, again\n").unwrap();
        guard.record().unwrap();
        std::mem::forget(guard);
        let done = recover_from(&journal);
        assert_eq!(done.restored, std::slice::from_ref(&lock));
        assert_eq!(fs::read_to_string(&lock).unwrap(), "by the run's build\n");
    }

    #[test]
    fn journal_recovers_after_a_kill() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lib.rs");
        let journal = dir.path().join("journal.json");
        fs::write(&file, "pub fn f() {}\n").unwrap();
        let before = old_mtime(&file);
        let mut guard = RestoreGuard::new(&[(file.clone(), false)], Some((journal.clone(), dir.path(), None))).unwrap();
        guard.write(&file, &edited(b"pub fn f() {}\n", 1), dir.path()).unwrap();
        guard.write(&file, &edited(b"pub fn f() {}\n", 2), dir.path()).unwrap();
        // A kill -9 runs no destructor.
        std::mem::forget(guard);
        assert!(fs::read_to_string(&file).unwrap().contains("buildbench_edit_2"));
        let restored = recover_from(&journal);
        assert_eq!(restored.restored, std::slice::from_ref(&file));
        assert_eq!(fs::read_to_string(&file).unwrap(), "pub fn f() {}\n");
        assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), before);
        assert!(!journal.exists());
    }

    #[test]
    fn a_file_the_user_saved_during_the_run_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lib.rs");
        let journal = dir.path().join("journal.json");
        fs::write(&file, "pub fn f() {}\n").unwrap();
        let mut guard = RestoreGuard::new(&[(file.clone(), false)], Some((journal.clone(), dir.path(), None))).unwrap();
        guard.write(&file, &edited(b"pub fn f() {}\n", 1), dir.path()).unwrap();
        fs::write(&file, "pub fn f() { /* the user's work */ }\n").unwrap();
        // The next edit would overwrite the user's work: refused.
        let err = guard.write(&file, &edited(b"pub fn f() {}\n", 2), dir.path()).unwrap_err();
        assert!(err.to_string().contains("changed while buildbench was running"), "{err}");
        std::mem::forget(guard);
        let restored = recover_from(&journal);
        assert_eq!(restored.kept, std::slice::from_ref(&file));
        assert!(fs::read_to_string(&file).unwrap().contains("the user's work"));
    }

    /// `recover` for a journal at an explicit path (tests do not use the state directory).
    fn recover_from(journal: &Path) -> Restored {
        let parsed: Journal = serde_json::from_slice(&fs::read(journal).unwrap()).unwrap();
        let mut done = Restored::default();
        for g in &parsed.files {
            g.restore(&mut done).unwrap();
        }
        fs::remove_file(journal).unwrap();
        done
    }

    /// SplitMix64: a seeded generator, so a failing case replays from its seed.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) % n
        }
    }

    /// What the writes of the run see: the process dies (`kill -9`) at a random write, or the
    /// disk is full for a few writes.
    struct World {
        rng: Rng,
        dead: bool,
        full_for: u32,
    }

    impl World {
        fn fault(&mut self) -> Option<Fault> {
            if self.dead {
                return Some(Fault::Dead);
            }
            if self.full_for > 0 {
                self.full_for -= 1;
                return Some(Fault::DiskFull);
            }
            match self.rng.below(100) {
                0..2 => Some(Fault::KillWhileWriting),
                2..4 => Some(Fault::KillBeforeRename),
                4..6 => Some(Fault::KillAfterRename),
                6..12 => {
                    self.full_for = u32::try_from(self.rng.below(4)).unwrap_or(0);
                    Some(Fault::DiskFull)
                }
                _ => None,
            }
            .inspect(|f| self.dead = !matches!(f, Fault::DiskFull))
        }
    }

    use crate::files::fsutil::faults::{self, Fault};
    use std::cell::RefCell;
    use std::rc::Rc;

    /// What the files must hold whenever no journal could put them back.
    struct Model {
        original: Vec<u8>,
        lock_original: Option<Vec<u8>>,
        /// The user's last save of the edited file.
        user_file: Option<Vec<u8>>,
        /// The user's last version of Cargo.lock (`Some(None)`: removed).
        user_lock: Option<Option<Vec<u8>>>,
        /// What a build left in Cargo.lock when the run could not journal it (killed or the
        /// disk full right after the build): a restore cannot tell it from a lock file the
        /// user regenerated, so it may be kept as the project's (see docs/compare.md).
        unjournaled: Option<Vec<u8>>,
        trace: Vec<String>,
    }

    impl Model {
        fn check(&mut self, seed: u64, journal: &Path, file: &Path, lock: &Path) {
            if journal.exists() {
                return;
            }
            let expected = self.user_file.as_ref().unwrap_or(&self.original);
            assert_eq!(fs::read(file).ok().as_ref(), Some(expected), "seed {seed}: main.rs; {:?}", self.trace);
            let now = fs::read(lock).ok();
            if now.is_some() && now == self.unjournaled {
                self.user_lock = Some(now);
                self.unjournaled = None;
                return;
            }
            let expected = self.user_lock.as_ref().unwrap_or(&self.lock_original);
            assert_eq!(&now, expected, "seed {seed}: Cargo.lock; {:?}", self.trace);
        }
    }

    /// The property of issue 24: for random interleavings of buildbench's edits, cargo's
    /// writes of Cargo.lock, the user's saves, a `kill -9` at any write, a full disk and
    /// `restore`, the edited file always ends as the user's last save (or the original) and
    /// Cargo.lock as the user's last version (or the original), and whenever the journal is
    /// gone that is already so.
    #[test]
    fn journal_property_the_users_last_save_or_the_original_always_remains() {
        for seed in 0..300 {
            journal_property(seed);
        }
    }

    fn journal_property(seed: u64) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        fs::create_dir(&root).unwrap();
        let journal = dir.path().join("state/journals/project.json");
        let (file, lock) = (root.join("main.rs"), root.join("Cargo.lock"));
        let mut m = Model {
            original: b"fn main() {}\n".to_vec(),
            lock_original: seed.is_multiple_of(2).then(|| b"# lock file as it was\n".to_vec()),
            user_file: None,
            user_lock: None,
            unjournaled: None,
            trace: Vec::new(),
        };
        fs::write(&file, &m.original).unwrap();
        if let Some(bytes) = &m.lock_original {
            fs::write(&lock, bytes).unwrap();
        }
        let world = Rc::new(RefCell::new(World { rng: Rng(seed), dead: false, full_for: 0 }));
        let hook = Rc::clone(&world);
        faults::install(Some(Box::new(move |_| hook.borrow_mut().fault())));
        let rng = |n| world.borrow_mut().rng.below(n);
        let dead = || world.borrow().dead;
        let (mut edits, mut saves) = (0, 0);
        let mut user_saves = |m: &mut Model, during: &str| {
            saves += 1;
            let bytes = format!("fn main() {{ /* the user's save {saves} */ }}\n").into_bytes();
            fs::write(&file, &bytes).unwrap();
            m.user_file = Some(bytes);
            m.trace.push(format!("user saves{during}"));
        };
        for _life in 0..6 {
            world.borrow_mut().dead = false;
            // While no run is alive, the user may save the file or regenerate the lock file.
            if rng(3) == 0 {
                user_saves(&mut m, "");
            }
            if rng(4) == 0 {
                let bytes = format!("# regenerated by the user {}\n", rng(1 << 40)).into_bytes();
                fs::write(&lock, &bytes).unwrap();
                m.user_lock = Some(Some(bytes));
                m.unjournaled = None;
                m.trace.push("user regenerates the lock".to_owned());
            }
            m.check(seed, &journal, &file, &lock);
            // A run: the restore of what a killed run left, then its guard.
            let recovered = recover_journal(&journal, &root);
            m.trace.push(format!("recover: {:?}", recovered.as_ref().map(|_| ()).map_err(ToString::to_string)));
            m.check(seed, &journal, &file, &lock);
            if recovered.is_err() {
                continue;
            }
            let run_original = fs::read(&file).unwrap();
            let guarded = [(file.clone(), false), (lock.clone(), true)];
            let Ok(new) = RestoreGuard::new(&guarded, Some((journal.clone(), &root, None))) else {
                m.trace.push("new: failed".to_owned());
                m.check(seed, &journal, &file, &lock);
                continue;
            };
            let mut live = Some(new);
            for _op in 0..8 {
                let Some(guard) = live.as_mut() else { break };
                let mut ended = false;
                let result = match rng(10) {
                    0..5 => {
                        edits += 1;
                        m.trace.push(format!("edit {edits}"));
                        guard.write(&file, &edited(&run_original, edits), dir.path())
                    }
                    5 => {
                        user_saves(&mut m, " during the run");
                        Ok(())
                    }
                    6..8 => {
                        edits += 1;
                        let bytes = format!("# written by cargo {edits}\n").into_bytes();
                        fs::write(&lock, &bytes).unwrap();
                        m.trace.push(format!("cargo writes the lock {edits}"));
                        let recorded = guard.record();
                        if recorded.is_err() {
                            m.unjournaled = Some(bytes);
                        }
                        recorded
                    }
                    _ => {
                        m.trace.push("restore".to_owned());
                        ended = true;
                        guard.restore().map(|_| ())
                    }
                };
                if let Err(e) = result {
                    m.trace.push(format!("  -> {e}"));
                    ended = true;
                    if !dead() {
                        // A refused edit or a full disk ends the run, which restores (and its
                        // guard's `Drop` tries again).
                        let restored = guard.restore();
                        m.trace.push(format!("  restore: {:?}", restored.map(|_| ()).map_err(|e| e.to_string())));
                    }
                }
                if dead() {
                    m.trace.push("  killed".to_owned());
                    std::mem::forget(live.take());
                    break;
                }
                if ended {
                    drop(live.take());
                }
                m.check(seed, &journal, &file, &lock);
            }
            if let Some(mut guard) = live.take() {
                // The run's steps ran out: it restores and ends.
                let _ = guard.restore();
            }
            if !dead() {
                m.check(seed, &journal, &file, &lock);
            }
        }
        // At last `buildbench restore` with room on the disk and no kill: everything is back.
        faults::install(None);
        recover_journal(&journal, &root).unwrap_or_else(|e| panic!("seed {seed}: {e}; {:?}", m.trace));
        assert!(!journal.exists(), "seed {seed}: the journal is gone once all is back");
        m.check(seed, &journal, &file, &lock);
        let left: Vec<_> = fs::read_dir(&root)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(crate::files::fsutil::TEMPORARY_PREFIX))
            .collect();
        assert!(left.is_empty(), "seed {seed}: temporary files left: {left:?}");
    }

    #[test]
    fn every_edit_differs() {
        assert_ne!(edit_suffix(1), edit_suffix(2));
    }
}
