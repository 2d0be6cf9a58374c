//! Seeded Monte Carlo checks of the rev gate, run the way a CI job runs it: base and head
//! built in turns (A B, B A, ...) on runners that differ by up to ±15%, a machine that drifts by
//! 3% over the study and is 40% slower for a fifth of it (a busy neighbour), 3–5% noise per build, 1 to 6 gated cells, `--until-decided` with looks at
//! 5, 8, 12, 18 and 20 samples, on one runner or sharded as two blocks that each decide on
//! their own samples before the merged study is gated once. The rates are printed
//! (`cargo test -p buildbench-model gate::simulation -- --nocapture`) and recorded in
//! docs/reports.md.

use super::{Metric, Outcome, confidence, decide, looks};
use crate::stats::simulation::Rng;

/// Simulated pull requests per case.
const REPS: usize = 1_000;
const RUNS: u32 = 5;
const MAX_RUNS: u32 = 20;
const THRESHOLD: f64 = 0.05;

/// One simulated setting.
#[derive(Debug, Clone, Copy)]
struct Case {
    cells: usize,
    noise: f64,
    blocks: u32,
    /// Head / base of the first gated cell (the others are unchanged).
    slowdown: f64,
}

/// What a set of simulated pull requests gave.
#[derive(Debug)]
struct Rates {
    /// The gate failed (any cell slower).
    failed: f64,
    /// The first cell was called slower.
    caught: f64,
    /// Samples per revision of the first cell, on average over the study.
    runs: f64,
}

type Groups = Vec<(u32, u32, f64)>;

fn simulate(seed: u64, case: Case) -> Rates {
    let mut rng = Rng::new(seed);
    let planned = u32::try_from(looks(RUNS, MAX_RUNS, true).len()).unwrap();
    let level = confidence(case.cells, planned);
    let (mut failed, mut caught, mut runs) = (0, 0, 0.0);
    for _ in 0..REPS {
        let mut base: Vec<Groups> = vec![Vec::new(); case.cells];
        let mut head: Vec<Groups> = vec![Vec::new(); case.cells];
        for k in 1..=case.blocks {
            // Each runner is its own machine: up to 15% slower or faster.
            let runner = 1.0 + 0.30 * (rng.uniform() - 0.5);
            let n = case.blocks;
            let first = (RUNS / n + u32::from(k <= RUNS % n)).max(1);
            let points: Vec<u32> = std::iter::once(first)
                .chain(looks(RUNS, MAX_RUNS, true).into_iter().skip(1).map(|p| p.div_ceil(n)).filter(|&p| p > first))
                .collect();
            let limit = points.iter().copied().max().unwrap_or(first);
            // Drift: 3% slower by the end of the longest possible block.
            let builds = f64::from(2 * limit) * case.cells as f64;
            let mut clock = 0.0;
            let mut active: Vec<usize> = (0..case.cells).collect();
            let (mut mine_base, mut mine_head): (Vec<Groups>, Vec<Groups>) =
                (vec![Vec::new(); case.cells], vec![Vec::new(); case.cells]);
            let mut taken = 0;
            loop {
                // One round: every active cell's base and head, reversed every other round.
                let mut order: Vec<(usize, bool)> = active.iter().flat_map(|&c| [(c, false), (c, true)]).collect();
                if taken % 2 == 1 {
                    order.reverse();
                }
                for (cell, is_head) in order {
                    let truth =
                        10.0 * (1.0 + cell as f64 * 0.3) * if is_head && cell == 0 { case.slowdown } else { 1.0 };
                    // A busy neighbour: 40% slower during a fifth of the longest possible block.
                    let busy = if (0.3..0.5).contains(&(clock / builds)) { 1.4 } else { 1.0 };
                    let drift = 1.0 + 0.03 * clock / builds;
                    let value = truth * runner * drift * busy * (1.0 + rng.normal(0.0, case.noise));
                    clock += 1.0;
                    let side = if is_head { &mut mine_head } else { &mut mine_base };
                    side[cell].push((k, taken, value));
                }
                taken += 1;
                if taken >= limit {
                    break;
                }
                if points.contains(&taken) {
                    // The shard decides on its own samples, at the planned looks only.
                    active.retain(|&c| {
                        decide(&mine_base[c], &mine_head[c], THRESHOLD, level, Metric::Wall).outcome
                            == Outcome::Undecided
                    });
                }
                if active.is_empty() {
                    break;
                }
            }
            for c in 0..case.cells {
                base[c].append(&mut mine_base[c]);
                head[c].append(&mut mine_head[c]);
            }
        }
        // The merged study is gated once.
        let outcomes: Vec<Outcome> =
            (0..case.cells).map(|c| decide(&base[c], &head[c], THRESHOLD, level, Metric::Wall).outcome).collect();
        failed += usize::from(outcomes.contains(&Outcome::Slower));
        caught += usize::from(outcomes.first() == Some(&Outcome::Slower));
        runs += head[0].len() as f64;
    }
    let reps = REPS as f64;
    Rates { failed: failed as f64 / reps, caught: caught as f64 / reps, runs: runs / reps }
}

#[test]
fn an_unchanged_pull_request_fails_at_most_5_percent_of_the_time_and_a_10_percent_slowdown_is_caught() {
    let mut cases = Vec::new();
    for blocks in [1, 2] {
        for cells in [1, 3, 6] {
            for noise in [0.03, 0.05] {
                cases.push((cases.len() as u64, blocks, cells, noise));
            }
        }
    }
    // The cases are independent and seeded: they run on every core at once.
    let results: Vec<(Rates, Rates)> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .map(|&(i, blocks, cells, noise)| {
                scope.spawn(move || {
                    (
                        simulate(8 + i, Case { cells, noise, blocks, slowdown: 1.0 }),
                        simulate(1008 + i, Case { cells, noise, blocks, slowdown: 1.10 }),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((_, blocks, cells, noise), (zero, slow)) in cases.iter().zip(&results) {
        println!(
            "blocks {blocks}, cells {cells}, noise {:.0}%: zero change fails {:.1}% (runs {:.1}); \
             +10% caught {:.1}% (runs {:.1})",
            noise * 100.0,
            zero.failed * 100.0,
            zero.runs,
            slow.caught * 100.0,
            slow.runs
        );
        assert!(zero.failed <= 0.05, "{blocks} {cells} {noise}: {zero:?}");
        assert!(slow.caught >= 0.80, "{blocks} {cells} {noise}: {slow:?}");
    }
}

#[test]
fn a_gate_across_two_runners_fails_unchanged_code_and_hides_real_slowdowns() {
    // What comparing two studies from two runners does (`diff`, `history gate`): the same
    // decision rule, but base on one runner and head on another, 5 samples each.
    let mut rng = Rng::new(99);
    let (mut false_alarms, mut caught) = (0, 0);
    for _ in 0..REPS {
        let (ra, rb) = (1.0 + 0.30 * (rng.uniform() - 0.5), 1.0 + 0.30 * (rng.uniform() - 0.5));
        // Two studies: their samples never pair up (different blocks), as in a cross-study diff.
        let side = |rng: &mut Rng, block: u32, runner: f64, ratio: f64| -> Groups {
            (0..RUNS).map(|i| (block, i, 10.0 * ratio * runner * (1.0 + rng.normal(0.0, 0.03)))).collect()
        };
        let base = side(&mut rng, 1, ra, 1.0);
        let unchanged = side(&mut rng, 2, rb, 1.0);
        let slower = side(&mut rng, 2, rb, 1.10);
        let level = confidence(1, 1);
        false_alarms +=
            usize::from(decide(&base, &unchanged, THRESHOLD, level, Metric::Wall).outcome == Outcome::Slower);
        caught += usize::from(decide(&base, &slower, THRESHOLD, level, Metric::Wall).outcome == Outcome::Slower);
    }
    let (false_alarms, caught) = (false_alarms as f64 / REPS as f64, caught as f64 / REPS as f64);
    println!(
        "across two runners (±15%), 3% noise, 5 runs: unchanged code fails {:.1}%, +10% caught {:.1}%",
        false_alarms * 100.0,
        caught * 100.0
    );
    // The runners' difference dominates: far more false alarms than 5%, and real slowdowns
    // missed whenever head's runner happened to be faster.
    assert!(false_alarms > 0.20 && caught < 0.80, "{false_alarms} {caught}");
}
