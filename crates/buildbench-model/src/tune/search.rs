//! The search of `buildbench tune` as a pure state machine: the caller measures what it asks
//! for (`stage`, then one round at a time) and tells it the times (`record`, `next_round`).
//! No IO and no clock: the time spent is what the caller says, so the same code runs real
//! builds and the seeded simulation (`simulation.rs`).
//!
//! Four stages, each on samples of its own:
//! 1. **Baseline**: a few builds of the project as it is: its time sets the budget's arithmetic
//!    and its timing report lets the caller `prune` options that cannot save enough.
//! 2. **Singles**: every option alone against the baseline, raced (Maron and Moore's Hoeffding
//!    races, with t intervals): decisions only at planned looks (3, 5, 8, 12, 18, 20 samples),
//!    each at confidence 1 − α/(K·L) for K options and L looks (Bonferroni), so the chance of
//!    dropping an option wrongly stays below α however long the race runs. An option is dropped
//!    when its interval shows it saves less than `min_gain`, or when another value of the same
//!    setting is clearly faster; it stops sampling once it clearly helps.
//! 3. **Combinations**: the best helping value of each setting together, every leave-one-out
//!    of that, the runner-up values swapped in, the best single and the baseline, raced against
//!    the current leader (settings do not simply add: two can shrink the same part of a build).
//! 4. **Confirmation**: the winner against the baseline on fresh samples, a number fixed before
//!    the first of them, so the reported speedup is free of the winner's curse (the selection
//!    picks the candidate whose samples happened to come out fastest); taken pair by pair
//!    (`stats::compare_pairs`), since the two sides take turns round by round.

use serde::{Deserialize, Serialize};

use super::space::Choice;
use crate::stats::{Comparison, Settings as StatSettings, WALL_RESOLUTION, compare_pairs, compare_with};

/// How the search spends its budget and decides.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Seconds the whole search may take (builds and their preparation).
    pub budget: f64,
    /// The chance of dropping a candidate wrongly, over every look of a stage.
    pub alpha: f64,
    /// A change must save more than this fraction to count as helping (0.01).
    pub min_gain: f64,
    /// Samples before the first decision (3: the fewest an interval rests on).
    pub first_look: u32,
    /// Samples of one candidate in one stage at most.
    pub max_samples: u32,
    /// Samples of the baseline stage.
    pub baseline_runs: u32,
    /// Samples of each side of the confirmation: at least, and at most.
    pub confirm_runs: (u32, u32),
    /// Share of the budget kept for the confirmation, at most: less when its largest sample
    /// (`confirm_runs.1` pairs, a quarter more for drift) takes less.
    pub reserve: f64,
    /// Candidates within this fraction of the leader count as tied: the one with fewer
    /// changes (fewer trade-offs) wins.
    pub tie: f64,
}

impl Settings {
    /// The defaults for a budget in seconds.
    pub fn with_budget(budget: f64) -> Settings {
        Settings {
            budget,
            alpha: 0.05,
            min_gain: 0.01,
            first_look: 3,
            max_samples: 20,
            baseline_runs: 2,
            confirm_runs: (5, 15),
            reserve: 0.25,
            tie: 0.01,
        }
    }
}

/// A stage of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The project as it is, a few times.
    Baseline,
    /// Each option alone against the baseline.
    Singles,
    /// Combinations of the options that helped.
    Combinations,
    /// The winner against the baseline on fresh samples.
    Confirmation,
}

impl Stage {
    /// The word in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Baseline => "baseline",
            Stage::Singles => "singles",
            Stage::Combinations => "combinations",
            Stage::Confirmation => "confirmation",
        }
    }
}

/// Why and when a candidate left a stage before its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    /// Its samples in the stage when it was dropped (0: never built).
    pub after: u32,
    /// Seconds of the budget spent then.
    pub spent: f64,
    /// Why, in words.
    pub why: String,
    /// The candidate it lost to, when it lost to one (not the baseline's verdict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versus: Option<usize>,
}

/// One candidate in one stage: its samples and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The stage.
    pub stage: Stage,
    /// The candidate (an index into `Search::candidates`; 0 is the baseline).
    pub candidate: usize,
    /// Wall times of its measured samples in this stage, in order.
    pub samples: Vec<f64>,
    /// Set when it left the stage early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped: Option<Dropped>,
    /// It clearly saves more than `min_gain` (singles) and stopped sampling.
    #[serde(default)]
    pub helps: bool,
    /// Its speedup over the baseline in this stage (baseline mean / its mean), when both have
    /// samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
}

impl Entry {
    fn mean(&self) -> Option<f64> {
        (!self.samples.is_empty()).then(|| self.samples.iter().sum::<f64>() / self.samples.len() as f64)
    }

    fn alive(&self) -> bool {
        self.dropped.is_none()
    }
}

/// The state after a round: for the progress line and the budget chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// The stage.
    pub stage: Stage,
    /// Seconds spent so far.
    pub spent: f64,
    /// Samples each racing candidate has in the stage.
    pub samples: u32,
    /// Candidates still racing.
    pub racing: usize,
    /// The fastest candidate so far in the stage, by mean, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<usize>,
}

/// What the search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The winner (0: the baseline, keep the project as it is).
    pub winner: usize,
    /// The winner's speedup over the baseline in the stage that chose it (biased upwards: it
    /// won because its samples came out fast).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Comparison>,
    /// The speedup measured on fresh samples after the choice (95% interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Comparison>,
    /// Samples of each side in the confirmation.
    pub confirm_runs: u32,
    /// The confirmation's 95% interval lies above 1: the winner is confirmed faster than the
    /// baseline.
    pub confirmed_faster: bool,
    /// One sentence on how the search ended.
    pub summary: String,
}

/// The search. `candidates[0]` is the baseline (no change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Search {
    /// How it spends and decides.
    pub settings: Settings,
    /// Options per dimension.
    pub shape: Vec<usize>,
    /// Every candidate tried or planned: its choices, one per changed dimension.
    pub candidates: Vec<Vec<Choice>>,
    /// Each candidate in each stage.
    pub entries: Vec<Entry>,
    /// The state after every round.
    pub marks: Vec<Mark>,
    /// Seconds spent so far.
    pub spent: f64,
    /// Seconds spent when each stage began.
    pub stage_starts: Vec<(Stage, f64)>,
    /// The end, once reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Seconds a candidate costs before its first sample in a stage (copy, preparation,
    /// warm-up), from the baseline stage.
    pub overhead: f64,
    /// The stage under way (none once done).
    #[serde(skip)]
    stage: Option<Stage>,
    /// Options left out before building (`prune`), with why.
    #[serde(skip)]
    pruned: Vec<(Choice, String)>,
    /// Bounds of what each option can save, where known: largest first is tried first.
    #[serde(skip)]
    bounds: Vec<(Choice, f64)>,
    /// Samples of the confirmation.
    #[serde(skip)]
    confirm_runs: u32,
    /// The winner of the selection and its comparison with the baseline there.
    #[serde(skip)]
    chosen: Option<(usize, Option<Comparison>)>,
    /// Rounds of the current stage so far: each gives every candidate still sampling one more.
    #[serde(skip)]
    rounds: u32,
    /// Candidates raced in the combinations whatever the singles found (`reference`).
    #[serde(skip)]
    references: Vec<Vec<Choice>>,
    /// `(a, b)`: with `a` chosen, `b` changes nothing (`Space::voids`); a candidate never
    /// carries `b` beside `a`.
    #[serde(skip)]
    voids: Vec<(Choice, Choice)>,
}

/// The planned looks of a race: `first_look`, then half as many again each time, up to the
/// maximum (the gate's looks).
fn looks(s: &Settings) -> Vec<u32> {
    crate::gate::looks(s.first_look, s.max_samples.max(s.first_look), true)
}

/// How the reason of a candidate whose build failed begins.
const FAILED: &str = "its build failed:";

/// How the reason of a candidate the budget left out begins.
const NOT_TRIED: &str = "not tried:";

fn stats(confidence: f64) -> StatSettings {
    StatSettings { noise: 0.0, resolution: WALL_RESOLUTION, confidence, pilot: None }
}

/// "3.1%" for a ratio of slower to faster of 1.031.
fn slower(ratio: f64) -> String {
    format!("{:.1}%", (ratio - 1.0) * 100.0)
}

/// "+4.2%" for a speedup of 1.042.
fn gain(speedup: f64) -> String {
    format!("{:+.1}%", (speedup - 1.0) * 100.0)
}

impl Search {
    /// A search over dimensions with `shape[d]` options each.
    pub fn new(shape: Vec<usize>, settings: Settings) -> Search {
        let mut s = Search {
            settings,
            shape,
            candidates: vec![Vec::new()],
            entries: Vec::new(),
            marks: Vec::new(),
            spent: 0.0,
            stage_starts: Vec::new(),
            outcome: None,
            stage: None,
            pruned: Vec::new(),
            bounds: Vec::new(),
            overhead: 0.0,
            confirm_runs: 0,
            chosen: None,
            rounds: 0,
            references: Vec::new(),
            voids: Vec::new(),
        };
        s.begin(Stage::Baseline, &[0]);
        s
    }

    /// The search, told which options void which (`Space::voids`): a combination never
    /// carries an option that another of its options makes a no-op, so two names for one
    /// build never race each other and a winner never lists a setting that does nothing.
    pub fn with_voids(mut self, voids: Vec<(Choice, Choice)>) -> Search {
        self.voids = voids;
        self
    }

    fn begin(&mut self, stage: Stage, candidates: &[usize]) {
        self.stage = Some(stage);
        self.rounds = 0;
        self.stage_starts.push((stage, self.spent));
        for &candidate in candidates {
            self.entries.push(Entry {
                stage,
                candidate,
                samples: Vec::new(),
                dropped: None,
                helps: false,
                speedup: None,
            });
        }
    }

    fn candidate(&mut self, choices: Vec<Choice>) -> usize {
        let voided: Vec<Choice> = self.voids.iter().filter(|(a, _)| choices.contains(a)).map(|&(_, b)| b).collect();
        let mut choices = choices;
        choices.retain(|c| !voided.contains(c));
        choices.sort_unstable();
        if let Some(i) = self.candidates.iter().position(|c| *c == choices) {
            return i;
        }
        self.candidates.push(choices);
        self.candidates.len() - 1
    }

    /// The stage under way and the candidates to measure in it (the baseline first), or
    /// `None` once the search is done.
    pub fn stage(&self) -> Option<(Stage, Vec<usize>)> {
        let stage = self.stage?;
        let ids = self.current().filter(|e| e.alive()).map(|e| e.candidate).collect();
        Some((stage, ids))
    }

    fn current(&self) -> impl Iterator<Item = &Entry> {
        let stage = self.stage;
        self.entries.iter().filter(move |e| Some(e.stage) == stage)
    }

    fn entry(&self, candidate: usize) -> Option<&Entry> {
        self.current().find(|e| e.candidate == candidate)
    }

    fn entry_mut(&mut self, candidate: usize) -> Option<&mut Entry> {
        let stage = self.stage;
        self.entries.iter_mut().find(|e| Some(e.stage) == stage && e.candidate == candidate)
    }

    /// Leaves an option out before it is built, with why (the caller's `whatif` bound): it is
    /// listed with no samples. Only before the singles start.
    pub fn prune(&mut self, choice: Choice, why: &str) {
        self.pruned.push((choice, why.to_owned()));
        if self.stage == Some(Stage::Singles) {
            let id = self.candidate(vec![choice]);
            let spent = self.spent;
            if let Some(e) = self.entry_mut(id).filter(|e| e.samples.is_empty()) {
                e.dropped = Some(Dropped { after: 0, spent, why: why.to_owned(), versus: None });
            }
            self.fit_singles();
        }
    }

    /// The most an option can save, where known: options that can save more are tried first
    /// when the budget cannot fit them all.
    pub fn bound(&mut self, choice: Choice, saving: f64) {
        self.bounds.push((choice, saving));
        self.fit_singles();
    }

    /// A candidate to race in the combinations stage whatever the singles found (the guide's
    /// presets, which a tune's winner should beat in the same stage); its id.
    pub fn reference(&mut self, choices: Vec<Choice>) -> usize {
        let id = self.candidate(choices);
        if let Some(set) = self.candidates.get(id).cloned()
            && !self.references.contains(&set)
        {
            self.references.push(set);
        }
        id
    }

    /// One measured sample of `candidate` in the current stage: its wall time, or why its
    /// build failed (it is dropped, with that reason).
    pub fn record(&mut self, candidate: usize, sample: Result<f64, String>) {
        let spent = self.spent;
        let Some(e) = self.entry_mut(candidate) else { return };
        match sample {
            Ok(seconds) if seconds.is_finite() && seconds > 0.0 => e.samples.push(seconds),
            Ok(seconds) => {
                let after = e.samples.len() as u32;
                e.dropped = Some(Dropped {
                    after,
                    spent,
                    why: format!("{FAILED} an impossible time of {seconds} s"),
                    versus: None,
                });
            }
            Err(why) => {
                let after = e.samples.len() as u32;
                e.dropped = Some(Dropped { after, spent, why: format!("{FAILED} {why}"), versus: None });
            }
        }
    }

    /// After a round, with the seconds spent so far: the candidates of the next round (each
    /// once, the baseline first), or none when the stage is over (`stage` then says what is
    /// next).
    pub fn next_round(&mut self, spent: f64) -> Vec<usize> {
        self.spent = spent.max(self.spent);
        let Some(stage) = self.stage else { return Vec::new() };
        self.rounds += 1;
        // A baseline that fails ends everything: nothing can be compared with it.
        if let Some(why) =
            self.entry(0).and_then(|e| e.dropped.as_ref()).filter(|d| d.why.starts_with(FAILED)).map(|d| d.why.clone())
        {
            self.finish(0, None, format!("the project as it is could not be measured: {why}"));
            return Vec::new();
        }
        let next = match stage {
            Stage::Baseline => self.baseline_round(),
            Stage::Singles | Stage::Combinations => self.race_round(stage),
            Stage::Confirmation => self.confirm_round(),
        };
        let racing = self.current().filter(|e| e.alive()).count();
        let samples = self.current().filter(|e| e.alive()).map(|e| e.samples.len() as u32).max().unwrap_or(0);
        let leader = self.leader();
        self.marks.push(Mark { stage, spent: self.spent, samples, racing, leader });
        if next.is_empty() {
            self.end_stage(stage);
        }
        next
    }

    fn leader(&self) -> Option<usize> {
        self.current()
            .filter(|e| e.alive())
            .filter_map(|e| Some((e.candidate, e.mean()?)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(c, _)| c)
    }

    fn baseline_round(&mut self) -> Vec<usize> {
        let n = self.entry(0).map_or(0, |e| e.samples.len() as u32);
        if n < self.settings.baseline_runs.max(1) { vec![0] } else { Vec::new() }
    }

    fn baseline_mean(&self, stage: Stage) -> Option<f64> {
        self.entries.iter().find(|e| e.stage == stage && e.candidate == 0).and_then(Entry::mean)
    }

    /// A candidate against the baseline in one stage: both took turns round by round, so the
    /// speedup and its 95% interval are taken pair by pair over the rounds both have
    /// (`compare_pairs`). Not corrected for the stage's other candidates or for the selection
    /// (the winner of a stage is biased upwards): what the confirmation is for.
    pub fn in_stage(&self, stage: Stage, candidate: usize) -> Option<Comparison> {
        let samples = |c: usize| self.entries.iter().find(|e| e.stage == stage && e.candidate == c).map(|e| &e.samples);
        compare_pairs(samples(0)?, samples(candidate)?, &stats(0.95))
    }

    /// Seconds a candidate costs to enter a stage and reach its first look (preparation, then
    /// `first_look` samples at the baseline's mean), and the baseline's mean: 0 before the
    /// baseline stage measured anything.
    pub fn candidate_cost(&self) -> (f64, f64) {
        let base = self.baseline_mean(Stage::Baseline).unwrap_or(0.0);
        (self.overhead + f64::from(self.settings.first_look) * base, base)
    }

    /// Seconds a candidate measured in an earlier stage costs to enter another: its target
    /// folder is kept between stages, so it rebuilds what the restored edit touched and takes
    /// its warm-up, about two samples, never more than a first preparation.
    pub fn reentry_cost(&self) -> f64 {
        let base = self.baseline_mean(Stage::Baseline).unwrap_or(0.0);
        self.overhead.min(2.0 * base)
    }

    /// Seconds `candidate` costs to enter the stage about to begin and reach its first look: the
    /// preparation (`overhead`, or `reentry_cost` for one measured in an earlier stage), then
    /// `first_look` samples at the baseline's mean.
    pub fn entry_cost(&self, candidate: usize) -> f64 {
        let (each, base) = self.candidate_cost();
        let measured = self.entries.iter().any(|e| e.candidate == candidate && !e.samples.is_empty());
        if measured { self.reentry_cost() + f64::from(self.settings.first_look) * base } else { each }
    }

    /// Seconds one more round of `ids` takes, from their means so far (the baseline's for those
    /// without samples).
    fn round_cost(&self, ids: &[usize]) -> f64 {
        let base = self.baseline_mean(Stage::Baseline).unwrap_or(0.0);
        ids.iter().map(|&c| self.entry(c).and_then(Entry::mean).unwrap_or(base)).sum()
    }

    /// Where the stage must stop spending: the budget less the confirmation's reserve, the
    /// singles taking about half of what is left when there is something to combine.
    fn stage_limit(&self, stage: Stage) -> f64 {
        let budget = self.settings.budget;
        let base = self.baseline_mean(Stage::Baseline).unwrap_or(0.0);
        // What the confirmation takes: both sides re-enter, then a pair of samples per run.
        let confirmation = |runs: u32| f64::from(runs) * 2.0 * base + 2.0 * self.reentry_cost();
        let (least, most) = self.settings.confirm_runs;
        let reserve =
            (1.25 * confirmation(most)).min(self.settings.reserve * budget).max(confirmation(least)).min(0.5 * budget);
        let end = budget - reserve;
        match stage {
            Stage::Singles if self.shape.len() >= 2 => {
                let start = self.stage_starts.iter().rev().find(|(s, _)| *s == stage).map_or(0.0, |&(_, t)| t);
                start + 0.55 * (end - start).max(0.0)
            }
            _ => end,
        }
    }

    /// The singles' and combinations' rounds: decisions at the planned looks, then who goes on.
    fn race_round(&mut self, stage: Stage) -> Vec<usize> {
        let s = self.settings;
        let n = self.rounds;
        let looks = looks(&s);
        if looks.contains(&n) && n >= s.first_look {
            match stage {
                Stage::Singles => self.decide_singles(looks.len()),
                _ => self.decide_combinations(looks.len()),
            }
        }
        let mut going: Vec<usize> = match stage {
            Stage::Singles => {
                let undecided: Vec<usize> = self
                    .current()
                    .filter(|e| e.alive() && e.candidate != 0)
                    .filter(|e| !e.helps || self.rivals(e.candidate) > 0)
                    .map(|e| e.candidate)
                    .collect();
                if undecided.is_empty() { Vec::new() } else { std::iter::once(0).chain(undecided).collect() }
            }
            _ => {
                let alive: Vec<usize> = self.current().filter(|e| e.alive()).map(|e| e.candidate).collect();
                if alive.len() > 1 { alive } else { Vec::new() }
            }
        };
        if n >= s.max_samples {
            going.clear();
        }
        // The first look is needed before anything is known; after it, a round that would
        // overrun the stage's share of the budget is not started.
        if n >= s.first_look && self.spent + self.round_cost(&going) > self.stage_limit(stage) {
            going.clear();
        }
        if n < s.first_look && self.spent + self.round_cost(&going) > s.budget {
            going.clear();
        }
        going
    }

    /// Other values of the same setting still racing beside a single.
    fn rivals(&self, candidate: usize) -> usize {
        let Some(dim) = self.dimension_of(candidate) else { return 0 };
        self.current()
            .filter(|e| e.alive() && e.candidate != candidate && e.candidate != 0)
            .filter(|e| self.dimension_of(e.candidate) == Some(dim))
            .count()
    }

    /// The setting a candidate changes first (a single's only one).
    fn dimension_of(&self, candidate: usize) -> Option<usize> {
        self.candidates.get(candidate).and_then(|c| c.first()).map(|&(d, _)| d)
    }

    fn samples_of(&self, candidate: usize) -> Vec<f64> {
        self.entry(candidate).map(|e| e.samples.clone()).unwrap_or_default()
    }

    /// The singles' decisions at a look (of `looks` planned): each against the baseline, then
    /// the values of each setting against the fastest of them, at a confidence corrected for
    /// the singles compared and the looks.
    fn decide_singles(&mut self, looks: usize) {
        let k = self.current().filter(|e| e.candidate != 0 && e.dropped.as_ref().is_none_or(|d| d.after > 0)).count();
        let confidence = 1.0 - self.settings.alpha / (k.max(1) * looks) as f64;
        self.judge_singles(confidence);
        self.drop_slower_values(confidence);
    }

    /// Compares each single still racing with the baseline: records its speedup, drops it when
    /// it is slower or saves too little, and marks it as helping when it is clearly faster.
    fn judge_singles(&mut self, confidence: f64) {
        let s = self.settings;
        let base = self.samples_of(0);
        let ids: Vec<usize> = self.current().filter(|e| e.alive() && e.candidate != 0).map(|e| e.candidate).collect();
        let mut verdicts: Vec<(usize, Option<String>, bool, f64)> = Vec::new();
        for &c in &ids {
            let times = self.samples_of(c);
            let Some(cmp) = compare_with(&base, &times, &stats(confidence)) else { continue };
            let mut dropped = None;
            let mut helps = false;
            if let Some((lo, hi)) = cmp.ci95 {
                if hi < 1.0 {
                    dropped = Some(format!(
                        "slower than the default: {} (at most {} at {:.1}% confidence)",
                        gain(cmp.speedup),
                        gain(hi),
                        confidence * 100.0
                    ));
                } else if hi < 1.0 + s.min_gain {
                    dropped = Some(format!(
                        "saves too little: {}, at most {} at {:.1}% confidence (a change must save {:.0}%)",
                        gain(cmp.speedup),
                        gain(hi),
                        confidence * 100.0,
                        s.min_gain * 100.0
                    ));
                } else if lo > 1.0 {
                    helps = true;
                }
            }
            verdicts.push((c, dropped, helps, cmp.speedup));
        }
        for (c, dropped, helps, speedup) in verdicts {
            if let Some(e) = self.entry_mut(c) {
                e.speedup = Some(speedup);
                e.helps = helps;
            }
            if let Some(why) = dropped {
                self.drop_entry(c, why, None);
            }
        }
    }

    /// Within one setting, drops each value clearly slower than the fastest value.
    fn drop_slower_values(&mut self, confidence: f64) {
        let mut drops: Vec<(usize, usize, String)> = Vec::new();
        for dim in 0..self.shape.len() {
            let values: Vec<usize> = self
                .current()
                .filter(|e| e.alive() && e.candidate != 0 && self.dimension_of(e.candidate) == Some(dim))
                .map(|e| e.candidate)
                .collect();
            let Some(&lead) = values.iter().min_by(|&&a, &&b| {
                let m = |c| self.entry(c).and_then(Entry::mean).unwrap_or(f64::INFINITY);
                m(a).total_cmp(&m(b))
            }) else {
                continue;
            };
            let lead_times = self.samples_of(lead);
            for &c in values.iter().filter(|&&c| c != lead) {
                let Some(cmp) = compare_with(&self.samples_of(c), &lead_times, &stats(confidence)) else { continue };
                if cmp.ci95.is_some_and(|(lo, _)| lo > 1.0) {
                    drops.push((
                        c,
                        lead,
                        format!(
                            "{} slower than another value of the same setting (at {:.1}% confidence)",
                            slower(cmp.speedup),
                            confidence * 100.0
                        ),
                    ));
                }
            }
        }
        for (c, lead, why) in drops {
            self.drop_entry(c, why, Some(lead));
        }
    }

    /// Drops candidate `c` from the current stage now, saying `why` and whom it lost to.
    fn drop_entry(&mut self, c: usize, why: String, versus: Option<usize>) {
        let spent = self.spent;
        if let Some(e) = self.entry_mut(c) {
            let after = e.samples.len() as u32;
            e.dropped = Some(Dropped { after, spent, why, versus });
        }
    }

    fn decide_combinations(&mut self, looks: usize) {
        let s = self.settings;
        let k = self.current().count().saturating_sub(1).max(1);
        let confidence = 1.0 - s.alpha / (k * looks) as f64;
        let Some(lead) = self.leader() else { return };
        let lead_times = self.samples_of(lead);
        let base = self.samples_of(0);
        let ids: Vec<usize> =
            self.current().filter(|e| e.alive() && e.candidate != lead).map(|e| e.candidate).collect();
        let mut drops: Vec<(usize, String)> = Vec::new();
        for c in ids {
            let Some(cmp) = compare_with(&self.samples_of(c), &lead_times, &stats(confidence)) else { continue };
            if cmp.ci95.is_some_and(|(lo, _)| lo > 1.0) {
                drops.push((
                    c,
                    format!(
                        "{} slower than the leader (at {:.1}% confidence)",
                        slower(cmp.speedup),
                        confidence * 100.0
                    ),
                ));
            }
        }
        for (c, why) in drops {
            self.drop_entry(c, why, Some(lead));
        }
        let speedups: Vec<(usize, Option<f64>)> = self
            .current()
            .map(|e| (e.candidate, compare_with(&base, &e.samples, &stats(0.95)).map(|c| c.speedup)))
            .collect();
        for (c, speedup) in speedups {
            if let Some(e) = self.entry_mut(c) {
                e.speedup = speedup;
            }
        }
    }

    fn confirm_round(&mut self) -> Vec<usize> {
        let done = |c| self.entry(c).map_or(0, |e: &Entry| e.samples.len() as u32);
        let failed = self.current().any(|e| !e.alive());
        // Rounds that bring no samples (a caller that stopped measuring) end it too.
        let stalled = self.rounds > 2 * self.confirm_runs + 5;
        if failed
            || stalled
            || (done(0) >= self.confirm_runs
                && self.chosen.as_ref().is_some_and(|(w, _)| done(*w) >= self.confirm_runs))
        {
            return Vec::new();
        }
        self.current().filter(|e| e.alive()).map(|e| e.candidate).collect()
    }

    fn end_stage(&mut self, stage: Stage) {
        match stage {
            Stage::Baseline => {
                let samples: f64 = self.entry(0).map_or(0.0, |e| e.samples.iter().sum());
                self.overhead = (self.spent - samples).max(0.0);
                self.start_singles();
            }
            Stage::Singles => self.start_combinations(),
            Stage::Combinations => self.close_selection(),
            Stage::Confirmation => self.close_confirmation(),
        }
    }

    fn start_singles(&mut self) {
        let mut options: Vec<Choice> = Vec::new();
        for (d, &n) in self.shape.iter().enumerate() {
            options.extend((0..n).map(|o| (d, o)));
        }
        if options.is_empty() {
            self.stage = None;
            self.finish(0, None, "nothing to try: no setting of the space applies here".to_owned());
            return;
        }
        let ids: Vec<usize> = options.iter().map(|&c| self.candidate(vec![c])).collect();
        let mut all = vec![0];
        all.extend(&ids);
        self.begin(Stage::Singles, &all);
        let pruned = std::mem::take(&mut self.pruned);
        for (choice, why) in &pruned {
            self.prune(*choice, why);
        }
        self.fit_singles();
    }

    /// Drops the singles the budget cannot fit (each costs its preparation and the first look),
    /// keeping those that can save the most; again after every `prune` or `bound` until the
    /// first round.
    fn fit_singles(&mut self) {
        if self.stage != Some(Stage::Singles) || self.rounds > 0 {
            return;
        }
        for e in self.entries.iter_mut().filter(|e| e.stage == Stage::Singles) {
            if e.dropped.as_ref().is_some_and(|d| d.why.starts_with(NOT_TRIED)) {
                e.dropped = None;
            }
        }
        // The default re-enters from its kept target folder; each option is built from nothing.
        let (each, _) = self.candidate_cost();
        let room = self.stage_limit(Stage::Singles) - self.spent - self.entry_cost(0);
        let fits = if each > 0.0 { (room / each).floor().max(1.0) as usize } else { usize::MAX };
        let mut alive: Vec<(usize, Option<f64>)> = self
            .current()
            .filter(|e| e.alive() && e.candidate != 0)
            .map(|e| {
                let choice = self.candidates.get(e.candidate).and_then(|c| c.first()).copied();
                let bound = self.bounds.iter().rev().find(|(c, _)| Some(*c) == choice).map(|&(_, b)| b);
                (e.candidate, bound)
            })
            .collect();
        if alive.len() <= fits {
            return;
        }
        // Options that can save the most by their whatif bound are tried first, then those
        // without a bound (nothing says they can save much); a stable sort keeps the space's
        // order among equals.
        alive.sort_by(|a, b| b.1.unwrap_or(-1.0).total_cmp(&a.1.unwrap_or(-1.0)));
        let (spent, all) = (self.spent, alive.len());
        let fit = format!("{NOT_TRIED} the budget fits {fits} of the {all} options (a longer --budget tries more)");
        for &(id, bound) in alive.iter().skip(fits) {
            let why = match bound {
                _ if self.bounds.is_empty() => format!("{fit}; taken in the space's order"),
                Some(_) => format!("{fit}; by its whatif bound this one can save no more than those tried"),
                None => format!("{fit}; options whose whatif bound is known came first"),
            };
            if let Some(e) = self.entry_mut(id) {
                e.dropped = Some(Dropped { after: 0, spent, why, versus: None });
            }
        }
    }

    /// Per setting, its values that came out faster alone (and were not dropped), fastest first.
    fn helpers(&self) -> Vec<Vec<(Choice, f64)>> {
        let mut by_dim: Vec<Vec<(Choice, f64)>> = vec![Vec::new(); self.shape.len()];
        for e in self.entries.iter().filter(|e| e.stage == Stage::Singles && e.alive() && e.candidate != 0) {
            let Some(&choice) = self.candidates.get(e.candidate).and_then(|c| c.first()) else { continue };
            let base = self.entries.iter().find(|b| b.stage == Stage::Singles && b.candidate == 0);
            let Some(cmp) = base.and_then(|b| compare_with(&b.samples, &e.samples, &stats(0.95))) else { continue };
            // Every value that came out faster at all is combined: the combinations' race and
            // their leave-one-outs weed out those that only looked faster, while a value left
            // out here is never tried again.
            if (e.helps || cmp.speedup > 1.0)
                && let Some(list) = by_dim.get_mut(choice.0)
            {
                list.push((choice, cmp.speedup));
            }
        }
        for list in &mut by_dim {
            list.sort_by(|a, b| b.1.total_cmp(&a.1));
        }
        by_dim.retain(|l| !l.is_empty());
        by_dim.sort_by(|a, b| {
            let top = |l: &Vec<(Choice, f64)>| l.first().map_or(0.0, |x| x.1);
            top(b).total_cmp(&top(a))
        });
        by_dim
    }

    fn start_combinations(&mut self) {
        let helpers = self.helpers();
        let best: Vec<Choice> = helpers.iter().filter_map(|l| l.first().map(|x| x.0)).collect();
        if best.is_empty() {
            // Say how much was tried: a tight budget may have left most options untried.
            let singles = self.entries.iter().filter(|e| e.stage == Stage::Singles && e.candidate != 0);
            let (tried, all) = singles.fold((0, 0), |(t, a), e| (t + usize::from(!e.samples.is_empty()), a + 1));
            let scope = if tried < all {
                format!(" among the {tried} of {all} options the budget let it try (a longer --budget tries more)")
            } else {
                String::new()
            };
            self.finish(
                0,
                None,
                format!("no single change saved more than the minimum gain{scope}; keep the project as it is"),
            );
            return;
        }
        if best.len() == 1 && self.references.is_empty() {
            // Nothing to combine: the single that helped most is the winner of the singles.
            let id = self.candidate(best.clone());
            let cmp = self.single_comparison(id);
            self.chosen = Some((id, cmp));
            self.start_confirmation();
            return;
        }
        let mut sets: Vec<Vec<Choice>> = vec![best.clone()];
        // The reference points (the guide's presets) race too, so the winner is measured against
        // them in one stage; they come right after the full combination, so a tight budget cuts
        // the variants below and never them.
        sets.extend(self.references.iter().cloned());
        if best.len() > 1 {
            for skip in 0..best.len() {
                sets.push(best.iter().enumerate().filter(|&(i, _)| i != skip).map(|(_, &c)| c).collect());
            }
        }
        sets.push(vec![best.first().copied().unwrap_or((0, 0))]);
        for (i, list) in helpers.iter().enumerate() {
            if let Some(&(second, _)) = list.get(1) {
                let mut swapped = best.clone();
                if let Some(slot) = swapped.get_mut(i) {
                    *slot = second;
                }
                sets.push(swapped);
            }
        }
        let mut ids = vec![0];
        for set in sets {
            let id = self.candidate(set);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        // The budget decides how many race: the baseline, the full combination and the
        // reference points always, then the leave-one-outs, the best single and the swaps.
        // Candidates the singles measured (the default, the best single, presets that are one
        // setting) re-enter from their kept target folders, for less than a new one.
        let room = self.stage_limit(Stage::Combinations) - self.spent;
        let least = 3.max(2 + self.references.len());
        let mut used = 0.0;
        let affordable = ids
            .iter()
            .take_while(|&&id| {
                used += self.entry_cost(id);
                used <= room
            })
            .count();
        let fits = if self.candidate_cost().0 > 0.0 { affordable.max(least) } else { usize::MAX };
        let dropped: Vec<usize> = ids.iter().skip(fits).copied().collect();
        self.begin(Stage::Combinations, &ids);
        let spent = self.spent;
        for id in dropped {
            if let Some(e) = self.entry_mut(id) {
                e.dropped = Some(Dropped {
                    after: 0,
                    spent,
                    why: format!("{NOT_TRIED} the budget left fits {fits} candidates"),
                    versus: None,
                });
            }
        }
    }

    fn single_comparison(&self, id: usize) -> Option<Comparison> {
        let of = |c| self.entries.iter().find(|e| e.stage == Stage::Singles && e.candidate == c);
        compare_with(&of(0)?.samples, &of(id)?.samples, &stats(0.95))
    }

    fn close_selection(&mut self) {
        let Some(lead) = self.leader() else {
            self.finish(0, None, "every combination failed to build; keep the project as it is".to_owned());
            return;
        };
        let lead_mean = self.entry(lead).and_then(Entry::mean).unwrap_or(f64::INFINITY);
        // Ties go to fewer changes: the same speed for fewer trade-offs.
        let winner = self
            .current()
            .filter(|e| e.alive() && e.mean().is_some_and(|m| m <= lead_mean * (1.0 + self.settings.tie)))
            .min_by(|a, b| {
                let size = |e: &Entry| self.candidates.get(e.candidate).map_or(0, Vec::len);
                size(a).cmp(&size(b)).then(a.mean().unwrap_or(0.0).total_cmp(&b.mean().unwrap_or(0.0)))
            })
            .map_or(lead, |e| e.candidate);
        if winner == 0 {
            let taken = self.samples_of(0).len();
            let why = if taken < self.settings.first_look as usize {
                // The budget closed the race before its first look: nothing was decided.
                format!(
                    "the budget ran out after {taken} sample(s) of each combination, before the race's first look \
                     ({}): none was shown faster; keep the project as it is, or give a longer --budget",
                    self.settings.first_look
                )
            } else {
                "no combination beat the project as it is; keep it".to_owned()
            };
            self.finish(0, None, why);
            return;
        }
        let base = self.samples_of(0);
        let cmp = compare_with(&base, &self.samples_of(winner), &stats(0.95));
        self.chosen = Some((winner, cmp));
        self.start_confirmation();
    }

    fn start_confirmation(&mut self) {
        let Some((winner, _)) = self.chosen else {
            self.finish(0, None, "nothing was chosen to confirm".to_owned());
            return;
        };
        let base = self.baseline_mean(Stage::Baseline).unwrap_or(0.0);
        let win = self.entries.iter().rev().find(|e| e.candidate == winner).and_then(Entry::mean).unwrap_or(base);
        let (low, high) = self.settings.confirm_runs;
        let left = self.settings.budget - self.spent - 2.0 * self.reentry_cost();
        let pair = (base + win).max(f64::MIN_POSITIVE);
        let fit = (left / pair).floor();
        // Fixed now, before the first fresh sample: the interval then means what it says.
        self.confirm_runs = if fit.is_finite() { (fit.max(0.0) as u32).clamp(low, high.max(low)) } else { low };
        self.begin(Stage::Confirmation, &[0, winner]);
    }

    fn close_confirmation(&mut self) {
        let Some((winner, selection)) = self.chosen.clone() else {
            self.finish(0, None, "nothing was chosen to confirm".to_owned());
            return;
        };
        if let Some(why) = self.entry(winner).and_then(|e| e.dropped.as_ref()).map(|d| d.why.clone()) {
            self.finish(
                0,
                selection,
                format!("the winner failed in the confirmation ({why}); keep the project as it is"),
            );
            return;
        }
        // The two sides took turns round by round: each round's pair shares the machine's state.
        let confirmed = compare_pairs(&self.samples_of(0), &self.samples_of(winner), &stats(0.95));
        let faster = confirmed.as_ref().and_then(|c| c.ci95).is_some_and(|(lo, _)| lo > 1.0);
        let summary = match &confirmed {
            Some(c) if faster => format!("confirmed on fresh samples: {:.2}x", c.speedup),
            Some(c) => format!(
                "not confirmed on fresh samples ({:.2}x, an interval that reaches 1): keep the project as it is",
                c.speedup
            ),
            None => "the confirmation has too few samples to tell".to_owned(),
        };
        self.stage = None;
        self.outcome = Some(Outcome {
            winner,
            selection,
            confirmed,
            confirm_runs: self.confirm_runs,
            confirmed_faster: faster,
            summary,
        });
    }

    fn finish(&mut self, winner: usize, selection: Option<Comparison>, summary: String) {
        self.stage = None;
        self.outcome =
            Some(Outcome { winner, selection, confirmed: None, confirm_runs: 0, confirmed_faster: false, summary });
    }

    /// The samples the confirmation takes of each side, once it has begun.
    pub fn confirmation_runs(&self) -> u32 {
        self.confirm_runs
    }
}
