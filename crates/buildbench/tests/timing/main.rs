//! End-to-end tests that measure timing on purpose: shards on runners slowed by CPU burners
//! (`shards`), `-j1` and `-j2` builds predicted from each other (`whatif`), a history of five
//! real commits (`history`) and the rev gate on a machine slowed mid-study (`gate`).
//!
//! One test binary apart from `it`: cargo runs test binaries one after another, so no test of
//! `it` builds beside these. Inside this binary, every test takes [`alone`] for its whole
//! duration, so no two of them build (or burn CPUs) at the same time: a measurement is only as
//! good as the machine it has to itself.

use std::sync::{Mutex, MutexGuard};

#[allow(dead_code)]
#[path = "../it/support.rs"]
mod support;

mod gate;
mod history;
mod shards;
mod whatif;

/// Held by every test of this binary for its whole duration.
static BUILDS: Mutex<()> = Mutex::new(());

/// Takes the machine for the calling test until the guard is dropped; a test that failed
/// while holding it does not fail the others (the lock's poison is ignored).
pub fn alone() -> MutexGuard<'static, ()> {
    BUILDS.lock().unwrap_or_else(|e| e.into_inner())
}
