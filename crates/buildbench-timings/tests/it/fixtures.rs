//! The parsers on real cargo outputs from `fixtures/timings/<cargo version>/`.
//!
//! Expected values were worked out apart from this crate: unit counts and totals read off each
//! report's summary table, top units read off the raw `UNIT_DATA`, and critical paths computed
//! by `fixtures/tools/longest_chain.py`, a separate Python script over the raw `UNIT_DATA`
//! (the longest chain through the recorded `unblocked*` edges and cargo's in-package edges,
//! pipelined at the rmeta, ending at a final target or the unit that ended last).

use std::path::PathBuf;

use buildbench_timings::{Mode, ParseError, Parsed, Source, TargetKind, analyze, diff, parse};

fn fixture(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/timings").join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn load(path: &str) -> Parsed {
    parse(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct Expect {
    format: Source,
    cargo: Option<&'static str>,
    /// (total, dirty, fresh) unit counts.
    counts: (Option<u32>, Option<u32>, Option<u32>),
    ran: usize,
    total_seconds: Option<f64>,
    unit_seconds: f64,
    /// The three slowest units: (package, duration).
    top: &'static [(&'static str, f64)],
    /// Critical path: (seconds, package names first to last).
    critical: Option<(f64, &'static [&'static str])>,
}

fn check(path: &str, e: Expect) {
    let parsed = load(path);
    let b = &parsed.build;
    assert_eq!(b.format, e.format, "{path}: format");
    assert_eq!(b.cargo_version.as_deref(), e.cargo, "{path}: cargo version");
    assert_eq!((b.total_units, b.dirty_units, b.fresh_units), e.counts, "{path}: unit counts");
    let a = analyze(b, 3);
    assert_eq!(a.units_run, e.ran, "{path}: units that ran");
    match (b.total_seconds, e.total_seconds) {
        (Some(got), Some(want)) => assert!((got - want).abs() < 1e-9, "{path}: total {got} != {want}"),
        (got, want) => assert_eq!(got, want, "{path}: total"),
    }
    assert!(
        (a.unit_seconds - e.unit_seconds).abs() < 0.005,
        "{path}: unit seconds {} != {}",
        a.unit_seconds,
        e.unit_seconds
    );
    let top: Vec<(&str, f64)> =
        a.slowest.iter().map(|&i| (b.units[i].name.as_str(), b.units[i].duration.unwrap_or(-1.0))).collect();
    assert_eq!(top.len(), e.top.len(), "{path}: top {top:?}");
    for ((name, got), (want_name, want)) in top.iter().zip(e.top) {
        assert_eq!(name, want_name, "{path}: top {top:?}");
        assert!((got - want).abs() < 0.006, "{path}: {name} took {got}, expected {want}");
    }
    match (&a.critical_path, e.critical) {
        (Some(cp), Some((seconds, names))) => {
            let got: Vec<&str> = cp.units.iter().map(|&i| b.units[i].name.as_str()).collect();
            assert_eq!(got, names, "{path}: critical path");
            assert!((cp.seconds - seconds).abs() < 0.006, "{path}: critical path {} != {seconds}", cp.seconds);
        }
        (got, want) => assert_eq!(got.is_some(), want.is_some(), "{path}: critical path {got:?}"),
    }
}

const SERDE_CHAIN_BIN: &[&str] =
    &["proc-macro2", "proc-macro2", "proc-macro2", "quote", "syn", "serde_derive", "serde", "mybin"];
const SERDE_CHAIN_LIB_BIN: &[&str] =
    &["proc-macro2", "proc-macro2", "proc-macro2", "quote", "syn", "serde_derive", "serde", "mylib", "mybin"];

#[test]
fn cargo_1_80_html() {
    check(
        "1.80/clean.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.80.0"),
            counts: (Some(21), Some(21), Some(0)),
            ran: 21,
            total_seconds: Some(6.1),
            unit_seconds: 9.60,
            top: &[("syn", 2.38), ("serde_derive", 2.18), ("serde_core", 1.99)],
            critical: Some((5.79, SERDE_CHAIN_BIN)),
        },
    );
    // ≤1.94 lists only the units that ran.
    check(
        "1.80/incremental.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.80.0"),
            counts: (Some(21), Some(1), Some(20)),
            ran: 1,
            total_seconds: Some(0.2),
            unit_seconds: 0.14,
            top: &[("mybin", 0.14)],
            critical: Some((0.14, &["mybin"])),
        },
    );
}

#[test]
fn cargo_1_93_html_with_and_without_section_timings() {
    check(
        "1.93/clean.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.93.0"),
            counts: (Some(21), Some(21), Some(0)),
            ran: 21,
            total_seconds: Some(8.3),
            unit_seconds: 14.57,
            top: &[("serde_core", 3.87), ("syn", 3.41), ("serde_derive", 2.98)],
            critical: Some((8.03, SERDE_CHAIN_LIB_BIN)),
        },
    );
    check(
        "1.93/section-timings-clean.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.93.0"),
            counts: (Some(21), Some(21), Some(0)),
            ran: 21,
            total_seconds: Some(7.8),
            unit_seconds: 12.99,
            top: &[("syn", 4.01), ("serde_core", 3.27), ("serde_derive", 1.98)],
            // The binary waits for all of serde (cargo's rule for units that link), which ends
            // after mylib, pipelined on serde's metadata, does.
            critical: Some((7.54, SERDE_CHAIN_BIN)),
        },
    );
}

#[test]
fn cargo_1_95_html_lists_fresh_units() {
    check(
        "1.95/clean.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.95.0"),
            counts: (Some(21), Some(21), Some(0)),
            ran: 21,
            total_seconds: Some(10.1),
            unit_seconds: 16.25,
            top: &[("serde_core", 3.78), ("syn", 3.40), ("serde_derive", 3.01)],
            critical: Some((9.18, SERDE_CHAIN_BIN)),
        },
    );
    check(
        "1.95/incremental.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.95.0"),
            counts: (Some(21), Some(1), Some(20)),
            ran: 1,
            total_seconds: Some(0.2),
            unit_seconds: 0.15,
            top: &[("mybin", 0.15)],
            critical: Some((0.15, &["mybin"])),
        },
    );
    check(
        "1.95/noop.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.95.0"),
            counts: (Some(21), Some(0), Some(21)),
            ran: 0,
            total_seconds: Some(0.0),
            unit_seconds: 0.0,
            top: &[],
            critical: None,
        },
    );
    check(
        "1.95/RUSTC_BOOTSTRAP-check.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.95.0"),
            counts: (Some(21), Some(6), Some(15)),
            ran: 6,
            total_seconds: Some(2.1),
            unit_seconds: 2.36,
            top: &[("serde_core", 1.65), ("serde", 0.33), ("anyhow", 0.19)],
            critical: Some((2.08, &["serde_core", "serde", "mylib", "mybin"])),
        },
    );
}

#[test]
fn nightly_1_97_html() {
    check(
        "1.97-nightly/clean.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.97.0-nightly"),
            counts: (Some(21), Some(21), Some(0)),
            ran: 21,
            total_seconds: Some(10.1),
            unit_seconds: 17.35,
            top: &[("syn", 4.78), ("serde_core", 4.14), ("serde_derive", 2.52)],
            // The recorded edges alone give the shorter unicode-ident → proc-macro2 chain (8.91 s);
            // proc-macro2's library also waits for its build script's run (cargo's in-package edge),
            // which ended later.
            critical: Some((9.63, SERDE_CHAIN_LIB_BIN)),
        },
    );
    check(
        "1.97-nightly/section-timings-clean.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.97.0-nightly"),
            counts: (Some(21), Some(21), Some(0)),
            ran: 21,
            total_seconds: Some(11.4),
            unit_seconds: 18.85,
            top: &[("serde_core", 4.97), ("syn", 4.87), ("serde_derive", 3.31)],
            critical: Some((10.51, SERDE_CHAIN_LIB_BIN)),
        },
    );
}

#[test]
fn a_real_project_ripgrep() {
    check(
        "1.95/ripgrep-14.1.1-clean.html",
        Expect {
            format: Source::Html,
            cargo: Some("1.95.0"),
            counts: (Some(45), Some(45), Some(0)),
            ran: 45,
            total_seconds: Some(17.3),
            unit_seconds: 29.36,
            top: &[("regex-automata", 4.98), ("ripgrep", 3.32), ("serde", 2.51)],
            // regex-automata released only regex (at its rmeta); rg links it, so waits for all of it.
            critical: Some((9.41, &["memchr", "aho-corasick", "regex-automata", "ripgrep"])),
        },
    );
    let incremental = load("1.95/ripgrep-14.1.1-incremental.html");
    assert_eq!((incremental.build.dirty_units, incremental.build.fresh_units), (Some(2), Some(43)));
}

/// The log and the HTML report of the same nightly run describe the same units: after rounding
/// to centiseconds (what the HTML stores) every start and duration agrees.
#[test]
fn build_analysis_log_agrees_with_the_html_of_the_same_run() {
    for (log, html) in [
        ("1.97-nightly/build-analysis-clean.jsonl", "1.97-nightly/clean.html"),
        ("1.97-nightly/build-analysis-incremental.jsonl", "1.97-nightly/incremental.html"),
        ("1.97-nightly/build-analysis-noop.jsonl", "1.97-nightly/noop.html"),
        ("1.97-nightly/section-timings-build-analysis-clean.jsonl", "1.97-nightly/section-timings-clean.html"),
        ("1.95/RUSTC_BOOTSTRAP-section-timings-build-analysis.jsonl", "1.95/RUSTC_BOOTSTRAP-section-timings.html"),
        (
            "1.97-nightly/ripgrep-15.2.0-section-timings-build-analysis-clean.jsonl",
            "1.97-nightly/ripgrep-15.2.0-section-timings-clean.html",
        ),
    ] {
        let (log_b, html_b) = (load(log).build, load(html).build);
        assert_eq!(log_b.format, Source::BuildAnalysis);
        assert_eq!(
            (log_b.total_units, log_b.dirty_units, log_b.fresh_units),
            (html_b.total_units, html_b.dirty_units, html_b.fresh_units),
            "{log}"
        );
        for h in html_b.units.iter().filter(|u| u.ran()) {
            let l =
                log_b.units.iter().find(|u| u.id == h.id).unwrap_or_else(|| panic!("{log}: unit {:?} missing", h.id));
            assert_eq!((l.name.as_str(), l.mode), (h.name.as_str(), h.mode), "{log}: unit {:?}", h.id);
            let round = |x: Option<f64>| x.map(|x| (x * 100.0).round() / 100.0);
            assert_eq!(round(l.start), h.start, "{log}: {} start", h.name);
            assert!(
                (round(l.duration).unwrap_or(-1.0) - h.duration.unwrap_or(-2.0)).abs() < 0.0101,
                "{log}: {}",
                h.name
            );
        }
        // Only the log names dependencies.
        assert!(log_b.units.iter().any(|u| !u.dependencies.is_empty()), "{log}");
    }
}

#[test]
fn build_analysis_log_carries_metadata_and_tells_proc_macros_apart() {
    let b = load("1.97-nightly/build-analysis-clean.jsonl").build;
    assert_eq!(b.cargo_version.as_deref(), Some("1.97.0-nightly"));
    assert_eq!((b.jobs, b.ncpu, b.profile.as_deref()), (Some(2), Some(2), Some("dev")));
    let kinds: Vec<(&str, TargetKind)> =
        b.units.iter().filter(|u| u.kind == TargetKind::ProcMacro).map(|u| (u.name.as_str(), u.kind)).collect();
    assert_eq!(kinds, [("serde_derive", TargetKind::ProcMacro)]);
    let runs = b.units.iter().filter(|u| u.mode == Mode::RunCustomBuild).count();
    assert_eq!(runs, 5, "five build scripts, each compiled and run");
}

#[test]
fn timing_info_lines_with_and_without_message_format() {
    let b = load("1.93/timings-json-clean.jsonl").build;
    assert_eq!(b.format, Source::TimingInfo);
    assert_eq!((b.total_units, b.dirty_units, b.fresh_units), (None, Some(21), None));
    let serde_derive = b.units.iter().find(|u| u.name == "serde_derive").expect("serde_derive");
    assert_eq!(serde_derive.kind, TargetKind::ProcMacro);
    assert!(b.units.iter().all(|u| u.start.is_none()), "timing-info has no start times");
    assert!(analyze(&b, 3).critical_path.is_none());

    let b = load("1.93/timings-json-incremental.jsonl").build;
    assert_eq!(b.units.len(), 1);
    assert_eq!((b.units[0].name.as_str(), b.units[0].kind), ("mybin", TargetKind::Bin));

    // 1.80 with --message-format=json in the same stream: fresh units come from the artifacts.
    let b = load("1.80/timings-json-message-format-clean.jsonl").build;
    assert_eq!((b.total_units, b.dirty_units, b.fresh_units), (Some(21), Some(21), Some(0)));
}

#[test]
fn message_format_json_tells_fresh_from_dirty() {
    for (path, dirty, fresh) in [
        ("1.95/message-format-json-clean.jsonl", 16, 0),
        ("1.95/message-format-json-incremental.jsonl", 1, 15),
        ("1.95/message-format-json-render-diagnostics-noop.jsonl", 0, 16),
    ] {
        let b = load(path).build;
        assert_eq!(b.format, Source::MessageFormat, "{path}");
        assert_eq!((b.dirty_units, b.fresh_units), (Some(dirty), Some(fresh)), "{path}");
    }
}

#[test]
fn failed_builds_name_the_unit_that_failed() {
    let b = load("1.95/failed-build.html").build;
    assert!(b.failed());
    let failed: Vec<&str> = b.units.iter().filter(|u| u.failed).map(|u| u.name.as_str()).collect();
    assert_eq!(failed, ["mybin"]);
    let b = load("1.80/failed-build.html").build;
    assert_eq!(b.error.as_deref(), Some("1 job failed"));
    assert_eq!((b.total_units, b.dirty_units), (Some(20), Some(1)));
}

#[test]
fn target_descriptions_of_old_and_new_cargo_agree() {
    for path in ["1.80/clean.html", "1.93/clean.html", "1.95/clean.html", "1.97-nightly/clean.html"] {
        let b = load(path).build;
        let bin = b.units.iter().find(|u| u.kind == TargetKind::Bin).unwrap_or_else(|| panic!("{path}: no bin"));
        assert_eq!((bin.name.as_str(), bin.target.as_str()), ("mybin", "mybin"), "{path}");
        let scripts = b.units.iter().filter(|u| u.kind == TargetKind::BuildScript && u.mode == Mode::Build).count();
        assert_eq!(scripts, 5, "{path}");
    }
}

#[test]
fn diff_matches_units_across_cargo_versions() {
    let old = load("1.93/clean.html").build;
    let new = load("1.95/clean.html").build;
    let d = diff(&old, &new);
    assert_eq!(d.changed.len(), 21, "every unit ran in both: {:?} / {:?}", d.only_before, d.only_after);
    assert!(d.only_before.is_empty() && d.only_after.is_empty());
    assert!((d.total_delta.unwrap_or(0.0) - 1.8).abs() < 1e-9);
    // Largest change first (worked out from the raw UNIT_DATA): proc-macro2's lib +0.55 s, then
    // its build script +0.44 s.
    let top: Vec<(&str, f64)> = d.changed.iter().take(2).map(|c| (c.unit.as_str(), c.delta)).collect();
    assert_eq!(top[0].0, "proc-macro2 v1.0.107");
    assert!((top[0].1 - 0.55).abs() < 1e-9);
    assert_eq!(top[1].0, "proc-macro2 v1.0.107 (build-script)");

    // Clean against incremental: only mybin ran in both.
    let inc = load("1.95/incremental.html").build;
    let d = diff(&new, &inc);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.only_before.len(), 20);
    assert!(d.only_after.is_empty());
}

fn err(bytes: &[u8]) -> ParseError {
    parse(bytes).expect_err("bad input must be rejected")
}

#[test]
fn bad_input_gets_a_clear_error() {
    assert_eq!(err(b""), ParseError::Empty);
    assert_eq!(err(b"  \n"), ParseError::Empty);
    assert_eq!(err(&[0x7f, b'E', b'L', b'F', 0, 0, 0xff]), ParseError::Binary);
    assert!(matches!(err(b"<html><body>hello</body></html>"), ParseError::Unrecognized { .. }));
    assert!(matches!(err(b"{\"version\": 1, \"samples\": []}\n"), ParseError::Unrecognized { .. }));
    assert!(matches!(err(b"just some text\n"), ParseError::Unrecognized { .. }));
    assert!(matches!(err(b"{\"reason\":\"timing-info\",\"duration\":\n"), ParseError::Truncated { .. }));
    assert!(matches!(err(b"{\"reason\":\"timing-info\"}\n{not json}\n"), ParseError::Invalid { line: 2, .. }));

    let html = fixture("1.95/clean.html");
    let text = std::str::from_utf8(&html).expect("utf-8");
    let cut = text.find("\"unblocked_units\"").expect("has units");
    assert!(matches!(err(&text.as_bytes()[..cut]), ParseError::Truncated { .. }));
    let broken = text.replacen("\"i\": 20", "\"i\": 20,,", 1);
    assert!(matches!(err(broken.as_bytes()), ParseError::Invalid { .. }));
}

#[test]
fn error_messages_say_what_was_expected() {
    let message = err(b"<html></html>").to_string();
    assert!(message.contains("cargo build --timings"), "{message}");
    assert!(message.contains("UNIT_DATA"), "{message}");
}

#[test]
fn every_fixture_parses_without_warnings_about_known_fields() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/timings");
    let mut seen = 0;
    for dir in std::fs::read_dir(&root).expect("fixtures") {
        for file in std::fs::read_dir(dir.expect("dir").path()).expect("version dir") {
            let path = file.expect("file").path();
            let parsed =
                parse(&std::fs::read(&path).expect("read")).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let unexpected: Vec<&String> =
                parsed.warnings.iter().filter(|w| w.contains("unknown") || w.contains("skipped")).collect();
            assert!(unexpected.is_empty(), "{}: {unexpected:?}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 30, "only {seen} fixtures");
}
