//! `buildbench doctor`: backends, linkers and caches usable here, the real default linker of
//! each toolchain, and what would spoil a measurement on this machine right now.

use std::path::Path;

use buildbench_model::{Checkup, Linker, ToolCheck, ToolchainCheck, Word};

use crate::build::probe::{Toolchain, capture, tool_version, which};
use crate::{Invocation, RunnerError};

/// Installed rustup toolchains (`stable-x86_64-unknown-linux-gnu`, ...), or none without rustup.
fn rustup_toolchains() -> Vec<String> {
    let Ok(text) = capture(&Invocation::new("rustup").args(["toolchain", "list"])) else { return Vec::new() };
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| !n.is_empty() && *n != "no")
        .map(str::to_owned)
        .collect()
}

/// Median seconds of `n` runs of `invocation` (each at most 30 s), through the executor like
/// every other process.
fn time(invocation: &Invocation, n: usize) -> Option<f64> {
    use crate::process::exec::Executor as _;
    let mut executor = crate::ProcessExecutor::new(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)));
    let invocation = invocation.clone().timeout(std::time::Duration::from_secs(30));
    let mut times = Vec::new();
    for _ in 0..n {
        let outcome = executor.run(&invocation).ok()?;
        if !outcome.success() {
            return None;
        }
        times.push(outcome.wall.as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    times.get(n / 2).copied()
}

/// Is `program` on PATH a rustup proxy (a link to, or a copy of, the rustup binary)?
fn is_rustup_proxy(program: &Path) -> bool {
    let resolved = std::fs::canonicalize(program).unwrap_or_else(|_| program.to_owned());
    resolved.file_name().is_some_and(|n| n.to_string_lossy().starts_with("rustup"))
        || which("rustup").is_some_and(|r| {
            let meta = |p: &Path| std::fs::metadata(p).ok().map(|m| m.len());
            meta(program).is_some() && meta(program) == meta(&r)
        })
}

/// Runs every check. `project` adds the project's own cargo configuration to the findings.
pub fn checkup(project: Option<&Path>) -> Result<Checkup, RunnerError> {
    let default = Toolchain::resolve(None)?;
    let toolchains = toolchain_checks(&default);
    let linkers = Linker::ALL
        .iter()
        .filter_map(|&l| {
            let (program, install) = l.requirement()?;
            let version = tool_version(program);
            Some(ToolCheck {
                name: l.as_str().to_owned(),
                program: program.to_owned(),
                install: version.is_none().then(|| install.to_owned()),
                version,
            })
        })
        .collect();
    let sccache = tool_version("sccache");
    let caches = vec![ToolCheck {
        name: "sccache".to_owned(),
        program: "sccache".to_owned(),
        install: sccache.is_none().then(|| "apt-get install -y sccache".to_owned()),
        version: sccache,
    }];

    let mut warnings = Vec::new();
    let mut notes = vec![profile_note(&toolchains)];
    let (proxy_overhead_ms, proxy_warning) = proxy_overhead(&default);
    warnings.extend(proxy_warning);
    warnings.extend(environment_warnings());
    machine_findings(&mut warnings, &mut notes);
    if let Some(project) = project {
        notes.extend(project_notes(project, &default)?);
    }
    Ok(Checkup { toolchains, linkers, caches, proxy_overhead_ms, warnings, notes })
}

/// Every installed toolchain (the default one alone without rustup): its rustc, its real
/// default linker, and whether it has Cranelift, with how to get it.
fn toolchain_checks(default: &Toolchain) -> Vec<ToolchainCheck> {
    let mut toolchains = Vec::new();
    let mut names = rustup_toolchains();
    if names.is_empty() {
        names.push(String::new());
    }
    for name in names {
        let tc = if name.is_empty() { Ok(default.clone()) } else { Toolchain::resolve(Some(&name)) };
        let Ok(tc) = tc else { continue };
        let label = if name.is_empty() { "default".to_owned() } else { name.clone() };
        let cranelift = tc.has_cranelift();
        toolchains.push(ToolchainCheck {
            cranelift_install: (!cranelift && tc.rustc_version.contains("nightly"))
                .then(|| format!("rustup component add rustc-codegen-cranelift-preview --toolchain {}", crate::shell_quote(&label)))
                .or_else(|| {
                    (!cranelift).then(|| "rustup toolchain install nightly --profile minimal --component rustc-codegen-cranelift-preview".to_owned())
                }),
            name: label,
            rustc: tc.rustc_version.clone(),
            default_linker: tc.default_linker().ok(),
            cranelift,
        });
    }
    toolchains
}

/// Which toolchain `buildbench profile` can use: it reads rustc's -Zself-profile, which only
/// nightlies have.
fn profile_note(toolchains: &[ToolchainCheck]) -> String {
    match toolchains.iter().find(|t| t.rustc.contains("nightly")) {
        Some(t) => format!(
            "`buildbench profile` can profile rustc with the `{}` toolchain{}",
            t.name,
            if t.name == "nightly" { String::new() } else { format!(" (pass --toolchain {})", t.name) }
        ),
        None => "`buildbench profile` needs a nightly toolchain for rustc's -Zself-profile: rustup toolchain install nightly --profile minimal"
            .to_owned(),
    }
}

/// What the rustup proxy on PATH adds to every rustc call (milliseconds, timed against the
/// toolchain's own rustc), and the warning when it is a millisecond or more.
fn proxy_overhead(default: &Toolchain) -> (Option<f64>, Option<String>) {
    let Some(on_path) = which("rustc").filter(|p| is_rustup_proxy(p)) else { return (None, None) };
    let through_proxy = time(&Invocation::new(&on_path).arg("-V"), 9);
    let direct = time(&Invocation::new(&default.rustc).arg("-V"), 9);
    let (Some(p), Some(d)) = (through_proxy, direct) else { return (None, None) };
    let ms = ((p - d) * 1000.0).max(0.0);
    // Below a millisecond it is noise in a timing of nine calls, not a warning.
    let warning = (ms >= 1.0).then(|| {
        format!(
            "`rustc` on PATH is a rustup proxy, adding {ms:.1} ms to every call that goes through it; \
                 buildbench calls the toolchain's own binaries, and so should hand timings: {}",
            default.cargo.display()
        )
    });
    (Some(ms), warning)
}

/// The environment variables set here that change every build, each with what buildbench
/// does about it, and sccache as a wrapper while incremental compilation is on.
fn environment_warnings() -> Vec<String> {
    let mut warnings = Vec::new();
    for (var, why) in [
        (
            "RUSTC_WRAPPER",
            "wraps every rustc call; buildbench replaces it per configuration (empty, or its private sccache)",
        ),
        ("CARGO_BUILD_RUSTC_WRAPPER", "wraps every rustc call; buildbench overrides it with RUSTC_WRAPPER"),
        ("RUSTC_WORKSPACE_WRAPPER", "wraps workspace crates (e.g. clippy); buildbench removes it for builds"),
        ("RUSTFLAGS", "applies to every build; buildbench keeps it and appends its own flags"),
        ("CARGO_ENCODED_RUSTFLAGS", "applies to every build; buildbench keeps it and appends its own flags"),
        ("CARGO_INCREMENTAL", "overrides the profile; buildbench removes it so the profile decides"),
        ("CARGO_BUILD_JOBS", "limits parallelism for every build, in every configuration alike"),
    ] {
        if let Ok(value) = std::env::var(var)
            && !value.is_empty()
        {
            warnings.push(format!("{var}={value} is set: {why}"));
        }
    }
    let wrapper = std::env::var("RUSTC_WRAPPER").unwrap_or_default();
    if wrapper.contains("sccache") && std::env::var("CARGO_INCREMENTAL").as_deref() != Ok("0") {
        warnings.push(
            "RUSTC_WRAPPER is sccache while incremental compilation is on: sccache cannot cache incremental \
             compilations (it refuses them); set CARGO_INCREMENTAL=0 where you use it"
                .to_owned(),
        );
    }
    warnings
}

/// The machine right now: a load that would make measurements noisy, and the CPU frequency
/// scaling governor.
fn machine_findings(warnings: &mut Vec<String>, notes: &mut Vec<String>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if let Some(load) =
        std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        && load > 0.5 * cores as f64
    {
        warnings.push(format!(
            "the machine is busy (load average {load:.2} on {cores} cores): another heavy process makes every \
             measurement noisy; stop it or measure later"
        ));
    }
    match std::fs::read_to_string("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor") {
        Ok(g) if g.trim() != "performance" => warnings.push(format!(
            "CPU frequency scaling governor is `{}`: clock changes add noise; `cpupower frequency-set -g performance` (as root) fixes it for the run",
            g.trim()
        )),
        Ok(_) => notes.push("CPU frequency scaling governor: performance".to_owned()),
        Err(_) => notes.push("CPU frequency scaling cannot be read here (a virtual machine or container?)".to_owned()),
    }
}

/// What the project's own cargo configuration does to each axis of a study.
fn project_notes(project: &Path, default: &Toolchain) -> Result<Vec<String>, RunnerError> {
    let mut notes = Vec::new();
    // A pipe or device among the project's cargo files would hang the `cargo config` queries.
    crate::files::fsutil::check_cargo_files(&std::path::absolute(project).unwrap_or_else(|_| project.to_owned()))?;
    let user = crate::build::cargo::UserConfig::detect(&default.cargo, project, &default.host);
    if let Some(linker) = &user.linker {
        notes.push(format!("the project's cargo configuration sets the linker driver `{linker}`; buildbench keeps it"));
    }
    if matches!(user.rustflags, crate::build::cargo::Rustflags::Target { .. }) {
        notes.push(
            "the project's cargo configuration sets target rustflags; buildbench adds its flags to them".to_owned(),
        );
    }
    // What the project's own settings do to each axis of a study.
    if let Some(own) = &user.own_linker {
        notes.push(format!(
            "linker axis: the project selects {} itself ({} in {}), so `--linker default` measures {} (the \
             project's own, not the toolchain's default); every other --linker value overrides it and each \
             sample checks its binaries for the linker it names",
            own.linker, own.flag, own.source, own.linker
        ));
    }
    if let crate::build::cargo::Rustflags::Env { var, .. } = &user.rustflags {
        notes.push(format!(
            "every axis: {var} is set here and builds use it (cargo then ignores the rustflags of the \
             project's cargo configuration); buildbench appends its own flags to it"
        ));
    }
    for var in ["RUSTC_WRAPPER"] {
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            notes.push(format!(
                "cache axis: {var} is set here; buildbench replaces it in every build (none, or its private sccache)"
            ));
        }
    }
    Ok(notes)
}
