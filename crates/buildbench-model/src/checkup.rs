//! `buildbench doctor`: what can run here and what would spoil a measurement.

use serde::{Deserialize, Serialize};

/// One installed toolchain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolchainCheck {
    pub name: String,
    pub rustc: String,
    /// The linker it uses unchanged, read from a probe binary.
    pub default_linker: Option<String>,
    pub cranelift: bool,
    /// How to add Cranelift when it is missing.
    pub cranelift_install: Option<String>,
}

/// A linker or cache: found with its version, or the command that installs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCheck {
    /// The word used in `--linker` / `--cache`.
    pub name: String,
    /// The program looked up on PATH.
    pub program: String,
    pub version: Option<String>,
    pub install: Option<String>,
}

/// Everything `doctor` found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkup {
    pub toolchains: Vec<ToolchainCheck>,
    pub linkers: Vec<ToolCheck>,
    pub caches: Vec<ToolCheck>,
    /// Milliseconds a rustup proxy adds to each `rustc` call, when `rustc` on PATH is one.
    pub proxy_overhead_ms: Option<f64>,
    /// What would spoil measurements, each with what to do.
    pub warnings: Vec<String>,
    /// Facts worth knowing that need no action.
    pub notes: Vec<String>,
}
