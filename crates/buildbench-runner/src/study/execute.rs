//! Runs a prepared study: claims and locks the output folder, restores what an interrupted run
//! left, copies the project, starts private sccache servers, executes the steps and saves
//! `study.json` atomically after every sample.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use buildbench_model::{Cache, Invocation as Logged, Linker, Purpose, SCHEMA_VERSION, Sample, SccacheStats, Study};
use buildbench_model::{Scenario, Word as _};

use crate::build::probe::ResolvedToolchain;
use crate::build::record::{link_disagreement, links, remove_reports, sample_from};
use crate::files::edit::{RestoreGuard, edited};
use crate::files::fsutil::{copy_project, remove_tree, write_atomic};
use crate::observer::{Event, Observer, Rounds};
use crate::process::exec::{Executor, Outcome};
use crate::study::plan::{Action, Planner, Step, shard_runnable};
use crate::study::prepare::Prepared;
use crate::{RunnerError, Sccache};

/// Runs a prepared study to the end (or until `interrupted`), saving after every sample.
pub fn run(
    prepared: Prepared,
    executor: &mut dyn Executor,
    observer: &mut dyn Observer,
    interrupted: &Arc<AtomicBool>,
) -> Result<Study, RunnerError> {
    run_with(prepared, executor, observer, interrupted, None)
}

/// `run`, with `rounds` deciding after every measured round which configurations get another
/// (instead of the plan's `--precision`, `--until-verdict` and `--until-decided`).
pub fn run_with(
    prepared: Prepared,
    executor: &mut dyn Executor,
    observer: &mut dyn Observer,
    interrupted: &Arc<AtomicBool>,
    rounds: Option<&mut dyn Rounds>,
) -> Result<Study, RunnerError> {
    let p = &prepared;
    let out = &p.out;
    let guarded = in_place_guarded(p)?;
    // The output folder is buildbench's (marked) and one run's at a time. Until the study is
    // saved in it, a refusal (a locked project, a bad journal) removes it again.
    let _out_claim = crate::files::paths::claim(out, "-o/--output", Some("study.json"))?;
    let _out_lock = crate::files::lock::acquire_removed_after(&out.join(".buildbench-lock"), "the output folder")?;
    let study_file = out.join("study.json");
    // One run at a time edits, restores or copies the project: an interrupted --in-place run's
    // files are put back first, and a copy never catches another run's edit.
    let project_lock = Some(crate::files::lock::project_lock(&p.project.root)?);
    let recovered = crate::files::edit::recover(&p.project.root)?;
    report_restore(observer, &recovered, "an interrupted run");

    let mut study = match &p.previous {
        Some(previous) => previous.clone(),
        None => new_study(p),
    };
    study.own_linker = p.user_config.own_linker.clone();
    study.unavailable = p.unavailable.clone();
    study.complete = false;
    announce(p, observer);
    save(&study_file, &study)?;

    let _work_claim = crate::files::paths::claim(&p.work, "the work folder", None)?;
    // A full disk ends the study: the copies and target directories are removed so the disk is
    // not kept full (even with --keep-work); the study saved so far stays, for --resume.
    match measure(p, &guarded, &mut study, executor, observer, interrupted, project_lock, rounds) {
        Ok(()) => {}
        Err(error) if error.disk_full() => return Err(free_work(p, error)),
        Err(error) => return Err(error),
    }
    if !p.options.keep_work {
        crate::files::paths::remove_owned(&p.work)?;
    }
    Ok(study)
}

/// The files an `--in-place` study writes in the project (the edited file, and Cargo.lock,
/// which cargo may create), each with whether it may be missing; none for a study on a copy.
/// Refuses when one is not writable, before the output folder is made: a refused run leaves none.
fn in_place_guarded(p: &Prepared) -> Result<Vec<(std::path::PathBuf, bool)>, RunnerError> {
    let mut guarded = Vec::new();
    if p.options.plan.in_place {
        guarded.extend(p.edit_file.as_ref().map(|f| (p.source.join(f), false)));
        // Cargo may write a missing or stale lock file.
        guarded.push((p.source.join("Cargo.lock"), true));
        // Everything written must be writable before the first build, not after it.
        for (file, _) in &guarded {
            let check = if file.exists() { file.as_path() } else { &p.project.root };
            if !crate::process::exec::writable(check) {
                return Err(RunnerError::NotWritable { path: check.to_owned() });
            }
        }
    }
    Ok(guarded)
}

/// A new study, with no samples yet: this machine's environment and the plan (a shard is one
/// block of it).
fn new_study(p: &Prepared) -> Study {
    let mut toolchains: Vec<_> = p.toolchains.values().map(ResolvedToolchain::info).collect();
    toolchains.sort_by(|a, b| a.name.cmp(&b.name));
    let started_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let environment = crate::build::probe::environment(toolchains, &crate::build::probe::tools(true));
    // A shard is one block: the machine it ran on goes with it into the merged study.
    let blocks = p
        .options
        .plan
        .shard
        .map(|(k, _)| buildbench_model::Block { block: k, environment: environment.clone(), started_at })
        .into_iter()
        .collect();
    Study {
        schema_version: SCHEMA_VERSION,
        buildbench_version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at,
        project: p.project.root.display().to_string(),
        environment,
        plan: p.options.plan.clone(),
        unavailable: Vec::new(),
        samples: Vec::new(),
        invocations: Vec::new(),
        complete: false,
        merged_from: Vec::new(),
        mixed_environments: Vec::new(),
        blocks,
        own_linker: None,
    }
}

/// Tells the observer which configurations cannot run here and how many builds the plan has.
fn announce(p: &Prepared, observer: &mut dyn Observer) {
    for u in &p.unavailable {
        observer.event(Event::Unavailable(u));
    }
    let builds = p.steps.iter().filter(|s| matches!(s.action, Action::Build { .. })).count();
    let count = |wanted: Purpose| {
        p.steps.iter().filter(|s| matches!(s.action, Action::Build { purpose, .. } if purpose == wanted)).count()
    };
    observer.event(Event::Planned { builds, measured: count(Purpose::Measured), warmup: count(Purpose::Warmup) });
}

/// Removes the work folder after the disk filled up, and says so in the error.
fn free_work(p: &Prepared, error: RunnerError) -> RunnerError {
    let _ = crate::files::paths::remove_owned(&p.work);
    match error {
        RunnerError::DiskFull { .. } => error,
        other => RunnerError::DiskFull { during: other.to_string(), work: p.work.clone(), out: p.out.clone() },
    }
}

/// Everything from the copy to the last save: copies or exports the sources, starts sccache
/// servers, runs the steps, restores edited files and saves the study.
// Each argument is one thing `run_with` owns or was given; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
fn measure(
    p: &Prepared,
    guarded: &[(std::path::PathBuf, bool)],
    study: &mut Study,
    executor: &mut dyn Executor,
    observer: &mut dyn Observer,
    interrupted: &Arc<AtomicBool>,
    mut project_lock: Option<crate::files::lock::Lock>,
    rounds: Option<&mut dyn Rounds>,
) -> Result<(), RunnerError> {
    let out = &p.out;
    let study_file = out.join("study.json");
    let temp = p.work.join("tmp");
    std::fs::create_dir_all(&temp).map_err(RunnerError::io(&temp, "cannot create"))?;
    if !p.options.plan.in_place {
        make_sources(p, observer, interrupted)?;
        // The sources are copied or exported: other runs may edit or copy the project again.
        project_lock = None;
    }
    let journal =
        p.options.plan.in_place.then(|| {
            (crate::files::edit::journal_path(&p.project.root), p.project.root.as_path(), Some(out.as_path()))
        });
    let mut guard = RestoreGuard::new(guarded, journal)?;
    let trees = edited_trees(p)?;
    // The folders of linkers the C compiler driver finds through `-B` (wild).
    let linkers: Vec<Linker> = p.runnable.iter().map(|&i| p.options.plan.configurations[i].linker).collect();
    crate::build::probe::make_ld_folders(&linkers, &|l| p.ld_folder(l))?;
    let ports_file = p.work.join("sccache-ports.json");
    let Servers { ports, servers } = start_servers(p, &ports_file)?;

    // Reborrowed for as long as the `Execution` borrows everything else.
    let rounds = rounds.map(|r| r as &mut dyn Rounds);
    let result = Execution {
        p,
        study,
        executor,
        observer,
        interrupted,
        ports: &ports,
        servers: &servers,
        guard: &mut guard,
        trees: &trees,
        failed: Vec::new(),
        edits: 0,
        number: 0,
        packages: HashMap::new(),
        rounds,
    }
    .execute();
    for server in servers.values() {
        server.stop();
    }
    let _ = std::fs::remove_file(&ports_file);
    let restored = guard.restore()?;
    report_restore(observer, &restored, "this run");
    drop(guard);
    drop(project_lock);
    if !p.options.plan.in_place {
        for tree in &trees {
            let _ = std::fs::write(&tree.path, &tree.original);
        }
    }
    study.complete = result.is_ok();
    save(&study_file, study)?;
    result
}

/// Puts the sources of a study that does not build in place where its builds run: one export
/// per revision in a rev study (the checkout and its .git are only read), else the isolated
/// copy (the user's tree is only ever read); each with a `Cargo.lock` and an edited file of its
/// own.
fn make_sources(p: &Prepared, observer: &mut dyn Observer, interrupted: &Arc<AtomicBool>) -> Result<(), RunnerError> {
    let Some(repo) = &p.repository else {
        // A shared work folder's copy, once complete, is every study's: the first one's sources.
        let copied = p.work.join("sources-copied");
        if !(p.shared_work && copied.is_file()) {
            remove_tree(&p.source)?;
            copy_project(&p.project.root, &p.project.target_directory, &p.source, std::slice::from_ref(&p.work))?;
            lock_file_of_its_own(&p.source)?;
        }
        if let Some(f) = &p.edit_file {
            crate::files::fsutil::materialize(&p.source, f)?;
        }
        if p.shared_work {
            std::fs::write(&copied, "").map_err(RunnerError::io(&copied, "cannot write"))?;
        }
        return Ok(());
    };
    let out = &p.out;
    let skip = [p.work.clone(), out.clone(), p.project.target_directory.clone(), p.project.root.join("target")];
    for revision in &p.options.plan.revisions {
        // Ctrl-C between two exports of a large repository stops here, not after the last.
        if interrupted.load(Ordering::SeqCst) {
            return Err(RunnerError::Interrupted { out: Some(out.clone()) });
        }
        observer.event(Event::Note(format!("exporting revision {}", revision.describe())));
        let dir = p.revision_dir(&revision.name);
        let source = crate::study::revision::export(repo, revision, &dir, &p.work.join("tmp"), &skip)?;
        lock_file_of_its_own(&source)?;
        // `prepare` checked that every revision has the file (`revision::has_file`).
        if let Some(f) = &p.edit_file {
            crate::files::fsutil::materialize(&source, f)?;
        }
    }
    Ok(())
}

/// The edited file of each source tree (one per revision in a rev study) and its original
/// bytes; none when no scenario edits.
fn edited_trees(p: &Prepared) -> Result<Vec<Tree>, RunnerError> {
    let mut trees: Vec<Tree> = Vec::new();
    if let Some(f) = &p.edit_file {
        let mut revisions: Vec<Option<String>> = vec![None];
        if p.repository.is_some() {
            revisions = p.options.plan.revisions.iter().map(|r| Some(r.name.clone())).collect();
        }
        for revision in revisions {
            let path = p.tree(revision.as_deref()).join(f);
            let original = crate::files::fsutil::read_bounded(&path)?;
            trees.push(Tree { revision, path, original });
        }
    }
    Ok(trees)
}

/// Starts a private sccache server for every runnable sccache configuration, each on a free
/// port recorded in `ports_file` (servers an earlier, killed run of this study left running are
/// stopped first).
fn start_servers(p: &Prepared, ports_file: &Path) -> Result<Servers, RunnerError> {
    let mut ports = HashMap::new();
    let mut servers: HashMap<String, Sccache> = HashMap::new();
    crate::process::sccache::stop_recorded(ports_file);
    for &i in &p.runnable {
        let configuration = &p.options.plan.configurations[i];
        if configuration.cache == Cache::Sccache {
            ports.insert(configuration.name.clone(), crate::process::sccache::free_port()?);
            if let Some(server) = p.sccache_for(configuration, &ports) {
                crate::process::sccache::record(ports_file, &server)?;
                server.start()?;
                servers.insert(configuration.name.clone(), server);
            }
        }
    }
    Ok(Servers { ports, servers })
}

/// The private sccache servers of a study and their ports, by configuration name.
struct Servers {
    ports: HashMap<String, u16>,
    servers: HashMap<String, Sccache>,
}

/// Makes a copy's or an export's `Cargo.lock` a file of its own when it is a symlink (committed
/// as one, or in the user's tree): cargo rewrites a stale lock file, and would write through
/// the link into the user's checkout.
fn lock_file_of_its_own(source: &Path) -> Result<(), RunnerError> {
    let lock = source.join("Cargo.lock");
    if std::fs::symlink_metadata(&lock).is_ok_and(|m| m.file_type().is_symlink()) {
        crate::files::fsutil::materialize(source, Path::new("Cargo.lock"))?;
    }
    Ok(())
}

/// Tells the observer what a restore did, above all which files were kept as someone else left
/// them.
fn report_restore(observer: &mut dyn Observer, done: &crate::files::edit::Restored, by: &str) {
    for path in &done.restored {
        observer.event(Event::Note(format!("restored {} as it was before {by}", path.display())));
    }
    for path in &done.kept {
        observer.event(Event::Note(format!(
            "kept {} as it is now: it changed during {by}, not by buildbench, so it was not restored",
            path.display()
        )));
    }
}

fn save(path: &Path, study: &Study) -> Result<(), RunnerError> {
    let bytes =
        serde_json::to_vec_pretty(study).map_err(|e| RunnerError::Encode { what: "study", detail: e.to_string() })?;
    write_atomic(path, &bytes)
}

/// The file the incremental scenarios edit in one source tree (the copy, the project in place,
/// or one revision's export), and its original bytes.
struct Tree {
    /// The revision the tree is an export of (`None` outside a rev study).
    revision: Option<String>,
    path: std::path::PathBuf,
    original: Vec<u8>,
}

/// Everything one run of the steps needs and updates.
struct Execution<'a> {
    p: &'a Prepared,
    study: &'a mut Study,
    executor: &'a mut dyn Executor,
    observer: &'a mut dyn Observer,
    interrupted: &'a Arc<AtomicBool>,
    ports: &'a HashMap<String, u16>,
    servers: &'a HashMap<String, Sccache>,
    /// Writes the edits (through the journal, in place).
    guard: &'a mut RestoreGuard,
    /// The file the incremental scenarios edit in each source tree.
    trees: &'a [Tree],
    /// Configurations whose build failed: their remaining steps are skipped.
    failed: Vec<usize>,
    /// Edits applied so far (numbers every edit uniquely).
    edits: u64,
    /// Builds started so far, for progress.
    number: usize,
    /// Each source tree's package graph (by revision), read with `cargo metadata` after its
    /// first successful build (when its Cargo.lock is there): it completes every sample's
    /// unit graph. `None` when it could not be read; the samples keep the report's edges.
    packages: HashMap<Option<String>, Option<buildbench_timings::PackageGraph>>,
    /// Decides the rounds after the first, when given (`buildbench tune`).
    rounds: Option<&'a mut dyn Rounds>,
}

/// What decides a scenario's rounds after the first (without a caller's `Rounds`): the cells
/// that run in it, where its measured rounds start, the gate's looks, and what earlier rounds
/// fixed or decided.
struct MoreRounds<'a> {
    scenario: Scenario,
    /// The configurations of this shard that run the scenario.
    runnable: Vec<usize>,
    /// The first measured round's index.
    start: u32,
    /// `--until-decided`: the gate whose undecided cells get more rounds.
    gate: Option<&'a buildbench_model::gate::GateSpec>,
    /// The looks at which undecided gated cells are decided again, in this study's own sample
    /// counts (a block of a sharded study takes its share of each look).
    looks: Vec<u32>,
    /// The last look.
    gate_limit: u32,
    /// The cells undecided at the last look, which keep sampling until the next.
    gate_pending: Vec<usize>,
    /// Each cell's sample size under `--precision`, fixed once from its first `--runs` samples.
    sizes: Option<Vec<(usize, u32)>>,
}

impl<'a> MoreRounds<'a> {
    /// Before the first round of `scenario`, whose measured rounds are `rounds`.
    fn new(
        plan: &'a buildbench_model::Plan,
        scenario: Scenario,
        runnable: Vec<usize>,
        rounds: &std::ops::Range<u32>,
    ) -> Self {
        let gate = plan.gate.as_ref().filter(|g| g.until_decided && !plan.revisions.is_empty());
        let blocks = match plan.shard {
            Some((_, n)) if plan.shard_by == buildbench_model::ShardBy::Block => n.max(1),
            _ => 1,
        };
        let first = rounds.end - rounds.start;
        let looks: Vec<u32> = std::iter::once(first)
            .chain(
                buildbench_model::gate::looks(plan.runs, plan.max_runs, true)
                    .into_iter()
                    .skip(1)
                    .map(|n| n.div_ceil(blocks))
                    .filter(|&n| n > first),
            )
            .collect();
        let gate_limit = looks.iter().copied().max().unwrap_or(first);
        MoreRounds {
            scenario,
            runnable,
            start: rounds.start,
            gate,
            looks,
            gate_limit,
            gate_pending: Vec::new(),
            sizes: None,
        }
    }
}

impl Execution<'_> {
    /// Runs every scenario's rounds, and adaptive extra rounds where asked for.
    fn execute(mut self) -> Result<(), RunnerError> {
        let p = self.p;
        let plan = &p.options.plan;
        // Edit numbers continue after those of a resumed study, so no two builds see the same text.
        self.edits = self.study.invocations.len() as u64;
        let mut planner = Planner::new(&plan.configurations);
        if self.rounds.is_some() {
            return self.execute_by_rounds(planner);
        }
        for &scenario in &plan.scenarios {
            let runnable = shard_runnable(plan, &p.runnable, scenario);
            let rounds = plan.measured_rounds();
            let mut next_index = rounds.end;
            let mut more = MoreRounds::new(plan, scenario, runnable, &rounds);
            let mut steps = planner.scenario(scenario, plan.warmup, rounds, &more.runnable, &p.done);
            loop {
                for step in &steps {
                    self.run_step(step)?;
                }
                let Some(next) = self.next_round(&mut more, next_index) else { break };
                steps = planner.round(scenario, Purpose::Measured, next_index, &next, &p.done);
                let builds = steps.iter().filter(|s| matches!(s.action, Action::Build { .. })).count();
                self.observer.event(Event::Extended { builds, scenario, round: next_index + 1 });
                next_index += 1;
            }
        }
        Ok(())
    }

    /// The races of a caller's `Rounds` (`buildbench tune`): the warm-ups and first measured
    /// rounds scenario by scenario, then round by round, each round taking every scenario in
    /// turn with the configurations the caller names, so a race whose candidates run in
    /// different scenarios (sccache's warm-cache builds beside plain clean ones) gets one
    /// sample of each of them per round.
    fn execute_by_rounds(mut self, mut planner: Planner<'_>) -> Result<(), RunnerError> {
        let p = self.p;
        let plan = &p.options.plan;
        let rounds = plan.measured_rounds();
        let mut next_index = rounds.end;
        let mut scenarios: Vec<MoreRounds<'_>> = Vec::new();
        for &scenario in &plan.scenarios {
            let more = MoreRounds::new(plan, scenario, shard_runnable(plan, &p.runnable, scenario), &rounds);
            for step in planner.scenario(scenario, plan.warmup, rounds.clone(), &more.runnable, &p.done) {
                self.run_step(&step)?;
            }
            scenarios.push(more);
        }
        loop {
            let chosen = match self.rounds.as_mut() {
                Some(r) => r.next(self.study),
                None => Vec::new(),
            };
            let mut builds = 0;
            for more in &mut scenarios {
                let Some(next) = self.runnable_of(more, chosen.clone()) else { continue };
                let steps = planner.round(more.scenario, Purpose::Measured, next_index, &next, &p.done);
                builds += steps.iter().filter(|s| matches!(s.action, Action::Build { .. })).count();
                for step in &steps {
                    self.run_step(step)?;
                }
            }
            if builds == 0 {
                return Ok(());
            }
            let scenario = scenarios.first().map_or(Scenario::Clean, |m| m.scenario);
            self.observer.event(Event::Extended { builds, scenario, round: next_index + 1 });
            next_index += 1;
        }
    }

    /// Of `next`, the configurations that may take another sample of `more`'s scenario,
    /// sorted: never a failed one or one that does not run in the scenario. `None` when none.
    fn runnable_of(&self, more: &MoreRounds<'_>, mut next: Vec<usize>) -> Option<Vec<usize>> {
        let plan = &self.p.options.plan;
        next.retain(|&c| {
            !self.failed.contains(&c)
                && more.runnable.contains(&c)
                && plan.configurations.get(c).is_some_and(|c| crate::study::plan::applies(c, more.scenario))
        });
        next.sort_unstable();
        next.dedup();
        (!next.is_empty()).then_some(next)
    }

    /// The cells of a scenario's next measured round (round `next_index`), sorted: those whose
    /// precision, verdict or gate is not reached yet; never a failed one or one that does not
    /// run in the scenario. `None` ends the scenario.
    fn next_round(&mut self, more: &mut MoreRounds<'_>, next_index: u32) -> Option<Vec<usize>> {
        let next = self.planned_round(more, next_index)?;
        self.runnable_of(more, next)
    }

    /// The cells that `--precision`, `--until-verdict` and `--until-decided` give another round
    /// (round `next_index`); `None` once none of them may take more samples.
    fn planned_round(&self, more: &mut MoreRounds<'_>, next_index: u32) -> Option<Vec<usize>> {
        let plan = &self.p.options.plan;
        let scenario = more.scenario;
        let taken = next_index - more.start;
        let more_verdicts =
            (plan.precision.is_some() || plan.until_verdict) && next_index < plan.max_runs.max(plan.runs);
        let more_gate = more.gate.is_some() && taken < more.gate_limit;
        if !more_verdicts && !more_gate {
            return None;
        }
        let mut next = Vec::new();
        if more_verdicts {
            if let Some(target) = plan.precision {
                let runnable = &more.runnable;
                let sizes = more.sizes.get_or_insert_with(|| {
                    runnable.iter().map(|&c| (c, self.sample_size(c, scenario, target))).collect()
                });
                // Two-stage sampling: another round for the cells that have not reached their size.
                next.extend(sizes.iter().filter(|&&(_, size)| next_index < size).map(|&(c, _)| c));
            }
            if plan.until_verdict {
                next.extend(self.undecided(scenario));
            }
        }
        if let (Some(spec), true) = (more.gate, more_gate) {
            // Decided only at the planned looks (the correction counts them); between
            // looks the cells undecided at the last one keep sampling.
            if more.looks.contains(&taken) {
                more.gate_pending = self.undecided_gate(scenario, spec);
            }
            next.extend(more.gate_pending.iter().copied());
        }
        Some(next)
    }

    /// The base and head configurations of the gated cells of `scenario` that the gate leaves
    /// undecided, for `--until-decided`.
    fn undecided_gate(&self, scenario: Scenario, spec: &buildbench_model::gate::GateSpec) -> Vec<usize> {
        use buildbench_model::gate::{Outcome, evaluate};
        let plan = &self.p.options.plan;
        let Ok(gate) = evaluate(self.study, spec) else { return Vec::new() };
        let base = gate.base.name.clone();
        gate.cells
            .iter()
            .filter(|c| c.scenario == scenario && c.outcome == Outcome::Undecided)
            .flat_map(|c| {
                [
                    buildbench_model::revision_name(&c.configuration, &base),
                    buildbench_model::revision_name(&c.configuration, &c.head),
                ]
            })
            .filter_map(|name| plan.configurations.iter().position(|c| c.name == name))
            .collect()
    }

    /// The configurations of the claims whose verdict is still inconclusive and that are decided
    /// in `scenario` (their first scenario this study runs), for `--until-verdict`.
    fn undecided(&self, scenario: Scenario) -> Vec<usize> {
        use buildbench_model::claims::{Verdict, builtin, evaluate_family};
        let plan = &self.p.options.plan;
        let claims = builtin();
        let (results, confidence) = evaluate_family(&claims, self.study, 0.02);
        claims
            .iter()
            .zip(&results)
            .filter(|(claim, result)| {
                result.verdict == Verdict::Inconclusive
                    && claim.scenarios.iter().find(|s| plan.scenarios.contains(s)) == Some(&scenario)
                    && !result.futile(claim.low, self.taken(result), plan.max_runs.max(plan.runs) as usize, confidence)
            })
            .filter_map(|(_, result)| result.cells.as_ref())
            .flat_map(|(reference, candidate, _)| [reference, candidate])
            .filter_map(|name| plan.configurations.iter().position(|c| &c.name == name))
            .collect()
    }

    /// Measured samples so far of the smaller of a claim's two cells.
    fn taken(&self, result: &buildbench_model::claims::ClaimResult) -> usize {
        let Some((reference, candidate, scenario)) = &result.cells else { return 0 };
        let count =
            |name: &str, scenario: Scenario| self.study.successful(name, scenario).filter(|s| !s.warmup).count();
        count(reference, scenario.reference()).min(count(candidate, *scenario))
    }

    /// The measured samples a cell needs for `precision` (Stein's two-stage rule on its pilot, the
    /// first `--runs` samples), for every metric a claim may use: wall time, the time linking
    /// the final artifacts, and codegen time where cargo reports it. At most `--max-runs`.
    fn sample_size(&self, configuration: usize, scenario: Scenario, precision: f64) -> u32 {
        use buildbench_model::stats::{TIMINGS_RESOLUTION, WALL_RESOLUTION, stein_sample_size};
        let plan = &self.p.options.plan;
        let Some(c) = plan.configurations.get(configuration) else { return plan.runs };
        let pilot: Vec<&buildbench_model::Sample> =
            self.study.successful(&c.name, scenario).filter(|s| s.index < plan.runs).collect();
        let metric = |values: Vec<Option<f64>>, resolution: f64| -> Option<usize> {
            let values: Option<Vec<f64>> = values.into_iter().collect();
            stein_sample_size(&values?, precision, resolution)
        };
        let sizes = [
            metric(pilot.iter().map(|s| Some(s.wall_seconds)).collect(), WALL_RESOLUTION),
            metric(pilot.iter().map(|s| s.artifact_link_seconds()).collect(), WALL_RESOLUTION),
            metric(pilot.iter().map(|s| s.codegen_seconds()).collect(), TIMINGS_RESOLUTION),
        ];
        let size = sizes.into_iter().flatten().max().unwrap_or(plan.runs as usize);
        u32::try_from(size).unwrap_or(u32::MAX).clamp(plan.runs, plan.max_runs.max(plan.runs))
    }

    /// Why a built sample is not what its configuration names, if it is not: a final binary
    /// linked by another linker than the one asked for (or, for `default`, than the project's
    /// own or the toolchain's), or an sccache configuration whose server saw no compile request
    /// in a build that compiled something.
    fn mismatch(
        &self,
        configuration: &buildbench_model::Configuration,
        sample: &buildbench_model::Sample,
    ) -> Option<String> {
        let own = self.p.user_config.own_linker.as_ref();
        let expected: Option<String> = match configuration.linker {
            Linker::Default => own.map(|o| o.linker.clone()).or_else(|| {
                let key = configuration.toolchain.clone().unwrap_or_else(|| "default".to_owned());
                let linker = self.p.toolchains.get(&key)?.default_linker.clone()?;
                buildbench_model::linker_family(&linker).map(str::to_owned)
            }),
            other => Some(other.as_str().to_owned()),
        };
        if let Some(expected) = expected {
            for artifact in &sample.artifacts {
                let Some(found) = &artifact.linker else { continue };
                if buildbench_model::linker_family(found) == Some(expected.as_str()) {
                    continue;
                }
                let requested = match configuration.linker {
                    Linker::Default if own.is_some() => format!("the project's own linker ({expected})"),
                    Linker::Default => format!("the toolchain's default linker ({expected})"),
                    other => other.as_str().to_owned(),
                };
                let because = match own {
                    Some(o) if o.linker != expected => format!(": the project's {} sets {}", o.source, o.flag),
                    _ => String::new(),
                };
                return Some(format!(
                    "{requested} requested, {found} linked {}{because}; the row would name a linker that did not run",
                    artifact.name
                ));
            }
        }
        if configuration.cache == Cache::Sccache
            && let Some(stats) = &sample.sccache
            && stats.requests == 0
            && sample.dirty_units.is_some_and(|n| n > 0)
        {
            return Some(format!(
                "sccache requested, but its server saw no compile request while {} units were rebuilt",
                sample.dirty_units.unwrap_or(0)
            ));
        }
        None
    }

    /// Runs one step and records what it measured.
    /// The package graph of the tree `invocation` built, read once per tree.
    fn package_graph(&mut self, invocation: &crate::Invocation) -> Option<&buildbench_timings::PackageGraph> {
        let p = self.p;
        let revision = invocation.cwd.as_ref().and_then(|cwd| {
            self.trees.iter().find(|t| t.path.starts_with(cwd) || cwd.starts_with(&t.path)).map(|t| t.revision.clone())
        });
        let key = revision.flatten();
        if !self.packages.contains_key(&key) {
            let root = p.tree(key.as_deref());
            let graph =
                crate::build::project::Project::package_graph(&invocation.program, &root, &p.options.plan.cargo_args);
            if let Err(e) = &graph {
                self.observer.event(Event::Note(format!(
                    "unit graphs stay as the timing reports record them (only the edge that released each unit): {e}"
                )));
            }
            self.packages.insert(key.clone(), graph.ok());
        }
        self.packages.get(&key).and_then(Option::as_ref)
    }

    /// Runs one step: an edit (shared by every configuration of a source tree), a wipe, or a
    /// build; steps of a configuration that failed are skipped, edits excepted.
    fn run_step(&mut self, step: &Step) -> Result<(), RunnerError> {
        let p = self.p;
        if self.interrupted.load(Ordering::SeqCst) {
            return Err(RunnerError::Interrupted { out: Some(p.out.clone()) });
        }
        let configuration = &p.options.plan.configurations[step.configuration];
        match step.action {
            // Edits are shared by every configuration of a source tree, so they happen even for a
            // failed one.
            Action::Edit => {
                if let Some(tree) = self.trees.iter().find(|t| t.revision == configuration.revision) {
                    self.edits += 1;
                    self.guard.write(&tree.path, &edited(&tree.original, self.edits), &p.out)?;
                }
            }
            _ if self.failed.contains(&step.configuration) => {}
            Action::WipeTarget => remove_tree(&p.target_dir(configuration))?,
            Action::WipeCache => {
                if let Some(server) = self.servers.get(&configuration.name) {
                    server.wipe()?;
                }
            }
            Action::Build { check, purpose, index } => self.build(step, check, purpose, index)?,
        }
        Ok(())
    }

    /// Runs one build and logs its command; records its sample (unless it prepared a later build
    /// and succeeded) and saves the study. Ends the study after a failure every later build would
    /// repeat.
    fn build(&mut self, step: &Step, check: bool, purpose: Purpose, index: u32) -> Result<(), RunnerError> {
        let p = self.p;
        let configuration = &p.options.plan.configurations[step.configuration];
        self.number += 1;
        let invocation = p.build_invocation(step, check, self.ports);
        self.observer.event(Event::Build {
            number: self.number,
            configuration: &configuration.name,
            scenario: step.scenario,
            purpose,
            index,
            command: &invocation.shell_line(),
        });
        let server = self.servers.get(&configuration.name);
        if let Some(server) = server {
            server.zero()?;
        }
        let link_log = p.link_log(configuration);
        if let Some(dir) = link_log.parent() {
            std::fs::create_dir_all(dir).map_err(RunnerError::io(dir, "cannot create"))?;
        }
        let _ = std::fs::remove_file(&link_log);
        let outcome = self.executor.run(&invocation).map_err(|e| RunnerError::Command {
            command: invocation.shell_line(),
            detail: format!("cannot start it: {e}"),
        })?;
        // What cargo left in the files it writes (Cargo.lock) is the run's own.
        self.guard.record()?;
        self.study.invocations.push(Logged {
            configuration: configuration.name.clone(),
            scenario: step.scenario,
            purpose,
            command: invocation.shell_line(),
            wall_seconds: outcome.wall.as_secs_f64(),
        });
        if self.interrupted.load(Ordering::SeqCst) {
            return Err(RunnerError::Interrupted { out: Some(p.out.clone()) });
        }
        let sccache = match server {
            Some(server) => Some(server.stats()?),
            None => None,
        };
        if !outcome.success() || purpose != Purpose::Prepare {
            let sample = self.sample(step, index, &outcome, &invocation);
            self.add(step, purpose, sample, sccache);
        }
        remove_reports(&p.target_dir(configuration));
        save(&p.out.join("study.json"), self.study)?;
        if !outcome.success() {
            self.stop_after_failure(step, &outcome, &invocation)?;
        }
        Ok(())
    }

    /// The sample of a finished build of `step`: its times and unit timings (the unit graph
    /// completed from the tree's package graph) and its timed links, marked as the step's
    /// sample number `index`.
    fn sample(&mut self, step: &Step, index: u32, outcome: &Outcome, invocation: &crate::Invocation) -> Sample {
        let p = self.p;
        let configuration = &p.options.plan.configurations[step.configuration];
        let packages = if outcome.success() { self.package_graph(invocation) } else { None };
        let mut sample = sample_from(outcome, &p.project, &p.target_dir(configuration), packages);
        sample.links = links(&crate::process::linkwrap::read_log(&p.link_log(configuration)), &sample.artifacts);
        if let Some(warning) = link_disagreement(&sample) {
            self.observer.event(Event::Note(format!("{} / {}: {warning}", configuration.name, step.scenario)));
        }
        sample.configuration = configuration.name.clone();
        sample.scenario = step.scenario;
        sample.index = index;
        sample.block = p.options.plan.shard.map(|(k, _)| k);
        sample.revision = configuration.revision.clone();
        sample
    }

    /// Adds `sample` to the study with its purpose and its sccache server's statistics, failed
    /// when it does not measure what its configuration names; a failed sample's configuration
    /// skips its remaining steps.
    fn add(&mut self, step: &Step, purpose: Purpose, mut sample: Sample, sccache: Option<SccacheStats>) {
        let p = self.p;
        let configuration = &p.options.plan.configurations[step.configuration];
        // A row must measure what it names: the linker read from the binaries, and
        // sccache's own count of compile requests (so the statistics go in first).
        sample.sccache = sccache;
        if sample.success
            && let Some(why) = self.mismatch(configuration, &sample)
        {
            sample.success = false;
            sample.stderr_tail = Some(format!("error: {why}"));
        }
        sample.warmup = purpose != Purpose::Measured;
        if !sample.success {
            self.failed.push(step.configuration);
            self.observer.event(Event::Failed {
                configuration: &configuration.name,
                scenario: step.scenario,
                stderr_tail: sample.stderr_tail.as_deref().unwrap_or(""),
            });
        }
        self.observer.event(Event::Sample(&sample));
        self.study.samples.push(sample);
    }

    /// Ends the study after a failed build that every later one would repeat: a disk full (its
    /// target directory keeps it full), or a compile error in the project's own source at the
    /// study's first build.
    fn stop_after_failure(
        &self,
        step: &Step,
        outcome: &Outcome,
        invocation: &crate::Invocation,
    ) -> Result<(), RunnerError> {
        let p = self.p;
        let configuration = &p.options.plan.configurations[step.configuration];
        let stderr = String::from_utf8_lossy(&outcome.stderr);
        if let Some(line) = stderr.lines().find(|l| l.contains("No space left on device") || l.contains("os error 28"))
        {
            return Err(RunnerError::DiskFull {
                during: format!("the build of {} / {} failed: {}", configuration.name, step.scenario, line.trim()),
                work: p.work.clone(),
                out: p.out.clone(),
            });
        }
        // The study's first build is of the project as it is: a compile error in the project's
        // own source there fails every configuration alike, so the study ends at once with
        // cargo's message and the full log. Cranelift is excluded: its own failures (an
        // unsupported feature, an ICE) can point into the source too.
        if self.number == 1
            && configuration.backend != buildbench_model::Backend::Cranelift
            && let Some(diagnostic) = buildbench_model::source_error(&stderr)
        {
            let log = p.out.join("first-build.log");
            write_atomic(&log, &outcome.stderr)?;
            return Err(RunnerError::ProjectDoesNotBuild {
                configuration: configuration.name.clone(),
                diagnostic,
                log,
                command: invocation.shell_line(),
            });
        }
        Ok(())
    }
}
