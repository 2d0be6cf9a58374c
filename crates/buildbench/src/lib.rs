//! The `buildbench` command line: thin glue over the library crates, and the only place that prints.
//! Shared by the `buildbench` and `cargo-buildbench` executables.

mod apply;
mod cli;
mod compare;
mod config_file;
mod doctor;
mod link;
mod report;
mod timings;
mod whatif;

use std::process::ExitCode;

use std::ffi::OsString;

use clap::Parser;

/// Runs the command line with `args` (the program name first).
pub fn run(args: Vec<OsString>) -> ExitCode {
    // Started by rustc as the linker wrapper: link, log, and exit with the linker's status.
    if let Some(code) = buildbench_runner::linkwrap::run_if_linker() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    // Started by buildbench as its clean-up watchdog.
    if buildbench_runner::watchdog::run_if_watchdog() {
        return ExitCode::SUCCESS;
    }
    let cli = cli::Cli::parse_from(args);
    let result = match cli.command {
        cli::Command::Timings(args) => timings::run(&args),
        cli::Command::Compare(args) => compare::run(&args),
        cli::Command::Report(args) => report::run(&args),
        cli::Command::Diff(args) => report::diff(&args),
        cli::Command::Merge(args) => report::merge(&args),
        cli::Command::Link(args) => link::run(&args),
        cli::Command::Doctor(args) => doctor::run(&args),
        cli::Command::Restore(args) => compare::restore(&args),
        cli::Command::Whatif(args) => whatif::run(&args),
        cli::Command::Apply(args) => apply::run(&args),
    };
    // Everything is cleaned up by now: the watchdog has nothing left to do.
    buildbench_runner::watchdog::stop();
    match result {
        Ok(code) => code,
        Err(err) => {
            // One line per cause: `error: FILE: what was wrong; what was expected`.
            eprintln!("error: {}", buildbench_report::format::terminal_safe(&format!("{err:#}")));
            exit_code(&err)
        }
    }
}

/// The exit status of a failed command: 130 when it was interrupted (as a shell reports a
/// Ctrl-C), 2 for everything else.
fn exit_code(err: &anyhow::Error) -> ExitCode {
    let interrupted = err.chain().any(|e| {
        matches!(
            e.downcast_ref::<buildbench_runner::RunnerError>(),
            Some(buildbench_runner::RunnerError::Interrupted { .. })
        )
    });
    ExitCode::from(if interrupted { 130 } else { 2 })
}
