//! Completing an HTML report's unit graph from `cargo metadata`, on a real report: hyperfine
//! 1.20.0's clean debug build with cargo 1.95 at `-j2` (fixtures/timings/1.95), with the
//! `cargo metadata --locked` of the same checkout (fixtures/metadata, package ids shortened to
//! `name@version`).

use std::path::PathBuf;

use buildbench_timings::whatif::Graph;
use buildbench_timings::{Edges, PackageGraph, Parsed, analyze, parse};

fn fixture(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn report() -> Parsed {
    parse(&fixture("timings/1.95/hyperfine-1.20.0-clean.html")).expect("present")
}

fn metadata() -> PackageGraph {
    PackageGraph::from_metadata(std::str::from_utf8(&fixture("metadata/hyperfine-1.20.0.json")).expect("present"))
        .expect("present")
}

fn chain(parsed: &Parsed) -> (f64, Vec<String>) {
    let a = analyze(&parsed.build, 0);
    let cp = a.critical_path.expect("present");
    (cp.seconds, cp.units.iter().map(|&i| parsed.build.units[i].label()).collect())
}

#[test]
fn the_completed_graph_finds_the_chain_through_serde_derive_that_the_report_alone_misses() {
    let partial = report();
    assert_eq!(partial.build.edges(), Edges::Partial);
    let (partial_seconds, partial_chain) = chain(&partial);
    // The report alone: serde (unit 91) released nothing, because serde_json and the binary
    // were released by other dependencies that finished later in the 2-job schedule. The
    // partial graph keeps it connected to the binary that started after it (40.88 s), but
    // cannot know that serde_json waited for its metadata.
    assert!((partial_seconds - 40.88).abs() < 0.02, "{partial_seconds} {partial_chain:?}");
    assert_eq!(partial_chain.last().map(String::as_str), Some("hyperfine v1.20.0 (bin \"hyperfine\")"));
    assert!(!partial_chain.iter().any(|l| l.starts_with("serde_json")), "{partial_chain:?}");

    let mut completed = report();
    let graph = metadata();
    assert!(graph.describes(&completed.build.units));
    let done = completed.build.complete(&graph).clone();
    assert!(done.added > 50, "{done:?}");
    assert_eq!(done.unknown_units, 0, "{done:?}");
    assert_eq!(completed.build.edges(), Edges::Completed);
    let (seconds, labels) = chain(&completed);
    // Worked out by hand from the report's durations and frontend sections: hyperfine's
    // binary links serde_json (a normal dependency), which needs serde's metadata; serde waits
    // for its derive macro whole (a proc-macro runs, it is not pipelined); serde_derive for syn
    // whole; syn for quote's metadata, quote for proc-macro2's, proc-macro2 for its build
    // script's run, which waits for the script's compilation:
    //   0.48 (proc-macro2 build script) + 0.33 (its run) + 1.32 (proc-macro2 frontend)
    //   + 0.42 (quote frontend) + 13.18 (syn) + 17.43 (serde_derive) + 2.33 (serde frontend)
    //   + 3.09 (serde_json) + 5.05 (the binary) = 43.63 s.
    assert_eq!(
        labels,
        [
            "proc-macro2 v1.0.103 (build-script)",
            "proc-macro2 v1.0.103 (build-script run)",
            "proc-macro2 v1.0.103",
            "quote v1.0.42",
            "syn v2.0.110",
            "serde_derive v1.0.228 (proc-macro)",
            "serde v1.0.228",
            "serde_json v1.0.145",
            "hyperfine v1.20.0 (bin \"hyperfine\")",
        ]
    );
    assert!((seconds - 43.63).abs() < 0.02, "{seconds}");
    // Longer than the longest chain a reader can follow through the report's own edges
    // (proc-macro2 … syn → serde_derive → serde: 35.8 s), and no longer than the build took.
    assert!(seconds > 35.8 && seconds < completed.build.total_seconds.expect("present"));

    // `whatif` reports the same chain over the same graph, and its floor is that chain plus
    // cargo's start-up and wind-down.
    let g = Graph::from_build(&completed.build).expect("present");
    assert!(g.complete_edges);
    let curve = g.curve(&[1, 2], &Default::default()).expect("present");
    assert_eq!(curve.chain, labels);
    assert!((curve.critical_seconds - seconds).abs() < 1e-9);
    assert!(curve.floor >= seconds && curve.floor - seconds < 1.0, "{}", curve.floor);
    // The replay of the recorded 2 jobs still gives the build's own time.
    let replayed = curve.points[1].1;
    let recorded = completed.build.total_seconds.expect("present");
    assert!((replayed / recorded - 1.0).abs() < 0.05, "{replayed} vs {recorded}");
}

#[test]
fn no_added_edge_contradicts_the_recorded_schedule() {
    let mut parsed = report();
    parsed.build.complete(&metadata());
    let by_id: std::collections::HashMap<u64, &buildbench_timings::Unit> =
        parsed.build.units.iter().filter_map(|u| Some((u.id?, u))).collect();
    for unit in &parsed.build.units {
        for d in &unit.dependencies {
            let dep = by_id[d];
            // A dependency released its dependent no later than the dependent started (the
            // report rounds to 10 ms); at the latest its end.
            let released = dep.start.expect("present")
                + dep.sections.first().and_then(|s| s.end).unwrap_or(dep.duration.expect("present"));
            assert!(
                released.min(dep.end().expect("present")) <= unit.start.expect("present") + 0.015,
                "{} waits for {}",
                unit.label(),
                dep.label()
            );
        }
    }
}

#[test]
fn metadata_of_another_project_is_not_taken_for_this_one() {
    let ripgrep = parse(&fixture("timings/1.95/ripgrep-14.1.1-clean.html")).expect("present");
    assert!(!metadata().describes(&ripgrep.build.units));
    for bad in ["", "{}", "{\"packages\": []}", "not json"] {
        assert!(
            PackageGraph::from_metadata(bad).is_err() || PackageGraph::from_metadata(bad).expect("present").is_empty(),
            "{bad}"
        );
    }
    // Metadata without `resolve` (`--no-deps`) cannot complete anything: it is refused.
    let err = PackageGraph::from_metadata(r#"{"packages": [], "resolve": null}"#).expect_err("refused");
    assert!(err.contains("--no-deps"), "{err}");
}
