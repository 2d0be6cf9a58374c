//! The history at scale: 10,000 studies of about 20 cells each. Targets: `history add` under
//! 50 ms per study, `history report` under 2 s, change points over 1,000 points under 100 ms.

use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

/// A history of `n` copies of the recorded example study (20 cells), at distinct times.
fn history(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.sqlite");
    let mut h = buildbench_history::History::open(&db).expect("opens");
    for i in 0..n {
        h.add(&buildbench_benches::study(i as u64), &buildbench_benches::provenance(i)).expect("adds");
    }
    (dir, db)
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn add_one_study_to_10_000(bencher: Bencher) {
    let (_dir, db) = history(10_000);
    let mut h = buildbench_history::History::open(&db).expect("opens");
    let mut i = 10_000;
    bencher.bench_local(|| {
        i += 1;
        h.add(&buildbench_benches::study(i as u64), &buildbench_benches::provenance(i as usize)).expect("adds")
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn report_of_10_000_studies(bencher: Bencher) {
    let (_dir, db) = history(10_000);
    let h = buildbench_history::History::open(&db).expect("opens");
    bencher.bench_local(|| {
        let machine = h.newest_machine().expect("machine");
        let series = h.series(machine.as_deref(), None, None, None, false).expect("series");
        let trends = h.trends(series).expect("trends");
        let view = buildbench_report::history::report_view(black_box(&trends), None);
        buildbench_report::export::view_page(&view).render()
    });
}

#[divan::bench(args = [1_000])]
fn change_points(bencher: Bencher, n: usize) {
    let values: Vec<f64> =
        (0..n).map(|i| if i < n * 3 / 5 { 10.0 } else { 11.0 } * (1.0 + 0.03 * ((i as f64) * 12.9898).sin())).collect();
    let settings = buildbench_model::stats::changepoint::Settings::default();
    bencher.bench(|| buildbench_model::stats::changepoint::detect(black_box(&values), &settings));
}

#[divan::bench(args = [1_000, 2_000])]
fn change_points_in_a_flat_series(bencher: Bencher, n: usize) {
    // The worst case for PELT's pruning: no change at all.
    let values: Vec<f64> = (0..n).map(|i| 10.0 * (1.0 + 0.03 * ((i as f64) * 12.9898).sin().fract())).collect();
    let settings = buildbench_model::stats::changepoint::Settings::default();
    bencher.bench(|| buildbench_model::stats::changepoint::detect(black_box(&values), &settings));
}
