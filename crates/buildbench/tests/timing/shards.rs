//! Shards on runners of different speed, for real: the example workspace measured with the
//! default linker and mold, once on a quiet machine and then as two shards, the second slowed
//! down on purpose by a CPU-burning process pinned to every core beside it. Shards as blocks
//! must give the speedup of the quiet machine; shards split by cell must show the distortion.
//!
//! In the timing binary: its tests take turns ([`alone`]), so no other test's builds share the
//! machine with these measurements (or suffer the burners).

use std::path::Path;
use std::process::{Child, Command};

use crate::alone;
use crate::support::*;

/// One busy loop pinned to each core while it lives.
struct Burners(Vec<Child>);

impl Burners {
    fn start() -> Burners {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Burners(
            (0..cores)
                .map(|core| {
                    Command::new("taskset")
                        .args(["-c", &core.to_string(), "sh", "-c", "while :; do :; done"])
                        .spawn()
                        .expect("taskset runs")
                })
                .collect(),
        )
    }
}

impl Drop for Burners {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `buildbench compare` of default against mold, incremental builds, with `extra` arguments.
fn compare(project: &Path, out: &Path, extra: &[&str]) {
    let args = Compare::new(project)
        .set("--out", s(out))
        .flag("--quiet")
        .set("--linker", "default,mold")
        .set("--scenario", "incremental")
        .set("--runs", "6")
        .set("--warmup", "1");
    let out = buildbench().args(args.args()).args(extra).output().expect("buildbench runs");
    assert!(out.status.success(), "{extra:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// mold's wall-time speedup over the default linker in a study: (speedup, interval).
fn mold(study: &Path) -> (f64, (f64, f64), serde_json::Value) {
    let out = buildbench().args(["report", s(study), "--format", "json"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json summary");
    let cell = summary["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["configuration"] == "mold")
        .cloned()
        .expect("a mold cell");
    let c = &cell["comparison"];
    let interval = (c["ci95"][0].as_f64().expect("low"), c["ci95"][1].as_f64().expect("high"));
    (c["speedup"].as_f64().expect("speedup"), interval, summary)
}

fn merge(studies: &[&Path], out: &Path) {
    let mut args = vec!["merge".to_owned()];
    args.extend(studies.iter().map(|p| s(p).to_owned()));
    args.extend(["-o".to_owned(), s(out).to_owned()]);
    let merged = buildbench().args(&args).output().expect("runs");
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
}

#[test]
fn blocks_keep_the_speedup_of_a_quiet_machine_when_one_runner_is_slowed() {
    if !has("mold") {
        return require_or_skip("mold", "mold is not installed");
    }
    if !has("taskset") {
        return require_or_skip("taskset", "taskset (util-linux) is not installed");
    }
    let _alone = alone();
    let dir = tempfile::tempdir().expect("tempdir");
    let project = fixture_project();
    let at = |name: &str| dir.path().join(name);

    compare(&project, &at("quiet"), &[]);
    compare(&project, &at("block-1"), &["--shard", "1/2"]);
    compare(&project, &at("cell-1"), &["--shard", "1/2", "--shard-by", "cell"]);
    {
        let _slow = Burners::start();
        compare(&project, &at("block-2"), &["--shard", "2/2"]);
        compare(&project, &at("cell-2"), &["--shard", "2/2", "--shard-by", "cell"]);
    }
    merge(&[&at("block-1"), &at("block-2")], &at("blocks.json"));
    merge(&[&at("cell-1"), &at("cell-2")], &at("cells.json"));

    let (quiet, quiet_ci, _) = mold(&at("quiet/study.json"));
    let (blocked, blocked_ci, summary) = mold(&at("blocks.json"));
    let (split, split_ci, _) = mold(&at("cells.json"));
    eprintln!(
        "quiet {quiet:.3} {quiet_ci:.3?}; blocks {blocked:.3} {blocked_ci:.3?}; split by cell {split:.3} {split_ci:.3?}; runners {}",
        summary["runners"]
    );
    // The slowed runner really was slower...
    let range = summary["runners"]["range"].as_f64().expect("the runner spread");
    assert!(range > 0.3, "the burners slowed the second runner by only {range}");
    // ...yet the pooled speedup agrees with the quiet machine's: the intervals overlap and the
    // estimates are within 25%, half of the distortion that splitting by cell shows (about 50%).
    // Each estimate has its own noise: a quiet study of 6 runs has been 0.91x [0.78x, 1.07x]
    // beside blocks at 1.02x, so a tighter bound fails on noise, not on pooling; docs/ci.md has
    // the measured figures.
    assert!(blocked_ci.0 <= quiet_ci.1 && quiet_ci.0 <= blocked_ci.1, "blocks {blocked_ci:?} vs quiet {quiet_ci:?}");
    assert!((blocked / quiet - 1.0).abs() < 0.25, "blocks {blocked} vs quiet {quiet}");
    // Split by cell, mold ran on the slowed runner only: its "speedup" is mostly the runners'
    // difference, far outside the quiet machine's interval, and the report says why.
    assert!(split < quiet_ci.0 * 0.8, "split by cell {split} vs quiet {quiet_ci:?}");
    assert!(split_ci.1 < quiet_ci.0, "split by cell {split_ci:?} vs quiet {quiet_ci:?}");
    let report = buildbench().args(["report", s(&at("cells.json"))]).output().expect("runs");
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains("includes the runners' difference"), "{text}");
}

#[test]
fn blocks_refuse_sampling_rules_that_need_every_sample() {
    // Quick, but it must not run beside the burners.
    let _alone = alone();
    let dir = tempfile::tempdir().expect("tempdir");
    let project = fixture_project();
    for extra in [&["--precision", "2%"][..], &["--until-verdict"][..]] {
        let args = Compare::quick(&project, &dir.path().join("out")).set("--shard", "1/2");
        let out = buildbench().args(args.args()).args(extra).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains("give a fixed --runs"), "{stderr}");
    }
    // --shard-by means nothing without --shard.
    let args = Compare::quick(&project, &dir.path().join("out")).set("--shard-by", "cell");
    let out = buildbench().args(args.args()).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--shard"));
    assert!(!dir.path().join("out").exists(), "nothing was measured");
}
