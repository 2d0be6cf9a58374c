//! Parser throughput on a synthetic 10,000-unit report (target: ≥ 200 MB/s, < 50 ms).

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
