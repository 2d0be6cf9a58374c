//! buildbench's vocabulary as types: the axes of a configuration and the scenarios a study runs.
//!
//! No IO and no process spawning: this crate is plain data shared by the runner, the reports and
//! the CLI. The words are the glossary of the design document, spelled the same everywhere.

mod vocabulary;

pub use vocabulary::{Backend, Cache, Linker, ParseWordError, Scenario, Word};
