//! Markdown for GitHub job summaries and pull-request comments: a view (a command's, or a
//! study's report, `crate::study_view`) with everything from a project escaped.

use std::fmt::Write as _;

use super::Exporter;
use crate::color::Styled;
use crate::view::{Block, View};

pub struct Markdown;

/// Text safe inside a Markdown table cell (and anywhere in a Markdown document): no pipes, no
/// line breaks, no HTML, no links or images (`[text](url)`, `![alt](url)`: the brackets are
/// escaped), no control characters. Build output ends up here, so it must not be able to
/// add content to a job summary.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '|' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One block of a view as Markdown, ending in a line break (a snippet under its label, in a
/// fence of its language); empty for a chart, which Markdown
/// leaves out (its numbers are in the text). Everything is escaped (`cell`).
fn block_markdown(block: &Block) -> String {
    match block {
        Block::Paragraph(text) | Block::Note(text) => format!("{}\n", styled(text)),
        Block::Table(table) => table.markdown(),
        Block::List(items) => items.iter().map(|i| format!("- {}\n", styled(i))).collect(),
        Block::Code { label, text } => {
            // A fence longer than any run of backticks in the snippet.
            let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            // The language of `Cargo.toml` is `toml`; a label without a dot names its own.
            let language = label.rsplit('.').next().unwrap_or_default();
            let info: String = language.chars().filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c)).collect();
            let text: String = text.chars().map(|c| if c.is_control() && c != '\n' { ' ' } else { c }).collect();
            format!("{}:\n\n{fence}{info}\n{}\n{fence}\n", cell(label), text.trim_end_matches('\n'))
        }
        Block::Figure { .. } => String::new(),
    }
}

/// Styled text as Markdown: each line escaped, toned spans in bold (their spaces outside the
/// stars, which Markdown needs), lines kept apart by a hard line break.
fn styled(text: &Styled) -> String {
    let mut out = String::new();
    for (span, tone) in text.spans() {
        let escaped = span.split('\n').map(cell).collect::<Vec<_>>().join("  \n");
        match tone {
            Some(_) if !escaped.trim().is_empty() => {
                let start = escaped.len() - escaped.trim_start().len();
                let end = escaped.trim_end().len();
                let _ = write!(out, "{}**{}**{}", &escaped[..start], &escaped[start..end], &escaped[end..]);
            }
            _ => out.push_str(&escaped),
        }
    }
    out.trim_end_matches(['\n', ' ']).to_owned()
}

impl Exporter for Markdown {
    fn extension(&self) -> &'static str {
        "md"
    }

    fn view(&self, view: &View) -> Vec<u8> {
        let mut out = String::new();
        for section in &view.sections {
            if let Some(heading) = &section.heading {
                let hashes = "#".repeat(usize::from(section.level.clamp(1, 6)));
                let _ = writeln!(out, "{}{hashes} {}", if out.is_empty() { "" } else { "\n" }, cell(heading));
            }
            for block in &section.blocks {
                let text = block_markdown(block);
                if !text.is_empty() {
                    let _ = write!(out, "{}{text}", if out.is_empty() { "" } else { "\n" });
                }
            }
        }
        out.into_bytes()
    }
}
