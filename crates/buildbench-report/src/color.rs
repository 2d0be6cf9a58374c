//! Colour for terminal output, carried as data: a renderer that knows a span is good or bad (a
//! verdict, a significantly faster or slower speedup) writes it with its `Tone` into `Styled`
//! text, and `Styled::terminal` makes the whole safe for a terminal and paints the toned spans
//! only when asked. Nothing reads rendered text back to find what to paint. Callers decide when
//! (a terminal, no `NO_COLOR`, never JSON or a file).

use buildbench_model::claims::Verdict;

const GREEN: &str = "\u{1b}[32m";
const RED: &str = "\u{1b}[31m";
const YELLOW: &str = "\u{1b}[33m";
const RESET: &str = "\u{1b}[0m";

/// What a span says, which its colour shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Faster, or a claim that holds: green.
    Good,
    /// Slower, or a claim that does not hold: red.
    Bad,
    /// Undecided: yellow.
    Unsure,
}

impl Tone {
    fn code(self) -> &'static str {
        match self {
            Tone::Good => GREEN,
            Tone::Bad => RED,
            Tone::Unsure => YELLOW,
        }
    }

    /// The tone of a verdict; `None` for "not measured", which is shown plain.
    pub fn of_verdict(v: Verdict) -> Option<Tone> {
        match v {
            Verdict::Holds => Some(Tone::Good),
            Verdict::DoesNotHold => Some(Tone::Bad),
            Verdict::Inconclusive => Some(Tone::Unsure),
            Verdict::NotMeasured => None,
        }
    }
}

/// Text for a terminal made of spans, some toned. `std::fmt::Write` appends plain text, so
/// `write!` works as on a `String`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Styled {
    spans: Vec<(String, Option<Tone>)>,
}

impl Styled {
    /// Appends plain text.
    pub fn push_str(&mut self, text: &str) {
        match self.spans.last_mut() {
            Some((last, None)) => last.push_str(text),
            _ => self.spans.push((text.to_owned(), None)),
        }
    }

    /// Appends a plain character.
    pub fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    /// Appends text with a tone (plain when `tone` is `None`).
    pub fn push_toned(&mut self, text: &str, tone: Option<Tone>) {
        match tone {
            Some(t) => self.spans.push((text.to_owned(), Some(t))),
            None => self.push_str(text),
        }
    }

    /// Appends a verdict's `detail` (`holds (2-5x): measured ...`), the verdict's word at its
    /// start toned by the verdict itself.
    pub fn push_verdict(&mut self, verdict: Verdict, detail: &str) {
        match detail.strip_prefix(verdict.as_str()) {
            Some(rest) => {
                self.push_toned(verdict.as_str(), Tone::of_verdict(verdict));
                self.push_str(rest);
            }
            None => self.push_str(detail),
        }
    }

    /// Appends other styled text.
    pub fn append(&mut self, other: Styled) {
        for (text, tone) in other.spans {
            self.push_toned(&text, tone);
        }
    }

    /// The spans in order, each with its tone (for renderers of other formats).
    pub fn spans(&self) -> impl Iterator<Item = (&str, Option<Tone>)> {
        self.spans.iter().map(|(t, tone)| (t.as_str(), *tone))
    }

    /// Whether there is no text at all.
    pub fn is_empty(&self) -> bool {
        self.spans.iter().all(|(t, _)| t.is_empty())
    }

    /// The text as written, without colour and unfiltered (for Markdown and files).
    pub fn plain(&self) -> String {
        self.spans.iter().map(|(t, _)| t.as_str()).collect()
    }

    /// The text safe to print on a terminal (`format::terminal_safe`, so nothing from a
    /// project sends an escape sequence), with the toned spans painted when `color`.
    pub fn terminal(&self, color: bool) -> String {
        let mut out = String::new();
        for (text, tone) in &self.spans {
            let safe = crate::format::terminal_safe(text);
            match tone {
                Some(t) if color => {
                    out.push_str(t.code());
                    out.push_str(&safe);
                    out.push_str(RESET);
                }
                _ => out.push_str(&safe),
            }
        }
        out
    }
}

impl std::fmt::Write for Styled {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    #[test]
    fn toned_spans_are_painted_only_when_asked_and_text_from_a_project_never_paints() {
        let mut s = Styled::default();
        let _ = write!(s, "  mold links 2-5x \u{1b}[31m: ");
        s.push_verdict(Verdict::DoesNotHold, "does not hold (2-5x): measured 0.80x");
        s.push_str("\n  x: ");
        s.push_verdict(Verdict::Holds, "holds");
        s.push_str("\nplain: holds\n");
        let painted = s.terminal(true);
        assert!(painted.contains("\\u{1b}[31m: \u{1b}[31mdoes not hold\u{1b}[0m (2-5x)"), "{painted:?}");
        assert!(painted.contains("  x: \u{1b}[32mholds\u{1b}[0m"), "{painted:?}");
        assert!(painted.ends_with("plain: holds\n"), "plain text is never painted: {painted:?}");
        assert!(!s.terminal(false).contains("\u{1b}[3"), "{:?}", s.terminal(false));
        assert_eq!(
            s.plain(),
            "  mold links 2-5x \u{1b}[31m: does not hold (2-5x): measured 0.80x\n  x: holds\nplain: holds\n"
        );
    }
}
