//! `buildbench apply`: write a measured configuration into the project, check it builds, and
//! put the files back if it does not. The runner's `apply` writes, builds and puts back; this
//! picks the configuration, shows the diff and prints what happened.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use buildbench_report::apply::{diff, plan, recommended};
use buildbench_runner::ProcessExecutor;
use buildbench_runner::apply::{Check, FileText};

use crate::cli::ApplyArgs;
use crate::notes::Notes;

pub fn run(args: &ApplyArgs) -> Result<ExitCode> {
    let study = crate::report::read_study(&args.study)?;
    let name = match &args.configuration {
        Some(name) => name.clone(),
        // Keeping what the project has is the recommendation: nothing to do is a success, so
        // `compare && apply` passes exactly when the default is right.
        None => match recommended(&study, args.noise) {
            Some(name) => name,
            None => {
                println!(
                    "{}: no configuration was significantly faster than the baseline: keep the project as it is; nothing written (pass --configuration NAME to write one anyway)",
                    args.study.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let Some(configuration) = study.plan.configurations.iter().find(|c| c.name == name) else {
        bail!(
            "--configuration {name:?} is not in the study; it has: {}",
            study.plan.configurations.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        );
    };
    let project = args.path.clone().or_else(|| args.project.clone()).unwrap_or_else(|| PathBuf::from(&study.project));
    let notes = &mut Notes { quiet: false };
    let destination = buildbench_runner::apply::open(&project, notes)?;
    let root = &destination.root;
    let changes = plan(&study, configuration, &|rel: &str| destination.read(rel))
        .map_err(|e| anyhow::anyhow!("{}: {e}", root.display()))?;
    let changed: Vec<_> = changes.files.iter().filter(|f| f.changes()).collect();
    if changed.is_empty() {
        println!("{name}: the project already has every setting of this configuration; nothing to write");
        return Ok(ExitCode::SUCCESS);
    }
    println!("configuration {name} from {}:\n", args.study.display());
    for f in &changed {
        println!("{}", diff(&f.path, f.before.as_deref(), &f.after));
    }
    for t in &changes.tradeoffs {
        println!("trade-off: {t}");
    }
    if args.dry_run {
        println!("\n--dry-run: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    let files: Vec<FileText> =
        changed.iter().map(|f| FileText { path: f.path.clone(), text: f.after.clone() }).collect();
    let written = buildbench_runner::apply::write(&destination, &files, args.force, notes)?;
    if args.no_check {
        written.commit();
        println!("\nwritten (not built: --no-check)");
        return Ok(ExitCode::SUCCESS);
    }
    println!("\nchecking that the project still builds: cargo build {}", study.plan.cargo_args.join(" "));
    let interrupted = crate::cli::interrupt_flag()?;
    let mut executor = ProcessExecutor::new(interrupted.clone());
    match written.check(&study.plan.cargo_args, &mut executor, &interrupted)? {
        Check::Builds => {
            println!("applied {name}: it builds; your next build uses it");
            Ok(ExitCode::SUCCESS)
        }
        Check::Fails { why, restored } => {
            eprintln!(
                "error: the project does not build with {name}, so its files were put back ({} restored):\n{why}",
                restored.len()
            );
            Ok(ExitCode::from(1))
        }
        Check::Interrupted { restored } => {
            eprintln!("interrupted: put back {} file(s)", restored.len());
            Ok(ExitCode::from(130))
        }
    }
}
