//! Colour for terminal output, added after the text is laid out (escape codes take no columns on
//! a terminal, so alignment survives): significantly faster speedups green, significantly slower
//! red, verdicts green / red / yellow. Callers decide when (a terminal, no `NO_COLOR`, never JSON).

use buildbench_model::Word as _;

use crate::StudySummary;

const GREEN: &str = "\u{1b}[32m";
const RED: &str = "\u{1b}[31m";
const YELLOW: &str = "\u{1b}[33m";
const RESET: &str = "\u{1b}[0m";

fn paint(text: &str, color: &str) -> String {
    format!("{color}{text}{RESET}")
}

/// Colours the verdict words of claim lines: `holds`, `does not hold`, `inconclusive`.
pub fn verdicts(text: &str) -> String {
    text.lines()
        .map(|line| {
            let is_claim = line.starts_with("  ") || line.starts_with("claim");
            if !is_claim {
                return line.to_owned();
            }
            for (word, color) in [(": does not hold", RED), (": holds", GREEN), (": inconclusive", YELLOW)] {
                if let Some(at) = line.find(word) {
                    let (head, tail) = line.split_at(at + 2);
                    let verdict = &word[2..];
                    return format!("{head}{}{}", paint(verdict, color), &tail[verdict.len()..]);
                }
            }
            line.to_owned()
        })
        .map(|l| l + "\n")
        .collect()
}

/// Colours a study's terminal report: in each scenario's table, the speedup of every cell
/// decided significantly faster (green) or slower (red); then the verdicts.
pub fn report(text: &str, summary: &StudySummary) -> String {
    let mut scenario = None;
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.lines() {
        if let Some(s) = summary.cells.iter().map(|c| c.scenario).find(|s| {
            line == s.as_str() || line.strip_prefix(s.as_str()).is_some_and(|rest| rest.starts_with(" (speedup vs"))
        }) {
            scenario = Some(s);
        }
        let cell = scenario.and_then(|s| {
            summary
                .scenario(s)
                .find(|c| line.strip_prefix(c.configuration.as_str()).is_some_and(|rest| rest.starts_with(' ')))
        });
        let painted = cell
            .and_then(|c| c.comparison.as_ref())
            .filter(|k| k.significant)
            .map(|k| {
                let shown = crate::format::speedup(k);
                let color = if k.speedup > 1.0 { GREEN } else { RED };
                line.replacen(&shown, &paint(&shown, color), 1)
            })
            .unwrap_or_else(|| line.to_owned());
        out.push_str(&painted);
        out.push('\n');
    }
    verdicts(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_words_are_painted_and_nothing_else() {
        let text = "Claims\n  mold links 2-5x: does not hold (2-5x): measured 0.80x\n  x: holds\nplain: holds\n";
        let painted = verdicts(text);
        assert!(painted.contains("\u{1b}[31mdoes not hold\u{1b}[0m (2-5x)"), "{painted:?}");
        assert!(painted.contains("  x: \u{1b}[32mholds\u{1b}[0m"), "{painted:?}");
        assert!(painted.ends_with("plain: holds\n"), "not a claim line: {painted:?}");
    }
}
