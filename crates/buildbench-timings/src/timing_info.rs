//! `--timings=json` `timing-info` lines (cargo 1.60 to 1.93, `-Zunstable-options`).
//!
//! One line per unit that ran, with duration, rmeta time and (1.91+) sections, but no start time
//! and no dependencies. `--message-format=json` lines in the same stream add the fresh units.

use crate::json::{complete_sections, f64_field, object_lines, parse_line, sections, str_field};
use crate::message_format::{self, unit_from_artifact};
use crate::{Build, Mode, PackageId, ParseError, Parsed, Source, TargetKind, Unit};

const FORMAT: &str = "timing-info JSON lines";

pub(crate) fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut build = Build::empty(Source::TimingInfo);
    let mut warnings = Vec::new();
    let mut fresh = Vec::new();
    let mut saw_artifacts = false;
    for (number, line) in object_lines(text) {
        let v = parse_line(line, number, FORMAT)?;
        match str_field(&v, "reason") {
            Some("timing-info") => build.units.push(unit_from_timing_info(&v, &mut warnings)),
            Some("compiler-artifact") => {
                saw_artifacts = true;
                if v.get("fresh").and_then(serde_json::Value::as_bool) == Some(true) {
                    fresh.push(unit_from_artifact(&v));
                }
            }
            Some("build-finished") => message_format::read_build_finished(&v, &mut build),
            _ => {}
        }
    }
    let dirty = build.units.len();
    build.units.extend(fresh);
    if saw_artifacts {
        build.count_units();
    } else {
        // Without artifact messages the fresh units are unknown; only the dirty count is certain.
        build.dirty_units = u32::try_from(dirty).ok();
        warnings
            .push("no --message-format=json lines in the stream, so the number of fresh units is not known".to_owned());
    }
    Ok(Parsed { build, warnings })
}

fn unit_from_timing_info(v: &serde_json::Value, warnings: &mut Vec<String>) -> Unit {
    let package = PackageId::parse(str_field(v, "package_id").unwrap_or(""));
    let target = v.get("target");
    let target_name = target.and_then(|t| str_field(t, "name")).unwrap_or(&package.name);
    let kind_word = target
        .and_then(|t| t.get("kind"))
        .and_then(serde_json::Value::as_array)
        .and_then(|k| k.first())
        .and_then(serde_json::Value::as_str)
        .unwrap_or("lib");
    let kind = TargetKind::from_cargo(kind_word).unwrap_or_else(|| {
        warnings.push(format!("unit {}: unknown target kind {kind_word:?}", package.name));
        TargetKind::Lib
    });
    let mode = match str_field(v, "mode") {
        Some(word) => Mode::from_cargo(word).unwrap_or_else(|| {
            warnings.push(format!("unit {}: unknown mode {word:?}", package.name));
            Mode::Build
        }),
        None => Mode::Build,
    };
    let mut unit = Unit::new(&package.name, target_name, kind, mode);
    unit.version = package.version;
    unit.duration = f64_field(v, "duration");
    unit.rmeta_time = f64_field(v, "rmeta_time");
    unit.sections = sections(v, "sections");
    complete_sections(&mut unit.sections, unit.duration);
    unit
}
