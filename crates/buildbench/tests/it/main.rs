//! End-to-end tests of the `buildbench` and `cargo-buildbench` executables: real cargo builds of
//! the projects in `fixtures/projects/`, real linkers, real sccache, a real browser.
//!
//! One test binary for the crate (each file or folder under `tests/` is a binary of its own,
//! linked on every test run), but for the tests that measure timing (`tests/timing/`); one
//! module per subcommand, and `support` for what they share.

mod apply;
mod browser;
mod ci_script;
mod compare;
mod doctor;
mod link;
mod profile;
mod report;
mod rev;
mod support;
mod tidy;
mod timings;
mod tune;
mod vocabulary;
