//! The computed summary as JSON: every cell with its statistics and comparison.

use buildbench_model::Study;

use super::Exporter;
use crate::StudySummary;

pub struct Json;

impl Exporter for Json {
    fn extension(&self) -> &'static str {
        "json"
    }

    fn render(&self, _: &Study, summary: &StudySummary) -> Vec<u8> {
        // Serialising plain data with string keys cannot fail.
        let mut out = serde_json::to_vec_pretty(summary).unwrap_or_default();
        out.push(b'\n');
        out
    }
}
