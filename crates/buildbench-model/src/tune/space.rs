//! The space `buildbench tune` searches: one dimension per setting a project can change
//! (linker, backend, debug info, codegen units, incremental, nightly flags), each option with
//! what it costs the user in words and what `--allow` it needs. Pure data: what this machine
//! can do (`Available`) comes from the runner's probes.

use serde::{Deserialize, Serialize};

use crate::{Backend, Configuration, Linker, Scenario, Word as _};

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

    /// The word on the command line and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Goal::Incremental => "incremental",
            Goal::Clean => "clean",
            Goal::Check => "check",
        }
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
}

/// The space: dimensions with their options, and what `--allow` left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Space {
    /// The dimensions searched.
    pub dimensions: Vec<Dimension>,
    /// Options left out, with why (`needs --allow nightly`, `not installed`).
    pub left_out: Vec<(String, String)>,
}

/// The settings a tune varies, for `goal` in cargo profile `profile`, on what `available`
/// offers, keeping only what `allow` permits.
pub fn space(goal: Goal, profile: &str, available: &Available, allow: &[Allow]) -> Space {
    let p = format!("profile.{profile}");
    let dev = profile == "dev" || profile == "test";
    let mut dims: Vec<Dimension> = Vec::new();
    let mut left_out: Vec<(String, String)> = Vec::new();
    let builds = goal != Goal::Check;

    if builds {
        dims.push(linker(available, &mut left_out));
        dims.push(backend(available, &mut left_out));
        dims.extend(debuginfo(&p));
        dims.push(codegen_units(&p, dev));
    }
    dims.extend(incremental(goal, &p, dev));
    if available.nightly {
        dims.push(frontend_threads(available.cores));
        if builds {
            dims.push(share_generics());
        }
    } else {
        left_out.push(("-Zthreads, -Zshare-generics".to_owned(), "no nightly toolchain here".to_owned()));
    }
    // What --allow does not permit is listed, not searched.
    for dim in &mut dims {
        dim.options.retain(|o| match o.needs {
            Some(need) if !allow.contains(&need) => {
                left_out.push((o.label.clone(), format!("needs --allow {}", need.as_str())));
                false
            }
            _ => true,
        });
    }
    dims.retain(|d| !d.options.is_empty());
    Space { dimensions: dims, left_out }
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

/// Incremental compilation turned off for a clean build, on for an optimised profile (`dev`:
/// an unoptimised one, where it is on already), for profile key `p`.
fn incremental(goal: Goal, p: &str, dev: bool) -> Option<Dimension> {
    let (label, value, tradeoff) = match goal {
        // A clean build does not reuse incremental state; writing it costs time.
        Goal::Clean => Some(("incremental=false", "false", "rebuilds after an edit recompile whole crates")),
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
            void_beside: Vec::new(),
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

/// The guide's presets that are points of `space` (for cargo profile `profile`), by name:
/// `fast-dev` (in `dev`, its opt-level 0, 256 codegen units and incremental are the profile's
/// defaults, so it is no debug info for the workspace and its dependencies), `mold`,
/// `cranelift`, and all of them together. A tune races them beside its own combinations.
pub fn guide_presets(space: &Space, profile: &str) -> Vec<(String, Vec<Choice>)> {
    let find = |label: &str| -> Option<Choice> {
        space
            .dimensions
            .iter()
            .enumerate()
            .find_map(|(d, dim)| dim.options.iter().position(|o| o.label == label).map(|o| (d, o)))
    };
    let fast_dev: &[&str] = if profile == "dev" { &["debug=0", "deps-debug=0"] } else { &[] };
    let all: Vec<&str> = ["cranelift", "mold"].iter().copied().chain(fast_dev.iter().copied()).collect();
    let presets: [(&str, &[&str]); 4] =
        [("fast-dev", fast_dev), ("mold", &["mold"]), ("cranelift", &["cranelift"]), ("cranelift+mold+fast-dev", &all)];
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
    /// The most an option touching `touches` can save, if known.
    pub fn bound(&self, touches: Touches) -> Option<f64> {
        match touches {
            Touches::Link => Some(self.link),
            Touches::CodegenAndLink => Some(self.codegen_and_link),
            Touches::Anything => None,
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
        }
    }

    #[test]
    fn by_default_nothing_that_needs_nightly_is_searched_and_it_says_so() {
        let s = space(Goal::Incremental, "dev", &machine(), &[]);
        let names: Vec<&str> = s.dimensions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["linker", "debuginfo", "split-debuginfo", "dependency-debuginfo", "codegen-units"]);
        assert!(s.left_out.iter().any(|(o, why)| o == "cranelift" && why == "needs --allow nightly"), "{s:?}");
        assert!(s.left_out.iter().any(|(o, why)| o == "wild" && why.contains("not installed")), "{s:?}");
        // rust-lld is already the default: system lld is not a change worth a build.
        assert_eq!(s.dimensions[0].options.len(), 1);
        let with = space(Goal::Incremental, "dev", &machine(), &[Allow::Nightly]);
        assert!(with.dimensions.iter().any(|d| d.name == "backend"));
        assert!(with.dimensions.iter().any(|d| d.name == "frontend-threads"));
    }

    #[test]
    fn check_searches_only_what_a_check_can_gain_from() {
        let s = space(Goal::Check, "dev", &machine(), &[Allow::Nightly]);
        let names: Vec<&str> = s.dimensions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["frontend-threads"]);
        assert!(space(Goal::Check, "dev", &machine(), &[]).dimensions.is_empty());
    }

    #[test]
    fn a_candidate_becomes_a_configuration_with_its_settings() {
        let s = space(Goal::Clean, "dev", &machine(), &[Allow::Nightly]);
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
        let presets = guide_presets(&s, "dev");
        let names: Vec<&str> = presets.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["fast-dev", "mold", "cranelift", "cranelift+mold+fast-dev"]);
        assert_eq!(presets[0].1, [find("debug=0"), find("deps-debug=0")]);
        // Without nightly, the presets with Cranelift are not points of the space.
        let stable = space(Goal::Clean, "dev", &machine(), &[]);
        let names: Vec<String> = guide_presets(&stable, "dev").into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["fast-dev", "mold"]);
    }
}

#[cfg(test)]
mod voids {
    use super::*;
    use crate::tune::{Search, Settings};

    #[test]
    fn a_combination_never_carries_a_setting_that_another_makes_a_no_op() {
        let available = Available { linkers: vec![Linker::Mold], default_is_rust_lld: true, ..Available::default() };
        let s = space(Goal::Incremental, "dev", &available, &[]);
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
