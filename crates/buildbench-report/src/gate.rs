//! The rev gate rendered: head against base, one row per gated cell, with the outcome, the
//! interval, and what the cell could have caught. One wording for the terminal, Markdown (a CI
//! job summary), HTML and JSON.

use buildbench_model::gate::{Gate, GatedCell, OnUndecided, Outcome};

use crate::color::Tone;
use crate::export::Exporter as _;
use crate::format::opt_seconds;
use crate::view::{View, labelled, styled};
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

/// The tone of a verdict line: a failing gate bad, a passing one good, a warning undecided.
fn verdict_tone(line: &str) -> Tone {
    if line.starts_with("gate fails") {
        Tone::Bad
    } else if line.starts_with("gate passes") {
        Tone::Good
    } else {
        Tone::Unsure
    }
}

/// What the rev gate shows, in every format (`export::write`; `gate --format md` for a CI job
/// summary, and every study report's "Head vs base" section): what was compared and how, one
/// row per gated cell (slower and failed cells toned), why each cell came out as it did, and
/// the verdict.
pub fn view(gate: &Gate) -> View {
    let mut view = View::new("buildbench gate");
    let section = view.section(2, Some("Head vs base"));
    section.text(&preamble(gate).join("\n"));
    let mut table = Table::new(&[
        ("cell", Align::Left),
        ("base", Align::Right),
        ("head", Align::Right),
        ("head vs base [interval]", Align::Right),
        ("outcome", Align::Left),
        ("catches (80%)", Align::Right),
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
        table.tone(4, matches!(c.outcome, Outcome::Slower | Outcome::Failed).then_some(Tone::Bad));
    }
    section.table(table);
    section.list(gate.cells.iter().map(|c| styled(&format!("{}: {}", label(gate, c), c.reason))).collect());
    for line in verdict(gate) {
        let tone = verdict_tone(&line);
        section.styled(labelled("", &line, Some(tone)));
    }
    view
}

/// The view on a terminal, unpainted (inside a study's table report).
pub fn terminal(gate: &Gate) -> String {
    String::from_utf8_lossy(&crate::export::Terminal::default().view(&view(gate))).into_owned()
}

/// The view in Markdown (inside a study's Markdown report, and `gate.md` of a gated compare).
pub fn markdown(gate: &Gate) -> String {
    String::from_utf8_lossy(&crate::export::Markdown.view(&view(gate))).into_owned()
}

/// The view's section of an HTML page (inside a study's report page).
pub fn html(gate: &Gate) -> String {
    crate::export::view_page(&view(gate)).sections.concat()
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
