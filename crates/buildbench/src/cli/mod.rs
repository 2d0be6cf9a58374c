//! Command-line arguments. Domain types stay free of clap; this module maps onto them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Which build configuration makes your Rust project build fastest, with numbers you can trust.
#[derive(Debug, Parser)]
#[command(name = "buildbench", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise one cargo timing output, or diff two unit by unit.
    ///
    /// Reads `cargo build --timings` HTML reports (cargo 1.60 and later), `-Zbuild-analysis`
    /// logs, `--timings=json` timing-info lines and `--message-format=json` output; the format is
    /// detected from the content. A directory means its newest report (e.g. target/cargo-timings).
    Timings(TimingsArgs),
}

#[derive(Debug, Args)]
pub struct TimingsArgs {
    /// A timing file or a directory holding them; a second one shows the diff from the first.
    #[arg(required = true, num_args = 1..=2, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How many of the slowest units to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned text for a terminal.
    Table,
    /// One JSON object on stdout (schema in docs/timings.md).
    Json,
}
