//! The history on real builds: the example workspace in a git repository made here, five
//! commits, one of which adds a slow-to-compile constant to `example-core`; each commit is
//! measured with `compare` and added to the history. The trend page must mark that commit and
//! name the crate. In the timing binary, whose tests take turns ([`alone`]), so no other
//! test's builds share the machine.

use std::path::Path;
use std::process::Command;

use crate::alone;
use crate::support::*;

fn git(project: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.email=t@example.invalid", "-c", "user.name=t"])
        .args(args)
        .current_dir(project)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

const SLOW: &str = "\n/// Evaluated while compiling: a slow crate on purpose.\n#[allow(long_running_const_eval)]\npub const SLOW: u64 = {\n    let mut i = 0u64;\n    let mut s = 0u64;\n    while i < 1_500_000 {\n        s = s.wrapping_add(i.wrapping_mul(i));\n        i += 1;\n    }\n    s\n};\n";

#[test]
fn the_trend_marks_the_commit_that_slowed_the_build_and_names_the_crate() {
    let _alone = alone();
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let db = dir.path().join("history.sqlite");
    git(&project, &["init", "-q"]);
    let mut slow_commit = String::new();
    for i in 0..5 {
        let lib = project.join("crates/core/src/lib.rs");
        let mut text = std::fs::read_to_string(&lib).expect("lib.rs");
        text.push_str(&format!("\n/// Commit {i}.\npub const COMMIT_{i}: u32 = {i};\n"));
        if i == 2 {
            text.push_str(SLOW);
        }
        std::fs::write(&lib, text).expect("write");
        git(&project, &["add", "-A"]);
        git(&project, &["commit", "-q", "-m", &format!("commit {i}")]);
        let sha = git(&project, &["rev-parse", "HEAD"]);
        if i == 2 {
            slow_commit = sha.clone();
        }
        let out = dir.path().join(format!("out-{i}"));
        let compare =
            buildbench().args(Compare::quick(&project, &out).set("--runs", "3").args()).output().expect("compare runs");
        assert!(compare.status.success(), "{}", String::from_utf8_lossy(&compare.stderr));
        let add = buildbench().args(["history", "add", s(&out), "--db", s(&db)]).output().expect("runs");
        let said = String::from_utf8_lossy(&add.stdout);
        assert!(add.status.success() && said.contains(&sha[..12]), "the commit is read from the project: {said}");
    }
    let shown = buildbench()
        .args(["history", "show", "--db", s(&db), "--scenario", "clean", "--format", "json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    let series = &v["series"][0];
    assert_eq!(series["series"]["points"].as_array().map(Vec::len), Some(5));
    let changes = series["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{changes:?} in {}", series["series"]["points"]);
    assert_eq!(changes[0]["point"]["index"], 2);
    assert_eq!(changes[0]["commit"].as_str(), Some(slow_commit.as_str()));
    assert!(changes[0]["units"][0][0].as_str().is_some_and(|u| u.starts_with("example-core")), "{changes:?}");

    let html = dir.path().join("trend.html");
    let report = buildbench()
        .args(["history", "report", "--db", s(&db), "-o", s(&html), "--commit-url", "https://example.invalid/c/{}"])
        .output()
        .expect("runs");
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    let page = std::fs::read_to_string(&html).expect("page");
    assert!(page.contains(&format!("https://example.invalid/c/{slow_commit}")), "the change links its commit");
    assert!(page.contains("example-core") && page.contains("<svg"));
}
