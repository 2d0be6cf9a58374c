//! The `-Zbuild-analysis` JSON-lines log (cargo 1.93 nightly and later; stable with `RUSTC_BOOTSTRAP=1`).
//!
//! Rebuilt into HTML-equivalent data the way `cargo report timings` does: start = `unit-started`,
//! duration = `unit-finished` − start, sections relative to start, fresh from `unit-fingerprint`.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use crate::json::{
    complete_sections, f64_field, object_lines, parse_line, str_field, string_list, u32_field, u64_field, u64_list,
};
use crate::model::version_from_rustc_line;
use crate::{Build, Mode, PackageId, ParseError, Parsed, Section, Source, TargetKind, Unit};

const FORMAT: &str = "build-analysis log";

const REASONS: &[&str] = &[
    "build-started",
    "resolution-started",
    "resolution-finished",
    "unit-graph-started",
    "unit-graph-finished",
    "unit-registered",
    "unit-fingerprint",
    "unit-started",
    "unit-rmeta-finished",
    "unit-section-started",
    "unit-section-finished",
    "unit-finished",
    "rebuild",
];

pub(crate) fn is_reason(reason: &str) -> bool {
    REASONS.contains(&reason)
}

#[derive(Default)]
struct State {
    units: Vec<Unit>,
    by_index: HashMap<u64, usize>,
    finished: BTreeSet<usize>,
    started: BTreeSet<usize>,
    unknown_reasons: BTreeSet<String>,
    unknown_units: usize,
}

pub(crate) fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut state = State::default();
    let mut build = Build::empty(Source::BuildAnalysis);
    for (number, line) in object_lines(text) {
        let v = parse_line(line, number, FORMAT)?;
        state.read(&v, &mut build);
    }
    let warnings = state.warnings();
    state.close_units();
    build.units = state.units;
    build.total_seconds = crate::analysis::last_end(&build.units).or(Some(0.0));
    if build.units.iter().any(|u| u.failed) {
        build.error = Some(format!("{} unit(s) did not finish", build.units.iter().filter(|u| u.failed).count()));
    }
    build.count_units();
    Ok(Parsed { build, warnings })
}

impl State {
    /// Reads one line of the log, `v`, into the units (or, for `build-started`, into `build`).
    fn read(&mut self, v: &Value, build: &mut Build) {
        match str_field(v, "reason").unwrap_or("") {
            "build-started" => read_build_started(v, build),
            "unit-registered" => {
                let unit = unit_from_identity(v);
                self.insert(u64_field(v, "index"), unit);
            }
            "unit-fingerprint" => {
                if let Some(unit) = self.unit_mut(v) {
                    unit.fresh = str_field(v, "status") == Some("fresh");
                }
            }
            "unit-started" => self.unit_started(v),
            "unit-rmeta-finished" => {
                if let Some(unit) = self.unit_mut(v) {
                    unit.rmeta_time = relative(v, unit);
                    unit.unblocked_rmeta = u64_list(v, "unblocked");
                }
            }
            "unit-section-started" => {
                if let Some(unit) = self.unit_mut(v)
                    && let (Some(start), Some(name)) = (relative(v, unit), str_field(v, "section"))
                {
                    unit.sections.push(Section { name: name.to_lowercase(), start, end: None });
                }
            }
            "unit-section-finished" => self.section_finished(v),
            "unit-finished" => {
                if let Some(i) = self.lookup(v)
                    && let Some(unit) = self.units.get_mut(i)
                {
                    self.finished.insert(i);
                    unit.duration = relative(v, unit);
                    unit.unblocked = u64_list(v, "unblocked");
                }
            }
            r if is_reason(r) => {}
            other => {
                self.unknown_reasons.insert(other.to_owned());
            }
        }
    }

    /// A `unit-started` line: the unit's start (it is not fresh). The 1.93 log has no
    /// registration lines: the identity comes with the start.
    fn unit_started(&mut self, v: &Value) {
        if v.get("package_id").is_some() && self.lookup(v).is_none() {
            let unit = unit_from_identity(v);
            self.insert(u64_field(v, "index"), unit);
        }
        if let Some(i) = self.lookup(v)
            && let Some(unit) = self.units.get_mut(i)
        {
            self.started.insert(i);
            unit.fresh = false;
            unit.start = f64_field(v, "elapsed");
        } else {
            self.unknown_units += 1;
        }
    }

    /// A `unit-section-finished` line: the end of the unit's last open section of that name.
    fn section_finished(&mut self, v: &Value) {
        if let Some(unit) = self.unit_mut(v) {
            let end = relative(v, unit);
            let name = str_field(v, "section").unwrap_or("").to_lowercase();
            if let Some(section) = unit.sections.iter_mut().rev().find(|s| s.name == name && s.end.is_none()) {
                section.end = end;
            }
        }
    }

    /// What the log had that was not read: unknown reasons, events of unknown units.
    fn warnings(&self) -> Vec<String> {
        let mut warnings: Vec<String> =
            self.unknown_reasons.iter().map(|r| format!("unknown log message reason {r:?}; ignored")).collect();
        if self.unknown_units > 0 {
            warnings.push(format!("{} events name a unit that was never registered; ignored", self.unknown_units));
        }
        warnings
    }

    /// After the last line: marks the units that started and never finished as failed, closes
    /// every unit's sections and marks the proc-macros.
    fn close_units(&mut self) {
        for (i, unit) in self.units.iter_mut().enumerate() {
            if self.started.contains(&i) && !self.finished.contains(&i) {
                // A unit that started and never finished failed (cargo writes no finish line for it).
                unit.failed = true;
                unit.duration = None;
            }
            finish_sections(unit);
        }
        mark_proc_macros(&mut self.units, &self.finished);
    }

    fn insert(&mut self, index: Option<u64>, mut unit: Unit) {
        unit.id = index;
        let position = self.units.len();
        self.units.push(unit);
        if let Some(index) = index {
            self.by_index.insert(index, position);
        }
    }

    fn lookup(&self, v: &Value) -> Option<usize> {
        self.by_index.get(&u64_field(v, "index")?).copied()
    }

    fn unit_mut(&mut self, v: &Value) -> Option<&mut Unit> {
        match self.lookup(v) {
            Some(i) => self.units.get_mut(i),
            None => {
                self.unknown_units += 1;
                None
            }
        }
    }
}

fn read_build_started(v: &Value, build: &mut Build) {
    build.cargo_version = str_field(v, "rustc_version").map(str::to_owned);
    build.rustc_version = str_field(v, "rustc_version_verbose")
        .and_then(|s| s.lines().next())
        .map(str::to_owned)
        .or_else(|| build.cargo_version.as_ref().map(|v| format!("rustc {v}")));
    if build.cargo_version.is_none() {
        build.cargo_version = build.rustc_version.as_deref().and_then(version_from_rustc_line);
    }
    build.host = str_field(v, "host").map(str::to_owned);
    build.profile = str_field(v, "profile").map(str::to_owned);
    build.jobs = u32_field(v, "jobs");
    build.ncpu = u32_field(v, "num_cpus");
    build.build_start = str_field(v, "timestamp").map(str::to_owned);
}

/// A unit from `package_id`, `target` {name, kind} and `mode`.
fn unit_from_identity(v: &Value) -> Unit {
    let package = PackageId::parse(str_field(v, "package_id").unwrap_or(""));
    let target = v.get("target");
    let target_name = target.and_then(|t| str_field(t, "name")).unwrap_or(&package.name);
    let kind = target
        .and_then(|t| t.get("kind"))
        .and_then(|k| k.as_str().or_else(|| k.as_array()?.first()?.as_str()))
        .and_then(TargetKind::from_cargo)
        .unwrap_or(TargetKind::Lib);
    let mode = str_field(v, "mode").and_then(Mode::from_cargo).unwrap_or(Mode::Build);
    let mut unit = Unit::new(&package.name, target_name, kind, mode);
    unit.version = package.version;
    unit.features = string_list(v, "features");
    unit.dependencies = u64_list(v, "dependencies");
    unit
}

/// `elapsed` of this event relative to the unit's start.
fn relative(v: &Value, unit: &Unit) -> Option<f64> {
    Some(f64_field(v, "elapsed")? - unit.start?)
}

/// Gives the sections the same shape as the HTML report's: implicit `frontend` and `other`,
/// or the rmeta-derived `frontend`/`codegen` pair when rustc reported no sections.
fn finish_sections(unit: &mut Unit) {
    if unit.sections.is_empty() {
        if let (Some(rmeta), Some(duration)) = (unit.rmeta_time, unit.duration) {
            unit.sections = vec![
                Section { name: "frontend".to_owned(), start: 0.0, end: Some(rmeta) },
                Section { name: "codegen".to_owned(), start: rmeta, end: Some(duration) },
            ];
        }
        return;
    }
    complete_sections(&mut unit.sections, unit.duration);
}

/// The log calls proc-macro targets `lib`; they are the compiled libraries that never emit rmeta.
fn mark_proc_macros(units: &mut [Unit], finished: &BTreeSet<usize>) {
    for (i, unit) in units.iter_mut().enumerate() {
        if unit.kind == TargetKind::Lib
            && unit.mode == Mode::Build
            && finished.contains(&i)
            && unit.rmeta_time.is_none()
        {
            unit.kind = TargetKind::ProcMacro;
        }
    }
}
