//! The watchdog: a helper process that cleans up after buildbench even when buildbench is
//! killed with `kill -9`, when no destructor or signal handler of its own can run.
//!
//! The helper is the buildbench executable itself in a hidden mode (`BUILDBENCH_WATCHDOG=1`),
//! in a process group of its own so that a Ctrl-C or hang-up aimed at buildbench does not end
//! it first. buildbench tells it, one line at a time on its standard input, what is alive
//! right now: the process group of the running build, the private sccache servers, temporary
//! folders. When that pipe closes — buildbench ended, however it ended — the helper kills the
//! build's process group, stops the servers and removes the folders, then exits. On a normal
//! exit everything has been unregistered already and it has nothing to do.
//!
//! Without `start` (unit tests, library users) registering is a no-op.

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::Mutex;

/// The variable that starts the buildbench executable as the watchdog.
pub const MODE: &str = "BUILDBENCH_WATCHDOG";

/// Something the watchdog cleans up if buildbench dies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// A process group (a build and every process it started).
    Group(u32),
    /// A private sccache server: the program and its port.
    Sccache { program: PathBuf, port: u16 },
    /// A temporary folder buildbench created.
    Folder(PathBuf),
}

impl Resource {
    fn line(&self) -> Option<String> {
        let text = match self {
            Resource::Group(pgid) => format!("group {pgid}"),
            Resource::Sccache { program, port } => format!("sccache {port} {}", program.to_str()?),
            Resource::Folder(dir) => format!("folder {}", dir.to_str()?),
        };
        // One line per message: a path with a line break cannot be sent (and is not registered).
        (!text.contains('\n')).then_some(text)
    }

    fn parse(line: &str) -> Option<Resource> {
        let (kind, rest) = line.split_once(' ')?;
        match kind {
            "group" => rest.parse().ok().map(Resource::Group),
            "sccache" => {
                let (port, program) = rest.split_once(' ')?;
                Some(Resource::Sccache { program: PathBuf::from(program), port: port.parse().ok()? })
            }
            "folder" => Some(Resource::Folder(PathBuf::from(rest))),
            _ => None,
        }
    }
}

struct Helper {
    stdin: ChildStdin,
    child: Child,
}

static HELPER: Mutex<Option<Helper>> = Mutex::new(None);

fn send(message: &str) {
    let Ok(mut guard) = HELPER.lock() else { return };
    if let Some(helper) = guard.as_mut() {
        // A failed write means the helper is gone; there is nothing better to do than go on.
        let _ = writeln!(helper.stdin, "{message}").and_then(|()| helper.stdin.flush());
    }
}

/// Starts the watchdog (`program` is the buildbench executable). Idempotent.
pub fn start(program: &Path) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt as _;
    let Ok(mut guard) = HELPER.lock() else { return Ok(()) };
    if guard.is_some() {
        return Ok(());
    }
    let mut child = std::process::Command::new(program)
        .env(MODE, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    let stdin = child.stdin.take().ok_or_else(|| std::io::Error::other("no pipe to the watchdog"))?;
    *guard = Some(Helper { stdin, child });
    Ok(())
}

/// Ends the watchdog after a normal exit: closes the pipe and waits for it.
pub fn stop() {
    let helper = HELPER.lock().ok().and_then(|mut g| g.take());
    if let Some(Helper { stdin, mut child }) = helper {
        drop(stdin);
        let _ = child.wait();
    }
}

/// Tells the watchdog to clean `resource` up if buildbench dies.
pub fn register(resource: &Resource) {
    if let Some(line) = resource.line() {
        send(&format!("+{line}"));
    }
}

/// `resource` is gone or cleaned up: the watchdog forgets it.
pub fn unregister(resource: &Resource) {
    if let Some(line) = resource.line() {
        send(&format!("-{line}"));
    }
}

/// If this process was started as the watchdog, runs it to the end and returns `true`.
pub fn run_if_watchdog() -> bool {
    if std::env::var_os(MODE).is_none() {
        return false;
    }
    crate::process::exec::ignore_hangups();
    let mut alive: Vec<Resource> = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let (add, rest) = match line.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, line.strip_prefix('-').unwrap_or(&line)),
        };
        let Some(resource) = Resource::parse(rest) else { continue };
        if add {
            alive.push(resource);
        } else if let Some(i) = alive.iter().position(|r| *r == resource) {
            alive.remove(i);
        }
    }
    clean_up(&alive);
    true
}

/// What the watchdog does when buildbench is gone: the builds first (they may be using the
/// servers and folders), then the servers, then the folders.
fn clean_up(alive: &[Resource]) {
    for resource in alive {
        if let Resource::Group(pgid) = resource {
            crate::process::exec::kill_group(*pgid);
        }
    }
    // SIGKILL is delivered asynchronously: wait (5 s at most) until the groups are gone, so no
    // dying process writes into a folder being removed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    for resource in alive {
        if let Resource::Group(pgid) = resource {
            while crate::process::exec::group_exists(*pgid) && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
    for resource in alive {
        if let Resource::Sccache { program, port } = resource {
            let stop = std::process::Command::new(program)
                .arg("--stop-server")
                .env("SCCACHE_SERVER_PORT", port.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            // A client waiting on a server that does not answer is given 3 s.
            if let Ok(mut stop) = stop {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
                while matches!(stop.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                let _ = stop.kill();
                let _ = stop.wait();
            }
        }
    }
    // A server that did not answer (busy, or still starting when buildbench died) is killed:
    // found by the private port in its environment, after 5 s to end by itself.
    let ports: Vec<u16> =
        alive.iter().filter_map(|r| if let Resource::Sccache { port, .. } = r { Some(*port) } else { None }).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left: Vec<u32> = ports.iter().flat_map(|&port| sccache_servers(port)).collect();
        if left.is_empty() {
            break;
        }
        if std::time::Instant::now() >= deadline {
            left.into_iter().for_each(crate::process::exec::kill_process);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    for resource in alive {
        if let Resource::Folder(dir) = resource {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The sccache processes (by their program's name) whose environment names `port` as their
/// server port: a private server buildbench started, never another user's.
fn sccache_servers(port: u16) -> Vec<u32> {
    let needle = format!("SCCACHE_SERVER_PORT={port}");
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let program = cmdline.split(|&b| b == 0).next().unwrap_or_default();
            let name = Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(program)).file_name();
            name.and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("sccache"))
        })
        .filter(|pid| {
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            environ.split(|&b| b == 0).any(|v| v == needle.as_bytes())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        for r in [
            Resource::Group(42),
            Resource::Sccache { program: PathBuf::from("/usr/bin/sccache"), port: 4226 },
            Resource::Folder(PathBuf::from("/tmp/a b")),
        ] {
            assert_eq!(Resource::parse(&r.line().unwrap()), Some(r));
        }
        assert_eq!(Resource::Folder(PathBuf::from("/tmp/a\nb")).line(), None);
    }

    #[test]
    fn a_server_is_found_by_its_private_port_and_program_name_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sleep = ["/bin/sleep", "/usr/bin/sleep"].into_iter().find(|p| Path::new(p).exists()).expect("sleep");
        let fake = dir.path().join("sccache");
        std::os::unix::fs::symlink(sleep, &fake).expect("symlink");
        let other = dir.path().join("not-it");
        std::os::unix::fs::symlink(sleep, &other).expect("symlink");
        let start = |program: &Path, port: &str| {
            std::process::Command::new(program).arg("30").env("SCCACHE_SERVER_PORT", port).spawn().expect("spawn")
        };
        let (mut server, mut elsewhere, mut unrelated) =
            (start(&fake, "47123"), start(&fake, "47124"), start(&other, "47123"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while sccache_servers(47123).is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(sccache_servers(47123), [server.id()]);
        crate::process::exec::kill_process(server.id());
        assert!(server.wait().is_ok_and(|s| !s.success()));
        for child in [&mut elsewhere, &mut unrelated] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
