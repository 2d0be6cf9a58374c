//! `buildbench report` and `buildbench diff`: read saved studies, render or compare them.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use buildbench_model::Study;
use buildbench_report::export::{Format, painted, report_page, view_page};
use buildbench_report::summarize;

use crate::cli::{DiffArgs, MergeArgs, ReportArgs, format};

/// Reads a study.json (or the study.json in a folder), with errors that name the file.
pub fn read_study(path: &Path) -> Result<Study> {
    let file: PathBuf = if path.is_dir() { path.join("study.json") } else { path.to_owned() };
    let bytes = crate::cli::read_input(&file, "study")?;
    Study::from_json(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

/// Refuses to write a report over the study it is made from (or any other input): the same
/// file by path or through a link.
pub(crate) fn refuse_overwriting(output: &Path, inputs: &[&Path]) -> Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(out) = std::fs::metadata(output) else { return Ok(()) };
    for input in inputs {
        let input: PathBuf = if input.is_dir() { input.join("study.json") } else { input.to_path_buf() };
        if std::fs::metadata(&input).is_ok_and(|m| m.dev() == out.dev() && m.ino() == out.ino()) {
            bail!("{}: this is the input {}; write the output to another file", output.display(), input.display());
        }
    }
    Ok(())
}

fn write_out(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match output {
        Some(file) => buildbench_runner::fsutil::write_atomic(file, bytes).map_err(Into::into),
        None => std::io::stdout().lock().write_all(bytes).context("writing to stdout"),
    }
}

pub fn run(args: &ReportArgs) -> Result<ExitCode> {
    let study = read_study(&args.study)?;
    // The format follows the extension of -o FILE, whatever its case, unless --format names it.
    let format = match &args.output {
        Some(out) => format::of_output("report", out, args.format, format::accepts::STUDY)?,
        None => args.format.unwrap_or(Format::Table),
    };
    if let Some(output) = &args.output {
        refuse_overwriting(output, &[&args.study])?;
    }
    let summary = summarize(&study, args.noise);
    // Colour only for the table on stdout, never in a file.
    let color = args.output.is_none() && crate::cli::color();
    let bytes = render(&study, &summary, format, read_profile(args)?.as_ref(), color);
    write_out(args.output.as_deref(), &bytes)?;
    Ok(ExitCode::SUCCESS)
}

/// The profile to add: `--self-profile FILE`, else `profile.json` beside the study when the study
/// is given as its folder.
fn read_profile(args: &ReportArgs) -> Result<Option<buildbench_model::profile::ProfileReport>> {
    let file = match &args.profile {
        Some(file) => file.clone(),
        None if args.study.is_dir() && args.study.join("profile.json").is_file() => args.study.join("profile.json"),
        None => return Ok(None),
    };
    let bytes = crate::cli::read_input(&file, "profile")?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not JSON; write it with `buildbench profile -o profile.json`", file.display()))?;
    let version = value.get("schema_version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(buildbench_report::format::JSON_SCHEMA_VERSION)) {
        bail!(
            "{}: schema_version {version:?}, this buildbench reads {}; write it again with this version's `buildbench profile`",
            file.display(),
            buildbench_report::format::JSON_SCHEMA_VERSION
        );
    }
    let profile = serde_json::from_value(value).with_context(|| {
        format!(
            "{}: not a `buildbench profile` result; write it with `buildbench profile -o profile.json`",
            file.display()
        )
    })?;
    Ok(Some(profile))
}

/// The report, with the profile's sections when there is one (`profile::sections`, rendered
/// in the report's format): after the page's, the Markdown's and the table's own; CSV and JSON
/// stay as they are (the profile has its own JSON).
fn render(
    study: &Study,
    summary: &buildbench_report::StudySummary,
    format: Format,
    profile: Option<&buildbench_model::profile::ProfileReport>,
    color: bool,
) -> Vec<u8> {
    const TOP: usize = 15;
    let profile_view = |p, top| {
        let mut view = buildbench_report::view::View::new("");
        buildbench_report::profile::sections(&mut view, p, top);
        view
    };
    match (format, profile) {
        (Format::Html, Some(p)) => {
            let mut page = report_page(study, summary);
            page.sections.extend(view_page(&profile_view(p, TOP.max(25))).sections);
            page.render().into_bytes()
        }
        (Format::Md | Format::Table, Some(p)) => {
            let mut bytes = painted(format, color).render(study, summary);
            bytes.push(b'\n');
            bytes.extend(painted(format, color).view(&profile_view(p, TOP)));
            bytes
        }
        _ => painted(format, color).render(study, summary),
    }
}

pub fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let base = read_study(&args.base)?;
    let new = read_study(&args.new)?;
    let options = buildbench_model::diff::DiffOptions {
        threshold: args.threshold,
        allow_mixed: args.allow_mixed,
        allow_underpowered: args.allow_underpowered,
    };
    let d = buildbench_model::diff::diff(&base, &new, &options)?;
    // The terminal table shows the same sentences on stdout: said once there; every other
    // format (a job summary, a file, JSON) also says them on stderr, for the log.
    if args.format != buildbench_report::export::Format::Table {
        match d.nothing_compared() {
            // One line, the same as `history gate`'s: the rest would be about nothing.
            Some(why) => eprintln!("{why}"),
            None => {
                if let Some((base, new)) = &d.machines_differ {
                    eprintln!(
                        "warning: the studies ran on different machines or toolchains:\n  base: {base}\n  new:  {new}"
                    );
                }
                let (note, under) = (&d.note, d.underpowered());
                let lines = buildbench_report::across_studies::log_lines(
                    note,
                    "cell(s)",
                    &under,
                    d.threshold,
                    d.allow_underpowered,
                );
                for line in lines {
                    eprintln!("{line}");
                }
            }
        }
    }
    // `--format` takes every format (`cli::format::accepts::VIEW`); colour only on a terminal.
    let bytes = buildbench_report::export::write(
        args.format,
        crate::cli::color(),
        || buildbench_report::diff::view(&d),
        || buildbench_report::format::json(&d),
    );
    write_out(None, &bytes)?;
    Ok(if d.fails() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

pub fn merge(args: &MergeArgs) -> Result<ExitCode> {
    let inputs: Vec<&Path> = args.studies.iter().map(PathBuf::as_path).collect();
    refuse_overwriting(&args.output, &inputs)?;
    let mut studies = Vec::new();
    for path in &args.studies {
        studies.push((path.display().to_string(), read_study(path)?));
    }
    let merged = buildbench_model::merge(studies, args.allow_mixed)?;
    let bytes = serde_json::to_vec_pretty(&merged).context("encoding the merged study")?;
    buildbench_runner::fsutil::write_atomic(&args.output, &bytes)?;
    eprintln!(
        "merged {} studies ({} samples) into {}{}",
        merged.merged_from.len(),
        merged.samples.len(),
        args.output.display(),
        if merged.mixed_environments.is_empty() { "" } else { " (from different machines: --allow-mixed)" }
    );
    Ok(ExitCode::SUCCESS)
}
