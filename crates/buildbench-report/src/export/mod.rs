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
pub use html::{Html, report_page};
pub use json::Json;
pub use markdown::Markdown;
pub use terminal::Terminal;

/// Renders a study (and its computed summary) into one output format.
pub trait Exporter {
    /// The file extension of this format (`html`, `md`, ...).
    fn extension(&self) -> &'static str;
    fn render(&self, study: &Study, summary: &StudySummary) -> Vec<u8>;
}

pub(crate) use csv::field as csv_field;

/// An output format: one word per format, the same in every command's `--format`. Each command
/// accepts the subset it can produce (`Format::list` names it in help and errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Aligned text for a terminal (`.txt` as a file).
    Table,
    /// One JSON object.
    Json,
    /// Markdown, e.g. for a CI job summary.
    Md,
    /// One self-contained HTML page.
    Html,
    /// Comma-separated values.
    Csv,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 5] = [Format::Table, Format::Json, Format::Md, Format::Html, Format::Csv];

    /// The word `--format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Md => "md",
            Format::Html => "html",
            Format::Csv => "csv",
        }
    }

    /// Other spellings `--format` accepts for it.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Format::Md => &["markdown"],
            _ => &[],
        }
    }

    /// The file extensions that select it for `-o FILE`, the one written first.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Table => &["txt"],
            Format::Json => &["json"],
            Format::Md => &["md", "markdown"],
            Format::Html => &["html", "htm"],
            Format::Csv => &["csv"],
        }
    }

    /// The format of a word or alias, whatever its case.
    pub fn parse(name: &str) -> Option<Format> {
        let name = name.to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.as_str() == name || f.aliases().contains(&name.as_str()))
    }

    /// The one place a file name says its format: by its extension, whatever its case (`.HTML`,
    /// `.htm`, `.markdown`, `.txt` for a table).
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.extensions().contains(&ext.as_str()))
    }

    /// `table, md or json`: the formats a command accepts, for help and errors.
    pub fn list(formats: &[Format]) -> String {
        let words: Vec<&str> = formats.iter().map(|f| f.as_str()).collect();
        match words.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => words.join(""),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The exporter of a study in `format` (every format has one).
pub fn exporter(format: Format) -> Box<dyn Exporter> {
    match format {
        Format::Table => Box::new(Terminal::default()),
        Format::Html => Box::new(Html),
        Format::Md => Box::new(Markdown),
        Format::Csv => Box::new(Csv),
        Format::Json => Box::new(Json),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_reads_back_from_its_word_aliases_and_extensions() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()), Some(f));
            assert_eq!(Format::parse(&f.as_str().to_uppercase()), Some(f));
            for alias in f.aliases() {
                assert_eq!(Format::parse(alias), Some(f));
            }
            for ext in f.extensions() {
                assert_eq!(Format::from_extension(std::path::Path::new(&format!("out.{ext}"))), Some(f));
            }
            // The exporter writes the extension that reads back as its format.
            assert_eq!(
                Format::from_extension(std::path::Path::new(&format!("x.{}", exporter(f).extension()))),
                Some(f)
            );
        }
        assert_eq!(Format::from_extension(std::path::Path::new("report.HTML")), Some(Format::Html));
        assert_eq!(Format::from_extension(std::path::Path::new("report.foo")), None);
        assert_eq!(Format::from_extension(std::path::Path::new("report")), None);
        assert_eq!(Format::parse("svg"), None);
        assert_eq!(Format::list(&[Format::Table, Format::Md, Format::Json]), "table, md or json");
        assert_eq!(Format::list(&[Format::Html]), "html");
    }
}
