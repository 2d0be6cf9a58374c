//! Aligned tables for a terminal, one per scenario; significant speedups and the verdicts carry
//! their tone (`color::Styled`), painted when `Terminal::color` is set.

use std::fmt::Write as _;

use buildbench_model::{Scenario, Study};

use super::Exporter;
use crate::color::{Styled, Tone};
use crate::format::{opt_seconds, p_values, seconds, speedup};
use crate::view::{Block, View};
use crate::{Align, Cell, StudySummary, Table};

/// The terminal table exporter; `color` paints what the report decided (significantly faster
/// or slower speedups, the claims' verdicts).
#[derive(Debug, Clone, Copy, Default)]
pub struct Terminal {
    /// Paint with terminal colours (the caller checks for a terminal and `NO_COLOR`).
    pub color: bool,
}

impl Exporter for Terminal {
    fn extension(&self) -> &'static str {
        "txt"
    }

    fn render(&self, study: &Study, summary: &StudySummary) -> Vec<u8> {
        styled(study, summary).terminal(self.color).into_bytes()
    }

    fn view(&self, view: &View) -> Vec<u8> {
        view_styled(view).terminal(self.color).into_bytes()
    }
}

/// A view as styled text: each heading on a line of its own with its first block under it,
/// other blocks apart by a blank line, list items indented with a dash, snippets indented by four spaces
/// (so a terminal's copy takes them whole), charts left out (their numbers are in the text).
pub fn view_styled(view: &View) -> Styled {
    let mut out = Styled::default();
    for section in &view.sections {
        let mut under_heading = false;
        if let Some(heading) = &section.heading {
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "{heading}");
            under_heading = true;
        }
        for block in &section.blocks {
            let text = block_styled(block);
            if text.is_empty() {
                continue;
            }
            if !out.is_empty() && !under_heading {
                out.push('\n');
            }
            under_heading = false;
            out.append(text);
        }
    }
    out
}

/// One block as lines of styled text, each ending in a line break; empty for a chart.
fn block_styled(block: &Block) -> Styled {
    let mut out = Styled::default();
    match block {
        Block::Paragraph(text) | Block::Note(text) => {
            out.append(text.clone());
            if !text.plain().ends_with('\n') {
                out.push('\n');
            }
        }
        Block::Table(table) => out.append(table.styled()),
        Block::List(items) => {
            for item in items {
                out.push_str("  - ");
                out.append(item.clone());
                out.push('\n');
            }
        }
        Block::Code { label, text } => {
            let _ = writeln!(out, "{label}:");
            for line in text.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        Block::Figure { .. } => {}
    }
    out
}

/// The report as styled text: what `Terminal` prints, before it is made safe for a terminal.
pub fn styled(study: &Study, summary: &StudySummary) -> Styled {
    let mut out = Styled::default();
    header(&mut out, study, summary);
    if let Some(gate) = &summary.head_vs_base {
        out.push('\n');
        out.append(view_styled(&crate::gate::view(gate)));
    }
    for &scenario in &study.plan.scenarios {
        scenario_table(&mut out, summary, scenario);
    }
    out.append(advice(study, summary));
    if summary.nothing_to_compare().is_some() {
        return out;
    }
    let _ = writeln!(
        out,
        "\n* significant: Welch's t-test p < 0.05 after Holm's correction over all {} comparisons of this report (in brackets), and a change above {:.0}%. Speedup = baseline mean / mean (means, not medians); 95% interval by Fieller's method.",
        summary.comparisons(),
        summary.noise * 100.0
    );
    // Names and errors come from the project and its build: `Styled::terminal` lets no
    // escape sequence of theirs reach the terminal.
    out
}

/// The lines above the tables: cargo arguments, merged environments and runners, the linkers.
fn header(out: &mut Styled, study: &Study, summary: &StudySummary) {
    if let Some(args) = crate::format::cargo_args_line(study) {
        let _ = writeln!(out, "{args}");
    }
    if let Some(mixed) = crate::format::mixed(study) {
        let _ = writeln!(out, "warning: {mixed}");
    }
    if let Some(runners) = crate::format::runners(study, summary) {
        let _ = writeln!(out, "{runners}");
    }
    for (toolchain, linker) in &summary.default_linkers {
        let _ = writeln!(out, "default linker ({toolchain} toolchain): {linker}");
    }
    if let Some(own) = &study.own_linker {
        let _ = writeln!(out, "{}", crate::format::own_linker(own));
    }
}

/// The table of one scenario's cells and its one-line headline (nothing when it has no cells).
fn scenario_table(out: &mut Styled, summary: &StudySummary, scenario: Scenario) {
    let cells: Vec<_> = summary.scenario(scenario).collect();
    if cells.is_empty() {
        return;
    }
    let note = if scenario.reference() != scenario {
        format!(" (speedup vs {} {})", summary.baseline, scenario.reference())
    } else {
        String::new()
    };
    let _ = writeln!(out, "\n{scenario}{note}");
    let mut t = Table::new(&[
        ("configuration", Align::Left),
        ("median", Align::Right),
        ("mean ± sd", Align::Right),
        ("min-max", Align::Right),
        ("speedup [95% CI]", Align::Right),
        ("p (Holm)", Align::Right),
        ("n", Align::Right),
        ("", Align::Left),
    ]);
    for c in cells {
        row(&mut t, c);
    }
    out.append(t.styled());
    if let Some(headline) = summary.headline(scenario) {
        let _ = writeln!(out, "{}", headline.line());
    }
}

/// One cell's row of its scenario's table, its speedup toned when it is significant.
fn row(t: &mut Table, c: &Cell) {
    let baseline = c.is_reference();
    let name = if baseline { format!("{} (baseline)", c.configuration) } else { c.configuration.clone() };
    let range = c.stats.as_ref().map_or_else(|| "-".to_owned(), |s| format!("{}-{}", seconds(s.min), seconds(s.max)));
    let (sp, p) = match (&c.comparison, baseline) {
        (_, true) => ("1.00x".to_owned(), String::new()),
        (Some(k), false) => {
            let mark = if k.significant { " *" } else { "" };
            (format!("{}{mark}", speedup(k)), p_values(k))
        }
        (None, false) => ("-".to_owned(), String::new()),
    };
    let tone = match &c.comparison {
        Some(k) if k.significant && !baseline => Some(if k.speedup > 1.0 { Tone::Good } else { Tone::Bad }),
        _ => None,
    };
    let mean = c.stats.as_ref().map_or_else(|| "-".to_owned(), mean_sd);
    let notes: Vec<String> = c.failure.iter().map(|f| f.line()).chain(c.notes()).collect();
    t.row(vec![
        name,
        opt_seconds(c.median()),
        mean,
        range,
        sp,
        p,
        crate::format::runs(c.samples.len()),
        notes.join("; "),
    ]);
    t.tone(4, tone);
}

/// `1.52s ± 0.03s`.
fn mean_sd(s: &buildbench_model::stats::Summary) -> String {
    format!("{} ± {}", seconds(s.mean), seconds(s.stddev))
}

/// Claims (each verdict toned) and recommendations.
fn advice(study: &Study, summary: &StudySummary) -> Styled {
    let mut out = Styled::default();
    if let Some(j) = &summary.jobs {
        let _ = writeln!(out, "\n{}", crate::whatif::jobs_line(j));
    }
    if let Some(d) = &summary.diagnosis {
        out.push('\n');
        out.push_str(&crate::diagnose::text(d));
    }
    if let Some(why) = summary.nothing_to_compare() {
        let _ = writeln!(out, "\n{why}");
    } else {
        out.push_str("\nClaims\n");
        for c in &summary.claims {
            let compared = c.compared.as_deref().map(|x| format!(" [{x}]")).unwrap_or_default();
            let _ = write!(out, "  {}: ", c.text);
            out.push_verdict(c.verdict, &c.detail);
            let _ = writeln!(out, "{compared}");
        }
        out.push_str("\nRecommendation\n");
        if summary.recommendations.is_empty() {
            let _ = writeln!(
                out,
                "  No configuration is significantly faster than {} in any scenario: keep it.",
                summary.baseline
            );
        }
        for r in &summary.recommendations {
            let _ =
                writeln!(out, "  {}: use {} ({})", r.scenario, r.configuration, crate::format::speedup(&r.comparison));
            for (file, text) in &r.files {
                let _ = writeln!(out, "    {file}:");
                for line in text.lines() {
                    let _ = writeln!(out, "      {line}");
                }
            }
            for t in &r.tradeoffs {
                let _ = writeln!(out, "    trade-off: {t}");
            }
        }
    }
    let unmeasured: Vec<&str> = study
        .plan
        .scenarios
        .iter()
        .filter(|s| summary.winner(**s).is_none())
        .map(|s| buildbench_model::Word::as_str(*s))
        .collect();
    if !summary.recommendations.is_empty() && !unmeasured.is_empty() {
        let _ =
            writeln!(out, "  {}: nothing is significantly faster than {}.", unmeasured.join(", "), summary.baseline);
    }
    out
}
