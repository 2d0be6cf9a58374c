//! `buildbench report` and `buildbench diff` on a recorded real study.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

fn study_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/studies/ripgrep-14.1.1-linkers.json")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_buildbench")).args(args).output().expect("buildbench runs")
}

#[test]
fn report_renders_every_format_without_building() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = study_path();
    for (format, marker) in [
        ("table", "speedup [95% CI]"),
        ("md", "| configuration |"),
        ("csv", "configuration,scenario"),
        ("json", "\"cells\""),
    ] {
        let out = run(&["report", s(&study), "--format", format]);
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains(marker), "{format}");
    }
    // The format follows the file extension.
    let html = dir.path().join("r.html");
    assert!(run(&["report", s(&study), "-o", s(&html)]).status.success());
    assert!(std::fs::read_to_string(&html).expect("written").starts_with("<!DOCTYPE html>"));
    // Any case, and .htm; an extension that names no format is refused with the way out.
    let upper = dir.path().join("R.HTM");
    assert!(run(&["report", s(&study), "-o", s(&upper)]).status.success());
    assert!(std::fs::read_to_string(&upper).expect("written").starts_with("<!DOCTYPE html>"));
    let unknown = run(&["report", s(&study), "-o", s(&dir.path().join("r.pdf"))]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--format"));
    let out = run(&["report", s(&study), "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`buildbench report` writes table, json, md, html or csv"));
    // The same words in every command; `markdown` stays an alias of md.
    let out = run(&["report", s(&study), "--format", "markdown"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("| configuration |"));
}

/// Issue 25: `diff --format table` was refused; every command takes the same format words and
/// names the ones it writes when refusing one.
#[test]
fn diff_writes_a_table_and_refuses_a_format_it_cannot_write_naming_those_it_can() {
    let study = study_path();
    let out = run(&["diff", s(&study), s(&study), "--format", "table", "--allow-underpowered"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("configuration  scenario"), "{text}");
    assert!(text.contains("0 regression(s)"), "{text}");
    assert!(!text.contains('|'), "{text}");
    // Every format its view renders: html is a page of the same table.
    let out = run(&["diff", s(&study), s(&study), "--format", "html", "--allow-underpowered"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<th>catches (80%)</th>"), "{html}");
    let out = run(&["diff", s(&study), s(&study), "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--format pdf: `buildbench diff` writes table, json, md, html or csv")
    );
    for (args, writes) in [
        (vec!["timings", "x", "--format", "pdf"], "`buildbench timings` writes table, json, md, html or csv"),
        (vec!["history", "show", "--format", "pdf"], "`buildbench history show` writes table, json, md, html or csv"),
        (vec!["history", "gate", "--format", "pdf"], "`buildbench history gate` writes table, json, md, html or csv"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(writes),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A copy of the study in which one configuration got `factor` times slower.
fn slowed(dir: &Path, configuration: &str, factor: f64) -> PathBuf {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(study_path()).expect("read")).expect("json");
    for sample in v["samples"].as_array_mut().expect("samples") {
        if sample["configuration"] == configuration {
            let wall = sample["wall_seconds"].as_f64().expect("wall");
            sample["wall_seconds"] = serde_json::json!(wall * factor);
        }
    }
    let path = dir.join(format!("{configuration}-{factor}.json"));
    std::fs::write(&path, serde_json::to_vec(&v).expect("encode")).expect("write");
    path
}

#[test]
fn diff_is_a_ci_gate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = study_path();
    // The same study: no regression, but 3 noisy runs a cell cannot catch a 5% slowdown in
    // most cells, so the check does not pass in silence; --allow-underpowered accepts that.
    let same = run(&["diff", s(&base), s(&base)]);
    assert_eq!(same.status.code(), Some(1), "{}", String::from_utf8_lossy(&same.stderr));
    let text = String::from_utf8_lossy(&same.stdout);
    assert!(text.contains("0 regression(s)") && text.contains("**underpowered**"), "{text}");
    let same = run(&["diff", s(&base), s(&base), "--allow-underpowered"]);
    assert_eq!(same.status.code(), Some(0), "{}", String::from_utf8_lossy(&same.stderr));
    assert!(String::from_utf8_lossy(&same.stderr).contains("passed with --allow-underpowered"));

    // wild's incremental builds 50% slower: significant and beyond 5%, exit 1.
    let slow = slowed(dir.path(), "wild", 1.5);
    let out = run(&["diff", s(&base), s(&slow)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let row = text.lines().find(|l| l.starts_with("| wild | incremental")).expect("wild row");
    assert!(row.contains("**regression**"), "{row}");
    // Faster is never a regression.
    let fast = slowed(dir.path(), "wild", 0.5);
    assert_eq!(run(&["diff", s(&base), s(&fast), "--allow-underpowered"]).status.code(), Some(0));
    // A 1% slowdown is below a 5% threshold even if it were significant.
    let tiny = slowed(dir.path(), "bfd", 1.01);
    let out = run(&["diff", s(&base), s(&tiny), "--threshold", "5%", "--allow-underpowered"]);
    assert_eq!(out.status.code(), Some(0));
    let json = run(&["diff", s(&base), s(&slow), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json diff");
    assert_eq!(v["rows"].as_array().map(Vec::len), Some(10));
    // Every output says what a diff of two studies includes, and where pull requests are
    // measured instead.
    let rev_gate = "buildbench compare PATH --rev BASE,HEAD --gate 5%";
    assert!(v["note"].as_str().is_some_and(|n| n.contains("runners and times") && n.contains(rev_gate)), "{v}");
    assert!(text.contains("Note: the differences include") && text.contains(rev_gate), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("note: the differences include"));
    // The power of each cell: the smallest slowdown it catches, in the table and the JSON.
    assert!(text.contains("| catches (80%) |"), "{text}");
    assert!(v["rows"][0]["power"]["detectable"].as_f64().is_some(), "{v}");
}

/// The fixture with `runs` samples a cell, at 10 s and 11 s in turn, those of `slow`
/// (configuration, scenario) `factor` times as long.
fn alternating_study(dir: &Path, name: &str, runs: u64, slow: (&str, &str, f64)) -> PathBuf {
    edited_study(dir, name, |v| {
        let samples = v["samples"].as_array_mut().expect("samples");
        samples.retain(|x| x["warmup"] == true || x["index"].as_u64().expect("index") < runs);
        for x in samples.iter_mut() {
            let index = x["index"].as_u64().expect("index");
            let factor = if x["configuration"] == slow.0 && x["scenario"] == slow.1 { slow.2 } else { 1.0 };
            x["wall_seconds"] = serde_json::json!(if index % 2 == 0 { 10.0 } else { 11.0 } * factor);
        }
        v["plan"]["runs"] = serde_json::json!(runs);
    })
}

#[test]
fn two_samples_a_side_no_longer_pass_a_46_percent_slowdown_in_silence() {
    // Two samples a cell, wild's incremental builds 46% slower: with one degree of freedom a
    // side and ten cells, Welch's test cannot call that significant, and the gate used to pass.
    let dir = tempfile::tempdir().expect("tempdir");
    let base = alternating_study(dir.path(), "base.json", 2, ("", "", 1.0));
    let head = alternating_study(dir.path(), "head.json", 2, ("wild", "incremental", 1.46));
    let out = run(&["diff", s(&base), s(&head)]);
    let (text, err) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{text}\n{err}");
    let row = text.lines().find(|l| l.starts_with("| wild | incremental")).expect("wild row");
    assert!(row.contains("**underpowered**") && !row.contains("regression"), "{row}");
    let warning = err.lines().find(|l| l.starts_with("warning: ") && l.contains("underpowered")).expect("warning");
    assert!(warning.contains("wild/incremental (2 and 2 samples, fewer than 3 a side; needs "), "{warning}");
    assert!(warning.contains("--allow-underpowered"), "{warning}");
    let json = run(&["diff", s(&base), s(&head), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json diff");
    let wild = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["configuration"] == "wild" && r["scenario"] == "incremental")
        .expect("wild row");
    assert!(wild["underpowered"]["runs_needed"].as_u64().is_some_and(|n| n >= 3), "{wild}");
    // Accepted on purpose, it passes, and still names the cell.
    let allowed = run(&["diff", s(&base), s(&head), "--allow-underpowered"]);
    assert_eq!(allowed.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&allowed.stderr).contains("wild/incremental"));
}

#[test]
fn diff_with_nothing_compared_fails_with_one_line_saying_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = edited_study(dir.path(), "empty.json", |v| {
        v["samples"].as_array_mut().expect("samples").clear();
    });
    let out = run(&["diff", s(&study_path()), s(&empty)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("nothing was compared: no configuration × scenario is measured in both studies"), "{err}");
}

#[test]
fn bad_studies_exit_2_and_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_json = dir.path().join("x.json");
    std::fs::write(&not_json, "<html>").expect("write");
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"hello\": 1}").expect("write");
    let future = dir.path().join("future.json");
    std::fs::write(&future, "{\"schema_version\": 99}").expect("write");
    for (path, expected) in [(&not_json, "not JSON"), (&other, "no schema_version"), (&future, "schema version 99")] {
        for args in [vec!["report", s(path)], vec!["diff", s(&study_path()), s(path)]] {
            let out = run(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(s(path)) && stderr.contains(expected), "{stderr}");
        }
    }
    let missing = run(&["report", s(&dir.path().join("nope.json"))]);
    assert_eq!(missing.status.code(), Some(2));
}

fn edited_study(dir: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(study_path()).expect("fixture")).expect("study");
    edit(&mut v);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    path
}

#[test]
fn the_gate_fails_when_the_new_study_failed_or_lacks_a_cell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = study_path();
    // Every build of the new study failed: not green.
    let failed = edited_study(dir.path(), "failed.json", |v| {
        for sample in v["samples"].as_array_mut().expect("samples") {
            sample["success"] = false.into();
        }
    });
    let out = run(&["diff", s(&base), s(&failed)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("**failed**") && text.contains("0 regression(s)"), "{text}");
    // A configuration missing from the new study.
    let missing = edited_study(dir.path(), "missing.json", |v| {
        let samples = v["samples"].as_array_mut().expect("samples");
        samples.retain(|s| s["configuration"] != "mold");
    });
    let out = run(&["diff", s(&base), s(&missing)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("**Missing** in the new study") && text.contains("mold/"), "{text}");
    // The same study against itself passes (its 3 noisy runs a cell accepted as they are).
    let out = run(&["diff", s(&base), s(&base), "--allow-underpowered"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_study_with_impossible_values_is_refused_not_rendered() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, value) in [("huge.json", serde_json::json!(1e200)), ("negative.json", serde_json::json!(-3.0))] {
        let bad = edited_study(dir.path(), name, |v| v["samples"][0]["wall_seconds"] = value);
        for args in [vec!["report", s(&bad), "--format", "html"], vec!["diff", s(&study_path()), s(&bad)]] {
            let out = run(&args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains("samples[0].wall_seconds") && err.contains(name), "{err}");
        }
    }
}

#[test]
fn a_report_is_never_written_over_its_own_study() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study.json");
    std::fs::copy(study_path(), &study).expect("copy");
    let before = std::fs::read(&study).expect("read");
    let out = run(&["report", s(&study), "-o", s(&study), "--format", "md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("this is the input"));
    // Also through the folder and through a symlink.
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&study, &link).expect("symlink");
    assert_eq!(run(&["report", s(dir.path()), "-o", s(&link), "--format", "md"]).status.code(), Some(2));
    assert_eq!(std::fs::read(&study).expect("read"), before);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_never_in_json() {
    let study = study_path();
    let claims = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/studies/example-claims-nightly.json");
    let always = run(&["report", s(&study), "--color", "always"]);
    let text = String::from_utf8_lossy(&always.stdout);
    // bfd is significantly slower on incremental builds: red (the cell, its significance mark
    // included, carries the tone; the padding stays plain, so the columns stay aligned).
    assert!(text.contains(" \u{1b}[31m0.48x [0.38x, 0.58x] *\u{1b}[0m  "), "{text}");
    let verdicts = String::from_utf8_lossy(&run(&["report", s(&claims), "--color", "always"]).stdout).into_owned();
    assert!(verdicts.contains(": \u{1b}[32mholds\u{1b}[0m"), "verdicts are coloured: {verdicts}");
    // Without colour the table is the same text, byte for byte.
    let plain = String::from_utf8_lossy(&run(&["report", s(&study), "--color", "never"]).stdout).into_owned();
    let stripped =
        text.replace("\u{1b}[31m", "").replace("\u{1b}[32m", "").replace("\u{1b}[33m", "").replace("\u{1b}[0m", "");
    assert_eq!(stripped, plain);
    // A pipe (this test's stdout) gets none by default, NO_COLOR wins over auto, JSON never.
    for args in [vec!["report", s(&study)], vec!["report", s(&study), "--format", "json", "--color", "always"]] {
        let out = run(&args);
        assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'), "{args:?}");
    }
    let no_color = Command::new(env!("CARGO_BIN_EXE_buildbench"))
        .args(["report", s(&study), "--color", "auto"])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&no_color.stdout).contains('\u{1b}'));
}

/// `history add` and `history show` without `--db` use the same file: the one in the folder
/// they run in.
#[test]
fn history_commands_share_one_default_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("studies/one/study.json");
    std::fs::create_dir_all(study.parent().expect("parent")).expect("mkdir");
    std::fs::copy(study_path(), &study).expect("copy");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    let history = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_buildbench"))
            .arg("history")
            .args(args)
            .current_dir(&work)
            .output()
            .expect("runs")
    };
    let add = history(&["add", s(&study), "--commit", "c1"]);
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    assert!(String::from_utf8_lossy(&add.stdout).contains("1 studies in buildbench-history.sqlite"), "{add:?}");
    assert!(work.join("buildbench-history.sqlite").is_file());
    let show = history(&["show"]);
    assert!(show.status.success(), "{}", String::from_utf8_lossy(&show.stderr));
    assert!(!String::from_utf8_lossy(&show.stdout).contains("no history"), "{show:?}");
    // A configuration the history does not have: named, with the ones it has.
    let nope = history(&["show", "--configuration", "nope"]);
    assert_eq!(nope.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&nope.stderr);
    assert!(stderr.contains("no series for this selection") && stderr.contains("default"), "{stderr}");
}
