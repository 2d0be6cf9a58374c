//! Command-line arguments. Domain types stay free of clap; this module maps onto them.

pub mod format;
pub mod tune;

use std::path::PathBuf;

use buildbench_report::export::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Which build configuration makes your Rust project build fastest, with numbers you can trust.
#[derive(Debug, Parser)]
#[command(name = "buildbench", version = env!("BUILDBENCH_LONG_VERSION"), about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour in tables (significantly faster green, slower red, verdicts): auto means on a
    /// terminal unless NO_COLOR is set; never in JSON or other files.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Whether tables printed on stdout get colour, decided once from `--color`.
pub static COLOR: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Colour on stdout: `--color always`, or `auto` on a terminal without `NO_COLOR` (any value)
/// and with a `TERM` other than `dumb`.
pub fn color_enabled(choice: ColorChoice) -> bool {
    use std::io::IsTerminal as _;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// Whether to colour what goes to stdout now.
pub fn color() -> bool {
    COLOR.get().copied().unwrap_or(false)
}

const COMPARE_EXAMPLES: &str = "Examples:
  buildbench compare                                    the project here: default vs mold, clean and incremental
  buildbench compare ~/src/app --linker default,mold,lld,wild --runs 10
  buildbench compare --backend llvm,cranelift --toolchain nightly
  buildbench compare --cache none,sccache --preset dev,fast-dev --scenario clean,incremental
  buildbench compare --scan profile.dev.codegen-units=1,16,256
  buildbench compare --profile fastcheck -- --features simd --target x86_64-unknown-linux-gnu
  buildbench compare --until-verdict --max-runs 20     stop once the claims are decided
  buildbench compare --shard 2/4 --out $RUNNER_TEMP/shard-2   one block of a CI matrix, then `buildbench merge`
  buildbench compare --rev main,HEAD --gate 5%         a pull request against main, on this runner
  buildbench compare --dry-run                          every command and its environment; runs nothing";

const GATE_EXAMPLES: &str = "Examples:
  buildbench compare . --rev main,HEAD --scenario incremental --gate 5% --until-decided
  buildbench gate target/buildbench/STUDY --threshold 5%
  buildbench gate STUDY --format md >> $GITHUB_STEP_SUMMARY
  buildbench gate STUDY --gate-cells default/incremental,default/clean --undecided fail";

const WHATIF_EXAMPLES: &str = "Examples:
  cargo build --timings && buildbench whatif target/cargo-timings
  buildbench whatif REPORT --jobs 1,2,4,8,16,32
  buildbench whatif REPORT --codegen 0.5 --link 0.5
  buildbench whatif REPORT --split regex-syntax=2 --rank-splits
  buildbench whatif STUDY_DIR                           the study's baseline clean build";

const APPLY_EXAMPLES: &str = "Examples:
  buildbench apply STUDY_DIR --dry-run                  the diff, nothing written
  buildbench apply STUDY_DIR                            the recommended configuration
  buildbench apply STUDY_DIR --configuration mold --force";

const PROFILE_EXAMPLES: &str = "Examples:
  buildbench profile                                    the current project, nightly toolchain
  buildbench profile . -o profile.html                  with the stacked bars and macro table
  buildbench profile . --scenario clean,incremental -- --features serde
  buildbench profile . --work prof                      keep rustc's .mm_profdata files in prof/";

const TIMINGS_EXAMPLES: &str = "Examples:
  buildbench timings target/cargo-timings               the newest report in the folder
  buildbench timings before.html after.html --top 20    what got faster or slower, unit by unit
  buildbench timings REPORT -o timeline.html            the build as a timeline
  buildbench timings REPORT --format json";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise one cargo timing output, or diff two unit by unit.
    ///
    /// Reads `cargo build --timings` HTML reports (cargo 1.60 and later), `-Zbuild-analysis`
    /// logs, `--timings=json` timing-info lines and `--message-format=json` output; the format is
    /// detected from the content. A directory means its newest report (e.g. target/cargo-timings).
    #[command(after_long_help = TIMINGS_EXAMPLES)]
    Timings(TimingsArgs),
    /// Measure the project's builds across a matrix of configurations.
    ///
    /// Runs every configuration × scenario several times (warm-up first, configurations taking
    /// turns), on a copy of the project, each configuration in its own target directory. Writes
    /// study.json into the output folder and prints a speedup table.
    #[command(after_long_help = COMPARE_EXAMPLES)]
    Compare(Box<CompareArgs>),
    /// Re-render a saved study (HTML, Markdown, CSV, JSON, table) without building.
    Report(ReportArgs),
    /// Link time alone: capture the final link commands once, replay them under each linker.
    ///
    /// Builds the project once per debuginfo level with buildbench as the linker wrapper, which
    /// saves each final link command and the inputs rustc would delete; then relinks only,
    /// --runs times per linker, linkers taking turns, and checks every relinked output (it must
    /// run `--version` exactly like the original). Reports speedups over the resolved default
    /// linker and over GNU ld, and the verdict on "mold links 2-5x faster".
    Link(LinkArgs),
    /// Where rustc's time goes, crate by crate: frontend activities, codegen, link, the
    /// costliest proc macros and queries, from rustc's -Zself-profile (nightly).
    ///
    /// Builds a copy of the project clean (and with --scenario incremental, once more after an
    /// edit) with -Zself-profile into a private folder, reads the profiles with measureme's
    /// analyzeme, and checks the guide's frontend advice ("proc macros are expensive", "fewer
    /// dependencies", "smaller crates"). The same builds without the profiler say what
    /// profiling cost; profiled builds are never timing samples.
    #[command(after_long_help = PROFILE_EXAMPLES)]
    Profile(ProfileArgs),
    /// What can run here, what the default linker really is, what would spoil a measurement.
    ///
    /// With --diagnose, also measures where the project's build time goes: `cargo check` against
    /// `cargo build` (clean and incremental), link time, proc-macros, build scripts, the critical
    /// path, and (where a nightly toolchain is installed) section timings.
    Doctor(DoctorArgs),
    /// Join the shards of a study (`compare --shard K/N`) into one study.json.
    ///
    /// Refuses studies of different plans, and studies from different machines or toolchains
    /// (their fingerprints differ) unless --allow-mixed, which the reports then show.
    Merge(MergeArgs),
    /// Gate a pull request: head against base within one rev study (`compare --rev BASE,HEAD`).
    ///
    /// Per gated cell (default: the baseline configuration in every scenario): slower (the whole
    /// interval of head/base above 1 and the estimate beyond the threshold), not slower (the
    /// interval's upper end below 1 + threshold) or undecided, with the smallest slowdown it
    /// would have caught. Exit status: 1 on a slower or failed cell (or an undecided one with
    /// --undecided fail), 0 otherwise, 2 on bad input.
    #[command(after_long_help = GATE_EXAMPLES)]
    Gate(GateArgs),
    /// Compare two studies (e.g. main vs a pull request): the CI gate for dedicated machines.
    ///
    /// Prints a Markdown table. The differences include those between the two studies' runners
    /// and times; for pull requests on shared runners, measure both revisions in one study
    /// (`compare PATH --rev BASE,HEAD --gate 5%`). Exit status: 0 without regressions, 1 when a
    /// cell is significantly slower (Welch's t-test, p < 0.05 after Holm) by more than the
    /// threshold, failed or missing in the new study, underpowered (too few samples to catch the
    /// threshold; --allow-underpowered accepts it), or when nothing was compared; 2 on bad input.
    Diff(DiffArgs),
    /// Predict a build's time from one timing report: more or fewer jobs, faster codegen, a
    /// faster linker, a crate split in parts.
    ///
    /// Rebuilds the unit graph from a `--timings` HTML report or a build-analysis log and
    /// replays it through a model of cargo's job queue (ready units start by cargo's priority:
    /// the most dependents first). Prints the predicted wall time per job count, the
    /// critical-path floor and the chain that bounds it. Accuracy: docs/whatif.md.
    #[command(after_long_help = WHATIF_EXAMPLES)]
    Whatif(WhatifArgs),
    /// Write a measured configuration into the project: .cargo/config.toml, Cargo.toml profile
    /// sections, rust-toolchain.toml.
    ///
    /// Takes the configuration the study recommends (or --configuration NAME), shows the diff,
    /// edits the files in place keeping their comments and layout (toml_edit, cargo's own TOML
    /// editor), then builds the project with the study's cargo arguments and puts every file
    /// back if the build fails. Refuses files with uncommitted changes in git unless --force.
    #[command(after_long_help = APPLY_EXAMPLES)]
    Apply(ApplyArgs),
    /// Find the fastest build configuration for this project within a time budget, confirm
    /// it on fresh samples, and (with --apply) write it.
    ///
    /// Tries each setting this machine offers alone against the project as it is (linkers,
    /// debug info, codegen units, ...; Cranelift and -Z flags with --allow nightly), combines
    /// those that helped, races the candidates (dropping the clearly slower ones with error
    /// rates held over every look), then measures the winner against the project as it is on
    /// fresh samples. Writes study.json (the confirmation), tune.json and report.html.
    #[command(after_long_help = tune::TUNE_EXAMPLES)]
    Tune(Box<tune::TuneArgs>),
    /// Build-time history across commits: add studies to a SQLite file, show trends and change
    /// points, write trend.html, gate CI on a new change point.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Print a shell completion script: `buildbench completions bash > ~/.local/share/bash-completion/completions/buildbench`.
    Completions(CompletionsArgs),
    /// Print the man page (roff): `buildbench man > ~/.local/share/man/man1/buildbench.1`.
    Man,
    /// Put back the files an interrupted `compare --in-place` left edited in a project.
    ///
    /// Every later compare or link on the project does this first; this command does only
    /// that. A file changed since (not by buildbench) is kept as it is.
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The cargo project.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The cargo project (workspace or package) to measure (default: the current directory,
    /// or with --resume the study's project).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Codegen backends: llvm, cranelift (Cranelift needs a nightly with its component)
    /// [default: llvm].
    #[arg(help_heading = "Matrix", long, value_delimiter = ',', value_name = "LIST")]
    pub backend: Vec<String>,
    /// Linkers: default, bfd, gold, lld, mold, wild. `default` is the toolchain's own
    /// [default: default,mold; mold is skipped with a note when it is not installed].
    #[arg(help_heading = "Matrix", long, value_delimiter = ',', value_name = "LIST")]
    pub linker: Vec<String>,
    /// Compilation caches: none, sccache [default: none].
    #[arg(help_heading = "Matrix", long, value_delimiter = ',', value_name = "LIST")]
    pub cache: Vec<String>,
    /// Presets: dev (the profile unchanged), fast-dev (the guide's aggressive dev profile).
    #[arg(help_heading = "Matrix", long, value_delimiter = ',', default_value = "dev", value_name = "LIST")]
    pub preset: Vec<String>,
    /// One configuration per value, like hyperfine's -L: a cargo config key or an environment
    /// variable, e.g. profile.dev.codegen-units=1,16,256 or RUSTFLAGS=-Zthreads=1,-Zthreads=8
    /// (repeatable: every combination).
    #[arg(help_heading = "Matrix", long = "scan", value_name = "KEY=V1,V2,...")]
    pub scan: Vec<String>,
    /// A cargo config override (e.g. profile.dev.debug=0); all --set together form one more
    /// preset point named `custom`.
    #[arg(help_heading = "Matrix", long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A buildbench.toml naming configurations explicitly (replaces the axes above); see
    /// docs/compare.md. Default: the project's buildbench.toml or .config/buildbench.toml.
    #[arg(help_heading = "Matrix", long, value_name = "FILE", conflicts_with = "no_config")]
    pub config_file: Option<PathBuf>,
    /// Ignore the project's buildbench.toml.
    #[arg(help_heading = "Matrix", long)]
    pub no_config: bool,
    /// Scenarios: clean, noop, incremental, check-clean, check-incremental (with sccache, clean
    /// also runs clean-cold-cache and clean-warm-cache).
    #[arg(
        help_heading = "Scenarios and sampling",
        long,
        value_delimiter = ',',
        default_value = "clean,incremental",
        value_name = "LIST"
    )]
    pub scenario: Vec<String>,
    /// The file the incremental scenarios edit (default: the main file of the first binary,
    /// else of the library).
    #[arg(help_heading = "Scenarios and sampling", long, value_name = "FILE")]
    pub edit: Option<PathBuf>,
    /// Measured samples per configuration and scenario.
    #[arg(help_heading = "Scenarios and sampling", short = 'r', long, default_value_t = 5, value_name = "N")]
    pub runs: u32,
    /// Sampling to a precision (two stages): the first --runs samples of each cell fix how many
    /// it needs for a 95% interval within this much of its mean (e.g. 2%), up to --max-runs.
    #[arg(help_heading = "Scenarios and sampling", long, value_parser = parse_fraction, value_name = "PERCENT")]
    pub precision: Option<f64>,
    /// Early stop: after --runs, keep sampling (in rounds, up to --max-runs) only the cells of a
    /// claim whose verdict is still inconclusive. Verdicts use intervals corrected for every
    /// look, so stopping early does not raise their error rate.
    #[arg(help_heading = "Scenarios and sampling", long)]
    pub until_verdict: bool,
    /// The most measured samples per cell with --precision or --until-verdict.
    #[arg(help_heading = "Scenarios and sampling", short = 'M', long, default_value_t = 20, value_name = "N")]
    pub max_runs: u32,
    /// Warm-up samples (not measured) before them.
    #[arg(help_heading = "Scenarios and sampling", short = 'w', long, default_value_t = 1, value_name = "N")]
    pub warmup: u32,
    /// The configuration speedups are computed against (default: the first).
    #[arg(help_heading = "Matrix", long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Passed to cargo: package to build.
    #[arg(help_heading = "Cargo", short = 'p', long, value_name = "SPEC")]
    pub package: Option<String>,
    /// Passed to cargo: binary to build.
    #[arg(help_heading = "Cargo", long, value_name = "NAME")]
    pub bin: Option<String>,
    /// Passed to cargo: build the release profile.
    #[arg(help_heading = "Cargo", long, conflicts_with = "cargo_profile")]
    pub release: bool,
    /// Passed to cargo: build this cargo profile (any, including custom ones with `inherits`).
    #[arg(help_heading = "Cargo", long = "profile", id = "cargo_profile", value_name = "NAME", value_parser = parse_cargo_profile)]
    pub cargo_profile: Option<String>,
    /// Passed to cargo: parallel jobs.
    #[arg(help_heading = "Cargo", short = 'j', long, value_parser = clap::value_parser!(u32).range(1..), value_name = "N")]
    pub jobs: Option<u32>,
    /// Rustup toolchain for every configuration (Cranelift ones default to nightly).
    #[arg(help_heading = "Matrix", long, value_name = "NAME")]
    pub toolchain: Option<String>,
    /// Print every command with its environment; run nothing, change nothing.
    #[arg(help_heading = "Output", long)]
    pub dry_run: bool,
    /// Output folder, outside the project (default: <target-dir>/buildbench/<timestamp>).
    #[arg(help_heading = "Output", short = 'o', long, alias = "output", value_name = "DIR", conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// Run shard K of N, e.g. 2/4 on the second of four CI runners; join the results with
    /// `buildbench merge`. Each shard runs every configuration with its share of --runs (a
    /// block), so speedups are measured within one runner (see --shard-by).
    #[arg(help_heading = "CI", long, value_parser = parse_shard, value_name = "K/N")]
    pub shard: Option<(u32, u32)>,
    /// How --shard divides the study: `block` (every shard runs every configuration, speedups
    /// taken within a runner and pooled) or `cell` (whole cells dealt to shards, for a pool of
    /// identical machines; speedups then include the difference between runners).
    #[arg(help_heading = "CI", long, value_enum, default_value_t = ShardByArg::Block, value_name = "HOW", requires = "shard")]
    pub shard_by: ShardByArg,
    /// Continue the interrupted study in DIR without redoing finished samples.
    #[arg(help_heading = "CI", long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Build in the project itself instead of a copy; edited files are restored afterwards.
    #[arg(help_heading = "Cargo", long)]
    pub in_place: bool,
    /// Keep the project copy and target directories (DIR/work) after the study.
    #[arg(help_heading = "Output", long)]
    pub keep_work: bool,
    /// Exit 0 even when a configuration failed to build or its tool is missing (the default
    /// exit status is 1 then, so a CI job never passes with nothing measured).
    #[arg(help_heading = "Output", long)]
    pub allow_partial: bool,
    /// Output format of the final summary.
    #[arg(help_heading = "Output", long, default_value = "table", value_parser = format::parser("compare", format::accepts::STUDY), value_name = "FORMAT")]
    pub format: Format,
    /// No progress bars (for CI logs).
    #[arg(help_heading = "Output", long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print every build's exact command (with its environment) as it starts.
    #[arg(help_heading = "Output", long, short = 'v')]
    pub verbose: bool,
    /// Changes smaller than this are never called significant (e.g. 2% or 0.02).
    #[arg(help_heading = "Scenarios and sampling", long, default_value = "2%", value_parser = parse_fraction, value_name = "PERCENT")]
    pub noise: f64,
    /// Also write the report as JSON to FILE (buildbench's schema, docs/reports.md).
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Also write the measured build times in hyperfine's --export-json shape, one result per
    /// configuration and scenario, for the scripts that plot hyperfine's results.
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub export_hyperfine: Option<PathBuf>,
    /// Also write the report as Markdown to FILE.
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// Also write the report as CSV to FILE.
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Also write the self-contained HTML report to FILE.
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub export_html: Option<PathBuf>,
    /// Git revisions measured side by side, base first: `--rev main,HEAD`. Any branch, tag or
    /// commit; NAME=REV names one; WORKTREE is the working tree with its uncommitted changes.
    /// Every configuration is built at each revision, in turns, from an export in the output
    /// folder; your checkout and its .git are only read.
    #[arg(help_heading = "Revisions and gate", long, value_delimiter = ',', value_name = "LIST")]
    pub rev: Vec<String>,
    /// After the study, gate head against base: exit 1 when a gated cell is slower by more
    /// than PERCENT (see `buildbench gate`).
    #[arg(help_heading = "Revisions and gate", long, value_parser = parse_fraction, requires = "rev", value_name = "PERCENT")]
    pub gate: Option<f64>,
    /// Keep measuring the gated cells the gate leaves undecided, both revisions in turn, up to
    /// --max-runs; error rates are held over every look.
    #[arg(help_heading = "Revisions and gate", long, requires = "gate")]
    pub until_decided: bool,
    #[command(flatten)]
    pub gate_options: GateOptions,
    /// Arguments for every `cargo build` (and `cargo check`) of every configuration, after
    /// `--`: features, --target TRIPLE, --workspace, --profile NAME, --locked, -Z flags, ...
    #[arg(help_heading = "Cargo", last = true, value_name = "CARGO ARGS")]
    pub cargo: Vec<String>,
}

/// What a gate decides on, shared by `compare --gate` and `buildbench gate`.
#[derive(Debug, Args)]
pub struct GateOptions {
    /// The gated cells as CONFIGURATION/SCENARIO (e.g. default/incremental,mold/clean)
    /// [default: the baseline configuration in every scenario].
    #[arg(help_heading = "Revisions and gate", long, value_delimiter = ',', value_name = "LIST")]
    pub gate_cells: Vec<String>,
    /// What an undecided gated cell does: pass (with a warning naming it) or fail.
    #[arg(help_heading = "Revisions and gate", long, value_enum, value_name = "WHAT")]
    pub undecided: Option<UndecidedArg>,
    /// What is compared: wall (wall-clock time), cpu (user + system CPU time of the build's
    /// processes) or units (sum of cargo's unit times) [default: wall].
    #[arg(help_heading = "Revisions and gate", long, value_enum, value_name = "METRIC")]
    pub metric: Option<MetricArg>,
}

/// `--undecided`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UndecidedArg {
    Pass,
    Fail,
}

impl From<UndecidedArg> for buildbench_model::gate::OnUndecided {
    fn from(a: UndecidedArg) -> Self {
        match a {
            UndecidedArg::Pass => buildbench_model::gate::OnUndecided::Pass,
            UndecidedArg::Fail => buildbench_model::gate::OnUndecided::Fail,
        }
    }
}

/// `--metric`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    Wall,
    Cpu,
    Units,
}

impl From<MetricArg> for buildbench_model::gate::Metric {
    fn from(a: MetricArg) -> Self {
        match a {
            MetricArg::Wall => buildbench_model::gate::Metric::Wall,
            MetricArg::Cpu => buildbench_model::gate::Metric::Cpu,
            MetricArg::Units => buildbench_model::gate::Metric::Units,
        }
    }
}

/// Gate a rev study: head against base, within the one study.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// A study.json of `buildbench compare --rev BASE,HEAD` (or its output folder).
    #[arg(value_name = "STUDY")]
    pub study: PathBuf,
    /// The slowdown that fails the gate [default: the study's --gate, else 5%].
    #[arg(long, value_parser = parse_fraction, value_name = "PERCENT")]
    pub threshold: Option<f64>,
    #[command(flatten)]
    pub options: GateOptions,
    /// table for a terminal, md for a CI job summary, json.
    #[arg(long, default_value = "table", value_parser = format::parser("gate", format::accepts::GATE), value_name = "FORMAT")]
    pub format: Format,
}

/// Re-render a saved study without building: HTML, Markdown, CSV, JSON or a terminal table.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A study.json written by `buildbench compare` (or its output folder).
    #[arg(value_name = "STUDY")]
    pub study: PathBuf,
    /// Write here instead of stdout; the format follows the extension unless --format is given.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The format [default: the extension of -o FILE, else table].
    #[arg(long, value_parser = format::parser("report", format::accepts::STUDY), value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Changes smaller than this are never called significant.
    #[arg(long, default_value = "2%", value_parser = parse_fraction, value_name = "PERCENT")]
    pub noise: f64,
    /// Add the section of a `buildbench profile -o FILE.json` (where rustc's time goes, crate
    /// by crate) to the HTML, Markdown and table reports. Default: the study folder's
    /// profile.json, when there is one.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The cargo project.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// Linkers to compare: default, bfd, gold, lld, mold, wild.
    #[arg(long, value_delimiter = ',', default_value = buildbench_model::linker::WORDS, value_name = "LIST")]
    pub linker: Vec<String>,
    /// Start from a copy of the build in this target folder (default: the project's own
    /// target folder, when it holds a build of the profile); only the final crates are rebuilt.
    /// The folder is only read.
    #[arg(long, value_name = "DIR", conflicts_with = "fresh")]
    pub from_target: Option<PathBuf>,
    /// Build everything from scratch instead of starting from an existing build.
    #[arg(long)]
    pub fresh: bool,
    /// Stop once "mold links 2-5x faster" is decided against both the default linker and GNU
    /// ld (looking from the third run on, with intervals corrected for every look); --runs is
    /// then the most.
    #[arg(long)]
    pub until_verdict: bool,
    /// Measured relinks per linker and level (after one warm-up).
    #[arg(short = 'r', long, default_value_t = 10, value_name = "N")]
    pub runs: u32,
    /// Only this binary (default: every final binary and cdylib of the workspace).
    #[arg(long, value_name = "NAME")]
    pub bin: Option<String>,
    /// Passed to cargo: package to build.
    #[arg(short = 'p', long, value_name = "SPEC")]
    pub package: Option<String>,
    /// Passed to cargo: release profile.
    #[arg(long)]
    pub release: bool,
    /// Debuginfo levels: full, line-tables-only, none (each is one capture build).
    #[arg(long, value_delimiter = ',', default_value = "full", value_name = "LIST")]
    pub debuginfo: Vec<String>,
    /// Rustup toolchain to build with.
    #[arg(long, value_name = "NAME")]
    pub toolchain: Option<String>,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = format::parser("link", format::accepts::TABLE_JSON), value_name = "FORMAT")]
    pub format: Format,
    /// Scratch folder (default: a temporary directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub work: Option<PathBuf>,
    /// Changes smaller than this are never called significant.
    #[arg(long, default_value = "2%", value_parser = parse_fraction, value_name = "PERCENT")]
    pub noise: f64,
    /// No progress messages.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Arguments for the capture builds, after `--` (features, --target, --profile, ...).
    #[arg(last = true, value_name = "CARGO ARGS")]
    pub cargo: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The cargo project.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// clean, and incremental for one more profiled rebuild after an edit.
    #[arg(long, value_delimiter = ',', default_value = "clean", value_name = "LIST")]
    pub scenario: Vec<String>,
    /// A nightly rustup toolchain (-Zself-profile is unstable).
    #[arg(long, default_value = "nightly", value_name = "NAME")]
    pub toolchain: String,
    /// Skip the builds without the profiler (no overhead figure; "smaller crates" then reads
    /// the profiled build's unit graph).
    #[arg(long)]
    pub no_plain: bool,
    /// Rows per table.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Also write the result to FILE: .html (stacked bars per crate, macro table), .md, .json
    /// or .txt.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, default_value = "table", value_parser = format::parser("profile", format::accepts::TABLE_JSON), value_name = "FORMAT")]
    pub format: Format,
    /// Scratch folder, kept afterwards with rustc's profiles in profile-clean/ (default: a
    /// temporary directory, removed).
    #[arg(long, value_name = "DIR")]
    pub work: Option<PathBuf>,
    /// Build nothing: read rustc profiles already written, from a folder of .mm_profdata files
    /// (your own `RUSTFLAGS=-Zself-profile=DIR` build) or a --work folder an earlier run kept.
    /// PATH, when it is a cargo project, names the workspace's crates.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["work", "no_plain", "scenario", "cargo", "toolchain"])]
    pub from: Option<PathBuf>,
    /// No progress messages.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Arguments for the builds, after `--` (features, -p, --profile, --target, ...).
    #[arg(last = true, value_name = "CARGO ARGS")]
    pub cargo: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// A cargo project (needed for --diagnose).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Measure where the project's build time goes (runs builds on a copy of the project).
    #[arg(long)]
    pub diagnose: bool,
    /// Samples per scenario with --diagnose.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub runs: u32,
    /// Output folder of the --diagnose study (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = format::parser("doctor", format::accepts::TABLE_JSON), value_name = "FORMAT")]
    pub format: Format,
    /// No progress messages.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Arguments for the --diagnose builds, after `--` (features, --target, --profile, ...).
    #[arg(last = true, value_name = "CARGO ARGS")]
    pub cargo: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard studies (study.json files or their folders).
    #[arg(required = true, num_args = 2.., value_name = "STUDY")]
    pub studies: Vec<PathBuf>,
    /// Where to write the merged study.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    /// Merge studies from different machines or toolchains anyway.
    #[arg(long)]
    pub allow_mixed: bool,
}

/// Compare two studies cell by cell; exit 1 on a significant slowdown beyond the threshold.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The reference study (e.g. from the main branch).
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// The study to check (e.g. from a pull request).
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// The slowdown that fails the check when it is significant (e.g. 5% or 0.05).
    #[arg(long, default_value = "5%", value_parser = parse_fraction, value_name = "PERCENT")]
    pub threshold: f64,
    /// Compare studies of different projects or plans anyway.
    #[arg(long)]
    pub allow_mixed: bool,
    /// Pass even when a cell has too few samples to catch a slowdown of the threshold (fewer
    /// than 3 a side, or the smallest slowdown it would catch is above twice the threshold).
    /// The cells are still named.
    #[arg(long)]
    pub allow_underpowered: bool,
    /// Output format: md for a CI job summary, table for a terminal, json.
    #[arg(long, default_value = "md", value_parser = format::parser("diff", format::accepts::GATE), value_name = "FORMAT")]
    pub format: Format,
}

/// The one rule `compare` and `link` share for `--runs`: at least 1, and a note below
/// `stats::MIN_SAMPLES`, where the cells get values but no interval, p-value or verdict.
pub fn check_runs(runs: u32) -> anyhow::Result<()> {
    if runs == 0 {
        anyhow::bail!("--runs must be at least 1");
    }
    let least = buildbench_model::stats::MIN_SAMPLES;
    // Said even with --quiet: it changes what the results can say.
    if (runs as usize) < least {
        eprintln!(
            "note: --runs {runs} gives each cell fewer than {least} samples: its times are shown, with no interval, \
             p-value or verdict (intervals from 1 or 2 samples reach below zero); use --runs {least} or more for those"
        );
    }
    Ok(())
}

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

/// Unix seconds as UTC (year, month, day, hour, minute, second): days-to-civil from
/// H. Hinnant's date algorithms.
pub fn civil(secs: u64) -> (i64, i64, i64, u64, u64, u64) {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rest / 3600, rest / 60 % 60, rest % 60)
}

/// `5%` or `0.05` → 0.05.
pub fn parse_fraction(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("{text:?} is not a percentage (e.g. 5% or 0.05)"))?;
    if !(0.0..1.0).contains(&value) {
        return Err(format!("{text:?} must be between 0% and 100%"));
    }
    Ok(value)
}

#[derive(Debug, Args)]
pub struct TimingsArgs {
    /// A timing file or a directory holding them; a second one shows the diff from the first.
    #[arg(required = true, num_args = 1..=2, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How many of the slowest units (or of the largest changes, in a diff) to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = format::parser("timings", format::accepts::TABLE_JSON), value_name = "FORMAT")]
    pub format: Format,
    /// Write the build as a timeline: an HTML page (.html) or the SVG chart alone (.svg).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The project the report was recorded on: its `cargo metadata` completes the unit graph
    /// (an HTML report records only the edge that released each unit). Found by itself when
    /// the report lies in the project's target folder.
    #[arg(long, value_name = "PATH")]
    pub project: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Add studies (with their commit, branch and date) to the history.
    Add(HistoryAddArgs),
    /// Per configuration and scenario: the series of medians, a sparkline, the change points.
    Show(HistoryShowArgs),
    /// Write a self-contained HTML page of every series, change points marked, with the crates
    /// that moved most across each.
    Report(HistoryReportArgs),
    /// For CI: exit 1 when the newest study is significantly slower than the studies since the
    /// last change point, by more than the threshold (Holm over every series), when a series is
    /// underpowered (--allow-underpowered accepts it), or when nothing was compared.
    Gate(HistoryGateArgs),
}

#[derive(Debug, Args)]
pub struct HistoryAddArgs {
    /// Studies (study.json files or their folders).
    #[arg(required = true, value_name = "STUDY")]
    pub studies: Vec<PathBuf>,
    /// The history file; every history command has the same default, in the current folder.
    #[arg(long, default_value = "buildbench-history.sqlite", value_name = "FILE")]
    pub db: PathBuf,
    /// The commit measured (default: HEAD of the study's project, if it is a git checkout).
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// The branch (default: the project's current branch).
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// The date that orders the series, ISO 8601 (default: the commit's date, else the study's start).
    #[arg(long, value_parser = parse_date, value_name = "ISO")]
    pub date: Option<String>,
}

#[derive(Debug, Args)]
pub struct HistorySelect {
    /// The history file; every history command has the same default, in the current folder.
    #[arg(long, default_value = "buildbench-history.sqlite", value_name = "FILE")]
    pub db: PathBuf,
    /// Only this configuration.
    #[arg(long, value_name = "NAME")]
    pub configuration: Option<String>,
    /// Only this scenario.
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,
    /// Only the last N studies of each series.
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
    /// Mix studies from every machine in one series (default: the newest study's machine only).
    #[arg(long)]
    pub all_machines: bool,
}

#[derive(Debug, Args)]
pub struct HistoryShowArgs {
    #[command(flatten)]
    pub select: HistorySelect,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = format::parser("history show", format::accepts::HISTORY_SHOW), value_name = "FORMAT")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct HistoryReportArgs {
    #[command(flatten)]
    pub select: HistorySelect,
    /// Where to write the page.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    /// Link commits: a URL with {} for the commit, e.g. https://github.com/o/r/commit/{}.
    #[arg(long, value_name = "URL")]
    pub commit_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct HistoryGateArgs {
    #[command(flatten)]
    pub select: HistorySelect,
    /// Slower by more than this is a regression (e.g. 5% or 0.05).
    #[arg(long, default_value = "5%", value_parser = parse_fraction, value_name = "PERCENT")]
    pub threshold: f64,
    /// Pass even when a series has too few samples to catch a slowdown of the threshold (fewer
    /// than 3 a side, or the smallest slowdown it would catch is above twice the threshold).
    /// The series are still named.
    #[arg(long)]
    pub allow_underpowered: bool,
    /// Output format.
    #[arg(long, default_value = "md", value_parser = format::parser("history gate", format::accepts::HISTORY_GATE), value_name = "FORMAT")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The study (study.json or its folder).
    #[arg(value_name = "STUDY")]
    pub study: PathBuf,
    /// The configuration to write (default: the one the study recommends).
    #[arg(long, value_name = "NAME")]
    pub configuration: Option<String>,
    /// The project to write into (default: the study's project).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// The same as PATH (the older spelling).
    #[arg(long, value_name = "PATH", hide = true, conflicts_with = "path")]
    pub project: Option<PathBuf>,
    /// Show the diff and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Write even over files with uncommitted changes in git.
    #[arg(long)]
    pub force: bool,
    /// Do not build the project afterwards (the files are kept whether it builds or not).
    #[arg(long)]
    pub no_check: bool,
    /// Changes smaller than this are never called significant (what "recommended" means).
    #[arg(long, default_value = "2%", value_parser = parse_fraction, value_name = "PERCENT")]
    pub noise: f64,
}

#[derive(Debug, Args)]
pub struct WhatifArgs {
    /// A timing report (`--timings` HTML or build-analysis log) of a build that compiled
    /// something, or a directory holding them (the newest).
    #[arg(value_name = "REPORT")]
    pub file: PathBuf,
    /// Job slots to predict for.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8,16,32", value_name = "LIST")]
    pub jobs: Vec<u32>,
    /// Scale every unit's frontend (up to the .rmeta) by this factor (0.5: twice as fast).
    #[arg(long, default_value_t = 1.0, value_parser = parse_factor, value_name = "F")]
    pub frontend: f64,
    /// Scale every unit's code generation (Cranelift's claim: 0.5).
    #[arg(long, default_value_t = 1.0, value_parser = parse_factor, value_name = "F")]
    pub codegen: f64,
    /// Scale every unit's link section (known with -Zsection-timings).
    #[arg(long, default_value_t = 1.0, value_parser = parse_factor, value_name = "F")]
    pub link: f64,
    /// Scale every unit of one package: NAME=F (repeatable).
    #[arg(long = "unit", value_parser = parse_named_factor, value_name = "NAME=F")]
    pub units: Vec<(String, f64)>,
    /// Split one package's library into K independent parts (the best case): NAME=K
    /// (repeatable).
    #[arg(long = "split", value_parser = parse_named_parts, value_name = "NAME=K")]
    pub splits: Vec<(String, u32)>,
    /// Rank the crates by how much splitting each in --parts would shorten the build (at the
    /// recorded job count).
    #[arg(long)]
    pub rank_splits: bool,
    /// Parts per crate for --rank-splits.
    #[arg(long, default_value_t = 2, value_name = "K")]
    pub parts: u32,
    /// The project the report was recorded on: its `cargo metadata` completes the unit graph
    /// (an HTML report records only the edge that released each unit). Found by itself when
    /// the report lies in the project's target folder.
    #[arg(long, value_name = "PATH")]
    pub project: Option<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = format::parser("whatif", format::accepts::TABLE_JSON), value_name = "FORMAT")]
    pub format: Format,
}

/// A cargo profile name: one name, not a list (`--profile dev,fast-dev` meant presets before
/// they were renamed, and cargo would fail every build on it).
pub fn parse_cargo_profile(text: &str) -> Result<String, String> {
    if text.contains(',') {
        return Err(format!(
            "{text:?} is a list, and --profile is the one cargo profile to build; did you mean --preset {text} (the dev-profile presets to compare)?"
        ));
    }
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("{text:?} is not a cargo profile name (letters, digits, - and _)"));
    }
    Ok(text.to_owned())
}

/// A positive finite factor.
pub fn parse_factor(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 && f <= 1000.0 => Ok(f),
        _ => Err(format!("{text:?} is not a factor between 0 and 1000 (e.g. 0.5 for twice as fast)")),
    }
}

/// `NAME=F`.
pub fn parse_named_factor(text: &str) -> Result<(String, f64), String> {
    let (name, f) = text.split_once('=').ok_or_else(|| format!("{text:?} is not NAME=F (e.g. syn=0.5)"))?;
    Ok((name.trim().to_owned(), parse_factor(f)?))
}

/// `NAME=K`, 2 ≤ K ≤ 64.
pub fn parse_named_parts(text: &str) -> Result<(String, u32), String> {
    let (name, k) = text.split_once('=').ok_or_else(|| format!("{text:?} is not NAME=K (e.g. syn=2)"))?;
    match k.trim().parse::<u32>() {
        Ok(k) if (2..=64).contains(&k) => Ok((name.trim().to_owned(), k)),
        _ => Err(format!("{text:?}: K must be a number of parts from 2 to 64")),
    }
}

/// `--shard-by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShardByArg {
    /// Every shard runs every configuration: a block per runner.
    Block,
    /// Whole cells dealt to shards.
    Cell,
}

impl From<ShardByArg> for buildbench_model::ShardBy {
    fn from(a: ShardByArg) -> buildbench_model::ShardBy {
        match a {
            ShardByArg::Block => buildbench_model::ShardBy::Block,
            ShardByArg::Cell => buildbench_model::ShardBy::Cell,
        }
    }
}

/// An ISO 8601 date (`2026-12-07`) or date and time (`2026-12-07T03:15:00Z`, with an offset or
/// without): a real calendar date, as the history orders its series by it.
pub fn parse_date(text: &str) -> Result<String, String> {
    let t = text.trim();
    let bad = || format!("{text:?} is not an ISO 8601 date such as 2026-12-07 or 2026-12-07T03:15:00Z");
    let date = t.get(..10).ok_or_else(bad)?;
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(bad());
    }
    let (y, m, d): (u32, u32, u32) =
        (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d == 0 || d > days.get(m as usize - 1).copied().unwrap_or(0) {
        return Err(bad());
    }
    let rest = t.get(10..).unwrap_or("");
    if !rest.is_empty() {
        let time = rest.strip_prefix(['T', ' ']).ok_or_else(bad)?;
        let clock: Vec<&str> = time.get(..8).ok_or_else(bad)?.split(':').collect();
        let ok = clock.len() == 3
            && clock.iter().all(|p| digits(p, 2))
            && clock.first().and_then(|h| h.parse::<u32>().ok()).is_some_and(|h| h < 24)
            && clock.iter().skip(1).all(|p| p.parse::<u32>().is_ok_and(|v| v < 60));
        if !ok {
            return Err(bad());
        }
    }
    Ok(t.to_owned())
}

/// `2/4` → (2, 4), with 1 ≤ K ≤ N.
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (k, n) = text.split_once('/').ok_or_else(|| format!("{text:?} is not K/N (e.g. 1/2)"))?;
    let (k, n): (u32, u32) = (
        k.trim().parse().map_err(|_| format!("{text:?}: K is not a number"))?,
        n.trim().parse().map_err(|_| format!("{text:?}: N is not a number"))?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(format!("{text:?}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

/// Parses a comma list of domain words (`--linker default,mold`), without repeats.
pub fn words<W: buildbench_model::Word + PartialEq>(list: &[String]) -> anyhow::Result<Vec<W>> {
    let mut out = Vec::new();
    for item in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let w = W::parse(item)?;
        if !out.contains(&w) {
            out.push(w);
        }
    }
    if out.is_empty() {
        anyhow::bail!(
            "an empty list for --{}; expected one or more of: {}",
            W::WHAT,
            W::ALL.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(out)
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
