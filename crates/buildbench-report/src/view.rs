//! What a command shows, as plain data with no format in it: a title and sections of blocks
//! (paragraphs, tables, lists, snippets to copy, charts). Every command that writes tables or
//! pages builds a `View`, one function per section, and the exporters in `export/` render it
//! in each format (`Exporter::view`), so a new format reaches every such command.

use crate::Table;
use crate::color::{Styled, Tone};
use crate::page::Swatch;

/// A command's output: the page's title and its sections, in order.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The title of an HTML page (plain text). Text formats show only the sections.
    pub title: String,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// A heading (or none) and the blocks under it.
#[derive(Debug, Clone)]
pub struct Section {
    /// The heading, plain text; `None` for blocks that follow the previous section's.
    pub heading: Option<String>,
    /// The heading's level, 1 for the page's own heading (`#`, `<h1>`), 2 under it, and so on.
    pub level: u8,
    /// What the section shows, in order.
    pub blocks: Vec<Block>,
}

/// One piece of a section. Text is plain (renderers escape it); its spans carry their `Tone`,
/// so colour never reads text; `` `code` `` spans in prose are shown as code where a format can.
#[derive(Debug, Clone)]
pub enum Block {
    /// A paragraph; a line break in it starts a new line.
    Paragraph(Styled),
    /// A remark beside the main text (shown muted where a format can).
    Note(Styled),
    /// A table whose toned cells keep their tone.
    Table(Table),
    /// A list of items, one line each.
    List(Vec<Styled>),
    /// A snippet to copy as it is: `label` names it (a file name, a shell), `text` is the
    /// snippet.
    Code {
        /// What the snippet is (`Cargo.toml`, `.cargo/config.toml`, `shell`).
        label: String,
        /// The snippet itself.
        text: String,
    },
    /// A chart: shown in HTML (`page::figure`), left out of the text formats, which show the
    /// same numbers in tables or sentences.
    Figure {
        /// Names the chart for screen readers.
        label: String,
        /// The chart as SVG; empty when it could not be drawn (then no figure at all).
        svg: String,
        /// One swatch and label per kind of mark.
        legend: Vec<(Swatch, String)>,
        /// A sentence or two saying what else the reader needs (prose).
        caption: String,
    },
}

impl View {
    /// An empty view titled `title`.
    pub fn new(title: &str) -> View {
        View { title: title.to_owned(), sections: Vec::new() }
    }

    /// Adds a section and returns it, to fill with blocks.
    pub fn section(&mut self, level: u8, heading: Option<&str>) -> &mut Section {
        self.sections.push(Section { heading: heading.map(str::to_owned), level, blocks: Vec::new() });
        // The section was just pushed, so there is a last one.
        let last = self.sections.len() - 1;
        &mut self.sections[last]
    }

    /// Every table of the view, in order (what CSV writes).
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.sections.iter().flat_map(|s| &s.blocks).filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
    }
}

impl Section {
    /// Adds a paragraph of plain text.
    pub fn text(&mut self, text: &str) -> &mut Section {
        self.blocks.push(Block::Paragraph(styled(text)));
        self
    }

    /// Adds a paragraph of styled text.
    pub fn styled(&mut self, text: Styled) -> &mut Section {
        self.blocks.push(Block::Paragraph(text));
        self
    }

    /// Adds a muted remark of plain text.
    pub fn note(&mut self, text: &str) -> &mut Section {
        self.blocks.push(Block::Note(styled(text)));
        self
    }

    /// Adds a table.
    pub fn table(&mut self, table: Table) -> &mut Section {
        self.blocks.push(Block::Table(table));
        self
    }

    /// Adds a list; nothing when `items` is empty.
    pub fn list(&mut self, items: Vec<Styled>) -> &mut Section {
        if !items.is_empty() {
            self.blocks.push(Block::List(items));
        }
        self
    }

    /// Adds a snippet to copy.
    pub fn code(&mut self, label: &str, text: &str) -> &mut Section {
        self.blocks.push(Block::Code { label: label.to_owned(), text: text.to_owned() });
        self
    }

    /// Adds a chart (shown in HTML only).
    pub fn figure(&mut self, label: &str, svg: String, legend: &[(Swatch, &str)], caption: &str) -> &mut Section {
        self.blocks.push(Block::Figure {
            label: label.to_owned(),
            svg,
            legend: legend.iter().map(|(s, l)| (*s, (*l).to_owned())).collect(),
            caption: caption.to_owned(),
        });
        self
    }
}

/// Plain text as styled text.
pub fn styled(text: &str) -> Styled {
    let mut s = Styled::default();
    s.push_str(text);
    s
}

/// `label` plain, then `text` toned (plain when `tone` is `None`): a list item such as
/// `claim ..., mold vs bfd: holds ...`.
pub fn labelled(label: &str, text: &str, tone: Option<Tone>) -> Styled {
    let mut s = styled(label);
    s.push_toned(text, tone);
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Align;

    /// A view with every kind of block, its text from a hostile project.
    pub(crate) fn every_block() -> View {
        let mut v = View::new("buildbench <test>");
        v.section(1, Some("Title & <b>")).text("A `code` span and [a](link) | bar.").note("muted\nsecond line");
        let mut table = Table::new(&[("name", Align::Left), ("time", Align::Right)]);
        table.row(vec!["a,b".to_owned(), "1.00s".to_owned()]);
        table.tone(1, Some(Tone::Good));
        table.row(vec!["<c>\"".to_owned(), "2.00s".to_owned()]);
        let mut verdict = styled("claim: ");
        verdict.push_verdict(buildbench_model::claims::Verdict::Holds, "holds (2-5x)");
        v.section(2, Some("Results"))
            .table(table)
            .list(vec![verdict, labelled("x: ", "does not hold", Some(Tone::Bad))])
            .code("Cargo.toml", "[profile.dev]\ndebug = 0")
            .figure("a chart", "<svg></svg>".to_owned(), &[(Swatch::Fill(0x1f77b4), "bars")], "What `it` shows.");
        v.section(2, None).text("After.");
        v
    }

    #[test]
    fn tables_lists_every_table_and_empty_lists_are_left_out() {
        let v = every_block();
        assert_eq!(v.tables().count(), 1);
        let mut s = View::new("t");
        s.section(2, None).list(Vec::new());
        assert!(s.sections.iter().all(|s| s.blocks.is_empty()));
    }
}
