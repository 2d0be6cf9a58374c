//! The `buildbench` command line: thin glue over the library crates, and the only place that prints.
//! Shared by the `buildbench` and `cargo-buildbench` executables.

mod apply;
mod cli;
mod compare;
mod config_file;
mod doctor;
mod gate;
mod history;
mod link;
mod notes;
mod profile;
mod report;
mod timings;
mod tune;
mod whatif;

use std::process::ExitCode;

use std::ffi::OsString;

/// `buildbench man`: the man page of every command, generated from the clap definition.
fn man() -> anyhow::Result<ExitCode> {
    std::io::Write::write_all(&mut std::io::stdout().lock(), &man_page()?)?;
    Ok(ExitCode::SUCCESS)
}

/// The man page (roff): the top-level page, then a section per subcommand with its options.
fn man_page() -> anyhow::Result<Vec<u8>> {
    let command = <cli::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    let top = clap_mangen::Man::new(command.clone());
    top.render_title(&mut out)?;
    top.render_name_section(&mut out)?;
    top.render_synopsis_section(&mut out)?;
    top.render_description_section(&mut out)?;
    top.render_options_section(&mut out)?;
    // The subcommands are described in this page (no buildbench-NAME(1) pages exist).
    out.extend_from_slice(b".SH SUBCOMMANDS\n");
    for sub in command.get_subcommands() {
        let name = sub.get_name();
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        let about = about.replace('\\', "\\\\").replace('-', "\\-");
        out.extend_from_slice(
            format!(".TP\n\\fBbuildbench {name}\\fR\n{about} (see BUILDBENCH {} below)\n", name.to_uppercase())
                .as_bytes(),
        );
    }
    top.render_version_section(&mut out)?;
    // One section per subcommand, so every command and flag is in the one page.
    for sub in command.get_subcommands() {
        let name = sub.get_name().to_uppercase();
        out.extend_from_slice(format!(".SH \"BUILDBENCH {name}\"\n").as_bytes());
        let man = clap_mangen::Man::new(sub.clone());
        man.render_description_section(&mut out)?;
        man.render_options_section(&mut out)?;
    }
    Ok(out)
}

/// Runs the command line with `args` (the program name first).
pub fn run(args: Vec<OsString>) -> ExitCode {
    run_as(args, None)
}

/// `run`, with the name help and errors show for the program (`cargo buildbench` when cargo
/// started it), else the executable's own.
pub fn run_as(args: Vec<OsString>, bin_name: Option<&str>) -> ExitCode {
    // Started by rustc as the linker wrapper: link, log, and exit with the linker's status.
    if let Some(linked) = buildbench_runner::linkwrap::run_if_linker() {
        for warning in &linked.warnings {
            eprintln!("{warning}");
        }
        return ExitCode::from(u8::try_from(linked.code).unwrap_or(1));
    }
    // Started by buildbench as its clean-up watchdog.
    if buildbench_runner::watchdog::run_if_watchdog() {
        return ExitCode::SUCCESS;
    }
    let cli = {
        use clap::{CommandFactory as _, FromArgMatches as _};
        let mut command = cli::Cli::command();
        if let Some(name) = bin_name {
            command = command.bin_name(name);
        }
        let matches = command.try_get_matches_from(args).unwrap_or_else(|e| without_cargo_tip(e).exit());
        cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    };
    let _ = cli::COLOR.set(cli::color_enabled(cli.color));
    let result = match cli.command {
        cli::Command::Timings(args) => timings::run(&args),
        cli::Command::Compare(args) => compare::run(&args),
        cli::Command::Report(args) => report::run(&args),
        cli::Command::Diff(args) => report::diff(&args),
        cli::Command::Gate(args) => gate::run(&args),
        cli::Command::Merge(args) => report::merge(&args),
        cli::Command::Link(args) => link::run(&args),
        cli::Command::Profile(args) => profile::run(&args),
        cli::Command::Doctor(args) => doctor::run(&args),
        cli::Command::Restore(args) => compare::restore(&args),
        cli::Command::Whatif(args) => whatif::run(&args),
        cli::Command::Apply(args) => apply::run(&args),
        cli::Command::Tune(args) => tune::run(&args),
        cli::Command::Completions(args) => {
            let mut command = <cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "buildbench", &mut std::io::stdout());
            Ok(std::process::ExitCode::SUCCESS)
        }
        cli::Command::Man => man(),
        cli::Command::History(command) => history::run(&command),
    };
    // Everything is cleaned up by now: the watchdog has nothing left to do.
    buildbench_runner::watchdog::stop();
    match result {
        Ok(code) => code,
        Err(err) => {
            // One line per cause: `error: FILE: what was wrong; what was expected`.
            let text = buildbench_report::format::terminal_safe(&format!("{err:#}"));
            // A probe or a step stopped by Ctrl-C or SIGTERM may surface as another error (a
            // toolchain "not usable", a git command "failed"): the run was interrupted all the same.
            let signalled = buildbench_runner::exec::interrupt_flag().load(std::sync::atomic::Ordering::SeqCst);
            if signalled && !is_interrupted(&err) {
                eprintln!("error: interrupted ({text})");
                return ExitCode::from(130);
            }
            eprintln!("error: {text}");
            exit_code(&err)
        }
    }
}

/// clap suggests passing an unknown `--flag` after `--` whenever a command takes arguments
/// there, even when it found the flag the user meant (`--linkers`: `--linker`); after `--` the
/// flag would go to cargo. With a similar buildbench flag found, that tip is dropped; without
/// one (`compare --features simd`), sending it to cargo is the right advice and stays.
fn without_cargo_tip(mut error: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() != ErrorKind::UnknownArgument || error.get(ContextKind::SuggestedArg).is_none() {
        return error;
    }
    let Some(ContextValue::StyledStrs(tips)) = error.get(ContextKind::Suggested) else { return error };
    let kept: Vec<clap::builder::StyledStr> =
        tips.iter().filter(|tip| !tip.to_string().starts_with("to pass ")).cloned().collect();
    error.insert(ContextKind::Suggested, ContextValue::StyledStrs(kept));
    error
}

/// The exit status of a failed command: 130 when it was interrupted (as a shell reports a
/// Ctrl-C), 2 for everything else.
fn exit_code(err: &anyhow::Error) -> ExitCode {
    ExitCode::from(if is_interrupted(err) { 130 } else { 2 })
}

/// Is `err` (or one of its causes) the runner's `Interrupted`?
fn is_interrupted(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        matches!(
            e.downcast_ref::<buildbench_runner::RunnerError>(),
            Some(buildbench_runner::RunnerError::Interrupted { .. })
        )
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// Every subcommand and every long flag of the clap definition.
    fn names() -> Vec<String> {
        let command = crate::cli::Cli::command();
        let mut out = Vec::new();
        for sub in command.get_subcommands() {
            out.push(sub.get_name().to_owned());
            for arg in sub.get_arguments() {
                if let Some(long) = arg.get_long() {
                    out.push(format!("--{long}"));
                }
            }
        }
        out
    }

    #[test]
    fn completions_name_every_subcommand_and_flag() {
        let names = names();
        assert!(names.contains(&"--shard-by".to_owned()) && names.contains(&"apply".to_owned()));
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
        ] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut crate::cli::Cli::command(), "buildbench", &mut out);
            let text = String::from_utf8(out).expect("utf-8");
            for name in &names {
                // Fish writes flags without their dashes (`-l shard-by`).
                assert!(text.contains(name.trim_start_matches('-')), "{shell}: {name} missing");
            }
        }
    }

    #[test]
    fn the_man_page_names_every_subcommand_and_flag() {
        // roff escapes dashes as `\-`.
        let text = String::from_utf8(crate::man_page().expect("renders")).expect("utf-8").replace("\\-", "-");
        for name in names() {
            assert!(text.contains(&name), "{name} missing from the man page");
        }
        // It points to no page that is not generated (buildbench-timings(1) and the like).
        assert!(!text.contains("(1)"), "a reference to another man page");
        assert!(text.contains("buildbench compare\\fR"), "the subcommands are listed in this page");
    }
}
