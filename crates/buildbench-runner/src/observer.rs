//! Progress of a study as events: the runner never prints; the CLI observes.

use buildbench_model::{Purpose, Sample, Scenario, Study, Unavailable};

/// What happens, for progress displays. The runner never prints.
#[derive(Debug)]
pub enum Event<'a> {
    /// The plan is known: how many builds will run, and how many are measured, warm-up and
    /// preparation builds.
    Planned {
        builds: usize,
        measured: usize,
        warmup: usize,
    },
    Unavailable(&'a Unavailable),
    /// A build starts.
    Build {
        number: usize,
        configuration: &'a str,
        scenario: Scenario,
        purpose: Purpose,
        index: u32,
        /// The exact command, as a shell line.
        command: &'a str,
    },
    /// A sample was recorded (warm-up or measured).
    Sample(&'a Sample),
    /// Adaptive sampling added a round of `builds` builds to `scenario`.
    Extended {
        builds: usize,
        scenario: Scenario,
        round: u32,
    },
    /// A configuration failed to build; its remaining samples are skipped.
    Failed {
        configuration: &'a str,
        scenario: Scenario,
        stderr_tail: &'a str,
    },
    Note(String),
}

/// Receives progress events.
pub trait Observer {
    fn event(&mut self, event: Event<'_>);
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {
    fn event(&mut self, _: Event<'_>) {}
}

/// Decides, after each measured round, which configurations get another round: the races of
/// `buildbench tune`. With one, a study runs round by round, each round taking every scenario
/// in turn (`execute_by_rounds`); without one, scenario by scenario, and `--precision`,
/// `--until-verdict` and `--until-decided` decide, up to `--max-runs`.
pub trait Rounds {
    /// After a measured round (of every scenario), with the study as saved: the configurations
    /// (positions in the plan) that get one more sample each, in each scenario they run in;
    /// none ends the study.
    fn next(&mut self, study: &Study) -> Vec<usize>;
}
