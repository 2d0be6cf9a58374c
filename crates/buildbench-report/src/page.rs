//! The one HTML page shell every page uses (the study report, the history's trend page, the
//! timings timeline, the profile): the head with one stylesheet (`templates/style.css`), the
//! title, and a body composed of sections, each rendered by its own module. A page gains a
//! section by `push`, never by splicing text into a rendered page.

const TEMPLATE: &str = include_str!("../templates/page.html");
const STYLE: &str = include_str!("../templates/style.css");

/// A page being composed: its title and its sections, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The page's title (plain text; escaped when rendered).
    pub title: String,
    /// HTML sections of the body, each already escaped by the module that rendered it.
    pub sections: Vec<String>,
}

impl Page {
    /// An empty page titled `title`.
    pub fn new(title: &str) -> Page {
        Page { title: title.to_owned(), sections: Vec::new() }
    }

    /// Adds a section at the end of the body.
    pub fn push(&mut self, section: String) -> &mut Page {
        self.sections.push(section);
        self
    }

    /// The whole self-contained page.
    pub fn render(&self) -> String {
        let (title, body) = (crate::html_escape::escape(&self.title), self.sections.concat());
        // The placeholders are filled in the order they appear, each once: text from a project
        // that happens to read `{{BODY}}` is never taken for one.
        let mut out = String::with_capacity(TEMPLATE.len() + STYLE.len() + body.len());
        let mut rest = TEMPLATE;
        for (key, value) in [("{{TITLE}}", title.as_str()), ("{{STYLE}}", STYLE), ("{{BODY}}", body.as_str())] {
            if let Some((before, after)) = rest.split_once(key) {
                out.push_str(before);
                out.push_str(value);
                rest = after;
            }
        }
        out.push_str(rest);
        out
    }
}

/// How a legend shows one mark of a chart, in the mark's colour (`0xRRGGBB`, the number the
/// chart drew it with: `charts::rgb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swatch {
    /// A filled area or bar.
    Fill(u32),
    /// A solid line.
    Line(u32),
    /// A dashed line.
    Dashed(u32),
    /// A filled dot.
    Dot(u32),
    /// A hollow dot.
    Ring(u32),
}

impl Swatch {
    fn html(self) -> String {
        let (class, colour) = match self {
            Swatch::Fill(c) => ("fill", c),
            Swatch::Line(c) => ("line", c),
            Swatch::Dashed(c) => ("dashed", c),
            Swatch::Dot(c) => ("dot", c),
            Swatch::Ring(c) => ("ring", c),
        };
        format!("<i class=\"sw {class}\" style=\"color:#{:06x}\"></i>", colour & 0xff_ffff)
    }
}

/// A chart as every page shows it: the SVG in a box of its own that scrolls sideways when the
/// window is narrower than the chart (the page never does), and under it the legend, one
/// swatch and label per kind of mark, then `caption`, HTML saying what else the reader needs.
/// `label` names the chart for screen readers. Labels are plain text (escaped here). A chart
/// that could not be drawn (`svg` empty: no finite values) gives no figure, rather than a
/// legend of nothing.
pub fn figure(label: &str, svg: &str, legend: &[(Swatch, &str)], caption: &str) -> String {
    if svg.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<figure class=\"chart\"><div class=\"scroll\" role=\"img\" aria-label=\"{}\">{svg}</div><figcaption>",
        crate::html_escape::escape(label)
    );
    if !legend.is_empty() {
        out.push_str("<span class=\"legend\">");
        for (swatch, text) in legend {
            out.push_str(&format!("<span class=\"key\">{}{}</span>", swatch.html(), crate::html_escape::escape(text)));
        }
        out.push_str("</span> ");
    }
    out.push_str(caption);
    out.push_str("</figcaption></figure>\n");
    out
}

/// An HTML table in a box that scrolls sideways when the table is wider than the text column,
/// so a long crate name or command never widens the page. Every table of every page is in one.
pub fn scrolling(table: &str) -> String {
    format!("<div class=\"scroll\">{table}</div>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_has_one_stylesheet_its_escaped_title_and_its_sections_in_order() {
        let mut page = Page::new("a <b> & c {{STYLE}}");
        page.push("<h1>one</h1>\n".to_owned()).push("<section>two {{BODY}}</section>\n".to_owned());
        let html = page.render();
        assert!(html.starts_with("<!DOCTYPE html>\n"), "{html}");
        assert!(html.contains("<title>a &lt;b&gt; &amp; c {{STYLE}}</title>"), "{html}");
        assert_eq!(html.matches("<style>").count(), 1);
        assert!(html.contains("td.num, td.n {"), "{html}");
        assert!(html.contains("<body>\n<h1>one</h1>\n<section>two {{BODY}}</section>\n\n</body>\n</html>"), "{html}");
    }

    #[test]
    fn a_figure_has_its_chart_in_a_scrolling_box_and_a_legend_with_escaped_labels() {
        let html = figure(
            "a <chart>",
            "<svg></svg>",
            &[(Swatch::Fill(0x1f77b4), "frontend & more"), (Swatch::Dashed(0x5a5a5a), "floor")],
            "Caption.",
        );
        assert!(html.starts_with("<figure class=\"chart\"><div class=\"scroll\" role=\"img\" aria-label=\"a &lt;chart&gt;\"><svg></svg></div>"), "{html}");
        assert!(html.contains("<i class=\"sw fill\" style=\"color:#1f77b4\"></i>frontend &amp; more</span>"), "{html}");
        assert!(
            html.contains(
                "<i class=\"sw dashed\" style=\"color:#5a5a5a\"></i>floor</span></span> Caption.</figcaption></figure>"
            ),
            "{html}"
        );
        assert_eq!(figure("nothing", "", &[(Swatch::Dot(0), "a")], "Caption."), "");
        // The stylesheet draws every kind of swatch.
        for class in [".sw.fill", ".sw.line", ".sw.dashed", ".sw.dot", ".sw.ring", ".scroll"] {
            assert!(STYLE.contains(class), "{class} missing from style.css");
        }
    }
}
