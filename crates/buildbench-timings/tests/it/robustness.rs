//! Mutation fuzzing of every parser: any bytes in, an answer or an error out, never a panic.
//!
//! Starts from every real fixture and applies random edits of the kinds that break parsers:
//! truncation, byte flips, deleted and duplicated ranges, and JSON tokens inserted anywhere
//! (huge and negative numbers, nulls, wrong types, unbalanced brackets, NUL, invalid UTF-8).
//! Each case also runs the analysis and the diff. CI runs the default number of cases; set
//! `BUILDBENCH_FUZZ_CASES` for a longer local run (see docs/timings.md for recorded runs).

use std::path::PathBuf;

use buildbench_timings::{analyze, diff, parse};

/// xorshift64*: a tiny deterministic generator so every failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const TOKENS: &[&[u8]] = &[
    b"null",
    b"-1",
    b"1e400",
    b"-1e400",
    b"18446744073709551616",
    b"[]",
    b"{}",
    b"\"",
    b"]",
    b"}",
    b",",
    b"\0",
    b"\xff\xfe",
    b"\"i\": 0, \"unblocked_units\": [0], ",
    b"\"sections\": [[\"link\", {\"start\": 5, \"end\": 1}]], ",
    b"{\"reason\":\"unit-finished\",\"run_id\":\"x\",\"index\":0,\"elapsed\":-5}\n",
    b"const UNIT_DATA = ",
    b"<td>Total time:</td><td>",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 => data.truncate(at),
            1 => {
                if let Some(b) = data.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            2 => {
                let end = (at + rng.below(200)).min(data.len());
                data.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(400)).min(data.len());
                let copy = data[at..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())];
                data.splice(at..at, token.iter().copied());
            }
        }
    }
    data
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/timings");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("fixtures") {
        for file in std::fs::read_dir(dir.expect("dir").path()).expect("version dir") {
            let path = file.expect("file").path();
            out.push((path.display().to_string(), std::fs::read(&path).expect("read")));
        }
    }
    out.sort();
    out
}

#[test]
fn mutated_fixtures_never_panic() {
    let cases: usize = std::env::var("BUILDBENCH_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let seed: u64 = std::env::var("BUILDBENCH_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
    let inputs = fixtures();
    let reference = parse(&inputs[0].1).expect("first fixture parses").build;
    let mut rng = Rng(seed | 1);
    let (mut ok, mut rejected) = (0usize, 0usize);
    let started = std::time::Instant::now();
    for case in 0..cases {
        let (name, input) = &inputs[case % inputs.len()];
        let mutated = mutate(&mut rng, input);
        let outcome = std::panic::catch_unwind(|| match parse(&mutated) {
            Ok(parsed) => {
                let a = analyze(&parsed.build, 10);
                let _ = diff(&reference, &parsed.build);
                let _ = diff(&parsed.build, &reference);
                assert!(a.slowest.len() <= 10);
                // The what-if replay of whatever graph the mutation left (cycles included).
                if let Ok(graph) = buildbench_timings::whatif::Graph::from_build(&parsed.build) {
                    let scale = buildbench_timings::whatif::Scale::default();
                    if let Ok(curve) = graph.curve(&[1, 2, 64], &scale) {
                        assert!(curve.points.iter().all(|(_, s)| s.is_finite() && *s >= 0.0), "{curve:?}");
                    }
                }
                true
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
                false
            }
        });
        match outcome {
            Ok(true) => ok += 1,
            Ok(false) => rejected += 1,
            Err(_) => {
                let dump = std::env::temp_dir().join(format!("buildbench-fuzz-case-{case}"));
                let _ = std::fs::write(&dump, &mutated);
                panic!("case {case} (seed {seed}, from {name}) panicked; input saved to {}", dump.display());
            }
        }
    }
    eprintln!(
        "fuzz: {cases} cases in {:.1}s without a panic ({ok} parsed, {rejected} rejected)",
        started.elapsed().as_secs_f64()
    );
    assert!(ok > 0 && rejected > 0, "mutations should produce both outcomes: {ok} parsed, {rejected} rejected");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng(42);
    let alphabet = b"{}[]\",:0123456789.e-truefalsenull reason";
    for len in 0..400 {
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = parse(&bytes);
        // And the same length of mostly-JSON-looking text.
        let text: Vec<u8> = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        let _ = parse(&text);
    }
}
