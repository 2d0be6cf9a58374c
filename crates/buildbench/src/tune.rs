//! `buildbench tune`: probe what this machine can do, then drive the model's search
//! (`buildbench_model::tune::Search`) stage by stage, each stage one study run by the runner
//! with the search deciding every round (`Rounds`); write tune.json, report.html and the
//! confirmation's study.json, print the outcome, and apply the winner on request.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use buildbench_model::tune::{
    Allow, Available, Goal, Objective, Search, Settings, Space, Stage, TUNE_SCHEMA_VERSION, Tune,
};
use buildbench_model::{Linker, Plan, Study, Word as _};
use buildbench_report::export::Exporter as _;
use buildbench_runner::{Event, Observer, ProcessExecutor, Rounds, StudyOptions, prepare, run_with};

use crate::cli::tune::TuneArgs;

/// Options that cannot save more than this share of the build (by their whatif bound) are
/// left out before anything is built: below it a change is noise (`compare`'s default).
const PRUNE_BELOW: f64 = 0.02;

/// What the probes found, as the model's `Available`.
fn available(checkup: &buildbench_model::Checkup) -> Available {
    let linkers =
        checkup.linkers.iter().filter(|t| t.version.is_some()).filter_map(|t| Linker::parse(&t.name).ok()).collect();
    let stable: Vec<_> = checkup.toolchains.iter().filter(|t| !t.rustc.contains("nightly")).collect();
    let pool = if stable.is_empty() { checkup.toolchains.iter().collect() } else { stable };
    Available {
        linkers,
        default_is_rust_lld: pool
            .iter()
            .any(|t| t.default_linker.as_deref().is_some_and(buildbench_model::linker::is_rust_lld)),
        nightly: checkup.toolchains.iter().any(|t| t.rustc.contains("nightly")),
        cranelift: checkup.toolchains.iter().any(|t| t.rustc.contains("nightly") && t.cranelift),
        cores: std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(1)),
        sccache: checkup.caches.iter().any(|t| t.name == "sccache" && t.version.is_some()),
    }
}

fn allow_words(list: &[String]) -> Result<Vec<Allow>> {
    let mut out = Vec::new();
    for word in list.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        let Some(a) = Allow::parse(word) else {
            bail!(
                "--allow {word:?}: unknown trade-off; expected one of: {}",
                Allow::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
            );
        };
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

/// The space in words, for `--dry-run` and the start of a run.
fn describe(space: &Space, objective: &Objective, budget: f64) -> Vec<String> {
    let scenarios: Vec<String> = objective.goals().iter().map(|g| g.scenario().to_string()).collect();
    let mut lines = vec![format!(
        "tune: {} builds ({}), budget {}",
        objective.label(),
        scenarios.join(", "),
        buildbench_report::tune::clock(budget)
    )];
    if let Some(c) = &space.current {
        lines.push(format!("  the project now: {}", c.describe()));
    }
    for d in &space.dimensions {
        for o in &d.options {
            lines.push(format!("  {}: {} ({})", d.name, o.label, o.tradeoff));
        }
    }
    for (o, why) in &space.left_out {
        lines.push(format!("  not searched: {o}: {why}"));
    }
    lines
}

/// `YYYYMMDD-HHMMSS` in UTC.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (year, month, day, h, m, s) = crate::cli::civil(secs);
    format!("{year:04}{month:02}{day:02}-{h:02}{m:02}{s:02}")
}

/// `buildbench tune`: probes this machine, searches the space stage by stage, saves and
/// prints what was found, and applies the winner on request.
pub fn run(args: &TuneArgs) -> Result<ExitCode> {
    let interrupted = crate::cli::interrupt_flag()?;
    let allow = allow_words(&args.allow)?;
    let objective = Objective::parse(&args.goal).map_err(|e| anyhow::anyhow!("--goal {}: {e}", args.goal))?;
    let cargo_args =
        buildbench_model::cargo_args::assemble(None, None, false, None, &args.cargo).map_err(anyhow::Error::msg)?;
    let profile = buildbench_model::cargo_args::CargoArgs::parse(&cargo_args).profile().to_owned();
    let project = args.path.clone().unwrap_or_else(buildbench_runner::paths::current_project);
    // Before the probes and before --dry-run's answer: the space means nothing without a project.
    if !project.join("Cargo.toml").is_file() {
        return Err(buildbench_runner::RunnerError::NotAProject { path: project }.into());
    }
    // --apply would refuse uncommitted changes at the end: refuse them before the search.
    if args.apply && !args.dry_run {
        buildbench_runner::apply::precheck(&project, args.force)?;
    }
    let space = probe_space(args, &objective, (&profile, &cargo_args), &project, &allow)?;
    if answered_without_building(args, &space, &objective)? {
        return Ok(ExitCode::SUCCESS);
    }
    if !args.quiet {
        for line in describe(&space, &objective, args.budget) {
            eprintln!("{line}");
        }
    }
    let mut driver = Driver::new(args, &objective, &space, &cargo_args, &project, &profile)?;
    let mut executor = ProcessExecutor::new(Arc::clone(&interrupted));
    let searched = driver.search_all(&mut executor, &interrupted);
    // The work folder the stages shared goes, also when the search stopped: a tune cannot be
    // resumed (compare keeps its work for --resume); tune.json and report.html stay.
    if let Some(out) = &driver.out {
        remove_work(out);
    }
    // What was measured is saved even when the search stopped early (Ctrl-C, a full disk); a
    // search refused before its first stage began saves nothing, so it never writes over an
    // earlier run's files or leaves a folder where it was refused one.
    let tune = driver.record(&allow);
    let snippet = match &driver.out {
        Some(out) if driver.began => driver.save(&tune, out)?,
        _ => Vec::new(),
    };
    // Interrupted: what was measured is saved, and a tune has no --resume (the runner's hint
    // names compare's).
    searched.map_err(|e| match (&driver.out, e.downcast_ref::<buildbench_runner::RunnerError>()) {
        (Some(out), Some(buildbench_runner::RunnerError::Interrupted { .. })) if driver.began => {
            anyhow::Error::new(buildbench_runner::RunnerError::Interrupted { out: None }).context(format!(
                "the search stopped; what it measured is in {} (tune.json, report.html); a tune cannot be \
                 resumed: run it again",
                out.display()
            ))
        }
        _ => e,
    })?;
    let view = buildbench_report::tune::view(&tune, &snippet);
    let text = buildbench_report::export::Terminal { color: crate::cli::color() }.view(&view);
    std::io::stdout().lock().write_all(&text).context("writing to stdout")?;
    let Some(out) = &driver.out else { return Ok(ExitCode::SUCCESS) };
    if !args.quiet {
        let confirmation = if out.join("study.json").is_file() { ", and the confirmation's study.json" } else { "" };
        eprintln!("tune.json and report.html{confirmation} saved in {}", out.display());
    }
    apply_or_suggest(args, &tune, out, &project)
}

/// The lock of a tune's folder (not the study lock its confirmation takes in the same folder).
fn tune_lock(out: &Path) -> Result<buildbench_runner::lock::Lock> {
    Ok(buildbench_runner::lock::acquire_removed_after(&out.join(".buildbench-tune-lock"), "the tune's folder")?)
}

/// Removes the work folder the stages shared (the copy, target folders, caches); only a folder
/// buildbench marked as its own is removed.
fn remove_work(out: &Path) {
    let _ = buildbench_runner::paths::remove_owned(&out.join("work"));
}

/// Probes the toolchains and linkers (as `buildbench doctor` does) and gives the space they
/// and `--allow` leave to search.
fn probe_space(
    args: &TuneArgs,
    objective: &Objective,
    (profile, cargo_args): (&str, &[String]),
    project: &Path,
    allow: &[Allow],
) -> Result<Space> {
    if !args.quiet {
        eprintln!("probing toolchains and linkers (as `buildbench doctor` does)");
    }
    let checkup = buildbench_runner::doctor::checkup(Some(project))?;
    let toolchain = buildbench_runner::probe::Toolchain::resolve_in(None, Some(project))?;
    let goals = objective.goals();
    let check = goals.iter().all(|&g| g == Goal::Check);
    let current = buildbench_runner::project::current_settings(&toolchain, project, cargo_args, check, profile);
    Ok(buildbench_model::tune::space(&goals, &current, &available(&checkup), allow))
}

/// Prints the answer when nothing is to be built: the space in words for `--dry-run`, or
/// that nothing can be tuned here. Returns whether it answered.
fn answered_without_building(args: &TuneArgs, space: &Space, objective: &Objective) -> Result<bool> {
    let mut stdout = std::io::stdout().lock();
    if args.dry_run {
        for line in describe(space, objective, args.budget) {
            writeln!(stdout, "{line}")?;
        }
        return Ok(true);
    }
    if space.dimensions.is_empty() {
        writeln!(stdout, "nothing to tune for {} builds here; keep the project as it is", objective.label())?;
        for (o, why) in &space.left_out {
            writeln!(stdout, "  not searched: {o}: {why}")?;
        }
        return Ok(true);
    }
    Ok(false)
}

/// After a saved tune: applies the confirmed winner with `--apply`, or says how to.
fn apply_or_suggest(args: &TuneArgs, tune: &Tune, out: &Path, project: &Path) -> Result<ExitCode> {
    let confirmed = tune.search.outcome.as_ref().filter(|o| o.confirmed_faster && o.winner != 0);
    match (args.apply, confirmed) {
        (true, Some(o)) => {
            let apply = crate::cli::ApplyArgs {
                study: out.to_owned(),
                configuration: Some(tune.name(o.winner).to_owned()),
                path: Some(project.to_owned()),
                project: None,
                dry_run: false,
                force: args.force,
                no_check: false,
                noise: 0.02,
            };
            crate::apply::run(&apply)
        }
        (true, None) => {
            println!("nothing applied: no configuration was confirmed faster than the project as it is");
            Ok(ExitCode::SUCCESS)
        }
        (false, Some(_)) => {
            if !args.quiet {
                eprintln!(
                    "to write it: buildbench apply {}",
                    buildbench_runner::shell_quote(&out.display().to_string())
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        (false, None) => Ok(ExitCode::SUCCESS),
    }
}

/// Runs the stages and keeps what they leave.
struct Driver<'a> {
    args: &'a TuneArgs,
    /// What the search minimises.
    objective: &'a Objective,
    space: &'a Space,
    cargo_args: &'a [String],
    project: &'a Path,
    search: Search,
    /// The guide's presets raced in the combinations, with their candidates.
    presets: Vec<(String, usize)>,
    /// The tune's folder, once known (`--out`, or next to the first stage's default folder).
    out: Option<PathBuf>,
    /// One tune at a time in a folder: taken before `out` is set, so a tune refused a folder
    /// another one is using never removes that one's work folder. Dropped (its file removed)
    /// before `_claim`, which then finds an empty folder to remove.
    _lock: Option<buildbench_runner::lock::Lock>,
    /// Held for the whole run: a refused run leaves no empty folder behind.
    _claim: Option<buildbench_runner::paths::Claimed>,
    started: Instant,
    shares: Option<buildbench_model::tune::Shares>,
    /// The newest stage's study (the confirmation's at the end).
    last_study: Option<Study>,
    stage_number: u32,
    /// The first stage was prepared (its folder accepted): from then on there is a search to save.
    began: bool,
}

impl<'a> Driver<'a> {
    /// A driver at the start of the search, with the guide's presets among the candidates and
    /// the `--out` folder claimed (the default folder is claimed with the first stage's).
    fn new(
        args: &'a TuneArgs,
        objective: &'a Objective,
        space: &'a Space,
        cargo_args: &'a [String],
        project: &'a Path,
        profile: &str,
    ) -> Result<Driver<'a>> {
        let mut search = Search::new(space.shape(), Settings::with_budget(args.budget)).with_voids(space.voids());
        // The guide's presets race beside the combinations, so the winner is measured against them.
        let unoptimised = space.current.as_ref().map_or(profile == "dev", |c| !c.optimised);
        let presets: Vec<(String, usize)> = buildbench_model::tune::guide_presets(space, unoptimised)
            .into_iter()
            .map(|(name, choices)| (name, search.reference(choices)))
            .collect();
        let mut driver = Driver {
            args,
            objective,
            space,
            cargo_args,
            project,
            search,
            presets,
            out: None,
            _claim: None,
            _lock: None,
            started: Instant::now(),
            shares: None,
            last_study: None,
            stage_number: 0,
            began: false,
        };
        if let Some(out) = &args.out {
            // A tune cannot be resumed: a folder that holds one is an earlier run's result.
            if out.join("tune.json").exists() {
                anyhow::bail!(
                    "{}: already holds a tune (tune.json); a tune cannot be resumed: pick another -o/--output, \
                     or remove that folder to run it again",
                    out.display()
                );
            }
            driver._claim = Some(buildbench_runner::paths::claim(out, "--out", None)?);
            driver._lock = Some(tune_lock(out)?);
            driver.out = Some(buildbench_runner::paths::resolve(out)?);
        }
        Ok(driver)
    }

    /// Runs every stage the search asks for, each one study, until the search is done.
    fn search_all(
        &mut self,
        executor: &mut ProcessExecutor,
        interrupted: &Arc<std::sync::atomic::AtomicBool>,
    ) -> Result<()> {
        let stamp = timestamp();
        while let Some((stage, ids)) = self.search.stage() {
            self.stage_number += 1;
            let prepared = self.prepare_stage(stage, &ids, &stamp)?;
            self.began = true;
            self.record_unavailable(&prepared, &ids);
            let starts = self.search.stage_starts.len();
            let study = self.run_stage(prepared, stage, &ids, executor, interrupted)?;
            self.close_stage(starts);
            self.forget_finished(&ids);
            if stage == Stage::Baseline {
                self.bound(&study);
                self.warn_if_the_budget_cannot_fit_a_search();
            }
            self.last_study = Some(study);
        }
        Ok(())
    }

    /// After the baseline: says so when the budget is below what the smallest search of this
    /// project takes (one single, the combinations stage with the guide's presets, the
    /// confirmation), since the search then runs over it.
    fn warn_if_the_budget_cannot_fit_a_search(&self) {
        let s = &self.search;
        let (each, base) = s.candidate_cost();
        if base <= 0.0 {
            return;
        }
        // New to the search: one option in the singles, the full combination and the presets in
        // the combinations. The default in each later stage and the winner in the confirmation
        // re-enter from their kept target folders.
        let new = 1 + 1 + self.presets.len();
        let again = s.reentry_cost() + f64::from(s.settings.first_look) * base;
        let least = s.spent + each * new as f64 + 3.0 * again + 2.0 * f64::from(s.settings.confirm_runs.0) * base;
        if least > s.settings.budget && !self.args.quiet {
            eprintln!(
                "note: a budget of {} is below the smallest search of this project (about {}: each candidate costs \
                 about {} to prepare and sample); the search will run over it and try few options; about {} tries \
                 more",
                buildbench_report::tune::clock(s.settings.budget),
                buildbench_report::tune::clock(least),
                buildbench_report::tune::clock(each),
                buildbench_report::tune::clock(least * 3.0),
            );
        }
    }

    /// Prepares the study of one stage (its candidates as configurations) in its folder, and
    /// claims the tune's default folder on the first stage without `--out`.
    fn prepare_stage(&mut self, stage: Stage, ids: &[usize], stamp: &str) -> Result<buildbench_runner::Prepared> {
        let configurations: Vec<_> = ids.iter().map(|&i| self.space.configuration(self.search_candidate(i))).collect();
        let scenarios = self.objective.scenarios(&configurations);
        // An edit right after a fresh build is not yet a typical edit-build: one warm-up round
        // for the edit-build goals; with clean builds in the same rounds the runner gives each
        // such sample its own warm-up instead (`Planner::round`).
        let edits = scenarios.iter().any(|s| s.edits_source());
        let warmup = u32::from(edits && !scenarios.iter().any(|s| s.is_clean()));
        let plan = Plan {
            baseline: "default".to_owned(),
            cargo_args: self.cargo_args.to_vec(),
            max_runs: self.search.settings.max_samples,
            // The search decides every round after the first.
            ..Plan::new(configurations, scenarios, 1, warmup)
        };
        let folder = format!("{}-{}", self.stage_number, stage.as_str());
        let (out, out_name) = match (&self.out, stage) {
            // The confirmation is the tune's own study: `report` and `apply` read it there.
            (Some(o), Stage::Confirmation) => (Some(o.clone()), String::new()),
            (Some(o), _) => (Some(o.join("stages").join(&folder)), String::new()),
            (None, _) => (None, format!("tune-{stamp}/stages/{folder}")),
        };
        let mut prepared = prepare(StudyOptions {
            project: Some(self.project.to_owned()),
            out,
            resume: false,
            out_name,
            plan,
            keep_work: false,
            link_wrapper: std::env::current_exe().ok(),
            revisions: Vec::new(),
        })?;
        if self.out.is_none() {
            let tune_dir = prepared
                .out
                .parent()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .context("the default output folder has no parent")?;
            self._claim = Some(buildbench_runner::paths::claim(&tune_dir, "--out", Some("tune.json"))?);
            self._lock = Some(tune_lock(&tune_dir)?);
            self.out = Some(tune_dir);
        }
        // Every stage builds in the tune's one work folder: a candidate measured again (the
        // default in every stage, a single in the combinations, the winner in the confirmation)
        // starts from its built target folder, not from nothing.
        if let Some(out) = &self.out {
            prepared.share_work(out.join("work"));
        }
        Ok(prepared)
    }

    /// Removes the target folders of the stage's candidates (`ids`) that the next stage does not
    /// measure: they are never measured again.
    fn forget_finished(&self, ids: &[usize]) {
        let next = self.search.stage().map(|(_, ids)| ids).unwrap_or_default();
        let gone: Vec<String> =
            ids.iter().filter(|i| !next.contains(i)).map(|&i| self.space.name(self.search_candidate(i))).collect();
        if let Some(out) = &self.out {
            let _ = buildbench_runner::forget_configurations(&out.join("work"), &gone);
        }
    }

    /// Records the stage's candidates whose tool is missing as failed, with the install hint.
    fn record_unavailable(&mut self, prepared: &buildbench_runner::Prepared, ids: &[usize]) {
        for u in &prepared.unavailable {
            if let Some(k) = prepared.options.plan.configurations.iter().position(|c| c.name == u.configuration)
                && let Some(&id) = ids.get(k)
            {
                let install = u.install.as_deref().map(|i| format!(" (install: {i})")).unwrap_or_default();
                self.search.record(id, Err(format!("{}{install}", u.reason)));
            }
        }
    }

    /// Runs one stage's study, the search deciding every round, and gives the search its
    /// samples.
    fn run_stage(
        &mut self,
        prepared: buildbench_runner::Prepared,
        stage: Stage,
        ids: &[usize],
        executor: &mut ProcessExecutor,
        interrupted: &Arc<std::sync::atomic::AtomicBool>,
    ) -> Result<Study> {
        let names = ids.iter().map(|&i| self.space.name(self.search_candidate(i))).collect();
        let mut rounds = StageRounds {
            search: &mut self.search,
            ids: ids.to_vec(),
            seen: vec![0; ids.len()],
            failed: vec![false; ids.len()],
            started: self.started,
            quiet: self.args.quiet,
            names,
            stage,
            objective: self.objective,
        };
        let mut observer = TuneObserver { quiet: self.args.quiet };
        let study = run_with(prepared, executor, &mut observer, interrupted, Some(&mut rounds))?;
        rounds.take(&study);
        Ok(study)
    }

    /// The runner can stop before the search does (every candidate left failed): closes the
    /// stage with what it has, unless the search already moved on (`starts`: the stages it
    /// had started when this one ran).
    fn close_stage(&mut self, starts: usize) {
        let mut tries = 0;
        while self.search.stage_starts.len() == starts && self.search.stage().is_some() && tries < 3 {
            tries += 1;
            let alive = self.search.stage().map(|(_, ids)| ids).unwrap_or_default();
            for id in alive.into_iter().filter(|&id| id != 0 || tries > 1) {
                self.search.record(id, Err("the study stopped measuring it".to_owned()));
            }
            self.search.next_round(self.started.elapsed().as_secs_f64());
        }
    }

    /// Writes tune.json and report.html in the tune's folder and gives the winner's snippet.
    fn save(&self, tune: &Tune, out: &Path) -> Result<Vec<(String, String)>> {
        let (host, rust_lld) = self.last_study.as_ref().map_or(("x86_64-unknown-linux-gnu".to_owned(), true), |s| {
            (s.environment.host().to_owned(), s.environment.default_is_rust_lld())
        });
        let snippet = buildbench_report::tune::snippet(tune, &host, rust_lld);
        let json = serde_json::to_vec_pretty(tune).context("encoding tune.json")?;
        buildbench_runner::fsutil::write_atomic(&out.join("tune.json"), &json)?;
        let page = buildbench_report::export::Html.view(&buildbench_report::tune::view(tune, &snippet));
        buildbench_runner::fsutil::write_atomic(&out.join("report.html"), &page)?;
        Ok(snippet)
    }

    fn search_candidate(&self, i: usize) -> &[buildbench_model::tune::Choice] {
        self.search.candidates.get(i).map_or(&[][..], Vec::as_slice)
    }

    /// The shares of the objective each kind of option can shorten, from the baseline's builds:
    /// with one goal its build's (`whatif::shares`); with several, each goal's share weighed by
    /// its weight and its build's mean time. `None` when a goal's build has no timing report.
    fn objective_shares(&self, study: &Study) -> Option<buildbench_model::tune::Shares> {
        let mut parts = Vec::new();
        for &(goal, weight) in &self.objective.weights {
            let scenario = goal.scenario();
            let shares = buildbench_report::whatif::shares(study, "default", scenario)?;
            let walls: Vec<f64> = study.successful("default", scenario).map(|s| s.wall_seconds).collect();
            let mean = walls.iter().sum::<f64>() / walls.len().max(1) as f64;
            parts.push((weight * mean, shares));
        }
        buildbench_model::tune::Shares::weighed(&parts)
    }

    /// The whatif bounds of every option from the baseline stage's build, and the options
    /// they leave out.
    fn bound(&mut self, study: &Study) {
        let Some(shares) = self.objective_shares(study) else { return };
        self.shares = Some(shares);
        for (d, dim) in self.space.dimensions.iter().enumerate() {
            for (o, setting) in dim.options.iter().enumerate() {
                let Some(bound) = shares.bound(setting.touches) else { continue };
                self.search.bound((d, o), bound);
                if bound < PRUNE_BELOW {
                    let part = match setting.touches {
                        buildbench_model::tune::Touches::Link => "the final links",
                        _ => "code generation and links",
                    };
                    self.search.prune(
                        (d, o),
                        &format!(
                            "cannot save more than {} of this build: {part} take that share of the default build \
                             (whatif replay of its timing report), below the {} a change must beat",
                            buildbench_report::format::percent(bound),
                            buildbench_report::format::percent(PRUNE_BELOW)
                        ),
                    );
                }
            }
        }
    }

    fn record(&self, allow: &[Allow]) -> Tune {
        let names = self.search.candidates.iter().map(|c| self.space.name(c)).collect();
        let winner = self.search.outcome.as_ref().map_or(0, |o| o.winner);
        Tune {
            schema_version: TUNE_SCHEMA_VERSION,
            project: std::fs::canonicalize(self.project)
                .unwrap_or_else(|_| self.project.to_owned())
                .display()
                .to_string(),
            goal: self.objective.primary(),
            weights: if self.objective.weights.len() > 1 { self.objective.weights.clone() } else { Vec::new() },
            allow: allow.to_vec(),
            cargo_args: self.cargo_args.to_vec(),
            space: self.space.clone(),
            shares: self.shares,
            names,
            presets: self.presets.clone(),
            search: self.search.clone(),
            tradeoffs: self.space.tradeoffs(self.search_candidate(winner)),
            elapsed_seconds: self.started.elapsed().as_secs_f64(),
        }
    }
}

/// The search deciding a stage's rounds: after each round it takes the new samples from the
/// study and asks the search which candidates go on.
struct StageRounds<'a> {
    search: &'a mut Search,
    /// The candidate of each configuration of the stage's plan.
    ids: Vec<usize>,
    /// Measured samples of each configuration already given to the search.
    seen: Vec<usize>,
    /// Failures already given to the search.
    failed: Vec<bool>,
    started: Instant,
    quiet: bool,
    names: Vec<String>,
    stage: Stage,
    objective: &'a Objective,
}

impl StageRounds<'_> {
    /// Gives the search every sample of the objective it has not seen yet: one per round
    /// in which every goal has a measured sample (`Objective::combine`).
    fn take(&mut self, study: &Study) {
        for (k, configuration) in study.plan.configurations.iter().enumerate() {
            let Some(&id) = self.ids.get(k) else { continue };
            let goals = self.objective.goals();
            let samples: Vec<&buildbench_model::Sample> = study
                .samples
                .iter()
                .filter(|s| s.configuration == configuration.name && goals.iter().any(|g| g.measures(s.scenario)))
                .collect();
            if let Some(failure) = samples.iter().find(|s| !s.success)
                && !self.failed.get(k).copied().unwrap_or(true)
            {
                let why = buildbench_model::failure_reason(failure.stderr_tail.as_deref().unwrap_or(""));
                self.search.record(id, Err(why));
                if let Some(f) = self.failed.get_mut(k) {
                    *f = true;
                }
                continue;
            }
            let by_goal: Vec<Vec<(u32, f64)>> = goals
                .iter()
                .map(|g| {
                    samples
                        .iter()
                        .filter(|s| s.success && !s.warmup && g.measures(s.scenario))
                        .map(|s| (s.index, s.wall_seconds))
                        .collect()
                })
                .collect();
            let measured = self.objective.combine(&by_goal);
            let seen = self.seen.get(k).copied().unwrap_or(0);
            for &t in measured.iter().skip(seen) {
                self.search.record(id, Ok(t));
            }
            if let Some(s) = self.seen.get_mut(k) {
                *s = measured.len();
            }
        }
    }

    /// "[tune 3:12 of 20:00] singles, round 4: 5 racing; leader mold, 1.12x the default".
    fn progress(&self) {
        if self.quiet {
            return;
        }
        let Some(mark) = self.search.marks.last() else { return };
        let clock = buildbench_report::tune::clock;
        let leader = mark.leader.and_then(|l| {
            let mean = |c: usize| {
                let e = self.search.entries.iter().find(|e| e.stage == self.stage && e.candidate == c)?;
                (!e.samples.is_empty()).then(|| e.samples.iter().sum::<f64>() / e.samples.len() as f64)
            };
            let k = self.ids.iter().position(|&i| i == l)?;
            let name = self.names.get(k)?;
            Some(match (mean(0), mean(l)) {
                (Some(b), Some(m)) if l != 0 => format!("; leader {name}, {:.2}x the default", b / m),
                _ => format!("; leader {name}"),
            })
        });
        eprintln!(
            "[tune {} of {}] {}, round {}: {} racing{}",
            clock(mark.spent),
            clock(self.search.settings.budget),
            self.stage.as_str(),
            mark.samples,
            mark.racing,
            leader.unwrap_or_default()
        );
    }
}

impl Rounds for StageRounds<'_> {
    fn next(&mut self, study: &Study) -> Vec<usize> {
        self.take(study);
        let starts = self.search.stage_starts.len();
        let next = self.search.next_round(self.started.elapsed().as_secs_f64());
        self.progress();
        if self.search.stage_starts.len() != starts || self.search.stage().is_none() {
            return Vec::new();
        }
        next.iter().filter_map(|id| self.ids.iter().position(|x| x == id)).collect()
    }
}

/// Failures, skipped configurations and notes; no per-build lines (the rounds say enough).
struct TuneObserver {
    quiet: bool,
}

impl Observer for TuneObserver {
    fn event(&mut self, event: Event<'_>) {
        let say = |line: String| eprintln!("{}", buildbench_report::format::terminal_safe(&line));
        match event {
            Event::Unavailable(u) => say(format!("skipped {}: {}", u.configuration, u.reason)),
            Event::Failed { configuration, scenario, stderr_tail } => {
                say(format!("failed: {configuration} / {scenario}: {}", buildbench_model::failure_reason(stderr_tail)))
            }
            Event::Note(note) if !self.quiet => say(note),
            _ => {}
        }
    }
}
