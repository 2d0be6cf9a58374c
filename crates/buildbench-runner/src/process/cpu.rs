//! CPU time of each unit of a build, for `whatif`: a thread polls the processes cargo starts.
//!
//! Every process cargo starts for a unit (rustc, or a build script's binary) is a direct child
//! of cargo and carries `CARGO_PKG_NAME` and `CARGO_PKG_VERSION` in its environment. Every
//! 100 ms the poller lists cargo's children (`/proc/PID/task/*/children`) and, for each unit
//! process, sums user and system time over its live process tree, each process counted with
//! the children it already reaped (`utime + stime + cutime + cstime` of `/proc/PID/stat`): for
//! a build script, the make and compilers it runs; for rustc, its threads and the linker.
//! A process caught between cargo's fork and its exec is a copy of cargo, not a unit yet: it
//! is identified again once it runs another program (under load that window spans polls).
//! What a unit used after the last poll is not seen, so a unit's figure is its rate over the
//! observed part of its run (CPUs used on average), which `record` turns into CPU seconds
//! over the duration cargo reports.
//!
//! A poll reads a few dozen small files: 0.35 to 0.69 ms of CPU on a tree the size of a busy
//! `-j2` build's (`tests::a_poll_costs_little`, counted in 10 ms clock ticks over 29 polls), so
//! 0.3-0.7% of one core; every build of a study is polled alike, so no configuration pays more
//! than another.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the process tree is read.
const INTERVAL: Duration = Duration::from_millis(100);

/// What a unit process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// rustc compiling a crate (`--crate-name`, `--test`).
    Rustc { test: bool },
    /// rustc compiling a build script.
    BuildScriptBuild,
    /// A build script running.
    BuildScriptRun,
}

/// One unit process as the poller saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitCpu {
    pub package: String,
    pub version: String,
    /// rustc's `--crate-name` (empty for a build script's run).
    pub crate_name: String,
    pub role: Role,
    /// When it started, seconds after the poller did (for ordering units of one key).
    pub started: f64,
    /// Seconds from its start to the last time it was seen.
    pub observed: f64,
    /// CPU seconds its process tree had used when last seen.
    pub cpu: f64,
    /// Times it was seen.
    pub polls: u32,
}

impl UnitCpu {
    /// CPUs used on average over the observed part of its run, when seen long enough.
    pub fn parallelism(&self) -> Option<f64> {
        (self.polls >= 2 && self.observed >= 0.2).then(|| self.cpu / self.observed)
    }
}

/// A running poller; `finish` stops it and returns what it saw.
pub struct Poller {
    stop: mpsc::Sender<()>,
    handle: JoinHandle<(Vec<UnitCpu>, Cost)>,
}

/// What the polling itself cost: its own thread's CPU time over its polls.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    pub polls: u32,
    pub cpu_seconds: f64,
}

impl Poller {
    /// Starts polling the children of `cargo`.
    pub fn start(cargo: u32) -> Poller {
        let (stop, stopped) = mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            let began = Instant::now();
            // Each process (pid and start time) with the program it ran when last identified: a
            // process cargo has forked but not yet exec'd is its own copy, not a unit, and is
            // identified again once it runs another program.
            let mut seen: HashMap<(u32, u64), (Option<String>, Option<UnitCpu>)> = HashMap::new();
            let boot = sys::boot_offset();
            let own_before = sys::thread_cpu();
            let mut polls = 0u32;
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                polls += 1;
                let now = began.elapsed().as_secs_f64();
                for pid in sys::children(cargo) {
                    let Some(stat) = sys::stat(pid) else { continue };
                    let (program, entry) = seen.entry((pid, stat.start_ticks)).or_insert((None, None));
                    if entry.is_none() {
                        let exe = sys::exe_name(pid);
                        if exe.is_some() && *program != exe {
                            let started = boot.map_or(now, |b| sys::ticks(stat.start_ticks) - b);
                            *entry = identify(pid, started);
                            *program = exe;
                        }
                    }
                    if let Some(unit) = entry {
                        unit.cpu = sys::tree_cpu(pid);
                        unit.observed = (now - unit.started).max(0.0);
                        unit.polls += 1;
                    }
                }
            }
            let cost = Cost { polls, cpu_seconds: (sys::thread_cpu() - own_before).max(0.0) };
            (seen.into_values().filter_map(|(_, unit)| unit).collect(), cost)
        });
        Poller { stop, handle }
    }

    /// Stops the poller: every unit process it saw.
    pub fn finish(self) -> Vec<UnitCpu> {
        self.finish_with_cost().0
    }

    /// `finish`, with what the polling cost.
    pub fn finish_with_cost(self) -> (Vec<UnitCpu>, Cost) {
        drop(self.stop);
        self.handle.join().unwrap_or_default()
    }
}

/// Reads what unit a process of cargo's is; `None` for anything else (`rustc -vV`, a wrapper).
fn identify(pid: u32, started: f64) -> Option<UnitCpu> {
    let env = sys::environ(pid)?;
    let package = env.get("CARGO_PKG_NAME")?.clone();
    let version = env.get("CARGO_PKG_VERSION")?.clone();
    let exe = sys::exe_name(pid)?;
    let args = sys::cmdline(pid);
    let role = if exe.starts_with("build-script-") {
        Role::BuildScriptRun
    } else if exe.starts_with("rustc") {
        let crate_name = arg_value(&args, "--crate-name")?;
        if crate_name == "build_script_build" {
            Role::BuildScriptBuild
        } else {
            Role::Rustc { test: args.iter().any(|a| a == "--test") }
        }
    } else {
        // sccache or another wrapper: the compile runs elsewhere.
        return None;
    };
    let crate_name = match role {
        Role::BuildScriptRun => String::new(),
        _ => arg_value(&args, "--crate-name").unwrap_or_default(),
    };
    Some(UnitCpu { package, version, crate_name, role, started, observed: 0.0, cpu: 0.0, polls: 0 })
}

fn arg_value(args: &[String], flag: &str) -> Option<String> {
    let at = args.iter().position(|a| a == flag)?;
    args.get(at + 1).cloned()
}

/// Sets each unit's `cpu_seconds` from the processes seen: units and processes of one package,
/// version and role are paired in start order, and a process's average CPUs times the unit's
/// duration is its CPU time.
pub fn attach(units: &mut [buildbench_timings::Unit], seen: &[UnitCpu]) {
    use buildbench_timings::{Mode, TargetKind};
    type Key = (String, String, String, Role);
    let key_of_unit = |u: &buildbench_timings::Unit| -> Option<Key> {
        let version = u.version.clone()?;
        let (name, role) = match (u.kind, u.mode) {
            (TargetKind::BuildScript, Mode::RunCustomBuild) => (String::new(), Role::BuildScriptRun),
            (TargetKind::BuildScript, _) => ("build_script_build".to_owned(), Role::BuildScriptBuild),
            (kind, mode) => (
                u.target.replace('-', "_"),
                Role::Rustc { test: mode == Mode::Test || matches!(kind, TargetKind::Test | TargetKind::Bench) },
            ),
        };
        Some((u.name.clone(), version, name, role))
    };
    let mut processes: HashMap<Key, Vec<&UnitCpu>> = HashMap::new();
    for p in seen {
        processes.entry((p.package.clone(), p.version.clone(), p.crate_name.clone(), p.role)).or_default().push(p);
    }
    for list in processes.values_mut() {
        list.sort_by(|a, b| a.started.total_cmp(&b.started));
    }
    let mut slots: HashMap<Key, Vec<usize>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        if u.ran()
            && u.start.is_some()
            && let Some(k) = key_of_unit(u)
        {
            slots.entry(k).or_default().push(i);
        }
    }
    for (key, mut indices) in slots {
        indices.sort_by(|a, b| {
            let start = |i: &usize| units.get(*i).and_then(|u| u.start).unwrap_or(0.0);
            start(a).total_cmp(&start(b))
        });
        let Some(list) = processes.get(&key) else { continue };
        // Pairing in order is only safe when both sides saw the same number.
        if list.len() != indices.len() {
            continue;
        }
        for (i, p) in indices.into_iter().zip(list) {
            if let (Some(unit), Some(par)) = (units.get_mut(i), p.parallelism()) {
                unit.cpu_seconds = unit.duration.map(|d| par * d);
            }
        }
    }
}

#[cfg(target_os = "linux")]
mod sys {
    use std::collections::HashMap;

    pub struct Stat {
        pub start_ticks: u64,
        /// utime + stime + cutime + cstime, in clock ticks.
        pub cpu_ticks: u64,
    }

    /// `/proc` counts in USER_HZ, which the kernel's ABI fixes at 100 on every architecture
    /// Rust targets (`sysconf(_SC_CLK_TCK)`).
    const TICKS_PER_SECOND: f64 = 100.0;

    pub fn ticks(t: u64) -> f64 {
        t as f64 / TICKS_PER_SECOND
    }

    /// Seconds since boot at the moment the poller started, so a process's start (in ticks
    /// since boot) can be put on the poller's clock.
    pub fn boot_offset() -> Option<f64> {
        let text = std::fs::read_to_string("/proc/uptime").ok()?;
        text.split_whitespace().next()?.parse().ok()
    }

    pub fn stat(pid: u32) -> Option<Stat> {
        parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
    }

    /// A `/proc/PID/stat` line's CPU ticks and start.
    pub fn parse_stat(text: &str) -> Option<Stat> {
        // The command name is in parentheses and may hold spaces: fields start after the last ')'.
        let rest = text.get(text.rfind(')')? + 2..)?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // Fields 14-17 (utime, stime, cutime, cstime) and 22 (starttime), counted from 1 with
        // pid and comm as 1 and 2, so from index 0 of `rest` at 11-14 and 19.
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<i64>().ok()).map(|v| v.max(0) as u64);
        Some(Stat { cpu_ticks: field(11)? + field(12)? + field(13)? + field(14)?, start_ticks: field(19)? })
    }

    /// CPU seconds of the calling thread (`/proc/thread-self/stat`).
    pub fn thread_cpu() -> f64 {
        let Ok(text) = std::fs::read_to_string("/proc/thread-self/stat") else { return 0.0 };
        let Some(rest) = text.rfind(')').and_then(|i| text.get(i + 2..)) else { return 0.0 };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        ticks(field(11) + field(12))
    }

    pub fn children(pid: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
        for task in tasks.flatten() {
            if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
                out.extend(text.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
            }
        }
        out
    }

    /// CPU seconds of `pid` and its live descendants, each with what it reaped.
    pub fn tree_cpu(pid: u32) -> f64 {
        let mut total = 0u64;
        let mut stack = vec![pid];
        let mut visited = 0;
        while let Some(p) = stack.pop() {
            visited += 1;
            if visited > 10_000 {
                break;
            }
            if let Some(s) = stat(p) {
                total += s.cpu_ticks;
            }
            stack.extend(children(p));
        }
        ticks(total)
    }

    pub fn environ(pid: u32) -> Option<HashMap<String, String>> {
        let bytes = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
        Some(
            bytes
                .split(|b| *b == 0)
                .filter_map(|kv| {
                    let text = std::str::from_utf8(kv).ok()?;
                    let (k, v) = text.split_once('=')?;
                    k.starts_with("CARGO_").then(|| (k.to_owned(), v.to_owned()))
                })
                .collect(),
        )
    }

    pub fn cmdline(pid: u32) -> Vec<String> {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| b.split(|c| *c == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect())
            .unwrap_or_default()
    }

    pub fn exe_name(pid: u32) -> Option<String> {
        let path = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
        Some(path.file_name()?.to_string_lossy().into_owned())
    }
}

#[cfg(not(target_os = "linux"))]
mod sys {
    use std::collections::HashMap;

    pub struct Stat {
        pub start_ticks: u64,
    }
    pub fn ticks(_: u64) -> f64 {
        0.0
    }
    pub fn thread_cpu() -> f64 {
        0.0
    }
    pub fn boot_offset() -> Option<f64> {
        None
    }
    pub fn stat(_: u32) -> Option<Stat> {
        None
    }
    pub fn children(_: u32) -> Vec<u32> {
        Vec::new()
    }
    pub fn tree_cpu(_: u32) -> f64 {
        0.0
    }
    pub fn environ(_: u32) -> Option<HashMap<String, String>> {
        None
    }
    pub fn cmdline(_: u32) -> Vec<String> {
        Vec::new()
    }
    pub fn exe_name(_: u32) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use buildbench_timings::{Mode, TargetKind, Unit};

    fn unit(name: &str, target: &str, kind: TargetKind, mode: Mode, start: f64, duration: f64) -> Unit {
        let mut u = Unit::new(name, target, kind, mode);
        u.version = Some("1.0.0".into());
        u.start = Some(start);
        u.duration = Some(duration);
        u
    }

    fn seen(package: &str, crate_name: &str, role: Role, started: f64, observed: f64, cpu: f64) -> UnitCpu {
        UnitCpu {
            package: package.into(),
            version: "1.0.0".into(),
            crate_name: crate_name.into(),
            role,
            started,
            observed,
            cpu,
            polls: 10,
        }
    }

    #[test]
    fn processes_are_paired_with_units_by_package_role_and_start_order() {
        let mut units = vec![
            unit("jemalloc-sys", "build-script-build", TargetKind::BuildScript, Mode::RunCustomBuild, 1.0, 60.0),
            unit("jemalloc-sys", "build-script-build", TargetKind::BuildScript, Mode::Build, 0.0, 1.0),
            unit("my-app", "my-app", TargetKind::Bin, Mode::Build, 61.0, 2.0),
            // Compiled twice (host and target): paired in start order.
            unit("syn", "syn", TargetKind::Lib, Mode::Build, 0.0, 4.0),
            unit("syn", "syn", TargetKind::Lib, Mode::Build, 5.0, 4.0),
        ];
        let processes = vec![
            seen("jemalloc-sys", "", Role::BuildScriptRun, 1.1, 50.0, 95.0),
            seen("jemalloc-sys", "build_script_build", Role::BuildScriptBuild, 0.1, 0.8, 0.8),
            seen("my-app", "my_app", Role::Rustc { test: false }, 61.1, 1.5, 1.8),
            seen("syn", "syn", Role::Rustc { test: false }, 5.2, 3.0, 6.0),
            seen("syn", "syn", Role::Rustc { test: false }, 0.2, 3.0, 3.0),
        ];
        attach(&mut units, &processes);
        let cpu: Vec<Option<f64>> = units.iter().map(|u| u.cpu_seconds.map(|c| (c * 100.0).round() / 100.0)).collect();
        assert_eq!(cpu, [Some(114.0), Some(1.0), Some(2.4), Some(4.0), Some(8.0)]);
    }

    #[test]
    fn units_seen_too_briefly_or_ambiguously_get_no_cpu_time() {
        let mut units = vec![
            unit("a", "a", TargetKind::Lib, Mode::Build, 0.0, 0.1),
            unit("b", "b", TargetKind::Lib, Mode::Build, 0.0, 3.0),
            unit("b", "b", TargetKind::Lib, Mode::Build, 4.0, 3.0),
        ];
        let mut brief = seen("a", "a", Role::Rustc { test: false }, 0.0, 0.05, 0.05);
        brief.polls = 1;
        // Two units of b but one process seen: no pairing can be trusted.
        let processes = vec![brief, seen("b", "b", Role::Rustc { test: false }, 0.0, 2.0, 2.0)];
        attach(&mut units, &processes);
        assert!(units.iter().all(|u| u.cpu_seconds.is_none()));
    }

    /// What a poll costs, on a tree the size of a busy `-j2` build's: cargo with two units,
    /// one running make with four compilers. Prints the figure docs/whatif.md quotes.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_poll_costs_little() {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("build-script-build");
        std::fs::copy("/bin/sh", &script).expect("copy sh");
        let mut cargo = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!(
                "'{0}' -c 'sleep 3 & sleep 3 & sleep 3 & sleep 3 & wait' & '{0}' -c 'sleep 3 & wait' & wait",
                script.display()
            ))
            .env("CARGO_PKG_NAME", "demo")
            .env("CARGO_PKG_VERSION", "1.0.0")
            .spawn()
            .expect("sh");
        let poller = Poller::start(cargo.id());
        let _ = cargo.wait();
        let (seen, cost) = poller.finish_with_cost();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(cost.polls >= 20, "{cost:?}");
        let per_poll = cost.cpu_seconds / f64::from(cost.polls);
        eprintln!("{} polls, {:.3} ms of CPU per poll", cost.polls, per_poll * 1000.0);
        // A poll reads a few dozen small files: far below the 100 ms between polls.
        assert!(per_poll < 0.01, "{cost:?}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_poller_follows_a_build_script_s_process_tree_and_sums_its_cpu() {
        // A stand-in for cargo runs a "build script" (a shell under that name) that starts two
        // busy children, as make would (about 0.5-0.9 s of CPU each on this machine), reaps
        // them and lives on for a second: the polls of that second see both children's whole
        // CPU in the script's reaped time, however late a loaded machine ran the poller while
        // they ran.
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("build-script-build");
        std::fs::copy("/bin/sh", &script).expect("copy sh");
        let busy = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done";
        let mut cargo = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("sleep 0.2; '{}' -c '({busy}) & ({busy}) & wait; sleep 1'", script.display()))
            .env("CARGO_PKG_NAME", "demo")
            .env("CARGO_PKG_VERSION", "1.0.0")
            .spawn()
            .expect("sh");
        let poller = Poller::start(cargo.id());
        let _ = cargo.wait();
        let seen = poller.finish();
        let unit = seen.iter().find(|u| u.package == "demo" && u.role == Role::BuildScriptRun);
        let unit = unit.unwrap_or_else(|| panic!("not seen: {seen:?}"));
        assert!(unit.polls >= 2, "{unit:?}");
        // Both children's CPU counts (more than one child's worth), whatever the load.
        // One child alone, counted by a shell that reaps it and prints its own stat: this test
        // process's own count would take in the threads and children of the tests beside it.
        let alone =
            std::process::Command::new("/bin/sh").arg("-c").arg(format!("({busy}); cat /proc/$$/stat")).output();
        let alone = alone.expect("sh");
        let one = sys::ticks(sys::parse_stat(&String::from_utf8_lossy(&alone.stdout)).expect("stat").cpu_ticks);
        assert!(unit.cpu > 1.3 * one - 0.2, "{unit:?} vs one child {one}");
        assert!(unit.parallelism().is_some_and(|p| p > 0.0));
    }
}
