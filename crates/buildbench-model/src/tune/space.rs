//! The space `buildbench tune` searches: one dimension per setting a project can change
//! (linker, backend, debug info, codegen units, incremental, nightly flags), each option with
//! what it costs the user in words and what `--allow` it needs. Pure data: what this machine
//! can do (`Available`) comes from the runner's probes.

use serde::{Deserialize, Serialize};

use crate::{Backend, Cache, Configuration, Linker, Scenario, Word as _};

/// What a tune optimises: the build the user waits for most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Goal {
    /// The edit-build loop: `cargo build` after an edit.
    Incremental,
    /// A build from an empty target directory (CI without a cache, a fresh checkout).
    Clean,
    /// The edit-check loop: `cargo check` after an edit.
    Check,
}

impl Goal {
    /// The scenario a goal measures.
    pub fn scenario(self) -> Scenario {
        match self {
            Goal::Incremental => Scenario::Incremental,
            Goal::Clean => Scenario::Clean,
            Goal::Check => Scenario::CheckIncremental,
        }
    }

    /// The scenarios a stage of `configurations` runs for this goal: its own, and for a clean
    /// goal with an sccache candidate, `clean-warm-cache`, which that candidate runs instead of
    /// `clean` (its cold-cache build is its preparation, not a sample).
    pub fn scenarios(self, configurations: &[Configuration]) -> Vec<Scenario> {
        let mut out = vec![self.scenario()];
        if self == Goal::Clean && configurations.iter().any(|c| c.cache == Cache::Sccache) {
            out.push(Scenario::CleanWarmCache);
        }
        out
    }

    /// Whether a sample of `scenario` is a sample of this goal: its own scenario, or the cache
    /// scenario compared with it (`Scenario::reference`), never a cold cache's.
    pub fn measures(self, scenario: Scenario) -> bool {
        scenario != Scenario::CleanColdCache && scenario.reference() == self.scenario()
    }

    /// The word on the command line and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Goal::Incremental => "incremental",
            Goal::Clean => "clean",
            Goal::Check => "check",
        }
    }
}

/// What a tune minimises: one goal's build time, or a weighed sum of several goals' times
/// (`incremental=3,clean=1`: three edit-builds for every clean build), sample by sample, each
/// round's samples of every goal summed with their weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// Each goal with its weight (positive), in the order given.
    pub weights: Vec<(Goal, f64)>,
}

impl Objective {
    /// One goal, weight 1.
    pub fn single(goal: Goal) -> Objective {
        Objective { weights: vec![(goal, 1.0)] }
    }

    /// `incremental`, `clean`, `check`, or goals with weights: `incremental=3,clean=1` (a goal
    /// without `=W` weighs 1).
    pub fn parse(text: &str) -> Result<Objective, String> {
        let mut weights: Vec<(Goal, f64)> = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (word, weight) = part.split_once('=').map_or((part, "1"), |(w, n)| (w.trim(), n.trim()));
            let goal = [Goal::Incremental, Goal::Clean, Goal::Check]
                .into_iter()
                .find(|g| g.as_str() == word)
                .ok_or_else(|| format!("{word:?} is not a goal; expected incremental, clean or check"))?;
            let weight: f64 = weight
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite() && *w > 0.0)
                .ok_or_else(|| format!("{part:?}: a goal's weight is a positive number (incremental=3,clean=1)"))?;
            if weights.iter().any(|(g, _)| *g == goal) {
                return Err(format!("{word} is given twice"));
            }
            weights.push((goal, weight));
        }
        if weights.is_empty() {
            return Err(
                "no goal given; expected incremental, clean, check or weights like incremental=3,clean=1".into()
            );
        }
        Ok(Objective { weights })
    }

    /// The goals, in the order given.
    pub fn goals(&self) -> Vec<Goal> {
        self.weights.iter().map(|&(g, _)| g).collect()
    }

    /// The heaviest goal (the first of equal ones): what a single-goal reader of `tune.json`
    /// takes as the goal.
    pub fn primary(&self) -> Goal {
        let mut best: Option<(Goal, f64)> = None;
        for &(g, w) in &self.weights {
            if best.is_none_or(|(_, b)| w > b) {
                best = Some((g, w));
            }
        }
        best.map_or(Goal::Incremental, |(g, _)| g)
    }

    /// `incremental`, or `3×incremental + 1×clean`.
    pub fn label(&self) -> String {
        match self.weights.as_slice() {
            [(g, _)] => g.as_str().to_owned(),
            many => many.iter().map(|(g, w)| format!("{w}×{}", g.as_str())).collect::<Vec<_>>().join(" + "),
        }
    }

    /// The scenarios a stage of `configurations` runs: every goal's (`Goal::scenarios`).
    pub fn scenarios(&self, configurations: &[Configuration]) -> Vec<Scenario> {
        let mut out: Vec<Scenario> = Vec::new();
        for (g, _) in &self.weights {
            for s in g.scenarios(configurations) {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// One candidate's samples of the objective: `by_goal[i]` holds the `(round, seconds)`
    /// samples of the `i`-th goal; a round counts once every goal has a sample in it, and its
    /// sample is the weighed sum. In round order.
    pub fn combine(&self, by_goal: &[Vec<(u32, f64)>]) -> Vec<f64> {
        let Some(first) = by_goal.first() else { return Vec::new() };
        let mut rounds: Vec<u32> = first.iter().map(|&(r, _)| r).collect();
        rounds.sort_unstable();
        rounds.dedup();
        rounds
            .into_iter()
            .filter_map(|round| {
                self.weights.iter().zip(by_goal).try_fold(0.0, |sum, ((_, w), samples)| {
                    samples.iter().find(|&&(r, _)| r == round).map(|&(_, t)| sum + w * t)
                })
            })
            .collect()
    }
}

/// A kind of trade-off a user must allow with `--allow` before `tune` proposes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allow {
    /// Needs a nightly toolchain (Cranelift, `-Z` flags).
    Nightly,
    /// Changes the program that is built: slower code at run time.
    Runtime,
}

impl Allow {
    /// Every kind, in the order `--allow` lists them.
    pub const ALL: &'static [Allow] = &[Allow::Nightly, Allow::Runtime];

    /// The word on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Allow::Nightly => "nightly",
            Allow::Runtime => "runtime",
        }
    }

    /// Parses the word of `--allow`.
    pub fn parse(word: &str) -> Option<Allow> {
        Allow::ALL.iter().copied().find(|a| a.as_str() == word.trim())
    }
}

/// Which part of a build an option can shorten: the most it can save is that part's share of
/// the baseline's build, which `whatif` measures before anything is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Touches {
    /// The final links only.
    Link,
    /// Code generation and the links (what the backend and debug info change).
    CodegenAndLink,
    /// Anything (the compiler's own threads, incremental compilation): no bound.
    Anything,
    /// Every compilation, which a warm cache can replace: the whole build is its bound, so
    /// under a tight budget it is tried among the first.
    Compilation,
}

/// How an option changes the build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Another linker for the final artifacts.
    Linker(Linker),
    /// Another codegen backend (on the nightly toolchain).
    Backend(Backend),
    /// A cargo `--config KEY=VALUE` override.
    Config(String),
    /// Flags added to `RUSTFLAGS` (on the nightly toolchain: they are `-Z` flags).
    Rustflags(String),
    /// A compilation cache wrapped around rustc, measured with a cache an earlier build of the
    /// same sources filled (the `clean-warm-cache` scenario).
    Cache(Cache),
}

/// One value of a dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// Short name, used in configuration names (`mold`, `debug=line-tables-only`).
    pub label: String,
    /// What it does to the build.
    pub change: Change,
    /// What adopting it costs the user, in words.
    pub tradeoff: String,
    /// The `--allow` it needs, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<Allow>,
    /// What it can shorten (the bound `whatif` prunes with).
    pub touches: Touches,
    /// Labels of settings beside which this one changes nothing (`split-debuginfo` with no
    /// debug info at all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub void_beside: Vec<String>,
}

/// One setting the search varies: the project's own value (the baseline) or one of `options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    /// Its name (`linker`, `debuginfo`).
    pub name: String,
    /// The values other than the baseline's.
    pub options: Vec<Setting>,
}

/// What this machine and toolchain can do, from the probes `doctor` runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Available {
    /// Linkers that can link here (besides the default).
    pub linkers: Vec<Linker>,
    /// The default linker is rust-lld (so `lld` would change nothing but its version).
    pub default_is_rust_lld: bool,
    /// A nightly toolchain is installed.
    pub nightly: bool,
    /// That nightly has the Cranelift backend.
    pub cranelift: bool,
    /// Cores, for `-Zthreads`.
    pub cores: u32,
    /// sccache is installed.
    pub sccache: bool,
}

/// The space: dimensions with their options, and what `--allow` left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Space {
    /// The dimensions searched.
    pub dimensions: Vec<Dimension>,
    /// Options left out, with why (`needs --allow nightly`, `not installed`).
    pub left_out: Vec<(String, String)>,
    /// What the project builds with already, which the options change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Current>,
}

/// What the project already builds with in the profile a tune measures, as cargo itself
/// resolves it (its `--unit-graph`: `Cargo.toml`, `.cargo/config.toml`, `CARGO_PROFILE_*`,
/// `inherits`, package overrides), and the linker its own rustflags select. The space offers
/// only changes from it: `debug=0` where the profile has no debug info already is not a
/// candidate, and a custom profile that inherits `dev` is unoptimised, whatever its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Current {
    /// The cargo profile (`dev`, `release`, a custom one).
    pub profile: String,
    /// Where this was read from: `cargo's unit graph`, or `cargo's defaults for PROFILE` when
    /// the unit graph could not be read (and why).
    pub source: String,
    /// The workspace's own code is optimised (`opt-level` other than 0).
    pub optimised: bool,
    /// The workspace's debug info: `0`, `1`, `2`, `line-tables-only`, `line-directives-only`.
    pub debuginfo: String,
    /// Every dependency already builds without debug info.
    pub deps_without_debuginfo: bool,
    /// Some dependency the program links is optimised (`[profile.dev.package."*"] opt-level`,
    /// common where a debug build must run fast) while the workspace's own code is not.
    #[serde(default)]
    pub deps_optimised: bool,
    /// Some build script, proc macro or dependency of theirs is optimised (a raised
    /// `build-override`): code that runs during the build only.
    #[serde(default)]
    pub build_override_optimised: bool,
    /// `split-debuginfo`, when set (`unpacked`, `packed`, `off`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_debuginfo: Option<String>,
    /// The workspace's codegen units (rustc's default when the profile sets none: 256 with
    /// incremental compilation, 16 without).
    pub codegen_units: u32,
    /// Incremental compilation of the workspace.
    pub incremental: bool,
    /// The profile's `codegen-backend`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// The linker the project's own rustflags select (`OwnLinker::linker`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linker: Option<String>,
}

impl Current {
    /// Cargo's defaults for `profile` (`dev` and `test` unoptimised with full debug info and
    /// incremental compilation, every other profile as `release`), for when cargo's own
    /// resolution cannot be read (`why`).
    pub fn defaults(profile: &str, why: &str) -> Current {
        let dev = profile == "dev" || profile == "test";
        Current {
            profile: profile.to_owned(),
            source: format!("cargo's defaults for {profile} ({why})"),
            optimised: !dev,
            debuginfo: if dev { "2" } else { "0" }.to_owned(),
            deps_without_debuginfo: !dev,
            deps_optimised: false,
            build_override_optimised: false,
            split_debuginfo: None,
            codegen_units: if dev { 256 } else { 16 },
            incremental: dev,
            backend: None,
            linker: None,
        }
    }

    /// Reads cargo's `--unit-graph` output (`cargo build --unit-graph -Zunstable-options`):
    /// the workspace's own units (path packages, build scripts aside) give the profile, every
    /// other compiled unit tells whether dependencies have debug info.
    pub fn from_unit_graph(text: &str, profile: &str) -> Result<Current, String> {
        let graph: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not a unit graph: {e}"))?;
        let units = graph.get("units").and_then(serde_json::Value::as_array).ok_or("a unit graph without units")?;
        const NULL: serde_json::Value = serde_json::Value::Null;
        // `Value::pointer`, or null where the field is missing.
        let at = |v: &'_ serde_json::Value, path: &str| v.pointer(path).unwrap_or(&NULL).clone();
        let compiled = |u: &&serde_json::Value| {
            at(u, "/mode").as_str().is_some_and(|m| m == "build" || m == "check")
                && !at(u, "/target/kind").as_array().is_some_and(|k| k.iter().any(|k| k == "custom-build"))
        };
        let own = |u: &&serde_json::Value| at(u, "/pkg_id").as_str().is_some_and(|id| id.starts_with("path+"));
        let host = host_units(units);
        let optimised = |u: &serde_json::Value| at(u, "/profile/opt_level").as_str().is_some_and(|o| o != "0");
        let mine: Vec<serde_json::Value> =
            units.iter().filter(compiled).filter(own).map(|u| at(u, "/profile")).collect();
        let first = mine.first().ok_or("the unit graph has none of the workspace's own units")?;
        let debuginfo = |p: &serde_json::Value| match at(p, "/debuginfo") {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s,
            _ => "0".to_owned(),
        };
        let text_of = |key: &str| at(first, key).as_str().map(str::to_owned);
        let incremental = at(first, "/incremental").as_bool().unwrap_or(false);
        let default_units = if incremental { 256 } else { 16 };
        let codegen_units =
            at(first, "/codegen_units").as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(default_units);
        let deps_optimised =
            units.iter().enumerate().any(|(i, u)| compiled(&u) && !own(&u) && !host.contains(&i) && optimised(u));
        Ok(Current {
            profile: profile.to_owned(),
            source: "cargo's unit graph".to_owned(),
            optimised: at(first, "/opt_level").as_str().is_some_and(|o| o != "0"),
            debuginfo: debuginfo(first),
            deps_without_debuginfo: units
                .iter()
                .filter(compiled)
                .filter(|u| !own(u))
                .all(|u| matches!(debuginfo(&at(u, "/profile")).as_str(), "0" | "none")),
            deps_optimised,
            // `package."*"` outranks `build-override`: where dependencies are optimised, their
            // host units are too whatever build-override says, so only the workspace's own
            // build scripts and proc macros tell.
            build_override_optimised: units
                .iter()
                .enumerate()
                .any(|(i, u)| host.contains(&i) && optimised(u) && (own(&u) || !deps_optimised)),
            split_debuginfo: text_of("/split_debuginfo"),
            codegen_units,
            incremental,
            backend: text_of("/codegen_backend"),
            linker: None,
        })
    }

    /// `profile dev: opt-level 0, debug=2, 256 codegen units, incremental, linker mold (from
    /// cargo's unit graph)`: what the options change, in words.
    pub fn describe(&self) -> String {
        let mut words = vec![
            format!("profile {}", self.profile),
            if self.optimised { "optimised".to_owned() } else { "unoptimised".to_owned() },
            format!("debug={}", self.debuginfo),
        ];
        if self.has_debuginfo() && self.deps_without_debuginfo {
            words.push("no dependency with debug info".to_owned());
        }
        if self.deps_optimised && !self.optimised {
            words.push("optimised dependencies".to_owned());
        }
        if self.build_override_optimised {
            words.push("optimised build scripts and proc macros".to_owned());
        }
        words.extend(self.split_debuginfo.as_ref().map(|s| format!("split-debuginfo={s}")));
        words.push(format!("{} codegen units", self.codegen_units));
        words.push(if self.incremental { "incremental" } else { "not incremental" }.to_owned());
        words.extend(self.backend.as_ref().map(|b| format!("backend {b}")));
        words.extend(self.linker.as_ref().map(|l| format!("linker {l}")));
        format!("{} (from {})", words.join(", "), self.source)
    }

    /// The profile has some debug info.
    fn has_debuginfo(&self) -> bool {
        !matches!(self.debuginfo.as_str(), "0" | "none")
    }

    /// Why an option changes nothing here, if it does not: the project already has it.
    fn already(&self, setting: &Setting) -> Option<String> {
        let has = |what: &str| Some(format!("the {} profile already has {what}", self.profile));
        match &setting.change {
            Change::Linker(l) if self.linker.as_deref() == Some(l.as_str()) => {
                Some(format!("the project already links with {}", l.as_str()))
            }
            Change::Backend(b) if self.backend.as_deref() == Some(b.as_str()) => has(&format!("{b} as its backend")),
            Change::Config(key) => {
                let value = key.rsplit_once('=').map_or("", |(_, v)| v.trim_matches('"'));
                if key.contains(".package.") && key.contains(".opt-level=") {
                    return (!self.deps_optimised || self.optimised)
                        .then(|| format!("no dependency is optimised apart from the {} profile", self.profile));
                }
                if key.contains(".package.") {
                    return self.deps_without_debuginfo.then(|| "no dependency has debug info".to_owned());
                }
                if key.contains(".build-override.") {
                    return (!self.build_override_optimised)
                        .then(|| "no build script or proc macro is optimised".to_owned());
                }
                let setting_key = key.split_once('=').map_or(key.as_str(), |(k, _)| k);
                match setting_key.rsplit('.').next().unwrap_or("") {
                    "debug" if value == "0" && !self.has_debuginfo() => has("no debug info"),
                    "debug"
                        if value == "line-tables-only"
                            && !matches!(self.debuginfo.as_str(), "1" | "2" | "limited" | "full") =>
                    {
                        has(&format!("debug={}", self.debuginfo))
                    }
                    "split-debuginfo" if !self.has_debuginfo() => has("no debug info to split"),
                    "split-debuginfo" if self.split_debuginfo.as_deref().is_some_and(|s| s != "off") => {
                        has(&format!("split-debuginfo={}", self.split_debuginfo.as_deref().unwrap_or("")))
                    }
                    "codegen-units" if value == self.codegen_units.to_string() => {
                        has(&format!("{value} codegen units"))
                    }
                    "incremental" if value == self.incremental.to_string() => has(&format!("incremental={value}")),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// The units of a unit graph compiled for the build machine: build scripts, proc macros and
/// everything they depend on (their own units, with `build-override`'s profile).
fn host_units(units: &[serde_json::Value]) -> std::collections::HashSet<usize> {
    let kinds = |u: &serde_json::Value| -> Vec<String> {
        u.pointer("/target/kind")
            .and_then(serde_json::Value::as_array)
            .map(|k| k.iter().filter_map(|k| k.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let mut stack: Vec<usize> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| {
            let k = kinds(u);
            let build_script = k.iter().any(|k| k == "custom-build")
                && u.pointer("/mode").and_then(serde_json::Value::as_str) == Some("build");
            build_script || k.iter().any(|k| k == "proc-macro")
        })
        .map(|(i, _)| i)
        .collect();
    let mut host = std::collections::HashSet::new();
    while let Some(i) = stack.pop() {
        if !host.insert(i) {
            continue;
        }
        let deps = units.get(i).and_then(|u| u.pointer("/dependencies")).and_then(serde_json::Value::as_array);
        stack.extend(deps.into_iter().flatten().filter_map(|d| d.pointer("/index")?.as_u64()).map(|i| i as usize));
    }
    host
}

/// The settings a tune varies, for `goal` in the profile the project builds with (`current`),
/// on what `available` offers, keeping only what `allow` permits and what changes the build.
pub fn space(goals: &[Goal], current: &Current, available: &Available, allow: &[Allow]) -> Space {
    let p = format!("profile.{}", current.profile);
    let dev = !current.optimised;
    let mut dims: Vec<Dimension> = Vec::new();
    let mut left_out: Vec<(String, String)> = Vec::new();
    let builds = goals.iter().any(|&g| g != Goal::Check);
    let clean = goals.contains(&Goal::Clean);

    if builds {
        dims.push(linker(available, &mut left_out));
        dims.push(backend(available, &mut left_out));
        dims.extend(debuginfo(&p));
        dims.push(codegen_units(&p, dev));
        dims.extend(optimised_elsewhere(&p));
    }
    if clean {
        dims.extend(cache(available, &mut left_out));
    }
    dims.extend(incremental(clean, &p, dev));
    if available.nightly {
        dims.push(frontend_threads(available.cores));
        if builds {
            dims.push(share_generics());
        }
    } else {
        left_out.push(("-Zthreads, -Zshare-generics".to_owned(), "no nightly toolchain here".to_owned()));
    }
    // What the project has already is no change; what --allow does not permit is listed, not
    // searched.
    for dim in &mut dims {
        dim.options.retain(|o| {
            if let Some(why) = current.already(o) {
                left_out.push((o.label.clone(), why));
                return false;
            }
            match o.needs {
                Some(need) if !allow.contains(&need) => {
                    left_out.push((o.label.clone(), format!("needs --allow {}", need.as_str())));
                    false
                }
                _ => true,
            }
        });
    }
    dims.retain(|d| !d.options.is_empty());
    Space { dimensions: dims, left_out, current: Some(current.clone()) }
}

/// The linkers this machine has, fast ones only: GNU ld and gold are slower than the default
/// rust-lld by design. Those it lacks go to `left_out`.
fn linker(available: &Available, left_out: &mut Vec<(String, String)>) -> Dimension {
    let mut options = Vec::new();
    // Fast linkers only, from the linker table (`LinkerSpec::fast`).
    for linker in Linker::ALL.iter().copied().filter(|l| l.spec().fast) {
        if linker == Linker::Lld && available.default_is_rust_lld {
            left_out.push(("lld".to_owned(), "the default linker is already rust-lld".to_owned()));
            continue;
        }
        if !available.linkers.contains(&linker) {
            left_out.push((linker.as_str().to_owned(), "not installed on this machine".to_owned()));
            continue;
        }
        options.push(Setting {
            label: linker.as_str().to_owned(),
            change: Change::Linker(linker),
            tradeoff: format!("every machine that builds the project needs {} installed", linker.as_str()),
            needs: None,
            touches: Touches::Link,
            void_beside: Vec::new(),
        });
    }
    Dimension { name: "linker".to_owned(), options }
}

/// sccache for clean builds, where it is installed (else it goes to `left_out`): measured
/// with a cache an earlier build of the same sources filled, as CI with a kept cache sees it.
fn cache(available: &Available, left_out: &mut Vec<(String, String)>) -> Option<Dimension> {
    if !available.sccache {
        left_out.push(("sccache".to_owned(), "not installed on this machine".to_owned()));
        return None;
    }
    Some(Dimension {
        name: "cache".to_owned(),
        options: vec![Setting {
            label: "sccache".to_owned(),
            change: Change::Cache(Cache::Sccache),
            tradeoff: "measured with a warm cache (an earlier build of the same sources filled it): CI gains it only \
                       when it keeps the cache between jobs, less when many crates changed, and a build with an \
                       empty cache is slower than none; every machine needs sccache installed; it turns \
                       incremental compilation off where it is the wrapper"
                .to_owned(),
            needs: None,
            touches: Touches::Compilation,
            void_beside: Vec::new(),
        }],
    })
}

/// Cranelift, where the nightly toolchain has it (else it goes to `left_out`).
fn backend(available: &Available, left_out: &mut Vec<(String, String)>) -> Dimension {
    let mut options = Vec::new();
    if available.cranelift {
        options.push(Setting {
            label: "cranelift".to_owned(),
            change: Change::Backend(Backend::Cranelift),
            tradeoff: "a nightly toolchain with the rustc-codegen-cranelift-preview component; the program runs \
                       slower; some crates do not build with it"
                .to_owned(),
            needs: Some(Allow::Nightly),
            touches: Touches::CodegenAndLink,
            void_beside: Vec::new(),
        });
    } else {
        left_out.push(("cranelift".to_owned(), "no nightly toolchain with Cranelift here".to_owned()));
    }
    Dimension { name: "backend".to_owned(), options }
}

/// The debug-info dimensions of profile key `p` (`profile.dev`): how much debug info, split
/// debug info, and none for dependencies.
fn debuginfo(p: &str) -> [Dimension; 3] {
    [
        Dimension {
            name: "debuginfo".to_owned(),
            options: vec![
                Setting {
                    label: "debug=line-tables-only".to_owned(),
                    change: Change::Config(format!("{p}.debug=\"line-tables-only\"")),
                    tradeoff: "debug info has line numbers only: backtraces keep their lines, a debugger shows no \
                               variables"
                        .to_owned(),
                    needs: None,
                    touches: Touches::CodegenAndLink,
                    void_beside: Vec::new(),
                },
                Setting {
                    label: "debug=0".to_owned(),
                    change: Change::Config(format!("{p}.debug=0")),
                    tradeoff: "no debug info: backtraces lose line numbers and a debugger sees no source".to_owned(),
                    needs: None,
                    touches: Touches::CodegenAndLink,
                    void_beside: Vec::new(),
                },
            ],
        },
        Dimension {
            name: "split-debuginfo".to_owned(),
            options: vec![Setting {
                label: "split-debuginfo=unpacked".to_owned(),
                change: Change::Config(format!("{p}.split-debuginfo=\"unpacked\"")),
                tradeoff: "debug info stays in .dwo files beside the objects in target/: a debugger needs them there"
                    .to_owned(),
                needs: None,
                touches: Touches::Link,
                // No debug info at all: nothing to split.
                void_beside: vec!["debug=0".to_owned()],
            }],
        },
        Dimension {
            name: "dependency-debuginfo".to_owned(),
            options: vec![Setting {
                label: "deps-debug=0".to_owned(),
                change: Change::Config(format!("{p}.package.\"*\".debug=0")),
                tradeoff: "no debug info for dependencies: a debugger cannot step into them".to_owned(),
                needs: None,
                touches: Touches::CodegenAndLink,
                // The profile's debug=0 already covers every package.
                void_beside: vec!["debug=0".to_owned()],
            }],
        },
    ]
}

/// The other number of codegen units, for profile key `p` (`dev`: an unoptimised profile).
fn codegen_units(p: &str, dev: bool) -> Dimension {
    // The dev profile already has 256 units; an optimised profile has 16, and more units
    // make its code slower.
    let units = if dev { "16" } else { "256" };
    Dimension {
        name: "codegen-units".to_owned(),
        options: vec![Setting {
            label: format!("codegen-units={units}"),
            change: Change::Config(format!("{p}.codegen-units={units}")),
            tradeoff: if dev {
                "none in an unoptimised profile".to_owned()
            } else {
                "more codegen units optimise less: the program may run slower".to_owned()
            },
            needs: (!dev).then_some(Allow::Runtime),
            touches: Touches::CodegenAndLink,
            void_beside: Vec::new(),
        }],
    }
}

/// Optimisation the profile gives code other than the workspace's own: dependencies
/// (`package."*"`, only where the workspace itself is unoptimised, so the program runs slower
/// where it spends its time in them) and the code that runs during the build only
/// (`build-override`: build scripts and proc macros, the program unchanged). Each is a
/// candidate only where cargo's unit graph shows the project raised it (`Current::already`).
fn optimised_elsewhere(p: &str) -> [Dimension; 2] {
    [
        Dimension {
            name: "dependency-opt-level".to_owned(),
            options: vec![Setting {
                label: "deps-opt-level=0".to_owned(),
                change: Change::Config(format!("{p}.package.\"*\".opt-level=0")),
                tradeoff: "dependencies are no longer optimised: the program runs slower where it spends its time \
                           in them"
                    .to_owned(),
                needs: Some(Allow::Runtime),
                touches: Touches::CodegenAndLink,
                void_beside: Vec::new(),
            }],
        },
        Dimension {
            name: "build-override".to_owned(),
            options: vec![Setting {
                label: "build-override-opt-level=0".to_owned(),
                change: Change::Config(format!("{p}.build-override.opt-level=0")),
                tradeoff: "build scripts and proc macros are no longer optimised: they run slower during the build \
                           (the measurement includes it); the program is unchanged"
                    .to_owned(),
                needs: None,
                touches: Touches::CodegenAndLink,
                void_beside: Vec::new(),
            }],
        },
    ]
}

/// Incremental compilation turned off when clean builds count (`clean`), on for an optimised profile (`dev`:
/// an unoptimised one, where it is on already), for profile key `p`.
fn incremental(clean: bool, p: &str, dev: bool) -> Option<Dimension> {
    let (label, value, tradeoff) = match clean {
        // A clean build does not reuse incremental state; writing it costs time.
        true => Some(("incremental=false", "false", "rebuilds after an edit recompile whole crates")),
        _ if !dev => Some(("incremental=true", "true", "more disk in target/; the program may run slower")),
        _ => None,
    }?;
    Some(Dimension {
        name: "incremental".to_owned(),
        options: vec![Setting {
            label: label.to_owned(),
            change: Change::Config(format!("{p}.incremental={value}")),
            tradeoff: tradeoff.to_owned(),
            needs: (value == "true").then_some(Allow::Runtime),
            touches: Touches::Anything,
            // sccache builds with incremental compilation off already.
            void_beside: if value == "false" { vec!["sccache".to_owned()] } else { Vec::new() },
        }],
    })
}

/// The parallel frontend (nightly) with as many threads as the machine's `cores`, from 2 to 8.
fn frontend_threads(cores: u32) -> Dimension {
    let threads = cores.clamp(2, 8);
    Dimension {
        name: "frontend-threads".to_owned(),
        options: vec![Setting {
            label: format!("threads={threads}"),
            change: Change::Rustflags(format!("-Zthreads={threads}")),
            tradeoff: "needs a nightly toolchain: the parallel frontend is unstable".to_owned(),
            needs: Some(Allow::Nightly),
            touches: Touches::Anything,
            void_beside: Vec::new(),
        }],
    }
}

/// Generics shared between crates (nightly).
fn share_generics() -> Dimension {
    Dimension {
        name: "share-generics".to_owned(),
        options: vec![Setting {
            label: "share-generics".to_owned(),
            change: Change::Rustflags("-Zshare-generics=y".to_owned()),
            tradeoff: "needs a nightly toolchain: -Zshare-generics is unstable".to_owned(),
            needs: Some(Allow::Nightly),
            touches: Touches::CodegenAndLink,
            void_beside: Vec::new(),
        }],
    }
}

/// One option of one dimension: `(dimension, option)` positions in a `Space`.
pub type Choice = (usize, usize);

impl Space {
    /// The setting a choice names.
    pub fn setting(&self, (d, o): Choice) -> Option<&Setting> {
        self.dimensions.get(d).and_then(|dim| dim.options.get(o))
    }

    /// The number of options of each dimension (the shape the search works on).
    pub fn shape(&self) -> Vec<usize> {
        self.dimensions.iter().map(|d| d.options.len()).collect()
    }

    /// The name of a candidate: its settings' labels joined by `+`, or `default` (the project
    /// as it is, as `compare` names it).
    pub fn name(&self, choices: &[Choice]) -> String {
        let labels: Vec<&str> = choices.iter().filter_map(|&c| self.setting(c)).map(|s| s.label.as_str()).collect();
        if labels.is_empty() { "default".to_owned() } else { labels.join("+") }
    }

    /// The configuration that builds a candidate: the baseline's build with each setting
    /// applied. `-Z` flags and Cranelift run on `nightly`.
    pub fn configuration(&self, choices: &[Choice]) -> Configuration {
        let mut c = Configuration::plain(&self.name(choices), None);
        let mut rustflags: Vec<String> = Vec::new();
        for &choice in choices {
            let Some(setting) = self.setting(choice) else { continue };
            match &setting.change {
                Change::Linker(l) => c.linker = *l,
                Change::Backend(b) => {
                    c.backend = *b;
                    c.toolchain = b.default_toolchain().map(str::to_owned);
                }
                Change::Config(o) => c.overrides.push(o.clone()),
                Change::Rustflags(f) => {
                    rustflags.push(f.clone());
                    c.toolchain = Some("nightly".to_owned());
                }
                Change::Cache(cache) => c.cache = *cache,
            }
        }
        if !c.overrides.is_empty() || !rustflags.is_empty() {
            c.preset = "custom".to_owned();
        }
        if !rustflags.is_empty() {
            c.rustflags = rustflags;
        }
        c
    }

    /// `(a, b)` for every pair of options where `b` changes nothing once `a` is chosen
    /// (`Setting::void_beside`): what `Search::with_voids` takes.
    pub fn voids(&self) -> Vec<(Choice, Choice)> {
        let choices: Vec<(Choice, &Setting)> = self
            .dimensions
            .iter()
            .enumerate()
            .flat_map(|(d, dim)| dim.options.iter().enumerate().map(move |(o, s)| ((d, o), s)))
            .collect();
        let mut out = Vec::new();
        for &(b, voided) in &choices {
            for &(a, by) in &choices {
                if voided.void_beside.contains(&by.label) {
                    out.push((a, b));
                }
            }
        }
        out
    }

    /// What adopting a candidate costs, one line per setting.
    pub fn tradeoffs(&self, choices: &[Choice]) -> Vec<String> {
        choices.iter().filter_map(|&c| self.setting(c)).map(|s| format!("{}: {}", s.label, s.tradeoff)).collect()
    }
}

/// The guide's presets that are points of `space` (`unoptimised`: for a profile like `dev`), by
/// name: `fast-dev` (in an unoptimised profile, its opt-level 0, 256 codegen units and
/// incremental are the profile's defaults, so it is no debug info for the workspace and its
/// dependencies, less what the project has already), `mold`, `cranelift`, and all of them
/// together. A tune races them beside its own combinations.
pub fn guide_presets(space: &Space, unoptimised: bool) -> Vec<(String, Vec<Choice>)> {
    let find = |label: &str| -> Option<Choice> {
        space
            .dimensions
            .iter()
            .enumerate()
            .find_map(|(d, dim)| dim.options.iter().position(|o| o.label == label).map(|o| (d, o)))
    };
    // Without debug=0 in the space (the profile has none already) fast-dev is no change; without
    // deps-debug=0 (no dependency has debug info) it is debug=0 alone.
    let fast_dev: Vec<&str> = match (unoptimised, find("debug=0")) {
        (true, Some(_)) => ["debug=0", "deps-debug=0"].into_iter().filter(|l| find(l).is_some()).collect(),
        _ => Vec::new(),
    };
    let all: Vec<&str> = ["cranelift", "mold"].iter().copied().chain(fast_dev.iter().copied()).collect();
    let presets: [(&str, &[&str]); 4] = [
        ("fast-dev", &fast_dev),
        ("mold", &["mold"]),
        ("cranelift", &["cranelift"]),
        ("cranelift+mold+fast-dev", &all),
    ];
    presets
        .iter()
        .filter(|(name, labels)| !labels.is_empty() && (!name.contains("fast-dev") || !fast_dev.is_empty()))
        .filter_map(|(name, labels)| {
            let choices: Option<Vec<Choice>> = labels.iter().map(|l| find(l)).collect();
            Some(((*name).to_owned(), choices?))
        })
        .collect()
}

/// The shares of the baseline's build that each kind of option can shorten, from a replay of
/// its unit graph (`whatif`): with the final links taking no time, and with code generation
/// and links taking none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shares {
    /// Fraction of the build saved if every final link took no time.
    pub link: f64,
    /// Fraction saved if code generation and links took no time.
    pub codegen_and_link: f64,
}

impl Shares {
    /// Several builds' shares as the share of their weighed sum: each build's `(weight, shares)`,
    /// its weight being its goal's weight times its build's mean seconds. `None` without weight.
    pub fn weighed(parts: &[(f64, Shares)]) -> Option<Shares> {
        let total: f64 = parts.iter().map(|(w, _)| w).sum();
        let share = |of: fn(&Shares) -> f64| parts.iter().map(|(w, s)| w * of(s)).sum::<f64>() / total;
        (total > 0.0).then(|| Shares { link: share(|s| s.link), codegen_and_link: share(|s| s.codegen_and_link) })
    }

    /// The most an option touching `touches` can save, if known.
    pub fn bound(&self, touches: Touches) -> Option<f64> {
        match touches {
            Touches::Link => Some(self.link),
            Touches::CodegenAndLink => Some(self.codegen_and_link),
            Touches::Anything => None,
            Touches::Compilation => Some(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Available {
        Available {
            linkers: vec![Linker::Mold, Linker::Lld],
            default_is_rust_lld: true,
            nightly: true,
            cranelift: true,
            cores: 2,
            sccache: true,
        }
    }

    #[test]
    fn sccache_is_tried_for_clean_builds_only_against_the_clean_builds_of_the_others() {
        let dev = Current::defaults("dev", "a test");
        let clean = space(&[Goal::Clean], &dev, &machine(), &[]);
        let (d, dim) = clean.dimensions.iter().enumerate().find(|(_, d)| d.name == "cache").expect("a cache dimension");
        assert_eq!(dim.options[0].label, "sccache");
        let c = clean.configuration(&[(d, 0)]);
        assert_eq!((c.cache, c.name.as_str()), (Cache::Sccache, "sccache"));
        assert_eq!(Goal::Clean.scenarios(std::slice::from_ref(&c)), [Scenario::Clean, Scenario::CleanWarmCache]);
        assert_eq!(Goal::Clean.scenarios(&[clean.configuration(&[])]), [Scenario::Clean]);
        assert!(Goal::Clean.measures(Scenario::CleanWarmCache) && Goal::Clean.measures(Scenario::Clean));
        assert!(!Goal::Clean.measures(Scenario::CleanColdCache) && !Goal::Incremental.measures(Scenario::Clean));
        // Not for the edit-build loop (sccache does not cache incremental builds), and said
        // so where it is not installed.
        assert!(space(&[Goal::Incremental], &dev, &machine(), &[]).dimensions.iter().all(|d| d.name != "cache"));
        let without = space(&[Goal::Clean], &dev, &Available { sccache: false, ..machine() }, &[]);
        assert!(without.left_out.contains(&("sccache".to_owned(), "not installed on this machine".to_owned())));
    }

    #[test]
    fn by_default_nothing_that_needs_nightly_is_searched_and_it_says_so() {
        let s = space(&[Goal::Incremental], &Current::defaults("dev", "a test"), &machine(), &[]);
        let names: Vec<&str> = s.dimensions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["linker", "debuginfo", "split-debuginfo", "dependency-debuginfo", "codegen-units"]);
        assert!(s.left_out.iter().any(|(o, why)| o == "cranelift" && why == "needs --allow nightly"), "{s:?}");
        assert!(s.left_out.iter().any(|(o, why)| o == "wild" && why.contains("not installed")), "{s:?}");
        // rust-lld is already the default: system lld is not a change worth a build.
        assert_eq!(s.dimensions[0].options.len(), 1);
        let with = space(&[Goal::Incremental], &Current::defaults("dev", "a test"), &machine(), &[Allow::Nightly]);
        assert!(with.dimensions.iter().any(|d| d.name == "backend"));
        assert!(with.dimensions.iter().any(|d| d.name == "frontend-threads"));
    }

    #[test]
    fn check_searches_only_what_a_check_can_gain_from() {
        let s = space(&[Goal::Check], &Current::defaults("dev", "a test"), &machine(), &[Allow::Nightly]);
        let names: Vec<&str> = s.dimensions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["frontend-threads"]);
        assert!(space(&[Goal::Check], &Current::defaults("dev", "a test"), &machine(), &[]).dimensions.is_empty());
    }

    #[test]
    fn a_candidate_becomes_a_configuration_with_its_settings() {
        let s = space(&[Goal::Clean], &Current::defaults("dev", "a test"), &machine(), &[Allow::Nightly]);
        let find = |label: &str| -> Choice {
            for (d, dim) in s.dimensions.iter().enumerate() {
                if let Some(o) = dim.options.iter().position(|o| o.label == label) {
                    return (d, o);
                }
            }
            panic!("{label} not in the space")
        };
        let c = s.configuration(&[find("mold"), find("debug=0"), find("threads=2")]);
        assert_eq!(c.name, "mold+debug=0+threads=2");
        assert_eq!(c.linker, Linker::Mold);
        assert_eq!(c.overrides, ["profile.dev.debug=0"]);
        assert_eq!(c.rustflags, ["-Zthreads=2"]);
        assert!(c.env.is_empty(), "the project's own rustflags stay: nothing replaces them");
        assert_eq!(c.toolchain.as_deref(), Some("nightly"));
        assert_eq!(s.configuration(&[]).name, "default");
        assert!(s.dimensions.iter().any(|d| d.name == "incremental"));
        let t = s.tradeoffs(&[find("mold")]);
        assert_eq!(t, ["mold: every machine that builds the project needs mold installed"]);
        let presets = guide_presets(&s, true);
        let names: Vec<&str> = presets.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["fast-dev", "mold", "cranelift", "cranelift+mold+fast-dev"]);
        assert_eq!(presets[0].1, [find("debug=0"), find("deps-debug=0")]);
        // Without nightly, the presets with Cranelift are not points of the space.
        let stable = space(&[Goal::Clean], &Current::defaults("dev", "a test"), &machine(), &[]);
        let names: Vec<String> = guide_presets(&stable, true).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["fast-dev", "mold"]);
    }
}

#[cfg(test)]
mod objective {
    use super::*;

    #[test]
    fn goals_with_weights_read_like_a_person_writes_them() {
        let o = Objective::parse("incremental=3, clean").expect("parses");
        assert_eq!(o.weights, [(Goal::Incremental, 3.0), (Goal::Clean, 1.0)]);
        assert_eq!((o.primary(), o.label().as_str()), (Goal::Incremental, "3×incremental + 1×clean"));
        assert_eq!(Objective::parse("check").expect("one").label(), "check");
        assert_eq!(Objective::parse("clean=1,incremental=1").expect("tie").primary(), Goal::Clean);
        for bad in ["", "fast", "clean=0", "clean=-1", "clean=x", "clean,clean=2", "clean=inf"] {
            assert!(Objective::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_round_counts_once_every_goal_has_its_sample_and_is_their_weighed_sum() {
        let o = Objective::parse("incremental=3,clean=1").expect("parses");
        let incremental = vec![(0, 1.0), (1, 2.0), (2, 1.5)];
        let clean = vec![(0, 10.0), (1, 12.0)];
        assert_eq!(o.combine(&[incremental.clone(), clean]), [13.0, 18.0]);
        assert_eq!(Objective::single(Goal::Incremental).combine(&[incremental]), [1.0, 2.0, 1.5]);
        assert!(o.combine(&[]).is_empty());
        let configurations = [Configuration::plain("default", None)];
        assert_eq!(o.scenarios(&configurations), [Scenario::Incremental, Scenario::Clean]);
        // Shares of the weighed sum: 3 x 1 s at 10% links, 1 x 3 s at 50%: (0.3 + 1.5) / 6.
        let s = |link, codegen_and_link| Shares { link, codegen_and_link };
        let w = Shares::weighed(&[(3.0, s(0.1, 0.2)), (3.0, s(0.5, 0.6))]).expect("weighed");
        assert!((w.link - 0.3).abs() < 1e-12 && (w.codegen_and_link - 0.4).abs() < 1e-12, "{w:?}");
        assert_eq!(Shares::weighed(&[]), None);
    }

    #[test]
    fn several_goals_search_the_union_of_their_spaces() {
        let machine = Available { linkers: vec![Linker::Mold], sccache: true, ..Available::default() };
        let dev = Current::defaults("dev", "a test");
        let both = space(&[Goal::Incremental, Goal::Clean], &dev, &machine, &[]);
        let names: Vec<&str> = both.dimensions.iter().map(|d| d.name.as_str()).collect();
        assert!(names.contains(&"cache") && names.contains(&"incremental"), "{names:?}");
        assert!(space(&[Goal::Check], &dev, &machine, &[]).dimensions.is_empty());
    }
}

#[cfg(test)]
mod current {
    use super::*;

    fn graph(name: &str) -> String {
        let path = format!("{}/../../fixtures/unit-graphs/{name}.json", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn labels(s: &Space) -> Vec<&str> {
        s.dimensions.iter().flat_map(|d| d.options.iter().map(|o| o.label.as_str())).collect()
    }

    fn machine() -> Available {
        Available { linkers: vec![Linker::Mold], default_is_rust_lld: true, ..Available::default() }
    }

    #[test]
    fn cargo_s_unit_graph_says_what_the_profile_builds_with() {
        let dev = Current::from_unit_graph(&graph("ripgrep-15.2.0-dev"), "dev").expect("dev");
        assert!(!dev.optimised && dev.incremental && !dev.deps_without_debuginfo);
        assert_eq!((dev.debuginfo.as_str(), dev.codegen_units, dev.split_debuginfo.as_deref()), ("2", 256, None));
        assert_eq!(dev.source, "cargo's unit graph");

        let release = Current::from_unit_graph(&graph("ripgrep-15.2.0-release"), "release").expect("release");
        assert!(release.optimised && !release.incremental && !release.deps_without_debuginfo);
        assert_eq!((release.debuginfo.as_str(), release.codegen_units), ("1", 16));

        let tuned = Current::from_unit_graph(&graph("ripgrep-15.2.0-dev-tuned"), "dev").expect("tuned");
        assert!(tuned.deps_without_debuginfo);
        assert_eq!(tuned.debuginfo, "line-tables-only");
        assert_eq!((tuned.codegen_units, tuned.split_debuginfo.as_deref()), (16, Some("unpacked")));

        let fast = Current::from_unit_graph(&graph("example-workspace-fast"), "fast").expect("fast");
        assert!(!fast.optimised, "a profile that inherits dev is unoptimised whatever its name");

        // Optimisation outside the workspace's own code: dependencies (`package."*"`, which also
        // reaches the dependencies' build scripts and proc macros) or build-override alone.
        assert!(!dev.deps_optimised && !dev.build_override_optimised);
        let deps = Current::from_unit_graph(&graph("fd-find-10.2.0-dev-optimised-deps"), "dev").expect("deps");
        assert!(deps.deps_optimised && !deps.build_override_optimised && !deps.optimised, "{deps:?}");
        let host = Current::from_unit_graph(&graph("fd-find-10.2.0-dev-build-override"), "dev").expect("host");
        assert!(!host.deps_optimised && host.build_override_optimised, "{host:?}");
        assert!(host.describe().contains("optimised build scripts and proc macros"), "{}", host.describe());

        assert!(Current::from_unit_graph("{}", "dev").is_err());
        assert!(Current::from_unit_graph("not json", "dev").is_err());
        assert!(Current::from_unit_graph(r#"{"version":1,"units":[],"roots":[]}"#, "dev").is_err());
    }

    #[test]
    fn the_space_offers_only_changes_from_what_the_project_has() {
        let dev = Current::from_unit_graph(&graph("ripgrep-15.2.0-dev"), "dev").expect("dev");
        let s = space(&[Goal::Incremental], &dev, &machine(), &[]);
        assert_eq!(
            labels(&s),
            [
                "mold",
                "debug=line-tables-only",
                "debug=0",
                "split-debuginfo=unpacked",
                "deps-debug=0",
                "codegen-units=16"
            ]
        );
        assert_eq!(
            s,
            space(
                &[Goal::Incremental],
                &Current { source: dev.source.clone(), ..Current::defaults("dev", "") },
                &machine(),
                &[]
            )
        );

        // Raised optimisation of dependencies (a trade-off at run time) and of the code that
        // runs during the build only (none): each offered only where the project raised it.
        let deps = Current::from_unit_graph(&graph("fd-find-10.2.0-dev-optimised-deps"), "dev").expect("deps");
        let s = space(&[Goal::Incremental], &deps, &machine(), &[]);
        assert!(!labels(&s).contains(&"deps-opt-level=0"));
        assert!(s.left_out.contains(&("deps-opt-level=0".to_owned(), "needs --allow runtime".to_owned())));
        let s = space(&[Goal::Incremental], &deps, &machine(), &[Allow::Runtime]);
        assert!(labels(&s).contains(&"deps-opt-level=0") && !labels(&s).contains(&"build-override-opt-level=0"));
        let find = |label: &str| {
            (0..s.dimensions.len())
                .find_map(|d| s.dimensions[d].options.iter().position(|o| o.label == label).map(|o| (d, o)))
        };
        let chosen = find("deps-opt-level=0").expect("offered");
        assert_eq!(s.configuration(&[chosen]).overrides, ["profile.dev.package.\"*\".opt-level=0"]);
        let host = Current::from_unit_graph(&graph("fd-find-10.2.0-dev-build-override"), "dev").expect("host");
        let s = space(&[Goal::Clean], &host, &machine(), &[]);
        assert!(labels(&s).contains(&"build-override-opt-level=0") && !labels(&s).contains(&"deps-opt-level=0"));
        let dev_space = space(&[Goal::Incremental], &dev, &machine(), &[Allow::Runtime]);
        let why = |label: &str| dev_space.left_out.iter().find(|(o, _)| o == label).map(|(_, w)| w.clone());
        assert_eq!(why("deps-opt-level=0").as_deref(), Some("no dependency is optimised apart from the dev profile"));
        assert_eq!(why("build-override-opt-level=0").as_deref(), Some("no build script or proc macro is optimised"));

        let tuned = Current::from_unit_graph(&graph("ripgrep-15.2.0-dev-tuned"), "dev").expect("tuned");
        let s = space(&[Goal::Incremental], &tuned, &machine(), &[]);
        assert_eq!(labels(&s), ["mold", "debug=0"]);
        let why = |label: &str| s.left_out.iter().find(|(o, _)| o == label).map(|(_, w)| w.as_str());
        assert_eq!(why("debug=line-tables-only"), Some("the dev profile already has debug=line-tables-only"));
        assert_eq!(why("codegen-units=16"), Some("the dev profile already has 16 codegen units"));
        assert_eq!(why("deps-debug=0"), Some("no dependency has debug info"));
        assert_eq!(why("split-debuginfo=unpacked"), Some("the dev profile already has split-debuginfo=unpacked"));
        // fast-dev is what is left of it: debug=0.
        let presets = guide_presets(&s, true);
        assert_eq!(presets.iter().find(|(n, _)| n == "fast-dev").map(|(_, c)| c.len()), Some(1));

        // A custom profile inheriting dev gets dev's options (16 codegen units, no trade-off),
        // not an optimised profile's; a project linking with mold is not offered mold.
        let mut fast = Current::from_unit_graph(&graph("example-workspace-fast"), "fast").expect("fast");
        fast.linker = Some("mold".to_owned());
        let s = space(&[Goal::Incremental], &fast, &machine(), &[]);
        assert_eq!(labels(&s), ["debug=0", "split-debuginfo=unpacked", "codegen-units=16"]);
        assert!(s.left_out.contains(&("mold".to_owned(), "the project already links with mold".to_owned())));
        assert_eq!(s.configuration(&[(0, 0)]).overrides, ["profile.fast.debug=0"]);

        // An optimised profile without debug info: nothing about debug info; incremental is
        // already off for a clean build.
        let release = Current { debuginfo: "0".to_owned(), ..Current::defaults("release", "a test") };
        let s = space(&[Goal::Clean], &release, &machine(), &[Allow::Runtime]);
        assert_eq!(labels(&s), ["mold", "codegen-units=256"]);
        assert!(guide_presets(&s, !release.optimised).iter().all(|(n, _)| n == "mold"));
    }
}

#[cfg(test)]
mod voids {
    use super::*;
    use crate::tune::{Search, Settings};

    #[test]
    fn a_combination_never_carries_a_setting_that_another_makes_a_no_op() {
        let available = Available { linkers: vec![Linker::Mold], default_is_rust_lld: true, ..Available::default() };
        let s = space(&[Goal::Incremental], &Current::defaults("dev", "a test"), &available, &[]);
        let find = |label: &str| -> Choice {
            s.dimensions
                .iter()
                .enumerate()
                .find_map(|(d, dim)| dim.options.iter().position(|o| o.label == label).map(|o| (d, o)))
                .unwrap_or_else(|| panic!("{label} not in the space"))
        };
        let (debug0, lines, split, deps, mold) = (
            find("debug=0"),
            find("debug=line-tables-only"),
            find("split-debuginfo=unpacked"),
            find("deps-debug=0"),
            find("mold"),
        );
        let voids = s.voids();
        assert!(voids.contains(&(debug0, split)) && voids.contains(&(debug0, deps)), "{voids:?}");
        // Line tables are still debug info: split-debuginfo and deps-debug=0 still change the build.
        assert!(!voids.iter().any(|&(a, _)| a == lines), "{voids:?}");

        let mut search = Search::new(s.shape(), Settings::with_budget(600.0)).with_voids(voids);
        let full = search.reference(vec![mold, debug0, split, deps]);
        assert_eq!(s.name(&search.candidates[full]), "mold+debug=0");
        // Two names for one build are one candidate: fast-dev in dev is debug=0 for everything.
        assert_eq!(search.reference(vec![deps, debug0]), search.reference(vec![debug0]));
        let kept = search.reference(vec![lines, split, deps]);
        assert_eq!(search.candidates[kept].len(), 3);
    }
}
