//! The one place a configuration becomes a cargo command line and environment.
//!
//! Configurations are applied with `--config` overrides and environment variables only: the
//! user's `Cargo.toml` and `.cargo/config.toml` are never edited.

use std::path::{Path, PathBuf};

use buildbench_model::cargo_args::CargoArgs;
use buildbench_model::{Backend, Configuration};

use crate::build::probe;
use crate::build::probe::Toolchain;
use crate::{Invocation, Sccache};

/// Where the user's own rustflags come from, so ours are added to them, never replace them.
///
/// Cargo takes rustflags from the first of: `CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, the
/// `target.<triple>`/`target.<cfg>` tables (joined), `build.rustflags`. `--config` arrays are
/// appended to the same key from config files, so adding to the key the user already uses keeps
/// their flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rustflags {
    /// The user set this variable; ours are appended to its value.
    Env { var: &'static str, value: String },
    /// The user's config has `target.*.rustflags`: add to `target.<host>.rustflags`, or, when
    /// the user's flags are only in a `target.'cfg(...)'` table (`cfg`), to that table, which
    /// cargo joins after the triple's: so ours come last and a linker they select wins.
    Target { cfg: Option<String> },
    /// The user's config has `build.rustflags`: add to it.
    Build,
    /// The user sets no rustflags: `build.rustflags`, or with `--target TRIPLE` the target's
    /// own `target.<TRIPLE>.rustflags` (the same flags for the units of that target).
    Unset,
}

/// What of the user's own cargo configuration a build must keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserConfig {
    pub rustflags: Rustflags,
    /// The user's `target.<host>.linker` (or `CARGO_TARGET_<HOST>_LINKER`): the linker wrapper
    /// runs this instead of `cc`.
    pub linker: Option<String>,
    /// The linker the user's own rustflags select (the driver's linker flag, rust-lld turned off), and
    /// where: what the `default` configuration builds with.
    pub own_linker: Option<buildbench_model::OwnLinker>,
}

impl UserConfig {
    /// Reads where the user's rustflags come from and which linker driver they use, for builds
    /// in `dir` on `host`.
    pub fn detect(cargo: &Path, dir: &Path, host: &str) -> UserConfig {
        let env_linker = format!("CARGO_TARGET_{}_LINKER", host.to_uppercase().replace(['-', '.'], "_"));
        // `cargo config get` is unstable; RUSTC_BOOTSTRAP is set on this one query only, never on
        // a build (build scripts that watch it would rebuild).
        let query = Invocation::new(cargo)
            .args(["-Zunstable-options", "config", "get", "--format", "json", "target"])
            .env("RUSTC_BOOTSTRAP", "1")
            .cwd(dir);
        let target: serde_json::Value = probe::capture(&query)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(serde_json::Value::Null);
        let tables = target.get("target").and_then(serde_json::Value::as_object);
        let linker = std::env::var(&env_linker)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| tables?.get(host)?.get("linker")?.as_str().map(str::to_owned));
        // `config get` fails for a key that is not set.
        let build: Option<serde_json::Value> = probe::capture(&config_query(cargo, dir, "build.rustflags", "json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        // The host's cfg, to tell which `target.'cfg(..)'` tables apply to this build.
        let rustc = cargo.with_file_name("rustc");
        let cfg: Vec<String> = probe::capture(&Invocation::new(&rustc).args(["--print", "cfg"]).cwd(dir))
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        let rustflags = rustflags_source(tables, build.as_ref(), host, &cfg);
        let own_linker = own_linker(cargo, dir, &rustflags, tables, build.as_ref());
        UserConfig { rustflags, linker, own_linker }
    }
}

/// `cargo config get KEY` in `dir`, in `format` (`json`, or `toml` with each value's origin).
fn config_query(cargo: &Path, dir: &Path, key: &str, format: &str) -> Invocation {
    Invocation::new(cargo)
        .args(["-Zunstable-options", "config", "get", "--format", format])
        .args((format == "toml").then_some("--show-origin"))
        .arg(key)
        .env("RUSTC_BOOTSTRAP", "1")
        .cwd(dir)
}

/// Where cargo takes the user's rustflags from: the environment, else the `target` tables
/// (`tables`, the user's config) that apply to the build (`target.HOST`, and the
/// `target.'cfg(..)'` ones that `cfg`, the host's `rustc --print cfg`, satisfies), else
/// `build.rustflags` (`build`, when set). A table for another platform (a Windows-only
/// `cfg(windows)`) is not where cargo looks, so buildbench's flags never go there.
fn rustflags_source(
    tables: Option<&serde_json::Map<String, serde_json::Value>>,
    build: Option<&serde_json::Value>,
    host: &str,
    cfg: &[String],
) -> Rustflags {
    let mut rustflags = if build.is_some() { Rustflags::Build } else { Rustflags::Unset };
    let applies = |key: &str| key == host || buildbench_model::cargo_args::cfg_matches(key, cfg).unwrap_or(false);
    if let Some(t) = tables {
        let with_flags: Vec<&String> =
            t.iter().filter(|(k, v)| v.get("rustflags").is_some() && applies(k)).map(|(k, _)| k).collect();
        if !with_flags.is_empty() {
            let cfg = with_flags.iter().rev().find(|k| k.starts_with("cfg(")).map(|k| (*k).clone());
            rustflags = Rustflags::Target { cfg };
        }
    }
    for var in ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS"] {
        if let Ok(value) = std::env::var(var)
            && !value.is_empty()
        {
            rustflags = Rustflags::Env { var, value };
            break;
        }
    }
    rustflags
}

/// The linker the user's own rustflags select, read from the one source cargo takes them from
/// (`rustflags`), and where it is set.
fn own_linker(
    cargo: &Path,
    dir: &Path,
    rustflags: &Rustflags,
    tables: Option<&serde_json::Map<String, serde_json::Value>>,
    build: Option<&serde_json::Value>,
) -> Option<buildbench_model::OwnLinker> {
    let strings = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
            serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    };
    let origin = |key: &str, flag: &str| -> Option<String> {
        let text = probe::capture(&config_query(cargo, dir, key, "toml")).ok()?;
        let needle = flag.rsplit('=').next().unwrap_or(flag);
        let line = text.lines().find(|l| l.contains(needle))?;
        line.rsplit_once("# ").map(|(_, file)| file.trim().to_owned())
    };
    match rustflags {
        Rustflags::Env { var, value } => {
            let sep = if *var == "CARGO_ENCODED_RUSTFLAGS" { '\u{1f}' } else { ' ' };
            let flags: Vec<String> = value.split(sep).filter(|f| !f.is_empty()).map(str::to_owned).collect();
            buildbench_model::linker::selected_by(&flags).map(|(linker, flag)| buildbench_model::OwnLinker {
                linker,
                flag,
                source: format!("the {var} environment variable"),
            })
        }
        Rustflags::Target { .. } => tables.into_iter().flatten().find_map(|(key, table)| {
            let (linker, flag) = buildbench_model::linker::selected_by(&strings(table.get("rustflags")?))?;
            let name = if key.contains(['(', '"', ' ']) { format!("'{key}'") } else { key.clone() };
            let where_ = origin("target", &flag).map_or_else(String::new, |f| format!(", {f}"));
            Some(buildbench_model::OwnLinker { linker, flag, source: format!("target.{name}.rustflags{where_}") })
        }),
        Rustflags::Build => build.and_then(|v| {
            let (linker, flag) = buildbench_model::linker::selected_by(&strings(v.get("build")?.get("rustflags")?))?;
            let where_ = origin("build.rustflags", &flag).map_or_else(String::new, |f| format!(", {f}"));
            Some(buildbench_model::OwnLinker { linker, flag, source: format!("build.rustflags{where_}") })
        }),
        Rustflags::Unset => None,
    }
}

/// Everything besides the configuration that shapes a build command.
#[derive(Debug, Clone)]
pub struct BuildContext<'a> {
    pub toolchain: &'a Toolchain,
    pub toolchain_uses_rust_lld: bool,
    /// Where cargo runs: the project copy, or the project itself with `--in-place`.
    pub source: &'a Path,
    /// This configuration's own target directory.
    pub target_dir: PathBuf,
    /// Arguments passed through to cargo (`-p`, `--bin`, `--release`, `-j`).
    pub cargo_args: &'a [String],
    /// The cargo profile being built (`dev` or `release`).
    pub cargo_profile: &'a str,
    pub rustflags: &'a Rustflags,
    pub sccache: Option<&'a Sccache>,
    /// The folder a linker selected through a folder of its own (`Select::LdFolder`: wild)
    /// is found in.
    pub ld_folder: Option<&'a Path>,
    /// The linker wrapper (the buildbench executable) and where it logs; `None` for no wrapper.
    pub link_wrapper: Option<LinkWrapper<'a>>,
    /// `TMPDIR` for the build: a folder of buildbench's, so temporary files of the C compiler
    /// driver and linkers go where buildbench cleans up, even after `kill -9`.
    pub temp_dir: Option<PathBuf>,
    /// rustc flags added to the user's like the linker's (`buildbench profile`'s
    /// `-Zself-profile`).
    pub extra_rustflags: &'a [String],
}

/// How builds time their links.
#[derive(Debug, Clone)]
pub struct LinkWrapper<'a> {
    /// The buildbench executable, run by rustc as the linker.
    pub program: &'a Path,
    /// The linker driver it runs: the user's configured linker, else `cc`.
    pub real: &'a str,
    /// Where it appends one JSON line per link.
    pub log: PathBuf,
    /// Time each link, or also save its inputs into `capture_dir`.
    pub mode: WrapperMode,
    pub capture_dir: Option<PathBuf>,
}

/// What the linker wrapper does besides linking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapperMode {
    /// Time each link (every `compare` build).
    Time,
    /// Also save each link's command and the inputs rustc deletes (`buildbench link`).
    Capture,
}

impl WrapperMode {
    /// The value of `BUILDBENCH_LINKER_MODE`.
    pub fn as_str(self) -> &'static str {
        match self {
            WrapperMode::Time => "time",
            WrapperMode::Capture => "capture",
        }
    }
}

/// TOML string literal for a `--config` value.
fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The exact cargo command for one build of `configuration`.
pub fn cargo_invocation(configuration: &Configuration, check: bool, ctx: &BuildContext<'_>) -> Invocation {
    let mut inv = Invocation::new(&ctx.toolchain.cargo)
        .poll_units()
        .arg(if check { "check" } else { "build" })
        // One HTML report per build: unit counts and unit times for every sample.
        .arg("--timings")
        // Artifact messages on stdout name the final binaries; diagnostics stay readable on stderr.
        .arg("--message-format=json-render-diagnostics")
        .args(ctx.cargo_args.iter())
        .cwd(ctx.source);
    for o in &configuration.overrides {
        inv = inv.arg("--config").arg(o);
    }
    if ctx.toolchain.rustc_version.contains("nightly") {
        // Nightly cargo splits each unit's time into frontend, codegen and link sections; the
        // link section is checked against the linker wrapper's own timing.
        inv = inv.arg("-Zsection-timings");
    }
    if configuration.backend == Backend::Cranelift {
        inv = inv
            .arg("-Zcodegen-backend")
            .arg("--config")
            .arg(format!("profile.{}.codegen-backend=\"cranelift\"", ctx.cargo_profile));
    }
    // Linker settings go to the keys cargo reads for the target being built: the host's, or
    // those of `--target TRIPLE`.
    let triple = CargoArgs::parse(ctx.cargo_args).target_triple().unwrap_or(&ctx.toolchain.host);
    let ld_folder = ctx.ld_folder.map(|d| d.display().to_string());
    let mut flags = configuration.linker.rustc_flags(ctx.toolchain_uses_rust_lld, ld_folder.as_deref());
    flags.extend(ctx.extra_rustflags.iter().cloned());
    flags.extend(configuration.rustflags.iter().cloned());
    // A scanned RUSTFLAGS (or CARGO_ENCODED_RUSTFLAGS) replaces the user's, and the linker's
    // flags are added to it like to theirs.
    let scanned =
        configuration.env.iter().find(|(k, _)| k == "CARGO_ENCODED_RUSTFLAGS" || k == "RUSTFLAGS").map(|(k, v)| {
            Rustflags::Env {
                var: if k == "RUSTFLAGS" { "RUSTFLAGS" } else { "CARGO_ENCODED_RUSTFLAGS" },
                value: v.clone(),
            }
        });
    let rustflags = scanned.as_ref().unwrap_or(ctx.rustflags);
    if !flags.is_empty() {
        match rustflags {
            Rustflags::Env { var, value } => {
                let sep = if *var == "CARGO_ENCODED_RUSTFLAGS" { "\u{1f}" } else { " " };
                inv = inv.env(var, format!("{value}{sep}{}", flags.join(sep)));
            }
            Rustflags::Target { .. } | Rustflags::Build | Rustflags::Unset => {
                let target_given = CargoArgs::parse(ctx.cargo_args).target_triple().is_some();
                let key = match rustflags {
                    Rustflags::Target { cfg: Some(cfg) } => format!("target.{}.rustflags", toml_string(cfg)),
                    Rustflags::Target { cfg: None } => format!("target.{triple}.rustflags"),
                    Rustflags::Unset if target_given => format!("target.{triple}.rustflags"),
                    _ => "build.rustflags".to_owned(),
                };
                let list: Vec<String> = flags.iter().map(|f| toml_string(f)).collect();
                inv = inv.arg("--config").arg(format!("{key}=[{}]", list.join(",")));
            }
        }
    }
    if let Some(wrapper) = &ctx.link_wrapper {
        inv = inv
            .arg("--config")
            .arg(format!("target.{triple}.linker={}", toml_string(&wrapper.program.display().to_string())));
        inv = wrapper.configure(inv);
    }
    let mut inv = environment(inv, ctx);
    // Last, so nothing above undoes them; a scanned RUSTFLAGS is already set, with the
    // linker's flags added.
    for (key, value) in &configuration.env {
        let rustflags_set = scanned.as_ref().is_some_and(|r| matches!(r, Rustflags::Env { var, .. } if var == key));
        if !rustflags_set || flags.is_empty() {
            inv = inv.env(key, value);
        }
    }
    inv
}

impl LinkWrapper<'_> {
    /// The variables the wrapper reads: it times the real linker and logs each link (see
    /// linkwrap.rs), and in capture mode keeps what the link needs.
    fn configure(&self, inv: Invocation) -> Invocation {
        let inv = inv
            .env(crate::process::linkwrap::MODE, self.mode.as_str())
            .env(crate::process::linkwrap::REAL, self.real)
            .env(crate::process::linkwrap::LOG, &self.log);
        match &self.capture_dir {
            Some(dir) => inv.env(crate::process::linkwrap::CAPTURE, dir),
            None => inv,
        }
    }
}

/// The `cargo rustc` command that builds one final target (`bin` or `lib` for a cdylib) of
/// `package` with only that crate linked by the capturing linker wrapper (`-C linker=` goes to
/// its rustc alone). Every other unit is built exactly as the user's own `cargo build` builds
/// it, so a copy of the user's target folder keeps them fresh and only the final crate is
/// rebuilt (`buildbench link`).
pub fn capture_invocation(
    configuration: &Configuration,
    package: &str,
    target: &crate::build::project::Target,
    ctx: &BuildContext<'_>,
) -> Invocation {
    let mut inv = Invocation::new(&ctx.toolchain.cargo)
        .args(["rustc", "--message-format=json-render-diagnostics", "-p", package])
        .cwd(ctx.source);
    inv = if target.kinds.iter().any(|k| k == "bin") { inv.arg("--bin").arg(&target.name) } else { inv.arg("--lib") };
    // The user's arguments (profile, features, target, ...) except which packages and targets
    // to build: those are chosen above.
    inv = inv.args(CargoArgs::parse(ctx.cargo_args).without_selection());
    for o in &configuration.overrides {
        inv = inv.arg("--config").arg(o);
    }
    if let Some(wrapper) = &ctx.link_wrapper {
        inv = wrapper.configure(inv.arg("--").arg("-C").arg(format!("linker={}", wrapper.program.display())));
    }
    environment(inv, ctx)
}

/// The folder of `profile`'s outputs in a target directory: `debug` for `dev`, `release` for
/// `release`, the profile's own name otherwise.
pub fn profile_dir(profile: &str) -> &str {
    match profile {
        "dev" | "test" => "debug",
        "bench" => "release",
        other => other,
    }
}

/// Sets every environment variable a build gets. Each is identical across the samples of a
/// configuration: build scripts that watch a variable would otherwise rebuild.
fn environment(inv: Invocation, ctx: &BuildContext<'_>) -> Invocation {
    let mut inv = inv
        // Each configuration has its own target directory, so configurations never invalidate
        // each other's builds.
        .env("CARGO_TARGET_DIR", &ctx.target_dir)
        // The toolchain's real rustc, not the rustup proxy: the proxy's overhead per rustc call
        // has skewed published comparisons.
        .env("RUSTC", &ctx.toolchain.rustc)
        // No colours and no progress bar: stderr is parsed, and drawing costs time.
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        // A rustc workspace wrapper of the user's (e.g. clippy-driver) would change what is measured.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        // Never set RUSTC_BOOTSTRAP on builds: build scripts watching it would rebuild.
        .env_remove("RUSTC_BOOTSTRAP");
    if let Some(dir) = &ctx.temp_dir {
        // cc and collect2 write temporary files there: inside buildbench's own scratch folder,
        // never left in the system's temporary folder by a killed build.
        inv = inv.env("TMPDIR", dir);
        // A copy or an export lives in that scratch folder, often inside the user's repository
        // (the default output folder is in the project's target directory). A build script
        // that runs git (`git describe`, vergen, shadow-rs) would walk up to the user's
        // repository, describe the checkout instead of the revision built, and rewrite its
        // `.git/index`: git stops at the copy's parent instead, and a git of the user's own
        // environment (inside a hook) is not inherited.
        if let Some(work) = dir.parent().filter(|work| ctx.source.starts_with(work))
            && let Some(ceiling) = ctx.source.parent()
        {
            let _ = work;
            inv = inv
                .env("GIT_CEILING_DIRECTORIES", ceiling)
                .env_remove("GIT_DIR")
                .env_remove("GIT_WORK_TREE")
                .env_remove("GIT_INDEX_FILE")
                .env_remove("GIT_COMMON_DIR");
        }
    }
    if let Some(name) = &ctx.toolchain.name {
        // Build scripts that call `cargo` or `rustc` through rustup get the same toolchain.
        inv = inv.env("RUSTUP_TOOLCHAIN", name);
    }
    match ctx.sccache {
        Some(sccache) => {
            inv = sccache
                .apply(inv)
                // rustc goes through this configuration's private sccache server.
                .env("RUSTC_WRAPPER", &sccache.program)
                // sccache refuses incremental compilations; turn it off so it can cache.
                .env("CARGO_INCREMENTAL", "0");
        }
        None => {
            // Empty means "no wrapper": a user's own sccache must not serve non-cache configurations.
            inv = inv
                .env("RUSTC_WRAPPER", "")
                // The profile decides incremental compilation, not an inherited variable.
                .env_remove("CARGO_INCREMENTAL");
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;
    use buildbench_model::Linker;

    fn toolchain() -> Toolchain {
        Toolchain {
            name: None,
            sysroot: PathBuf::from("/tc"),
            cargo: PathBuf::from("/tc/bin/cargo"),
            rustc: PathBuf::from("/tc/bin/rustc"),
            host: "x86_64-unknown-linux-gnu".into(),
            rustc_version: "rustc 1.95.0".into(),
            cargo_version: "cargo 1.95.0".into(),
        }
    }

    fn config(linker: Linker, backend: Backend) -> Configuration {
        Configuration { backend, linker, ..Configuration::plain("x", None) }
    }

    #[test]
    fn mold_on_a_rust_lld_toolchain() {
        let tc = toolchain();
        let ctx = BuildContext {
            toolchain: &tc,
            toolchain_uses_rust_lld: true,
            source: Path::new("/w/src"),
            target_dir: PathBuf::from("/w/target/mold"),
            cargo_args: &["-p".to_owned(), "app".to_owned()],
            cargo_profile: "dev",
            rustflags: &Rustflags::Build,
            sccache: None,
            ld_folder: None,
            link_wrapper: None,
            temp_dir: None,
            extra_rustflags: &[],
        };
        let line = cargo_invocation(&config(Linker::Mold, Backend::Llvm), false, &ctx).shell_line();
        assert!(line.starts_with("cd /w/src && env -u RUSTC_WORKSPACE_WRAPPER -u RUSTC_BOOTSTRAP -u CARGO_INCREMENTAL CARGO_TARGET_DIR=/w/target/mold RUSTC=/tc/bin/rustc"), "{line}");
        let mold = buildbench_model::linker::fuse_ld("mold");
        assert!(line.ends_with(&format!(
            "/tc/bin/cargo build --timings --message-format=json-render-diagnostics -p app --config 'build.rustflags=[\"-Clinker-features=-lld\",\"-Clink-arg={mold}\"]'"
        )), "{line}");
    }

    #[test]
    fn user_rustflags_are_kept_and_added_ones_join_them() {
        let tc = toolchain();
        let flags = Rustflags::Env { var: "RUSTFLAGS", value: "-Ctarget-cpu=native".into() };
        let ctx = BuildContext {
            toolchain: &tc,
            toolchain_uses_rust_lld: false,
            source: Path::new("/p"),
            target_dir: PathBuf::from("/t"),
            cargo_args: &[],
            cargo_profile: "dev",
            rustflags: &flags,
            sccache: None,
            ld_folder: None,
            link_wrapper: None,
            temp_dir: None,
            extra_rustflags: &[],
        };
        let inv = cargo_invocation(&config(Linker::Lld, Backend::Llvm), true, &ctx);
        let value = inv.env.iter().find(|(k, _)| k == "RUSTFLAGS").map(|(_, v)| v.to_string_lossy().into_owned());
        let lld = buildbench_model::linker::fuse_ld("lld");
        assert_eq!(value, Some(format!("-Ctarget-cpu=native -Clink-arg={lld}")));
        assert_eq!(inv.args[0], "check");
        // A configuration's own rustflags (tune's -Z options) join the user's too, replacing nothing.
        let c = Configuration { rustflags: vec!["-Zthreads=2".to_owned()], ..config(Linker::Default, Backend::Llvm) };
        let inv = cargo_invocation(&c, true, &ctx);
        let value = inv.env.iter().find(|(k, _)| k == "RUSTFLAGS").map(|(_, v)| v.to_string_lossy().into_owned());
        assert_eq!(value.as_deref(), Some("-Ctarget-cpu=native -Zthreads=2"));
    }

    #[test]
    fn cranelift_uses_the_profile_setting() {
        let tc = toolchain();
        let ctx = BuildContext {
            toolchain: &tc,
            toolchain_uses_rust_lld: true,
            source: Path::new("/p"),
            target_dir: PathBuf::from("/t"),
            cargo_args: &[],
            cargo_profile: "dev",
            rustflags: &Rustflags::Target { cfg: None },
            sccache: None,
            ld_folder: None,
            link_wrapper: None,
            temp_dir: None,
            extra_rustflags: &[],
        };
        let line = cargo_invocation(&config(Linker::Default, Backend::Cranelift), false, &ctx).shell_line();
        assert!(line.contains("-Zcodegen-backend --config 'profile.dev.codegen-backend=\"cranelift\"'"), "{line}");
        assert!(!line.contains("rustflags"), "{line}");
    }
}
