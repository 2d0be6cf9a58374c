//! Runs one `Invocation` and measures it: wall time, CPU time and peak memory of the process tree.

use std::io::Read;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::Invocation;

/// What one finished process did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub wall: Duration,
    /// User CPU seconds of the process and every descendant it waited for.
    pub user_seconds: f64,
    /// System CPU seconds of the same tree.
    pub system_seconds: f64,
    /// Peak resident set of the largest process in the tree, in bytes.
    pub max_rss_bytes: u64,
    /// `None` when the process was killed by a signal.
    pub exit_code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The invocation's time limit ended it.
    pub timed_out: bool,
    /// The unit processes of a cargo build and their CPU time (`Invocation::poll_units`).
    pub units_cpu: Vec<crate::process::cpu::UnitCpu>,
}

impl Outcome {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// The last `lines` lines of stderr, as text.
    pub fn stderr_tail(&self, lines: usize) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// Runs processes. The study driver only talks to this trait, so tests can replay recorded
/// outcomes instead of building.
pub trait Executor {
    fn run(&mut self, invocation: &Invocation) -> std::io::Result<Outcome>;
}

/// Replays outcomes instead of running anything: the seam that lets tests drive a whole study
/// (resume, failures, interrupts, adaptive sampling) in milliseconds, and check the exact list
/// of commands it would have run.
pub struct Replay<F: FnMut(usize, &Invocation) -> Outcome> {
    /// Every invocation received, in order.
    pub invocations: Vec<Invocation>,
    /// Gives the outcome of the `n`-th invocation (from 0).
    pub script: F,
}

impl<F: FnMut(usize, &Invocation) -> Outcome> Replay<F> {
    pub fn new(script: F) -> Replay<F> {
        Replay { invocations: Vec::new(), script }
    }
}

impl<F: FnMut(usize, &Invocation) -> Outcome> Executor for Replay<F> {
    fn run(&mut self, invocation: &Invocation) -> std::io::Result<Outcome> {
        let n = self.invocations.len();
        self.invocations.push(invocation.clone());
        Ok((self.script)(n, invocation))
    }
}

impl Outcome {
    /// A finished process that took `seconds` and exited with `code` (for replays).
    pub fn finished(seconds: f64, code: i32) -> Outcome {
        Outcome { wall: Duration::from_secs_f64(seconds), exit_code: Some(code), ..Outcome::default() }
    }
}

/// The process's interrupt flag (set by the CLI's signal handlers), for the executors that
/// are not handed one: the probes (`probe::capture`) run from deep inside toolchain and tool
/// detection, and must stop on Ctrl-C and SIGTERM like a build.
static INTERRUPTED: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();

/// Makes `flag` the process's interrupt flag (once; later calls keep the first).
pub fn set_interrupt_flag(flag: &Arc<AtomicBool>) {
    let _ = INTERRUPTED.set(Arc::clone(flag));
}

/// The process's interrupt flag, or one nothing sets when none was installed.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    INTERRUPTED.get().map_or_else(|| Arc::new(AtomicBool::new(false)), Arc::clone)
}

/// Spawns real processes. Each runs in its own process group, so a Ctrl-C reaches buildbench
/// first; when `interrupted` is set the whole group gets SIGTERM and the run ends early.
pub struct ProcessExecutor {
    pub interrupted: Arc<AtomicBool>,
}

impl ProcessExecutor {
    pub fn new(interrupted: Arc<AtomicBool>) -> ProcessExecutor {
        ProcessExecutor { interrupted }
    }
}

impl Executor for ProcessExecutor {
    fn run(&mut self, invocation: &Invocation) -> std::io::Result<Outcome> {
        use std::os::unix::process::CommandExt as _;
        let mut command = invocation.command();
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
        let started = Instant::now();
        let mut child = command.spawn()?;
        let pid = child.id();
        let poller = invocation.poll_units.then(|| crate::process::cpu::Poller::start(pid));
        let group = crate::process::watchdog::Resource::Group(pid);
        crate::process::watchdog::register(&group);
        // Each pipe is drained on its own thread so a chatty process can never block on a full pipe.
        let stdout = child.stdout.take().map(drain);
        let stderr = child.stderr.take().map(drain);
        // The watcher checks for an interrupt and the time limit every 20 ms and stops as soon
        // as the child is reaped (the channel closes), so it never delays the end of a build.
        // An interrupt asks the group to stop (SIGTERM) and insists (SIGKILL) after 3 s.
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let timed_out = Arc::new(AtomicBool::new(false));
        let watcher = {
            let interrupted = Arc::clone(&self.interrupted);
            let timed_out = Arc::clone(&timed_out);
            let limit = invocation.timeout;
            std::thread::spawn(move || {
                let mut asked: Option<Instant> = None;
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    finished.recv_timeout(Duration::from_millis(20))
                {
                    if limit.is_some_and(|l| started.elapsed() > l) && !timed_out.swap(true, Ordering::SeqCst) {
                        sys::signal_group(pid, libc::SIGKILL);
                    }
                    if interrupted.load(Ordering::SeqCst) {
                        match asked {
                            None => {
                                sys::signal_group(pid, libc::SIGTERM);
                                asked = Some(Instant::now());
                            }
                            Some(t) if t.elapsed() > Duration::from_secs(3) => sys::signal_group(pid, libc::SIGKILL),
                            Some(_) => {}
                        }
                    }
                }
            })
        };
        let waited = sys::wait_with_usage(pid);
        let wall = started.elapsed();
        let units_cpu = poller.map(crate::process::cpu::Poller::finish).unwrap_or_default();
        drop(done);
        let _ = watcher.join();
        // The child was reaped by wait4; dropping the handle does not wait again.
        drop(child);
        crate::process::watchdog::unregister(&group);
        let (status, usage) = waited?;
        Ok(Outcome {
            timed_out: timed_out.load(Ordering::SeqCst),
            wall,
            user_seconds: usage.user_seconds,
            system_seconds: usage.system_seconds,
            max_rss_bytes: usage.max_rss_bytes,
            exit_code: status,
            stdout: stdout.map(join).unwrap_or_default(),
            stderr: stderr.map(join).unwrap_or_default(),
            units_cpu,
        })
    }
}

/// Kills the process group led by `pgid` at once (the watchdog's last resort).
pub fn kill_group(pgid: u32) {
    sys::signal_group(pgid, libc::SIGKILL);
}

/// Sends SIGKILL to the single process `pid`.
pub fn kill_process(pid: u32) {
    sys::signal_process(pid, libc::SIGKILL);
}

/// Does any process of the group led by `pgid` still exist?
pub fn group_exists(pgid: u32) -> bool {
    sys::group_exists(pgid)
}

/// Ignores SIGHUP and SIGINT in this process.
pub fn ignore_hangups() {
    sys::ignore_hangups();
}

/// Could this process write `path` (also false on a read-only file system)?
pub fn writable(path: &std::path::Path) -> bool {
    sys::writable(path)
}

fn drain<R: Read + Send + 'static>(mut pipe: R) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = pipe.read_to_end(&mut buffer);
        buffer
    })
}

fn join(handle: std::thread::JoinHandle<Vec<u8>>) -> Vec<u8> {
    handle.join().unwrap_or_default()
}

/// The two system calls std does not expose: `wait4` (resource usage of a reaped child and its
/// waited-for descendants) and `kill` on a process group.
#[allow(unsafe_code)]
mod sys {
    pub struct Usage {
        pub user_seconds: f64,
        pub system_seconds: f64,
        pub max_rss_bytes: u64,
    }

    /// Waits for `pid` and returns its exit code (`None` if a signal ended it) and resource usage.
    ///
    /// Linux accumulates the usage of every descendant a process waited for into that process,
    /// so for cargo this covers rustc, linkers and build scripts. `ru_maxrss` is the peak of the
    /// largest single process in the tree, in KiB (getrusage(2)).
    pub fn wait_with_usage(pid: u32) -> std::io::Result<(Option<i32>, Usage)> {
        let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
        loop {
            let mut status: libc::c_int = 0;
            // SAFETY: `rusage` is plain old data; all-zero is a valid value for it.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: both pointers are valid, exclusive and live for the duration of the call.
            let result = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            if result == -1 {
                let error = std::io::Error::last_os_error();
                if error.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(error);
            }
            let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
            let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            return Ok((
                code,
                Usage {
                    user_seconds: seconds(usage.ru_utime),
                    system_seconds: seconds(usage.ru_stime),
                    max_rss_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
                },
            ));
        }
    }

    /// Sends `signal` to the process group led by `pid` (cargo and every rustc it started).
    pub fn signal_group(pid: u32, signal: libc::c_int) {
        if let Ok(pid) = libc::pid_t::try_from(pid) {
            // SAFETY: kill has no memory-safety preconditions; a stale group id only fails with ESRCH.
            unsafe {
                libc::kill(-pid, signal);
            }
        }
    }

    /// Sends `signal` to the one process `pid`.
    pub fn signal_process(pid: u32, signal: libc::c_int) {
        if let Ok(pid) = libc::pid_t::try_from(pid)
            && pid > 0
        {
            // SAFETY: kill has no memory-safety preconditions; a stale pid only fails with ESRCH.
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }

    /// `kill(-pgid, 0)`: does the group still have a process?
    pub fn group_exists(pgid: u32) -> bool {
        let Ok(pgid) = libc::pid_t::try_from(pgid) else { return false };
        // SAFETY: signal 0 only checks for existence; no memory is involved.
        unsafe { libc::kill(-pgid, 0) == 0 }
    }

    /// Ignores hang-ups and Ctrl-C in this process (the watchdog must outlive the terminal).
    pub fn ignore_hangups() {
        for signal in [libc::SIGHUP, libc::SIGINT] {
            // SAFETY: SIG_IGN is a valid disposition; no handler code runs.
            unsafe {
                libc::signal(signal, libc::SIG_IGN);
            }
        }
    }

    /// Could this process write `path`? `access(2)` with W_OK: also false on a read-only
    /// file system, where even root cannot write.
    pub fn writable(path: &std::path::Path) -> bool {
        use std::os::unix::ffi::OsStrExt as _;
        let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return false };
        // SAFETY: `c` is a valid NUL-terminated string that lives for the duration of the call.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_cpu_time_of_the_whole_tree() {
        let mut exec = ProcessExecutor::new(Arc::new(AtomicBool::new(false)));
        // The CPU work happens in a grandchild; the shell waits for it, so it is counted.
        let inv = Invocation::new("sh")
            .args(["-c", "sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'; echo out; echo err >&2; exit 3"]);
        let out = exec.run(&inv).expect("runs");
        assert_eq!(out.exit_code, Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr_tail(1), "err");
        assert!(out.user_seconds + out.system_seconds > 0.05, "{out:?}");
        assert!(out.max_rss_bytes > 100 * 1024, "{out:?}");
        assert!(out.wall >= Duration::from_millis(50));
    }

    #[test]
    fn an_interrupt_ends_the_process_group() {
        let interrupted = Arc::new(AtomicBool::new(false));
        let mut exec = ProcessExecutor::new(Arc::clone(&interrupted));
        let flag = Arc::clone(&interrupted);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            flag.store(true, Ordering::SeqCst);
        });
        let started = Instant::now();
        let out = exec.run(&Invocation::new("sh").args(["-c", "sleep 30 & wait"])).expect("runs");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(!out.success());
    }
}
