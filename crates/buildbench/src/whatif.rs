//! `buildbench whatif`: replay one timing report's unit graph under other conditions.

use std::process::ExitCode;

use anyhow::{Context, Result};
use buildbench_report::whatif::WhatIf;
use buildbench_timings::whatif::{Graph, Scale};

use crate::cli::WhatifArgs;

pub fn run(args: &WhatifArgs) -> Result<ExitCode> {
    // A study's output folder means its study.json; another folder, its newest report.
    let study_file = args.file.join("study.json");
    let file = if study_file.is_file() { study_file } else { crate::timings::resolve(&args.file)? };
    let name = file.display().to_string();
    let bytes = crate::cli::read_input(&file, "timing report or study")?;
    // A study.json stands for its baseline's clean build; anything else is a timing report.
    let (base, cargo_version) = match buildbench_model::Study::from_json(&bytes) {
        Ok(study) => {
            let graph = buildbench_report::whatif::study_graph(&study).with_context(|| {
                format!(
                    "{name}: the study has no clean build of its baseline with unit edges (run `compare --scenario clean`; studies from before buildbench kept the edges have none)"
                )
            })?;
            let cargo = study.environment.toolchains.first().map(|t| t.cargo.trim_start_matches("cargo ").to_owned());
            (graph, cargo)
        }
        Err(_) => {
            let mut parsed = buildbench_timings::parse(&bytes).with_context(|| name.clone())?;
            crate::timings::complete(&mut parsed, &file, args.project.as_deref())?;
            (Graph::from_build(&parsed.build).with_context(|| name.clone())?, parsed.build.cargo_version)
        }
    };
    let mut graph = base.clone();
    for (crate_name, parts) in &args.splits {
        graph = graph.split(crate_name, *parts).with_context(|| name.clone())?;
    }
    let scale = Scale { frontend: args.frontend, codegen: args.codegen, link: args.link, units: args.units.clone() };
    if (args.link - 1.0).abs() > f64::EPSILON && graph.nodes.iter().all(|n| n.link <= 0.0) {
        eprintln!(
            "note: --link {} changes nothing here: {name} has no link sections (cargo records them only with \
             nightly's -Zsection-timings); measure linkers with `buildbench link` or `compare --linker`",
            args.link
        );
    }
    let mut jobs = args.jobs.clone();
    jobs.retain(|&j| j > 0);
    jobs.sort_unstable();
    jobs.dedup();
    anyhow::ensure!(!jobs.is_empty(), "--jobs needs at least one job count above 0 (e.g. --jobs 1,2,4,8)");
    let curve = graph.curve(&jobs, &scale).with_context(|| name.clone())?;
    let mut view = WhatIf::new(&name, cargo_version.as_deref(), &base, &scale, args.splits.clone(), curve);
    if args.rank_splits {
        view.rank_splits =
            graph.rank_splits(base.jobs, args.parts.clamp(2, 64), &scale).with_context(|| name.clone())?;
    }
    // `--format` takes every format (`cli::format::accepts::VIEW`); colour only on a terminal.
    let out = buildbench_report::export::write(
        args.format,
        crate::cli::color(),
        || view.view(),
        || buildbench_report::format::json(&view),
    );
    crate::cli::print(&String::from_utf8_lossy(&out))
}
