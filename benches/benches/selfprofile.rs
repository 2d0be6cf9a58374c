//! Reading rustc's self-profiles: the real fixture file (1 MB, one binary crate), and the
//! aggregation alone over a million synthetic nested events (a large crate's worth; the
//! reading of such a file is dominated by decoding, measured on real projects in
//! docs/profile.md).

use buildbench_selfprofile::aggregate::{Event, aggregate};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 20)]
fn read_the_fixture(bencher: Bencher) {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/selfprofile/example_app-0017112.mm_profdata");
    bencher.bench(|| {
        let run = buildbench_selfprofile::read_file(black_box(&file), &[]).expect("reads").expect("a crate");
        assert!(!run.labels.is_empty());
        run
    });
}

/// `n` events on four threads: activities, each holding queries, each holding one more query.
fn events(n: usize) -> Vec<Event> {
    let mut out = Vec::with_capacity(n);
    let mut t = 0u64;
    let mut i = 0u32;
    while out.len() < n {
        let thread = i % 4;
        out.push(Event { thread, start: t + 2, end: t + 5, label: 2 + i % 50, arg: None });
        out.push(Event { thread, start: t + 1, end: t + 8, label: 1 + i % 7, arg: None });
        out.push(Event { thread, start: t, end: t + 10, label: i % 3, arg: None });
        t += 11;
        i += 1;
    }
    out
}

const LABELS: [&str; 3] = ["type_check_crate", "typeck", "evaluate_obligation"];

#[divan::bench(args = [100_000, 1_000_000], sample_count = 10)]
fn aggregate_events(bencher: Bencher, n: usize) {
    let events = events(n);
    bencher
        .with_inputs(|| events.clone())
        .bench_values(|e| aggregate(e, |i| LABELS.get(i as usize % 3).copied().unwrap_or("")));
}
