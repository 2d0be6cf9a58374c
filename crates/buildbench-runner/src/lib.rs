//! Runs builds: the only crate of buildbench that spawns processes.
//!
//! Every process is first built as a value (`Invocation`) that can print itself as an exact
//! shell line, so `--dry-run`, logs and error messages show precisely what runs.

mod invocation;

pub use invocation::{Invocation, shell_quote};
