//! Synthetic inputs for the benchmarks: cargo timing reports of any size, in the current format.

use std::fmt::Write as _;

/// A cargo 1.95-style HTML report with `units` units in a layered dependency graph.
///
/// Each unit is shaped like a real one (sections, features, unblocked lists), so the parser does
/// the same work per unit as on a captured report; only the count is artificial.
pub fn html_report(units: usize) -> String {
    let mut out = String::with_capacity(units * 420 + 4096);
    out.push_str("<!DOCTYPE html>\n<html>\n<head><title>Cargo Build Timings</title></head>\n<body>\n");
    out.push_str("<table class=\"my-table summary-table\">\n");
    for (label, value) in [
        ("Targets", "big 0.1.0 ( big \"bin\")"),
        ("Profile", "dev"),
        ("Fresh units", "0"),
        ("Dirty units", &units.to_string()),
        ("Total units", &units.to_string()),
        ("Max concurrency", "2 (jobs=2 ncpu=2)"),
        ("Build start", "2026-11-24T01:50:17.267569479Z"),
        ("Total time", &format!("{:.1}s", units as f64 * 0.05)),
        (
            "rustc",
            "rustc 1.95.0 (59807616e 2026-04-14)<br>Host: x86_64-unknown-linux-gnu<br>Target: x86_64-unknown-linux-gnu",
        ),
    ] {
        let _ = writeln!(out, "<tr>\n<td>{label}:</td><td>{value}</td>\n</tr>");
    }
    out.push_str("</table>\n<script>\nDURATION = 1;\nconst UNIT_DATA = [\n");
    for i in 0..units {
        let start = i as f64 * 0.05;
        let next = i + 1;
        let (unblocked, rmeta) = if next < units && i % 2 == 0 {
            (String::new(), next.to_string())
        } else if next < units {
            (next.to_string(), String::new())
        } else {
            (String::new(), String::new())
        };
        let _ = write!(
            out,
            "  {{\n    \"i\": {i},\n    \"name\": \"crate-{i}\",\n    \"version\": \"1.0.{i}\",\n    \"mode\": \"todo\",\n    \
             \"target\": \"\",\n    \"features\": [\n      \"default\",\n      \"std\"\n    ],\n    \"start\": {start:.2},\n    \
             \"duration\": 0.31,\n    \"unblocked_units\": [{unblocked}],\n    \"unblocked_rmeta_units\": [{rmeta}],\n    \
             \"sections\": [\n      [\n        \"frontend\",\n        {{\n          \"start\": 0.0,\n          \"end\": 0.2\n        }}\n      ],\n      \
             [\n        \"codegen\",\n        {{\n          \"start\": 0.2,\n          \"end\": 0.31\n        }}\n      ]\n    ]\n  }}{}\n",
            if i + 1 < units { "," } else { "" }
        );
    }
    out.push_str("];\nconst CONCURRENCY_DATA = [];\nconst CPU_USAGE = [];\n</script>\n</body>\n</html>\n");
    out
}

/// A unit graph of `units` units shaped like a large workspace: each unit depends on up to four
/// earlier ones (chosen by a fixed pseudo-random sequence, so every run builds the same graph),
/// libraries pipeline on their dependencies' metadata, times between 0.1 s and 5 s.
pub fn unit_graph(units: usize) -> buildbench_timings::whatif::Graph {
    use buildbench_timings::whatif::{Edge, Graph, Node, SplitSource};
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let nodes = (0..units)
        .map(|i| {
            let seconds = 0.1 + (next() % 4900) as f64 / 1000.0;
            let deps = if i == 0 {
                Vec::new()
            } else {
                let mut deps: Vec<(usize, Edge)> = (0..(next() % 5) as usize)
                    .map(|_| {
                        let d = (next() as usize) % i;
                        (d, if next() % 4 == 0 { Edge::Full } else { Edge::Metadata })
                    })
                    .collect();
                deps.sort_unstable_by_key(|d| d.0);
                deps.dedup_by_key(|d| d.0);
                deps
            };
            Node {
                label: format!("crate-{i}"),
                name: format!("crate-{i}"),
                frontend: seconds * 0.6,
                codegen: seconds * 0.4,
                link: 0.0,
                other: 0.0,
                has_rmeta: true,
                source: SplitSource::Measured,
                deps,
                splittable: true,
                unit: i,
                end: 0.0,
                final_target: false,
                parallelism: None,
                ceiling: None,
                tokens_recorded: 1.0,
            }
        })
        .collect();
    Graph {
        nodes,
        offset: 0.2,
        tail: 0.05,
        jobs: Some(2),
        recorded: None,
        complete_edges: true,
        completed: None,
        edges: buildbench_timings::Edges::Listed,
    }
}

/// The recorded example study (20 cells) as if started at `seed` hours after a fixed time, with
/// its times scaled a little, so every copy is a distinct study.
pub fn study(seed: u64) -> buildbench_model::Study {
    let bytes = include_bytes!("../../fixtures/studies/example-claims-nightly.json");
    let mut study = buildbench_model::Study::from_json(bytes).expect("the fixture parses");
    study.started_at = 1_790_000_000 + seed * 3600;
    // 2% noise from a fixed pseudo-random sequence (splitmix64), like a real steady series.
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let factor = 1.0 + 0.02 * ((z >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2.0;
    for s in &mut study.samples {
        s.wall_seconds *= factor;
    }
    study
}

/// Commit `i` of a synthetic history.
pub fn provenance(i: usize) -> buildbench_history::Provenance {
    buildbench_history::Provenance {
        commit: Some(format!("{i:040x}")),
        branch: Some("main".to_owned()),
        date: format!("2026-{:02}-{:02}T{:02}:00:00Z", 1 + i / 2000 % 12, 1 + i / 80 % 28, i % 24),
    }
}

/// A study of `configurations` configurations, each with three measured samples per scenario:
/// the recorded example study's six configurations (every claim measured) repeated under new
/// names, each copy with its own `codegen-units` override and its times scaled a little, so
/// every cell is distinct and every part of a report (claims, charts, recommendations, unit
/// tables) has work to do. What `report` renders for a large `--scan`.
pub fn study_of(configurations: usize) -> buildbench_model::Study {
    let mut template = study(0);
    template.samples.retain(|s| !s.warmup && s.index < 3);
    template.invocations.clear();
    for s in &mut template.samples {
        s.links.clear();
    }
    let originals = template.plan.configurations.clone();
    let mut study = template.clone();
    study.plan.configurations.clear();
    study.samples.clear();
    for i in 0..configurations {
        let Some(original) = originals.get(i % originals.len()) else { break };
        let mut configuration = original.clone();
        if i >= originals.len() {
            configuration.name = format!("{}-{i}", original.name);
            configuration.overrides.push(format!("profile.dev.codegen-units={}", 1 + i % 512));
        }
        // Up to 20% slower or faster, from a fixed sequence, so no two copies tie.
        let factor = 0.9 + 0.2 * ((i as f64 * 0.618_034).fract());
        for sample in template.samples.iter().filter(|s| s.configuration == original.name) {
            let mut sample = sample.clone();
            sample.configuration.clone_from(&configuration.name);
            sample.wall_seconds *= factor;
            study.samples.push(sample);
        }
        study.plan.configurations.push(configuration);
    }
    study
}
