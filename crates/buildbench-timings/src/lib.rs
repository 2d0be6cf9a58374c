//! Pure parsers for every cargo build-timing output, one model, and the metrics derived from it.
//!
//! Everything here takes text and returns data plus warnings: no IO, no panics on any input.
//! The formats and their differences across cargo versions are described in `docs/timings.md`.

// Input-derived data never panics this crate: no indexing, unwrap, expect or panic outside tests.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used))]

mod analysis;
mod build_analysis;
pub mod complete;
mod diff;
mod error;
mod html;
mod json;
mod message_format;
mod model;
mod package_id;
mod timing_info;
pub mod whatif;

pub use analysis::{Analysis, CriticalPath, Split, analyze, split};
pub use complete::{Completion, Edges, PackageGraph, complete};
pub use diff::{BuildDiff, UnitChange, diff};
pub use error::ParseError;
pub use message_format::{ArtifactMessage, artifact_messages};
pub use model::{Build, Mode, Parsed, Section, Source, TargetKind, Unit};
pub use package_id::PackageId;

use serde_json::Value;

/// Parses any supported cargo timing output. The format is detected from the content.
pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::Binary)?;
    if text.contains('\0') {
        return Err(ParseError::Binary);
    }
    match detect(text)? {
        Source::Html => html::parse(text),
        Source::BuildAnalysis => build_analysis::parse(text),
        Source::TimingInfo => timing_info::parse(text),
        Source::MessageFormat => message_format::parse(text),
    }
}

/// Detects the format of `text` from its content.
pub fn detect(text: &str) -> Result<Source, ParseError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        if html::has_unit_data(text) {
            return Ok(Source::Html);
        }
        return Err(ParseError::Unrecognized { found: "an HTML page without cargo's `UNIT_DATA`".to_owned() });
    }
    if !trimmed.starts_with('{') {
        if html::has_unit_data(text) {
            return Ok(Source::Html);
        }
        return Err(ParseError::Unrecognized { found: "text that is neither HTML nor JSON lines".to_owned() });
    }
    let mut timing_info = false;
    let mut message_format = false;
    let mut saw_object = false;
    for (number, line) in json::object_lines(text) {
        let value = json::parse_line(line, number, "JSON-lines")?;
        saw_object = true;
        let reason = value.get("reason").and_then(Value::as_str).unwrap_or("");
        if value.get("run_id").is_some() && build_analysis::is_reason(reason) {
            return Ok(Source::BuildAnalysis);
        }
        timing_info |= reason == "timing-info";
        message_format |= message_format::is_reason(reason);
    }
    if timing_info {
        Ok(Source::TimingInfo)
    } else if message_format {
        Ok(Source::MessageFormat)
    } else if saw_object {
        Err(ParseError::Unrecognized { found: "JSON without any cargo `reason` this parser knows".to_owned() })
    } else {
        Err(ParseError::Empty)
    }
}

/// A short description of what the parsers accept, for error messages.
pub const EXPECTED: &str = "a `cargo build --timings` HTML report, a `-Zbuild-analysis` log, \
`--timings=json` timing-info lines or `--message-format=json` output";
