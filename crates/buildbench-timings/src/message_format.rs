//! `cargo build --message-format=json` output: which units were fresh. It carries no timing.

use serde_json::Value;

use crate::json::{object_lines, parse_line, str_field};
use crate::{Build, Format, Mode, PackageId, ParseError, Parsed, TargetKind, Unit};

const FORMAT: &str = "--message-format=json output";

pub(crate) fn is_reason(reason: &str) -> bool {
    matches!(reason, "compiler-artifact" | "build-script-executed" | "build-finished" | "compiler-message")
}

pub(crate) fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut build = Build::empty(Format::MessageFormat);
    let mut build_script_runs = 0;
    for (number, line) in object_lines(text) {
        let v = parse_line(line, number, FORMAT)?;
        match str_field(&v, "reason") {
            Some("compiler-artifact") => build.units.push(unit_from_artifact(&v)),
            Some("build-script-executed") => build_script_runs += 1,
            Some("build-finished") => read_build_finished(&v, &mut build),
            _ => {}
        }
    }
    build.count_units();
    let mut warnings = vec!["--message-format=json has no timing data: only fresh/dirty units are known".to_owned()];
    if build_script_runs > 0 {
        warnings.push(format!(
            "{build_script_runs} build-script runs are not counted: their messages do not say whether they re-ran"
        ));
    }
    Ok(Parsed { build, warnings })
}

pub(crate) fn read_build_finished(v: &Value, build: &mut Build) {
    if v.get("success").and_then(Value::as_bool) == Some(false) {
        build.error = Some("build failed".to_owned());
    }
}

/// A unit from a `compiler-artifact` message.
pub(crate) fn unit_from_artifact(v: &Value) -> Unit {
    let package = PackageId::parse(str_field(v, "package_id").unwrap_or(""));
    let target = v.get("target");
    let name = target.and_then(|t| str_field(t, "name")).unwrap_or(&package.name);
    let kind = target
        .and_then(|t| t.get("kind"))
        .and_then(Value::as_array)
        .and_then(|k| k.first())
        .and_then(Value::as_str)
        .and_then(TargetKind::from_cargo)
        .unwrap_or(TargetKind::Lib);
    let test = v.get("profile").and_then(|p| p.get("test")).and_then(Value::as_bool) == Some(true);
    let mut unit = Unit::new(&package.name, name, kind, if test { Mode::Test } else { Mode::Build });
    unit.version = package.version;
    unit.fresh = v.get("fresh").and_then(Value::as_bool) == Some(true);
    unit.features = crate::json::string_list(v, "features");
    unit
}
