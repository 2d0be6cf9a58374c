//! The one model every cargo timing format is parsed into: a `Build` with its `Unit`s.

use serde::Serialize;

/// Which cargo output a `Build` was read from. Detected from the content, never the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// `cargo build --timings` HTML report (cargo 1.60 and later).
    Html,
    /// The `-Zbuild-analysis` JSON-lines log (cargo 1.93 nightly and later).
    BuildAnalysis,
    /// `--timings=json` `timing-info` lines on stdout (cargo 1.60 to 1.93, unstable).
    TimingInfo,
    /// `--message-format=json` output: which units were fresh, no timing.
    MessageFormat,
}

impl Source {
    /// The name used in output and in `--format json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Html => "html",
            Source::BuildAnalysis => "build-analysis",
            Source::TimingInfo => "timing-info",
            Source::MessageFormat => "message-format",
        }
    }
}

/// The kind of cargo target a unit compiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Lib,
    /// A proc-macro library. Only some formats say so; elsewhere proc-macros are `Lib`.
    ProcMacro,
    Bin,
    Test,
    Bench,
    Example,
    /// A build script: its compilation (mode `build`) or its execution (mode `run-custom-build`).
    BuildScript,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Lib => "lib",
            TargetKind::ProcMacro => "proc-macro",
            TargetKind::Bin => "bin",
            TargetKind::Test => "test",
            TargetKind::Bench => "bench",
            TargetKind::Example => "example",
            TargetKind::BuildScript => "build-script",
        }
    }

    /// Maps cargo's target kind words (`lib`, `rlib`, `proc-macro`, `custom-build`, ...).
    pub fn from_cargo(word: &str) -> Option<TargetKind> {
        Some(match word {
            "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" => TargetKind::Lib,
            "proc-macro" => TargetKind::ProcMacro,
            "bin" => TargetKind::Bin,
            "test" => TargetKind::Test,
            "bench" => TargetKind::Bench,
            "example" => TargetKind::Example,
            "build-script" | "custom-build" => TargetKind::BuildScript,
            _ => return None,
        })
    }
}

/// What cargo did with the target: cargo's `CompileMode`, in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Build,
    Check,
    Test,
    Doc,
    Doctest,
    Docscrape,
    /// Running a compiled build script.
    RunCustomBuild,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Build => "build",
            Mode::Check => "check",
            Mode::Test => "test",
            Mode::Doc => "doc",
            Mode::Doctest => "doctest",
            Mode::Docscrape => "docscrape",
            Mode::RunCustomBuild => "run-custom-build",
        }
    }

    /// Maps the mode words of the build-analysis log and `timing-info` lines.
    pub fn from_cargo(word: &str) -> Option<Mode> {
        Some(match word {
            "build" => Mode::Build,
            "check" => Mode::Check,
            "test" => Mode::Test,
            "doc" => Mode::Doc,
            "doctest" => Mode::Doctest,
            "docscrape" => Mode::Docscrape,
            "run-custom-build" => Mode::RunCustomBuild,
            _ => return None,
        })
    }
}

/// One named part of a unit's time (`frontend`, `codegen`, `link`, `other`), relative to unit start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Lower-cased section name; any name is accepted.
    pub name: String,
    /// Seconds from the unit's start.
    pub start: f64,
    /// Seconds from the unit's start; `None` when cargo did not record the end.
    pub end: Option<f64>,
}

/// One cargo compilation unit: one rustc or build-script invocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    /// Cargo's unit id (`i` in HTML, `index` in the log). Referenced by `unblocked*` and
    /// `dependencies`. Not stable across cargo versions.
    pub id: Option<u64>,
    /// Package name.
    pub name: String,
    /// Package version, where the format gives it.
    pub version: Option<String>,
    /// Target name (for a library, the package name).
    pub target: String,
    pub kind: TargetKind,
    pub mode: Mode,
    /// True when the unit was up to date and did not run.
    pub fresh: bool,
    /// True when the unit started and never finished (a failed compilation).
    pub failed: bool,
    /// Seconds from cargo's start; `None` when the format has no start times.
    pub start: Option<f64>,
    /// Seconds the unit ran; `None` when the format has no timing.
    pub duration: Option<f64>,
    /// Seconds from unit start until its `.rmeta` was ready (end of the frontend), where known.
    pub rmeta_time: Option<f64>,
    /// Sections as reported (cargo ≥ 1.91), names lower-cased.
    pub sections: Vec<Section>,
    pub features: Vec<String>,
    /// Ids of the units this one depends on (build-analysis log only).
    pub dependencies: Vec<u64>,
    /// Ids of units that became runnable when this unit finished.
    pub unblocked: Vec<u64>,
    /// Ids of units that became runnable when this unit's metadata was ready.
    pub unblocked_rmeta: Vec<u64>,
    /// CPU seconds of the unit's processes, where measured (no cargo format records it;
    /// `compare` does).
    pub cpu_seconds: Option<f64>,
}

impl Unit {
    /// A unit of the given identity with no timing data yet.
    pub fn new(name: &str, target: &str, kind: TargetKind, mode: Mode) -> Unit {
        Unit {
            id: None,
            name: name.to_owned(),
            version: None,
            target: target.to_owned(),
            kind,
            mode,
            fresh: false,
            failed: false,
            start: None,
            duration: None,
            rmeta_time: None,
            sections: Vec::new(),
            features: Vec::new(),
            dependencies: Vec::new(),
            unblocked: Vec::new(),
            unblocked_rmeta: Vec::new(),
            cpu_seconds: None,
        }
    }

    /// True when the unit actually ran in this build.
    pub fn ran(&self) -> bool {
        !self.fresh
    }

    /// End time of the unit (start + duration), when both are known.
    pub fn end(&self) -> Option<f64> {
        Some(self.start? + self.duration?)
    }

    /// Total seconds of all sections with this name.
    pub fn section_seconds(&self, name: &str) -> Option<f64> {
        let mut found = None;
        for s in self.sections.iter().filter(|s| s.name == name) {
            let end = s.end.or(self.duration)?;
            *found.get_or_insert(0.0) += (end - s.start).max(0.0);
        }
        found
    }

    /// A human-readable label: `name v1.0 (build-script run)`.
    pub fn label(&self) -> String {
        let mut out = self.name.clone();
        if let Some(v) = &self.version {
            out.push_str(" v");
            out.push_str(v);
        }
        let what = match (self.kind, self.mode) {
            (TargetKind::BuildScript, Mode::RunCustomBuild) => "build-script run".to_owned(),
            (TargetKind::Lib, Mode::Build) => String::new(),
            (TargetKind::Lib | TargetKind::ProcMacro | TargetKind::BuildScript, m) => {
                let k = self.kind.as_str();
                if m == Mode::Build { k.to_owned() } else { format!("{k} {}", m.as_str()) }
            }
            (k, m) => {
                let base = format!("{} \"{}\"", k.as_str(), self.target);
                if m == Mode::Build { base } else { format!("{base} {}", m.as_str()) }
            }
        };
        if !what.is_empty() {
            out.push_str(" (");
            out.push_str(&what);
            out.push(')');
        }
        out
    }
}

/// One build as read from one timing output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Build {
    pub format: Source,
    /// Cargo version (`1.95.0`, `1.97.0-nightly`). Cargo and rustc of one toolchain share it, so
    /// formats that only name rustc give rustc's.
    pub cargo_version: Option<String>,
    /// The full rustc version line, where given.
    pub rustc_version: Option<String>,
    /// Profile name (`dev`, `release`, ...).
    pub profile: Option<String>,
    pub host: Option<String>,
    /// `-j` of the build.
    pub jobs: Option<u32>,
    /// CPUs cargo saw.
    pub ncpu: Option<u32>,
    /// Build start timestamp as cargo printed it.
    pub build_start: Option<String>,
    /// Total build time in seconds as cargo reported it, or the end of the last unit.
    pub total_seconds: Option<f64>,
    pub fresh_units: Option<u32>,
    pub dirty_units: Option<u32>,
    pub total_units: Option<u32>,
    /// The requested root targets, as cargo listed them.
    pub targets: Vec<String>,
    /// False when the format cannot tell proc-macro crates from libraries (cargo ≥ 1.94 HTML
    /// with `-Zsection-timings`); their time then counts as library time.
    pub proc_macros_known: bool,
    /// Cargo's error summary of a failed build (`1 job failed`).
    pub error: Option<String>,
    pub units: Vec<Unit>,
    /// What `complete` added to the units' dependencies from `cargo metadata`, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<crate::Completion>,
}

impl Build {
    pub(crate) fn empty(format: Source) -> Build {
        Build {
            format,
            cargo_version: None,
            rustc_version: None,
            profile: None,
            host: None,
            jobs: None,
            ncpu: None,
            build_start: None,
            total_seconds: None,
            fresh_units: None,
            dirty_units: None,
            total_units: None,
            targets: Vec::new(),
            proc_macros_known: true,
            error: None,
            units: Vec::new(),
            completion: None,
        }
    }

    /// Fills unit counts from the units when the format has no summary of its own.
    pub(crate) fn count_units(&mut self) {
        let fresh = self.units.iter().filter(|u| u.fresh).count();
        let total = self.units.len();
        self.fresh_units.get_or_insert(to_u32(fresh));
        self.dirty_units.get_or_insert(to_u32(total - fresh));
        self.total_units.get_or_insert(to_u32(total));
    }

    /// Adds every dependency edge the package graph implies to the units (see `complete`), once.
    pub fn complete(&mut self, graph: &crate::PackageGraph) -> &crate::Completion {
        let completion = match self.completion.take() {
            Some(done) => done,
            None => crate::complete(&mut self.units, graph),
        };
        self.completion.insert(completion)
    }

    /// How much of the unit graph is known.
    pub fn edges(&self) -> crate::Edges {
        if self.completion.is_some() {
            crate::Edges::Completed
        } else if self.units.iter().any(|u| !u.dependencies.is_empty()) {
            crate::Edges::Listed
        } else {
            crate::Edges::Partial
        }
    }

    /// True when the build failed (cargo reported an error or a unit never finished).
    pub fn failed(&self) -> bool {
        self.error.is_some() || self.units.iter().any(|u| u.failed)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The result of parsing: the build plus anything odd that did not stop parsing.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub build: Build,
    /// Unknown fields, unexpected values and other things a newer cargo may have changed.
    pub warnings: Vec<String>,
}

/// Extracts `1.95.0` or `1.97.0-nightly` from `rustc 1.95.0 (59807616e 2026-04-14)`.
pub(crate) fn version_from_rustc_line(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix("rustc ").unwrap_or(line.trim());
    let word = rest.split_whitespace().next()?;
    word.starts_with(|c: char| c.is_ascii_digit()).then(|| word.to_owned())
}
