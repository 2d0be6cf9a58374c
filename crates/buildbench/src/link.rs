//! `buildbench link`: link-only measurements under each linker.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use buildbench_model::{Debuginfo, Linker};
use buildbench_runner::ProcessExecutor;
use buildbench_runner::link::{LinkOptions, Reuse, run as run_link};

use buildbench_report::export;

use crate::cli::{LinkArgs, format, words};

pub fn run(args: &LinkArgs) -> Result<ExitCode> {
    let mut linkers = words::<Linker>(&args.linker)?;
    // Speedups are against the resolved default linker and bfd: keep them in the comparison.
    for needed in [Linker::Bfd, Linker::Default] {
        if !linkers.contains(&needed) {
            linkers.insert(0, needed);
        }
    }
    // With --until-verdict the runner relinks up to `runs` times, stopping once decided.
    let runs = if args.until_verdict { args.max_runs.unwrap_or(args.runs) } else { args.runs };
    crate::cli::check_runs(runs)?;
    // A file name that says no format link writes is refused before the builds, not after.
    let file_format = match &args.output {
        Some(file) => Some(format::of_output("link", file, None, format::accepts::VIEW)?),
        None => None,
    };
    let cargo_args = buildbench_model::cargo_args::assemble(
        args.package.as_deref(),
        args.bin.as_deref(),
        args.release,
        None,
        &args.cargo,
    )
    .map_err(anyhow::Error::msg)?;
    let interrupted = crate::cli::interrupt_flag()?;
    let scratch = crate::cli::work_dir(args.work.as_deref(), "buildbench-link-")?;
    let options = LinkOptions {
        project: std::path::absolute(buildbench_runner::paths::project_path(&args.path))
            .with_context(|| format!("{}: cannot resolve", args.path.display()))?,
        work: scratch.1.clone(),
        linkers,
        runs,
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
    let mut progress = crate::notes::Notes { quiet: args.quiet };
    let study = run_link(&options, &mut executor, &mut progress, &interrupted)?;
    drop(scratch);
    let summary = buildbench_report::link::summarize(&study, args.noise);
    let view = || buildbench_report::link::view(&summary);
    let json = || buildbench_report::format::json(&summary);
    if let (Some(file), Some(file_format)) = (&args.output, file_format) {
        buildbench_runner::fsutil::write_atomic(file, &export::write(file_format, false, view, json))?;
        progress.line(format!("wrote {}", file.display()));
    }
    // `--format` takes every format (`cli::format::accepts::VIEW`); colour only on a terminal.
    let bytes = export::write(args.format, crate::cli::color(), view, json);
    std::io::stdout().lock().write_all(&bytes).context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use buildbench_model::{Configuration, Linker, Word as _};
    use clap::CommandFactory as _;

    /// Every linker of the model's table reaches every place that uses linkers: the build
    /// flags, `buildbench link`'s replays and default list, the tool checks and fingerprint,
    /// the recommendation and `apply`, the configuration file and the help of `compare` and
    /// `link`. (How each marks a binary is checked against `linker_of` in the runner's
    /// `elf.rs`, which builds an ELF file per row.)
    #[test]
    fn every_linker_reaches_every_consumer() {
        let mut cli = crate::cli::Cli::command();
        let help = |cli: &mut clap::Command, sub: &str| {
            cli.find_subcommand_mut(sub).map(|c| c.render_long_help().to_string()).unwrap_or_default()
        };
        let (compare_help, link_help) = (help(&mut cli, "compare"), help(&mut cli, "link"));
        let tools = buildbench_runner::probe::tools(true);
        let lld = buildbench_model::linker::fuse_ld("lld");
        let captured: Vec<String> =
            ["-m64", "a.o", "-B/tc/lib/rustlib/x/bin/gcc-ld", &lld, "-o", "/t/app"].map(str::to_owned).into();
        for &linker in Linker::ALL {
            let word = linker.as_str();
            assert!(compare_help.contains(word) && link_help.contains(word), "{word}: --linker help");
            assert!(buildbench_model::linker::WORDS.split(',').any(|w| w == word), "{word}: link's default");
            assert_eq!(crate::cli::words::<Linker>(&[word.to_owned()]).ok(), Some(vec![linker]));
            let replay = buildbench_runner::link::replay_args(
                &captured,
                linker,
                std::path::Path::new("/w/ld"),
                std::path::Path::new("/w/app"),
            );
            let configuration = Configuration { linker, ..Configuration::plain(word, None) };
            let (files, tradeoffs) =
                buildbench_report::recommend::adoption(&configuration, "x86_64-unknown-linux-gnu", true);
            if linker == Linker::Default {
                assert_eq!(replay[..4], captured[..4]);
                assert!(files.is_empty() && tradeoffs.is_empty());
                continue;
            }
            let (program, install) = linker.requirement().unwrap_or_default();
            assert!(tools.contains(&program), "{word}: {program} in the fingerprint");
            assert!(!install.is_empty(), "{word}: install hint");
            // rustc's choice (rust-lld's folder and its flag) replaced by the linker's own.
            assert!(!replay.iter().any(|a| a.ends_with("gcc-ld")) && replay.len() == 5, "{word}: replay {replay:?}");
            assert!(files.iter().any(|(f, text)| f == ".cargo/config.toml" && text.contains("link-arg=")), "{word}");
            assert!(tradeoffs.iter().any(|t| t.contains(install)), "{word}: {tradeoffs:?}");
            // tune tries every fast linker this machine has, and never a slow one.
            let machine = buildbench_model::tune::Available { linkers: vec![linker], ..Default::default() };
            let dev = buildbench_model::tune::Current::defaults("dev", "a test");
            let space =
                buildbench_model::tune::space(&[buildbench_model::tune::Goal::Incremental], &dev, &machine, &[]);
            let tried = space.dimensions.iter().any(|d| d.options.iter().any(|o| o.label == word));
            assert_eq!(tried, linker.spec().fast, "{word}: tune's space");
        }
    }
}
