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

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(super::escape("\"><script>alert(1)</script>"), "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(super::escape("a & b's"), "a &amp; b&#39;s");
    }
}
