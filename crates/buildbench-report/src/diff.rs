//! Two studies compared cell by cell (e.g. main against a pull request), rendered: the table a
//! CI job posts. What the gate decides is `buildbench_model::diff`.

use buildbench_model::diff::{DiffRow, StudyDiff};

use crate::across_studies;
use crate::color::Tone;
use crate::format::{opt_seconds, p_values, percent, speedup};
use crate::view::{Section, View, labelled, styled};
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

/// The tone of a row's mark: failed and regression bad, underpowered undecided; faster stays
/// plain (so a CI job summary shows in bold only what needs a look).
fn tone(r: &DiffRow) -> Option<Tone> {
    match mark(r) {
        "failed" | "regression" => Some(Tone::Bad),
        "underpowered" => Some(Tone::Unsure),
        _ => None,
    }
}

/// What `buildbench diff` shows, in every format (`export::write`; a CI job posts the
/// Markdown): the table of cells, the cells only one study has, and what the check decided and
/// how far to trust it.
pub fn view(d: &StudyDiff) -> View {
    let mut view = View::new("buildbench diff");
    if let Some(why) = d.nothing_compared() {
        // Only why, and the cells each study has that the other lacks.
        let section = view.section(2, None);
        section.text(&across_studies::capitalized(&why));
        missing_and_extra(section, d);
        return view;
    }
    let section = view.section(2, None);
    section.table(table(d));
    missing_and_extra(section, d);
    decision(section, d);
    view
}

/// One row per cell compared, its mark toned.
fn table(d: &StudyDiff) -> Table {
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
        table.tone(7, tone(r));
    }
    table
}

/// How many regressions, what a regression is and what the check catches, the cells too noisy
/// to tell, the note on comparing across studies, different machines, and failed cells.
fn decision(section: &mut Section, d: &StudyDiff) {
    section.text(&format!(
        "{} regression(s): mean time more than {} above the base study's, and significant (Welch's t-test, p < 0.05 after Holm's correction over the {} cells compared; corrected p in brackets).",
        d.regressions(),
        percent(d.threshold),
        d.rows.iter().filter(|r| r.comparison.is_some()).count()
    ));
    section.text(&format!(
        "catches (80%): the smallest slowdown this check calls a regression 80% of the time, at the noise both studies measured of the cell (within each runner) and Holm's strictest step (p < {:.4}).",
        1.0 - d.confidence
    ));
    let underpowered = d.underpowered();
    if !underpowered.is_empty() {
        let mut line = labelled("", "Underpowered", Some(Tone::Unsure));
        line.push_str(&format!(
            ": {}",
            across_studies::underpowered_warning("cell(s)", &underpowered, d.threshold, d.allow_underpowered)
        ));
        section.styled(line);
    }
    section.text(&format!("Note: {}", d.note));
    if let Some((base, new)) = &d.machines_differ {
        let mut line = labelled("", "Warning", Some(Tone::Unsure));
        line.push_str(
            ": the studies ran on different machines or toolchains, so part of any difference may be the machine's:",
        );
        section.styled(line);
        section.list(vec![styled(&format!("base: {base}")), styled(&format!("new: {new}"))]);
    }
    if d.failures() > 0 {
        section.styled(labelled(
            "",
            &format!(
                "{} cell(s) of the base study failed or are missing in the new study: the check fails.",
                d.failures()
            ),
            Some(Tone::Bad),
        ));
    }
}

/// The cells of the base study the new one lacks, and those only the new one has.
fn missing_and_extra(section: &mut Section, d: &StudyDiff) {
    if !d.only_base.is_empty() {
        let mut line = labelled("", "Missing", Some(Tone::Bad));
        line.push_str(&format!(" in the new study (measured in the base study): {}", d.only_base.join(", ")));
        section.styled(line);
    }
    if !d.only_new.is_empty() {
        section.text(&format!("Only in the new study: {}", d.only_new.join(", ")));
    }
}
