//! Writes the benchmark's synthetic study of N configurations (`buildbench_benches::study_of`)
//! to a file, to time `buildbench report` on it end to end:
//! `cargo run --release -p buildbench-benches --example study_of -- 10000 study.json`.

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(n), Some(path)) = (args.next().and_then(|n| n.parse().ok()), args.next()) else {
        eprintln!("usage: study_of CONFIGURATIONS FILE");
        std::process::exit(2);
    };
    let study = buildbench_benches::study_of(n);
    let bytes = serde_json::to_vec(&study).expect("a study serializes");
    if let Err(e) = std::fs::write(&path, bytes) {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    }
}
