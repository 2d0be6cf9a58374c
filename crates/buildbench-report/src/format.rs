//! Number formatting shared by every output, so all of them say the same thing the same way.

use buildbench_model::stats::Comparison;

/// Seconds for humans: `0.42s`, `10.1s`, `75.3s`.
pub fn seconds(s: f64) -> String {
    if s < 10.0 { format!("{s:.2}s") } else { format!("{s:.1}s") }
}

pub fn opt_seconds(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_owned(), seconds)
}

/// `1.52x`.
pub fn ratio(x: f64) -> String {
    format!("{x:.2}x")
}

/// `1.52x [1.48x, 1.56x]`, or just `1.52x` without an interval.
pub fn speedup(c: &Comparison) -> String {
    match c.ci95 {
        Some((low, high)) => format!("{} [{}, {}]", ratio(c.speedup), ratio(low), ratio(high)),
        None => ratio(c.speedup),
    }
}

/// `p=0.003`, `p<0.001`, or `-`.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "p<0.001".to_owned(),
        Some(p) => format!("p={p:.3}"),
        None => "-".to_owned(),
    }
}

/// `p=0.049 (0.345)`: the test's own p-value and, in brackets, the one corrected for the family.
pub fn p_values(c: &Comparison) -> String {
    match c.p_adjusted {
        Some(a) if a < 0.001 => format!("{} (<0.001)", p_value(c.p_value)),
        Some(a) => format!("{} ({a:.3})", p_value(c.p_value)),
        None => p_value(c.p_value),
    }
}

/// What the comparison means in words.
pub fn verdict(c: &Comparison) -> &'static str {
    match (c.significant, c.speedup > 1.0) {
        (true, true) => "faster",
        (true, false) => "slower",
        (false, _) if c.p_value.is_none() => "too few samples",
        (false, _) => "no significant difference",
    }
}

/// Bytes for humans: `5.1 MB`.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} kB", n / 1e3)
    } else {
        format!("{n} B")
    }
}

/// The most telling line of an error: cargo's `error` line if there is one, else a panic
/// message, never a backtrace frame.
pub fn first_line(text: &str) -> String {
    buildbench_model::failure_reason(text)
}

/// Text safe to print on a terminal: control characters (escape sequences that move the
/// cursor, set a window title or write a hyperlink, bells, carriage returns) are shown as
/// `\u{..}` instead of being sent; line breaks and tabs stay.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// The cargo arguments every build of a study had, as one line (`None` when there were none).
pub fn cargo_args(study: &buildbench_model::Study) -> Option<String> {
    let args = &study.plan.cargo_args;
    (!args.is_empty()).then(|| format!("cargo arguments: {}", args.join(" ")))
}

/// The sentence about the runners of a sharded study, the same in every format: how much the
/// runners differed apart from the noise within each, and what that means for the speedups.
pub fn runners(study: &buildbench_model::Study, summary: &crate::StudySummary) -> Option<String> {
    let shard_by = summary.shard_by?;
    let n = study.blocks.len();
    let spread = summary.runners.as_ref().map(|r| {
        format!(
            "runners differed by up to {:.0}%; within a runner the noise was {:.1}%",
            r.range * 100.0,
            r.within * 100.0
        )
    });
    Some(match (shard_by, spread) {
        ("block", Some(spread)) => format!(
            "Measured in {n} blocks (shards) on separate runners: {spread}. Speedups are taken within each runner and pooled, so the runners' difference is not in them."
        ),
        ("block", None) => {
            format!("Measured in {n} blocks (shards); speedups are taken within each runner and pooled.")
        }
        (_, spread) => format!(
            "Measured in {n} shards split by cell{}: a speedup between cells measured on different runners includes the runners' difference (shard by block to take speedups within a runner).",
            spread.map(|s| format!(" ({s})")).unwrap_or_default()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escape_sequences_are_defused() {
        let text = "a\u{1b}]8;;https://x\u{7}link\u{1b}]8;;\u{7}\u{1b}[2J\r\u{9b}b\nc\td";
        let safe = terminal_safe(text);
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{safe:?}");
        assert!(safe.ends_with("b\nc\td"));
    }
}
