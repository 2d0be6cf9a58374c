//! One cargo build: the tools it runs with, the project it builds, its command line and
//! environment, and what it leaves behind as a `Sample`.

pub mod cargo;
pub(crate) mod elf;
pub mod probe;
pub mod project;
pub mod record;
