//! Processes: a command as a value, running and measuring it, the CPU time of a build's units,
//! the watchdog that cleans up after a dead buildbench, the linker wrapper and sccache servers.

pub mod cpu;
pub mod exec;
pub(crate) mod invocation;
pub mod linkwrap;
pub(crate) mod sccache;
pub mod watchdog;
