//! What a profile's recorded rustc command line says about the crate it compiled.
//!
//! measureme stores the command line as one string, its arguments joined by spaces, so an
//! argument with a space in it (`--check-cfg cfg(feature, values("a", "b"))`) cannot be told
//! apart: only flags whose values never hold spaces are read.

use std::path::Path;

use buildbench_model::profile::CrateKind;

/// The crate a rustc run compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compilation {
    /// `--crate-name`.
    pub name: String,
    pub kind: CrateKind,
    /// `--cap-lints`: cargo caps the lints of registry and git dependencies only.
    pub dependency: bool,
    /// The source file (as written: relative to the workspace root for its members).
    pub source: Option<String>,
    /// The package, from a registry path (`.../serde-1.0.228/src/lib.rs`) or a workspace map.
    pub package: Option<String>,
    /// The package's version, from a registry path.
    pub version: Option<String>,
}

/// Reads `cmd`; `None` for rustc runs that compile nothing (cargo's `--print` probes).
pub fn parse(cmd: &str, packages: &[(String, String)]) -> Option<Compilation> {
    let tokens: Vec<&str> = cmd.split(' ').filter(|t| !t.is_empty()).collect();
    let value = |flag: &str| -> Vec<&str> {
        let mut out = Vec::new();
        let mut it = tokens.iter();
        let with_eq = format!("{flag}=");
        while let Some(t) = it.next() {
            if *t == flag {
                if let Some(v) = it.next() {
                    out.push(*v);
                }
            } else if let Some(v) = t.strip_prefix(&with_eq) {
                out.push(v);
            }
        }
        out
    };
    let name = value("--crate-name").first()?.to_string();
    if name == "___" || tokens.iter().any(|t| t.starts_with("--print")) {
        return None;
    }
    let types = value("--crate-type");
    // cargo names every unit with -C metadata (and most with -C extra-filename); a rustc that a
    // build script runs (a feature probe) has neither.
    let unit = value("-C").iter().any(|v| v.starts_with("metadata=") || v.starts_with("extra-filename="))
        || tokens.iter().any(|t| t.starts_with("-Cmetadata=") || t.starts_with("-Cextra-filename="));
    let source = tokens.iter().skip(1).find(|t| t.ends_with(".rs") && !t.starts_with('-')).map(|s| (*s).to_owned());
    let kind = if !unit {
        CrateKind::Probe
    } else if name.starts_with("build_script_") {
        CrateKind::BuildScript
    } else if types.contains(&"proc-macro") {
        CrateKind::ProcMacro
    } else if types.is_empty() || types.contains(&"bin") || tokens.contains(&"--test") {
        CrateKind::Bin
    } else {
        CrateKind::Lib
    };
    let package = source.as_deref().and_then(|s| package_of(s, packages));
    let version = source.as_deref().filter(|s| Path::new(s).is_absolute()).and_then(registry_version);
    // A probe that no workspace file explains (autocfg's `probe0`, read from stdin) was run by
    // a dependency's build script.
    let dependency = !value("--cap-lints").is_empty() || (kind == CrateKind::Probe && package.is_none());
    Some(Compilation { name, kind, dependency, source, package, version })
}

/// The package a source file belongs to: the workspace's own map first (its paths relative to
/// the workspace root), else the `<name>-<version>` folder a registry or git checkout uses.
fn package_of(source: &str, packages: &[(String, String)]) -> Option<String> {
    if let Some((_, p)) = packages.iter().find(|(path, _)| path == source) {
        return Some(p.clone());
    }
    // cargo passes the workspace's own files relative to its root, others absolute.
    if Path::new(source).is_absolute() {
        return registry_package(source);
    }
    // The longest package folder that holds the file (a build script sits beside src/).
    let folder = |path: &str| Path::new(path).parent().map(Path::to_path_buf);
    if let Some((_, p)) = packages
        .iter()
        .filter_map(|(path, p)| {
            let dir = folder(path)?;
            let root = if dir.ends_with("src") { dir.parent()?.to_path_buf() } else { dir };
            Path::new(source).starts_with(&root).then_some((root.components().count(), p))
        })
        .max_by_key(|(n, _)| *n)
    {
        return Some(p.clone());
    }
    None
}

/// The package of a file in a registry or git checkout: its `<name>-<version>` folder.
fn registry_package(source: &str) -> Option<String> {
    registry_folder(source).map(|(name, _)| name)
}

fn registry_version(source: &str) -> Option<String> {
    registry_folder(source).map(|(_, version)| version)
}

/// The name and version of the `<name>-<version>` folder holding `source`.
fn registry_folder(source: &str) -> Option<(String, String)> {
    let path = Path::new(source);
    for dir in path.ancestors().skip(1) {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()) else { continue };
        // `serde-1.0.228`, `foo-bar-0.1.0-alpha.1`: the name ends at the first dash before a
        // `MAJOR.MINOR.PATCH` version.
        let split = name.match_indices('-').map(|(i, _)| i).find(|&i| name.get(i + 1..).is_some_and(semver));
        if let Some(i) = split
            && let (Some(package), Some(version)) = (name.get(..i), name.get(i + 1..))
        {
            return Some((package.to_owned(), version.to_owned()));
        }
    }
    None
}

fn semver(s: &str) -> bool {
    let mut parts = s.splitn(3, '.');
    let digits = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let patch = |p: Option<&str>| p.is_some_and(|p| p.starts_with(|c: char| c.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next()) && patch(parts.next())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = "/x/rustc --crate-name serde_json --edition=2021 /reg/serde_json-1.0.154/src/lib.rs \
        --error-format=json --crate-type lib --emit=dep-info,metadata,link --check-cfg cfg(feature, values(\"a\", \"b\")) \
        -C metadata=5e9e -C extra-filename=-5e9e --out-dir /t/deps --cap-lints allow -Zself-profile=/p";

    #[test]
    fn reads_a_dependency() {
        let c = parse(LIB, &[]).unwrap();
        assert_eq!(c.name, "serde_json");
        assert_eq!(c.kind, CrateKind::Lib);
        assert!(c.dependency);
        assert_eq!(c.package.as_deref(), Some("serde_json"));
        assert_eq!(c.version.as_deref(), Some("1.0.154"));
    }

    #[test]
    fn reads_workspace_crates_build_scripts_probes_and_skips_print() {
        let packages = vec![
            ("crates/app/src/main.rs".to_owned(), "example-app".to_owned()),
            ("crates/macros/src/lib.rs".to_owned(), "example-macros".to_owned()),
        ];
        let bs = "/x/rustc --crate-name build_script_build --edition=2021 crates/app/build.rs --crate-type bin -C metadata=1";
        let c = parse(bs, &packages).unwrap();
        assert_eq!((c.kind, c.dependency, c.package.as_deref()), (CrateKind::BuildScript, false, Some("example-app")));
        let pm = "/x/rustc --crate-name example_macros crates/macros/src/lib.rs --crate-type proc-macro -C extra-filename=-2";
        assert_eq!(parse(pm, &packages).unwrap().kind, CrateKind::ProcMacro);
        let probe = "/x/rustc --cfg=probe --edition=2021 --crate-name=proc_macro2 --crate-type=lib --cap-lints=allow \
            --emit=dep-info,metadata --out-dir /t/out/probe src/probe/proc_macro_span.rs";
        let c = parse(probe, &packages).unwrap();
        assert_eq!((c.kind, c.dependency, c.name.as_str()), (CrateKind::Probe, true, "proc_macro2"));
        let autocfg = "/x/rustc --crate-name probe0 --crate-type lib --out-dir /t/build/x/out --emit=llvm-ir -";
        assert!(parse(autocfg, &packages).unwrap().dependency, "a dependency's probe");
        assert!(parse("/x/rustc - --crate-name ___ --print=file-names --crate-type bin", &packages).is_none());
        assert!(parse("/x/rustc -vV", &packages).is_none());
        let pre =
            "/x/rustc --crate-name foo_bar /reg/foo-bar-0.1.0-alpha.1/src/lib.rs --crate-type lib -C extra-filename=-3";
        assert_eq!(parse(pre, &[]).unwrap().package.as_deref(), Some("foo-bar"));
    }
}
