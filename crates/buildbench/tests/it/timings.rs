//! End-to-end tests of the `buildbench` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

fn fixture(path: &str) -> PathBuf {
    root().join("fixtures/timings").join(path)
}

fn buildbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_buildbench")).args(args).output().expect("buildbench runs")
}

fn run_ok(args: &[&str]) -> String {
    let out = buildbench(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&run_ok(args)).expect("valid JSON")
}

#[test]
fn summary_table_names_the_slowest_units_and_the_critical_path() {
    let out = run_ok(&["timings", s(&fixture("1.95/clean.html")), "--top", "3"]);
    assert!(out.contains("cargo 1.95.0"), "{out}");
    assert!(out.contains("21 total, 21 dirty, 0 fresh"), "{out}");
    assert!(out.contains("critical path  9.18s over 8 units"), "{out}");
    let slowest: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("Slowest")).skip(2).collect();
    assert_eq!(slowest.len(), 3, "{out}");
    assert!(slowest[0].starts_with("serde_core v1.0.229"), "{out}");
}

#[test]
fn json_output_has_the_documented_fields() {
    let v = json(&["timings", s(&fixture("1.97-nightly/build-analysis-clean.jsonl")), "--format", "json"]);
    for key in
        ["format", "cargo_version", "total_seconds", "fresh_units", "dirty_units", "total_units", "units", "metrics"]
    {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["format"], "build-analysis");
    assert_eq!(v["cargo_version"], "1.97.0-nightly");
    assert_eq!(v["total_units"], 21);
    let units = v["units"].as_array().expect("units");
    assert_eq!(units.len(), 21);
    for key in ["name", "version", "target", "kind", "mode", "start", "duration"] {
        assert!(units[0].get(key).is_some(), "unit lacks {key}: {}", units[0]);
    }
    let metrics = &v["metrics"];
    assert!(metrics["critical_path_seconds"].as_f64().expect("critical path") > 0.0);
    assert_eq!(metrics["slowest"].as_array().map(Vec::len), Some(10));
    assert!(metrics["proc_macro_seconds"].as_f64().expect("known in the log") > 0.0);
}

#[test]
fn a_directory_means_its_newest_report() {
    let dir = tempdir("newest");
    std::fs::copy(fixture("1.95/clean.html"), dir.join("cargo-timing-20260101T000000000Z-aaaa.html")).expect("copy");
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::copy(fixture("1.95/incremental.html"), dir.join("cargo-timing-20260101T000001000Z-aaaa.html"))
        .expect("copy");
    let v = json(&["timings", s(&dir), "--format", "json"]);
    assert_eq!(v["dirty_units"], 1, "the incremental report is the newer one");
    // A project or its target folder means target/cargo-timings.
    let project = tempdir("newest-project");
    let timings = project.join("target/cargo-timings");
    std::fs::create_dir_all(&timings).expect("mkdir");
    std::fs::copy(fixture("1.95/clean.html"), timings.join("cargo-timing.html")).expect("copy");
    for path in [project.clone(), project.join("target")] {
        assert_eq!(json(&["timings", s(&path), "--format", "json"])["dirty_units"], 21, "{}", path.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&project);
}

#[test]
fn two_files_show_the_diff() {
    let out = run_ok(&["timings", s(&fixture("1.95/clean.html")), s(&fixture("1.95/incremental.html"))]);
    assert!(out.contains("total  10.1s -> 0.20s (-9.90s)"), "{out}");
    assert!(out.contains("Ran only in the first build (20)"), "{out}");
    let v = json(&["timings", s(&fixture("1.93/clean.html")), s(&fixture("1.95/clean.html")), "--format", "json"]);
    assert_eq!(v["changed"].as_array().map(Vec::len), Some(21));
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("buildbench-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Bad input: exit status 2, one line on stderr naming the file and what was expected.
fn check_rejected(path: &Path, expected: &str) {
    let out = buildbench(&["timings", s(path)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
    assert!(out.stdout.is_empty(), "{}", path.display());
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(s(path)), "names the file: {stderr}");
    assert!(stderr.contains(expected), "says {expected:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let dir = tempdir("bad");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    let html = std::fs::read_to_string(fixture("1.95/clean.html")).expect("fixture");
    let cut = html.find("\"unblocked_units\"").expect("units");
    check_rejected(&write("empty.html", b""), "empty");
    check_rejected(&write("binary.bin", &[0x7f, b'E', b'L', b'F', 0, 1, 2, 0xff]), "binary");
    check_rejected(&write("page.html", b"<html><body>not a report</body></html>"), "cargo build --timings");
    check_rejected(&write("truncated.html", &html.as_bytes()[..cut]), "truncated");
    check_rejected(&write("invalid.jsonl", b"{\"reason\":\"timing-info\"}\n{oops}\n"), "line 2");
    check_rejected(&write("other.json", b"{\"hello\": \"world\"}\n"), "not a cargo timing output");
    check_rejected(&dir.join("missing.html"), "no such file");
    // An empty directory has no newest report.
    let empty = dir.join("empty-dir");
    std::fs::create_dir_all(&empty).expect("dir");
    check_rejected(&empty, "cargo build --timings");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timings_of_a_named_pipe_without_a_writer_do_not_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let out = buildbench(&["timings", s(&fifo)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("named pipe"));
}

#[test]
fn timings_of_an_endless_file_are_refused_by_name_before_reading() {
    let out = buildbench(&["timings", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/dev/zero: a character device"), "{err}");
}

#[test]
fn timings_print_no_terminal_escape_sequences_from_the_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = std::fs::read_to_string(fixture("1.95/clean.html")).expect("fixture");
    let crafted = html.replacen("serde_core", "serde_core\\u001b]0;pwned\\u0007\\u001b[2J", 1);
    assert_ne!(crafted, html, "the fixture names serde_core");
    let file = dir.path().join("crafted.html");
    std::fs::write(&file, crafted).expect("write");
    let out = run_ok(&["timings", s(&file)]);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
}

#[test]
fn the_summary_says_what_bounds_the_build_and_unknown_where_nothing_is_timed() {
    let clean = run_ok(&["timings", s(&fixture("1.95/hyperfine-1.20.0-clean.html"))]);
    assert!(clean.contains("CPU-bound: 191.3s of unit time in 99.4s on 2 job slots"), "{clean}");
    assert!(clean.contains("so more cores would help"), "{clean}");
    // ripgrep's chain through regex-automata is more than half its wall time: mixed.
    let mixed = run_ok(&["timings", s(&fixture("1.95/ripgrep-14.1.1-clean.html"))]);
    assert!(mixed.contains("mixed: 29.4s of unit time in 17.3s"), "{mixed}");
    let incremental = run_ok(&["timings", s(&fixture("1.95/incremental.html"))]);
    assert!(incremental.contains("dependency-bound"), "{incremental}");
    let untimed = run_ok(&["timings", s(&fixture("1.95/message-format-json-clean.jsonl"))]);
    assert!(untimed.contains("unit time      unknown") && !untimed.contains("0.00s"), "{untimed}");
}

#[test]
fn top_bounds_a_diff_and_a_timeline_is_written_as_html_or_svg() {
    let (a, b) = (fixture("1.95/clean.html"), fixture("1.97-nightly/clean.html"));
    let diff = run_ok(&["timings", s(&a), s(&b), "--top", "3"]);
    let rows = diff.lines().skip_while(|l| !l.starts_with("unit ")).skip(1).take_while(|l| !l.is_empty()).count();
    assert_eq!(rows, 3, "{diff}");
    assert!(diff.contains("... and 18 more"), "{diff}");
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("timeline.HTML");
    let out = buildbench(&["timings", s(&a), "-o", s(&html)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(&html).expect("page");
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<svg") && page.contains("serde_core"), "a page");
    let svg = dir.path().join("t.svg");
    assert!(buildbench(&["timings", s(&a), "-o", s(&svg)]).status.success());
    assert!(std::fs::read_to_string(&svg).expect("svg").starts_with("<svg"));
    let bad = buildbench(&["timings", s(&a), "-o", s(&dir.path().join("t.pdf"))]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn every_json_output_has_a_schema_version_and_version_names_the_commit() {
    let clean = fixture("1.95/clean.html");
    for args in [
        vec!["timings", s(&clean), "--format", "json"],
        vec!["timings", s(&clean), s(&clean), "--format", "json"],
        vec!["whatif", s(&clean), "--format", "json"],
    ] {
        let text = run_ok(&args);
        assert!(text.starts_with("{\n  \"schema_version\": 1,"), "{args:?}: {}", &text[..text.len().min(80)]);
    }
    let version = run_ok(&["--version"]);
    assert!(version.starts_with("buildbench ") && version.contains("commit"), "{version}");
}

/// A real build of the example workspace: `timings` and `whatif` complete the report's unit
/// graph from the project's `cargo metadata` when the report lies in its target folder (or
/// with `--project`), print the same critical path, and say "partial" without the project.
#[test]
fn the_unit_graph_is_completed_from_the_project_and_both_commands_agree_on_the_critical_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let built = {
        let _shared = MACHINE.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        Command::new("cargo").args(["build", "--timings"]).current_dir(&project).output().expect("cargo runs")
    };
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let report = project.join("target/cargo-timings/cargo-timing.html");
    let before = std::fs::read(project.join("Cargo.lock")).expect("lock");

    let completed = json(&["timings", s(&report), "--format", "json"]);
    assert_eq!(completed["metrics"]["unit_graph"], "completed", "{}", completed["metrics"]);
    let chain = completed["metrics"]["critical_path"].clone();
    assert_eq!(
        chain.as_array().and_then(|c| c.last()).and_then(|l| l.as_str()),
        Some("example-app v0.1.0 (bin \"example-app\")")
    );
    let text = run_ok(&["timings", s(&report)]);
    assert!(text.contains("completed from `cargo metadata`"), "{text}");
    // whatif: the same chain, over the same graph.
    let whatif = json(&["whatif", s(&report), "--jobs", "2", "--format", "json"]);
    let labels = whatif["curve"]["chain"].clone();
    assert_eq!(labels, chain, "whatif {labels} vs timings {chain}");
    assert_eq!(whatif["edges"], "completed");

    // Outside the project: partial, and said; --project completes it again.
    let outside = dir.path().join("report.html");
    std::fs::copy(&report, &outside).expect("copy");
    let partial = run_ok(&["timings", s(&outside)]);
    assert!(partial.contains("unit graph     partial"), "{partial}");
    let given = json(&["timings", s(&outside), "--project", s(&project), "--format", "json"]);
    assert_eq!(given["metrics"]["critical_path"], chain);
    // A --project that is not a project, or is another one, is an error naming it.
    let not_a_project = buildbench(&["timings", s(&outside), "--project", s(dir.path())]);
    assert_eq!(not_a_project.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_a_project.stderr).contains("--project"), "{not_a_project:?}");
    let other = root().join("fixtures/projects/c-build");
    let wrong = buildbench(&["whatif", s(&outside), "--project", s(&other)]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("not the ones"), "{wrong:?}");
    // Reading the metadata changed nothing in the project.
    assert_eq!(std::fs::read(project.join("Cargo.lock")).expect("lock"), before);
}
