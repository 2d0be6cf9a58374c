//! Arguments of the single-purpose commands: `link`, `profile`, `doctor`, `timings`, `whatif`,
//! `apply` and `completions`.

use super::*;

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The cargo project.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// Linkers to compare (the words of the model's linker table).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = buildbench_model::linker::WORDS,
        value_name = "LIST",
        help = format!("Linkers to compare: {}", buildbench_model::linker::WORDS.replace(',', ", "))
    )]
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
    /// ld (looking from the third run on, with intervals corrected for every look), after at
    /// most --max-runs relinks.
    #[arg(long)]
    pub until_verdict: bool,
    /// Measured relinks per linker and level (after one warm-up).
    #[arg(short = 'r', long, default_value_t = 10, value_name = "N")]
    pub runs: u32,
    /// The most measured relinks per linker and level with --until-verdict [default: --runs].
    #[arg(short = 'M', long, value_name = "N", requires = "until_verdict")]
    pub max_runs: Option<u32>,
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
    /// Output format on stdout: table, json, md, html or csv (the tables); json's fields:
    /// docs/link.md.
    #[arg(long, default_value = "table", value_parser = format::parser("link", format::accepts::VIEW), value_name = "FORMAT")]
    pub format: Format,
    /// Also write the result to FILE, in the format its extension names: .html (a page), .md
    /// (for a CI job summary), .json, .csv or .txt.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    /// Also write the result to FILE, in the format its extension names: .html (stacked bars
    /// per crate, the tables), .md, .json, .csv (the tables) or .txt.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format on stdout: table, json, md, html or csv (the tables); json's fields:
    /// docs/profile.md.
    #[arg(long, default_value = "table", value_parser = format::parser("profile", format::accepts::VIEW), value_name = "FORMAT")]
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
    #[arg(short = 'r', long, default_value_t = 3, value_name = "N")]
    pub runs: u32,
    /// Output folder of the --diagnose study, kept (default: a temporary directory, removed).
    #[arg(short = 'o', long = "output", alias = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Output format: table, json, md, html or csv (the tables); json's fields: docs/doctor.md.
    #[arg(long, default_value = "table", value_parser = format::parser("doctor", format::accepts::VIEW), value_name = "FORMAT")]
    pub format: Format,
    /// No progress messages.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print every --diagnose build's exact command (with its environment) as it starts.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Arguments for the --diagnose builds, after `--` (features, --target, --profile, ...).
    #[arg(last = true, value_name = "CARGO ARGS")]
    pub cargo: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TimingsArgs {
    /// A timing file or a directory holding them; a second one shows the diff from the first.
    #[arg(required = true, num_args = 1..=2, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How many of the slowest units (or of the largest changes, in a diff) to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Output format: table, json, md, html or csv (the tables); json's fields:
    /// docs/timings.md.
    #[arg(long, default_value = "table", value_parser = format::parser("timings", format::accepts::VIEW), value_name = "FORMAT")]
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
    /// Output format: table, json, md, html or csv (the tables); json's fields: docs/whatif.md.
    #[arg(long, default_value = "table", value_parser = format::parser("whatif", format::accepts::VIEW), value_name = "FORMAT")]
    pub format: Format,
}
