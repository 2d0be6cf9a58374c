//! A row measures the linker it names, whatever linker the project selects itself and wherever
//! it does so: each source cargo reads rustflags and linkers from, one by one, in a real build
//! of the example workspace that selects mold, compared with `default`, `lld` and (where
//! installed) `wild`. Every row's binaries must name the linker the row names (`default`: the
//! project's own), and the study must say where the project's own linker comes from.

use std::path::Path;

use crate::support::*;

const HOST: &str = "x86_64-unknown-linux-gnu";

/// One way to select mold: a name, the project's .cargo/config.toml, the environment, and
/// what the study must name as the source.
type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, &'a str);

/// The linkers compared, and whether wild is among them.
fn linkers() -> (&'static str, bool) {
    if has("wild") {
        ("default,lld,wild", true)
    } else {
        require_or_skip("wild", "wild is not installed (cargo install wild-linker --version 0.10.0 --locked)");
        ("default,lld", false)
    }
}

/// Runs the study with `env` and returns it.
fn study(project: &Path, out: &Path, env: &[(&str, &str)]) -> serde_json::Value {
    let (list, _) = linkers();
    let args = Compare::quick(project, out).set("--linker", list);
    let mut command = buildbench();
    command.args(args.args());
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&std::fs::read(out.join("study.json")).expect("study")).expect("json")
}

/// Every measured sample's final binaries were linked by the linker its row names.
fn rows_are_true(study: &serde_json::Value, case: &str) {
    let (_, wild) = linkers();
    let expected = |configuration: &str| match configuration {
        "default" => "mold",
        "lld" => "lld",
        "wild" => "wild",
        other => panic!("{other}"),
    };
    let mut seen = Vec::new();
    for sample in study["samples"].as_array().expect("samples") {
        let configuration = sample["configuration"].as_str().expect("name");
        assert_eq!(sample["success"], true, "{case}: {configuration}: {}", sample["stderr_tail"]);
        for artifact in sample["artifacts"].as_array().expect("artifacts") {
            let linker = artifact["linker"].as_str().expect("linker").to_lowercase();
            assert!(linker.contains(expected(configuration)), "{case}: {configuration} linked by {linker}");
        }
        seen.push(configuration.to_owned());
    }
    assert!(seen.iter().any(|c| c == "lld") && (!wild || seen.iter().any(|c| c == "wild")), "{case}: {seen:?}");
}

#[test]
fn every_row_is_linked_by_the_linker_it_names_whatever_the_project_selects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mold = r#"["-C", "link-arg=-fuse-ld=mold"]"#;
    let cases: Vec<Case> = vec![
        (
            "target.<host>.rustflags",
            format!("[target.{HOST}]\nrustflags = {mold}\n"),
            vec![],
            "target.x86_64-unknown-linux-gnu.rustflags",
        ),
        ("build.rustflags", format!("[build]\nrustflags = {mold}\n"), vec![], "build.rustflags"),
        ("target.'cfg(unix)'.rustflags", format!("[target.'cfg(unix)']\nrustflags = {mold}\n"), vec![], "cfg(unix)"),
        (
            // A table for another platform is not where cargo looks on this one (zoxide has one).
            "build.rustflags beside a Windows-only cfg table",
            format!(
                "[build]\nrustflags = {mold}\n\n[target.'cfg(all(windows, target_env = \"msvc\"))']\n\
                 rustflags = [\"-Ctarget-feature=+crt-static\"]\n"
            ),
            vec![],
            "build.rustflags",
        ),
        (
            "target.<host>.linker with its rustflags",
            format!("[target.{HOST}]\nlinker = \"clang\"\nrustflags = {mold}\n"),
            vec![],
            "target.x86_64-unknown-linux-gnu.rustflags",
        ),
        ("RUSTFLAGS", String::new(), vec![("RUSTFLAGS", "-C link-arg=-fuse-ld=mold")], "RUSTFLAGS"),
        (
            "CARGO_ENCODED_RUSTFLAGS",
            String::new(),
            vec![("CARGO_ENCODED_RUSTFLAGS", "-C\u{1f}link-arg=-fuse-ld=mold")],
            "CARGO_ENCODED_RUSTFLAGS",
        ),
        (
            "CARGO_TARGET_<HOST>_LINKER with RUSTFLAGS",
            String::new(),
            vec![("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER", "clang"), ("RUSTFLAGS", "-Clink-args=-fuse-ld=mold")],
            "RUSTFLAGS",
        ),
    ];
    for (i, (case, config, env, source)) in cases.iter().enumerate() {
        let case_dir = dir.path().join(format!("case-{i}"));
        let project = project_copy(&case_dir);
        if !config.is_empty() {
            std::fs::create_dir_all(project.join(".cargo")).expect("mkdir");
            std::fs::write(project.join(".cargo/config.toml"), config).expect("write");
        }
        let study = study(&project, &case_dir.join("out"), env);
        rows_are_true(&study, case);
        let own = &study["own_linker"];
        assert_eq!(own["linker"], "mold", "{case}: {own}");
        assert!(own["source"].as_str().is_some_and(|s| s.contains(source)), "{case}: {own}");
    }

    // A config file up the tree (the parent folder's .cargo/config.toml) counts too, and its
    // file is named.
    let parent = dir.path().join("up");
    let project = project_copy(&parent);
    std::fs::create_dir_all(parent.join(".cargo")).expect("mkdir");
    std::fs::write(parent.join(".cargo/config.toml"), format!("[target.{HOST}]\nrustflags = {mold}\n")).expect("write");
    let study = study(&project, &parent.join("out"), &[]);
    rows_are_true(&study, "a config file up the tree");
    let source = study["own_linker"]["source"].as_str().expect("source").to_owned();
    assert!(source.contains(&parent.join(".cargo/config.toml").display().to_string()), "{source}");
    let md = std::fs::read_to_string(parent.join("out/report.md")).expect("report.md");
    assert!(md.contains("the project's own, mold") && md.contains("linked by"), "{md}");
}
