//! What is installed here: toolchains (with their real default linker), linkers, sccache, and
//! the machine's fingerprint. Each missing piece comes with the command that installs it.

use std::path::{Path, PathBuf};

use buildbench_model::{Environment, Linker, ToolInfo, ToolchainInfo};

use crate::build::elf;
use crate::{Invocation, RunnerError};

/// Runs a probe command and returns its stdout, or an error naming the command. It runs like
/// every other process (own process group, known to the watchdog), and at most 10 minutes;
/// Ctrl-C or SIGTERM (the process's interrupt flag, `exec::interrupt_flag`) stops it at once
/// and makes it `Interrupted`.
pub fn capture(invocation: &Invocation) -> Result<String, RunnerError> {
    use crate::process::exec::Executor as _;
    use std::sync::atomic::Ordering;
    let invocation = match invocation.timeout {
        Some(_) => invocation.clone(),
        None => invocation.clone().timeout(std::time::Duration::from_secs(600)),
    };
    let interrupted = crate::process::exec::interrupt_flag();
    if interrupted.load(Ordering::SeqCst) {
        return Err(RunnerError::Interrupted { out: None });
    }
    let mut executor = crate::ProcessExecutor::new(std::sync::Arc::clone(&interrupted));
    let output = executor.run(&invocation).map_err(|e| RunnerError::Command {
        command: invocation.shell_line(),
        detail: format!("cannot start it: {e}"),
    })?;
    if interrupted.load(Ordering::SeqCst) {
        return Err(RunnerError::Interrupted { out: None });
    }
    if !output.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let detail = if output.timed_out {
            "it did not finish in time".to_owned()
        } else {
            buildbench_model::failure_reason(&stderr)
        };
        return Err(RunnerError::Command { command: invocation.shell_line(), detail });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A toolchain ready for builds: its binaries and the linker it uses unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedToolchain {
    pub toolchain: Toolchain,
    /// The linker the toolchain uses unchanged, read from a probe binary (`None` if the probe
    /// could not link).
    pub default_linker: Option<String>,
}

impl ResolvedToolchain {
    /// Links a probe binary to find the default linker.
    pub fn probe(toolchain: Toolchain) -> ResolvedToolchain {
        let default_linker = toolchain.default_linker().ok();
        ResolvedToolchain { toolchain, default_linker }
    }

    /// The unchanged default linker is rustc's bundled rust-lld (choosing another linker then
    /// also needs `-C linker-features=-lld`).
    pub fn uses_rust_lld(&self) -> bool {
        self.default_linker.as_deref().is_some_and(buildbench_model::linker::is_rust_lld)
    }

    /// The fingerprint entry of this toolchain.
    pub fn info(&self) -> ToolchainInfo {
        self.toolchain.info(self.default_linker.clone())
    }
}

/// A toolchain resolved to its real binaries, so builds bypass the rustup proxies.
#[derive(Debug, Clone, PartialEq)]
pub struct Toolchain {
    /// `None` for the default toolchain.
    pub name: Option<String>,
    pub sysroot: PathBuf,
    pub cargo: PathBuf,
    pub rustc: PathBuf,
    pub host: String,
    /// `rustc -V`.
    pub rustc_version: String,
    /// `cargo -V`.
    pub cargo_version: String,
}

impl Toolchain {
    /// Resolves `name` (a rustup toolchain such as `nightly`) or the default toolchain, as seen
    /// from the current directory.
    pub fn resolve(name: Option<&str>) -> Result<Toolchain, RunnerError> {
        Toolchain::resolve_in(name, None)
    }

    /// `resolve` as seen from `dir`: without a name, the toolchain a `rust-toolchain.toml` there
    /// (or above) pins, as the project's own `cargo build` would use.
    pub fn resolve_in(name: Option<&str>, dir: Option<&Path>) -> Result<Toolchain, RunnerError> {
        let mut probe = Invocation::new("rustc");
        if let Some(dir) = dir {
            probe = probe.cwd(dir);
        }
        if let Some(name) = name {
            probe = probe.arg(format!("+{name}"));
        }
        let sysroot = PathBuf::from(capture(&probe.arg("--print").arg("sysroot"))?.trim());
        let bin = sysroot.join("bin");
        // rustup installs put cargo next to rustc; a system install may keep it elsewhere on PATH.
        let rustc = bin.join("rustc");
        let cargo = if bin.join("cargo").exists() { bin.join("cargo") } else { PathBuf::from("cargo") };
        let verbose = capture(&Invocation::new(&rustc).arg("-vV"))?;
        let rustc_version = verbose.lines().next().unwrap_or("").trim().to_owned();
        let host = verbose.lines().find_map(|l| l.strip_prefix("host: ")).unwrap_or("").trim().to_owned();
        let cargo_version = capture(&Invocation::new(&cargo).arg("-V"))?.trim().to_owned();
        Ok(Toolchain { name: name.map(str::to_owned), sysroot, cargo, rustc, host, rustc_version, cargo_version })
    }

    /// The name used in configurations and output.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or("default")
    }

    /// True when the Cranelift codegen backend is installed in this toolchain.
    pub fn has_cranelift(&self) -> bool {
        let dir = self.sysroot.join("lib/rustlib").join(&self.host).join("codegen-backends");
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| e.file_name().to_string_lossy().contains("rustc_codegen_cranelift"))
        })
    }

    /// Links an empty program with this toolchain unchanged and names the linker that did it.
    pub fn default_linker(&self) -> Result<String, RunnerError> {
        let dir = tempfile::tempdir()
            .map_err(RunnerError::io(std::env::temp_dir(), "cannot create a temporary directory"))?;
        let folder = crate::process::watchdog::Resource::Folder(dir.path().to_owned());
        crate::process::watchdog::register(&folder);
        let linker = self.probe_linker(dir.path());
        crate::process::watchdog::unregister(&folder);
        linker
    }

    fn probe_linker(&self, dir: &Path) -> Result<String, RunnerError> {
        let source = dir.join("probe.rs");
        std::fs::write(&source, "fn main() {}\n").map_err(RunnerError::io(&source, "cannot write"))?;
        let binary = dir.join("probe");
        // cc's temporary files go into the probe's folder, which the watchdog removes.
        capture(
            &Invocation::new(&self.rustc)
                .arg(&source)
                .arg("-o")
                .arg(&binary)
                .env_remove("RUSTFLAGS")
                .env("TMPDIR", dir),
        )?;
        let bytes = std::fs::read(&binary).map_err(RunnerError::io(&binary, "cannot read"))?;
        let linker = elf::linker_of(&bytes).unwrap_or_else(|| "unknown".to_owned());
        Ok(buildbench_model::linker::rust_lld_name(linker, self.bundles_rust_lld()))
    }

    /// The toolchain ships rust-lld's driver folder (`lib/rustlib/<host>/bin/gcc-ld`).
    fn bundles_rust_lld(&self) -> bool {
        self.sysroot.join("lib/rustlib").join(&self.host).join("bin/gcc-ld").exists()
    }

    /// The fingerprint entry of this toolchain, with its default linker as already probed.
    pub fn info(&self, default_linker: Option<String>) -> ToolchainInfo {
        ToolchainInfo {
            name: self.label().to_owned(),
            rustc: self.rustc_version.clone(),
            cargo: self.cargo_version.clone(),
            host: self.host.clone(),
            default_linker,
        }
    }
}

/// Finds `program` on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The tools a fingerprint records: the C compiler driver, every linker's program (from the
/// linker table), and sccache when `cache`.
pub fn tools(cache: bool) -> Vec<&'static str> {
    let mut tools = vec!["cc"];
    tools.extend(Linker::programs());
    if cache {
        tools.push("sccache");
    }
    tools
}

/// The folder of `work` that a linker selected through a folder of its own
/// (`Select::LdFolder`) is found in: `wild-bin` for wild.
pub fn ld_folder(work: &Path, linker: Linker) -> PathBuf {
    work.join(format!("{linker}-bin"))
}

/// Fills `folder` with links named `LD_FOLDER_NAMES` to `program`, for every linker of
/// `linkers` that is selected through a folder of its own and found on PATH (`folder` gives
/// each linker's folder).
pub fn make_ld_folders(linkers: &[Linker], folder: &dyn Fn(Linker) -> PathBuf) -> Result<(), RunnerError> {
    use buildbench_model::linker::{LD_FOLDER_NAMES, Select};
    for &linker in linkers {
        let spec = linker.spec();
        let Some(program) = spec.program.filter(|_| spec.select == Select::LdFolder).and_then(which) else {
            continue;
        };
        let dir = folder(linker);
        std::fs::create_dir_all(&dir).map_err(RunnerError::io(&dir, "cannot create"))?;
        for name in LD_FOLDER_NAMES {
            let _ = std::fs::remove_file(dir.join(name));
            std::os::unix::fs::symlink(&program, dir.join(name))
                .map_err(RunnerError::io(dir.join(name), "cannot link"))?;
        }
    }
    Ok(())
}

/// The first line a tool prints for `--version`, when it is installed.
pub fn tool_version(program: &str) -> Option<String> {
    let path = which(program)?;
    let out = capture(&Invocation::new(path).arg("--version")).ok()?;
    Some(out.lines().next().unwrap_or("").trim().to_owned())
}

/// The machine, the toolchains and the tools a study uses.
pub fn environment(toolchains: Vec<ToolchainInfo>, tools: &[&str]) -> Environment {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|s| s.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let cpu_model = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .unwrap_or_default();
    let memory_bytes = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024);
    Environment {
        os,
        kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
        cpu_model,
        cores: std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX)),
        memory_bytes,
        toolchains,
        tools: tools
            .iter()
            .filter_map(|t| tool_version(t).map(|version| ToolInfo { name: (*t).to_owned(), version }))
            .collect(),
    }
}
