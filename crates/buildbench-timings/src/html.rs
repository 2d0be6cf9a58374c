//! The `cargo build --timings` HTML report, cargo 1.60 to current nightly.
//!
//! Only two parts are read, because only they have been stable since 1.60: the summary table and
//! the `const UNIT_DATA = [...]` JSON inside the page's script. CSS, canvases and JavaScript are ignored.

use serde::Deserialize;
use serde_json::Value;

use crate::json::{complete_sections, f64_field, sections, str_field, string_list, u64_field, u64_list};
use crate::model::version_from_rustc_line;
use crate::{Build, Mode, ParseError, Parsed, Section, Source, TargetKind, Unit};

const FORMAT: &str = "HTML timing report";

pub(crate) fn has_unit_data(text: &str) -> bool {
    find_const(text, "UNIT_DATA").is_some()
}

/// Finds `const NAME =` at the start of a line and returns the text after the `=`.
fn find_const<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("const {name}");
    let mut from = 0;
    while let Some(pos) = text[from..].find(&needle) {
        let at = from + pos;
        from = at + needle.len();
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..at].trim().is_empty() {
            continue;
        }
        let rest = text[from..].trim_start();
        if let Some(value) = rest.strip_prefix('=') {
            return Some(value);
        }
    }
    None
}

pub(crate) fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut warnings = Vec::new();
    let mut build = Build::empty(Source::Html);
    read_summary(text, &mut build, &mut warnings);

    let data = find_const(text, "UNIT_DATA")
        .ok_or_else(|| ParseError::Unrecognized { found: "an HTML page without cargo's `UNIT_DATA`".to_owned() })?;
    // Fast path: the current schema straight into typed records. Stream-parse one JSON value:
    // JavaScript follows it, so the rest of the text is not JSON.
    let mut de = serde_json::Deserializer::from_str(data);
    if let Ok(raw) = Vec::<RawUnit>::deserialize(&mut de) {
        let new_style = build.cargo_version.as_deref().and_then(minor_version).map(|minor| minor >= 95);
        let lists_fresh_units = new_style.unwrap_or_else(|| raw.iter().any(|u| u.features.is_some()));
        build.units = raw.into_iter().map(|r| r.into_unit(new_style, &mut warnings)).collect();
        return Ok(finish(text, build, warnings, lists_fresh_units));
    }
    // Slow path: a schema this parser does not know (a field of another type). Read each field
    // leniently from a generic JSON value, and report what does not fit.
    let mut de = serde_json::Deserializer::from_str(data);
    let units = Value::deserialize(&mut de).map_err(|e| {
        let line = text[..text.len() - data.len()].lines().count() + e.line().saturating_sub(1);
        if e.is_eof() {
            ParseError::Truncated { format: FORMAT, detail: "`UNIT_DATA` ends before its closing `]`".to_owned() }
        } else {
            ParseError::Invalid { format: FORMAT, line, message: format!("`UNIT_DATA` is not valid JSON: {e}") }
        }
    })?;
    let Some(units) = units.as_array() else {
        return Err(ParseError::Invalid {
            format: FORMAT,
            line: text[..text.len() - data.len()].lines().count(),
            message: "`UNIT_DATA` is not a JSON array".to_owned(),
        });
    };
    // Cargo 1.95 swapped target name and kind in unit descriptions; the version decides, and a
    // heuristic per string covers reports whose version row is missing.
    let new_style = build.cargo_version.as_deref().and_then(minor_version).map(|minor| minor >= 95);
    let lists_fresh_units = new_style.unwrap_or_else(|| units.iter().any(|u| u.get("features").is_some()));
    for (position, value) in units.iter().enumerate() {
        match read_unit(value, new_style, &mut warnings) {
            Some(unit) => build.units.push(unit),
            None => warnings.push(format!("UNIT_DATA entry {position} has no name; skipped")),
        }
    }
    Ok(finish(text, build, warnings, lists_fresh_units))
}

/// The steps shared by both paths once the units are read.
fn finish(text: &str, mut build: Build, mut warnings: Vec<String>, lists_fresh_units: bool) -> Parsed {
    if !text.contains("</html>") {
        warnings.push("the report has no closing </html>: it may be truncated".to_owned());
    }
    mark_fresh_and_failed(&mut build, lists_fresh_units);
    let compiled_libs = build.units.iter().any(|u| u.kind == TargetKind::Lib && u.mode == Mode::Build && u.ran());
    build.proc_macros_known = infer_proc_macros(&mut build.units) || !compiled_libs;
    if build.total_seconds.is_none() {
        build.total_seconds = crate::analysis::last_end(&build.units);
    }
    build.count_units();
    Parsed { build, warnings }
}

/// One `UNIT_DATA` entry in the schemas of cargo 1.60 to 1.97. Unknown fields are ignored.
#[derive(Deserialize)]
struct RawUnit<'a> {
    i: Option<u64>,
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    version: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    mode: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    target: Option<std::borrow::Cow<'a, str>>,
    start: Option<f64>,
    duration: Option<f64>,
    rmeta_time: Option<f64>,
    features: Option<Vec<String>>,
    #[serde(alias = "unlocked_units")]
    unblocked_units: Option<Vec<u64>>,
    #[serde(alias = "unlocked_rmeta_units")]
    unblocked_rmeta_units: Option<Vec<u64>>,
    sections: Option<Vec<(String, RawSpan)>>,
}

#[derive(Deserialize)]
struct RawSpan {
    start: Option<f64>,
    end: Option<f64>,
}

impl RawUnit<'_> {
    fn into_unit(self, new_style: Option<bool>, warnings: &mut Vec<String>) -> Unit {
        let (target, kind, mode) = parse_target(&self.name, self.target.as_deref().unwrap_or(""), new_style, warnings);
        let mode = resolve_mode(&self.name, self.mode.as_deref(), mode, warnings);
        let mut unit = Unit::new(&self.name, &target, kind, mode);
        unit.id = self.i;
        unit.version = self.version.map(|v| v.into_owned());
        unit.start = self.start;
        unit.duration = self.duration;
        unit.features = self.features.unwrap_or_default();
        unit.unblocked = self.unblocked_units.unwrap_or_default();
        unit.unblocked_rmeta = self.unblocked_rmeta_units.unwrap_or_default();
        unit.sections = self
            .sections
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(name, span)| Some(Section { name: name.to_lowercase(), start: span.start?, end: span.end }))
            .collect();
        finish_unit(&mut unit, self.rmeta_time);
        unit
    }
}

/// `mode` is `"run-custom-build"` or `"todo"` (the target description then says the mode).
fn resolve_mode(name: &str, field: Option<&str>, from_description: Mode, warnings: &mut Vec<String>) -> Mode {
    match field {
        Some("run-custom-build") => Mode::RunCustomBuild,
        Some("todo") | None => from_description,
        Some(other) => Mode::from_cargo(other).unwrap_or_else(|| {
            warnings.push(format!("unit {name}: unknown mode {other:?}"));
            from_description
        }),
    }
}

/// Completes the sections and the rmeta time the same way for both paths.
fn finish_unit(unit: &mut Unit, rmeta_time: Option<f64>) {
    complete_sections(&mut unit.sections, unit.duration);
    // ≤1.93 has `rmeta_time`; ≥1.94 derives a two-part `frontend`/`codegen` section list from it.
    unit.rmeta_time = rmeta_time.or_else(|| {
        let is_rmeta_split = matches!(unit.sections.as_slice(), [_, second] if second.name == "codegen");
        unit.sections.first().filter(|s| s.name == "frontend" && is_rmeta_split).and_then(|s| s.end)
    });
}

/// Cargo ≥ 1.95 lists fresh units with zero start and duration; a unit that started and has zero
/// duration in a failed build never finished.
fn mark_fresh_and_failed(build: &mut Build, lists_fresh_units: bool) {
    let failed_build = build.error.is_some();
    for unit in &mut build.units {
        let start = unit.start.unwrap_or(0.0);
        let duration = unit.duration.unwrap_or(0.0);
        if lists_fresh_units && start == 0.0 && duration == 0.0 {
            unit.fresh = true;
            unit.start = None;
            unit.duration = None;
        } else if failed_build && duration == 0.0 {
            unit.failed = true;
            unit.duration = None;
        }
    }
}

/// Proc-macro crates have no `.rmeta` step, so in reports where libraries carry an rmeta time,
/// a compiled library without one is a proc-macro.
///
/// Returns whether proc-macros could be told apart.
fn infer_proc_macros(units: &mut [Unit]) -> bool {
    let libs_have_rmeta = units.iter().any(|u| u.kind == TargetKind::Lib && u.rmeta_time.is_some());
    if !libs_have_rmeta {
        return false;
    }
    for unit in units {
        if unit.kind == TargetKind::Lib
            && unit.mode == Mode::Build
            && unit.ran()
            && !unit.failed
            && unit.rmeta_time.is_none()
        {
            unit.kind = TargetKind::ProcMacro;
        }
    }
    true
}

fn read_unit(v: &Value, new_style: Option<bool>, warnings: &mut Vec<String>) -> Option<Unit> {
    let name = str_field(v, "name")?;
    let description = str_field(v, "target").unwrap_or("");
    let (target, kind, mode) = parse_target(name, description, new_style, warnings);
    let mode = resolve_mode(name, str_field(v, "mode"), mode, warnings);
    let mut unit = Unit::new(name, &target, kind, mode);
    unit.id = u64_field(v, "i");
    unit.version = str_field(v, "version").map(str::to_owned);
    unit.start = f64_field(v, "start");
    unit.duration = f64_field(v, "duration");
    unit.features = string_list(v, "features");
    // ≤1.92 says "unlocked", ≥1.93 "unblocked".
    unit.unblocked = u64_list(v, if v.get("unblocked_units").is_some() { "unblocked_units" } else { "unlocked_units" });
    unit.unblocked_rmeta = u64_list(
        v,
        if v.get("unblocked_rmeta_units").is_some() { "unblocked_rmeta_units" } else { "unlocked_rmeta_units" },
    );
    unit.sections = sections(v, "sections");
    finish_unit(&mut unit, f64_field(v, "rmeta_time"));
    Some(unit)
}

/// Reads a unit description such as ``, ` (check)`, ` bin "x"` (≤1.94), ` x "bin"` (≥1.95),
/// ` build script (run)` (≤1.94) or ` build-script (run)` (≥1.95).
pub(crate) fn parse_target(
    package: &str,
    description: &str,
    new_style: Option<bool>,
    warnings: &mut Vec<String>,
) -> (String, TargetKind, Mode) {
    let mut rest = description.trim();
    let mut mode = Mode::Build;
    if rest.ends_with(')')
        && let Some(open) = rest.rfind('(')
    {
        let suffix = &rest[open + 1..rest.len() - 1];
        mode = match suffix {
            "run" => Mode::RunCustomBuild,
            "check" | "check-test" => Mode::Check,
            "test" => Mode::Test,
            "doc" => Mode::Doc,
            "doc test" => Mode::Doctest,
            "doc scrape" => Mode::Docscrape,
            other => {
                warnings.push(format!("unit {package}: unknown mode suffix {other:?}"));
                Mode::Build
            }
        };
        rest = rest[..open].trim();
    }
    if rest.is_empty() {
        return (package.to_owned(), TargetKind::Lib, mode);
    }
    if rest == "build script" || rest == "build-script" {
        return ("build-script-build".to_owned(), TargetKind::BuildScript, mode);
    }
    if let Some((first, second)) = rest.split_once(' ') {
        let second = second.trim().trim_matches('"');
        let first = first.trim_matches('"');
        let first_kind = kind_word(first);
        let second_kind = kind_word(second);
        let new = match (new_style, first_kind, second_kind) {
            (Some(new), _, _) => new,
            (None, Some(_), None) => false,
            (None, None, Some(_)) => true,
            _ => false,
        };
        let (name, kind) = if new { (first, second_kind) } else { (second, first_kind) };
        if let Some(kind) = kind {
            return (name.to_owned(), kind, mode);
        }
    }
    warnings.push(format!("unit {package}: unknown target description {description:?}"));
    (package.to_owned(), TargetKind::Lib, mode)
}

fn kind_word(word: &str) -> Option<TargetKind> {
    match word {
        "bin" => Some(TargetKind::Bin),
        "test" => Some(TargetKind::Test),
        "bench" => Some(TargetKind::Bench),
        "example" => Some(TargetKind::Example),
        "lib" => Some(TargetKind::Lib),
        _ => None,
    }
}

/// `1.95.0` → 95. Only Rust 1.x exists.
fn minor_version(version: &str) -> Option<u32> {
    version.strip_prefix("1.")?.split('.').next()?.parse().ok()
}

/// Reads the `summary-table` rows: label cells end with `:`, the next cell is the value.
fn read_summary(text: &str, build: &mut Build, warnings: &mut Vec<String>) {
    let Some(start) = text.find("summary-table") else {
        warnings.push("no summary table: build metadata is missing".to_owned());
        return;
    };
    let table = text.get(start..).unwrap_or("");
    let table = table.split("</table>").next().unwrap_or(table);
    let cells = cells(table);
    let mut rest = cells.as_slice();
    while let [label, value, tail @ ..] = rest {
        let Some(label) = label.trim().strip_suffix(':') else {
            rest = rest.get(1..).unwrap_or_default();
            continue;
        };
        rest = tail;
        let value = value.trim();
        match label.trim() {
            "Targets" => build.targets = value.split("<br>").map(|t| t.trim().to_owned()).collect(),
            "Profile" => build.profile = Some(value.to_owned()),
            "Fresh units" => build.fresh_units = value.parse().ok(),
            "Dirty units" => build.dirty_units = value.parse().ok(),
            "Total units" => build.total_units = value.parse().ok(),
            "Max concurrency" => {
                build.jobs = between(value, "jobs=", " ").and_then(|s| s.parse().ok());
                build.ncpu = between(value, "ncpu=", ")").and_then(|s| s.parse().ok());
            }
            "Build start" => build.build_start = Some(value.to_owned()),
            // `10.1s`, or `75.3s (1m 15.3s)` above a minute.
            "Total time" => build.total_seconds = value.split('s').next().and_then(|s| s.trim().parse().ok()),
            "rustc" => {
                let mut parts = value.split("<br>");
                let line = parts.next().unwrap_or("").trim();
                build.rustc_version = Some(line.to_owned());
                build.cargo_version = version_from_rustc_line(line);
                for part in parts {
                    if let Some(host) = part.trim().strip_prefix("Host:") {
                        build.host = Some(host.trim().to_owned());
                    }
                }
            }
            "Error" => build.error = Some(value.to_owned()),
            "Max (global) rustc threads concurrency" => {}
            other => warnings.push(format!("unknown summary row {other:?}")),
        }
    }
}

/// The inner text of every `<td ...>...</td>` in `table`, in order.
fn cells(table: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = table;
    while let Some(open) = rest.find("<td") {
        let after = &rest[open..];
        let Some(gt) = after.find('>') else { break };
        let body = &after[gt + 1..];
        let end = body.find("</td>").unwrap_or(body.len());
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let rest = &text[from..];
    Some(&rest[..rest.find(end).unwrap_or(rest.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(desc: &str, new: Option<bool>) -> (String, TargetKind, Mode) {
        parse_target("pkg", desc, new, &mut Vec::new())
    }

    #[test]
    fn target_descriptions_of_both_eras() {
        assert_eq!(target("", None), ("pkg".into(), TargetKind::Lib, Mode::Build));
        assert_eq!(target(" (check)", None), ("pkg".into(), TargetKind::Lib, Mode::Check));
        assert_eq!(target(" bin \"mybin\"", None), ("mybin".into(), TargetKind::Bin, Mode::Build));
        assert_eq!(target(" mybin \"bin\"", None), ("mybin".into(), TargetKind::Bin, Mode::Build));
        assert_eq!(target(" mybin \"bin\" (check)", Some(true)), ("mybin".into(), TargetKind::Bin, Mode::Check));
        assert_eq!(target(" build script (run)", None).1, TargetKind::BuildScript);
        assert_eq!(target(" build-script (run)", None).2, Mode::RunCustomBuild);
        assert_eq!(target(" test \"it\" (test)", Some(false)), ("it".into(), TargetKind::Test, Mode::Test));
        assert_eq!(target(" it \"test\" (test)", Some(true)), ("it".into(), TargetKind::Test, Mode::Test));
        assert_eq!(target(" (doc test)", None).2, Mode::Doctest);
        // A binary named `test` is ambiguous without the version; with it, it is not.
        assert_eq!(target(" test \"bin\"", Some(true)), ("test".into(), TargetKind::Bin, Mode::Build));
        assert_eq!(target(" bin \"test\"", Some(false)), ("test".into(), TargetKind::Bin, Mode::Build));
    }

    #[test]
    fn unknown_descriptions_warn_instead_of_failing() {
        let mut warnings = Vec::new();
        let got = parse_target("pkg", " widget \"gizmo\" (frobnicate)", None, &mut warnings);
        assert_eq!(got.1, TargetKind::Lib);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn const_must_start_a_line() {
        assert!(find_const("x const UNIT_DATA = []", "UNIT_DATA").is_none());
        assert_eq!(find_const("a\n  const UNIT_DATA = [1];", "UNIT_DATA"), Some(" [1];"));
    }
}
