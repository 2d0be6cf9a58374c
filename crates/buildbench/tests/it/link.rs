//! `buildbench link` on the example workspace with real linkers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::*;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/projects/example-workspace")
}

fn link(args: &[&str], path_prefix: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_buildbench"));
    cmd.arg("link").args(args).arg("--quiet");
    if let Some(dir) = path_prefix {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let joined =
            std::env::join_paths(std::iter::once(dir.to_owned()).chain(std::env::split_paths(&path))).expect("PATH");
        cmd.env("PATH", joined);
    }
    cmd.output().expect("buildbench runs")
}

fn linker<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["levels"][0]["linkers"]
        .as_array()
        .expect("linkers")
        .iter()
        .find(|l| l["linker"] == name)
        .expect("linker row")
}

#[test]
fn relinks_under_each_linker_and_checks_every_output() {
    let out = link(&[s(&example()), "--linker", "default,mold,lld", "--runs", "3", "--format", "json"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(summary["default_linker"].as_str().is_some_and(|l| !l.is_empty()));
    let level = &summary["levels"][0];
    assert_eq!(level["debuginfo"], "full");
    assert_eq!(level["artifacts"].as_array().map(Vec::len), Some(1), "the example binary only");
    // bfd is always part of the comparison, for the "vs bfd" ratio.
    for (name, program, mark) in
        [("default", "cc", "LLD"), ("bfd", "ld.bfd", "GNU ld"), ("mold", "mold", "mold"), ("lld", "ld.lld", "LLD")]
    {
        let row = linker(&summary, name);
        if !has(program) {
            assert_eq!(row["status"], "unavailable", "{row}");
            require_or_skip(name, &format!("{name} is not installed"));
            continue;
        }
        assert_eq!(row["status"], "ok", "{row}");
        assert_eq!(row["samples"].as_array().map(Vec::len), Some(3));
        assert!(row["linked_by"].as_str().unwrap_or("").contains(mark), "{row}");
        assert!(row["verified"].as_str().unwrap_or("").contains("--version"), "{row}");
    }
    let verdicts: Vec<&str> =
        level["verdicts"].as_array().expect("verdicts").iter().filter_map(|v| v["compared"].as_str()).collect();
    assert_eq!(verdicts, ["mold vs default", "mold vs bfd"]);
    if has("mold") {
        let v = &level["verdicts"][1]["verdict"];
        assert!(["holds", "does-not-hold", "inconclusive"].contains(&v.as_str().unwrap_or("")), "{v}");
    }
}

#[test]
fn a_linker_that_breaks_the_output_never_counts_as_fast() {
    if !has("ld.gold") {
        require_or_skip("gold", "ld.gold is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // A fake gold that "links" instantly by writing garbage, and one that fails outright.
    let fake = dir.path().join("bin");
    std::fs::create_dir_all(&fake).expect("mkdir");
    let script =
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ \"$1\" = -o ]; then echo junk > \"$2\"; fi; shift; done\nexit 0\n";
    std::fs::write(fake.join("ld.gold"), script).expect("write");
    std::fs::write(fake.join("ld.lld"), "#!/bin/sh\necho 'ld.lld: error: no luck' >&2\nexit 1\n").expect("write");
    for f in ["ld.gold", "ld.lld"] {
        let status = Command::new("chmod").arg("+x").arg(fake.join(f)).status().expect("chmod");
        assert!(status.success());
    }
    let out = link(&[s(&example()), "--linker", "default,gold,lld", "--runs", "2", "--format", "json"], Some(&fake));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("json");
    let gold = linker(&summary, "gold");
    assert_eq!(gold["status"], "failed", "{gold}");
    assert!(gold["error"].as_str().unwrap_or("").contains("not an ELF file"), "{gold}");
    assert!(gold["samples"].as_array().is_some_and(Vec::is_empty), "a broken link has no time");
    let lld = linker(&summary, "lld");
    assert_eq!(lld["status"], "failed", "{lld}");
    assert!(lld["error"].as_str().unwrap_or("").contains("no luck"), "{lld}");
    assert_eq!(linker(&summary, "default")["status"], "ok");
}

#[test]
fn a_project_without_a_binary_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"onlylib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("src/lib.rs"), "pub fn f() {}\n").expect("write");
    let out = link(&[s(dir.path()), "--runs", "2"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs a bin or cdylib target"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // compare and link share one rule for --runs: at least 1, and a note below 3.
    let out = link(&[s(dir.path()), "--runs", "0"], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--runs must be at least 1"));
    let out = link(&[s(dir.path()), "--runs", "2"], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("fewer than 3 samples"));
}

#[test]
fn a_cdylib_an_unstable_version_and_a_hanging_binary_all_relink_and_are_checked() {
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/projects/link-edge");
    let cwd = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_buildbench"))
        .current_dir(cwd.path())
        .args(["link", s(&project), "--linker", "default,bfd", "--runs", "2", "--format", "json", "--quiet"])
        .output()
        .expect("buildbench runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("json");
    let artifacts: Vec<&str> =
        summary["levels"][0]["artifacts"].as_array().expect("artifacts").iter().filter_map(|a| a[0].as_str()).collect();
    assert_eq!(artifacts.len(), 3, "{artifacts:?}");
    assert!(artifacts.iter().any(|a| a.ends_with(".so")), "the cdylib is linked: {artifacts:?}");
    for name in ["default", "bfd"] {
        let row = linker(&summary, name);
        assert_eq!(row["status"], "ok", "{name} relinks the cdylib with its version script: {row}");
        let verified = row["verified"].as_str().unwrap_or("");
        assert!(verified.contains("functions"), "checked by the functions it defines: {row}");
    }
    // `--version` ran in a scratch folder, never in the caller's directory.
    assert!(!cwd.path().join("clock-was-here").exists());
    // The hanging binary costs two 2-second limits, not a minute.
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}", started.elapsed());
}

#[test]
fn an_interrupted_link_exits_130() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_buildbench"))
        .args(["link", s(&example()), "--linker", "default", "--runs", "2", "--quiet"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(800));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
}

#[test]
fn an_output_file_link_cannot_write_is_refused_before_anything_is_built() {
    let out = link(&[s(&example()), "-o", "result.foo"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("result.foo") && stderr.contains("`buildbench link` writes table, json, md, html or csv"),
        "{stderr}"
    );
}

#[test]
fn until_verdict_stops_relinking_once_both_mold_verdicts_are_decided() {
    if !has("mold") {
        require_or_skip("mold", "mold is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let md = dir.path().join("link.md");
    let out = link(
        &[s(&example()), "--linker", "default,mold", "--until-verdict", "-M", "10", "--format", "json", "-o", s(&md)],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("json");
    // -o FILE.md: the same result, for a CI job summary.
    let text = std::fs::read_to_string(&md).expect("link -o wrote the Markdown");
    assert!(text.starts_with("# buildbench link: ") && text.contains("| mold |"), "{text}");
    // It stops only once both verdicts are decided (from the third run), else runs all ten: on
    // this machine mold against GNU ld sits near the claimed 2x, so either can happen.
    let runs = linker(&summary, "mold")["samples"].as_array().map_or(0, Vec::len);
    let verdicts = summary["levels"][0]["verdicts"].as_array().expect("verdicts");
    let decided = verdicts.iter().all(|v| v["verdict"] != "inconclusive");
    assert!((3..=10).contains(&runs), "{summary}");
    assert!(runs == 10 || decided, "stopped after {runs} runs with a verdict still open: {summary}");
    // Every linker has the same number of runs: they take turns.
    for name in ["default", "bfd"] {
        assert_eq!(linker(&summary, name)["samples"].as_array().map_or(0, Vec::len), runs);
    }
}

#[test]
fn link_starts_from_a_copy_of_the_projects_build_and_never_writes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    // The user's own build, in the project's target folder.
    let built = Command::new("cargo").arg("build").arg("-q").current_dir(&project).status().expect("cargo runs");
    assert!(built.success());
    let before = tree(&project.join("target"));
    let out = Command::new(env!("CARGO_BIN_EXE_buildbench"))
        .args(["link", s(&project), "--linker", "default", "--runs", "2", "--format", "json"])
        .output()
        .expect("buildbench runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("copying the build in"), "started from the existing build: {stderr}");
    let summary: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(linker(&summary, "default")["status"], "ok", "{summary}");
    assert_eq!(tree(&project.join("target")), before, "the user's target folder is only read");
    // --fresh ignores it.
    let out = Command::new(env!("CARGO_BIN_EXE_buildbench"))
        .args(["link", s(&project), "--linker", "default", "--runs", "2", "--fresh"])
        .output()
        .expect("buildbench runs");
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("copying the build in"));
}
