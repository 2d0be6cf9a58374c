//! `buildbench link`: link-only measurements under each linker.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use buildbench_model::{Debuginfo, Linker};
use buildbench_runner::ProcessExecutor;
use buildbench_runner::link::{LinkOptions, Reuse, run as run_link};

use crate::cli::{LinkArgs, OutputFormat, words};

pub fn run(args: &LinkArgs) -> Result<ExitCode> {
    let mut linkers = words::<Linker>(&args.linker)?;
    // Speedups are against the resolved default linker and bfd: keep them in the comparison.
    for needed in [Linker::Bfd, Linker::Default] {
        if !linkers.contains(&needed) {
            linkers.insert(0, needed);
        }
    }
    crate::cli::check_runs(args.runs)?;
    let cargo_args =
        crate::cli::cargo_args(args.package.as_deref(), args.bin.as_deref(), args.release, None, &args.cargo)?;
    let interrupted = crate::cli::interrupt_flag()?;
    let scratch = crate::cli::work_dir(args.work.as_deref(), "buildbench-link-")?;
    let options = LinkOptions {
        project: std::path::absolute(buildbench_runner::paths::project_path(&args.path))
            .with_context(|| format!("{}: cannot resolve", args.path.display()))?,
        work: scratch.1.clone(),
        linkers,
        runs: args.runs,
        bin: args.bin.clone(),
        cargo_args,
        debuginfo: words::<Debuginfo>(&args.debuginfo)?,
        wrapper: std::env::current_exe().context("locating the buildbench executable")?,
        toolchain: args.toolchain.clone(),
        keep_work: args.work.is_some(),
        until_verdict: args.until_verdict,
        reuse: match (&args.from_target, args.fresh) {
            (_, true) => Reuse::Nothing,
            (Some(dir), false) => Reuse::Folder(buildbench_runner::paths::resolve(dir)?),
            (None, false) => Reuse::ProjectTarget,
        },
    };
    let mut executor = ProcessExecutor::new(Arc::clone(&interrupted));
    let quiet = args.quiet;
    let mut progress = |line: String| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    let study = run_link(&options, &mut executor, &mut progress, &interrupted)?;
    drop(scratch);
    let summary = buildbench_report::link::summarize(&study, args.noise);
    let text = match args.format {
        OutputFormat::Table if crate::cli::color() => {
            buildbench_report::color::verdicts(&buildbench_report::link::text(&summary))
        }
        OutputFormat::Table => buildbench_report::link::text(&summary),
        OutputFormat::Json => buildbench_report::format::json(&summary),
    };
    std::io::stdout().lock().write_all(text.as_bytes()).context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}
