//! One exporter per output format, all behind one trait. Exporters return bytes; the caller
//! writes them (atomically) or prints them.

mod csv;
mod html;
mod json;
pub(crate) mod markdown;
mod terminal;

use buildbench_model::Study;

use crate::StudySummary;
use crate::view::View;

pub use csv::Csv;
pub use html::{Html, report_page, view_page};
pub use json::Json;
pub use markdown::Markdown;
pub use terminal::Terminal;

/// Renders into one output format: a command's view (`crate::view::View`, what every command
/// that writes tables or pages builds) and a study with its computed summary.
pub trait Exporter {
    /// The file extension of this format (`html`, `md`, ...).
    fn extension(&self) -> &'static str;
    /// A study and its summary (`compare`, `report`): by default its view
    /// (`crate::study_view`), so a new format needs only `view`.
    fn render(&self, study: &Study, summary: &StudySummary) -> Vec<u8> {
        self.view(&crate::study_view::view(study, summary))
    }
    /// A command's view, every section and block in this format.
    fn view(&self, view: &View) -> Vec<u8>;
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

/// The exporter of `format`, a terminal's table painted when `color`.
pub fn painted(format: Format, color: bool) -> Box<dyn Exporter> {
    match format {
        Format::Table => Box::new(Terminal { color }),
        _ => exporter(format),
    }
}

/// What a command writes in `format`: its own JSON value (`json`, called only for JSON, which
/// is data rather than a view), else its view rendered by the format's exporter, painted
/// when `color` (a terminal's table only).
pub fn write(format: Format, color: bool, view: impl FnOnce() -> View, json: impl FnOnce() -> String) -> Vec<u8> {
    match format {
        Format::Json => json().into_bytes(),
        _ => painted(format, color).view(&view()),
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

#[cfg(test)]
mod view_tests {
    use super::*;

    fn render(f: Format, color: bool) -> String {
        let v = crate::view::tests::every_block();
        let bytes = painted(f, color).view(&v);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn a_view_with_every_block_on_a_terminal() {
        let plain = "Title & <b>\nA `code` span and [a](link) | bar.\n\nmuted\nsecond line\n\nResults\nname   time\na,b   1.00s\n<c>\"  2.00s\n\n  - claim: holds (2-5x)\n  - x: does not hold\n\nCargo.toml:\n    [profile.dev]\n    debug = 0\n\nAfter.\n";
        assert_eq!(render(Format::Table, false), plain);
        let painted = plain
            .replacen("1.00s", "\u{1b}[32m1.00s\u{1b}[0m", 1)
            .replacen("holds (2-5x)", "\u{1b}[32mholds\u{1b}[0m (2-5x)", 1)
            .replacen("does not hold", "\u{1b}[31mdoes not hold\u{1b}[0m", 1);
        assert_eq!(render(Format::Table, true), painted);
    }

    #[test]
    fn a_view_with_every_block_in_markdown() {
        assert_eq!(
            render(Format::Md, false),
            "# Title &amp; &lt;b&gt;\n\nA `code` span and \\[a\\](link) \\| bar.\n\nmuted  \nsecond line\n\n## Results\n\n\
             | name | time |\n| --- | ---: |\n| a,b | **1.00s** |\n| &lt;c&gt;\" | 2.00s |\n\n\
             - claim: **holds** (2-5x)\n- x: **does not hold**\n\nCargo.toml:\n\n```toml\n[profile.dev]\ndebug = 0\n```\n\nAfter.\n"
        );
    }

    #[test]
    fn a_view_with_every_block_in_html() {
        let html = render(Format::Html, false);
        assert!(html.contains("<title>buildbench &lt;test&gt;</title>"), "{html}");
        let body = html.split_once("<body>\n").map(|(_, b)| b).unwrap_or_default();
        assert_eq!(
            body,
            "<h1>Title &amp; &lt;b&gt;</h1>\n<p>A <code>code</code> span and [a](link) | bar.</p>\n\
             <p class=\"muted\">muted<br>\nsecond line</p>\n<section>\n<h2>Results</h2>\n\
             <div class=\"scroll\"><table>\n<tr><th>name</th><th>time</th></tr>\n\
             <tr><td>a,b</td><td class=\"n\"><span class=\"faster\">1.00s</span></td></tr>\n<tr><td>&lt;c&gt;&quot;</td><td class=\"n\">2.00s</td></tr>\n\
             </table></div>\n<ul>\n<li>claim: <span class=\"faster\">holds</span> (2-5x)</li>\n\
             <li>x: <span class=\"slower\">does not hold</span></li>\n</ul>\n<p class=\"muted\">Cargo.toml</p>\n\
             <pre><code>[profile.dev]\ndebug = 0</code></pre>\n<figure class=\"chart\"><div class=\"scroll\" role=\"img\" \
             aria-label=\"a chart\"><svg></svg></div><figcaption><span class=\"legend\"><span class=\"key\">\
             <i class=\"sw fill\" style=\"color:#1f77b4\"></i>bars</span></span> What <code>it</code> shows.\
             </figcaption></figure>\n</section>\n<p>After.</p>\n\n</body>\n</html>\n"
        );
    }

    #[test]
    fn a_view_with_every_block_as_csv_and_json() {
        assert_eq!(render(Format::Csv, false), "name,time\n\"a,b\",1.00s\n\"<c>\"\"\",2.00s\n");
        let json: serde_json::Value = serde_json::from_str(&render(Format::Json, false)).unwrap_or_default();
        assert_eq!(json["title"], "buildbench <test>");
        assert_eq!(json["sections"][1]["blocks"][0]["rows"][1][0], "<c>\"");
        assert_eq!(json["sections"][1]["blocks"][1]["list"][1], "x: does not hold");
    }

    #[test]
    fn write_gives_a_commands_own_json_and_renders_its_view_otherwise() {
        let view = crate::view::tests::every_block;
        assert_eq!(write(Format::Json, true, view, || "{}".to_owned()), b"{}");
        assert_eq!(write(Format::Table, false, view, String::new), render(Format::Table, false).into_bytes());
        assert_eq!(write(Format::Md, true, view, String::new), render(Format::Md, false).into_bytes());
    }
}
