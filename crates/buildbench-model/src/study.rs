//! The study: the whole matrix, every sample, and the environment, saved as one versioned JSON file.
//!
//! These structs *are* the `study.json` schema (documented in `docs/study.md`): every field is
//! documented, absent values are skipped, unknown fields are ignored when reading.

use serde::{Deserialize, Serialize};

use crate::{Backend, Cache, Linker, Scenario};

/// Version of the `study.json` schema. Bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// One point of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Configuration {
    /// Short unique name: the non-default axis values joined by `+` (`mold`, `cranelift+sccache`),
    /// or `default` when every axis has its default value.
    pub name: String,
    /// Codegen backend.
    pub backend: Backend,
    /// Linker of the final artifacts.
    pub linker: Linker,
    /// Compilation cache.
    pub cache: Cache,
    /// Preset name (`dev`, `fast-dev`), `custom` for `--set` overrides, or `scan` for a
    /// configuration of `--scan`. Studies before `--preset` existed call it `profile`.
    #[serde(alias = "profile")]
    pub preset: String,
    /// Cargo `--config KEY=VALUE` overrides the configuration applies, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// Environment variables the configuration sets for every build (`--scan VAR=...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<(String, String)>,
    /// The values of the `--scan` axes this configuration takes: `(key, value)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scan: Vec<(String, String)>,
    /// rustc flags added to the project's own rustflags, wherever it keeps them (the
    /// environment, `build.rustflags` or a target table), as the linker's flags are: what
    /// `buildbench tune`'s `-Z` options set. Unlike a scanned `RUSTFLAGS`, they replace nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rustflags: Vec<String>,
    /// Rustup toolchain (`stable`, `nightly`); `None` means the default toolchain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<String>,
    /// In a rev study (`--rev BASE,HEAD`): the name of the revision this configuration builds
    /// (one of `Plan::revisions`). The configuration's name then ends in `@` and that name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

impl Configuration {
    /// The project's build as it is (LLVM, the default linker, no cache, the dev preset, no
    /// overrides), named `name`, with `toolchain` (`None`: the default one): what `link`,
    /// `doctor --diagnose` and `profile` build.
    pub fn plain(name: &str, toolchain: Option<&str>) -> Configuration {
        Configuration {
            name: name.to_owned(),
            backend: Backend::Llvm,
            linker: Linker::Default,
            cache: Cache::None,
            preset: "dev".to_owned(),
            env: Vec::new(),
            scan: Vec::new(),
            rustflags: Vec::new(),
            overrides: Vec::new(),
            toolchain: toolchain.map(str::to_owned),
            revision: None,
        }
    }

    /// The name without its revision: `mold` for `mold@main`; the name itself outside a rev
    /// study. Base and head of one configuration share it.
    pub fn variant(&self) -> &str {
        match &self.revision {
            Some(rev) => self.name.strip_suffix(rev.as_str()).and_then(|n| n.strip_suffix('@')).unwrap_or(&self.name),
            None => &self.name,
        }
    }

    /// Whether `scenario` runs for this configuration: the cold- and warm-cache scenarios are
    /// for sccache configurations, which run those instead of a plain `clean`.
    pub fn runs(&self, scenario: Scenario) -> bool {
        let cached = self.cache == Cache::Sccache;
        match scenario {
            Scenario::Clean => !cached,
            Scenario::CleanColdCache | Scenario::CleanWarmCache => cached,
            _ => true,
        }
    }
}

/// The name of `variant` built at revision `revision`: `mold@main`.
pub fn revision_name(variant: &str, revision: &str) -> String {
    format!("{variant}@{revision}")
}

/// A linker the project selects itself (in its cargo configuration or `RUSTFLAGS`): what its
/// developers build with, so what the `default` rows of a study build with too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnLinker {
    /// The linker: `mold`, `lld`, `bfd`, `gold`, `wild`, or the value the driver was given, as written.
    pub linker: String,
    /// The flag that selects it (`linker::fuse_ld`'s flag, `linker-features=-lld`).
    pub flag: String,
    /// Where it is set: the environment variable, or the cargo config key and its file.
    pub source: String,
}

impl OwnLinker {
    /// `mold (FLAG in target.x86_64-unknown-linux-gnu.rustflags, /p/.cargo/config.toml)`.
    pub fn describe(&self) -> String {
        format!("{} ({} in {})", self.linker, self.flag, self.source)
    }
}

/// One git revision of the project measured in a rev study (`compare --rev BASE,HEAD`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// The name configurations carry after `@` (`main`, `HEAD`, or the `NAME=` the user gave).
    pub name: String,
    /// The revision as the user gave it (`main`, `origin/main`, `HEAD`, `WORKTREE`).
    pub spec: String,
    /// The full commit id (for `WORKTREE`: the commit checked out under the changes; empty in a
    /// repository without commits).
    pub commit: String,
    /// The commit's subject line.
    #[serde(default)]
    pub subject: String,
    /// The working tree as it was, uncommitted changes and untracked files included
    /// (`WORKTREE`), rather than a commit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub worktree: bool,
}

impl Revision {
    /// `main (3f2a9c1 "Speed up the parser")`, or for the working tree
    /// `WORKTREE (the working tree on 3f2a9c1)`.
    pub fn describe(&self) -> String {
        let short: String = self.commit.chars().take(9).collect();
        if self.worktree {
            format!("{} (the working tree on {short})", self.spec)
        } else if self.subject.is_empty() {
            format!("{} ({short})", self.spec)
        } else {
            format!("{} ({short} \"{}\")", self.spec, self.subject)
        }
    }
}

/// One measured build (or a warm-up build, kept but never used in statistics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// The configuration's name.
    pub configuration: String,
    /// The scenario built.
    pub scenario: Scenario,
    /// 0-based position among the samples of this run; warm-ups have their own numbering.
    pub index: u32,
    /// Warm-up samples prime caches and are excluded from statistics.
    #[serde(default)]
    pub warmup: bool,
    /// Wall-clock seconds of the cargo process, spawn to exit.
    pub wall_seconds: f64,
    /// User CPU seconds of cargo and every process it waited for (rustc, linkers, build scripts).
    pub user_seconds: f64,
    /// System CPU seconds of the same process tree.
    pub system_seconds: f64,
    /// Peak resident memory of the largest process in the tree, in bytes.
    pub max_rss_bytes: u64,
    /// Exit status of cargo; `None` when it was killed by a signal.
    pub exit_code: Option<i32>,
    /// The build exited with status 0.
    pub success: bool,
    /// The last lines of cargo's stderr, kept for failed builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_tail: Option<String>,
    /// Units cargo found up to date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fresh_units: Option<u32>,
    /// Units cargo rebuilt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dirty_units: Option<u32>,
    /// Cargo's own total time from the `--timings` report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cargo_seconds: Option<f64>,
    /// The units that ran, from the `--timings` report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<UnitTiming>,
    /// The chain of units that bounded the build (see docs/timings.md), first to last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub critical_path: Vec<String>,
    /// Its length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_path_seconds: Option<f64>,
    /// sccache statistics of this build alone (the counters are zeroed before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sccache: Option<SccacheStats>,
    /// Final artifacts of workspace members (binaries, cdylibs, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
    /// Every link of the build (final artifacts, build scripts, proc-macros), timed by the
    /// linker wrapper.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// The block (the shard K of `--shard K/N`) the sample was measured in; `None` for a study
    /// that was not sharded. Samples of one block ran on one machine, in turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<u32>,
    /// In a rev study: the revision built (`Plan::revisions`), also the end of the
    /// configuration's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

/// One link, timed around the real linker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The output file name (`example_app-2865b8d39b1edcd8`).
    pub output: String,
    /// Seconds the linker process ran.
    pub seconds: f64,
    /// True when the output is a final artifact of a workspace member (not a build script or
    /// a proc-macro).
    pub artifact: bool,
}

impl Sample {
    /// Seconds of code generation summed over the units that report it (rmeta or sections).
    pub fn codegen_seconds(&self) -> Option<f64> {
        let mut parts = self.units.iter().filter_map(|u| u.codegen).peekable();
        parts.peek()?;
        Some(parts.sum::<f64>() + 0.0)
    }

    /// Seconds of frontend work summed over the units that report it.
    pub fn frontend_seconds(&self) -> Option<f64> {
        let mut parts = self.units.iter().filter_map(|u| u.frontend).peekable();
        parts.peek()?;
        Some(parts.sum::<f64>() + 0.0)
    }

    /// Seconds spent linking the final artifacts of workspace members.
    pub fn artifact_link_seconds(&self) -> Option<f64> {
        let mut links = self.links.iter().filter(|l| l.artifact).peekable();
        links.peek()?;
        Some(links.map(|l| l.seconds).sum::<f64>() + 0.0)
    }
}

/// One unit of a sample's `--timings` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitTiming {
    /// Package name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Package version, when the report gives it.
    pub version: Option<String>,
    /// Target name (the binary's or library's).
    pub target: String,
    /// `lib`, `proc-macro`, `bin`, `test`, `bench`, `example`, `build-script`.
    pub kind: String,
    /// `build`, `check`, `run-custom-build`, ...
    pub mode: String,
    /// Seconds from cargo's start.
    pub start: f64,
    /// Seconds from the unit's start to its end.
    pub duration: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Seconds of the frontend (up to the metadata), when known.
    pub frontend: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Seconds of code generation, when known.
    pub codegen: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Seconds of the link section (nightly `-Zsection-timings`).
    pub link: Option<f64>,
    /// Cargo's id of the unit in this build, what the edges below refer to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Units this one released when it finished, and when its metadata was ready (the report's
    /// `unblocked_units` / `unblocked_rmeta_units`): the edges `whatif` replays.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unblocked: Vec<u64>,
    /// See `unblocked`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unblocked_rmeta: Vec<u64>,
    /// Every unit this one waited for (ids), where known: the build-analysis log lists them,
    /// and `compare` completes an HTML report's edges from `cargo metadata`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<u64>,
    /// CPU seconds (user + system) of the unit's processes: rustc with its threads and the
    /// linker it ran, or a build script with every process it started (make, cc), where
    /// `compare` could follow them (see docs/whatif.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<f64>,
}

impl UnitTiming {
    /// What identifies a unit across two builds: package name *and version* (a build can hold
    /// syn 1 and syn 2 at once), target, kind and mode.
    pub fn key(&self) -> (&str, Option<&str>, &str, &str, &str) {
        (&self.name, self.version.as_deref(), &self.target, &self.kind, &self.mode)
    }

    /// `name`, `name (build script)`, `name (build script run)`, `name (bin rg)`, `name (lib check)`.
    pub fn label(&self) -> String {
        match (self.kind.as_str(), self.mode.as_str()) {
            ("build-script", "run-custom-build") => format!("{} (build script run)", self.name),
            ("build-script", _) => format!("{} (build script)", self.name),
            ("lib", "build") => self.name.clone(),
            (kind, "build") => format!("{} ({kind} {})", self.name, self.target),
            (kind, mode) => format!("{} ({kind} {mode})", self.name),
        }
    }
}

/// sccache counters for one build.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SccacheStats {
    /// rustc invocations sccache was asked to compile.
    pub requests: u64,
    /// Served from the cache.
    pub hits: u64,
    /// Compiled and stored.
    pub misses: u64,
    /// Requests sccache did not cache, by reason (`crate-type`, `incremental`, ...).
    #[serde(default)]
    pub not_cached: Vec<(String, u64)>,
}

/// One final artifact of a sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// Target name.
    pub name: String,
    /// `bin`, `cdylib`, `dylib`, `test`, ...
    pub kind: String,
    /// File size in bytes.
    pub bytes: u64,
    /// The linker named in the file itself (`.comment` or gold's note), e.g. `mold 1.10.1`;
    /// `GNU ld (bfd)` when no linker left a mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linker: Option<String>,
}

/// A configuration that could not run, and how to make it run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unavailable {
    /// The configuration that could not run.
    pub configuration: String,
    /// Why (the missing tool or component).
    pub reason: String,
    /// The command that installs what is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<String>,
}

/// Why buildbench ran a command: only `measured` and `warmup` produce samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// A build that brings a configuration to the state a scenario starts from.
    Prepare,
    /// Not measured: brings caches and the target directory to a steady state.
    Warmup,
    /// Measured: a sample.
    Measured,
}

/// One command buildbench ran, for the record and for `--dry-run`-style auditing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// The configuration built.
    pub configuration: String,
    /// The scenario built.
    pub scenario: Scenario,
    /// Why it ran: preparation, warm-up or measured sample.
    pub purpose: Purpose,
    /// The exact shell line.
    pub command: String,
    /// How long it ran, in seconds.
    #[serde(default)]
    pub wall_seconds: f64,
}

/// A toolchain as found on the machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolchainInfo {
    /// The name configurations use (`default`, `nightly`, ...).
    pub name: String,
    /// `rustc -V`.
    pub rustc: String,
    /// `cargo -V`.
    pub cargo: String,
    /// `rustc -vV`'s host line.
    pub host: String,
    /// The linker this toolchain uses unchanged, read from a probe binary (`LLD 22.1.2 (rust-lld)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_linker: Option<String>,
}

/// A tool's version as found on the machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// The program (`mold`, `sccache`).
    pub name: String,
    /// The first line of its `--version`.
    pub version: String,
}

/// The machine and software the study ran on; studies from different fingerprints do not mix.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// The operating system (`/etc/os-release`).
    pub os: String,
    /// The kernel release.
    pub kernel: String,
    /// The CPU model name.
    pub cpu_model: String,
    /// Logical cores available to builds.
    pub cores: u32,
    /// Physical memory in bytes.
    pub memory_bytes: u64,
    /// Every toolchain the study used, with its default linker.
    pub toolchains: Vec<ToolchainInfo>,
    /// Linkers and caches found, with their versions.
    pub tools: Vec<ToolInfo>,
}

impl Environment {
    /// The host triple of the study's first toolchain (`x86_64-unknown-linux-gnu` when none
    /// was recorded): the target a recommendation's `target.<triple>` table is for.
    pub fn host(&self) -> &str {
        self.toolchains.first().map_or("x86_64-unknown-linux-gnu", |t| t.host.as_str())
    }

    /// True when the default linker of any of the study's toolchains is rustc's bundled
    /// rust-lld (so adopting another linker also turns rust-lld off).
    pub fn default_is_rust_lld(&self) -> bool {
        self.toolchains.iter().any(|t| t.default_linker.as_deref().is_some_and(crate::linker::is_rust_lld))
    }
}

/// The plan as the user asked for it, enough to resume the study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The configurations, in the order they take turns.
    pub configurations: Vec<Configuration>,
    /// The scenarios, in the order they run.
    pub scenarios: Vec<Scenario>,
    /// Measured samples per configuration and scenario (before adaptive rounds).
    pub runs: u32,
    /// Warm-up builds per configuration and scenario.
    pub warmup: u32,
    /// Name of the baseline configuration.
    pub baseline: String,
    /// Arguments passed through to every cargo build (`-p`, `--bin`, `--release`, `-j`).
    #[serde(default)]
    pub cargo_args: Vec<String>,
    /// The workspace file the incremental scenarios edit, relative to the project root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_file: Option<String>,
    /// Build in the user's tree instead of a copy.
    #[serde(default)]
    pub in_place: bool,
    /// Sampling to a precision: the first `runs` samples of each cell (the pilot) fix how many
    /// it needs for the half-width of the 95% interval of its mean to be this fraction of the
    /// mean (0.02 = 2%)...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    /// ...at most this many measured samples (also the limit of `until_verdict`).
    #[serde(default)]
    pub max_runs: u32,
    /// Early stop: after the first `runs` samples, keep adding rounds only to the cells of a
    /// claim whose verdict is still inconclusive, up to `max_runs`. Verdicts then use intervals
    /// corrected for every look (see `claims::evaluate_all`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub until_verdict: bool,
    /// `(K, N)`: this study is shard K of N (1-based); what a shard runs depends on `shard_by`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<(u32, u32)>,
    /// How `--shard` divides the study. Studies written before blocks existed split by cell.
    #[serde(default = "ShardBy::legacy")]
    pub shard_by: ShardBy,
    /// A rev study's revisions, base first: every configuration is built at each of them
    /// (`Configuration::revision`), samples taking turns, so they share the runner and the minute.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
    /// The gate the study was run with (`compare --gate`), so `buildbench gate` and `--resume`
    /// decide the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<crate::gate::GateSpec>,
}

/// How `--shard K/N` divides a study among runners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShardBy {
    /// Every shard runs every configuration and scenario, with a share of each cell's samples:
    /// each shard is a block, and speedups are compared within a block (one machine), then
    /// pooled across blocks, so a slower runner slows both sides of every ratio it holds.
    #[default]
    Block,
    /// Whole cells (configuration × scenario) are dealt to shards: a speedup may then compare
    /// two machines and include their difference.
    Cell,
}

impl ShardBy {
    /// What a `study.json` without the field meant: shards split by cell.
    fn legacy() -> ShardBy {
        ShardBy::Cell
    }

    /// `block` or `cell`.
    pub fn as_str(self) -> &'static str {
        match self {
            ShardBy::Block => "block",
            ShardBy::Cell => "cell",
        }
    }
}

/// One block of a study split with `--shard K/N --shard-by block`: which shard, on what machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// K of `--shard K/N`: the `block` of the samples it measured.
    pub block: u32,
    /// The machine and software the block ran on.
    pub environment: Environment,
    /// Unix time (seconds) the block started.
    pub started_at: u64,
}

impl Plan {
    /// A plan of `runs` measured samples and `warmup` warm-ups of every configuration in every
    /// scenario, the first configuration the baseline, and nothing else asked for: no cargo
    /// arguments, a copy of the project, fixed sampling, one block, no gate. Set the rest with
    /// struct update syntax (`Plan { in_place: true, ..Plan::new(…) }`).
    pub fn new(configurations: Vec<Configuration>, scenarios: Vec<Scenario>, runs: u32, warmup: u32) -> Plan {
        Plan {
            baseline: configurations.first().map(|c| c.name.clone()).unwrap_or_default(),
            configurations,
            scenarios,
            runs,
            warmup,
            cargo_args: Vec::new(),
            edit_file: None,
            in_place: false,
            precision: None,
            max_runs: 0,
            until_verdict: false,
            shard: None,
            shard_by: ShardBy::Block,
            revisions: Vec::new(),
            gate: None,
        }
    }

    /// The cells (configuration index, scenario) in the order shards are dealt.
    pub fn cells(&self) -> Vec<(usize, Scenario)> {
        let mut out = Vec::new();
        for &scenario in &self.scenarios {
            for i in 0..self.configurations.len() {
                out.push((i, scenario));
            }
        }
        out
    }

    /// Whether this study's shard runs `configuration` in `scenario`: always in a blocked
    /// design. Split by cell, cells are dealt round-robin in plan order (scenario by scenario,
    /// configurations in order), so the assignment is stable for a given plan and every shard
    /// gets a similar mix of cheap and expensive cells.
    pub fn in_shard(&self, configuration: usize, scenario: Scenario) -> bool {
        let Some((k, n)) = self.shard else { return true };
        if self.shard_by == ShardBy::Block {
            return true;
        }
        let position = self.cells().iter().position(|&c| c == (configuration, scenario));
        position.is_some_and(|p| p as u32 % n.max(1) == (k.max(1) - 1))
    }

    /// The numbers of the measured samples this study takes of each cell (before adaptive
    /// rounds): `0..runs`, or in a blocked shard its share of them. `--runs R` over N blocks
    /// gives each R / N, the first R mod N one more, and every block at least one; the numbers
    /// continue from block to block, so a merged study numbers its samples once.
    pub fn measured_rounds(&self) -> std::ops::Range<u32> {
        match self.shard {
            Some((k, n)) if self.shard_by == ShardBy::Block && n > 1 => {
                let share = |j: u32| (self.runs / n + u32::from(j <= self.runs % n)).max(1);
                let start: u32 = (1..k.clamp(1, n)).map(share).sum();
                start..start + share(k.clamp(1, n))
            }
            _ => 0..self.runs,
        }
    }
}

/// The first compiler diagnostic of a failed build that points into a source file (`error`
/// line, `-->` location and the lines up to the next diagnostic, at most 30), as cargo
/// rendered it: what a person needs to fix a project that does not build. `None` when the
/// failure is not a compile error with a location (a missing linker, a panicking build script).
pub fn source_error(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let start = lines.iter().enumerate().position(|(i, l)| {
        l.starts_with("error")
            && !l.starts_with("error: could not compile")
            && lines.get(i + 1).is_some_and(|next| next.trim_start().starts_with("--> "))
    })?;
    let mut out: Vec<&str> = Vec::new();
    for (k, line) in lines.iter().enumerate().skip(start) {
        let new_diagnostic = k > start && (line.starts_with("error") || line.starts_with("warning"));
        if new_diagnostic || out.len() >= 30 {
            break;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    Some(out.join("\n"))
}

/// The line of a failed command's stderr that says what went wrong: its first `error` line,
/// else a panic message, else its last line that is not part of a backtrace.
pub fn failure_reason(stderr: &str) -> String {
    let lines = || stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    let backtrace = |l: &&str| {
        l.starts_with("at ")
            || l.split_once(':').is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            || l.starts_with("stack backtrace")
            || l.starts_with("note: ")
    };
    lines()
        .find(|l| l.starts_with("error"))
        .or_else(|| lines().find(|l| l.contains("panicked at")))
        .or_else(|| lines().rfind(|l| !backtrace(l)))
        .unwrap_or("it failed without a message")
        .to_owned()
}

/// The longest time a study may record, in seconds (one year): anything longer is corrupt.
pub const MAX_SECONDS: f64 = 366.0 * 86_400.0;

/// The whole study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Study {
    /// Version of this schema (`SCHEMA_VERSION`); readers refuse other versions.
    pub schema_version: u32,
    /// The buildbench version that wrote the study.
    pub buildbench_version: String,
    /// Unix time (seconds) the study started.
    pub started_at: u64,
    /// The project's root directory as the user gave it.
    pub project: String,
    /// The machine and toolchain fingerprint.
    pub environment: Environment,
    /// What was asked for.
    pub plan: Plan,
    #[serde(default)]
    /// Configurations that could not run here, with the reason and the install command.
    pub unavailable: Vec<Unavailable>,
    #[serde(default)]
    /// Every build that was recorded (warm-up and measured), in the order it ran.
    pub samples: Vec<Sample>,
    #[serde(default)]
    /// Every build command that ran, preparation builds included.
    pub invocations: Vec<Invocation>,
    /// True once every planned sample ran.
    #[serde(default)]
    pub complete: bool,
    /// For a merged study: the files it was merged from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// For a study merged with `--allow-mixed`: the fingerprints of the other machines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mixed_environments: Vec<Environment>,
    /// The blocks of a sharded study (one per shard), with the machine each ran on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<Block>,
    /// The linker the project selects itself, when it does: the `default` rows build with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_linker: Option<OwnLinker>,
}

impl Study {
    /// The measured (non-warm-up, successful or not) samples of one run.
    /// Reads a `study.json`: JSON, of this schema version, with every value possible (see
    /// `check_values`). The error says what is wrong, without the file name (the caller has it).
    pub fn from_json(bytes: &[u8]) -> Result<Study, String> {
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("not JSON ({e}); expected a study.json written by `buildbench compare`"))?;
        match value.get("schema_version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => return Err(format!("study schema version {v}; this buildbench reads version {SCHEMA_VERSION}")),
            None => return Err("no schema_version; expected a study.json written by `buildbench compare`".to_owned()),
        }
        let study: Study = serde_json::from_value(value).map_err(|e| format!("not a valid buildbench study: {e}"))?;
        study.check_values().map_err(|e| format!("{e}; the study is damaged"))?;
        Ok(study)
    }

    /// Checks every measured number of a study read from disk: finite, not negative, and at
    /// most `MAX_SECONDS` (a crafted or corrupted study must not make a renderer loop or draw
    /// nonsense). The error names the first bad value.
    pub fn check_values(&self) -> Result<(), String> {
        let seconds = |what: String, x: f64| -> Result<(), String> {
            if x.is_finite() && (0.0..=MAX_SECONDS).contains(&x) {
                Ok(())
            } else {
                Err(format!("{what} is {x}; expected seconds between 0 and {MAX_SECONDS}"))
            }
        };
        for (i, sample) in self.samples.iter().enumerate() {
            let at = |field: &str| format!("samples[{i}].{field}");
            seconds(at("wall_seconds"), sample.wall_seconds)?;
            seconds(at("user_seconds"), sample.user_seconds)?;
            seconds(at("system_seconds"), sample.system_seconds)?;
            for (field, value) in
                [("cargo_seconds", sample.cargo_seconds), ("critical_path_seconds", sample.critical_path_seconds)]
            {
                if let Some(x) = value {
                    seconds(at(field), x)?;
                }
            }
            for (j, unit) in sample.units.iter().enumerate() {
                let values = [Some(unit.start), Some(unit.duration), unit.frontend, unit.codegen, unit.link];
                for x in values.into_iter().flatten() {
                    seconds(at(&format!("units[{j}]")), x)?;
                }
            }
            for (j, link) in sample.links.iter().enumerate() {
                seconds(at(&format!("links[{j}].seconds")), link.seconds)?;
            }
        }
        for (i, invocation) in self.invocations.iter().enumerate() {
            seconds(format!("invocations[{i}].wall_seconds"), invocation.wall_seconds)?;
        }
        if let Some(p) = self.plan.precision
            && !(p.is_finite() && p > 0.0 && p < 1.0)
        {
            return Err(format!("plan.precision is {p}; expected a fraction between 0 and 1"));
        }
        Ok(())
    }

    /// The measured (not warm-up) samples of one configuration and scenario, failed ones included.
    ///
    /// Each call reads every sample of the study: code that asks about many cells groups the
    /// samples once with `cells` instead.
    pub fn run<'a>(&'a self, configuration: &'a str, scenario: Scenario) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| !s.warmup && s.configuration == configuration && s.scenario == scenario)
    }

    /// The measured samples grouped by cell, in one pass over the study: what a report, a claim
    /// or a gate that asks about every cell reads, so its time grows with the number of samples,
    /// not with samples × cells.
    pub fn cells(&self) -> Cells<'_> {
        Cells::new(self)
    }

    /// With `--precision`, the samples were taken in two stages: the first `runs` of each cell
    /// (the pilot) fixed how many followed. Statistics then estimate spreads from the pilot.
    pub fn pilot(&self) -> Option<usize> {
        self.plan.precision.map(|_| self.plan.runs as usize)
    }

    /// The measured samples of one cell whose build succeeded: what every statistic uses.
    pub fn successful<'a>(
        &'a self,
        configuration: &'a str,
        scenario: Scenario,
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.run(configuration, scenario).filter(|s| s.success)
    }

    /// The successful measured sample of a cell with unit timings whose wall time is nearest the
    /// cell's median: the one that stands for the cell in timelines and per-unit tables.
    pub fn representative(&self, configuration: &str, scenario: Scenario) -> Option<&Sample> {
        let successful = self
            .samples
            .iter()
            .filter(|s| !s.warmup && s.success && s.configuration == configuration && s.scenario == scenario);
        representative(successful.collect())
    }

    /// Wall times of the measured, successful samples of one run, in the order they ran.
    pub fn wall_times(&self, configuration: &str, scenario: Scenario) -> Vec<f64> {
        self.successful(configuration, scenario).map(|s| s.wall_seconds).collect()
    }

    /// A metric of the successful measured samples of one cell, grouped by block (block 0 holds
    /// the samples of a study that was not sharded), blocks in order.
    pub fn groups(
        &self,
        configuration: &str,
        scenario: Scenario,
        metric: impl Fn(&Sample) -> Option<f64>,
    ) -> Vec<(u32, Vec<f64>)> {
        groups(self.successful(configuration, scenario), metric)
    }

    /// Compares a metric of the `candidate` cell with the `reference` cell. Where both were
    /// measured in two or more shared blocks (a study sharded by block), the speedup is
    /// estimated within each block and pooled (`stats::blocks::compare_paired`); otherwise the
    /// two runs are compared as wholes (`stats::compare_with`).
    pub fn compare(
        &self,
        reference: (&str, Scenario),
        candidate: (&str, Scenario),
        metric: impl Fn(&Sample) -> Option<f64>,
        settings: &crate::stats::Settings,
    ) -> Option<crate::stats::Comparison> {
        let r = self.groups(reference.0, reference.1, &metric);
        let c = self.groups(candidate.0, candidate.1, &metric);
        crate::stats::blocks::compare_groups(&r, &c, settings)
    }

    /// True when the two cells were measured in blocks (shards) but never in the same one: a
    /// study split by cell, whose ratio between them then includes the difference between the
    /// runners.
    pub fn across_runners(&self, reference: (&str, Scenario), candidate: (&str, Scenario)) -> bool {
        across_runners(self, self.successful(reference.0, reference.1), self.successful(candidate.0, candidate.1))
    }

    /// How much the runners (blocks) of a sharded study differed, from the wall times of every
    /// cell measured in two or more blocks. `None` for a study with one block.
    pub fn runner_spread(&self) -> Option<crate::stats::blocks::RunnerSpread> {
        self.cells().runner_spread()
    }
}

/// The samples of a study grouped by cell (configuration × scenario), each cell's in the order
/// they ran: built once in one pass (`Study::cells`), then every question about a cell reads
/// only that cell's samples. Its methods answer exactly as `Study`'s methods of the same name.
#[derive(Debug, Clone)]
pub struct Cells<'a> {
    /// The study the samples belong to.
    pub study: &'a Study,
    /// Per configuration, per scenario (a handful), every sample, warm-ups included.
    cells: std::collections::HashMap<&'a str, Vec<(Scenario, Vec<&'a Sample>)>>,
    /// The first failed sample (warm-ups included) of each configuration, in any scenario.
    first_failures: std::collections::HashMap<&'a str, &'a Sample>,
}

impl<'a> Cells<'a> {
    /// Groups the samples of `study` (one pass).
    pub fn new(study: &'a Study) -> Cells<'a> {
        let mut cells: std::collections::HashMap<&str, Vec<(Scenario, Vec<&Sample>)>> =
            std::collections::HashMap::new();
        let mut first_failures = std::collections::HashMap::new();
        for sample in &study.samples {
            if !sample.success {
                first_failures.entry(sample.configuration.as_str()).or_insert(sample);
            }
            let scenarios = cells.entry(sample.configuration.as_str()).or_default();
            match scenarios.iter_mut().find(|(s, _)| *s == sample.scenario) {
                Some((_, cell)) => cell.push(sample),
                None => scenarios.push((sample.scenario, vec![sample])),
            }
        }
        Cells { study, cells, first_failures }
    }

    /// Every sample of one cell, warm-ups and failed builds included, in the order they ran.
    pub fn all(&self, configuration: &str, scenario: Scenario) -> &[&'a Sample] {
        let scenarios = self.cells.get(configuration).map_or(&[][..], Vec::as_slice);
        scenarios.iter().find(|(s, _)| *s == scenario).map_or(&[], |(_, cell)| cell.as_slice())
    }

    /// As `Study::run`: the measured samples of one cell, failed ones included.
    pub fn run(&self, configuration: &str, scenario: Scenario) -> impl Iterator<Item = &'a Sample> + '_ {
        self.all(configuration, scenario).iter().copied().filter(|s| !s.warmup)
    }

    /// The first sample of a configuration whose build failed, in any scenario, warm-ups
    /// included: why a later scenario of it did not run.
    pub fn first_failure(&self, configuration: &str) -> Option<&'a Sample> {
        self.first_failures.get(configuration).copied()
    }

    /// As `Study::successful`.
    pub fn successful(&self, configuration: &str, scenario: Scenario) -> impl Iterator<Item = &'a Sample> + '_ {
        self.run(configuration, scenario).filter(|s| s.success)
    }

    /// As `Study::representative`.
    pub fn representative(&self, configuration: &str, scenario: Scenario) -> Option<&'a Sample> {
        representative(self.successful(configuration, scenario).collect())
    }

    /// As `Study::wall_times`.
    pub fn wall_times(&self, configuration: &str, scenario: Scenario) -> Vec<f64> {
        self.successful(configuration, scenario).map(|s| s.wall_seconds).collect()
    }

    /// As `Study::groups`.
    pub fn groups(
        &self,
        configuration: &str,
        scenario: Scenario,
        metric: impl Fn(&Sample) -> Option<f64>,
    ) -> Vec<(u32, Vec<f64>)> {
        groups(self.successful(configuration, scenario), metric)
    }

    /// As `Study::compare`.
    pub fn compare(
        &self,
        reference: (&str, Scenario),
        candidate: (&str, Scenario),
        metric: impl Fn(&Sample) -> Option<f64>,
        settings: &crate::stats::Settings,
    ) -> Option<crate::stats::Comparison> {
        let r = self.groups(reference.0, reference.1, &metric);
        let c = self.groups(candidate.0, candidate.1, &metric);
        crate::stats::blocks::compare_groups(&r, &c, settings)
    }

    /// As `Study::across_runners`.
    pub fn across_runners(&self, reference: (&str, Scenario), candidate: (&str, Scenario)) -> bool {
        across_runners(self.study, self.successful(reference.0, reference.1), self.successful(candidate.0, candidate.1))
    }

    /// As `Study::runner_spread`.
    pub fn runner_spread(&self) -> Option<crate::stats::blocks::RunnerSpread> {
        let plan = &self.study.plan;
        let cells: Vec<Vec<(u32, Vec<f64>)>> = plan
            .cells()
            .into_iter()
            .filter_map(|(c, s)| plan.configurations.get(c).map(|c| self.groups(&c.name, s, |x| Some(x.wall_seconds))))
            .collect();
        crate::stats::blocks::runner_spread(&cells)
    }
}

/// Of a cell's successful samples, the one with unit timings whose wall time is nearest the
/// cell's median.
fn representative(successful: Vec<&Sample>) -> Option<&Sample> {
    let median = crate::stats::median(successful.iter().map(|s| s.wall_seconds))?;
    successful
        .into_iter()
        .filter(|s| !s.units.is_empty())
        .min_by(|a, b| (a.wall_seconds - median).abs().total_cmp(&(b.wall_seconds - median).abs()))
}

/// A metric of a cell's successful samples, grouped by block, blocks in order.
fn groups<'a>(
    successful: impl Iterator<Item = &'a Sample>,
    metric: impl Fn(&Sample) -> Option<f64>,
) -> Vec<(u32, Vec<f64>)> {
    let mut out: Vec<(u32, Vec<f64>)> = Vec::new();
    for sample in successful {
        let Some(value) = metric(sample) else { continue };
        let block = sample.block.unwrap_or(0);
        match out.iter_mut().find(|(b, _)| *b == block) {
            Some((_, values)) => values.push(value),
            None => out.push((block, vec![value])),
        }
    }
    out.sort_by_key(|(b, _)| *b);
    out
}

/// Two cells measured in blocks but never in the same one.
fn across_runners<'a>(
    study: &Study,
    reference: impl Iterator<Item = &'a Sample>,
    candidate: impl Iterator<Item = &'a Sample>,
) -> bool {
    let r: Vec<u32> = reference.filter_map(|x| x.block).collect();
    let c: Vec<u32> = candidate.filter_map(|x| x.block).collect();
    study.blocks.len() > 1 && !r.is_empty() && !c.is_empty() && !r.iter().any(|b| c.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_toolchain_is_named_by_its_error_not_a_backtrace_frame() {
        let panic = "thread 'main' panicked at src/main.rs:3:5:\nboom\nstack backtrace:\n  12: main\n  13: <unknown>\n";
        assert_eq!(failure_reason(panic), "thread 'main' panicked at src/main.rs:3:5:");
        let missing = "warning: x\nerror: toolchain 'n' is not installed\n";
        assert_eq!(failure_reason(missing), "error: toolchain 'n' is not installed");
        assert_eq!(failure_reason("something odd\n  13: <unknown>\n"), "something odd");
    }
}
