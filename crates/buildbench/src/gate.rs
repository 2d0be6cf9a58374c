//! `buildbench gate` (and `compare --gate`): head against base within one rev study, printed
//! for a terminal, a CI job summary or a program, with the exit status a CI job keys on.

use std::process::ExitCode;

use anyhow::Result;
use buildbench_model::Study;
use buildbench_model::gate::{Gate, GateSpec, evaluate};

use buildbench_report::export::Format;

use crate::cli::{GateArgs, GateOptions};

/// The gate to decide: `base` (the study's own, if any) with what was given on the command
/// line put over it. A threshold of `None` keeps the base's, else 5%.
pub fn spec(base: Option<&GateSpec>, threshold: Option<f64>, options: &GateOptions, until_decided: bool) -> GateSpec {
    let mut spec = base.cloned().unwrap_or(GateSpec {
        threshold: 0.05,
        cells: Vec::new(),
        metric: buildbench_model::gate::Metric::default(),
        undecided: buildbench_model::gate::OnUndecided::default(),
        until_decided,
    });
    if let Some(t) = threshold {
        spec.threshold = t;
    }
    if !options.gate_cells.is_empty() {
        spec.cells = options.gate_cells.iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect();
    }
    if let Some(m) = options.metric {
        spec.metric = m.into();
    }
    if let Some(u) = options.undecided {
        spec.undecided = u.into();
    }
    spec.until_decided |= until_decided;
    spec
}

/// Decides the gate on `study`, the error naming the study file.
pub fn decide(study: &Study, spec: &GateSpec, file: &std::path::Path) -> Result<Gate> {
    evaluate(study, spec).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

/// The exit status of a decided gate, after saying on stderr what decided it (unless the
/// table on stdout, which ends with the same lines, `shown` it already).
pub fn exit(gate: &Gate, shown: bool) -> ExitCode {
    if !shown {
        for line in buildbench_report::gate::verdict(gate) {
            eprintln!("{}", buildbench_report::format::terminal_safe(&line));
        }
    }
    if gate.fails() { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

pub fn run(args: &GateArgs) -> Result<ExitCode> {
    if args.threshold.is_some_and(|t| t <= 0.0) {
        anyhow::bail!("--threshold must be a slowdown above 0% (e.g. 5%)");
    }
    let study = crate::report::read_study(&args.study)?;
    let spec = spec(study.plan.gate.as_ref(), args.threshold, &args.options, false);
    let file = if args.study.is_dir() { args.study.join("study.json") } else { args.study.clone() };
    let gate = decide(&study, &spec, &file)?;
    // `--format` takes every format (`cli::format::accepts::VIEW`); colour only on a terminal.
    let bytes = buildbench_report::export::write(
        args.format,
        crate::cli::color(),
        || buildbench_report::gate::view(&gate),
        || buildbench_report::gate::json(&gate),
    );
    crate::cli::print(&String::from_utf8_lossy(&bytes))?;
    Ok(exit(&gate, args.format == Format::Table))
}
