//! The rev gate rendered: head against base, one row per gated cell, with the outcome, the
//! interval, and what the cell could have caught. One wording for the terminal, Markdown (a CI
//! job summary), HTML and JSON.

use std::fmt::Write as _;

use buildbench_model::gate::{Gate, GatedCell, OnUndecided, Outcome};

use crate::export::markdown::{cell as md, code};
use crate::format::opt_seconds;
use crate::html_escape::escape;
use crate::{Align, Table};

/// `+8.1%` for a ratio of 1.081.
fn change(ratio: f64) -> String {
    format!("{:+.1}%", (ratio - 1.0) * 100.0)
}

/// `+8.1% [+3.0%, +13.5%]`, or `+8.1% [unbounded]`.
fn ratio(c: &GatedCell) -> String {
    match (c.ratio, c.interval) {
        (Some(r), Some((lo, hi))) => format!("{} [{}, {}]", change(r), change(lo), change(hi)),
        (Some(r), None) => format!("{} [unbounded]", change(r)),
        _ => "-".to_owned(),
    }
}

/// The smallest slowdown the cell would have caught with 80% probability.
fn catches(c: &GatedCell) -> String {
    c.power.as_ref().and_then(|p| p.detectable).map_or_else(|| "-".to_owned(), |d| format!("{:.1}%", d * 100.0))
}

/// Samples per revision a slowdown of the threshold needs.
fn needs(c: &GatedCell) -> String {
    match &c.power {
        Some(p) => p.runs_needed.map_or_else(|| "> 10000".to_owned(), |n| n.to_string()),
        None => "-".to_owned(),
    }
}

fn side(mean: Option<f64>, n: u32) -> String {
    format!("{} (n={n})", opt_seconds(mean))
}

/// The cell's name: `default / incremental`, with the head when there are several.
fn label(gate: &Gate, c: &GatedCell) -> String {
    if gate.heads.len() > 1 {
        format!("{} / {} @{}", c.configuration, c.scenario, c.head)
    } else {
        format!("{} / {}", c.configuration, c.scenario)
    }
}

/// The lines above the table: what was compared, how.
fn preamble(gate: &Gate) -> Vec<String> {
    let heads: Vec<String> = gate.heads.iter().map(|h| h.describe()).collect();
    let cells = gate.cells.len();
    vec![
        format!("head {} against base {}", heads.join(", "), gate.base.describe()),
        format!(
            "{} threshold {:.1}% on {}; both revisions built on this runner, in turns",
            "gate:",
            gate.threshold * 100.0,
            gate.metric.describe()
        ),
        format!(
            "each interval at {}% confidence: a 5% chance of any false alarm over {cells} cell(s) × {} look(s) \
             (Bonferroni); \"catches\" is the smallest slowdown caught with 80% probability at the noise measured",
            trim_percent(gate.confidence * 100.0),
            gate.looks
        ),
    ]
}

/// `99`, `99.75`, `99.1667`: a confidence without trailing zeros.
fn trim_percent(p: f64) -> String {
    let text = format!("{p:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The verdict line and, for undecided cells that pass, the warning naming them.
pub fn verdict(gate: &Gate) -> Vec<String> {
    let names =
        |o: Outcome| -> Vec<String> { gate.cells.iter().filter(|c| c.outcome == o).map(|c| label(gate, c)).collect() };
    let mut out = Vec::new();
    if gate.cells.is_empty() {
        out.push("gate fails: no cell was gated (nothing measured is not green)".to_owned());
        return out;
    }
    let (slower, failed, undecided) = (names(Outcome::Slower), names(Outcome::Failed), names(Outcome::Undecided));
    let mut why = Vec::new();
    if !slower.is_empty() {
        why.push(format!("slower by more than {:.1}%: {}", gate.threshold * 100.0, slower.join(", ")));
    }
    if !failed.is_empty() {
        why.push(format!("head failed to build: {}", failed.join(", ")));
    }
    if !undecided.is_empty() && gate.undecided == OnUndecided::Fail {
        why.push(format!("undecided (--undecided fail): {}", undecided.join(", ")));
    }
    if gate.fails() {
        out.push(format!("gate fails: {}", why.join("; ")));
    } else {
        out.push(format!(
            "gate passes: no cell slower by more than {:.1}% ({} of {} shown not slower, {} undecided)",
            gate.threshold * 100.0,
            gate.count(Outcome::NotSlower),
            gate.cells.len(),
            gate.count(Outcome::Undecided)
        ));
    }
    if !undecided.is_empty() && gate.undecided == OnUndecided::Pass {
        let more = if gate.looks > 1 { "a higher --max-runs" } else { "more --runs or --until-decided" };
        out.push(format!(
            "warning: undecided, passed without being shown within the threshold: {} ({more} would decide it; \
             --undecided fail fails it)",
            undecided.join(", ")
        ));
    }
    out
}

/// For the terminal.
pub fn terminal(gate: &Gate) -> String {
    let mut out = preamble(gate).join("\n");
    out.push_str("\n\n");
    let mut table = Table::new(&[
        ("cell", Align::Left),
        ("base", Align::Right),
        ("head", Align::Right),
        ("head vs base [interval]", Align::Right),
        ("outcome", Align::Left),
        ("catches", Align::Right),
        ("runs for threshold", Align::Right),
    ]);
    for c in &gate.cells {
        table.row(vec![
            label(gate, c),
            side(c.base_mean, c.base_runs),
            side(c.head_mean, c.head_runs),
            ratio(c),
            c.outcome.as_str().to_owned(),
            catches(c),
            needs(c),
        ]);
    }
    out.push_str(&crate::format::terminal_safe(&table.render()));
    for c in &gate.cells {
        let _ = writeln!(out, "  {}: {}", label(gate, c), crate::format::terminal_safe(&c.reason));
    }
    for line in verdict(gate) {
        let _ = writeln!(out, "{line}");
    }
    // Revision subjects and names come from whoever wrote the commit.
    crate::format::terminal_safe(&out)
}

/// Markdown, ready for a CI job summary.
pub fn markdown(gate: &Gate) -> String {
    let mut out = String::from("## Head vs base\n\n");
    for line in preamble(gate) {
        let _ = writeln!(out, "{}  ", md(&line));
    }
    out.push('\n');
    out.push_str("| cell | base | head | head vs base [interval] | outcome | catches (80%) | runs for threshold |\n");
    out.push_str("|---|--:|--:|--:|---|--:|--:|\n");
    for c in &gate.cells {
        let outcome = match c.outcome {
            Outcome::Slower | Outcome::Failed => format!("**{}**", c.outcome.as_str()),
            _ => c.outcome.as_str().to_owned(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {outcome} | {} | {} |",
            code(&label(gate, c)),
            side(c.base_mean, c.base_runs),
            side(c.head_mean, c.head_runs),
            ratio(c),
            catches(c),
            needs(c)
        );
    }
    out.push('\n');
    for c in &gate.cells {
        let _ = writeln!(out, "- `{}`: {}", code(&label(gate, c)), md(&c.reason));
    }
    out.push('\n');
    for line in verdict(gate) {
        let _ = writeln!(out, "**{}**\n", md(&line));
    }
    out
}

/// The HTML section of the report.
pub fn html(gate: &Gate) -> String {
    let mut out = String::from("<section id=\"head-vs-base\"><h2>Head vs base</h2>\n");
    for line in preamble(gate) {
        let _ = writeln!(out, "<p>{}</p>", crate::html_escape::prose(&line));
    }
    let mut table = String::from(
        "<table><thead><tr><th>cell</th><th>base</th><th>head</th><th>head vs base [interval]</th><th>outcome</th>\
         <th>catches (80%)</th><th>runs for threshold</th></tr></thead><tbody>\n",
    );
    for c in &gate.cells {
        let class = match c.outcome {
            Outcome::Slower | Outcome::Failed => "slower",
            Outcome::NotSlower => "faster",
            Outcome::Undecided => "",
        };
        let _ = writeln!(
            table,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"{class}\" title=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&label(gate, c)),
            escape(&side(c.base_mean, c.base_runs)),
            escape(&side(c.head_mean, c.head_runs)),
            escape(&ratio(c)),
            escape(&c.reason),
            escape(c.outcome.as_str()),
            escape(&catches(c)),
            escape(&needs(c)),
        );
    }
    table.push_str("</tbody></table>");
    out.push_str(&crate::page::scrolling(&table));
    out.push('\n');
    for line in verdict(gate) {
        let _ = writeln!(out, "<p><strong>{}</strong></p>", crate::html_escape::prose(&line));
    }
    out.push_str("</section>\n");
    out
}

/// JSON, with the schema version every JSON output starts with.
pub fn json(gate: &Gate) -> String {
    #[derive(serde::Serialize)]
    struct Output<'a> {
        schema_version: u32,
        fails: bool,
        #[serde(flatten)]
        gate: &'a Gate,
    }
    crate::format::json(&Output { schema_version: buildbench_model::SCHEMA_VERSION, fails: gate.fails(), gate })
}
