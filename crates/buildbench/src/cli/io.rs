//! The CLI's input, output and temporary folders: printing to stdout, bounded input reads,
//! the interrupt flag, and temporary or kept work folders.

use super::*;

/// Writes `text` to stdout; a closed pipe (`| head`) is not an error worth a message.
pub fn print(text: &str) -> anyhow::Result<std::process::ExitCode> {
    use anyhow::Context as _;
    use std::io::Write as _;
    if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("writing to stdout");
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// A flag set by Ctrl-C, SIGTERM, a hang-up (the terminal closed) or SIGQUIT: the runner stops
/// the build in progress (its whole process group), restores and saves, and the command exits
/// with 130. Also starts the watchdog that cleans up if buildbench is killed outright.
pub fn interrupt_flag() -> anyhow::Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    use anyhow::Context as _;
    if let Ok(exe) = std::env::current_exe() {
        buildbench_runner::watchdog::start(&exe).context("starting the clean-up watchdog")?;
    }
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&flag)).context("installing the Ctrl-C handler")?;
    }
    // Probes (toolchains, linkers, tools) stop on the same flag as builds.
    buildbench_runner::exec::set_interrupt_flag(&flag);
    Ok(flag)
}

/// Reads a file the user named (`what` it should be, for the message) through the runner's one
/// bounded reader (`fsutil::read_bounded`): only regular files of at most 512 MiB, refused by
/// name before they are opened, so a wrong path (`/dev/zero`, a named pipe, a disk image)
/// neither blocks nor exhausts memory.
pub fn read_input(file: &std::path::Path, what: &str) -> anyhow::Result<Vec<u8>> {
    use buildbench_runner::RunnerError;
    buildbench_runner::fsutil::read_bounded(file).map_err(|e| match e {
        RunnerError::NotAFile { path, kind } => {
            anyhow::anyhow!("{}: {kind}, not a {what}; pass a regular file", path.display())
        }
        RunnerError::TooLarge { path, limit, .. } => {
            anyhow::anyhow!("{}: larger than {} MiB; not a {what}", path.display(), limit >> 20)
        }
        RunnerError::Io { path, error, .. } => anyhow::anyhow!("{}: cannot read the {what}: {error}", path.display()),
        other => other.into(),
    })
}

/// A temporary folder that is removed when dropped, and by the watchdog if buildbench is
/// killed before that.
pub struct TempDir {
    dir: tempfile::TempDir,
}

impl TempDir {
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        buildbench_runner::watchdog::unregister(&buildbench_runner::watchdog::Resource::Folder(
            self.dir.path().to_owned(),
        ));
    }
}

/// Creates a temporary folder named `prefix...` that is removed on every way out.
/// The scratch folder of `link` and `profile`: `--work DIR` (kept), else `work` inside a new
/// temporary folder (removed with the returned guard, or by the watchdog).
pub fn work_dir(work: Option<&std::path::Path>, prefix: &str) -> anyhow::Result<(Option<TempDir>, PathBuf)> {
    Ok(match work {
        Some(dir) => (None, buildbench_runner::paths::resolve(dir)?),
        None => {
            let t = temp_dir(prefix)?;
            let path = t.path().join("work");
            (Some(t), path)
        }
    })
}

pub fn temp_dir(prefix: &str) -> anyhow::Result<TempDir> {
    use anyhow::Context as _;
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().context("creating a temporary directory")?;
    buildbench_runner::watchdog::register(&buildbench_runner::watchdog::Resource::Folder(dir.path().to_owned()));
    Ok(TempDir { dir })
}
