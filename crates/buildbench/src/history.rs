//! `buildbench history`: add studies to the history file, show series and change points, write
//! the trend page, gate CI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use buildbench_history::{History, Provenance};
use buildbench_model::history::{GateOptions, gate};
use buildbench_model::{Scenario, Word as _};
use buildbench_report::history::{gate_view, report_view, show_csv, show_view};

use buildbench_report::export::Format;

use crate::cli::{
    HistoryAddArgs, HistoryCommand, HistoryGateArgs, HistoryReportArgs, HistorySelect, HistoryShowArgs, format,
};

/// `buildbench history`: runs the subcommand asked for.
pub fn run(command: &HistoryCommand) -> Result<ExitCode> {
    match command {
        HistoryCommand::Add(args) => add(args),
        HistoryCommand::Show(args) => show(args),
        HistoryCommand::Report(args) => report(args),
        HistoryCommand::Gate(args) => gate_command(args),
    }
}

/// `history add`: adds each study with its commit, branch and date (from the flags, else the
/// project's git checkout and the study's start), and says what the history holds.
fn add(args: &HistoryAddArgs) -> Result<ExitCode> {
    let db = args.db.clone();
    let mut history = History::open(&db)?;
    for path in &args.studies {
        let study = crate::report::read_study(path)?;
        let git = buildbench_runner::revision::checkout(Path::new(&study.project));
        let from = Provenance {
            commit: args.commit.clone().or(git.0),
            branch: args.branch.clone().or(git.1),
            date: args.date.clone().or(git.2).unwrap_or_else(|| iso(study.started_at)),
        };
        let added = history.add(&study, &from)?;
        let what = if added { "added" } else { "already in the history" };
        println!(
            "{}: {what} ({} at {})",
            path.display(),
            from.commit.as_deref().map_or("no commit", |c| c.get(..c.len().min(12)).unwrap_or(c)),
            from.date
        );
    }
    println!("{} studies in {}", history.len()?, db.display());
    Ok(ExitCode::SUCCESS)
}

/// `history show`: prints the selected series' trends.
fn show(args: &HistoryShowArgs) -> Result<ExitCode> {
    let (history, series) = select(&args.select, args.format == Format::Json)?;
    let t = history.trends(series)?;
    // `--format` takes every format (`cli::format::accepts::VIEW`): CSV, like JSON, is the
    // series' data (one row per study), not the view's tables.
    let bytes = match args.format {
        Format::Csv => show_csv(&t).into_bytes(),
        f => buildbench_report::export::write(
            f,
            crate::cli::color(),
            || show_view(&t),
            || buildbench_report::format::json(&serde_json::json!({ "series": t })),
        ),
    };
    crate::cli::print(&String::from_utf8_lossy(&bytes))
}

/// `history report`: writes the trend page of the selected series.
fn report(args: &HistoryReportArgs) -> Result<ExitCode> {
    // The page must never replace the history it is drawn from (or its journal files).
    let db = args.select.db.as_path();
    // SQLite's write-ahead log is the database's name with `-wal` appended.
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    crate::report::refuse_overwriting(&args.output, &[db, &wal])?;
    let f = format::of_output("history report", &args.output, None, format::accepts::VIEW)?;
    let (history, series) = select(&args.select, false)?;
    let t = history.trends(series)?;
    let bytes = buildbench_report::export::write(
        f,
        false,
        || report_view(&t, args.commit_url.as_deref()),
        || buildbench_report::format::json(&serde_json::json!({ "series": t })),
    );
    buildbench_runner::fsutil::write_atomic(&args.output, &bytes)?;
    eprintln!("{} series written to {}", t.len(), args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// `history gate`: decides whether the newest studies are slower than their level, says why
/// on stderr, prints the verdict and exits 1 when the gate fails.
fn gate_command(args: &HistoryGateArgs) -> Result<ExitCode> {
    use buildbench_report::across_studies::log_lines;
    let (history, series) = select(&args.select, true)?;
    let t = history.trends(series)?;
    let g = gate(&t, &GateOptions { threshold: args.threshold, allow_underpowered: args.allow_underpowered });
    // The terminal table shows the same sentences on stdout: said once there; every other
    // format (a job summary, a file, JSON) also says them on stderr, for the log.
    if args.format != buildbench_report::export::Format::Table {
        match g.nothing_compared() {
            // One line, the same as `diff`'s: the rest would be about nothing.
            Some(why) => eprintln!("{why}"),
            None => {
                let (note, under) = (&g.note, g.underpowered());
                for line in log_lines(note, "series", &under, g.threshold, g.allow_underpowered) {
                    eprintln!("{line}");
                }
            }
        }
    }
    // `--format` takes every format (`cli::format::accepts::VIEW`); colour only on a terminal.
    let bytes = buildbench_report::export::write(
        args.format,
        crate::cli::color(),
        || gate_view(&g),
        || buildbench_report::format::json(&g),
    );
    crate::cli::print(&String::from_utf8_lossy(&bytes))?;
    Ok(if g.fails() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// The history and its series as asked; a missing file is an error (reading never creates one).
fn select(args: &HistorySelect, samples: bool) -> Result<(History, Vec<buildbench_history::Series>)> {
    if !args.db.is_file() {
        bail!(
            "{}: no history here; add studies with `buildbench history add STUDY --db {}`",
            args.db.display(),
            args.db.display()
        );
    }
    let history = History::open(&args.db)?;
    let scenario = match &args.scenario {
        Some(s) => Some(Scenario::parse(s)?),
        None => None,
    };
    let machine = if args.all_machines { None } else { history.newest_machine()? };
    let series = history.series(machine.as_deref(), args.configuration.as_deref(), scenario, args.last, samples)?;
    // A selection that matches nothing names what there is, rather than "add studies".
    if series.is_empty() && (args.configuration.is_some() || scenario.is_some()) {
        let all = history.series(machine.as_deref(), None, None, Some(1), false)?;
        if !all.is_empty() {
            let mut configurations: Vec<&str> = all.iter().map(|s| s.configuration.as_str()).collect();
            configurations.sort_unstable();
            configurations.dedup();
            let mut scenarios: Vec<&str> = all.iter().map(|s| s.scenario.as_str()).collect();
            scenarios.sort_unstable();
            scenarios.dedup();
            bail!(
                "{}: no series for this selection{}; the history has the configurations {} and the scenarios {}",
                args.db.display(),
                if args.all_machines {
                    ""
                } else {
                    " on the newest study's machine (--all-machines for every machine)"
                },
                configurations.join(", "),
                scenarios.join(", ")
            );
        }
    }
    Ok((history, series))
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
fn iso(secs: u64) -> String {
    let (year, month, day, h, m, s) = crate::cli::civil(secs);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}
