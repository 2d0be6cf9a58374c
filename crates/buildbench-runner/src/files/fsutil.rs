//! File helpers: atomic writes and tree copies that never follow a project outside itself.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::RunnerError;

/// Writes `bytes` to `path` atomically: a temporary file in the same directory renamed over the
/// target, so a crash or `kill -9` leaves either the old or the new file, never half of one.
/// There is no fsync: it would cost milliseconds per sample, and the rename alone is atomic
/// against process death (only a power loss could lose the newest version). Buildbench's own
/// files are made readable (0644): results are meant to be read and published.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunnerError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(RunnerError::io(dir, "cannot create the directory"))?;
    write_through_temporary(path, bytes, 0o644, false)
}

/// Replaces the user's file at `path` with `bytes` atomically, keeping its permissions: a
/// temporary file in the same folder, renamed over it. A kill or a full disk then leaves either
/// the old or the new contents, never part of either (a full disk fails the write of the
/// temporary file, and the file itself is untouched). The data is synced before the rename: a
/// user's file is worth the milliseconds.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), RunnerError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
    write_through_temporary(path, bytes, mode, true)
}

/// The name every temporary file of buildbench's starts with, so a restore can recognise one
/// that a killed write left beside the user's file (`edit::remove_stale_temporaries`).
pub const TEMPORARY_PREFIX: &str = ".buildbench-";

/// The one way both of the above write: a `.buildbench-*` temporary file next to `path` with
/// `mode`, renamed over it.
fn write_through_temporary(path: &Path, bytes: &[u8], mode: u32, sync: bool) -> Result<(), RunnerError> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    #[cfg(test)]
    let fault = faults::next(path);
    #[cfg(test)]
    if let Some(faults::Fault::Dead) = fault {
        return Err(faults::error(path, std::io::ErrorKind::Interrupted));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempfile_in(dir)
        .map_err(RunnerError::io(dir, "cannot create a temporary file"))?;
    #[cfg(test)]
    if let Some(fault) = fault {
        return faults::strike(fault, tmp, path, bytes);
    }
    tmp.write_all(bytes).map_err(RunnerError::io(path, "cannot write"))?;
    if sync {
        tmp.as_file().sync_data().map_err(RunnerError::io(path, "cannot write"))?;
    }
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(RunnerError::io(path, "cannot set permissions"))?;
    tmp.persist(path).map_err(|e| RunnerError::Io {
        path: path.to_owned(),
        action: "cannot replace",
        error: e.error,
    })?;
    Ok(())
}

/// The fault-injection seam of the journal's property test (`edit::tests`): each write through
/// `write_through_temporary` on this thread asks the installed hook whether it is hit by a
/// full disk or by a `kill -9` at some point of the write.
#[cfg(test)]
pub(crate) mod faults {
    use std::cell::RefCell;
    use std::io::Write as _;
    use std::path::Path;

    use crate::RunnerError;

    /// What happens to one write.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub(crate) enum Fault {
        /// The disk fills up halfway through the temporary file (which is then removed, as
        /// the real error path does); the target is untouched.
        DiskFull,
        /// Killed halfway through writing the temporary file: it stays beside the target.
        KillWhileWriting,
        /// Killed after the temporary file was written, before the rename.
        KillBeforeRename,
        /// Killed just after the rename: the write is done, nothing after it runs.
        KillAfterRename,
        /// The process is dead: nothing is written.
        Dead,
    }

    type Hook = Box<dyn FnMut(&Path) -> Option<Fault>>;

    thread_local! {
        static HOOK: RefCell<Option<Hook>> = RefCell::new(None);
    }

    /// Installs `hook` for this thread's writes (`None` removes it).
    pub(crate) fn install(hook: Option<Hook>) {
        HOOK.with(|h| *h.borrow_mut() = hook);
    }

    pub(super) fn next(path: &Path) -> Option<Fault> {
        HOOK.with(|h| h.borrow_mut().as_mut().and_then(|hook| hook(path)))
    }

    pub(super) fn error(path: &Path, kind: std::io::ErrorKind) -> RunnerError {
        RunnerError::Io { path: path.to_owned(), action: "cannot write", error: kind.into() }
    }

    /// Carries out `fault` on the write of `bytes` to `path` through `tmp`.
    pub(super) fn strike(
        fault: Fault,
        mut tmp: tempfile::NamedTempFile,
        path: &Path,
        bytes: &[u8],
    ) -> Result<(), RunnerError> {
        let half = bytes.get(..bytes.len() / 2).unwrap_or_default();
        let killed = error(path, std::io::ErrorKind::Interrupted);
        match fault {
            Fault::DiskFull => {
                let _ = tmp.write_all(half);
                Err(error(path, std::io::ErrorKind::StorageFull))
            }
            Fault::KillWhileWriting | Fault::KillBeforeRename => {
                let part = if fault == Fault::KillWhileWriting { half } else { bytes };
                let _ = tmp.write_all(part);
                // A killed process removes nothing.
                let _ = tmp.keep();
                Err(killed)
            }
            Fault::KillAfterRename => {
                let _ = tmp.write_all(bytes);
                let _ = tmp.persist(path);
                Err(killed)
            }
            Fault::Dead => Err(killed),
        }
    }
}

/// The largest file buildbench reads whole (studies, timing reports, configuration files,
/// files to edit): a wrong path (a disk image, a huge sparse file) is refused, not read until
/// memory runs out.
pub const MAX_READ_BYTES: u64 = 512 << 20;

/// What a path that is not a regular file is, in words, for messages.
fn file_kind(t: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Refuses `path` unless it is a regular file (links followed) of at most `MAX_READ_BYTES`.
fn check_regular(path: &Path, meta: &fs::Metadata) -> Result<(), RunnerError> {
    if !meta.is_file() {
        return Err(RunnerError::NotAFile { path: path.to_owned(), kind: file_kind(meta.file_type()) });
    }
    if meta.len() > MAX_READ_BYTES {
        return Err(RunnerError::TooLarge { path: path.to_owned(), bytes: meta.len(), limit: MAX_READ_BYTES });
    }
    Ok(())
}

/// Reads the whole of a file the user named (or one inside their project): the one reader for
/// such files. Anything but a regular file is refused by name before it is opened (a named
/// pipe would block the read forever, `/dev/zero` never ends), and so is a file larger than
/// `MAX_READ_BYTES`. The file is opened without blocking and checked again once open, so a
/// file swapped for a pipe in between cannot hang the read either; the read itself stops at
/// the limit whatever the file claims.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, RunnerError> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let meta = fs::metadata(path).map_err(RunnerError::io(path, "cannot read"))?;
    check_regular(path, &meta)?;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(RunnerError::io(path, "cannot read"))?;
    check_regular(path, &file.metadata().map_err(RunnerError::io(path, "cannot read"))?)?;
    let mut bytes = Vec::new();
    file.take(MAX_READ_BYTES + 1).read_to_end(&mut bytes).map_err(RunnerError::io(path, "cannot read"))?;
    if bytes.len() as u64 > MAX_READ_BYTES {
        return Err(RunnerError::TooLarge { path: path.to_owned(), bytes: bytes.len() as u64, limit: MAX_READ_BYTES });
    }
    Ok(bytes)
}

/// The files cargo and rustup read on their own when they run in `dir`: `.cargo/config.toml`
/// (and the older `.cargo/config`) and `rust-toolchain.toml` (and `rust-toolchain`) in `dir`
/// and every folder above it. If one exists but is not a regular file (a named pipe, a
/// device), cargo would block on it or read it forever, so it is refused by name before any
/// cargo command runs there.
pub fn check_cargo_files(dir: &Path) -> Result<(), RunnerError> {
    for folder in dir.ancestors() {
        for name in [".cargo/config.toml", ".cargo/config", "rust-toolchain.toml", "rust-toolchain"] {
            let path = folder.join(name);
            if let Ok(meta) = fs::metadata(&path)
                && !meta.is_file()
                && !(name == ".cargo/config" && meta.is_dir())
            {
                return Err(RunnerError::NotAFile { path, kind: file_kind(meta.file_type()) });
            }
        }
    }
    Ok(())
}

/// Copies the tree at `from` to `to`, skipping every path in `skip` (and below) and `to` itself
/// (a copy never copies into itself). Symlinks are copied as symlinks, files keep their
/// permissions and modification times.
pub fn copy_tree(from: &Path, to: &Path, skip: &[PathBuf]) -> Result<u64, RunnerError> {
    // The first folder on the way to `to` that does not exist yet: it and all below it are
    // created by this copy, so none of it is copied.
    let created = to.ancestors().take_while(|a| !a.exists()).last().map(Path::to_owned);
    fs::create_dir_all(to).map_err(RunnerError::io(to, "cannot create the directory"))?;
    let mut skip = skip.to_vec();
    skip.push(fs::canonicalize(to).map_err(RunnerError::io(to, "cannot resolve"))?);
    if let Some(top) = created.and_then(|c| fs::canonicalize(c).ok()) {
        skip.push(top);
    }
    copy_tree_skipping(from, to, &skip)
}

fn copy_tree_skipping(from: &Path, to: &Path, skip: &[PathBuf]) -> Result<u64, RunnerError> {
    fs::create_dir_all(to).map_err(RunnerError::io(to, "cannot create the directory"))?;
    let mut bytes = 0;
    let entries = fs::read_dir(from).map_err(RunnerError::io(from, "cannot list the directory"))?;
    for entry in entries {
        let entry = entry.map_err(RunnerError::io(from, "cannot list the directory"))?;
        let source = entry.path();
        if skip.iter().any(|s| s == &source) || fs::canonicalize(&source).is_ok_and(|c| skip.contains(&c)) {
            continue;
        }
        bytes += copy_entry(&source, &to.join(entry.file_name()), skip)?;
    }
    Ok(bytes)
}

/// Copies one entry of a tree: a symlink as a symlink, a folder with everything below it but
/// `skip`, a regular file with its modification time (cargo decides what is fresh by them). A
/// FIFO would block the copy forever (and Ctrl-C with it); a socket or a device cannot be
/// copied; none of them is a source of a build, so they are left out. Returns the bytes copied.
pub fn copy_entry(source: &Path, target: &Path, skip: &[PathBuf]) -> Result<u64, RunnerError> {
    let kind = fs::symlink_metadata(source).map_err(RunnerError::io(source, "cannot stat"))?.file_type();
    if kind.is_symlink() {
        let link = fs::read_link(source).map_err(RunnerError::io(source, "cannot read the link"))?;
        std::os::unix::fs::symlink(&link, target).map_err(RunnerError::io(target, "cannot create the link"))?;
        Ok(0)
    } else if kind.is_dir() {
        copy_tree_skipping(source, target, skip)
    } else if kind.is_file() {
        copy_file(source, target)
    } else {
        Ok(0)
    }
}

/// Copies a regular file (following a link to it) with its modification time.
fn copy_file(source: &Path, target: &Path) -> Result<u64, RunnerError> {
    let bytes = fs::copy(source, target).map_err(RunnerError::io(source, "cannot copy"))?;
    if let Ok(modified) = fs::metadata(source).and_then(|m| m.modified()) {
        let file = fs::File::options().write(true).open(target).map_err(RunnerError::io(target, "cannot open"))?;
        file.set_modified(modified).map_err(RunnerError::io(target, "cannot set the modification time"))?;
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

/// Makes `relative` inside the copy at `root` a real file of the copy: every symlink on the way
/// (the file itself or a folder above it) is replaced by a copy of what it points to, so that
/// editing the file can never write through a link into the user's tree or elsewhere.
pub fn materialize(root: &Path, relative: &Path) -> Result<(), RunnerError> {
    let mut path = root.to_owned();
    for part in relative.components() {
        path.push(part);
        let meta = fs::symlink_metadata(&path).map_err(RunnerError::io(&path, "cannot stat"))?;
        if !meta.file_type().is_symlink() {
            continue;
        }
        let real = fs::canonicalize(&path).map_err(RunnerError::io(&path, "cannot resolve the link"))?;
        fs::remove_file(&path).map_err(RunnerError::io(&path, "cannot replace the link"))?;
        if real.is_dir() {
            copy_tree(&real, &path, &[])?;
        } else {
            copy_file(&real, &path)?;
        }
    }
    let root = fs::canonicalize(root).map_err(RunnerError::io(root, "cannot resolve"))?;
    let real = fs::canonicalize(&path).map_err(RunnerError::io(&path, "cannot resolve"))?;
    if !real.starts_with(&root) {
        return Err(RunnerError::EditFile {
            problem: format!("resolves to {}, outside the copy; pass --edit with another file", real.display()),
            path,
        });
    }
    Ok(())
}

/// Removes a directory tree if it exists.
pub fn remove_tree(path: &Path) -> Result<(), RunnerError> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RunnerError::Io { path: path.to_owned(), action: "cannot remove", error: e }),
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
    fn a_copy_into_the_tree_it_copies_does_not_recurse() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("p");
        fs::create_dir_all(src.join("src")).unwrap();
        fs::write(src.join("src/main.rs"), "fn main() {}").unwrap();
        copy_tree(&src, &src.join("work/src"), &[]).unwrap();
        assert!(src.join("work/src/src/main.rs").is_file());
        assert!(!src.join("work/src/work").exists());
    }

    #[test]
    fn an_edited_file_behind_a_symlink_becomes_the_copys_own() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("real_main.rs"), "fn main() {}").unwrap();
        fs::create_dir_all(outside.join("dir")).unwrap();
        fs::write(outside.join("dir/lib.rs"), "").unwrap();
        let copy = dir.path().join("copy");
        fs::create_dir_all(copy.join("src")).unwrap();
        std::os::unix::fs::symlink(outside.join("real_main.rs"), copy.join("src/main.rs")).unwrap();
        std::os::unix::fs::symlink(outside.join("dir"), copy.join("linked")).unwrap();
        materialize(&copy, Path::new("src/main.rs")).unwrap();
        materialize(&copy, Path::new("linked/lib.rs")).unwrap();
        fs::write(copy.join("src/main.rs"), "edited").unwrap();
        fs::write(copy.join("linked/lib.rs"), "edited").unwrap();
        assert_eq!(fs::read_to_string(outside.join("real_main.rs")).unwrap(), "fn main() {}");
        assert_eq!(fs::read_to_string(outside.join("dir/lib.rs")).unwrap(), "");
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
