//! Arguments of the commands that run and read studies: `compare`, `restore`, `report`, `diff`,
//! `gate` and `merge`.

use super::*;

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
    /// Linkers (the words of the model's linker table). `default` is the toolchain's own.
    #[arg(
        help_heading = "Matrix",
        long,
        value_delimiter = ',',
        value_name = "LIST",
        help = format!(
            "Linkers: {}. `default` is the toolchain's own [default: default,mold; mold is skipped with a \
             note when it is not installed]",
            buildbench_model::linker::WORDS.replace(',', ", ")
        )
    )]
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
    /// Measured samples per configuration and scenario. With --precision, --until-verdict or
    /// --until-decided, the samples every cell gets before more are added: hyperfine's
    /// -m/--min-runs, the same flag here.
    #[arg(
        help_heading = "Scenarios and sampling",
        short = 'r',
        long,
        visible_short_alias = 'm',
        visible_alias = "min-runs",
        default_value_t = 5,
        value_name = "N"
    )]
    pub runs: u32,
    /// Sampling to a precision (two stages): the first --runs samples of each cell fix how many
    /// it needs for a 95% interval within this much of its mean (e.g. 2%), up to --max-runs.
    #[arg(help_heading = "Scenarios and sampling", long, value_parser = parse_fraction, value_name = "PERCENT")]
    pub precision: Option<f64>,
    /// Early stop: after --runs, keep sampling (in rounds, up to --max-runs) only the cells of a
    /// claim whose verdict is still inconclusive and that more samples could still decide.
    /// Verdicts use intervals corrected for every look, so stopping early does not raise their
    /// error rate.
    #[arg(help_heading = "Scenarios and sampling", long)]
    pub until_verdict: bool,
    /// The most measured samples per cell with --precision, --until-verdict or --until-decided.
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
    #[arg(
        help_heading = "Output",
        short = 'o',
        long = "output",
        alias = "out",
        value_name = "DIR",
        conflicts_with = "resume"
    )]
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
    /// Output format of the summary on stdout; json's fields: docs/reports.md ("JSON summary").
    #[arg(help_heading = "Output", long, default_value = "table", value_parser = format::parser("compare", format::accepts::STUDY), value_name = "FORMAT")]
    pub format: Format,
    /// No progress (notes, failures and skipped configurations are still printed).
    #[arg(help_heading = "Output", long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print every build's exact command (with its environment) as it starts.
    #[arg(help_heading = "Output", long, short = 'v')]
    pub verbose: bool,
    /// Changes smaller than this are never called significant (e.g. 2% or 0.02).
    #[arg(help_heading = "Scenarios and sampling", long, default_value = "2%", value_parser = parse_fraction, value_name = "PERCENT")]
    pub noise: f64,
    /// Also write the report as JSON to FILE: buildbench's own summary (docs/reports.md), not
    /// hyperfine's schema; --export-hyperfine writes that.
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
    /// Output format: table for a terminal, md for a CI job summary, html, csv (the table), json
    /// (its fields: docs/reports.md).
    #[arg(long, default_value = "table", value_parser = format::parser("gate", format::accepts::VIEW), value_name = "FORMAT")]
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
    /// The format; json's fields: docs/reports.md ("JSON summary") [default: the extension of -o
    /// FILE, else table].
    #[arg(long, value_parser = format::parser("report", format::accepts::STUDY), value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Changes smaller than this are never called significant.
    #[arg(long, default_value = "2%", value_parser = parse_fraction, value_name = "PERCENT")]
    pub noise: f64,
    /// Add the section of a `buildbench profile -o FILE.json` (where rustc's time goes, crate
    /// by crate, from its self-profile) to the HTML, Markdown and table reports. Default: the
    /// study folder's profile.json, when there is one.
    #[arg(long = "self-profile", value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// The older spelling of --self-profile, refused with the new one: `--profile` is cargo's
    /// profile wherever buildbench takes it.
    #[arg(long = "profile", hide = true, value_name = "FILE", value_parser = refuse_report_profile)]
    pub old_profile: Option<String>,
}

/// `report --profile FILE`, the flag's name before `--profile` meant cargo's profile everywhere.
fn refuse_report_profile(text: &str) -> Result<String, String> {
    Err(format!(
        "`buildbench report` reads a profile's JSON with --self-profile {text} (--profile is cargo's profile, as in `compare --profile NAME`)"
    ))
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
    /// Output format: md for a CI job summary, table for a terminal, html, csv (the table), json
    /// (its fields: docs/reports.md).
    #[arg(long, default_value = "md", value_parser = format::parser("diff", format::accepts::VIEW), value_name = "FORMAT")]
    pub format: Format,
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
