//! `buildbench.toml`: configurations named explicitly instead of as a cartesian product.
//!
//! ```toml
//! baseline = "stable"          # optional; default: the first configuration
//!
//! [[configuration]]
//! name = "stable"
//!
//! [[configuration]]
//! name = "fast"
//! backend = "cranelift"        # llvm (default) | cranelift
//! linker = "mold"              # default (default) | bfd | gold | lld | mold | wild
//! cache = "none"               # none (default) | sccache
//! preset = "fast-dev"          # dev (default) | fast-dev (`profile` in older files)
//! set = ["profile.dev.debug=0"]  # more cargo --config overrides
//! toolchain = "nightly"        # default: the default toolchain (nightly for cranelift)
//! ```

use std::path::Path;

use anyhow::{Context, Result, bail};
use buildbench_model::{Backend, Cache, Configuration, Linker, Word};
use buildbench_runner::plan::{PRESETS, preset_overrides};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    baseline: Option<String>,
    #[serde(default)]
    configuration: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    backend: Option<String>,
    linker: Option<String>,
    cache: Option<String>,
    #[serde(alias = "profile")]
    preset: Option<String>,
    #[serde(default)]
    set: Vec<String>,
    toolchain: Option<String>,
}

fn word<W: Word>(value: Option<&str>, default: W, file: &Path, name: &str) -> Result<W> {
    value.map_or(Ok(default), |v| W::parse(v).with_context(|| format!("{}: configuration {name:?}", file.display())))
}

/// Reads the configurations (and the optional baseline) of a `buildbench.toml`.
pub fn read(file: &Path, cargo_profile: &str) -> Result<(Vec<Configuration>, Option<String>)> {
    // Bounded and never blocking (a FIFO, /dev/zero): the reader every user-named file goes through.
    let bytes = crate::cli::read_input(file, "buildbench.toml")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{}: not UTF-8 text; expected a buildbench.toml", file.display()))?;
    let parsed: File = toml::from_str(&text).with_context(|| format!("{}: invalid buildbench.toml", file.display()))?;
    if parsed.configuration.is_empty() {
        bail!("{}: no [[configuration]] entries; see docs/compare.md for the format", file.display());
    }
    let mut out: Vec<Configuration> = Vec::new();
    for e in parsed.configuration {
        let name = e.name.trim().to_owned();
        // Names become directory names: keep them to a safe alphabet.
        let safe = !name.is_empty()
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_+.".contains(c));
        if !safe || out.iter().any(|c| c.name == name) {
            bail!(
                "{}: configuration name {name:?} must be unique, made of letters, digits, `-`, `_`, `+`, `.`",
                file.display()
            );
        }
        let backend = word(e.backend.as_deref(), Backend::Llvm, file, &name)?;
        let preset = e.preset.clone().unwrap_or_else(|| "dev".to_owned());
        let mut overrides = preset_overrides(&preset, cargo_profile).with_context(|| {
            format!(
                "{}: configuration {name:?}: unknown preset {preset:?}; expected one of: {}",
                file.display(),
                PRESETS.join(", ")
            )
        })?;
        for set in &e.set {
            if !set.contains('=') {
                bail!("{}: configuration {name:?}: set {set:?} is not KEY=VALUE", file.display());
            }
        }
        overrides.extend(e.set);
        out.push(Configuration {
            linker: word(e.linker.as_deref(), Linker::Default, file, &name)?,
            cache: word(e.cache.as_deref(), Cache::None, file, &name)?,
            toolchain: e.toolchain.or_else(|| backend.default_toolchain().map(str::to_owned)),
            revision: None,
            backend,
            preset,
            overrides,
            env: Vec::new(),
            scan: Vec::new(),
            rustflags: Vec::new(),
            name,
        });
    }
    Ok((out, parsed.baseline))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("buildbench.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_named_configurations() {
        let (_d, path) = write(
            "baseline = \"stable\"\n[[configuration]]\nname = \"stable\"\n\n[[configuration]]\nname = \"fast\"\nbackend = \"cranelift\"\nlinker = \"mold\"\nprofile = \"fast-dev\"\nset = [\"profile.dev.debug=0\"]\n",
        );
        let (configs, baseline) = read(&path, "dev").unwrap();
        assert_eq!(baseline.as_deref(), Some("stable"));
        assert_eq!(configs[0].linker, Linker::Default);
        let fast = &configs[1];
        assert_eq!(
            (fast.backend, fast.linker, fast.toolchain.as_deref()),
            (Backend::Cranelift, Linker::Mold, Some("nightly"))
        );
        assert_eq!(fast.overrides.last().map(String::as_str), Some("profile.dev.debug=0"));
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let (_d, path) = write("[[configuration]]\nname = \"x\"\nlinker = \"ldd\"\n");
        let err = format!("{:#}", read(&path, "dev").unwrap_err());
        assert!(err.contains("buildbench.toml") && err.contains("unknown linker \"ldd\""), "{err}");
        let (_d, path) = write("[[configuration]]\nnam = \"x\"\n");
        let err = format!("{:#}", read(&path, "dev").unwrap_err());
        assert!(err.contains("invalid buildbench.toml"), "{err}");
        let (_d, path) = write("[[configuration]]\nname = \"../x\"\n");
        assert!(format!("{:#}", read(&path, "dev").unwrap_err()).contains("must be unique"));
        let (_d, path) = write("");
        assert!(format!("{:#}", read(&path, "dev").unwrap_err()).contains("no [[configuration]]"));
    }
}
