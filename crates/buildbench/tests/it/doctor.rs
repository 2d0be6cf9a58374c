//! `buildbench doctor` on this machine, and its diagnosis of the example workspace.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn doctor(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_buildbench"));
    cmd.arg("doctor").args(args);
    for var in ["RUSTFLAGS", "RUSTC_WRAPPER", "CARGO_INCREMENTAL", "CARGO_ENCODED_RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("buildbench runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn lists_toolchains_linkers_and_caches_with_install_commands() {
    let v = json(&doctor(&["--format", "json"], &[]));
    let toolchains = v["checkup"]["toolchains"].as_array().expect("toolchains");
    assert!(!toolchains.is_empty());
    // Every toolchain's default linker is resolved from a real binary.
    assert!(toolchains.iter().all(|t| t["default_linker"].as_str().is_some_and(|l| !l.is_empty())), "{toolchains:?}");
    let linkers = v["checkup"]["linkers"].as_array().expect("linkers");
    let names: Vec<&str> = linkers.iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(names, ["bfd", "gold", "lld", "mold", "wild"]);
    for l in linkers {
        // Installed means a version; missing means the command that installs it.
        assert!(l["version"].is_string() != l["install"].is_string(), "{l}");
    }
    assert!(v["diagnosis"].is_null());
    // Whether `buildbench profile` can run here, and how to make it.
    let notes: Vec<&str> = v["checkup"]["notes"].as_array().expect("notes").iter().filter_map(|n| n.as_str()).collect();
    let nightly = toolchains.iter().any(|t| t["rustc"].as_str().is_some_and(|r| r.contains("nightly")));
    let profile = notes.iter().find(|n| n.contains("buildbench profile")).expect("a note on profile");
    assert_eq!(profile.contains("rustup toolchain install nightly"), !nightly, "{profile}");
}

#[test]
fn warns_about_what_spoils_measurements() {
    let out = doctor(&[], &[("RUSTFLAGS", "-Ctarget-cpu=native"), ("RUSTC_WRAPPER", "sccache")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("RUSTFLAGS=-Ctarget-cpu=native is set"), "{text}");
    assert!(text.contains("RUSTC_WRAPPER=sccache is set"), "{text}");
    assert!(text.contains("sccache cannot cache incremental compilations"), "{text}");
}

#[test]
fn diagnose_measures_check_against_build() {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/projects/example-workspace");
    let v = json(&doctor(
        &[example.to_str().expect("utf-8"), "--diagnose", "--runs", "3", "--format", "json", "--quiet"],
        &[],
    ));
    let d = &v["diagnosis"];
    let splits = d["splits"].as_array().expect("splits");
    let builds: Vec<&str> = splits.iter().filter_map(|s| s["build"].as_str()).collect();
    assert_eq!(builds, ["clean", "incremental"]);
    let findings: Vec<&str> = d["findings"].as_array().expect("findings").iter().filter_map(|f| f.as_str()).collect();
    for s in splits {
        let (check, build) = (s["check_seconds"].as_f64().expect("check"), s["build_seconds"].as_f64().expect("build"));
        assert!(check > 0.0 && build > 0.0, "{s}");
        let shares: Vec<Option<f64>> =
            ["frontend_share", "codegen_share", "link_share"].iter().map(|k| s[k].as_f64()).collect();
        // On a loaded machine a clean check of this small workspace can take as long as its
        // build: then the shares are unknown and a finding says so, never a made-up split.
        let kind = s["build"].as_str().expect("build");
        if s["separated"] == true {
            assert!(check < build, "separated means check was faster: {s}");
            assert!((shares.iter().map(|x| x.expect("a share")).sum::<f64>() - 1.0).abs() < 1e-9, "{s}");
            assert!(
                findings.iter().any(|f| f.starts_with(&format!("{kind} builds: `cargo check` takes"))),
                "{findings:?}"
            );
        } else {
            assert_eq!(shares, [None, None, None], "{s}");
            assert!(findings.iter().any(|f| f.starts_with(kind) && f.contains("cannot tell")), "{findings:?}");
        }
        assert!(s["link_seconds"].as_f64().is_some_and(|l| l > 0.0), "link timed by the wrapper: {s}");
    }
    // The example has one proc-macro crate and one build script.
    assert!(d["proc_macro_seconds"].as_f64().is_some_and(|x| x > 0.0));
    assert!(d["build_script_seconds"].as_f64().is_some_and(|x| x > 0.0));
    assert!(d["critical_path"].as_array().is_some_and(|c| c.len() >= 2));
    assert!(d["findings"].as_array().is_some_and(|f| f.len() >= 3));
}

#[test]
fn diagnose_needs_a_project() {
    let out = doctor(&["--diagnose"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--diagnose needs the project"));
}
