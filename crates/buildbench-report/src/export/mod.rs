//! One exporter per output format, all behind one trait. Exporters return bytes; the caller
//! writes them (atomically) or prints them.

mod csv;
mod html;
mod json;
pub(crate) mod markdown;
mod terminal;

use buildbench_model::Study;

use crate::StudySummary;

pub use csv::Csv;
pub use html::Html;
pub use json::Json;
pub use markdown::Markdown;
pub use terminal::Terminal;

/// Renders a study (and its computed summary) into one output format.
pub trait Exporter {
    /// The file extension of this format (`html`, `md`, ...).
    fn extension(&self) -> &'static str;
    fn render(&self, study: &Study, summary: &StudySummary) -> Vec<u8>;
}

/// The exporter for a format name: `table`, `html`, `md`, `csv` or `json`.
pub(crate) use csv::field as csv_field;

pub fn by_name(name: &str) -> Option<Box<dyn Exporter>> {
    Some(match name {
        "table" => Box::new(Terminal),
        "html" => Box::new(Html),
        "md" | "markdown" => Box::new(Markdown),
        "csv" => Box::new(Csv),
        "json" => Box::new(Json),
        _ => return None,
    })
}
