//! Command-line arguments. Domain types stay free of clap; this module maps onto them.

pub mod format;
mod history;
mod io;
mod parse;
mod study;
mod tools;
pub mod tune;

pub use history::*;
pub use io::*;
pub use parse::*;
pub use study::*;
pub use tools::*;

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

/// A command's help with its examples as they are written. Clap wraps `after_help` text to the
/// terminal's width, which broke example lines mid-phrase; the literal text of a help template
/// is printed as it is. Each example line stays within 80 columns, so a terminal of that width
/// shows it unbroken. (No braces in examples: the template would read them as tags.)
macro_rules! with_examples {
    ($examples:literal) => {
        concat!(
            "{before-help}{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}\n\n",
            $examples,
            "\n"
        )
    };
}

/// `compare --help`.
pub const COMPARE_HELP: &str = with_examples!(
    "Examples:
  # the project here: default vs mold, clean and incremental
  buildbench compare
  buildbench compare ~/src/app --linker default,mold,lld,wild -r 10 -o ~/study
  buildbench compare --backend llvm,cranelift --toolchain nightly
  buildbench compare --cache none,sccache --preset dev,fast-dev
  buildbench compare --scan profile.dev.codegen-units=1,16,256
  buildbench compare --profile fastcheck -- --features simd
  # stop sampling once the claims are decided
  buildbench compare --until-verdict -M 20
  # one block of a CI matrix; join the blocks with `buildbench merge`
  buildbench compare --shard 2/4 -o $RUNNER_TEMP/shard-2
  # a pull request against main, both built on this runner
  buildbench compare --rev main,HEAD --gate 5%
  # every command and its environment; runs nothing
  buildbench compare --dry-run"
);

/// `gate --help`.
pub const GATE_HELP: &str = with_examples!(
    "Examples:
  buildbench compare . --rev main,HEAD --gate 5% --until-decided
  buildbench gate target/buildbench/STUDY --threshold 5%
  buildbench gate STUDY --format md >> $GITHUB_STEP_SUMMARY
  buildbench gate STUDY --gate-cells default/incremental --undecided fail"
);

/// `whatif --help`.
pub const WHATIF_HELP: &str = with_examples!(
    "Examples:
  cargo build --timings && buildbench whatif target/cargo-timings
  buildbench whatif REPORT --jobs 1,2,4,8,16,32
  buildbench whatif REPORT --codegen 0.5 --link 0.5
  buildbench whatif REPORT --split regex-syntax=2 --rank-splits
  # a study's baseline clean build
  buildbench whatif STUDY_DIR"
);

/// `apply --help`.
pub const APPLY_HELP: &str = with_examples!(
    "Examples:
  # the diff, nothing written
  buildbench apply STUDY_DIR --dry-run
  # the recommended configuration, into the study's project
  buildbench apply STUDY_DIR
  buildbench apply STUDY_DIR ~/src/app --configuration mold --force"
);

/// `profile --help`.
pub const PROFILE_HELP: &str = with_examples!(
    "Examples:
  # the project here, nightly toolchain
  buildbench profile
  # with the stacked bars and the macro table
  buildbench profile . -o profile.html
  buildbench profile . --scenario clean,incremental -- --features serde
  # keep rustc's .mm_profdata files in prof/
  buildbench profile . --work prof"
);

/// `timings --help`.
pub const TIMINGS_HELP: &str = with_examples!(
    "Examples:
  # the newest report in the folder
  buildbench timings target/cargo-timings
  # what got faster or slower, unit by unit
  buildbench timings before.html after.html --top 20
  # the build as a timeline
  buildbench timings REPORT -o timeline.html
  buildbench timings REPORT --format json"
);

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise one cargo timing output, or diff two unit by unit.
    ///
    /// Reads `cargo build --timings` HTML reports (cargo 1.60 and later), `-Zbuild-analysis`
    /// logs, `--timings=json` timing-info lines and `--message-format=json` output; the format is
    /// detected from the content. A directory means its newest report (e.g. target/cargo-timings).
    #[command(help_template = TIMINGS_HELP)]
    Timings(TimingsArgs),
    /// Measure the project's builds across a matrix of configurations.
    ///
    /// Runs every configuration × scenario several times (warm-up first, configurations taking
    /// turns), on a copy of the project, each configuration in its own target directory. Writes
    /// study.json into the output folder and prints a speedup table.
    #[command(help_template = COMPARE_HELP)]
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
    #[command(help_template = PROFILE_HELP)]
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
    #[command(help_template = GATE_HELP)]
    Gate(GateArgs),
    /// Compare two studies (e.g. main vs a pull request): the CI gate for dedicated machines.
    ///
    /// Prints a Markdown table (--format table for a terminal). The differences include those
    /// between the two studies' runners and times; for pull requests on shared runners, measure
    /// both revisions in one study (`compare PATH --rev BASE,HEAD --gate 5%`). A cell is a
    /// regression when its new mean is more than the threshold above the base mean and the
    /// difference is significant: Welch's t-test p-value, adjusted with Holm's method over every
    /// cell compared, below 0.05. Exit status: 0 without regressions, 1 on a regression, a cell
    /// failed or missing in the new study, an underpowered cell (too few samples to catch the
    /// threshold; --allow-underpowered accepts it), or when nothing was compared; 2 on bad input.
    Diff(DiffArgs),
    /// Predict a build's time from one timing report: more or fewer jobs, faster codegen, a
    /// faster linker, a crate split in parts.
    ///
    /// Rebuilds the unit graph from a `--timings` HTML report or a build-analysis log and
    /// replays it through a model of cargo's job queue (ready units start by cargo's priority:
    /// the most dependents first). Prints the predicted wall time per job count, the
    /// critical-path floor and the chain that bounds it. Accuracy: docs/whatif.md.
    #[command(help_template = WHATIF_HELP)]
    Whatif(WhatifArgs),
    /// Write a measured configuration into the project: .cargo/config.toml, Cargo.toml profile
    /// sections, rust-toolchain.toml.
    ///
    /// Takes the configuration the study recommends (or --configuration NAME), shows the diff,
    /// edits the files in place keeping their comments and layout (toml_edit, cargo's own TOML
    /// editor), then builds the project with the study's cargo arguments and puts every file
    /// back if the build fails. Refuses files with uncommitted changes in git unless --force.
    #[command(help_template = APPLY_HELP)]
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
