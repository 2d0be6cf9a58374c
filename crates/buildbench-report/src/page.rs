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
        assert!(html.contains("td.num {"), "{html}");
        assert!(html.contains("<body>\n<h1>one</h1>\n<section>two {{BODY}}</section>\n\n</body>\n</html>"), "{html}");
    }
}
