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
        crate::format::json(summary).into_bytes()
    }
}
