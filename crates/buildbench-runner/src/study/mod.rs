//! A study: the plan of its steps, the checks before anything runs, the revisions of a rev
//! study, and running the steps.

pub(crate) mod execute;
pub mod plan;
pub(crate) mod prepare;
pub mod revision;
