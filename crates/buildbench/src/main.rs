//! The `buildbench` command line: thin glue over the library crates, and the only place that prints.

mod cli;
mod compare;
mod config_file;
mod doctor;
mod link;
mod report;
mod timings;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Started by rustc as the linker wrapper: link, log, and exit with the linker's status.
    if let Some(code) = buildbench_runner::linkwrap::run_if_linker() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Timings(args) => timings::run(&args),
        cli::Command::Compare(args) => compare::run(&args),
        cli::Command::Report(args) => report::run(&args),
        cli::Command::Diff(args) => report::diff(&args),
        cli::Command::Link(args) => link::run(&args),
        cli::Command::Doctor(args) => doctor::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // One line per cause: `error: FILE: what was wrong; what was expected`.
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
