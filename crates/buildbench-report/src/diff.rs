//! Two studies compared cell by cell (e.g. main against a pull request), rendered: the table a
//! CI job posts. What the gate decides is `buildbench_model::diff`.

use std::fmt::Write as _;

use buildbench_model::diff::{DiffRow, StudyDiff};

use crate::across_studies;
use crate::export::markdown::cell as md;
use crate::format::{opt_seconds, p_values, percent, speedup};
use crate::{Align, Table};

/// What a row is, in one word for every format: failed, regression, underpowered, faster or
/// nothing.
fn mark(r: &DiffRow) -> &'static str {
    if r.failed {
        "failed"
    } else if r.regression {
        "regression"
    } else if r.underpowered.is_some() {
        "underpowered"
    } else if r.comparison.as_ref().is_some_and(|c| c.significant && c.speedup > 1.0) {
        "faster"
    } else {
        ""
    }
}

/// `diff --format table`: the Markdown table's rows and sentences as aligned text for a
/// terminal.
pub fn terminal(d: &StudyDiff) -> String {
    if let Some(why) = d.nothing_compared() {
        let mut out = format!("{}\n", across_studies::capitalized(&why));
        if !d.only_base.is_empty() {
            let _ =
                writeln!(out, "\nMissing in the new study (measured in the base study): {}", d.only_base.join(", "));
        }
        if !d.only_new.is_empty() {
            let _ = writeln!(out, "\nOnly in the new study: {}", d.only_new.join(", "));
        }
        return crate::format::terminal_safe(&out);
    }
    let mut table = Table::new(&[
        ("configuration", Align::Left),
        ("scenario", Align::Left),
        ("base median", Align::Right),
        ("new median", Align::Right),
        ("new speed vs base [95% CI]", Align::Right),
        ("p", Align::Right),
        ("catches (80%)", Align::Right),
        ("", Align::Left),
    ]);
    for r in &d.rows {
        let (sp, p) =
            r.comparison.as_ref().map_or_else(|| ("-".to_owned(), "-".to_owned()), |c| (speedup(c), p_values(c)));
        table.row(vec![
            r.configuration.clone(),
            r.scenario.to_string(),
            opt_seconds(r.base_median),
            opt_seconds(r.new_median),
            sp,
            p,
            across_studies::detectable(r.power.as_ref()),
            mark(r).to_owned(),
        ]);
    }
    let mut out = table.render();
    if !d.only_base.is_empty() {
        let _ = writeln!(out, "\nMissing in the new study (measured in the base study): {}", d.only_base.join(", "));
    }
    if !d.only_new.is_empty() {
        let _ = writeln!(out, "\nOnly in the new study: {}", d.only_new.join(", "));
    }
    let _ = writeln!(
        out,
        "\n{} regression(s): mean time more than {} above the base study's, and significant (Welch's t-test, p < 0.05 after Holm's correction over the {} cells compared; corrected p in brackets).",
        d.regressions(),
        percent(d.threshold),
        d.rows.iter().filter(|r| r.comparison.is_some()).count()
    );
    if d.failures() > 0 {
        let _ = writeln!(
            out,
            "{} cell(s) of the base study failed or are missing in the new study: the check fails.",
            d.failures()
        );
    }
    // Configuration names come from the project. The note, the machines and the underpowered
    // cells go to stderr, as for every format.
    crate::format::terminal_safe(&out)
}

/// The Markdown table a CI job posts.
pub fn markdown(d: &StudyDiff) -> String {
    if let Some(why) = d.nothing_compared() {
        // Only why, and the cells each study has that the other lacks.
        let mut out = format!("{}\n", md(&across_studies::capitalized(&why)));
        let _ = missing_and_extra(&mut out, d);
        return out;
    }
    let mut out = String::from(
        "| configuration | scenario | base median | new median | new speed vs base [95% CI] | p | catches (80%) | |\n|---|---|--:|--:|--:|--:|--:|---|\n",
    );
    for r in &d.rows {
        let (sp, p) =
            r.comparison.as_ref().map_or_else(|| ("-".to_owned(), "-".to_owned()), |c| (speedup(c), p_values(c)));
        let mark = match mark(r) {
            "" => String::new(),
            "faster" => "faster".to_owned(),
            m => format!("**{m}**"),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            md(&r.configuration),
            r.scenario,
            opt_seconds(r.base_median),
            opt_seconds(r.new_median),
            sp,
            p,
            across_studies::detectable(r.power.as_ref()),
            mark
        );
    }
    let _ = missing_and_extra(&mut out, d);
    let _ = writeln!(
        out,
        "\n{} regression(s): mean time more than {} above the base study's, and significant (Welch's t-test, p < 0.05 after Holm's correction over the {} cells compared; corrected p in brackets).",
        d.regressions(),
        percent(d.threshold),
        d.rows.iter().filter(|r| r.comparison.is_some()).count()
    );
    let _ = writeln!(
        out,
        "\n*catches (80%)*: the smallest slowdown this check calls a regression 80% of the time, at the noise both studies measured of the cell (within each runner) and Holm's strictest step (p < {:.4}).",
        1.0 - d.confidence
    );
    let underpowered = d.underpowered();
    if !underpowered.is_empty() {
        let _ = writeln!(
            out,
            "\n**Underpowered**: {}",
            md(&across_studies::underpowered_warning("cell(s)", &underpowered, d.threshold, d.allow_underpowered))
        );
    }
    let _ = writeln!(out, "\n**Note**: {}", d.note);
    if let Some((base, new)) = &d.machines_differ {
        let _ = writeln!(
            out,
            "\n**Warning**: the studies ran on different machines or toolchains, so part of any difference may be the machine's:\n\n- base: {}\n- new: {}",
            md(base),
            md(new)
        );
    }
    if d.failures() > 0 {
        let _ = writeln!(
            out,
            "{} cell(s) of the base study failed or are missing in the new study: the check fails.",
            d.failures()
        );
    }
    out
}

/// The cells of the base study the new one lacks, and those only the new one has.
fn missing_and_extra(out: &mut String, d: &StudyDiff) -> std::fmt::Result {
    if !d.only_base.is_empty() {
        writeln!(out, "\n**Missing** in the new study (measured in the base study): {}", md(&d.only_base.join(", ")))?;
    }
    if !d.only_new.is_empty() {
        writeln!(out, "\nOnly in the new study: {}", md(&d.only_new.join(", ")))?;
    }
    Ok(())
}
