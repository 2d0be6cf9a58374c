//! Writes the benchmark's synthetic cargo timing report of N units (`buildbench_benches::html_report`)
//! to a file, to time `buildbench timings` on it end to end:
//! `cargo run --release -p buildbench-benches --example timing_report -- 10000 report.html`.

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(n), Some(path)) = (args.next().and_then(|n| n.parse().ok()), args.next()) else {
        eprintln!("usage: timing_report UNITS FILE");
        std::process::exit(2);
    };
    if let Err(e) = std::fs::write(&path, buildbench_benches::html_report(n)) {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    }
}
