//! The reader against a real self-profile (the example workspace's binary, which uses the
//! workspace's own `#[derive(Fields)]`, profiled by nightly 1.101), checked against what
//! measureme's own `summarize` tool computed from the same file
//! (`fixtures/selfprofile/example_app.summarize.json`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use buildbench_model::Scenario;
use buildbench_model::profile::{Activity, CrateKind, MacroKind};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/selfprofile")
}

fn fixture() -> PathBuf {
    fixtures().join("example_app-0017112.mm_profdata")
}

#[derive(serde::Deserialize)]
struct Expected {
    labels: BTreeMap<String, Label>,
}

#[derive(serde::Deserialize)]
struct Label {
    self_ns: u64,
    count: u64,
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(fixtures().join("example_app.summarize.json")).expect("the summarize output");
    serde_json::from_str(&text).expect("summarize JSON")
}

fn packages() -> Vec<(String, String)> {
    vec![("crates/app/src/main.rs".to_owned(), "example-app".to_owned())]
}

#[test]
fn self_time_per_label_agrees_with_measuremes_summarize() {
    let run = buildbench_selfprofile::read_file(&fixture(), &packages()).unwrap().unwrap();
    let mut expected = expected();
    // The profiler's own activity is left out: a build without the profiler does not have it.
    expected.labels.retain(|l, _| !l.starts_with(buildbench_selfprofile::PROFILER_OWN));
    let mine: BTreeMap<&str, _> = run.labels.iter().map(|(l, t)| (l.as_str(), t)).collect();
    assert_eq!(mine.len(), expected.labels.len(), "the same labels");
    for (label, want) in &expected.labels {
        let got = mine.get(label.as_str()).unwrap_or_else(|| panic!("{label} missing"));
        assert_eq!(got.count, want.count, "{label}: count");
        let tolerance = (want.self_ns / 100).max(1_000);
        assert!(
            got.self_ns.abs_diff(want.self_ns) <= tolerance,
            "{label}: {} ns, summarize {} ns",
            got.self_ns,
            want.self_ns
        );
    }
    // Every nanosecond of self time lands in exactly one activity.
    let activities: f64 = run.profile.activities.values().sum();
    let labels: u64 = expected.labels.values().map(|l| l.self_ns).sum();
    assert!((activities - labels as f64 / 1e9).abs() < 1e-4, "{activities} s against {labels} ns");
}

#[test]
fn the_crate_its_activities_and_its_derive() {
    let run = buildbench_selfprofile::read_file(&fixture(), &packages()).unwrap().unwrap();
    let p = &run.profile;
    assert_eq!(
        (p.name.as_str(), p.kind, p.package.as_deref(), p.dependency),
        ("example_app", CrateKind::Bin, Some("example-app"), false)
    );
    let expected = expected();
    let self_ns = |l: &str| expected.labels.get(l).map_or(0, |x| x.self_ns) as f64 / 1e9;
    // Activities are at least the self time of the labels that start them.
    assert!(p.seconds(Activity::TypeChecking) >= self_ns("typeck_root") + self_ns("type_check_crate") - 1e-9);
    assert!(p.seconds(Activity::BorrowChecking) >= self_ns("mir_borrowck") - 1e-9);
    assert!(p.seconds(Activity::Link) >= self_ns("run_linker") + self_ns("link_binary") - 1e-9);
    assert!(p.seconds(Activity::Codegen) >= self_ns("LLVM_passes") + self_ns("codegen_crate") - 1e-9);
    assert!(p.seconds(Activity::Codegen) + p.seconds(Activity::Link) < p.total(), "some frontend time");
    // LLVM's share of codegen and the codegen units, from summarize's rows.
    let llvm: f64 =
        expected.labels.iter().filter(|(l, _)| l.starts_with("LLVM_")).map(|(_, x)| x.self_ns as f64 / 1e9).sum();
    assert!(
        (p.llvm_seconds - llvm).abs() < 1e-4 && p.llvm_seconds < p.seconds(Activity::Codegen),
        "{}",
        p.llvm_seconds
    );
    assert_eq!(u64::from(p.codegen_units), expected.labels["codegen_module"].count);
    // One derive expansion, timed by its outer event: summarize's self times of the outer event
    // and of the proc-macro call inside it.
    let want = self_ns("expand_derive_proc_macro_outer") + self_ns("expand_proc_macro");
    assert_eq!(run.macros.len(), 1, "{:?}", run.macros);
    let (name, m) = &run.macros[0];
    assert_eq!((name.as_str(), m.expansions), ("#[derive(example_macros::Fields)]", 1));
    assert!((m.ns as f64 / 1e9 - want).abs() < 2e-6, "{} ns against {want} s", m.ns);
    assert!((p.proc_macro_seconds - want).abs() < 2e-6);

    let build = buildbench_selfprofile::Reading { runs: vec![run], warnings: Vec::new() }.into_build(
        Scenario::Clean,
        1.0,
        Some(0.9),
    );
    assert_eq!(build.macros[0].kind, MacroKind::Derive);
    assert_eq!(build.macros[0].crates, ["example-app"]);
    assert_eq!(build.queries[0].label, "run_linker", "summarize's first row");
    assert!(build.queries.windows(2).all(|w| w[0].self_seconds >= w[1].self_seconds));
}

#[test]
fn damaged_files_are_errors_that_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture()).unwrap();
    let cases: [(&str, Vec<u8>); 4] = [
        ("truncated", bytes[..bytes.len() / 3].to_vec()),
        ("header-only", bytes[..16].to_vec()),
        ("garbage", (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
        ("flipped", {
            let mut b = bytes.clone();
            for i in (64..b.len()).step_by(997) {
                b[i] ^= 0x5a;
            }
            b
        }),
    ];
    for (name, content) in cases {
        let path = dir.path().join(format!("{name}-1.mm_profdata"));
        std::fs::write(&path, content).unwrap();
        match buildbench_selfprofile::read_file(&path, &[]) {
            Err(e) => assert!(e.contains(&path.display().to_string()), "{name}: {e}"),
            // A flipped byte may land where nothing checks it: it must still read without a panic.
            Ok(_) => assert_eq!(name, "flipped", "{name} was read"),
        }
    }
    // A folder with no readable file is an error; with none at all too, saying why.
    let err = buildbench_selfprofile::read_dir(dir.path(), &[]).err();
    assert!(err.is_none_or(|e| e.contains("mm_profdata")));
    let empty = tempfile::tempdir().unwrap();
    let e = buildbench_selfprofile::read_dir(empty.path(), &[]).unwrap_err();
    assert!(e.contains("nightly"), "{e}");
}
