//! A finished build turned into a `Sample`: times and resources, unit timings from its
//! `--timings` report, the final artifacts and who linked them, every timed link. Shared by
//! `compare` and `link`.

use std::path::{Path, PathBuf};

use buildbench_model::{Artifact, Sample, Scenario, UnitTiming};

use crate::build::elf;
use crate::build::project::Project;
use crate::process::exec::Outcome;

/// The units that ran in a build, as a study keeps them (with their edges, for `whatif`).
pub fn unit_timings(build: &buildbench_timings::Build) -> Vec<UnitTiming> {
    build
        .units
        .iter()
        .filter(|u| u.ran())
        .filter_map(|u| {
            let split = buildbench_timings::split(u);
            Some(UnitTiming {
                name: u.name.clone(),
                version: u.version.clone(),
                target: u.target.clone(),
                kind: u.kind.as_str().to_owned(),
                mode: u.mode.as_str().to_owned(),
                start: u.start?,
                duration: u.duration.unwrap_or(0.0),
                frontend: split.map(|s| s.frontend),
                codegen: split.map(|s| s.codegen),
                link: split.map(|s| s.link).filter(|_| u.sections.iter().any(|s| s.name == "link")),
                id: u.id,
                unblocked: u.unblocked.clone(),
                unblocked_rmeta: u.unblocked_rmeta.clone(),
                dependencies: u.dependencies.clone(),
                cpu_seconds: u.cpu_seconds,
            })
        })
        .collect()
}

/// A sample from one finished build.
/// `packages` (the tree's `cargo metadata`) completes the unit graph the report records.
pub(crate) fn sample_from(
    outcome: &Outcome,
    project: &Project,
    target_dir: &Path,
    packages: Option<&buildbench_timings::PackageGraph>,
) -> Sample {
    let stderr = String::from_utf8_lossy(&outcome.stderr);
    let report = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Timing report saved to "))
        .map(|p| PathBuf::from(p.trim()))
        .or_else(|| Some(target_dir.join("cargo-timings/cargo-timing.html")).filter(|p| p.exists()));
    let mut parsed =
        report.and_then(|r| std::fs::read(&r).ok()).and_then(|bytes| buildbench_timings::parse(&bytes).ok());
    if let Some(parsed) = parsed.as_mut() {
        crate::process::cpu::attach(&mut parsed.build.units, &outcome.units_cpu);
    }
    if let (Some(parsed), Some(packages)) = (parsed.as_mut(), packages)
        && packages.describes(&parsed.build.units)
    {
        parsed.build.complete(packages);
    }
    let units = parsed.as_ref().map(|p| unit_timings(&p.build)).unwrap_or_default();
    let build = parsed.as_ref().map(|p| &p.build);
    let analysis = build.map(|b| buildbench_timings::analyze(b, 0));
    let critical = analysis.as_ref().and_then(|a| a.critical_path.as_ref());
    Sample {
        configuration: String::new(),
        scenario: Scenario::Clean,
        index: 0,
        warmup: false,
        wall_seconds: outcome.wall.as_secs_f64(),
        user_seconds: outcome.user_seconds,
        system_seconds: outcome.system_seconds,
        max_rss_bytes: outcome.max_rss_bytes,
        exit_code: outcome.exit_code,
        success: outcome.success(),
        stderr_tail: (!outcome.success()).then(|| {
            // The line that says what failed leads, even when it is older than the last 20.
            let tail = outcome.stderr_tail(20);
            let reason = buildbench_model::failure_reason(&stderr);
            if tail.contains(&reason) { tail } else { format!("{reason}\n[...]\n{tail}") }
        }),
        fresh_units: build.and_then(|b| b.fresh_units),
        dirty_units: build.and_then(|b| b.dirty_units),
        cargo_seconds: build.and_then(|b| b.total_seconds),
        units,
        critical_path: match (critical, build) {
            (Some(c), Some(b)) => c.units.iter().map(|&i| b.units[i].label()).collect(),
            _ => Vec::new(),
        },
        critical_path_seconds: critical.map(|c| c.seconds),
        sccache: None,
        artifacts: artifacts(&outcome.stdout, project),
        links: Vec::new(),
        block: None,
        revision: None,
    }
}

/// With `-Zsection-timings` (nightly), cargo reports each unit's link section too. The wrapper
/// times only the linker process, so it must not exceed the section (beyond cargo's 10 ms
/// rounding) nor fall far below it; a mismatch means a link was missed or mis-attributed.
pub(crate) fn link_disagreement(sample: &Sample) -> Option<String> {
    let wrapper = sample.artifact_link_seconds()?;
    let section: f64 = sample
        .units
        .iter()
        .filter(|u| matches!(u.kind.as_str(), "bin" | "test" | "bench" | "example"))
        .filter_map(|u| u.link)
        .sum();
    if section <= 0.0 {
        return None;
    }
    let agree = wrapper <= section + 0.011 && section - wrapper <= 0.02 + 0.25 * section;
    (!agree).then(|| {
        format!("the linker wrapper timed {wrapper:.3}s of linking but cargo's link sections say {section:.3}s")
    })
}

/// The timed links of a build; those whose output is a final artifact of the workspace are
/// marked (rustc links `deps/<crate_name>-<hash>`, which cargo then hard-links as the artifact).
pub(crate) fn links(
    records: &[crate::process::linkwrap::LinkRecord],
    artifacts: &[Artifact],
) -> Vec<buildbench_model::Link> {
    records
        .iter()
        .map(|r| {
            let output = r.output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let stem = artifact_stem(&output);
            let artifact = artifacts.iter().any(|a| a.name.replace('-', "_") == stem);
            buildbench_model::Link { output, seconds: r.seconds, artifact }
        })
        .collect()
}

/// The crate name a link output is named after: `name-<hash>` for executables, `libname.so`
/// for cdylibs.
pub(crate) fn artifact_stem(output: &str) -> &str {
    match output.strip_suffix(".so") {
        Some(lib) => lib.strip_prefix("lib").unwrap_or(lib),
        None => output.rsplit_once('-').map_or(output, |(stem, _)| stem),
    }
}

/// Final artifacts of workspace members from `compiler-artifact` messages.
///
/// Members are matched by package name and version, not by id: in the copy the package path
/// changes, and with it the id's spelling (cargo omits the name when it equals the directory
/// name, so `…/mini-redis#0.4.1` becomes `…/src#mini-redis@0.4.1`).
pub(crate) fn artifacts(stdout: &[u8], project: &Project) -> Vec<Artifact> {
    let identity = |id: &str| {
        let p = buildbench_timings::PackageId::parse(id);
        (p.name, p.version)
    };
    let members: Vec<(String, Option<String>)> = project.members.iter().map(|m| identity(m)).collect();
    let linked = |k: &&String| matches!(k.as_str(), "bin" | "cdylib" | "dylib" | "test" | "bench" | "example");
    let mut out = Vec::new();
    for message in buildbench_timings::artifact_messages(&String::from_utf8_lossy(stdout)) {
        if !message.package_id.starts_with("path+") || !members.contains(&identity(&message.package_id)) {
            continue;
        }
        let Some(kind) = message.kinds.iter().find(linked) else { continue };
        let file =
            message.executable.clone().or_else(|| message.filenames.iter().find(|f| f.ends_with(".so")).cloned());
        let Some(file) = file else { continue };
        let Ok(bytes) = std::fs::read(&file) else { continue };
        out.push(Artifact {
            name: message.target.clone(),
            kind: kind.clone(),
            bytes: bytes.len() as u64,
            linker: elf::linker_of(&bytes),
        });
    }
    out
}

/// Deletes the `--timings` reports of a build once parsed, so they do not pile up.
pub(crate) fn remove_reports(target_dir: &Path) {
    let dir = target_dir.join("cargo-timings");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_of_a_root_package_named_like_its_directory_are_found_in_the_copy() {
        // The user's tree: /src/mini-redis (id without the name); the copy: /out/work/src.
        let project = Project {
            root: PathBuf::from("/src/mini-redis"),
            target_directory: PathBuf::from("/src/mini-redis/target"),
            members: vec!["path+file:///src/mini-redis#0.4.1".to_owned()],
            targets: Vec::new(),
            outside_paths: Vec::new(),
        };
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("mini-redis-server");
        std::fs::write(&exe, b"not elf").unwrap();
        let line = format!(
            r#"{{"reason":"compiler-artifact","package_id":"path+file:///out/work/src#mini-redis@0.4.1","target":{{"kind":["bin"],"name":"mini-redis-server"}},"executable":"{}","fresh":false}}"#,
            exe.display()
        );
        let dep = r#"{"reason":"compiler-artifact","package_id":"registry+https://registry.invalid/index#tokio@1.0.0","target":{"kind":["bin"],"name":"x"},"executable":"/nope"}"#;
        let found = artifacts(format!("{line}\n{dep}\n").as_bytes(), &project);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].name.as_str(), found[0].kind.as_str(), found[0].bytes), ("mini-redis-server", "bin", 7));
    }
}
