//! Arguments of `buildbench history` and its subcommands.

use super::*;

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
    /// Output format: table, json, md, html or csv (one row per study); json's fields:
    /// docs/history.md.
    #[arg(long, default_value = "table", value_parser = format::parser("history show", format::accepts::VIEW), value_name = "FORMAT")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct HistoryReportArgs {
    #[command(flatten)]
    pub select: HistorySelect,
    /// Where to write the report, in the format its extension names: .html (the trend page
    /// with a chart per series), .md, .txt, .csv (the tables) or .json.
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
    /// Output format: md (for a CI job summary), table, json, html or csv (the table); json's
    /// fields: docs/history.md.
    #[arg(long, default_value = "md", value_parser = format::parser("history gate", format::accepts::VIEW), value_name = "FORMAT")]
    pub format: Format,
}
