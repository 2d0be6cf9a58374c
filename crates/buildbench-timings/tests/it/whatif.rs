//! The what-if replay on every real report in `fixtures/timings`: replayed with the job slots
//! the build had, the unit graph must reproduce the build's own wall time, which checks the
//! reconstruction of the graph and of cargo's queue.

use std::path::PathBuf;

use buildbench_timings::whatif::{Graph, Scale};

fn fixtures() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/timings");
    let mut out = Vec::new();
    for version in std::fs::read_dir(&root).expect("fixtures/timings") {
        for file in std::fs::read_dir(version.expect("entry").path()).expect("version folder") {
            out.push(file.expect("entry").path());
        }
    }
    out.sort();
    out
}

#[test]
fn replaying_a_build_with_its_own_job_slots_reproduces_its_wall_time_within_5_percent() {
    let mut checked = 0;
    let mut report = Vec::new();
    for path in fixtures() {
        let name = path.display().to_string();
        let Ok(parsed) = buildbench_timings::parse(&std::fs::read(&path).expect("read")) else { continue };
        let build = parsed.build;
        // A replay needs a schedule (start times) and enough work for 5% to mean something.
        let Ok(graph) = Graph::from_build(&build) else { continue };
        let Some(recorded) = graph.recorded else { continue };
        let Some(jobs) = build.jobs else { continue };
        if recorded < 1.0 || build.error.is_some() {
            continue;
        }
        let predicted = graph.simulate(Some(jobs), &Scale::default()).expect("replay").seconds;
        let error = predicted / recorded - 1.0;
        report.push(format!("{name}: recorded {recorded:.2}s, replayed {predicted:.2}s ({:+.1}%)", error * 100.0));
        assert!(error.abs() <= 0.05, "{}", report.join("\n"));
        checked += 1;
    }
    eprintln!("{}", report.join("\n"));
    assert!(checked >= 8, "only {checked} fixtures replayed:\n{}", report.join("\n"));
}
