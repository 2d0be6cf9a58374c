//! A plain aligned text table for terminals.

use crate::color::{Styled, Tone};

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Rows of cells under a header; every column is as wide as its widest cell.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
    /// Cells that carry a tone for a terminal (row, column, tone): their colour is data, set
    /// by the renderer that knows what the cell says (`tone`), never read back from text.
    pub tones: Vec<(usize, usize, Tone)>,
    /// Cells that link to an address (row, column, address), such as a commit on its forge:
    /// links in HTML and Markdown, their text elsewhere.
    pub links: Vec<(usize, usize, String)>,
}

impl Table {
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            header: columns.iter().map(|(h, _)| (*h).to_owned()).collect(),
            align: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
            tones: Vec::new(),
            links: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Gives the last row's cell in `column` a tone (none when `tone` is `None`).
    pub fn tone(&mut self, column: usize, tone: Option<Tone>) {
        if let (Some(row), Some(tone)) = (self.rows.len().checked_sub(1), tone) {
            self.tones.push((row, column, tone));
        }
    }

    /// Renders with two spaces between columns and no trailing spaces; no header line when
    /// every header cell is empty.
    pub fn render(&self) -> String {
        self.styled().plain()
    }

    /// `render`, with the toned cells as toned spans (the padding stays plain, so columns stay
    /// aligned when they are painted).
    pub fn styled(&self) -> Styled {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = Styled::default();
        let tones = self.tone_map();
        let line = |cells: &[String], row: Option<usize>, out: &mut Styled| {
            // No trailing spaces: the line ends with its last cell that has text.
            let Some(last) = cells.iter().take(columns).rposition(|c| !c.trim_end().is_empty()) else {
                out.push_str("\n");
                return;
            };
            let mut pending = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = cells.get(i).map_or("", String::as_str);
                let pad = " ".repeat(width - cell.chars().count().min(*width));
                if i > 0 {
                    pending.push_str("  ");
                }
                let left = self.align.get(i).copied().unwrap_or(Align::Left) == Align::Left;
                if !left {
                    pending.push_str(&pad);
                }
                if i > last {
                    break;
                }
                let cell = if i == last { cell.trim_end() } else { cell };
                let tone = row.and_then(|r| tones.get(&(r, i)).copied());
                out.push_str(&pending);
                pending.clear();
                out.push_toned(cell, tone);
                if left {
                    pending.push_str(&pad);
                }
            }
            out.push_str("\n");
        };
        // A table of facts has no header (every header cell empty): no empty line for it.
        if self.header.iter().any(|h| !h.is_empty()) {
            line(&self.header, None, &mut out);
        }
        for (r, row) in self.rows.iter().enumerate() {
            line(row, Some(r), &mut out);
        }
        out
    }

    /// Makes the last row's cell in `column` a link to `address` (none when it is `None`).
    pub fn link(&mut self, column: usize, address: Option<String>) {
        if let (Some(row), Some(address)) = (self.rows.len().checked_sub(1), address) {
            self.links.push((row, column, address));
        }
    }

    /// The address of every linked cell by its row and column.
    fn link_map(&self) -> std::collections::HashMap<(usize, usize), &str> {
        self.links.iter().map(|(r, c, a)| ((*r, *c), a.as_str())).collect()
    }

    /// The tone of every toned cell by its row and column, looked up once per cell while
    /// rendering (a search of the list per cell would make a report's time grow with the
    /// square of its configurations).
    fn tone_map(&self) -> std::collections::HashMap<(usize, usize), Tone> {
        self.tones.iter().map(|&(r, c, tone)| ((r, c), tone)).collect()
    }

    /// A Markdown table, every cell escaped (`export::markdown::cell`), toned cells in bold.
    pub fn markdown(&self) -> String {
        use std::fmt::Write as _;
        let cell = crate::export::markdown::cell;
        let mut out = format!("| {} |\n|", self.header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | "));
        for a in &self.align {
            out.push_str(if *a == Align::Right { " ---: |" } else { " --- |" });
        }
        out.push('\n');
        let (tones, links) = (self.tone_map(), self.link_map());
        for (r, row) in self.rows.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, text)| {
                    let shown = match tones.get(&(r, c)) {
                        Some(_) if !text.trim().is_empty() => format!("**{}**", cell(text.trim())),
                        _ => cell(text),
                    };
                    // The address in angle brackets, without any that would end it early.
                    match links.get(&(r, c)) {
                        Some(a) => format!("[{shown}](<{}>)", a.replace(['<', '>', '\n', '\r'], "")),
                        None => shown,
                    }
                })
                .collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out
    }

    /// An HTML table, every cell escaped (its `` `code` `` spans as code); right-aligned cells get `class="n"`, toned cells the
    /// stylesheet's `faster` or `slower` (strong when undecided). The table is in
    /// a box of its own that scrolls sideways when it is wider than the page's column
    /// (`page::scrolling`).
    pub fn html(&self) -> String {
        use std::fmt::Write as _;
        let escape = crate::html_escape::escape;
        let mut out = String::from("<table>\n");
        if self.header.iter().any(|h| !h.is_empty()) {
            out.push_str("<tr>");
            for h in &self.header {
                let _ = write!(out, "<th>{}</th>", escape(h));
            }
            out.push_str("</tr>\n");
        }
        let (tones, links) = (self.tone_map(), self.link_map());
        for (r, row) in self.rows.iter().enumerate() {
            out.push_str("<tr>");
            for (c, (cell, align)) in row.iter().zip(&self.align).enumerate() {
                let class = if *align == Align::Right { " class=\"n\"" } else { "" };
                // A cell is prose: its `code` spans show as code, as in Markdown.
                let cell = match links.get(&(r, c)) {
                    Some(a) => format!("<a href=\"{}\">{}</a>", escape(a), crate::html_escape::prose(cell)),
                    None => crate::html_escape::prose(cell),
                };
                let text = match tones.get(&(r, c)) {
                    Some(Tone::Good) => format!("<span class=\"faster\">{cell}</span>"),
                    Some(Tone::Bad) => format!("<span class=\"slower\">{cell}</span>"),
                    Some(Tone::Unsure) => format!("<strong>{cell}</strong>"),
                    None => cell,
                };
                let _ = write!(out, "<td{class}>{text}</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>");
        let mut out = crate::page::scrolling(&out);
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(&[("unit", Align::Left), ("time", Align::Right)]);
        t.row(vec!["syn".into(), "3.40s".into()]);
        t.row(vec!["unicode-ident".into(), "0.10s".into()]);
        assert_eq!(t.render(), "unit            time\nsyn            3.40s\nunicode-ident  0.10s\n");
    }

    #[test]
    fn toned_cells_are_painted_without_their_padding_and_lines_keep_no_trailing_spaces() {
        let mut t = Table::new(&[("unit", Align::Left), ("speedup", Align::Right), ("", Align::Left)]);
        t.row(vec!["mold".into(), "1.50x".into(), String::new()]);
        t.tone(1, Some(Tone::Good));
        t.row(vec!["default (baseline)".into(), "1.00x".into(), "note ".into()]);
        t.row(vec![String::new(), String::new(), String::new()]);
        let plain = t.render();
        assert_eq!(
            plain,
            "unit                speedup\nmold                  1.50x\ndefault (baseline)    1.00x  note\n\n"
        );
        assert_eq!(t.styled().terminal(false), plain);
        let painted = t.styled().terminal(true);
        assert_eq!(painted, plain.replacen("1.50x", "\u{1b}[32m1.50x\u{1b}[0m", 1));
    }
}
