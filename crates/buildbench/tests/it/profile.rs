//! `buildbench profile` on the example workspace with a real nightly: its own derive found
//! among the macros, every crate's activities, the verdicts, the outputs; the project only
//! read; a toolchain that is not nightly refused with the way to get one.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

#[test]
fn profiles_the_example_and_finds_its_own_derive() {
    if !nightly() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let before = tree(&project);
    let html = dir.path().join("profile.html");
    let md = dir.path().join("profile.md");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp");
    let out = {
        let _shared = MACHINE.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        buildbench()
            .args(["profile", s(&project), "--scenario", "clean,incremental", "--format", "json", "-q", "-o", s(&html)])
            .env("TMPDIR", &tmp)
            .output()
            .expect("buildbench runs")
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(tree(&project), before, "the project is only read");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(String::from_utf8_lossy(&out.stdout).matches("schema_version").count(), 1);
    assert!(report["toolchain"].as_str().unwrap_or("").contains("nightly"));
    let builds = report["builds"].as_array().expect("builds");
    assert_eq!(builds.len(), 2);
    let clean = &builds[0];
    assert_eq!(clean["scenario"], "clean");
    // Every crate of the workspace, named by its package, with frontend and codegen time.
    let crates = clean["crates"].as_array().expect("crates");
    let names: Vec<&str> = crates.iter().filter_map(|c| c["package"].as_str()).collect();
    for want in ["example-core", "example-macros", "example-app"] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    let core = crates.iter().find(|c| c["package"] == "example-core" && c["kind"] == "lib").expect("core");
    assert_eq!(core["dependency"], false);
    assert!(core["activities"]["type-checking"].as_f64().unwrap_or(0.0) > 0.0, "{core}");
    assert!(core["activities"]["codegen"].as_f64().unwrap_or(0.0) > 0.0, "{core}");
    assert!(core["proc_macro_seconds"].as_f64().unwrap_or(0.0) > 0.0, "{core}");
    // The fixture's derive and its function-like macro are the costliest macros: the derive is
    // expanded seven times (six shapes in example-core, one struct in example-app).
    let macros = clean["macros"].as_array().expect("macros");
    let derive = macros.iter().find(|m| m["name"].as_str().is_some_and(|n| n.contains("Fields"))).expect("Fields");
    assert_eq!(derive["kind"], "derive");
    assert_eq!(derive["expansions"], 7, "{derive}");
    assert_eq!(derive["crates"].as_array().map(Vec::len), Some(2), "{derive}");
    assert!(macros.iter().take(2).any(|m| m["name"].as_str().is_some_and(|n| n.contains("Fields"))), "{macros:?}");
    assert!(macros.iter().any(|m| m["name"].as_str().is_some_and(|n| n.contains("squares!"))), "{macros:?}");
    assert!(clean["queries"].as_array().is_some_and(|q| !q.is_empty()));
    // The same build without the profiler was measured, never mixed with the profiled one.
    let plain = clean["plain_seconds"].as_f64().expect("plain build measured");
    let wall = clean["wall_seconds"].as_f64().expect("wall");
    assert!(plain > 0.0 && wall > 0.0 && (plain - wall).abs() > 0.0);
    // The rebuild after an edit recompiled the binary only.
    let incremental = &builds[1];
    assert_eq!(incremental["scenario"], "incremental");
    let rebuilt: Vec<&str> =
        incremental["crates"].as_array().expect("crates").iter().filter_map(|c| c["package"].as_str()).collect();
    assert_eq!(rebuilt, ["example-app"], "only the edited crate");
    // Three verdicts, each with its threshold; no dependencies here, so "fewer dependencies"
    // does not hold.
    let verdicts = report["verdicts"].as_array().expect("verdicts");
    let ids: Vec<&str> = verdicts.iter().filter_map(|v| v["id"].as_str()).collect();
    assert_eq!(ids, ["proc-macros-expensive", "fewer-dependencies", "smaller-crates"]);
    assert!(verdicts.iter().all(|v| v["detail"].as_str().unwrap_or("").contains("threshold")));
    assert_eq!(verdicts[1]["verdict"], "does-not-hold", "{}", verdicts[1]);
    assert!(
        verdicts[0]["detail"].as_str().unwrap_or("").contains("compiling the 1 proc-macro crate themselves took"),
        "{}",
        verdicts[0]
    );
    assert_ne!(verdicts[2]["verdict"], "not-measured", "the unit graph gives the split: {}", verdicts[2]);
    // The HTML section: a stacked bar per crate and the macro table.
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.contains("<svg") && page.contains("example-core") && page.contains("Costliest proc macros"));
    assert!(page.contains("#[derive(example_macros::Fields)]"));
    // The copy, the target folders and the profiles were in buildbench's own temporary
    // folder, which is gone.
    assert_eq!(std::fs::read_dir(&tmp).expect("tmp").count(), 0, "nothing left in TMPDIR");
    // A study's report gets the profile's section: from the study folder's profile.json.
    let study = dir.path().join("study");
    std::fs::create_dir(&study).expect("mkdir");
    std::fs::copy(root().join("fixtures/studies/example-claims-nightly.json"), study.join("study.json")).expect("copy");
    std::fs::write(study.join("profile.json"), &out.stdout).expect("write");
    let report_html = dir.path().join("report.html");
    let out_report = run(&["report", s(&study), "-o", s(&report_html)]);
    assert!(out_report.status.success(), "{}", String::from_utf8_lossy(&out_report.stderr));
    let page = std::fs::read_to_string(&report_html).expect("report");
    assert!(page.contains("buildbench study of") && page.contains("Where rustc&#39;s time goes"));
    assert!(page.contains("#[derive(example_macros::Fields)]") && page.trim_end().ends_with("</html>"));
    let report_md = run(&[
        "report",
        s(&study.join("study.json")),
        "--self-profile",
        s(&study.join("profile.json")),
        "--format",
        "md",
    ]);
    assert!(String::from_utf8_lossy(&report_md.stdout).contains("### The guide's frontend advice"));
    // A kept --work folder is read back with --from: the same crates and macros, nothing built.
    let work = dir.path().join("work");
    let kept = run(&["profile", s(&project), "-q", "--no-plain", "--work", s(&work), "--format", "json"]);
    assert!(kept.status.success(), "{}", String::from_utf8_lossy(&kept.stderr));
    let again = run(&["profile", "--from", s(&work), s(&project), "--format", "json", "-q"]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let (kept, again): (Value, Value) =
        (serde_json::from_slice(&kept.stdout).expect("json"), serde_json::from_slice(&again.stdout).expect("json"));
    assert_eq!(kept["builds"][0]["crates"], again["builds"][0]["crates"]);
    assert_eq!(kept["builds"][0]["macros"], again["builds"][0]["macros"]);
    // Markdown and the terminal table say the same.
    let out = run(&["profile", s(&project), "-q", "--no-plain", "-o", s(&md)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("#[derive(example_macros::Fields)]"), "{text}");
    assert!(text.contains("not measured without it"), "{text}");
    assert!(!text.contains("CPU time"), "no plain build, no CPU comparison: {text}");
    assert!(std::fs::read_to_string(&md).expect("md").contains("| example-core"));
    assert_eq!(tree(&project), before);
}

#[test]
fn a_toolchain_that_is_not_nightly_is_refused_with_the_way_to_get_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let out = run(&["profile", s(&project), "--toolchain", "stable", "-q"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nightly") && err.contains("rustup toolchain install nightly"), "{err}");
    let out = run(&["profile", s(&project), "--toolchain", "no-such-toolchain-here", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rustup toolchain install nightly"));
    let out = run(&["profile", s(dir.path()), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a cargo project"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn from_reads_profiles_written_elsewhere_without_building() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = dir.path().join("profiles");
    std::fs::create_dir(&profiles).expect("mkdir");
    let fixture = root().join("fixtures/selfprofile/example_app-0017112.mm_profdata");
    std::fs::copy(&fixture, profiles.join("example_app-0017112.mm_profdata")).expect("copy");
    // A damaged file beside it is a warning naming it; the good one is still read.
    std::fs::write(profiles.join("broken-1.mm_profdata"), b"MMPD not really").expect("write");
    let out = run(&["profile", "--from", s(&profiles), s(&fixture_project()), "--format", "json", "-q"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let build = &report["builds"][0];
    assert_eq!(build["span_only"], true);
    assert!(build["wall_seconds"].as_f64().is_some_and(|w| w > 0.0 && w < 10.0), "{}", build["wall_seconds"]);
    // The project names the crate's package; the fixture's derive is found.
    assert_eq!(build["crates"][0]["package"], "example-app");
    assert_eq!(build["macros"][0]["name"], "#[derive(example_macros::Fields)]");
    assert!(report["warnings"][0].as_str().is_some_and(|w| w.contains("broken-1.mm_profdata")), "{report}");
    let smaller = &report["verdicts"][2];
    assert_eq!(smaller["verdict"], "not-measured");
    assert!(smaller["detail"].as_str().unwrap_or("").contains("--from"), "{smaller}");
    let text = run(&["profile", "--from", s(&profiles), s(dir.path()), "-q"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("nothing was built"));
    // Only damaged files, or none: an error that names the folder.
    std::fs::remove_file(profiles.join("example_app-0017112.mm_profdata")).expect("rm");
    let out = run(&["profile", "--from", s(&profiles), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken-1.mm_profdata"));
    let out = run(&["profile", "--from", s(&dir.path().join("nowhere")), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".mm_profdata"));
}

#[test]
fn a_profile_that_is_not_one_is_named_with_the_way_to_write_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    std::fs::create_dir(&study).expect("mkdir");
    std::fs::copy(root().join("fixtures/studies/example-claims-nightly.json"), study.join("study.json")).expect("copy");
    for (content, says) in [
        ("not json", "not JSON"),
        ("{\"schema_version\": 99}", "schema_version Some(99)"),
        ("{\"schema_version\": 1, \"builds\": 3}", "not a `buildbench profile` result"),
    ] {
        std::fs::write(study.join("profile.json"), content).expect("write");
        let out = run(&["report", s(&study), "--format", "html"]);
        assert_eq!(out.status.code(), Some(2), "{content}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("profile.json") && err.contains(says), "{content}: {err}");
    }
}

#[test]
fn a_build_that_fails_is_an_error_and_the_project_is_untouched() {
    if !nightly() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let lib = project.join("crates/core/src/lib.rs");
    let mut text = std::fs::read_to_string(&lib).expect("lib");
    text.push_str("\npub fn broken() -> u32 { \"not a number\" }\n");
    std::fs::write(&lib, text).expect("write");
    let before = tree(&project);
    let out = run(&["profile", s(&project), "-q", "--no-plain"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cargo") && err.contains("mismatched types"), "{err}");
    assert_eq!(tree(&project), before);
}

#[test]
fn sigint_and_sigkill_leave_the_project_as_it_was_and_nothing_behind() {
    if !nightly() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let before = tree(&project);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp");
    let entries = || std::fs::read_dir(&tmp).expect("tmp").count();
    for kill in [false, true] {
        let mut child = buildbench()
            .env("TMPDIR", &tmp)
            .args(["profile", s(&project), "-q", "--scenario", "clean,incremental"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        // Wait until a build runs in buildbench's folder.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !processes_mentioning(&tmp).iter().any(|p| p.contains("rustc")) {
            assert!(Instant::now() < deadline, "no build started");
            std::thread::sleep(Duration::from_millis(5));
        }
        if kill {
            child.kill().expect("SIGKILL");
            child.wait().expect("wait");
        } else {
            interrupt(&child);
            assert_eq!(child.wait().expect("wait").code(), Some(130), "an interrupted profile exits 130");
        }
        assert_no_process_left(&tmp);
        let deadline = Instant::now() + Duration::from_secs(15);
        while entries() > 0 {
            assert!(Instant::now() < deadline, "left in TMPDIR after {}", if kill { "SIGKILL" } else { "SIGINT" });
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(tree(&project), before, "the project is only read");
    }
}
