//! `buildbench doctor`: what can run here and what would spoil a measurement.

use serde::{Deserialize, Serialize};

/// One installed toolchain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolchainCheck {
    /// The rustup name (`stable`, `nightly`), or `default`.
    pub name: String,
    /// `rustc -V` of the toolchain.
    pub rustc: String,
    /// The linker it uses unchanged, read from a probe binary.
    pub default_linker: Option<String>,
    /// The Cranelift codegen backend is installed in this toolchain.
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
    /// What the tool says of its version, `None` when it is not installed.
    pub version: Option<String>,
    /// The command that installs it, when it is missing.
    pub install: Option<String>,
}

/// Everything `doctor` found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkup {
    /// Every rustup toolchain found, with its real default linker.
    pub toolchains: Vec<ToolchainCheck>,
    /// Linkers `compare` and `link` can use.
    pub linkers: Vec<ToolCheck>,
    /// Compilation caches (sccache).
    pub caches: Vec<ToolCheck>,
    /// Milliseconds a rustup proxy adds to each `rustc` call, when `rustc` on PATH is one.
    pub proxy_overhead_ms: Option<f64>,
    /// What would spoil measurements, each with what to do.
    pub warnings: Vec<String>,
    /// Facts worth knowing that need no action.
    pub notes: Vec<String>,
}
