//! `buildbench report` on a study of many configurations (a large `--scan`): every format, from
//! the summary to the bytes. Target: 10,000 configurations (three samples per cell) under 5 s.

use buildbench_report::export::by_name;
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 10_000], sample_count = 3, sample_size = 1)]
fn every_format(bencher: Bencher, configurations: usize) {
    let study = buildbench_benches::study_of(configurations);
    bencher.bench_local(|| {
        let summary = buildbench_report::summarize(&study, 0.02);
        ["table", "md", "html", "csv", "json"]
            .map(|format| by_name(format).map(|e| e.render(black_box(&study), &summary).len()))
    });
}

#[divan::bench(args = ["table", "md", "html", "csv", "json"], sample_count = 3, sample_size = 1)]
fn one_format_of_3_000(bencher: Bencher, format: &str) {
    let study = buildbench_benches::study_of(3_000);
    let exporter = by_name(format).expect("a format");
    bencher.bench_local(|| {
        let summary = buildbench_report::summarize(&study, 0.02);
        exporter.render(black_box(&study), &summary).len()
    });
}
