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

/// `1.52s [1.48s, 1.56s]`: a mean with its 95% interval; just `1.52s` without one.
pub fn mean_interval(s: &buildbench_model::stats::Summary) -> String {
    match s.ci95 {
        Some((low, high)) => format!("{} [{}, {}]", seconds(s.mean), seconds(low), seconds(high)),
        None => seconds(s.mean),
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

/// `merged with --allow-mixed from 3 machines or toolchains`, for a study merged from more
/// than one (`None` otherwise); each format marks it in its own way.
pub fn mixed(study: &buildbench_model::Study) -> Option<String> {
    (!study.mixed_environments.is_empty()).then(|| {
        format!("merged with --allow-mixed from {} machines or toolchains", study.mixed_environments.len() + 1)
    })
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
///
/// The floats are rounded as serde_json writes them (`Rounded`), in one pass: rounding the
/// printed text afterwards, character by character, took 60% of `timings --format json` on a
/// 10,000-unit report (docs/benchmarks.md).
pub fn json(value: &impl serde::Serialize) -> String {
    let mut text = versioned(rounded_json(value));
    text.push('\n');
    text
}

/// What a pretty-printed JSON object that is not empty starts with.
const OBJECT_START: &str = "{\n";

/// Pretty JSON of `value`, every float rounded as it is written (`Rounded`).
fn rounded_json(value: &impl serde::Serialize) -> String {
    let mut bytes = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, Rounded::default());
    // Serializing our own types into memory cannot fail; an empty document would say so.
    if serde::Serialize::serialize(value, &mut serializer).is_err() {
        bytes.clear();
    }
    // serde_json writes UTF-8 only.
    String::from_utf8(bytes).unwrap_or_default()
}

/// `out` with `schema_version` as the first field of its object; anything else (an array, an
/// empty object, an object that carries its own version, which keeps it) is returned as it is.
fn versioned(out: String) -> String {
    match out.strip_prefix(OBJECT_START) {
        Some(rest) if !rest.starts_with('}') && !rest.trim_start().starts_with("\"schema_version\"") => {
            format!("{OBJECT_START}  \"schema_version\": {JSON_SCHEMA_VERSION},\n{rest}")
        }
        _ => out,
    }
}

/// serde_json's pretty printer, with each float rounded to 12 significant digits as it is
/// written.
#[derive(Default)]
struct Rounded(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for Rounded {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: f64) -> std::io::Result<()> {
        serde_json::ser::CompactFormatter.write_f64(writer, round_significant(value))
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_array(writer)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_object(writer)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_object_key(writer, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// Powers of ten that are exact in an f64 (up to 10²²).
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// `x` rounded to 12 significant digits: the f64 nearest to the 12-digit decimal, whose
/// shortest form (what serde_json prints) then has at most 12 digits.
///
/// Scaling by an exact power of ten, rounding to an integer below 2⁵³ and scaling back is one
/// correctly rounded operation on exact values, so the result is that nearest f64; only a
/// value within an ulp of a half-way point can round the other way than decimal arithmetic
/// would, which changes the twelfth digit by one. Values too large or small for an exact power
/// go through the decimal text, as does anything the scaling cannot hold.
fn round_significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    // Decimal places that leave 12 digits before the point: 11 − the decimal exponent. log10
    // can be one off near a power of ten; the scaled value's size corrects it.
    let mut places = 11 - x.abs().log10().floor() as i32;
    for _ in 0..3 {
        let Some(p) = POWERS_OF_TEN.get(places.unsigned_abs() as usize).copied() else { break };
        let scaled = if places >= 0 { x * p } else { x / p };
        if scaled.abs() >= 1e12 {
            places -= 1;
        } else if scaled.abs() < 1e11 {
            places += 1;
        } else {
            let whole = scaled.round();
            return if places >= 0 { whole / p } else { whole * p };
        }
    }
    round_by_text(x)
}

/// `round_significant` through the decimal text (slow, exact): for magnitudes beyond 10^±22.
fn round_by_text(x: f64) -> f64 {
    format!("{x:.11e}").parse::<f64>().ok().filter(|r| r.is_finite()).unwrap_or(x)
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
    fn floats_are_rounded_to_twelve_significant_digits_like_the_decimal_text() {
        // The fast path against the exact one (the decimal text), over many magnitudes.
        let mut x = 1.234_567_890_123_456_7e-12_f64;
        while x < 1e25 {
            for v in [x, -x, x * 1.000_000_000_049_9, x / 3.0, x * 7.0 / 9.0] {
                let (fast, exact) = (round_significant(v), round_by_text(v));
                // One unit of the twelfth digit at most, and only for a value near a half-way point.
                assert!(fast == exact || (fast - exact).abs() <= exact.abs() * 1.1e-11, "{v:e}: {fast:e} vs {exact:e}");
                let text = fast.to_string();
                let digits = text.trim_start_matches('-').chars().filter(char::is_ascii_digit).collect::<String>();
                assert!(digits.trim_start_matches('0').trim_end_matches('0').len() <= 12, "{v:e} printed as {text}");
            }
            x *= 3.7;
        }
        assert_eq!(round_significant(0.1 + 0.2), 0.3);
        assert_eq!(round_significant(4.8 * 2.0), 9.6);
        assert_eq!(round_significant(1e300), 1e300);
        assert_eq!(round_significant(0.0), 0.0);
        let text = json(&serde_json::json!({"big": 1e300, "tiny": 5e-324, "int": 7, "two": 2.0, "nan": f64::NAN}));
        assert!(
            text.contains("\"two\": 2.0") && text.contains("\"int\": 7") && text.contains("\"nan\": null"),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).ok().map(|v| v["big"].as_f64()), Some(Some(1e300)));
    }

    #[test]
    fn an_object_with_its_own_version_keeps_it_and_other_values_get_none() {
        let text = json(&serde_json::json!({"schema_version": 7, "z": 1}));
        assert_eq!(text.matches("schema_version").count(), 1, "{text}");
        assert!(text.contains("\"schema_version\": 7"), "{text}");
        assert_eq!(json(&[1.5, 2.25]), "[\n  1.5,\n  2.25\n]\n");
        assert_eq!(json(&serde_json::json!({})), "{}\n");
    }

    #[test]
    fn terminal_escape_sequences_are_defused() {
        let text = "a\u{1b}]8;;https://x\u{7}link\u{1b}]8;;\u{7}\u{1b}[2J\r\u{9b}b\nc\td";
        let safe = terminal_safe(text);
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{safe:?}");
        assert!(safe.ends_with("b\nc\td"));
    }
}
