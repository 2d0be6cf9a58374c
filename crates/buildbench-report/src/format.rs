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

/// `1.52x [1.48x, 1.56x]`; `1.52x [undetermined]` when the interval is unbounded (the other
/// side's mean is not clearly above zero); just `1.52x` with too few samples for an interval.
pub fn speedup(c: &Comparison) -> String {
    match (c.ci95, c.p_value) {
        (Some((low, high)), _) => format!("{} [{}, {}]", ratio(c.speedup), ratio(low), ratio(high)),
        (None, Some(_)) => format!("{} [undetermined]", ratio(c.speedup)),
        (None, None) => ratio(c.speedup),
    }
}

/// A cell's sample count, marked when it is below `stats::MIN_SAMPLES`: `2 (too few)`. Such a
/// cell gets no interval, p-value, verdict or recommendation.
pub fn runs(n: usize) -> String {
    if n > 0 && n < buildbench_model::stats::MIN_SAMPLES { format!("{n} (too few)") } else { n.to_string() }
}

/// `5%`, `2.5%`, `12.3%` (one home for how a share is written, shared with the model's texts).
pub use buildbench_model::across_studies::percent;

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
pub fn cargo_args_line(study: &buildbench_model::Study) -> Option<String> {
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

/// Version of every JSON output's schema (`timings`, `report --format json`, `diff`, `link`,
/// `doctor`, `whatif`); `study.json` has its own (`SCHEMA_VERSION` of the model).
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Pretty JSON of `value` with `schema_version` as its first field (for an object) and every
/// float rounded to 12 significant digits, which no timing needs more of and which removes
/// binary noise (`9.600000000000001` prints as `9.6`). Fields keep the order of the types.
/// Ends with a newline.
pub fn json(value: &impl serde::Serialize) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::with_capacity(text.len() + 32);
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    let mut escaped = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '-' || c.is_ascii_digit() {
            let mut number = String::from(c);
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() || "+-.eE".contains(d) {
                    number.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push_str(&round_number(&number));
        } else {
            out.push(c);
        }
    }
    let versioned = match out.strip_prefix("{\n") {
        // An object that carries its own version keeps it (and gets no second one).
        Some(rest) if !rest.starts_with('}') && !rest.trim_start().starts_with("\"schema_version\"") => {
            format!("{{\n  \"schema_version\": {JSON_SCHEMA_VERSION},\n{rest}")
        }
        _ => out,
    };
    format!("{versioned}\n")
}

/// A float literal rounded to 12 significant digits, in its shortest form; integers unchanged.
fn round_number(literal: &str) -> String {
    if !literal.contains(['.', 'e', 'E']) {
        return literal.to_owned();
    }
    match literal.parse::<f64>().ok().and_then(|x| format!("{x:.11e}").parse::<f64>().ok()) {
        Some(x) if x.is_finite() => {
            let text = x.to_string();
            // Keep it a float literal: `2.0` stays `2.0`, not `2`.
            if text.contains(['.', 'e', 'E']) { text } else { format!("{text}.0") }
        }
        _ => literal.to_owned(),
    }
}

/// The line every report shows when the project selects its own linker: what `default` means
/// in this study.
pub fn own_linker(own: &buildbench_model::OwnLinker) -> String {
    format!(
        "default linker here: the project's own, {} (set by {} in {}); the `default` rows build with it, \
         every other linker row overrides it",
        own.linker, own.flag, own.source
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_outputs_carry_a_schema_version_and_no_float_noise() {
        let text = json(&serde_json::json!({"a": 4.8 * 2.0, "b": [0.1 + 0.2], "c": 3}));
        assert!(
            text.contains("\"a\": 9.6,") && text.contains("0.3\n") && text.contains("\"schema_version\": 1"),
            "{text}"
        );
        assert!(!text.contains("0000000"), "{text}");
    }

    #[test]
    fn terminal_escape_sequences_are_defused() {
        let text = "a\u{1b}]8;;https://x\u{7}link\u{1b}]8;;\u{7}\u{1b}[2J\r\u{9b}b\nc\td";
        let safe = terminal_safe(text);
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{safe:?}");
        assert!(safe.ends_with("b\nc\td"));
    }
}
