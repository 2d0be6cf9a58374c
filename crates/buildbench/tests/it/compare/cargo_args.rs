//! The user's own build: cargo arguments after `--`, cargo's `--profile`, parameter scans, a
//! buildbench.toml found by itself, and the arguments that are refused.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

fn study(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("study.json")).expect("study.json")).expect("json")
}

fn commands(study: &Value) -> Vec<String> {
    study["invocations"]
        .as_array()
        .expect("invocations")
        .iter()
        .filter_map(|i| i["command"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn features_and_a_custom_profile_reach_every_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    copy_dir(&root().join("fixtures/projects/features-profile"), &project);
    let out = dir.path().join("out");
    // The project builds only with --features x and --profile fastcheck (a custom profile that
    // inherits dev): every build of the study must have had both.
    let args = Compare::quick(&project, &out).set("--scenario", "clean,incremental,check-incremental").cargo(&[
        "--features",
        "x",
        "--profile",
        "fastcheck",
    ]);
    let output = run(&args.args());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let v = study(&out);
    assert_eq!(v["plan"]["cargo_args"], serde_json::json!(["--features", "x", "--profile", "fastcheck"]));
    let samples = v["samples"].as_array().expect("samples");
    // One measured sample per scenario; each edit-build scenario's first edit after a build from
    // nothing is a warm-up of its own (`--warmup 0`).
    assert_eq!(samples.iter().filter(|s| s["warmup"] == false).count(), 3, "{samples:?}");
    assert_eq!(samples.len(), 5, "{samples:?}");
    assert!(samples.iter().all(|s| s["success"] == true), "{samples:?}");
    for command in commands(&v) {
        assert!(command.contains("--features x --profile fastcheck"), "{command}");
    }
    // The edit landed in the binary the arguments build, and it was rebuilt.
    assert_eq!(v["plan"]["edit_file"], "src/main.rs");
    let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(report.contains("--features x --profile fastcheck"), "the report shows the cargo arguments");
    // cargo's --profile is cargo's: the same study through the flag.
    let out2 = dir.path().join("out2");
    let output = run(&Compare::quick(&project, &out2).set("--profile", "fastcheck").cargo(&["--features", "x"]).args());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_target_triple_gets_the_linker_settings_in_its_own_keys() {
    if !has("mold") {
        return require_or_skip("mold", "mold is not installed");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let out = dir.path().join("out");
    let host = String::from_utf8(std::process::Command::new("rustc").arg("-vV").output().expect("rustc").stdout)
        .expect("utf-8")
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("host");
    let output =
        run(&Compare::quick(&project, &out).set("--linker", "default,mold").cargo(&["--target", &host]).args());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let v = study(&out);
    let mold = commands(&v).into_iter().find(|c| c.contains("fuse-ld=mold")).expect("a mold build");
    assert!(mold.contains(&format!("target.{host}.linker=")), "{mold}");
    // The project sets no rustflags of its own: mold's go to the target's own key too.
    assert!(mold.contains(&format!("target.{host}.rustflags=")), "{mold}");
    assert!(mold.contains(&format!("--target {host}")), "{mold}");
    // And mold really linked the binary, in the target's own folder.
    let linked_by: Vec<String> = v["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .filter(|s| s["configuration"] == "mold")
        .flat_map(|s| s["artifacts"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a["linker"].as_str().map(str::to_owned))
        .collect();
    assert!(!linked_by.is_empty() && linked_by.iter().all(|l| l.contains("mold")), "{linked_by:?}");
}

#[test]
fn a_scan_measures_one_configuration_per_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let out = dir.path().join("out");
    let exports = dir.path().join("exports");
    std::fs::create_dir_all(&exports).expect("mkdir");
    let at = |f: &str| exports.join(f).display().to_string();
    let (json, md, csv, html) = (at("r.json"), at("r.md"), at("r.csv"), at("r.html"));
    let output = run(&Compare::quick(&project, &out)
        .set("--scan", "profile.dev.codegen-units=1,16,256")
        .set("--format", "json")
        .set("--export-json", &json)
        .set("--export-markdown", &md)
        .set("--export-csv", &csv)
        .set("--export-html", &html)
        .args());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // hyperfine's --export-* flags: every format where asked.
    let read = |f: &str| std::fs::read_to_string(f).expect("exported");
    assert!(read(&json).contains("\"schema_version\": 1") && read(&md).contains("codegen-units=16"));
    assert!(read(&csv).starts_with("configuration,") && read(&html).starts_with("<!DOCTYPE html>"));
    let v = study(&out);
    let names: Vec<&str> = v["plan"]["configurations"]
        .as_array()
        .expect("configurations")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["codegen-units=1", "codegen-units=16", "codegen-units=256"]);
    assert_eq!(v["plan"]["baseline"], "codegen-units=1");
    for value in ["1", "16", "256"] {
        let c = commands(&v);
        assert!(c.iter().any(|c| c.contains(&format!("--config profile.dev.codegen-units={value}"))), "{c:?}");
    }
    assert_eq!(v["samples"].as_array().map(|s| s.iter().filter(|s| s["success"] == true).count()), Some(3));
}

#[test]
fn a_buildbench_toml_in_the_project_is_found_unless_told_otherwise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    std::fs::create_dir_all(project.join(".config")).expect("mkdir");
    std::fs::write(
        project.join(".config/buildbench.toml"),
        "[[configuration]]\nname = \"mine\"\n\n[[configuration]]\nname = \"also-mine\"\npreset = \"fast-dev\"\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let output = run(&Compare::quick(&project, &out).flag("--dry-run").args());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("also-mine"), "{stdout}");
    let ignored = run(&Compare::quick(&project, &dir.path().join("out2")).flag("--dry-run").flag("--no-config").args());
    let stdout = String::from_utf8_lossy(&ignored.stdout);
    assert!(ignored.status.success() && !stdout.contains("also-mine"), "{stdout}");
}

#[test]
fn cargo_arguments_that_would_break_the_measurement_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    for (extra, expected) in [
        (&["--target-dir", "elsewhere"][..], "target directory of its own"),
        (&["--message-format=short"][..], "JSON messages"),
        (&["--config", "build.rustflags=[\"-Copt-level=1\"]"][..], "build.rustflags itself"),
        (&["--timings"][..], "already passes --timings"),
    ] {
        let out = run(&Compare::quick(&project, &dir.path().join("out")).cargo(extra).args());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
    // The old meaning of --profile is gone; its new meaning is cargo's, and the presets say so.
    let out = run(&Compare::quick(&project, &dir.path().join("out")).set("--preset", "release").args());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("--profile NAME or --release"), "{stderr}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn link_takes_the_same_cargo_arguments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    copy_dir(&root().join("fixtures/projects/features-profile"), &project);
    let before = tree(&project);
    let out = run(&[
        "link",
        s(&project),
        "--linker",
        "default,bfd",
        "--runs",
        "2",
        "--fresh",
        "--quiet",
        "--format",
        "json",
        "--",
        "--features",
        "x",
        "--profile",
        "fastcheck",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v.to_string().contains("tool-"), "the binary the arguments build was relinked: {v}");
    assert_eq!(tree(&project), before);
}
