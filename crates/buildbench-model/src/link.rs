//! `buildbench link`: link-only measurements, as saved and printed with `--format json`.

use serde::{Deserialize, Serialize};

use crate::{Debuginfo, Environment, Linker};

/// What became of one linker in `buildbench link`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkerStatus {
    /// Every relink worked and was checked.
    Ok,
    /// A relink failed or its output was broken (see `error`).
    Failed,
    /// The linker is not installed (see `error` and `install`).
    Unavailable,
}

impl LinkerStatus {
    /// The word used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkerStatus::Ok => "ok",
            LinkerStatus::Failed => "failed",
            LinkerStatus::Unavailable => "unavailable",
        }
    }
}

/// Every debuginfo level's relink measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkStudy {
    /// The project folder.
    pub project: String,
    /// The machine and toolchain fingerprint.
    pub environment: Environment,
    /// The linker the toolchain uses unchanged (`LLD 22.1.2 (rust-lld)`).
    pub default_linker: Option<String>,
    /// Measured relinks per linker and level (after one warm-up).
    pub runs: u32,
    /// Wall seconds of the whole `buildbench link` run, builds included.
    pub total_seconds: f64,
    /// How many times the verdicts could be looked at: 1, or with `--until-verdict` one look
    /// per round from the third on. Verdict intervals are corrected for every look.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub looks: u32,
    /// One entry per debuginfo level (each is one capture build).
    pub levels: Vec<LinkLevel>,
}

/// One debuginfo level: the captured links and each linker's times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkLevel {
    /// The debuginfo level of the capture build.
    pub debuginfo: Debuginfo,
    /// The final artifacts whose links are replayed, with the size of the original output.
    pub artifacts: Vec<(String, u64)>,
    /// Seconds the capture build took.
    pub build_seconds: f64,
    /// One result per linker.
    pub linkers: Vec<LinkerResult>,
}

/// One linker at one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkerResult {
    /// The linker.
    pub linker: Linker,
    /// `ok`, `failed` (see `error`) or `unavailable` (see `error` and `install`).
    pub status: LinkerStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Why it failed or is unavailable.
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The command that installs a missing linker.
    pub install: Option<String>,
    /// Seconds per measured run: all artifacts of the level relinked once.
    pub samples: Vec<f64>,
    /// Total size of the relinked outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<u64>,
    /// The linker named inside the relinked output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_by: Option<String>,
    /// How the relinked output was checked (`runs --version like the original`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// The verdicts of `buildbench link` on "mold links 2-5x faster": mold against the default
/// linker and against GNU ld, each from relink times, as one family of two decisions looked at
/// `looks` times (Bonferroni: confidence 1 − 0.05/(2·looks)). `None` where a side is missing.
pub fn mold_verdicts(
    default: &[f64],
    bfd: &[f64],
    mold: &[f64],
    looks: u32,
) -> Vec<(&'static str, Option<crate::stats::Comparison>, crate::claims::Verdict)> {
    let Some(claim) = crate::claims::builtin_claim("mold-link") else { return Vec::new() };
    let settings = crate::stats::Settings {
        confidence: 1.0 - 0.05 / (2 * looks.max(1)) as f64,
        ..crate::stats::Settings::wall(0.02)
    };
    [("default", default), ("bfd", bfd)]
        .into_iter()
        .map(|(other, reference)| {
            let c = if mold.is_empty() { None } else { crate::stats::compare_with(reference, mold, &settings) };
            let verdict = crate::claims::check(c.as_ref(), claim.low);
            (other, c, verdict)
        })
        .collect()
}
