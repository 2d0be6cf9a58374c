//! buildbench's vocabulary as types: the axes of a configuration, scenarios, samples, runs and
//! the study file, plus the statistics computed over them.
//!
//! No IO and no process spawning: this crate is plain data shared by the runner, the reports and
//! the CLI. The words are the glossary of the design document, spelled the same everywhere.

// Input-derived data never panics this crate: no indexing, unwrap, expect or panic outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used))]
// The study types are the `study.json` schema: every public item is documented.
#![deny(missing_docs)]

pub mod across_studies;
pub mod cargo_args;
mod checkup;
pub mod claims;
pub mod diff;
pub mod gate;
pub mod history;
pub mod link;
pub mod linker;
mod merge;
pub mod profile;
pub mod stats;
mod study;
pub mod tune;
mod vocabulary;

pub use checkup::{Checkup, ToolCheck, ToolchainCheck};
pub use link::{LinkLevel, LinkStudy, LinkerResult, LinkerStatus};
pub use linker::{Linker, linker_family};
pub use merge::{MergeError, fingerprint, merge, software};
pub use study::{
    Artifact, Block, Cells, Configuration, Environment, Invocation, Link, MAX_SECONDS, OwnLinker, Plan, Purpose,
    Revision, SCHEMA_VERSION, Sample, SccacheStats, ShardBy, Study, ToolInfo, ToolchainInfo, Unavailable, UnitTiming,
    failure_reason, revision_name, source_error,
};
pub use vocabulary::{Backend, Cache, Debuginfo, ParseWordError, Scenario, Word};
