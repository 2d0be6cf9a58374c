//! Seeded Monte Carlo checks of the tune search on synthetic spaces whose true build times are
//! known: settings that help, do nothing or hurt, pairs that interact (two settings that
//! shrink the same part of a build save less together than their product), noise of 2-8% per
//! configuration. Fast enough for every CI run; `cargo test -p buildbench-model tune --
//! --nocapture` prints the measured rates (recorded in docs/tune.md).

use super::search::{Search, Settings, Stage};
use super::space::Choice;
use crate::stats::simulation::Rng;

/// A synthetic space: true time of every configuration from its choices.
struct Truth {
    base: f64,
    /// Per dimension, per option: the factor it multiplies the time by alone.
    factors: Vec<Vec<f64>>,
    /// `(dimension a, dimension b, extra factor when both are changed)`.
    interactions: Vec<(usize, usize, f64)>,
    /// The noise (coefficient of variation) of each configuration, drawn once per
    /// configuration from 2-8%.
    noise: std::collections::HashMap<Vec<Choice>, f64>,
    /// Seconds a candidate costs before its first sample in its first stage (preparation
    /// builds); in a later stage, from its kept target folder, two of its own samples' worth
    /// at most, as in the runner (`Search::reentry_cost`).
    overhead: f64,
}

impl Truth {
    fn random(rng: &mut Rng) -> Truth {
        let dims = 3 + (rng.uniform() * 4.0) as usize;
        let mut factors = Vec::new();
        for _ in 0..dims {
            let options = 1 + (rng.uniform() * 3.0) as usize;
            let mut dim = Vec::new();
            for _ in 0..options {
                let kind = rng.uniform();
                dim.push(if kind < 0.35 {
                    1.0 + (rng.uniform() - 0.5) * 0.01
                } else if kind < 0.7 {
                    0.80 + rng.uniform() * 0.17
                } else {
                    1.02 + rng.uniform() * 0.25
                });
            }
            factors.push(dim);
        }
        let mut interactions = Vec::new();
        for a in 0..dims {
            for b in a + 1..dims {
                if rng.uniform() < 0.3 {
                    // Mostly overlapping savings (less together than apart), sometimes the reverse.
                    interactions.push((a, b, 1.0 - 0.02 + rng.uniform() * 0.08));
                }
            }
        }
        Truth {
            base: 5.0 + rng.uniform() * 55.0,
            factors,
            interactions,
            noise: std::collections::HashMap::new(),
            overhead: 0.0,
        }
    }

    fn time(&self, choices: &[Choice]) -> f64 {
        let mut t = self.base;
        for &(d, o) in choices {
            t *= self.factors.get(d).and_then(|f| f.get(o)).copied().unwrap_or(1.0);
        }
        let changed = |d: usize| choices.iter().any(|&(x, _)| x == d);
        for &(a, b, f) in &self.interactions {
            if changed(a) && changed(b) {
                t *= f;
            }
        }
        t
    }

    /// Every configuration's true time, fastest first.
    fn all(&self) -> Vec<(Vec<Choice>, f64)> {
        let mut configs: Vec<Vec<Choice>> = vec![Vec::new()];
        for (d, options) in self.factors.iter().enumerate() {
            let mut next = Vec::new();
            for c in &configs {
                next.push(c.clone());
                for o in 0..options.len() {
                    let mut with = c.clone();
                    with.push((d, o));
                    next.push(with);
                }
            }
            configs = next;
        }
        let mut out: Vec<(Vec<Choice>, f64)> = configs.into_iter().map(|c| (c.clone(), self.time(&c))).collect();
        out.sort_by(|a, b| a.1.total_cmp(&b.1));
        out
    }

    fn sample(&mut self, rng: &mut Rng, choices: &[Choice]) -> f64 {
        let cv = *self.noise.entry(choices.to_vec()).or_insert_with(|| 0.02 + rng.uniform() * 0.06);
        let t = self.time(choices);
        rng.normal(t, cv * t).max(0.01 * t)
    }
}

/// Runs a whole search on `truth`, as the CLI drives it: the stage's candidates once, then
/// round after round.
fn run(rng: &mut Rng, truth: &mut Truth, budget: f64) -> Search {
    let shape: Vec<usize> = truth.factors.iter().map(Vec::len).collect();
    let mut search = Search::new(shape, Settings::with_budget(budget * truth.base));
    let mut spent = 0.0;
    let mut prepared = std::collections::HashSet::new();
    while let Some((_, mut round)) = search.stage() {
        for &c in &round {
            let time = truth.time(&search.candidates.get(c).cloned().unwrap_or_default());
            spent += if prepared.insert(c) { truth.overhead } else { truth.overhead.min(2.0 * time) };
        }
        loop {
            for &c in &round {
                let choices = search.candidates.get(c).cloned().unwrap_or_default();
                let t = truth.sample(rng, &choices);
                spent += t;
                search.record(c, Ok(t));
            }
            round = search.next_round(spent);
            if round.is_empty() {
                break;
            }
        }
    }
    search
}

struct Rates {
    runs: usize,
    /// Returned a configuration within 3% of the true best.
    near_best: usize,
    /// Confirmations whose 95% interval missed the true speedup.
    missed: usize,
    confirmations: usize,
    /// Runs where the true best is at least 10% faster than the baseline ...
    worth_it: usize,
    /// ... and the search confirmed a winner faster than the baseline.
    found: usize,
    /// Budget used / budget, worst.
    overrun: f64,
    /// Returned a configuration at most 3% slower than the baseline (true times).
    not_worse: usize,
}

/// `runs` searches on random spaces where the best configuration beats the runner-up by at
/// least 5%.
fn simulate(seed: u64, runs: usize, budget: f64, overhead: f64) -> Rates {
    let mut rng = Rng::new(seed);
    let mut r =
        Rates { runs, near_best: 0, missed: 0, confirmations: 0, worth_it: 0, found: 0, overrun: 0.0, not_worse: 0 };
    let mut done = 0;
    while done < runs {
        let mut truth = Truth::random(&mut rng);
        truth.overhead = overhead * truth.base;
        let all = truth.all();
        let (Some(best), Some(second)) = (all.first(), all.get(1)) else { continue };
        if second.1 < best.1 * 1.05 {
            continue;
        }
        let best_time = best.1;
        done += 1;
        let search = run(&mut rng, &mut truth, budget);
        let Some(outcome) = search.outcome.clone() else { panic!("the search ended without an outcome") };
        let chosen = search.candidates[outcome.winner].clone();
        let chosen_time = truth.time(&chosen);
        if chosen_time <= best_time * 1.03 {
            r.near_best += 1;
        }
        if chosen_time <= truth.base * 1.03 {
            r.not_worse += 1;
        }
        if let Some((lo, hi)) = outcome.confirmed.as_ref().and_then(|c| c.ci95) {
            r.confirmations += 1;
            let true_speedup = truth.base / chosen_time;
            if true_speedup < lo || true_speedup > hi {
                r.missed += 1;
            }
        }
        if truth.base / best_time >= 1.10 {
            r.worth_it += 1;
            if outcome.confirmed_faster && outcome.winner != 0 {
                r.found += 1;
            }
        }
        r.overrun = r.overrun.max(search.spent / (budget * truth.base));
    }
    r
}

fn report(name: &str, r: &Rates) {
    eprintln!(
        "{name}: {} runs: within 3% of the true best {:.1}%; confirmed intervals missing the true speedup {:.1}% \
         of {}; winner confirmed where the best is >= 10% faster {:.1}% of {}; worst budget use {:.2}; \
         not slower than the baseline {:.1}%",
        r.runs,
        100.0 * r.near_best as f64 / r.runs as f64,
        100.0 * r.missed as f64 / r.confirmations.max(1) as f64,
        r.confirmations,
        100.0 * r.found as f64 / r.worth_it.max(1) as f64,
        r.worth_it,
        r.overrun,
        100.0 * r.not_worse as f64 / r.runs as f64,
    );
}

#[test]
fn the_search_finds_a_configuration_within_3_percent_of_the_best_in_90_percent_of_runs() {
    // A budget of 150 baseline builds (20 minutes of 8-second incremental builds).
    let r = simulate(0x7e57_0001, 300, 150.0, 0.0);
    report("150 builds", &r);
    assert!(r.near_best as f64 >= 0.90 * r.runs as f64, "within 3% in only {} of {} runs", r.near_best, r.runs);
}

#[test]
fn confirmed_intervals_miss_the_true_speedup_about_5_percent_of_the_time_or_less() {
    let r = simulate(0x7e57_0002, 400, 150.0, 0.0);
    report("coverage", &r);
    assert!(r.confirmations >= 300, "only {} confirmations", r.confirmations);
    // 5% expected; the allowance is three standard errors of the estimate at this count (2391
    // confirmations over eight other seeds missed 5.1%, docs/tune.md).
    let allowed = 0.05 + 3.0 * (0.05 * 0.95 / r.confirmations as f64).sqrt();
    assert!(
        (r.missed as f64) <= allowed * r.confirmations as f64,
        "{} of {} confirmed intervals missed the true speedup",
        r.missed,
        r.confirmations
    );
}

#[test]
fn a_search_that_never_picks_anything_fails_the_power_check() {
    // Where the best configuration is at least 10% faster than the project as it is, the
    // search must find and confirm a faster one nearly always: a search that always kept the
    // baseline would pass the coverage test above but not this one.
    let r = simulate(0x7e57_0003, 300, 150.0, 0.0);
    report("power", &r);
    assert!(r.worth_it >= 100, "only {} spaces with a 10% gain", r.worth_it);
    assert!(r.found as f64 >= 0.90 * r.worth_it as f64, "confirmed a winner in {} of {}", r.found, r.worth_it);
}

#[test]
fn a_tight_budget_with_preparation_builds_finds_less_but_stays_near_its_budget_and_honest() {
    // Each candidate costs a clean build (5 baseline builds) before its first sample in each
    // stage, as the incremental goal's preparation does, and the budget is 100 builds: only a
    // few options fit. The search must then find less, never something slower, keep to its
    // budget (the confirmation's minimum aside), and its intervals must still hold.
    let r = simulate(0x7e57_0004, 200, 100.0, 5.0);
    report("tight", &r);
    assert!(r.overrun <= 1.25, "spent {:.2} of the budget", r.overrun);
    assert!(
        r.not_worse as f64 >= 0.95 * r.runs as f64,
        "slower than the baseline in {} of {}",
        r.runs - r.not_worse,
        r.runs
    );
    let allowed = 0.05 + 3.0 * (0.05 * 0.95 / r.confirmations.max(1) as f64).sqrt();
    assert!((r.missed as f64) <= allowed * r.confirmations.max(1) as f64, "{} of {}", r.missed, r.confirmations);
}

#[test]
fn a_failing_candidate_is_dropped_with_its_reason_and_a_failing_baseline_ends_the_search() {
    let mut search = Search::new(vec![2], Settings::with_budget(1000.0));
    let mut spent = 0.0;
    while let Some((_, mut round)) = search.stage() {
        loop {
            for &c in &round {
                let choices = search.candidates[c].clone();
                if choices == [(0, 1)] {
                    search.record(c, Err("error: linker `wild` not found".to_owned()));
                } else {
                    let t = if choices.is_empty() { 10.0 } else { 8.0 } + (spent as u64 % 7) as f64 * 0.01;
                    spent += t;
                    search.record(c, Ok(t));
                }
            }
            round = search.next_round(spent);
            if round.is_empty() {
                break;
            }
        }
    }
    let failed = search.entries.iter().find(|e| search.candidates[e.candidate] == [(0, 1)]).unwrap();
    assert!(failed.dropped.as_ref().unwrap().why.contains("linker `wild` not found"), "{failed:?}");
    let outcome = search.outcome.unwrap();
    assert_eq!(search.candidates[outcome.winner], [(0, 0)]);
    assert!(outcome.confirmed_faster, "{outcome:?}");

    let mut broken = Search::new(vec![1], Settings::with_budget(1000.0));
    broken.record(0, Err("error[E0425]".to_owned()));
    assert!(broken.next_round(1.0).is_empty());
    assert!(broken.stage().is_none());
    assert!(broken.outcome.unwrap().summary.contains("could not be measured"));
}

#[test]
fn options_pruned_before_building_are_never_built_and_say_why() {
    let mut search = Search::new(vec![1, 1], Settings::with_budget(1000.0));
    search.record(0, Ok(10.0));
    search.next_round(10.0);
    search.record(0, Ok(10.1));
    assert!(search.next_round(20.1).is_empty());
    search.prune((0, 0), "a linker cannot save more than the link's 0.4% of this build");
    let (_, ids) = search.stage().unwrap();
    let names: Vec<&Vec<Choice>> = ids.iter().map(|&c| &search.candidates[c]).collect();
    assert_eq!(names, [&vec![], &vec![(1, 0)]]);
    let pruned = search.entries.iter().find(|e| search.candidates[e.candidate] == [(0, 0)]).unwrap();
    assert_eq!(pruned.dropped.as_ref().unwrap().after, 0);
}

#[test]
fn a_race_the_budget_closes_before_its_first_look_says_so_rather_than_that_nothing_helped() {
    // A budget whose combinations (the best single and two of the guide's presets, each with
    // a preparation build) fit one round, where (as noise can have it) nothing came out faster
    // than the baseline: the project is kept, and the summary says the budget decided it, not
    // the measurements (as tune on fd-find with 10 minutes did).
    let mut search = Search::new(vec![1, 1, 1], Settings::with_budget(400.0));
    // Two of the guide's presets, which race in the combinations whatever the singles found.
    search.reference(vec![(1, 0)]);
    search.reference(vec![(2, 0)]);
    let mut spent = 0.0;
    while let Some((stage, mut round)) = search.stage() {
        // Each candidate's preparation build, four samples' worth, as a clean build before an
        // incremental goal's samples.
        spent += 40.0 * round.len() as f64;
        loop {
            for &c in &round {
                let helps = stage == Stage::Singles && search.candidates[c] == [(0, 0)];
                let t = if helps { 7.0 } else { 10.0 } + 0.01 * (spent / 10.0 % 3.0);
                spent += t;
                search.record(c, Ok(t));
            }
            round = search.next_round(spent);
            if round.is_empty() {
                break;
            }
        }
    }
    let outcome = search.outcome.as_ref().expect("an outcome");
    assert_eq!(outcome.winner, 0);
    let combinations = search.entries.iter().filter(|e| e.stage == Stage::Combinations && e.candidate == 0);
    assert!(combinations.map(|e| e.samples.len()).all(|n| n < 3), "{:?}", search.entries);
    assert!(outcome.summary.contains("the budget ran out after"), "{}", outcome.summary);
}
