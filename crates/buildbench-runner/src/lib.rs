//! Runs builds: the only crate of buildbench that spawns processes.
//!
//! Every process is first built as a value (`Invocation`) that can print itself as an exact
//! shell line, so `--dry-run`, logs and error messages show precisely what runs. A study runs
//! on a copy of the user's project (or in place, with every edited file restored), each
//! configuration in its own target directory.

pub mod apply;
mod build;
pub mod doctor;
mod error;
mod files;
pub mod link;
mod observer;
mod process;
pub mod selfprofile;
mod study;

// The files are grouped by job (processes, files, one build, a study); the modules the CLI
// and the tests use keep their flat paths (`buildbench_runner::exec`, `buildbench_runner::plan`).
pub use build::{cargo, probe, project, record};
pub use files::{edit, fsutil, lock, paths};
pub use process::{cpu, exec, linkwrap, watchdog};
pub use study::{plan, revision};

pub use build::elf::linker_of;
pub use error::RunnerError;
pub use exec::{Executor, Outcome, ProcessExecutor, Replay};
pub use observer::{Event, Observer, Rounds, Silent};
pub use process::invocation::{Invocation, shell_quote};
pub use process::sccache::Sccache;
pub use study::execute::{run, run_with};
pub use study::prepare::{Prepared, StudyOptions, forget_configurations, prepare, schedule};
