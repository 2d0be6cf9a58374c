//! `cargo build --message-format=json` output: which units were fresh. It carries no timing.

use serde_json::Value;

use crate::json::{object_lines, parse_line, str_field};
use crate::{Build, Mode, PackageId, ParseError, Parsed, Source, TargetKind, Unit};

const FORMAT: &str = "--message-format=json output";

pub(crate) fn is_reason(reason: &str) -> bool {
    matches!(reason, "compiler-artifact" | "build-script-executed" | "build-finished" | "compiler-message")
}

pub(crate) fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut build = Build::empty(Source::MessageFormat);
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

/// One `compiler-artifact` message of `--message-format=json`: what cargo built and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactMessage {
    /// The raw `package_id` (`path+file:///src/app#0.1.0`, `registry+...#serde@1.0.0`).
    pub package_id: String,
    /// The target's name (the binary's, the library's).
    pub target: String,
    /// Cargo's target kinds (`bin`, `lib`, `cdylib`, `proc-macro`, `custom-build`, ...).
    pub kinds: Vec<String>,
    /// The executable, for binaries, tests, benches and examples.
    pub executable: Option<String>,
    /// Every file produced (`.rlib`, `.rmeta`, `.so`, ...).
    pub filenames: Vec<String>,
    /// Cargo did not rebuild it.
    pub fresh: bool,
    /// Built as a test harness.
    pub test: bool,
}

impl ArtifactMessage {
    fn from_value(v: &Value) -> ArtifactMessage {
        let target = v.get("target");
        let package_id = str_field(v, "package_id").unwrap_or("").to_owned();
        ArtifactMessage {
            target: target.and_then(|t| str_field(t, "name")).unwrap_or("").to_owned(),
            kinds: target.map(|t| crate::json::string_list(t, "kind")).unwrap_or_default(),
            executable: str_field(v, "executable").map(str::to_owned),
            filenames: crate::json::string_list(v, "filenames"),
            fresh: v.get("fresh").and_then(Value::as_bool) == Some(true),
            test: v.get("profile").and_then(|p| p.get("test")).and_then(Value::as_bool) == Some(true),
            package_id,
        }
    }
}

/// The `compiler-artifact` messages in cargo's JSON output; other lines (rendered
/// diagnostics, other messages, anything that is not JSON) are skipped.
pub fn artifact_messages(text: &str) -> Vec<ArtifactMessage> {
    object_lines(text)
        .filter_map(|(_, line)| serde_json::from_str::<Value>(line).ok())
        .filter(|v| str_field(v, "reason") == Some("compiler-artifact"))
        .map(|v| ArtifactMessage::from_value(&v))
        .collect()
}

/// A unit from a `compiler-artifact` message.
pub(crate) fn unit_from_artifact(v: &Value) -> Unit {
    let message = ArtifactMessage::from_value(v);
    let package = PackageId::parse(&message.package_id);
    let name = if message.target.is_empty() { &package.name } else { &message.target };
    let kind = message.kinds.first().and_then(|k| TargetKind::from_cargo(k)).unwrap_or(TargetKind::Lib);
    let mut unit = Unit::new(&package.name, name, kind, if message.test { Mode::Test } else { Mode::Build });
    unit.version = package.version;
    unit.fresh = message.fresh;
    unit.features = crate::json::string_list(v, "features");
    unit
}
