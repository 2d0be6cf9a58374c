//! The parsers on real cargo outputs (`fixtures`) and on mutated ones (`robustness`): one test
//! binary for the crate.

mod complete;
mod fixtures;
mod robustness;
mod whatif;
