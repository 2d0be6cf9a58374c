//! One row per sample, every measured quantity, for spreadsheets and notebooks.

use buildbench_model::Study;

use super::Exporter;
use crate::StudySummary;
use crate::view::View;

pub struct Csv;

/// RFC 4180 quoting: fields with commas, quotes or line breaks are quoted, quotes doubled.
pub(crate) fn field(s: &str) -> String {
    // Control characters other than line breaks (an escape sequence in a configuration name or
    // a commit message) would reach whatever terminal shows the file: they become spaces.
    let s: String = s.chars().map(|c| if c.is_control() && c != '\n' && c != '\r' { ' ' } else { c }).collect();
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Exporter for Csv {
    fn extension(&self) -> &'static str {
        "csv"
    }

    /// The view's tables, header and rows, a blank line between two tables.
    fn view(&self, view: &View) -> Vec<u8> {
        let mut out = String::new();
        for (i, table) in view.tables().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for row in std::iter::once(&table.header).chain(&table.rows) {
                out.push_str(&row.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
        }
        out.into_bytes()
    }

    fn render(&self, study: &Study, _: &StudySummary) -> Vec<u8> {
        let mut out = String::from(
            "configuration,scenario,index,warmup,success,exit_code,wall_seconds,user_seconds,system_seconds,\
             max_rss_bytes,fresh_units,dirty_units,cargo_seconds,sccache_hits,sccache_misses\n",
        );
        for s in &study.samples {
            let row = [
                field(&s.configuration),
                s.scenario.to_string(),
                s.index.to_string(),
                s.warmup.to_string(),
                s.success.to_string(),
                opt(s.exit_code),
                s.wall_seconds.to_string(),
                s.user_seconds.to_string(),
                s.system_seconds.to_string(),
                s.max_rss_bytes.to_string(),
                opt(s.fresh_units),
                opt(s.dirty_units),
                opt(s.cargo_seconds),
                opt(s.sccache.as_ref().map(|c| c.hits)),
                opt(s.sccache.as_ref().map(|c| c.misses)),
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out.into_bytes()
    }
}
