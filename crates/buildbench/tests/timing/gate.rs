//! The pull-request gate for real: the example workspace in a git repository made here, base
//! against a head that changes a comment only (the gate must pass) and against a head that adds
//! about a third more compile-time work to the incremental build of the library crate (the gate
//! must fail and name the cell), both while a busy loop on every core slows the machine during
//! part of the study. Base and head take turns, so the slowdown hits both.
//!
//! The slow head adds a 40,000-element array produced by the workspace's own `squares!` proc
//! macro: macro expansion is never cached by incremental compilation, so every rebuild of the
//! library pays for it (about +30% on a 0.4 s incremental build here; the gate needs +5%).
//!
//! In the timing binary, whose tests take turns ([`alone`]), so no other test's builds share
//! the machine with these measurements.

use std::path::Path;
use std::process::{Child, Command};

use crate::alone;
use crate::support::*;

/// One busy loop pinned to each core, from `after` for `during`, on a thread of its own.
fn burn(after: std::time::Duration, during: std::time::Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut burners: Vec<Child> = (0..cores)
            .map(|core| {
                Command::new("taskset")
                    .args(["-c", &core.to_string(), "sh", "-c", "while :; do :; done"])
                    .spawn()
                    .expect("taskset runs")
            })
            .collect();
        std::thread::sleep(during);
        for b in &mut burners {
            let _ = b.kill();
            let _ = b.wait();
        }
    })
}

/// `compare --rev base=HEAD~1,head=HEAD --gate 5% --until-decided` on the library's incremental
/// build; returns the exit status and the gate's JSON.
fn run_gate(repo: &Path, out: &Path) -> (Option<i32>, serde_json::Value, String) {
    let args = Compare::new(repo)
        .set("--out", s(out))
        .flag("--quiet")
        .set("--rev", "base=HEAD~1,head=HEAD")
        .set("--linker", "default")
        .set("--scenario", "incremental")
        .set("--edit", "crates/core/src/lib.rs")
        .set("--runs", "5")
        .set("--max-runs", "20")
        .set("--warmup", "1")
        .set("--gate", "5%")
        .flag("--until-decided");
    let burner = burn(std::time::Duration::from_secs(4), std::time::Duration::from_secs(6));
    let output = buildbench().args(args.args()).output().expect("buildbench runs");
    burner.join().expect("burner");
    // The table on stdout ends with the verdict; stderr has the progress and notes.
    let stderr = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let json = std::fs::read(out.join("gate.json")).unwrap_or_else(|_| panic!("gate.json: {stderr}"));
    (output.status.code(), serde_json::from_slice(&json).expect("gate json"), stderr)
}

#[test]
fn the_gate_passes_a_comment_and_fails_real_compile_time_work_on_a_machine_slowed_mid_study() {
    if !has("taskset") {
        require_or_skip("taskset", "taskset is not installed (apt-get install -y util-linux)");
        return;
    }
    let _alone = alone();
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = git_project(dir.path());

    // (a) A comment only: the gate must not fail.
    commit_append(&repo, "crates/core/src/lib.rs", "// only a comment\n", "head: a comment");
    let (code, gate, stderr) = run_gate(&repo, &dir.path().join("comment"));
    let cell = &gate["cells"][0];
    assert_eq!(code, Some(0), "{stderr}\n{gate:#}");
    assert_ne!(cell["outcome"], "slower", "{gate:#}");
    assert!(cell["power"]["detectable"].as_f64().is_some(), "the power is stated: {gate:#}");
    println!("the comment-only head: {} with {} samples of each", cell["outcome"], cell["head_runs"]);

    // (b) About a third more work in the library's incremental rebuild: the gate must fail and
    // name the cell.
    git(&repo, &["reset", "-q", "--hard", "HEAD~1"]);
    commit_append(
        &repo,
        "crates/core/src/lib.rs",
        "pub const MORE: [u64; 40000] = example_macros::squares!(40000);\n",
        "head: more macro work",
    );
    let (code, gate, stderr) = run_gate(&repo, &dir.path().join("slow"));
    let cell = &gate["cells"][0];
    assert_eq!(code, Some(1), "{stderr}\n{gate:#}");
    assert_eq!(cell["outcome"], "slower", "{gate:#}");
    assert!(stderr.contains("slower by more than 5.0%: default / incremental"), "{stderr}");
    let ratio = cell["ratio"].as_f64().expect("ratio");
    assert!(ratio > 1.10, "{gate:#}");
    println!("the macro head: {ratio:.3}x base, {} samples of each", cell["head_runs"]);
}
