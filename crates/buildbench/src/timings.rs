//! `buildbench timings`: read timing files, print a summary or a diff.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use buildbench_report::timings::{diff_view, summary_json, summary_view};
use buildbench_timings::{Parsed, analyze, diff, parse};

use buildbench_report::export;

use crate::cli::{TimingsArgs, format};

pub fn run(args: &TimingsArgs) -> Result<ExitCode> {
    let mut builds = Vec::new();
    for path in &args.files {
        let file = resolve(path)?;
        let mut parsed = read(&file)?;
        if args.files.len() == 1 {
            complete(&mut parsed, &file, args.project.as_deref())?;
        }
        builds.push((file.display().to_string(), parsed));
    }
    if let Some(output) = &args.output {
        let [(file, parsed)] = &builds[..] else { bail!("-o writes the timeline of one build; give one timing file") };
        // `.svg` is the chart alone, which is no output format; anything else is the page.
        let svg_only = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        if !svg_only {
            format::of_output("timings", output, None, format::accepts::TIMELINE)
                .context("the timeline is written as .html (a page) or .svg (the chart alone)")?;
        }
        let units = buildbench_runner::record::unit_timings(&parsed.build);
        let page = buildbench_report::timings::timeline_page(
            file,
            parsed,
            &analyze(&parsed.build, args.top),
            &units,
            svg_only,
        );
        buildbench_runner::fsutil::write_atomic(output, page.as_bytes())?;
        eprintln!("timeline of {file} written to {}", output.display());
        return Ok(ExitCode::SUCCESS);
    }
    // `--format` takes every format (`cli::format::accepts::VIEW`); colour only on a terminal.
    let color = crate::cli::color();
    let out = match &builds[..] {
        [(file, parsed)] => {
            let analysis = analyze(&parsed.build, args.top);
            export::write(
                args.format,
                color,
                || summary_view(file, parsed, &analysis),
                || buildbench_report::format::json(&summary_json(file, parsed, &analysis)),
            )
        }
        [(a, pa), (b, pb)] => {
            let d = diff(&pa.build, &pb.build);
            export::write(args.format, color, || diff_view(a, b, &d, args.top), || buildbench_report::format::json(&d))
        }
        _ => bail!("expected one or two timing files"),
    };
    crate::cli::print(&String::from_utf8_lossy(&out))
}

/// Completes the unit graph of a report that records only the edge that released each unit,
/// from `cargo metadata` of its project: `project` when given (its failure is an error), else
/// the project whose target folder holds the report (its failure is a note, and the graph
/// stays partial, which every output says).
pub(crate) fn complete(parsed: &mut Parsed, file: &Path, project: Option<&Path>) -> Result<()> {
    if parsed.build.edges() != buildbench_timings::Edges::Partial
        || parsed.build.units.iter().all(|u| u.start.is_none() || u.id.is_none())
    {
        return Ok(());
    }
    let (root, explicit) = match project {
        Some(p) => (p.to_owned(), true),
        None => match project_of(file) {
            Some(p) => (p, false),
            None => return Ok(()),
        },
    };
    let graph = buildbench_runner::project::Project::package_graph(Path::new("cargo"), &root, &[])
        .map_err(anyhow::Error::from)
        .and_then(|g| {
            anyhow::ensure!(
                g.describes(&parsed.build.units),
                "{}: its packages are not the ones this report's units were built from (is it the project {} was recorded on?)",
                root.display(),
                file.display()
            );
            Ok(g)
        });
    match graph {
        Ok(graph) => {
            parsed.build.complete(&graph);
            Ok(())
        }
        Err(e) if explicit => Err(e.context(format!("--project {}: cannot complete the unit graph", root.display()))),
        Err(e) => {
            eprintln!(
                "note: the unit graph stays partial (cargo metadata of {}, whose target folder holds the report, failed: {e:#})",
                root.display()
            );
            Ok(())
        }
    }
}

/// The project whose `target` folder holds `file`: the nearest folder above it with a
/// Cargo.toml and `file` under its `target/`.
fn project_of(file: &Path) -> Option<PathBuf> {
    let file = fs::canonicalize(file).ok()?;
    file.ancestors()
        .skip(1)
        .find(|dir| dir.join("Cargo.toml").is_file() && file.starts_with(dir.join("target")))
        .map(Path::to_path_buf)
}

/// Reads and parses one timing file; every error names the file.
pub(crate) fn read(file: &Path) -> Result<Parsed> {
    let bytes = crate::cli::read_input(file, "cargo timing file")?;
    parse(&bytes).with_context(|| file.display().to_string())
}

/// A file stays as it is; a directory means its newest timing report.
pub(crate) fn resolve(path: &Path) -> Result<PathBuf> {
    let meta = fs::metadata(path).with_context(|| {
        format!(
            "{}: no such file or directory; pass a timing report or a target/cargo-timings directory",
            path.display()
        )
    })?;
    if !meta.is_dir() {
        return Ok(path.to_owned());
    }
    if let Some(file) = newest_report(path)? {
        return Ok(file);
    }
    // A target folder or a project means their cargo-timings folder, as cargo writes it.
    for inner in [path.join("cargo-timings"), path.join("target/cargo-timings")] {
        if inner.is_dir()
            && let Some(file) = newest_report(&inner)?
        {
            return Ok(file);
        }
    }
    bail!(
        "{}: no timing report in this directory or its cargo-timings folder (expected cargo-timing*.html or *.jsonl); \
         run `cargo build --timings` first",
        path.display()
    )
}

/// The newest timing report directly in `path`.
fn newest_report(path: &Path) -> Result<Option<PathBuf>> {
    let entries = fs::read_dir(path).with_context(|| format!("{}: cannot list the directory", path.display()))?;
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in entries {
        let entry = entry.with_context(|| format!("{}: cannot list the directory", path.display()))?;
        let file = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_report = (name.starts_with("cargo-timing") && name.ends_with(".html")) || name.ends_with(".jsonl");
        if !is_report {
            continue;
        }
        let modified = entry.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
        if newest.as_ref().is_none_or(|(t, p)| (modified, &file) > (*t, p)) {
            newest = Some((modified, file));
        }
    }
    Ok(newest.map(|(_, file)| file))
}
