//! From the user's axes to configurations, and from configurations and scenarios to the exact
//! sequence of steps a study runs. Pure: nothing here touches the disk or spawns a process.

use std::collections::{HashMap, HashSet};

use buildbench_model::{Backend, Cache, Configuration, Linker, Plan, Purpose, Revision, Scenario, Word};

/// The axes as the user gave them; their cartesian product is the matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub backends: Vec<Backend>,
    pub linkers: Vec<Linker>,
    pub caches: Vec<Cache>,
    /// Presets: `dev` (no overrides) or `fast-dev`.
    pub presets: Vec<String>,
    /// `--set KEY=VALUE` overrides: together they form one more preset point, `custom`.
    pub sets: Vec<String>,
    /// `--scan KEY=V1,V2,...`: one configuration per value (per combination of several scans).
    pub scans: Vec<Scan>,
    /// `--toolchain` for every configuration; Cranelift configurations default to `nightly`.
    pub toolchain: Option<String>,
    /// The cargo profile being built (`dev`, or `release` with `--release`).
    pub cargo_profile: String,
}

/// Presets by name.
pub const PRESETS: &[&str] = &["dev", "fast-dev"];

/// One `--scan` axis: a cargo config key (`profile.dev.codegen-units`) or an environment
/// variable (`RUSTFLAGS`), and the values it takes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub key: String,
    pub values: Vec<String>,
}

impl Scan {
    /// Parses `KEY=V1,V2,...`: the key ends at the first `=`, values are split at commas.
    /// Upper-case keys (`RUSTFLAGS`) are environment variables; dotted ones cargo config keys.
    pub fn parse(text: &str) -> Result<Scan, MatrixError> {
        let bad = || MatrixError::BadScan { scan: text.to_owned() };
        let (key, values) = text.split_once('=').ok_or_else(bad)?;
        let key = key.trim();
        let values: Vec<String> =
            values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect();
        if key.is_empty() || values.is_empty() || !(Scan::is_env(key) || key.contains('.')) {
            return Err(bad());
        }
        // What buildbench sets itself for every build cannot be a scanned setting: the study's
        // isolation (its own target directories, no wrapper but its own) depends on it.
        const OWNED_ENV: &[&str] = &[
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET_DIR",
            "RUSTC",
            "RUSTC_WRAPPER",
            "RUSTC_WORKSPACE_WRAPPER",
            "RUSTUP_TOOLCHAIN",
            "CARGO_TERM_COLOR",
            "CARGO_TERM_PROGRESS_WHEN",
            "TMPDIR",
        ];
        let owned = if Scan::is_env(key) {
            OWNED_ENV.contains(&key).then(|| format!("buildbench sets {key} itself for every build"))
        } else {
            buildbench_model::cargo_args::config_refused(&format!("{key}=x"))
        };
        if let Some(why) = owned {
            return Err(MatrixError::OwnedScan { scan: text.to_owned(), why });
        }
        let mut seen = Vec::new();
        for v in &values {
            if seen.contains(v) {
                return Err(bad());
            }
            seen.push(v.clone());
        }
        Ok(Scan { key: key.to_owned(), values })
    }

    /// `RUSTFLAGS`, `CARGO_INCREMENTAL`: an environment variable rather than a config key.
    pub fn is_env(key: &str) -> bool {
        key.chars().next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
            && key.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    }

    /// The name part of one value: the key's last segment and the value (`codegen-units=16`).
    fn label(&self, value: &str) -> String {
        let short = if Scan::is_env(&self.key) { self.key.as_str() } else { self.key.rsplit('.').next().unwrap_or("") };
        // Names become directory names: anything outside a safe alphabet becomes `_`.
        format!("{short}={value}")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-_+.=".contains(c) { c } else { '_' })
            .collect()
    }

    /// The `--config KEY=VALUE` of one value: a bare word that is not a TOML number, boolean,
    /// string, array or table is quoted, so `profile.dev.lto=thin` works as typed.
    fn config(&self, value: &str) -> String {
        let v = value.trim();
        let literal = v.parse::<f64>().is_ok() || v == "true" || v == "false" || v.starts_with(['"', '\'', '[', '{']);
        if literal { format!("{}={v}", self.key) } else { format!("{}=\"{}\"", self.key, v.replace('"', "\\\"")) }
    }
}

/// The cargo `--config` overrides of a profile preset for cargo profile `profile`.
///
/// `fast-dev` is the widely shared guide's aggressive dev profile: no optimisation, no debug
/// info, 256 codegen units and incremental compilation, for the workspace and every dependency.
pub fn preset_overrides(preset: &str, profile: &str) -> Option<Vec<String>> {
    match preset {
        "dev" => Some(Vec::new()),
        "fast-dev" => {
            let mut out = Vec::new();
            for scope in [format!("profile.{profile}"), format!("profile.{profile}.package.\"*\"")] {
                out.push(format!("{scope}.opt-level=0"));
                out.push(format!("{scope}.debug=false"));
                out.push(format!("{scope}.codegen-units=256"));
            }
            out.push(format!("profile.{profile}.incremental=true"));
            Some(out)
        }
        _ => None,
    }
}

/// Why the axes do not make a matrix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatrixError {
    #[error("unknown preset {preset:?}; expected one of: {} (cargo's own profiles are selected with --profile NAME or --release)", PRESETS.join(", "))]
    UnknownPreset { preset: String },
    #[error(
        "--scan {scan:?} is not KEY=V1,V2,... with a cargo config key (profile.dev.codegen-units=1,16,256) or an environment variable (RUSTFLAGS=-Zthreads=1,-Zthreads=8) and distinct values"
    )]
    BadScan { scan: String },
    #[error("--scan {scan:?} cannot be scanned: {why}")]
    OwnedScan { scan: String, why: String },
    #[error(
        "two configurations would both be named {name:?} (scanned values that differ only in characters a folder name cannot hold); give values that differ in letters or digits"
    )]
    SameName { name: String },
    #[error("--set {set:?} is not KEY=VALUE (e.g. --set profile.dev.debug=0)")]
    NotKeyValue { set: String },
}

/// Expands the axes in order (backend, linker, cache, preset, then each scan); the first is
/// the baseline.
pub fn expand(matrix: &Matrix) -> Result<Vec<Configuration>, MatrixError> {
    let presets = presets(matrix)?;
    let points = scan_points(matrix);
    let mut out = Vec::new();
    for &backend in &matrix.backends {
        for &linker in &matrix.linkers {
            for &cache in &matrix.caches {
                for preset in &presets {
                    for point in &points {
                        let configuration = configuration(matrix, (backend, linker, cache), preset, point);
                        if out.iter().any(|c: &Configuration| c.name == configuration.name) {
                            if point.is_empty() {
                                continue;
                            }
                            return Err(MatrixError::SameName { name: configuration.name });
                        }
                        out.push(configuration);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The preset axis: each preset with its overrides, then `custom` with the `--set` ones.
fn presets(matrix: &Matrix) -> Result<Vec<(String, Vec<String>)>, MatrixError> {
    let mut presets: Vec<(String, Vec<String>)> = Vec::new();
    for p in &matrix.presets {
        let overrides = preset_overrides(p, &matrix.cargo_profile)
            .ok_or_else(|| MatrixError::UnknownPreset { preset: p.clone() })?;
        presets.push((p.clone(), overrides));
    }
    for set in &matrix.sets {
        if !set.contains('=') {
            return Err(MatrixError::NotKeyValue { set: set.clone() });
        }
    }
    if !matrix.sets.is_empty() {
        presets.push(("custom".to_owned(), matrix.sets.clone()));
    }
    Ok(presets)
}

/// Every combination of the scans' values, first scan slowest; one empty point without scans.
fn scan_points(matrix: &Matrix) -> Vec<Vec<(&Scan, &String)>> {
    let mut points: Vec<Vec<(&Scan, &String)>> = vec![Vec::new()];
    for scan in &matrix.scans {
        points = points
            .into_iter()
            .flat_map(|point| {
                scan.values.iter().map(move |v| {
                    let mut p = point.clone();
                    p.push((scan, v));
                    p
                })
            })
            .collect();
    }
    points
}

/// The configuration at one point of the axes: named by what differs from the defaults
/// (`default` when nothing does), with the preset's overrides and the scanned values, each as
/// a cargo config override or an environment variable.
fn configuration(
    matrix: &Matrix,
    (backend, linker, cache): (Backend, Linker, Cache),
    (preset, overrides): &(String, Vec<String>),
    point: &[(&Scan, &String)],
) -> Configuration {
    let toolchain = matrix.toolchain.clone().or_else(|| backend.default_toolchain().map(str::to_owned));
    let mut parts: Vec<String> = Vec::new();
    if backend != Backend::Llvm {
        parts.push(backend.as_str().to_owned());
    }
    if linker != Linker::Default {
        parts.push(linker.as_str().to_owned());
    }
    if cache != Cache::None {
        parts.push(cache.as_str().to_owned());
    }
    if preset != "dev" {
        parts.push(preset.clone());
    }
    let mut overrides = overrides.clone();
    let mut env = Vec::new();
    for (scan, value) in point {
        parts.push(scan.label(value));
        if Scan::is_env(&scan.key) {
            env.push((scan.key.clone(), (*value).clone()));
        } else {
            overrides.push(scan.config(value));
        }
    }
    let name = if parts.is_empty() { "default".to_owned() } else { parts.join("+") };
    Configuration {
        name,
        backend,
        linker,
        cache,
        preset: preset.clone(),
        overrides,
        env,
        scan: point.iter().map(|(s, v)| (s.key.clone(), (*v).clone())).collect(),
        rustflags: Vec::new(),
        toolchain,
        revision: None,
    }
}

/// Every configuration at every revision of a rev study, the revisions of one configuration
/// next to each other (`default@main`, `default@HEAD`, `mold@main`, ...), so that base and head
/// of a cell are built one right after the other.
pub fn with_revisions(configurations: &[Configuration], revisions: &[Revision]) -> Vec<Configuration> {
    configurations
        .iter()
        .flat_map(|c| {
            revisions.iter().map(move |r| Configuration {
                name: buildbench_model::revision_name(&c.name, &r.name),
                revision: Some(r.name.clone()),
                ..c.clone()
            })
        })
        .collect()
}

/// The scenarios a study runs: the requested ones, with `clean` split into cold- and
/// warm-cache variants for sccache configurations.
pub fn effective_scenarios(requested: &[Scenario], configurations: &[Configuration]) -> Vec<Scenario> {
    let any_cache = configurations.iter().any(|c| c.cache == Cache::Sccache);
    let mut out = Vec::new();
    for &s in requested {
        if !out.contains(&s) {
            out.push(s);
        }
        if s == Scenario::Clean && any_cache {
            for extra in [Scenario::CleanColdCache, Scenario::CleanWarmCache] {
                if !out.contains(&extra) {
                    out.push(extra);
                }
            }
        }
    }
    out
}

/// Whether `scenario` runs for `configuration`: cold/warm-cache scenarios are for sccache
/// configurations, which run those instead of a plain `clean`.
pub fn applies(configuration: &Configuration, scenario: Scenario) -> bool {
    configuration.runs(scenario)
}

/// One thing a study does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Delete the configuration's target directory.
    WipeTarget,
    /// Empty the configuration's sccache cache.
    WipeCache,
    /// Apply the next source edit (shared by every configuration).
    Edit,
    /// Run `cargo build` (or `cargo check`).
    Build { check: bool, purpose: Purpose, index: u32 },
}

/// One step: an action for a configuration within a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Index into the configuration list.
    pub configuration: usize,
    pub scenario: Scenario,
    pub action: Action,
}

/// What is already done when resuming: (configuration name, scenario, warm-up, index).
pub type Done = HashSet<(String, Scenario, bool, u32)>;

/// The state each configuration's target directory is in, so a round plans only the builds
/// its samples need.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    /// The source generation the last `cargo build` saw, if the build artifacts are current.
    built: Option<u64>,
    /// The same for `cargo check`.
    checked: Option<u64>,
    cache_warm: bool,
    /// The last build started from an empty target directory and no edit came since.
    fresh: bool,
}

/// Plans rounds of samples one at a time, remembering what each configuration's last build left.
///
/// Within a round, configurations take turns (A B C, then A B C again in the next round), so
/// drift of the machine over time hits all of them alike. In a rev study every other round runs
/// in reverse (A B, B A, A B, ...), so base and head of a cell each go first half the time and
/// a machine that drifts within a round favours neither. A noop or incremental sample reuses
/// what the previous build of the same configuration left; a preparation build runs only when
/// that state is missing or stale (after a clean scenario wiped it, after another configuration
/// edited the shared source, or when resuming).
#[derive(Debug, Clone)]
pub struct Planner<'a> {
    configurations: &'a [Configuration],
    state: Vec<State>,
    /// How many edits each source tree has had: one tree per revision (`None` outside a rev
    /// study), shared by the configurations built from it.
    generations: HashMap<Option<String>, u64>,
    /// Reverse every other round (rev studies).
    alternate: bool,
}

impl<'a> Planner<'a> {
    pub fn new(configurations: &'a [Configuration]) -> Planner<'a> {
        Planner {
            configurations,
            state: vec![State::default(); configurations.len()],
            generations: HashMap::new(),
            alternate: configurations.iter().any(|c| c.revision.is_some()),
        }
    }

    /// The steps of one round: sample `index` (of kind `purpose`) of `scenario` for each of
    /// `runnable` that the scenario applies to and that is not already `done`.
    pub fn round(
        &mut self,
        scenario: Scenario,
        purpose: Purpose,
        index: u32,
        runnable: &[usize],
        done: &Done,
    ) -> Vec<Step> {
        let mut out = Vec::new();
        let mut order = runnable.to_vec();
        if self.alternate && index % 2 == 1 {
            order.reverse();
        }
        for c in order {
            let configuration = &self.configurations[c];
            if !applies(configuration, scenario) {
                continue;
            }
            if done.contains(&(configuration.name.clone(), scenario, purpose == Purpose::Warmup, index)) {
                continue;
            }
            let mut push = |action| out.push(Step { configuration: c, scenario, action });
            let sample = |check| Action::Build { check, purpose, index };
            let prepare = |check| Action::Build { check, purpose: Purpose::Prepare, index: 0 };
            let tree = configuration.revision.clone();
            let generation = self.generations.get(&tree).copied().unwrap_or(0);
            let s = &mut self.state[c];
            match scenario {
                Scenario::Clean | Scenario::CheckClean => {
                    let check = scenario.is_check();
                    push(Action::WipeTarget);
                    push(sample(check));
                    *s = State {
                        built: (!check).then_some(generation),
                        checked: check.then_some(generation),
                        fresh: true,
                        ..*s
                    };
                }
                Scenario::CleanColdCache => {
                    push(Action::WipeCache);
                    push(Action::WipeTarget);
                    push(sample(false));
                    *s = State { built: Some(generation), checked: None, cache_warm: true, fresh: true };
                }
                Scenario::CleanWarmCache => {
                    if !s.cache_warm {
                        push(Action::WipeTarget);
                        push(prepare(false));
                    }
                    push(Action::WipeTarget);
                    push(sample(false));
                    *s = State { built: Some(generation), checked: None, cache_warm: true, fresh: true };
                }
                Scenario::Noop => {
                    if s.built != Some(generation) {
                        push(prepare(false));
                    }
                    push(sample(false));
                    s.built = Some(generation);
                }
                Scenario::Incremental | Scenario::CheckIncremental => {
                    let check = scenario.is_check();
                    let last = if check { s.checked } else { s.built };
                    let mut generation = generation;
                    if last.is_none() {
                        push(prepare(check));
                        s.fresh = true;
                    }
                    // An edit right after a build from an empty target directory is not a
                    // typical edit-build (the first one after it is slower), so a measured one
                    // never follows such a build directly: it gets a warm-up edit-build of its
                    // own first. With `--warmup` rounds that is their job already; with
                    // `--warmup 0`, and in rounds that take clean and edit-build samples of one
                    // configuration (`buildbench tune` with several goals), it is this one's.
                    if s.fresh && purpose == Purpose::Measured {
                        push(Action::Edit);
                        generation += 1;
                        push(Action::Build { check, purpose: Purpose::Warmup, index });
                    }
                    s.fresh = false;
                    push(Action::Edit);
                    let generation = generation + 1;
                    self.generations.insert(tree, generation);
                    push(sample(check));
                    if check {
                        s.checked = Some(generation);
                    } else {
                        s.built = Some(generation);
                    }
                }
            }
        }
        out
    }

    /// The warm-up rounds and the measured rounds numbered `measured` of one scenario.
    pub fn scenario(
        &mut self,
        scenario: Scenario,
        warmup: u32,
        measured: std::ops::Range<u32>,
        runnable: &[usize],
        done: &Done,
    ) -> Vec<Step> {
        let mut out = Vec::new();
        for index in 0..warmup {
            out.extend(self.round(scenario, Purpose::Warmup, index, runnable, done));
        }
        for index in measured {
            out.extend(self.round(scenario, Purpose::Measured, index, runnable, done));
        }
        out
    }
}

/// The runnable configurations whose cell for `scenario` belongs to this study's shard.
pub fn shard_runnable(plan: &Plan, runnable: &[usize], scenario: Scenario) -> Vec<usize> {
    runnable.iter().copied().filter(|&c| plan.in_shard(c, scenario)).collect()
}

/// Every step of a study without adaptive sampling, in order.
pub fn steps(plan: &Plan, runnable: &[usize], done: &Done) -> Vec<Step> {
    let mut planner = Planner::new(&plan.configurations);
    plan.scenarios
        .iter()
        .flat_map(|&s| {
            let runnable = shard_runnable(plan, runnable, s);
            planner.scenario(s, plan.warmup, plan.measured_rounds(), &runnable, done)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix() -> Matrix {
        Matrix {
            backends: vec![Backend::Llvm],
            linkers: vec![Linker::Default, Linker::Mold],
            caches: vec![Cache::None],
            presets: vec!["dev".into()],
            sets: vec![],
            scans: vec![],
            toolchain: None,
            cargo_profile: "dev".into(),
        }
    }

    #[test]
    fn a_scan_makes_one_configuration_per_value_combined_with_the_other_axes() {
        let mut m = matrix();
        m.scans.push(Scan::parse("profile.dev.codegen-units=1,16,256").unwrap());
        m.scans.push(Scan::parse("RUSTFLAGS=-Zthreads=1,-Zthreads=8").unwrap());
        let configs = expand(&m).unwrap();
        // 2 linkers × 3 values × 2 values.
        assert_eq!(configs.len(), 12);
        let first = &configs[0];
        assert_eq!(first.name, "codegen-units=1+RUSTFLAGS=-Zthreads=1");
        assert_eq!(first.overrides, ["profile.dev.codegen-units=1"]);
        assert_eq!(first.env, [("RUSTFLAGS".to_owned(), "-Zthreads=1".to_owned())]);
        assert!(configs.iter().any(|c| c.name == "mold+codegen-units=256+RUSTFLAGS=-Zthreads=8"));
        // A bare word is quoted for cargo; numbers and booleans are not.
        let lto = Scan::parse("profile.dev.lto=thin,false").unwrap();
        assert_eq!(lto.config("thin"), "profile.dev.lto=\"thin\"");
        assert_eq!(lto.config("false"), "profile.dev.lto=false");
        // Names stay a safe directory name.
        let odd = Scan::parse("RUSTFLAGS=-C target-cpu=native").unwrap();
        assert_eq!(odd.label("-C target-cpu=native"), "RUSTFLAGS=-C_target-cpu=native");
        for bad in ["codegen-units", "nodots=1,2", "profile.dev.debug=", "profile.dev.debug=1,1"] {
            assert!(Scan::parse(bad).is_err(), "{bad}");
        }
        // What buildbench sets itself cannot be scanned.
        for owned in ["CARGO_TARGET_DIR=a,b", "RUSTC_WRAPPER=sccache,", "build.rustflags=1,2", "target.x.linker=a,b"] {
            assert!(matches!(Scan::parse(owned), Err(MatrixError::OwnedScan { .. })), "{owned}");
        }
        // Values that would give two configurations one folder name are refused, not dropped.
        let mut m = matrix();
        m.scans.push(Scan::parse("RUSTFLAGS=-Ca b,-Ca_b").unwrap());
        assert!(matches!(expand(&m), Err(MatrixError::SameName { .. })));
    }

    #[test]
    fn names_say_what_differs_from_the_default() {
        let mut m = matrix();
        m.backends.push(Backend::Cranelift);
        m.caches.push(Cache::Sccache);
        m.presets.push("fast-dev".into());
        m.sets.push("profile.dev.debug=0".into());
        let names: Vec<String> = expand(&m).unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names[0], "default");
        assert!(names.contains(&"cranelift+mold+sccache+fast-dev".to_owned()), "{names:?}");
        assert!(names.contains(&"custom".to_owned()));
        assert_eq!(names.len(), 2 * 2 * 2 * 3);
        let clif = expand(&m).unwrap().into_iter().find(|c| c.backend == Backend::Cranelift).unwrap();
        assert_eq!(clif.toolchain.as_deref(), Some("nightly"));
    }

    #[test]
    fn bad_axes_are_rejected_with_the_choices() {
        let mut m = matrix();
        m.presets = vec!["turbo".into()];
        assert!(expand(&m).unwrap_err().to_string().contains("dev, fast-dev"));
        let mut m = matrix();
        m.sets = vec!["debug".into()];
        assert!(expand(&m).unwrap_err().to_string().contains("KEY=VALUE"));
    }

    #[test]
    fn fast_dev_covers_dependencies_too() {
        let o = preset_overrides("fast-dev", "dev").unwrap();
        assert!(o.contains(&"profile.dev.package.\"*\".debug=false".to_owned()));
        assert!(o.contains(&"profile.dev.incremental=true".to_owned()));
    }

    fn plan(configurations: Vec<Configuration>, scenarios: &[Scenario], warmup: u32, runs: u32) -> Plan {
        Plan::new(configurations, scenarios.to_vec(), runs, warmup)
    }

    #[test]
    fn shards_split_whole_cells_and_cover_the_matrix_once() {
        let mut m = matrix();
        m.linkers = vec![Linker::Default, Linker::Mold, Linker::Lld];
        let configs = expand(&m).unwrap();
        let scenarios = [Scenario::Clean, Scenario::Incremental];
        let mut seen = Vec::new();
        for k in 1..=2 {
            let mut p = plan(configs.clone(), &scenarios, 0, 2);
            p.shard = Some((k, 2));
            p.shard_by = buildbench_model::ShardBy::Cell;
            for step in steps(&p, &[0, 1, 2], &Done::new()) {
                if let Action::Build { purpose: Purpose::Measured, index: 0, .. } = step.action {
                    seen.push((step.configuration, step.scenario, k));
                }
            }
        }
        // Six cells, dealt round-robin: 3 per shard, each exactly once.
        assert_eq!(seen.len(), 6);
        let mut cells: Vec<(usize, Scenario)> = seen.iter().map(|&(c, s, _)| (c, s)).collect();
        cells.sort();
        cells.dedup();
        assert_eq!(cells.len(), 6);
        assert_eq!(seen.iter().filter(|s| s.2 == 1).count(), 3);
        assert!(seen.contains(&(0, Scenario::Clean, 1)) && seen.contains(&(1, Scenario::Clean, 2)));
    }

    #[test]
    fn blocks_run_every_cell_with_their_share_of_the_samples() {
        let configs = expand(&matrix()).unwrap();
        let scenarios = [Scenario::Clean, Scenario::Incremental];
        // --runs 5 over 3 blocks: 2, 2, 1 samples per cell, numbered 0-1, 2-3, 4.
        let mut numbers = Vec::new();
        for k in 1..=3 {
            let mut p = plan(configs.clone(), &scenarios, 1, 5);
            p.shard = Some((k, 3));
            let measured: Vec<(usize, Scenario, u32)> = steps(&p, &[0, 1], &Done::new())
                .into_iter()
                .filter_map(|s| match s.action {
                    Action::Build { purpose: Purpose::Measured, index, .. } => {
                        Some((s.configuration, s.scenario, index))
                    }
                    _ => None,
                })
                .collect();
            let share = if k < 3 { 2 } else { 1 };
            assert_eq!(measured.len(), share * 4, "block {k}: every cell, its share each");
            numbers.extend(measured.iter().filter(|m| m.0 == 0 && m.1 == Scenario::Clean).map(|m| m.2));
            // Warm-ups run in every block: each runner needs its own.
            let warmups = steps(&p, &[0, 1], &Done::new())
                .iter()
                .filter(|s| matches!(s.action, Action::Build { purpose: Purpose::Warmup, .. }))
                .count();
            assert_eq!(warmups, 4);
        }
        assert_eq!(numbers, [0, 1, 2, 3, 4]);
        // Fewer runs than blocks: one sample each.
        let mut p = plan(configs, &scenarios, 0, 2);
        p.shard = Some((3, 4));
        assert_eq!(p.measured_rounds(), 2..3);
    }

    fn builds(steps: &[Step]) -> Vec<(usize, Scenario, Purpose)> {
        steps
            .iter()
            .filter_map(|s| match s.action {
                Action::Build { purpose, .. } => Some((s.configuration, s.scenario, purpose)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn configurations_take_turns_and_reuse_their_own_state() {
        let configs = expand(&matrix()).unwrap();
        let all = [0, 1];
        let s =
            steps(&plan(configs, &[Scenario::Clean, Scenario::Noop, Scenario::Incremental], 1, 2), &all, &Done::new());
        use Purpose::*;
        use Scenario::*;
        assert_eq!(
            builds(&s),
            [
                (0, Clean, Warmup),
                (1, Clean, Warmup),
                (0, Clean, Measured),
                (1, Clean, Measured),
                (0, Clean, Measured),
                (1, Clean, Measured),
                // The clean builds left each configuration built: no preparation needed.
                (0, Noop, Warmup),
                (1, Noop, Warmup),
                (0, Noop, Measured),
                (1, Noop, Measured),
                (0, Noop, Measured),
                (1, Noop, Measured),
                (0, Incremental, Warmup),
                (1, Incremental, Warmup),
                (0, Incremental, Measured),
                (1, Incremental, Measured),
                (0, Incremental, Measured),
                (1, Incremental, Measured),
            ]
        );
        assert_eq!(s.iter().filter(|s| s.action == Action::Edit).count(), 6);
    }

    #[test]
    fn noop_after_another_configuration_edited_rebuilds_first() {
        let configs = expand(&matrix()).unwrap();
        let s = steps(&plan(configs, &[Scenario::Incremental, Scenario::Noop], 0, 1), &[0, 1], &Done::new());
        use Purpose::*;
        use Scenario::*;
        assert_eq!(
            builds(&s),
            [
                // --warmup 0: the edit right after each preparation is a warm-up of its own.
                (0, Incremental, Prepare),
                (0, Incremental, Warmup),
                (0, Incremental, Measured),
                (1, Incremental, Prepare),
                (1, Incremental, Warmup),
                (1, Incremental, Measured),
                // Configuration 0 last built edit 2; the source now holds edit 4.
                (0, Noop, Prepare),
                (0, Noop, Measured),
                (1, Noop, Measured),
            ]
        );
    }

    #[test]
    fn resuming_skips_done_samples_and_prepares_again() {
        let configs = expand(&matrix()).unwrap();
        let mut done = Done::new();
        done.insert(("default".into(), Scenario::Incremental, false, 0));
        let s = steps(&plan(configs, &[Scenario::Incremental], 0, 2), &[0], &done);
        // The preparation may have built from nothing (the work folder can be gone): the next
        // edit-build is a warm-up before the sample.
        assert_eq!(
            builds(&s),
            [
                (0, Scenario::Incremental, Purpose::Prepare),
                (0, Scenario::Incremental, Purpose::Warmup),
                (0, Scenario::Incremental, Purpose::Measured)
            ]
        );
    }

    #[test]
    fn sccache_configurations_run_cold_and_warm_instead_of_clean() {
        let mut m = matrix();
        m.linkers = vec![Linker::Default];
        m.caches = vec![Cache::None, Cache::Sccache];
        let configs = expand(&m).unwrap();
        let scenarios = effective_scenarios(&[Scenario::Clean], &configs);
        assert_eq!(scenarios, [Scenario::Clean, Scenario::CleanColdCache, Scenario::CleanWarmCache]);
        let s = steps(&plan(configs, &scenarios, 0, 2), &[0, 1], &Done::new());
        use Purpose::*;
        use Scenario::*;
        assert_eq!(
            builds(&s),
            [
                (0, Clean, Measured),
                (0, Clean, Measured),
                (1, CleanColdCache, Measured),
                (1, CleanColdCache, Measured),
                // The cold builds filled the cache: no preparation before the warm ones.
                (1, CleanWarmCache, Measured),
                (1, CleanWarmCache, Measured),
            ]
        );
        assert_eq!(s.iter().filter(|s| s.action == Action::WipeCache).count(), 2);
    }

    #[test]
    fn settled_rounds_give_an_edit_after_a_clean_build_a_warm_up_first() {
        let configs = expand(&matrix()).unwrap();
        use Purpose::*;
        use Scenario::*;
        let round = |planner: &mut Planner<'_>, index| {
            let mut out = planner.round(Incremental, Measured, index, &[0], &Done::new());
            out.extend(planner.round(Clean, Measured, index, &[0], &Done::new()));
            builds(&out)
        };
        let mut settled = Planner::new(&configs);
        // Every edit-build follows a build from an empty target directory (the first round's
        // preparation, then the clean samples): a warm-up first.
        assert_eq!(
            round(&mut settled, 0),
            [(0, Incremental, Prepare), (0, Incremental, Warmup), (0, Incremental, Measured), (0, Clean, Measured)]
        );
        for index in 1..3 {
            assert_eq!(
                round(&mut settled, index),
                [(0, Incremental, Warmup), (0, Incremental, Measured), (0, Clean, Measured)]
            );
        }
        // Scenario by scenario (compare) with --warmup 0: the first edit-build after the clean
        // samples gets one; those after an edit-build do not. With a warm-up round, that round
        // is the first edit-build: none more.
        for warmup in [0, 1] {
            let mut plain = Planner::new(&configs);
            let mut steps = plain.scenario(Clean, 0, 0..2, &[0], &Done::new());
            steps.extend(plain.scenario(Incremental, warmup, 0..2, &[0], &Done::new()));
            let expected = [(0, Clean, Measured), (0, Clean, Measured), (0, Incremental, Warmup)];
            let edits = [(0, Incremental, Measured), (0, Incremental, Measured)];
            assert_eq!(builds(&steps), [&expected[..], &edits[..]].concat(), "--warmup {warmup}");
        }
    }
}
