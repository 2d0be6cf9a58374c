//! How a comparison of two studies (`diff`, `history gate`) words what it cannot tell: the
//! underpowered cells and the smallest slowdown each would catch. What is decided (the note,
//! the power of a cell, when it is underpowered) lives in `buildbench_model::across_studies`.

use buildbench_model::stats::power::Power;

use crate::format::percent;

/// The warning that names the underpowered cells (`cells` as `describe` writes them; `what`
/// they are: `cell(s)`, `series`).
pub fn underpowered_warning(what: &str, cells: &[String], threshold: f64, allowed: bool) -> String {
    let outcome = if allowed {
        "passed with --allow-underpowered"
    } else {
        "the check fails (measure more runs, or pass --allow-underpowered)"
    };
    format!(
        "{} {what} underpowered, too few samples to catch a {} slowdown: {}; {outcome}",
        cells.len(),
        percent(threshold),
        cells.join(", ")
    )
}

/// What a comparison says on stderr for the log: `note: ...`, then the underpowered warning
/// when any cell is (`what`, `cells`, `threshold`, `allowed` as for `underpowered_warning`).
pub fn log_lines(note: &str, what: &str, cells: &[String], threshold: f64, allowed: bool) -> Vec<String> {
    let mut lines = vec![format!("note: {note}")];
    if !cells.is_empty() {
        lines.push(format!("warning: {}", underpowered_warning(what, cells, threshold, allowed)));
    }
    lines
}

/// The smallest slowdown a comparison would catch at 80%, for tables: `12.3%` or `-`.
pub fn detectable(power: Option<&Power>) -> String {
    power.and_then(|p| p.detectable).map_or_else(|| "-".to_owned(), percent)
}

/// `text` with its first letter in upper case, for a sentence that starts a Markdown paragraph.
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}
