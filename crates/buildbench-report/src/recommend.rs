//! The recommendation: per scenario, the fastest configuration that is significantly faster than
//! the baseline, with the exact files to adopt it and what it costs.

use std::collections::BTreeMap;

use buildbench_model::stats::Comparison;
use buildbench_model::{Backend, Cache, Configuration, Scenario, Study};
use serde::Serialize;

/// How to adopt one configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub scenario: Scenario,
    pub configuration: String,
    pub comparison: Comparison,
    /// Files to create or extend, with their contents: `.cargo/config.toml`, `Cargo.toml`,
    /// `rust-toolchain.toml`.
    pub files: Vec<(String, String)>,
    /// What adopting it costs.
    pub tradeoffs: Vec<String>,
}

/// A TOML document built table by table, in first-use order.
#[derive(Default)]
struct Toml {
    tables: Vec<(String, Vec<String>)>,
}

impl Toml {
    fn set(&mut self, table: &str, line: String) {
        match self.tables.iter_mut().find(|(t, _)| t == table) {
            Some((_, lines)) => lines.push(line),
            None => self.tables.push((table.to_owned(), vec![line])),
        }
    }

    fn render(&self) -> Option<String> {
        (!self.tables.is_empty()).then(|| {
            self.tables.iter().map(|(t, lines)| format!("[{t}]\n{}\n", lines.join("\n"))).collect::<Vec<_>>().join("\n")
        })
    }
}

fn toml_list(items: &[String]) -> String {
    let quoted = items.iter().map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\"")));
    format!("[{}]", quoted.collect::<Vec<_>>().join(", "))
}

/// Splits a `--config` override `a.b."c".d=value` into its table (`a.b."c"`), key (`d`) and value.
fn split_override(o: &str) -> Option<(String, String, String)> {
    let (path, value) = o.split_once('=')?;
    let (table, key) = path.trim().rsplit_once('.')?;
    Some((table.to_owned(), key.to_owned(), value.trim().to_owned()))
}

/// The files and trade-offs that adopt `configuration` on `host`.
pub fn adoption(
    configuration: &Configuration,
    host: &str,
    default_is_rust_lld: bool,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut config = Toml::default();
    let mut cargo = Toml::default();
    let mut files = Vec::new();
    let mut tradeoffs = Vec::new();
    let target = format!("target.{host}");
    // The linker's part comes from the model's linker table.
    let linker = configuration.linker.adoption(default_is_rust_lld);
    if let Some(driver) = linker.driver {
        config.set(&target, format!("linker = \"{driver}\""));
    }
    let mut rustflags: Vec<String> = linker.rustflags;
    rustflags.extend(configuration.rustflags.iter().cloned());
    tradeoffs.extend(linker.tradeoff);
    // A scanned RUSTFLAGS becomes rustflags in the file; other variables cannot be written
    // to a cargo file and are left to the user.
    for (key, value) in &configuration.env {
        if key == "RUSTFLAGS" {
            rustflags.extend(value.split_whitespace().map(str::to_owned));
        } else {
            tradeoffs.push(format!("set {key}={value} in the environment of every build (no cargo file can)"));
        }
    }
    if !rustflags.is_empty() {
        config.set(&target, format!("rustflags = {}", toml_list(&rustflags)));
    }
    if configuration.cache == Cache::Sccache {
        config.set("build", "rustc-wrapper = \"sccache\"".to_owned());
        tradeoffs.push(
            "sccache turns incremental compilation off (CARGO_INCREMENTAL=0): its cache only pays off on clean \
             builds with a warm cache, and a gain on incremental builds comes from that switch, not from the cache; \
             it never caches binaries or proc-macros and keys on absolute paths"
                .to_owned(),
        );
    }
    if configuration.backend == Backend::Cranelift {
        files.push((
            "rust-toolchain.toml".to_owned(),
            "[toolchain]\nchannel = \"nightly\"\ncomponents = [\"rustc-codegen-cranelift-preview\"]\n".to_owned(),
        ));
        config.set("unstable", "codegen-backend = true".to_owned());
        cargo.set("profile.dev", "codegen-backend = \"cranelift\"".to_owned());
        tradeoffs.push(
            "Cranelift needs a nightly toolchain, produces slower code at run time, and some crates do not build with it"
                .to_owned(),
        );
    }
    for o in &configuration.overrides {
        let Some((table, key, value)) = split_override(o) else { continue };
        if table.starts_with("profile.") {
            cargo.set(&table, format!("{key} = {value}"));
        } else {
            config.set(&table, format!("{key} = {value}"));
        }
    }
    if configuration
        .overrides
        .iter()
        .any(|o| o.contains(".debug=false") || o.contains(".debug=0") || o.contains(".debug=\"none\""))
    {
        tradeoffs.push("no debug information: debuggers and backtraces lose line numbers".to_owned());
    }
    if let Some(text) = config.render() {
        files.insert(0, (".cargo/config.toml".to_owned(), text));
    }
    if let Some(text) = cargo.render() {
        files.push(("Cargo.toml".to_owned(), text));
    }
    (files, tradeoffs)
}

/// Per scenario, the fastest configuration significantly faster than the baseline.
pub fn recommend(study: &Study, summary: &crate::StudySummary) -> Vec<Recommendation> {
    let host = study.environment.host();
    let rust_lld = study.environment.default_is_rust_lld();
    let mut out: Vec<Recommendation> = Vec::new();
    let configs: BTreeMap<&str, &Configuration> =
        study.plan.configurations.iter().map(|c| (c.name.as_str(), c)).collect();
    for &scenario in &study.plan.scenarios {
        let Some(cell) = summary.winner(scenario) else { continue };
        let (Some(configuration), Some(comparison)) = (configs.get(cell.configuration.as_str()), &cell.comparison)
        else {
            continue;
        };
        let (files, tradeoffs) = adoption(configuration, host, rust_lld);
        out.push(Recommendation {
            scenario,
            configuration: configuration.name.clone(),
            comparison: comparison.clone(),
            files,
            tradeoffs,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use buildbench_model::Linker;

    fn config(linker: Linker, cache: Cache, backend: Backend, overrides: &[&str]) -> Configuration {
        Configuration {
            backend,
            linker,
            cache,
            preset: "custom".into(),
            overrides: overrides.iter().map(|s| (*s).to_owned()).collect(),
            ..Configuration::plain("x", None)
        }
    }

    #[test]
    fn mold_with_sccache_and_a_profile_override() {
        let c = config(
            Linker::Mold,
            Cache::Sccache,
            Backend::Llvm,
            &["profile.dev.debug=false", "profile.dev.package.\"*\".opt-level=0"],
        );
        let (files, tradeoffs) = adoption(&c, "x86_64-unknown-linux-gnu", true);
        assert_eq!(
            files[0],
            (
                ".cargo/config.toml".to_owned(),
                format!(
                    "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"linker-features=-lld\", \"-C\", \"link-arg={}\"]\n\n[build]\nrustc-wrapper = \"sccache\"\n",
                    buildbench_model::linker::fuse_ld("mold")
                )
            )
        );
        assert_eq!(
            files[1],
            (
                "Cargo.toml".to_owned(),
                "[profile.dev]\ndebug = false\n\n[profile.dev.package.\"*\"]\nopt-level = 0\n".to_owned()
            )
        );
        assert_eq!(tradeoffs.len(), 3);
    }

    #[test]
    fn cranelift_needs_a_toolchain_file() {
        let (files, tradeoffs) =
            adoption(&config(Linker::Default, Cache::None, Backend::Cranelift, &[]), "x86_64-unknown-linux-gnu", true);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, [".cargo/config.toml", "rust-toolchain.toml", "Cargo.toml"]);
        assert!(files[2].1.contains("codegen-backend = \"cranelift\""));
        assert!(tradeoffs[0].contains("nightly"));
    }
}
