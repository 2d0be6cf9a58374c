//! Whole studies driven through the executor seam with replayed outcomes: the exact commands a
//! study runs, a failing configuration, an interrupt and the resume after it, adaptive
//! sampling. Nothing is built; each test runs in milliseconds (the real builds are tested in
//! the CLI crate's end-to-end tests).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use buildbench_model::{Configuration, Linker, Plan, Purpose, Sample, Scenario, Study};
use buildbench_runner::cargo::{Rustflags, UserConfig};
use buildbench_runner::probe::{ResolvedToolchain, Toolchain};
use buildbench_runner::project::Project;
use buildbench_runner::{Event, Invocation, Observer, Outcome, Prepared, Replay, RunnerError, StudyOptions};

fn configuration(name: &str, linker: Linker) -> Configuration {
    Configuration { linker, ..Configuration::plain(name, None) }
}

fn plan(scenarios: &[Scenario], runs: u32, warmup: u32) -> Plan {
    let configurations = vec![configuration("default", Linker::Default), configuration("mold", Linker::Mold)];
    Plan { edit_file: Some("src/main.rs".to_owned()), ..Plan::new(configurations, scenarios.to_vec(), runs, warmup) }
}

/// A tiny project on disk and a study of it prepared by hand, as `prepare` would after its
/// probes (a toolchain that is never run: the executor replays every build).
fn prepared(dir: &Path, plan: Plan, previous: Option<Study>) -> Prepared {
    let root = dir.join("project");
    if !root.exists() {
        std::fs::create_dir_all(root.join("src")).expect("mkdir");
        std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"app\"\nversion = \"0.1.0\"\n").expect("write");
        std::fs::write(root.join("src/main.rs"), "fn main() {}\n").expect("write");
    }
    let root = std::fs::canonicalize(&root).expect("resolve");
    let out = dir.join("out");
    let toolchain = Toolchain {
        name: None,
        sysroot: PathBuf::from("/toolchain"),
        cargo: PathBuf::from("/toolchain/bin/cargo"),
        rustc: PathBuf::from("/toolchain/bin/rustc"),
        host: "x86_64-unknown-linux-gnu".to_owned(),
        rustc_version: "rustc 1.95.0".to_owned(),
        cargo_version: "cargo 1.95.0".to_owned(),
    };
    let (runnable, done, steps) =
        buildbench_runner::schedule(&plan, (0..plan.configurations.len()).collect(), previous.as_ref());
    Prepared {
        options: StudyOptions {
            project: Some(root.clone()),
            out: Some(out.clone()),
            resume: previous.is_some(),
            out_name: String::new(),
            plan,
            keep_work: false,
            link_wrapper: None,
            revisions: Vec::new(),
        },
        out: out.clone(),
        pending_restore: false,
        project: Project {
            target_directory: root.join("target"),
            root,
            members: Vec::new(),
            targets: Vec::new(),
            outside_paths: Vec::new(),
        },
        toolchains: HashMap::from([(
            "default".to_owned(),
            ResolvedToolchain { toolchain, default_linker: Some("LLD 22.1.2 (rust-lld)".to_owned()) },
        )]),
        runnable,
        unavailable: Vec::new(),
        edit_file: Some(PathBuf::from("src/main.rs")),
        user_config: UserConfig { rustflags: Rustflags::Build, linker: None, own_linker: None },
        steps,
        done,
        previous,
        source: out.join("work/src"),
        work: out.join("work"),
        repository: None,
        shared_work: false,
    }
}

/// The configuration a build command is for, read from its own target directory.
fn configuration_of(invocation: &Invocation) -> String {
    invocation
        .env
        .iter()
        .find(|(k, _)| k == "CARGO_TARGET_DIR")
        .and_then(|(_, v)| Path::new(v).file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default()
}

#[derive(Default)]
struct Recorder {
    extended: Vec<(Scenario, usize)>,
    failed: Vec<String>,
}

impl Observer for Recorder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Extended { builds, scenario, .. } => self.extended.push((scenario, builds)),
            Event::Failed { configuration, .. } => self.failed.push(configuration.to_owned()),
            _ => {}
        }
    }
}

fn measured(study: &Study, configuration: &str, scenario: Scenario) -> usize {
    study.successful(configuration, scenario).count()
}

#[test]
fn a_study_runs_exactly_the_planned_commands_taking_turns_and_editing_before_each_incremental_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = prepared(dir.path(), plan(&[Scenario::Clean, Scenario::Incremental], 2, 1), None);
    let edited = p.source.join("src/main.rs");
    let mut edits_seen = Vec::new();
    let mut replay = Replay::new(|_, invocation: &Invocation| {
        // The file each build sees: every incremental build sees a new edit.
        let text = std::fs::read_to_string(&edited).unwrap_or_default();
        let edit = text.lines().rev().find_map(|l| l.strip_prefix("fn buildbench_edit_")).map(str::to_owned);
        edits_seen.push((configuration_of(invocation), edit));
        Outcome::finished(1.0, 0)
    });
    let study = buildbench_runner::run(p, &mut replay, &mut Recorder::default(), &Arc::new(AtomicBool::new(false)))
        .expect("the study runs");
    assert!(study.complete);
    for name in ["default", "mold"] {
        for scenario in [Scenario::Clean, Scenario::Incremental] {
            assert_eq!(measured(&study, name, scenario), 2, "{name} {scenario}");
        }
    }
    // Every command is the cargo build of one configuration, in its own target directory.
    assert!(replay.invocations.iter().all(|i| i.program == Path::new("/toolchain/bin/cargo")));
    // Configurations take turns, round by round (warm-up, then the measured samples).
    let order: Vec<(String, Purpose)> =
        study.invocations.iter().map(|i| (i.configuration.clone(), i.purpose)).collect();
    let expected_clean = [
        ("default", Purpose::Warmup),
        ("mold", Purpose::Warmup),
        ("default", Purpose::Measured),
        ("mold", Purpose::Measured),
        ("default", Purpose::Measured),
        ("mold", Purpose::Measured),
    ];
    let clean: Vec<(&str, Purpose)> = order.iter().take(6).map(|(c, p)| (c.as_str(), *p)).collect();
    assert_eq!(clean, expected_clean);
    // Incremental builds: each after an edit of its own, never seen by another build.
    let incremental: Vec<&Option<String>> = edits_seen.iter().skip(6).map(|(_, e)| e).collect();
    assert!(incremental.iter().all(|e| e.is_some()), "{edits_seen:?}");
    let mut distinct = incremental.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), incremental.len(), "every incremental build sees a new edit: {edits_seen:?}");
    // The user's project was never written: only the copy was edited.
    let original = std::fs::read_to_string(dir.path().join("project/src/main.rs")).expect("read");
    assert_eq!(original, "fn main() {}\n");
}

#[test]
fn a_failing_configuration_is_recorded_once_and_the_study_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = prepared(dir.path(), plan(&[Scenario::Clean, Scenario::Incremental], 3, 1), None);
    let mut replay = Replay::new(|_, invocation: &Invocation| {
        if configuration_of(invocation) == "mold" {
            let mut outcome = Outcome::finished(0.5, 101);
            outcome.stderr = b"   Compiling app v0.1.0\nerror[E0308]: mismatched types\n  13: <unknown>\n".to_vec();
            outcome
        } else {
            Outcome::finished(1.0, 0)
        }
    });
    let mut recorder = Recorder::default();
    let study = buildbench_runner::run(p, &mut replay, &mut recorder, &Arc::new(AtomicBool::new(false)))
        .expect("the study runs");
    let mold_builds = replay.invocations.iter().filter(|i| configuration_of(i) == "mold").count();
    assert_eq!(mold_builds, 1, "no build after the first failure");
    assert_eq!(recorder.failed, ["mold"]);
    let failure = study.samples.iter().find(|s| !s.success).expect("the failure is recorded");
    assert_eq!(
        buildbench_model::failure_reason(failure.stderr_tail.as_deref().unwrap_or("")),
        "error[E0308]: mismatched types"
    );
    assert_eq!(measured(&study, "default", Scenario::Clean), 3);
    assert_eq!(measured(&study, "default", Scenario::Incremental), 3);
}

#[test]
fn an_interrupt_saves_the_study_and_a_resume_runs_only_what_is_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan(&[Scenario::Clean, Scenario::Incremental], 3, 0);
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    // Ctrl-C during the fifth build: the build is cut short.
    let mut replay = Replay::new(move |n, _: &Invocation| {
        if n == 4 {
            flag.store(true, Ordering::SeqCst);
            return Outcome { exit_code: None, ..Outcome::finished(0.2, 0) };
        }
        Outcome::finished(1.0, 0)
    });
    let result = buildbench_runner::run(
        prepared(dir.path(), plan.clone(), None),
        &mut replay,
        &mut Recorder::default(),
        &interrupted,
    );
    assert!(matches!(result, Err(RunnerError::Interrupted { out: Some(_) })), "{:?}", result.err());
    let saved: Study =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/study.json")).expect("saved")).expect("a study");
    assert!(!saved.complete);
    assert_eq!(saved.samples.len(), 4, "the interrupted build is not a sample");

    // The resume runs the eight missing samples (and a preparation build where the state a
    // scenario starts from is gone), and measures nothing twice.
    let mut again = Replay::new(|_, _: &Invocation| Outcome::finished(1.0, 0));
    let study = buildbench_runner::run(
        prepared(dir.path(), plan, Some(saved)),
        &mut again,
        &mut Recorder::default(),
        &Arc::new(AtomicBool::new(false)),
    )
    .expect("the resume runs");
    assert!(study.complete);
    // Twelve measured samples, and for each configuration a warm-up edit-build before its first
    // incremental sample (`--warmup 0`: the first edit after a build from nothing is not one).
    let (measured, warmups): (Vec<&Sample>, Vec<&Sample>) = study.samples.iter().partition(|s| !s.warmup);
    assert_eq!((measured.len(), warmups.len()), (12, 2), "{:?}", study.samples);
    assert!(warmups.iter().all(|s| s.scenario == Scenario::Incremental));
    let mut keys: Vec<String> =
        measured.iter().map(|s| format!("{}/{}/{}", s.configuration, s.scenario, s.index)).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 12, "no sample was measured twice");
    let measured_again = study.invocations.iter().skip(5).filter(|i| i.purpose == Purpose::Measured).count();
    assert_eq!(measured_again, 8, "{:?}", study.invocations);
}

#[test]
fn adaptive_sampling_adds_rounds_only_to_imprecise_cells_up_to_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = plan(&[Scenario::Clean], 3, 0);
    plan.precision = Some(0.02);
    plan.max_runs = 6;
    // default is steady; mold's times swing by 40%, so its interval never gets within ±2%.
    let mut swings = [1.0, 1.4, 0.8, 1.3, 0.9, 1.2].into_iter().cycle();
    let mut replay = Replay::new(|_, invocation: &Invocation| {
        let seconds = if configuration_of(invocation) == "mold" { swings.next().unwrap_or(1.0) } else { 1.0 };
        Outcome::finished(seconds, 0)
    });
    let mut recorder = Recorder::default();
    let study = buildbench_runner::run(
        prepared(dir.path(), plan, None),
        &mut replay,
        &mut recorder,
        &Arc::new(AtomicBool::new(false)),
    )
    .expect("the study runs");
    assert_eq!(measured(&study, "default", Scenario::Clean), 3, "precise after the first round");
    assert_eq!(measured(&study, "mold", Scenario::Clean), 6, "extended up to --max-runs");
    assert_eq!(recorder.extended, vec![(Scenario::Clean, 1); 3]);
}

/// default against fast-dev, incremental only, `--until-verdict` with a pilot of 3 and at most
/// 10 samples; fast-dev's builds take `fast(n)` seconds, the baseline's about 1 s.
fn until_verdict(dir: &Path, mut fast: impl FnMut(usize) -> f64) -> Study {
    let mut plan = plan(&[Scenario::Incremental], 3, 0);
    plan.configurations[1] = Configuration {
        name: "fast-dev".to_owned(),
        preset: "fast-dev".to_owned(),
        env: Vec::new(),
        scan: Vec::new(),
        ..configuration("fast-dev", Linker::Default)
    };
    plan.until_verdict = true;
    plan.max_runs = 10;
    let mut n = 0;
    let mut replay = Replay::new(|_, invocation: &Invocation| {
        n += 1;
        let jitter = [1.0, 1.01, 0.99][n % 3];
        let seconds = if configuration_of(invocation) == "fast-dev" { fast(n) } else { jitter };
        Outcome::finished(seconds, 0)
    });
    buildbench_runner::run(
        prepared(dir, plan, None),
        &mut replay,
        &mut Recorder::default(),
        &Arc::new(AtomicBool::new(false)),
    )
    .expect("the study runs")
}

#[test]
fn until_verdict_stops_after_the_pilot_when_the_claim_is_decided() {
    let dir = tempfile::tempdir().expect("tempdir");
    // fast-dev twice as fast: "speeds up dev builds" holds after three samples each.
    let study = until_verdict(dir.path(), |n| [0.5, 0.505, 0.495][n % 3]);
    assert_eq!(measured(&study, "default", Scenario::Incremental), 3);
    assert_eq!(measured(&study, "fast-dev", Scenario::Incremental), 3);
    let claims = buildbench_model::claims::evaluate_all(&buildbench_model::claims::builtin(), &study, 0.02);
    let fast_dev = claims.iter().find(|c| c.id == "fast-dev").expect("the claim");
    assert_eq!(fast_dev.verdict, buildbench_model::claims::Verdict::Holds, "{}", fast_dev.detail);
}

#[test]
fn until_verdict_keeps_sampling_an_undecided_claim_until_more_samples_could_not_decide_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    // fast-dev 2% faster with 10% noise, against a claim of "faster by more than 2%": never
    // decided. Past the pilot it gets rounds until half of --max-runs, where the futility rule
    // sees that 10 samples would decide it less than 5% of the time at this estimate.
    let study = until_verdict(dir.path(), |n| [0.88, 1.08, 0.98][n % 3]);
    assert_eq!(measured(&study, "default", Scenario::Incremental), 5);
    assert_eq!(measured(&study, "fast-dev", Scenario::Incremental), 5);
    let claims = buildbench_model::claims::evaluate_all(&buildbench_model::claims::builtin(), &study, 0.02);
    let fast_dev = claims.iter().find(|c| c.id == "fast-dev").expect("the claim");
    assert_eq!(fast_dev.verdict, buildbench_model::claims::Verdict::Inconclusive, "{}", fast_dev.detail);
}
