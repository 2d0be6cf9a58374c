//! Parser throughput on a synthetic 10,000-unit report (target: ≥ 200 MB/s, < 50 ms), and what
//! `buildbench timings` does after parsing, as a table and as JSON.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 10_000])]
fn parse_html(bencher: Bencher, units: usize) {
    let report = buildbench_benches::html_report(units);
    bencher.counter(BytesCount::of_str(&report)).bench(|| {
        let parsed = buildbench_timings::parse(black_box(report.as_bytes())).expect("synthetic report parses");
        assert_eq!(parsed.build.units.len(), units);
        parsed
    });
}

#[divan::bench(args = [10_000])]
fn analyze(bencher: Bencher, units: usize) {
    let report = buildbench_benches::html_report(units);
    let parsed = buildbench_timings::parse(report.as_bytes()).expect("synthetic report parses");
    bencher.bench(|| buildbench_timings::analyze(black_box(&parsed.build), 10));
}

/// `buildbench timings REPORT` after reading the file: the analysis and the terminal summary.
#[divan::bench(args = [10_000])]
fn timings_table(bencher: Bencher, units: usize) {
    let report = buildbench_benches::html_report(units);
    let parsed = buildbench_timings::parse(report.as_bytes()).expect("synthetic report parses");
    bencher.bench(|| {
        let analysis = buildbench_timings::analyze(black_box(&parsed.build), 10);
        let view = buildbench_report::timings::summary_view("report.html", &parsed, &analysis);
        buildbench_report::export::Exporter::view(&buildbench_report::export::Terminal::default(), &view)
    });
}

/// `buildbench timings REPORT --format json` after reading the file: the analysis, the JSON
/// view of every unit and its text (issue 25: 80 ms against the table's 30 ms end to end).
#[divan::bench(args = [10_000])]
fn timings_json(bencher: Bencher, units: usize) {
    let report = buildbench_benches::html_report(units);
    let parsed = buildbench_timings::parse(report.as_bytes()).expect("synthetic report parses");
    bencher.bench(|| {
        let analysis = buildbench_timings::analyze(black_box(&parsed.build), 10);
        buildbench_report::format::json(&buildbench_report::timings::summary_json("report.html", &parsed, &analysis))
    });
}
