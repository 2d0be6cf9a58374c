//! `buildbench profile`: where the compiler's time goes, crate by crate, read from rustc's
//! `-Zself-profile` data; and the verdicts on the guide's frontend advice drawn from it.

use serde::{Deserialize, Serialize};

use crate::claims::Verdict;
use crate::{Environment, Scenario};

/// What rustc spent its time on, in the groups the guide speaks of. Every self-profile event
/// belongs to exactly one: its own label's group, else that of the activity it ran inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activity {
    /// Lexing and parsing the crate's source.
    Parsing,
    /// Expanding macros: proc macros, derives, `macro_rules!`, with the early name resolution
    /// that is interleaved with it.
    MacroExpansion,
    /// Late name resolution and lowering to HIR.
    NameResolution,
    /// Type collection, type checking, coherence and well-formedness checks.
    TypeChecking,
    /// Trait selection, evaluation and normalisation, wherever it is asked for.
    TraitSolving,
    /// The borrow checker.
    BorrowChecking,
    /// Building MIR and the MIR passes (including constant evaluation).
    Mir,
    /// Lint checks.
    Lints,
    /// Reading dependencies' metadata and writing the crate's own.
    Metadata,
    /// Frontend work outside the groups above.
    OtherFrontend,
    /// Incremental compilation's own bookkeeping (dependency graph, result hashing, caches).
    Incremental,
    /// Code generation: monomorphisation, the codegen backend and its passes.
    Codegen,
    /// The linker, and writing libraries.
    Link,
}

impl Activity {
    /// Every activity, in the order reports list them (the compiler's order).
    pub const ALL: [Activity; 13] = [
        Activity::Parsing,
        Activity::MacroExpansion,
        Activity::NameResolution,
        Activity::TypeChecking,
        Activity::TraitSolving,
        Activity::BorrowChecking,
        Activity::Mir,
        Activity::Lints,
        Activity::Metadata,
        Activity::OtherFrontend,
        Activity::Incremental,
        Activity::Codegen,
        Activity::Link,
    ];

    /// The words used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Parsing => "parsing",
            Activity::MacroExpansion => "macro-expansion",
            Activity::NameResolution => "name-resolution",
            Activity::TypeChecking => "type-checking",
            Activity::TraitSolving => "trait-solving",
            Activity::BorrowChecking => "borrow-checking",
            Activity::Mir => "mir",
            Activity::Lints => "lints",
            Activity::Metadata => "metadata",
            Activity::OtherFrontend => "other-frontend",
            Activity::Incremental => "incremental",
            Activity::Codegen => "codegen",
            Activity::Link => "link",
        }
    }

    /// A short human label (`type checking`).
    pub fn label(self) -> &'static str {
        match self {
            Activity::Parsing => "parsing",
            Activity::MacroExpansion => "macro expansion",
            Activity::NameResolution => "name resolution",
            Activity::TypeChecking => "type checking",
            Activity::TraitSolving => "trait solving",
            Activity::BorrowChecking => "borrow checking",
            Activity::Mir => "MIR",
            Activity::Lints => "lints",
            Activity::Metadata => "metadata",
            Activity::OtherFrontend => "other frontend",
            Activity::Incremental => "incremental",
            Activity::Codegen => "codegen",
            Activity::Link => "link",
        }
    }

    /// Frontend work: everything but code generation and linking (what `cargo check` also
    /// does).
    pub fn is_frontend(self) -> bool {
        !matches!(self, Activity::Codegen | Activity::Link)
    }
}

/// Seconds per activity.
pub type Activities = std::collections::BTreeMap<Activity, f64>;

/// What kind of compilation a profiled rustc run was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrateKind {
    /// A library (rlib, dylib, cdylib, staticlib).
    Lib,
    /// A binary, test, bench or example.
    Bin,
    /// A proc-macro crate.
    ProcMacro,
    /// A build script.
    BuildScript,
    /// A rustc run by a build script (feature probes): not a cargo unit.
    Probe,
}

impl CrateKind {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CrateKind::Lib => "lib",
            CrateKind::Bin => "bin",
            CrateKind::ProcMacro => "proc-macro",
            CrateKind::BuildScript => "build-script",
            CrateKind::Probe => "probe",
        }
    }
}

/// One rustc run of the profiled build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrateProfile {
    /// The crate's name as rustc knows it (`serde_json`; `build_script_build` for build scripts).
    pub name: String,
    /// The package it belongs to, where the command line tells (`serde_json`, `example-app`).
    pub package: Option<String>,
    /// The package's version, for registry and git dependencies (`1.0.228`).
    #[serde(default)]
    pub version: Option<String>,
    /// Library, binary, proc-macro, build script or probe.
    pub kind: CrateKind,
    /// A registry or git dependency (cargo capped its lints); path and workspace crates are
    /// the project's own.
    pub dependency: bool,
    /// From rustc's first to its last recorded event, in seconds.
    pub wall_seconds: f64,
    /// Self time per activity, summed over rustc's threads, in seconds.
    pub activities: Activities,
    /// Time in proc-macro expansion (part of `macro-expansion`), in seconds.
    pub proc_macro_seconds: f64,
    /// Self time of LLVM's own work (`LLVM_*` events: its passes, per-module optimisation and
    /// object emission; part of `codegen`), in seconds.
    #[serde(default)]
    pub llvm_seconds: f64,
    /// Codegen units the crate was split into (`codegen_module` events).
    #[serde(default)]
    pub codegen_units: u32,
}

impl CrateProfile {
    /// Self time over every activity.
    pub fn total(&self) -> f64 {
        self.activities.values().sum()
    }

    /// Self time in frontend activities.
    pub fn frontend(&self) -> f64 {
        self.activities.iter().filter(|(a, _)| a.is_frontend()).map(|(_, s)| s).sum()
    }

    /// Seconds in one activity.
    pub fn seconds(&self, activity: Activity) -> f64 {
        self.activities.get(&activity).copied().unwrap_or(0.0)
    }

    /// `serde_json`, `example-app (build script)`: how reports name the run.
    pub fn display_name(&self) -> String {
        let mut base = self.package.clone().unwrap_or_else(|| self.name.clone());
        if let Some(v) = &self.version {
            base = format!("{base} {v}");
        }
        match self.kind {
            CrateKind::BuildScript => format!("{base} (build script)"),
            CrateKind::Probe => format!("{base} (probe)"),
            CrateKind::Bin if self.package.as_deref().is_some_and(|p| p.replace('-', "_") != self.name) => {
                format!("{base} (bin {})", self.name)
            }
            _ => base,
        }
    }
}

/// How a macro is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MacroKind {
    /// `#[derive(Serialize)]`.
    Derive,
    /// `#[tokio::main]`.
    Attribute,
    /// `squares!(..)`.
    Bang,
}

/// One proc macro's expansions over the build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MacroCost {
    /// As rustc names the expansion (`#[derive(Serialize)]`, `#[tokio::main]`, `squares!`):
    /// the path as written at the call site.
    pub name: String,
    /// Derive, attribute or function-like.
    pub kind: MacroKind,
    /// Expansion time summed over every use, in seconds.
    pub seconds: f64,
    /// How many times it was expanded.
    pub expansions: u64,
    /// The crates that used it, costliest first.
    pub crates: Vec<String>,
}

/// One activity label of rustc (a query or a generic activity), over every crate, as
/// measureme's `summarize` lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryCost {
    /// rustc's label (`typeck`, `LLVM_passes`, `mir_borrowck`).
    pub label: String,
    /// The activity it counts towards when it has no enclosing one.
    pub activity: Activity,
    /// Self time (its own, without what ran inside it), in seconds.
    pub self_seconds: f64,
    /// How many times it ran.
    pub count: u64,
    /// In how many crates.
    pub crates: u32,
}

/// One profiled build (clean, or the rebuild after an edit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfiledBuild {
    /// Clean or incremental.
    pub scenario: Scenario,
    /// Wall time of the self-profiled cargo build, in seconds (with `span_only`, the span from
    /// rustc's first recorded event to its last).
    pub wall_seconds: f64,
    /// The profiles were read without building (`--from`): no cargo build was timed.
    #[serde(default)]
    pub span_only: bool,
    /// Wall time of the same build without self-profiling, in seconds, where it was measured.
    pub plain_seconds: Option<f64>,
    /// CPU time (user and system, every process of the build) of the self-profiled build.
    #[serde(default)]
    pub cpu_seconds: Option<f64>,
    /// CPU time of the build without self-profiling, where it was measured.
    #[serde(default)]
    pub plain_cpu_seconds: Option<f64>,
    /// Every rustc run that wrote a profile, costliest first.
    pub crates: Vec<CrateProfile>,
    /// Every proc macro expanded, costliest first.
    pub macros: Vec<MacroCost>,
    /// The labels with the most self time, costliest first (at most 40).
    pub queries: Vec<QueryCost>,
    /// Self time of every label, all crates, in seconds (the denominator of query shares).
    pub total_self_seconds: f64,
}

impl ProfiledBuild {
    /// Self time per activity over every crate.
    pub fn activities(&self) -> Activities {
        let mut out = Activities::new();
        for c in &self.crates {
            for (a, s) in &c.activities {
                *out.entry(*a).or_default() += s;
            }
        }
        out
    }

    /// Frontend self time over every crate.
    pub fn frontend(&self) -> f64 {
        self.crates.iter().map(CrateProfile::frontend).sum()
    }

    /// Proc-macro expansion time over every crate.
    pub fn proc_macro_seconds(&self) -> f64 {
        self.crates.iter().map(|c| c.proc_macro_seconds).sum()
    }

    /// How much slower self-profiling made the build (0.25 for 25%), where a plain build was
    /// measured.
    pub fn overhead(&self) -> Option<f64> {
        self.plain_seconds.filter(|p| *p > 0.0).map(|p| self.wall_seconds / p - 1.0)
    }

    /// How much more CPU time the self-profiled build used, where both were measured.
    pub fn cpu_overhead(&self) -> Option<f64> {
        match (self.cpu_seconds, self.plain_cpu_seconds) {
            (Some(c), Some(p)) if p > 0.0 => Some(c / p - 1.0),
            _ => None,
        }
    }
}

/// What splitting the project's own crate with the longest frontend would save, from the
/// plain build's unit graph replayed by `whatif`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitEstimate {
    /// The crate (package) with the longest frontend of the project's own.
    pub package: String,
    /// Its frontend (until its metadata was ready), in seconds.
    pub frontend_seconds: f64,
    /// The replayed build, in seconds.
    pub build_seconds: f64,
    /// The replayed build with that crate split into two independent halves, in seconds.
    pub split_seconds: f64,
    /// The project's own crate whose split would save the most, and the seconds it would.
    pub best: Option<(String, f64)>,
}

impl SplitEstimate {
    /// The share of the build the split would save.
    pub fn saving(&self) -> f64 {
        if self.build_seconds > 0.0 {
            (self.build_seconds - self.split_seconds).max(0.0) / self.build_seconds
        } else {
            0.0
        }
    }
}

/// A verdict on one of the guide's frontend advice, from shares of one profiled build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontendVerdict {
    /// Stable identifier (`proc-macros-expensive`).
    pub id: String,
    /// The advice as the guide words it.
    pub text: String,
    /// Holds, does not hold, inconclusive or not measured.
    pub verdict: Verdict,
    /// The measured share (0.23 for 23%), when measured.
    pub measured: Option<f64>,
    /// The share at which the advice is taken to hold.
    pub threshold: f64,
    /// `holds (threshold 10% of frontend time): measured 23% ...`.
    pub detail: String,
}

/// Shares closer to the threshold than this (relative: 0.15 × threshold) are inconclusive:
/// one profiled build, slowed unevenly by the profiler, cannot place them on either side.
pub const VERDICT_MARGIN: f64 = 0.15;

/// The share of frontend time in proc-macro expansion at which "proc macros are expensive"
/// holds.
pub const PROC_MACRO_THRESHOLD: f64 = 0.10;
/// The share of compile time in dependencies at which "fewer dependencies" holds.
pub const DEPENDENCY_THRESHOLD: f64 = 0.50;
/// The share of the build that splitting the longest own crate must save for "smaller crates"
/// to hold.
pub const SPLIT_THRESHOLD: f64 = 0.10;

fn judge(measured: f64, threshold: f64) -> Verdict {
    if measured >= threshold * (1.0 + VERDICT_MARGIN) {
        Verdict::Holds
    } else if measured <= threshold * (1.0 - VERDICT_MARGIN) {
        Verdict::DoesNotHold
    } else {
        Verdict::Inconclusive
    }
}

fn percent(x: f64) -> String {
    let p = x * 100.0;
    if p != 0.0 && p.abs() < 1.0 { format!("{p:.1}%") } else { format!("{p:.0}%") }
}

/// `0.4 ms`, `12.3 ms`, `1.25 s`.
fn precise(seconds: f64) -> String {
    if seconds < 1.0 { format!("{:.1} ms", seconds * 1000.0) } else { format!("{seconds:.2} s") }
}

fn verdict(
    id: &str,
    text: &str,
    threshold: f64,
    what: &str,
    measured: Option<(f64, String)>,
    why_not: &str,
) -> FrontendVerdict {
    let (verdict, value, detail) = match measured {
        Some((share, how)) => {
            let v = judge(share, threshold);
            (v, Some(share), format!("{} (threshold {} {what}): measured {how}", v.as_str(), percent(threshold)))
        }
        None => {
            (Verdict::NotMeasured, None, format!("not measured (threshold {} {what}): {why_not}", percent(threshold)))
        }
    };
    FrontendVerdict { id: id.to_owned(), text: text.to_owned(), verdict, measured: value, threshold, detail }
}

/// The verdicts on the guide's frontend advice for one profiled build.
///
/// - "proc macros are expensive": share of frontend time spent expanding proc macros, with the
///   costliest macro named;
/// - "fewer dependencies": share of all compile time spent in registry and git dependencies;
/// - "smaller crates": share of the build that splitting the project's own crate with the
///   longest frontend into two would save (`split`, from the plain build's unit graph).
pub fn frontend_verdicts(build: &ProfiledBuild, split: Result<&SplitEstimate, &str>) -> Vec<FrontendVerdict> {
    let frontend = build.frontend();
    let macro_share = (frontend > 0.0).then(|| {
        let share = build.proc_macro_seconds() / frontend;
        let top = build.macros.first().map_or_else(String::new, |m| {
            format!("; the costliest is {} ({} over {} expansions)", m.name, precise(m.seconds), m.expansions)
        });
        let crates: Vec<&CrateProfile> = build.crates.iter().filter(|c| c.kind == CrateKind::ProcMacro).collect();
        let compiling = crates.iter().map(|c| c.total()).fold(0.0, |a, b| a + b);
        let all = build.crates.iter().map(CrateProfile::total).fold(0.0, |a, b| a + b);
        let building = if crates.is_empty() || all <= 0.0 {
            String::new()
        } else {
            format!(
                "; compiling the {} proc-macro crate{} themselves took {compiling:.1} s ({} of compile time), and the code they generate is checked and compiled with each crate",
                crates.len(),
                if crates.len() == 1 { "" } else { "s" },
                percent(compiling / all)
            )
        };
        (share, format!("{} of frontend time expanding proc macros{top}{building}", percent(share)))
    });
    // `fold` from +0.0: an empty `sum` of floats is −0.0.
    let total = build.crates.iter().map(CrateProfile::total).fold(0.0, |a, b| a + b);
    let deps = build.crates.iter().filter(|c| c.dependency).map(CrateProfile::total).fold(0.0, |a, b| a + b);
    let dep_count = build.crates.iter().filter(|c| c.dependency && c.kind != CrateKind::Probe).count();
    let dep_share = (total > 0.0 && build.scenario == Scenario::Clean).then(|| {
        let share = deps / total;
        (
            share,
            format!("{} of compile time in {dep_count} dependency crates ({deps:.1} of {total:.1} s)", percent(share)),
        )
    });
    let split_share = split.ok().map(|s| {
        let best = s.best.as_ref().filter(|(p, _)| *p != s.package).map_or_else(String::new, |(p, saved)| {
            format!("; splitting {p} would save the most ({saved:.2} s)")
        });
        (
            s.saving(),
            format!(
                "splitting {} (frontend {:.2} s, the longest of the project's crates) in two would save {} of the build ({:.2} → {:.2} s){best}",
                s.package,
                s.frontend_seconds,
                percent(s.saving()),
                s.build_seconds,
                s.split_seconds
            ),
        )
    });
    vec![
        verdict(
            "proc-macros-expensive",
            "Proc macros are expensive (serde, tokio macros)",
            PROC_MACRO_THRESHOLD,
            "of frontend time",
            macro_share,
            "the build had no frontend time",
        ),
        verdict(
            "fewer-dependencies",
            "Fewer dependencies",
            DEPENDENCY_THRESHOLD,
            "of compile time",
            dep_share,
            "the build compiled no crate",
        ),
        verdict(
            "smaller-crates",
            "Smaller crates",
            SPLIT_THRESHOLD,
            "of the build saved",
            split_share,
            split.err().unwrap_or("no estimate"),
        ),
    ]
}

/// The result of `buildbench profile`, as `--format json` prints it (after the
/// `schema_version` every JSON output starts with).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileReport {
    /// The project folder.
    pub project: String,
    /// The machine and toolchain.
    pub environment: Environment,
    /// The nightly toolchain that profiled (`rustc 1.101.0-nightly (...)`).
    pub toolchain: String,
    /// Arguments passed to cargo.
    pub cargo_args: Vec<String>,
    /// The `-Zself-profile-events` used.
    pub events: String,
    /// The profiled builds: clean, then the rebuild after an edit when asked.
    pub builds: Vec<ProfiledBuild>,
    /// The "smaller crates" estimate, when the plain build's unit graph allowed one.
    pub split: Option<SplitEstimate>,
    /// The verdicts on the frontend advice, from the clean build.
    pub verdicts: Vec<FrontendVerdict>,
    /// Files the reader could not use, and why.
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate(name: &str, dependency: bool, frontend: f64, codegen: f64, macros: f64) -> CrateProfile {
        let mut activities = Activities::new();
        activities.insert(Activity::TypeChecking, frontend - macros);
        activities.insert(Activity::MacroExpansion, macros);
        activities.insert(Activity::Codegen, codegen);
        CrateProfile {
            name: name.into(),
            package: Some(name.into()),
            version: None,
            kind: CrateKind::Lib,
            dependency,
            wall_seconds: frontend + codegen,
            activities,
            proc_macro_seconds: macros,
            llvm_seconds: 0.0,
            codegen_units: 0,
        }
    }

    fn build(crates: Vec<CrateProfile>) -> ProfiledBuild {
        ProfiledBuild {
            scenario: Scenario::Clean,
            wall_seconds: 1.0,
            span_only: false,
            plain_seconds: Some(0.8),
            cpu_seconds: None,
            plain_cpu_seconds: None,
            crates,
            macros: vec![MacroCost {
                name: "#[derive(Serialize)]".into(),
                kind: MacroKind::Derive,
                seconds: 0.2,
                expansions: 3,
                crates: vec!["a".into()],
            }],
            queries: Vec::new(),
            total_self_seconds: 0.0,
        }
    }

    #[test]
    fn verdicts_follow_thresholds_with_a_margin() {
        let b = build(vec![krate("a", false, 1.0, 1.0, 0.2), krate("dep", true, 1.0, 1.0, 0.0)]);
        let v = frontend_verdicts(&b, Err("no library"));
        // 0.2 of 2.0 s frontend = 10%: on the threshold, inside the margin.
        assert_eq!(v[0].verdict, Verdict::Inconclusive, "{}", v[0].detail);
        assert!(v[0].detail.contains("#[derive(Serialize)] (200.0 ms over 3 expansions)"), "{}", v[0].detail);
        // Dependencies: 2 of 4 s = 50%: inconclusive.
        assert_eq!(v[1].verdict, Verdict::Inconclusive);
        assert_eq!(v[2].verdict, Verdict::NotMeasured);
        assert!(v[2].detail.ends_with(": no library"), "{}", v[2].detail);
        let b = build(vec![krate("a", false, 1.0, 1.0, 0.8), krate("dep", true, 4.0, 4.0, 0.0)]);
        let split = SplitEstimate {
            package: "a".into(),
            frontend_seconds: 1.0,
            build_seconds: 10.0,
            split_seconds: 9.5,
            best: Some(("b".into(), 0.6)),
        };
        let v = frontend_verdicts(&b, Ok(&split));
        assert_eq!(v[0].verdict, Verdict::Holds, "{}", v[0].detail);
        assert_eq!(v[1].verdict, Verdict::Holds, "{}", v[1].detail);
        assert_eq!(v[2].verdict, Verdict::DoesNotHold, "{}", v[2].detail);
        assert!(v[2].detail.contains("5% of the build"), "{}", v[2].detail);
        assert!(v[2].detail.contains("splitting b would save the most"), "{}", v[2].detail);
        assert!((b.overhead().unwrap() - 0.25).abs() < 1e-12);
    }

    #[test]
    fn frontend_excludes_codegen_and_link() {
        let c = krate("a", false, 1.0, 2.0, 0.1);
        assert!((c.frontend() - 1.0).abs() < 1e-12);
        assert!((c.total() - 3.0).abs() < 1e-12);
        assert!(Activity::ALL.iter().filter(|a| !a.is_frontend()).count() == 2);
    }
}
