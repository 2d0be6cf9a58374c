//! `buildbench doctor`: the checkup, and with --diagnose a small study of check against build.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use buildbench_model::{Configuration, Plan, Scenario};
use buildbench_runner::{ProcessExecutor, StudyOptions, prepare, run as run_study};

use crate::cli::DoctorArgs;
use crate::compare::Progress;

pub fn run(args: &DoctorArgs) -> Result<ExitCode> {
    // First: the checkup probes linkers in temporary folders, which an early Ctrl-C or SIGTERM
    // must clean up (exit 130).
    let interrupted = crate::cli::interrupt_flag()?;
    let project = match &args.path {
        Some(p) => Some(std::path::absolute(p).with_context(|| format!("{}: cannot resolve", p.display()))?),
        None => None,
    };
    let checkup = buildbench_runner::doctor::checkup(project.as_deref())?;
    let mut diagnosis = None;
    if args.diagnose {
        let Some(project) = project.clone() else {
            bail!("--diagnose needs the project: buildbench doctor --diagnose PATH");
        };
        let configuration = Configuration::plain;
        let mut configurations = vec![configuration("default", None)];
        // A nightly toolchain adds cargo's section timings (frontend, codegen, link per unit).
        if checkup.toolchains.iter().any(|t| t.name.starts_with("nightly")) {
            configurations.push(configuration("nightly", Some("nightly")));
        }
        let plan = Plan {
            cargo_args: buildbench_model::cargo_args::assemble(None, None, false, None, &args.cargo)
                .map_err(anyhow::Error::msg)?,
            ..Plan::new(
                configurations,
                vec![Scenario::CheckClean, Scenario::Clean, Scenario::CheckIncremental, Scenario::Incremental],
                args.runs.max(1),
                1,
            )
        };

        let (scratch, out) = match &args.out {
            Some(dir) => (None, std::path::absolute(dir).context("resolving --output")?),
            None => {
                let t = crate::cli::temp_dir("buildbench-doctor-")?;
                let path = t.path().join("study");
                (Some(t), path)
            }
        };
        let options = StudyOptions {
            project: Some(project),
            out: Some(out),
            resume: false,
            out_name: String::new(),
            plan,
            keep_work: false,
            link_wrapper: std::env::current_exe().ok(),
            revisions: Vec::new(),
        };
        let prepared = prepare(options)?;
        let mut executor = ProcessExecutor::new(Arc::clone(&interrupted));
        let mut progress = Progress::new(args.quiet);
        progress.verbose = args.verbose;
        let study = run_study(prepared, &mut executor, &mut progress, &interrupted);
        progress.finish();
        let study = study?;
        diagnosis = buildbench_report::diagnose::diagnose(&study, "default", buildbench_report::summary::DEFAULT_NOISE);
        drop(scratch);
        if diagnosis.is_none() {
            bail!("the diagnosis builds failed; see the errors above");
        }
    }
    // `--format` takes every format (`cli::format::accepts::VIEW`); colour only on a terminal.
    let text = buildbench_report::export::write(
        args.format,
        crate::cli::color(),
        || {
            let mut view = buildbench_report::doctor::view(&checkup);
            if let Some(d) = &diagnosis {
                buildbench_report::diagnose::section(&mut view, d);
            }
            view
        },
        || buildbench_report::format::json(&serde_json::json!({ "checkup": checkup, "diagnosis": diagnosis })),
    );
    std::io::stdout().lock().write_all(&text).context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}
