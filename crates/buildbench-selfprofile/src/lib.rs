//! rustc's `-Zself-profile` data read into what `buildbench profile` reports: self time per
//! crate and activity, proc-macro expansions per macro, and the costliest labels.
//!
//! The `.mm_profdata` files are read with `analyzeme`, the reader rustc-perf uses (its 12.0
//! release reads the format version today's nightlies write); everything after the reading is
//! the pure aggregation in `aggregate.rs`.

// Input-derived data never panics this crate: no indexing, unwrap, expect or panic outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used))]

pub mod aggregate;
pub mod classify;
pub mod cmdline;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use analyzeme::{EventPayload, ProfilingData, Timestamp};
use buildbench_model::Scenario;
use buildbench_model::profile::{Activity, CrateProfile, MacroCost, MacroKind, ProfiledBuild, QueryCost};

/// The events `buildbench profile` asks rustc for: activities, queries, and the arguments of
/// activities (which name each proc macro expanded). Query keys and cache hits are left out:
/// they make the files several times larger and the build slower, and nothing here uses them.
pub const EVENTS: &str = "generic-activity,query-provider,function-args";

/// The profiler's own work (writing its string tables): not part of a build without it.
pub const PROFILER_OWN: &str = "self_profile";

/// How many labels a build keeps in [`ProfiledBuild::queries`].
pub const TOP_QUERIES: usize = 40;

/// One rustc run, read.
#[derive(Debug, Clone, PartialEq)]
pub struct CrateRun {
    pub profile: CrateProfile,
    /// Self nanoseconds, count and activity per label.
    pub labels: Vec<(String, aggregate::LabelTotal)>,
    /// Nanoseconds and expansions per macro name.
    pub macros: Vec<(String, aggregate::MacroTotal)>,
    /// The file it was read from.
    pub file: PathBuf,
    /// When rustc's first and last recorded events started and ended (ns since the epoch).
    pub span_ns: (u64, u64),
}

/// A profile folder, read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    pub runs: Vec<CrateRun>,
    /// Files that could not be used, and why.
    pub warnings: Vec<String>,
}

fn ns(t: std::time::SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Reads one `.mm_profdata` file. `packages` maps the workspace's source files (relative to its
/// root, as cargo passes them to rustc) to package names. `Ok(None)` for a rustc run that
/// compiled nothing (cargo's `--print` queries).
pub fn read_file(path: &Path, packages: &[(String, String)]) -> Result<Option<CrateRun>, String> {
    quietly(|| read_guarded(path, packages))
}

/// Runs `f` with panic messages silenced: analyzeme indexes into a file as its format says, and
/// a damaged or crafted file's panic is caught and reported as an error naming the file.
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let out = f();
    std::panic::set_hook(previous);
    out
}

/// The largest profile read (as every input of buildbench's: 512 MiB).
const MAX_PROFILE_BYTES: u64 = 512 << 20;

fn read_guarded(path: &Path, packages: &[(String, String)]) -> Result<Option<CrateRun>, String> {
    // Only regular files of a bounded size: a FIFO would block the read forever, a link to
    // `/dev/zero` or a huge sparse file would be read until memory runs out.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(format!("{}: not a regular file (a pipe, a device?); skipped", path.display()));
        }
        Ok(m) if m.len() > MAX_PROFILE_BYTES => {
            return Err(format!(
                "{}: {} bytes, more than the 512 MiB a profile may have; skipped",
                path.display(),
                m.len()
            ));
        }
        Ok(_) => {}
        Err(e) => return Err(format!("{}: cannot read ({e})", path.display())),
    }
    let stem = path.with_extension("");
    match std::panic::catch_unwind(|| read_events(&stem, packages)) {
        Ok(Ok(run)) => Ok(run.map(|mut r| {
            r.file = path.to_owned();
            r
        })),
        Ok(Err(e)) => Err(format!("{}: {e}", path.display())),
        Err(_) => Err(format!("{}: not a self-profile file analyzeme can read (damaged or truncated)", path.display())),
    }
}

fn read_events(stem: &Path, packages: &[(String, String)]) -> Result<Option<CrateRun>, String> {
    let data = ProfilingData::new(stem).map_err(|e| e.to_string())?;
    let Some(compilation) = cmdline::parse(&data.metadata().cmd, packages) else { return Ok(None) };
    let mut labels: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut intern = |text: &str| -> u32 {
        if let Some(i) = index.get(text) {
            return *i;
        }
        let i = u32::try_from(labels.len()).unwrap_or(u32::MAX);
        labels.push(text.to_owned());
        index.insert(text.to_owned(), i);
        i
    };
    let mut events = Vec::with_capacity(data.num_events());
    for event in data.iter_full() {
        let EventPayload::Timestamp(Timestamp::Interval { start, end }) = event.payload else { continue };
        if event.label.starts_with(PROFILER_OWN) {
            continue;
        }
        let label = intern(&event.label);
        let arg = if classify::is_proc_macro(&event.label) {
            event.additional_data.first().map(|name| intern(name))
        } else {
            None
        };
        events.push(aggregate::Event { thread: event.thread_id, start: ns(start), end: ns(end), label, arg });
    }
    let totals = aggregate::aggregate(events, |i| labels.get(i as usize).map_or("", String::as_str));
    let text = |i: &u32| labels.get(*i as usize).cloned().unwrap_or_default();
    let label_is = |i: &u32, f: &dyn Fn(&str) -> bool| labels.get(*i as usize).is_some_and(|l| f(l));
    let llvm_ns: u64 =
        totals.labels.iter().filter(|(i, _)| label_is(i, &|l| l.starts_with("LLVM_"))).map(|(_, t)| t.self_ns).sum();
    let codegen_units: u64 =
        totals.labels.iter().filter(|(i, _)| label_is(i, &|l| l == "codegen_module")).map(|(_, t)| t.count).sum();
    let profile = CrateProfile {
        name: compilation.name,
        package: compilation.package,
        version: compilation.version,
        kind: compilation.kind,
        dependency: compilation.dependency,
        wall_seconds: totals.wall_ns as f64 / 1e9,
        activities: totals.seconds(),
        proc_macro_seconds: totals.proc_macro_ns() as f64 / 1e9,
        llvm_seconds: llvm_ns as f64 / 1e9,
        codegen_units: u32::try_from(codegen_units).unwrap_or(u32::MAX),
    };
    Ok(Some(CrateRun {
        profile,
        labels: totals.labels.iter().map(|(i, t)| (text(i), *t)).collect(),
        macros: totals.macros.iter().map(|(i, t)| (text(i), *t)).collect(),
        file: PathBuf::new(),
        span_ns: (totals.first_ns, totals.first_ns.saturating_add(totals.wall_ns)),
    }))
}

/// Reads every `.mm_profdata` file in `dir`. A file that cannot be read is a warning; no file
/// at all, or none readable, is an error that says why.
pub fn read_dir(dir: &Path, packages: &[(String, String)]) -> Result<Reading, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!("{}: cannot list ({e}); pass the folder rustc wrote its .mm_profdata files into", dir.display())
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "mm_profdata"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "{}: rustc wrote no self-profile (.mm_profdata) files; -Zself-profile needs a nightly toolchain",
            dir.display()
        ));
    }
    // One file per worker at a time, as many workers as cores: decoding dominates, and files
    // are independent. Results keep the files' order.
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(files.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<Option<CrateRun>, String>)> = quietly(|| {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(file) = files.get(i) else { break };
                            mine.push((i, read_guarded(file, packages)));
                        }
                        mine
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        })
    });
    results.sort_by_key(|(i, _)| *i);
    let mut reading = Reading::default();
    let mut failures = 0;
    for (_, result) in results {
        match result {
            Ok(Some(run)) => reading.runs.push(run),
            Ok(None) => {}
            Err(e) => {
                failures += 1;
                reading.warnings.push(e);
            }
        }
    }
    if reading.runs.is_empty() && failures > 0 {
        return Err(reading.warnings.join("; "));
    }
    Ok(reading)
}

/// Nanoseconds, expansions, and nanoseconds per crate that used it.
type MacroUses = (u64, u64, Vec<(String, u64)>);

fn macro_kind(name: &str) -> MacroKind {
    if name.starts_with("#[derive(") {
        MacroKind::Derive
    } else if name.starts_with("#[") {
        MacroKind::Attribute
    } else {
        MacroKind::Bang
    }
}

impl Reading {
    /// From the first rustc event to the last over every file, in seconds: the build's span as
    /// the profiles saw it (cargo's own start-up and wind-down not included).
    pub fn span_seconds(&self) -> f64 {
        let first = self.runs.iter().map(|r| r.span_ns.0).min().unwrap_or(0);
        let last = self.runs.iter().map(|r| r.span_ns.1).max().unwrap_or(0);
        last.saturating_sub(first) as f64 / 1e9
    }

    /// The build these runs make up.
    pub fn into_build(self, scenario: Scenario, wall_seconds: f64, plain_seconds: Option<f64>) -> ProfiledBuild {
        let mut crates: Vec<CrateProfile> = Vec::new();
        let mut labels: HashMap<String, (u64, u64, u32, HashMap<Activity, u64>)> = HashMap::new();
        let mut macros: HashMap<String, MacroUses> = HashMap::new();
        for run in self.runs {
            let who = run.profile.display_name();
            for (label, t) in run.labels {
                let e = labels.entry(label).or_default();
                e.0 += t.self_ns;
                e.1 += t.count;
                e.2 += 1;
                if let Some(a) = t.activity {
                    *e.3.entry(a).or_default() += t.count;
                }
            }
            for (name, m) in run.macros {
                let e = macros.entry(name).or_default();
                e.0 += m.ns;
                e.1 += m.expansions;
                e.2.push((who.clone(), m.ns));
            }
            crates.push(run.profile);
        }
        crates.sort_by(|a, b| b.total().total_cmp(&a.total()).then_with(|| a.name.cmp(&b.name)));
        let total_self_ns: u64 = labels.values().map(|l| l.0).sum();
        let mut queries: Vec<QueryCost> = labels
            .into_iter()
            .map(|(label, (self_ns, count, n, activities))| {
                let activity = activities
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map_or(Activity::OtherFrontend, |(a, _)| a);
                QueryCost { label, activity, self_seconds: self_ns as f64 / 1e9, count, crates: n }
            })
            .collect();
        queries.sort_by(|a, b| b.self_seconds.total_cmp(&a.self_seconds).then_with(|| a.label.cmp(&b.label)));
        queries.truncate(TOP_QUERIES);
        let mut macros: Vec<MacroCost> = macros
            .into_iter()
            .map(|(name, (ns, expansions, mut users))| {
                users.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                MacroCost {
                    kind: macro_kind(&name),
                    name,
                    seconds: ns as f64 / 1e9,
                    expansions,
                    crates: users.into_iter().map(|(c, _)| c).collect(),
                }
            })
            .collect();
        macros.sort_by(|a, b| b.seconds.total_cmp(&a.seconds).then_with(|| a.name.cmp(&b.name)));
        ProfiledBuild {
            scenario,
            wall_seconds,
            span_only: false,
            plain_seconds,
            cpu_seconds: None,
            plain_cpu_seconds: None,
            crates,
            macros,
            queries,
            total_self_seconds: total_self_ns as f64 / 1e9,
        }
    }
}
