//! Escaping for HTML text and attribute values: everything from a project (crate names,
//! features, paths, commands, stderr) goes through here before it reaches the page.

/// Escapes `&`, `<`, `>`, `"` and `'`, which is enough for text and quoted attributes; other
/// control characters than line breaks and tabs (an escape sequence in a commit subject)
/// become U+FFFD, so the page never carries them to whatever shows its source.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' && c != '\r' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a sentence of prose and shows each `` `code` `` span in it as `<code>code</code>`,
/// as Markdown would: the same sentences go to terminals and Markdown with their backticks, and
/// a page must not show them literally. A backtick without a partner stays as it is.
pub fn prose(text: &str) -> String {
    // Only paired backticks open and close spans; the separators are numbered from 1.
    let paired = text.matches('`').count() / 2 * 2;
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in text.split('`').enumerate() {
        if i > paired {
            out.push('`');
        } else if i > 0 {
            out.push_str(if i % 2 == 1 { "<code>" } else { "</code>" });
        }
        out.push_str(&escape(part));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn prose_shows_code_spans_as_code_and_keeps_a_lone_backtick() {
        assert_eq!(
            super::prose("replayed by `buildbench whatif` & `<b>`"),
            "replayed by <code>buildbench whatif</code> &amp; <code>&lt;b&gt;</code>"
        );
        assert_eq!(super::prose("a ` b"), "a ` b");
        assert_eq!(super::prose("`a` and ` c"), "<code>a</code> and ` c");
        assert_eq!(super::prose("no code"), "no code");
        assert_eq!(super::prose(""), "");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(super::escape("\"><script>alert(1)</script>"), "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(super::escape("a & b's"), "a &amp; b&#39;s");
    }
}
