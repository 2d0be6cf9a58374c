//! `buildbench report` on a study of many configurations (a large `--scan`): every format, from
//! the summary to the bytes. Target: 10,000 configurations (three samples per cell) under 5 s.

use buildbench_report::export::{Format, exporter};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 10_000], sample_count = 3, sample_size = 1)]
fn every_format(bencher: Bencher, configurations: usize) {
    let study = buildbench_benches::study_of(configurations);
    bencher.bench_local(|| {
        let summary = buildbench_report::summarize(&study, 0.02);
        [Format::Table, Format::Md, Format::Html, Format::Csv, Format::Json]
            .map(|format| exporter(format).render(black_box(&study), &summary).len())
    });
}

#[divan::bench(args = ["table", "md", "html", "csv", "json"], sample_count = 3, sample_size = 1)]
fn one_format_of_3_000(bencher: Bencher, format: &str) {
    let study = buildbench_benches::study_of(3_000);
    let exporter = exporter(Format::parse(format).expect("a format"));
    bencher.bench_local(|| {
        let summary = buildbench_report::summarize(&study, 0.02);
        exporter.render(black_box(&study), &summary).len()
    });
}
