//! A study in hyperfine's `--export-json` shape, so the scripts people already use on
//! hyperfine's results (`plot_whisker.py`, `plot_histogram.py`, `advanced_statistics.py` in
//! hyperfine's `scripts/`) read buildbench's too: one result per cell (configuration ×
//! scenario) with its measured build times.

use serde::Serialize;

use buildbench_model::Study;

#[derive(Debug, Serialize)]
struct Export {
    results: Vec<Result>,
}

/// One cell as hyperfine writes one command: `command` names it, `times` are the successful
/// measured builds' wall seconds, `exit_codes` one per time.
#[derive(Debug, Serialize)]
struct Result {
    command: String,
    mean: f64,
    stddev: Option<f64>,
    median: f64,
    user: f64,
    system: f64,
    min: f64,
    max: f64,
    times: Vec<f64>,
    exit_codes: Vec<i32>,
    parameters: Parameters,
}

#[derive(Debug, Serialize)]
struct Parameters {
    configuration: String,
    scenario: String,
}

/// The JSON text. Cells without a successful measured build are left out, as hyperfine has no
/// result for a command that never ran.
pub fn json(study: &Study) -> String {
    let cells = study.cells();
    let mut results = Vec::new();
    for &scenario in &study.plan.scenarios {
        for configuration in &study.plan.configurations {
            let samples: Vec<_> = cells.successful(&configuration.name, scenario).collect();
            if samples.is_empty() {
                continue;
            }
            let times: Vec<f64> = samples.iter().map(|s| s.wall_seconds).collect();
            let n = times.len() as f64;
            let mean = times.iter().sum::<f64>() / n;
            let stddev =
                (times.len() > 1).then(|| (times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
            let mut sorted = times.clone();
            sorted.sort_by(f64::total_cmp);
            let mid = sorted.len() / 2;
            let median = if sorted.len().is_multiple_of(2) {
                (sorted.get(mid.saturating_sub(1)).copied().unwrap_or(0.0) + sorted.get(mid).copied().unwrap_or(0.0))
                    / 2.0
            } else {
                sorted.get(mid).copied().unwrap_or(0.0)
            };
            results.push(Result {
                command: format!("{} / {scenario}", configuration.name),
                mean,
                stddev,
                median,
                user: samples.iter().map(|s| s.user_seconds).sum::<f64>() / n,
                system: samples.iter().map(|s| s.system_seconds).sum::<f64>() / n,
                min: sorted.first().copied().unwrap_or(0.0),
                max: sorted.last().copied().unwrap_or(0.0),
                exit_codes: samples.iter().map(|s| s.exit_code.unwrap_or(0)).collect(),
                times,
                parameters: Parameters { configuration: configuration.name.clone(), scenario: scenario.to_string() },
            });
        }
    }
    let mut text = serde_json::to_string_pretty(&Export { results }).unwrap_or_else(|_| "{\"results\": []}".to_owned());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measured_cell_is_a_hyperfine_result_with_its_times() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/studies/ripgrep-14.1.1-linkers.json");
        let study = Study::from_json(&std::fs::read(path).expect("fixture")).expect("study");
        let v: serde_json::Value = serde_json::from_str(&json(&study)).expect("json");
        let results = v["results"].as_array().expect("results");
        let cells = study.plan.configurations.len() * study.plan.scenarios.len();
        assert!(!results.is_empty() && results.len() <= cells);
        for r in results {
            let times = r["times"].as_array().expect("times");
            assert_eq!(times.len(), r["exit_codes"].as_array().expect("codes").len());
            let t: Vec<f64> = times.iter().filter_map(serde_json::Value::as_f64).collect();
            let mean = t.iter().sum::<f64>() / t.len() as f64;
            assert!((r["mean"].as_f64().expect("mean") - mean).abs() < 1e-9);
            assert!(r["min"].as_f64() <= r["median"].as_f64() && r["median"].as_f64() <= r["max"].as_f64());
            assert!(r["command"].as_str().expect("command").contains(" / "));
        }
    }
}
