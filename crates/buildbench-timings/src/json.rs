//! Lenient accessors over `serde_json::Value`: cargo's formats change, so every field is optional.

use serde_json::Value;

use crate::ParseError;

/// The lines of `text` that hold a JSON object, numbered from 1. Other lines are skipped: JSON
/// outputs are often captured together with a program's own output.
pub(crate) fn object_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, line)| (i + 1, line.trim())).filter(|(_, line)| line.starts_with('{'))
}

/// Parses one JSON line; an object cut off at the end of its line means a truncated file.
pub(crate) fn parse_line(line: &str, number: usize, format: &'static str) -> Result<Value, ParseError> {
    serde_json::from_str(line).map_err(|e| {
        if e.is_eof() {
            ParseError::Truncated { format, detail: format!("line {number} ends in the middle of a JSON object") }
        } else {
            ParseError::Invalid { format, line: number, message: e.to_string() }
        }
    })
}

pub(crate) fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A finite number; NaN and infinities (printed as `null` by serde_json) count as absent.
pub(crate) fn f64_field(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64).filter(|x| x.is_finite())
}

pub(crate) fn u64_field(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

pub(crate) fn u32_field(v: &Value, key: &str) -> Option<u32> {
    u64_field(v, key).and_then(|n| u32::try_from(n).ok())
}

pub(crate) fn u64_list(v: &Value, key: &str) -> Vec<u64> {
    v.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_u64).collect()).unwrap_or_default()
}

pub(crate) fn string_list(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Reads cargo's `[[name, {start, end}], ...]` section lists, lower-casing names.
pub(crate) fn sections(v: &Value, key: &str) -> Vec<crate::Section> {
    let Some(list) = v.get(key).and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .filter_map(|pair| {
            let pair = pair.as_array()?;
            let name = pair.first()?.as_str()?.to_lowercase();
            let times = pair.get(1)?;
            Some(crate::Section { name, start: f64_field(times, "start")?, end: f64_field(times, "end") })
        })
        .collect()
}

/// Adds the implicit `frontend` (before the first section) and `other` (after the last) sections
/// that cargo's HTML shows, so every format yields the same section list.
pub(crate) fn complete_sections(sections: &mut Vec<crate::Section>, duration: Option<f64>) {
    let Some(first) = sections.first() else { return };
    if first.name != "frontend" && first.start > 0.0 {
        let end = first.start;
        sections.insert(0, crate::Section { name: "frontend".to_owned(), start: 0.0, end: Some(end) });
    }
    let last_end = sections.last().and_then(|s| s.end);
    if let (Some(last_end), Some(duration)) = (last_end, duration) {
        // Cargo adds `other` only when the last section ends before the unit does.
        if last_end < duration && sections.last().is_some_and(|s| s.name != "other") {
            sections.push(crate::Section { name: "other".to_owned(), start: last_end, end: Some(duration) });
        }
    }
}
