//! Runs builds: the only crate of buildbench that spawns processes.
//!
//! Every process is first built as a value (`Invocation`) that can print itself as an exact
//! shell line, so `--dry-run`, logs and error messages show precisely what runs. A study runs
//! on a copy of the user's project (or in place, with every edited file restored), each
//! configuration in its own target directory.

pub mod cargo;
pub mod cpu;
pub mod doctor;
pub mod edit;
mod elf;
mod error;
pub mod exec;
mod execute;
pub mod fsutil;
mod invocation;
pub mod link;
pub mod linkwrap;
pub mod lock;
mod observer;
pub mod paths;
pub mod plan;
mod prepare;
pub mod probe;
pub mod project;
pub mod record;
pub mod revision;
mod sccache;
pub mod selfprofile;
pub mod watchdog;

pub use elf::linker_of;
pub use error::RunnerError;
pub use exec::{Executor, Outcome, ProcessExecutor, Replay};
pub use execute::{run, run_with};
pub use invocation::{Invocation, shell_quote};
pub use observer::{Event, Observer, Rounds, Silent};
pub use prepare::{Prepared, StudyOptions, prepare, schedule};
pub use sccache::Sccache;
