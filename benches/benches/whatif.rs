//! The what-if replay: a 10,000-unit graph simulated for six job counts (target: < 100 ms).

use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 10_000])]
fn six_job_counts(bencher: Bencher, units: usize) {
    let graph = buildbench_benches::unit_graph(units);
    let scale = buildbench_timings::whatif::Scale::default();
    bencher.bench(|| {
        let curve = graph.curve(black_box(&[1, 2, 4, 8, 16, 32]), &scale).expect("replays");
        assert_eq!(curve.points.len(), 6);
        curve
    });
}
