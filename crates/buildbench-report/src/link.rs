//! The results of `buildbench link`: per debuginfo level, each linker's relink times, its
//! speedup over the resolved default linker and over GNU ld (bfd), and the verdict on the
//! "mold links 2-5x faster" claim.

use std::fmt::Write as _;

use buildbench_model::claims::{Verdict, describe};
use buildbench_model::stats::{Comparison, Summary, WALL_RESOLUTION, compare};
use buildbench_model::{Debuginfo, LinkStudy, Linker, LinkerStatus};
use serde::Serialize;

use crate::color::Styled;
use crate::format::{bytes, first_line, opt_seconds, p_value, speedup};
use crate::{Align, Table};

/// The claim checked, from the built-in claims (`claims.json`), so `compare` and `link` judge
/// "mold links 2-5x faster" by the same bounds.
const CLAIM: &str = "mold-link";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkerRow {
    pub linker: Linker,
    pub status: LinkerStatus,
    /// Seconds per measured run.
    pub samples: Vec<f64>,
    pub stats: Option<Summary>,
    /// Default mean / this mean.
    pub vs_default: Option<Comparison>,
    /// bfd mean / this mean.
    pub vs_bfd: Option<Comparison>,
    pub output_bytes: Option<u64>,
    pub linked_by: Option<String>,
    pub verified: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimVerdict {
    /// `mold vs default`, `mold vs bfd`.
    pub compared: String,
    pub verdict: Verdict,
    /// `holds (2-5x): measured 2.8x [2.5x, 3.1x]`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelSummary {
    pub debuginfo: Debuginfo,
    pub artifacts: Vec<(String, u64)>,
    pub linkers: Vec<LinkerRow>,
    pub verdicts: Vec<ClaimVerdict>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkSummary {
    pub project: String,
    pub default_linker: Option<String>,
    pub runs: u32,
    /// How many times the verdicts could be looked at (1 unless `--until-verdict`).
    pub looks: u32,
    pub total_seconds: f64,
    pub levels: Vec<LevelSummary>,
}

pub fn summarize(study: &LinkStudy, noise: f64) -> LinkSummary {
    let levels = study
        .levels
        .iter()
        .map(|level| {
            let times = |l: Linker| {
                level
                    .linkers
                    .iter()
                    .find(|r| r.linker == l && r.status == LinkerStatus::Ok)
                    .map(|r| r.samples.clone())
                    .unwrap_or_default()
            };
            let (default, bfd) = (times(Linker::Default), times(Linker::Bfd));
            let rows: Vec<LinkerRow> = level
                .linkers
                .iter()
                .map(|r| {
                    let ok = r.status == LinkerStatus::Ok;
                    LinkerRow {
                        linker: r.linker,
                        status: r.status,
                        samples: r.samples.clone(),
                        // Link times come from the wrapper's own clock.
                        stats: Summary::with_resolution(&r.samples, WALL_RESOLUTION),
                        // No row is compared with itself: the reference's cell says so instead.
                        vs_default: if ok && r.linker != Linker::Default {
                            compare(&default, &r.samples, noise)
                        } else {
                            None
                        },
                        vs_bfd: if ok && r.linker != Linker::Bfd { compare(&bfd, &r.samples, noise) } else { None },
                        output_bytes: r.output_bytes,
                        linked_by: r.linked_by.clone(),
                        verified: r.verified.clone(),
                        error: r.error.clone().map(|e| match &r.install {
                            Some(i) => format!("{e}; install: {i}"),
                            None => e,
                        }),
                    }
                })
                .collect();
            // claims.json is part of the binary and a test checks it holds this claim.
            let claim = buildbench_model::claims::builtin_claim(CLAIM);
            let verdicts = claim
                .iter()
                .flat_map(|claim| {
                    buildbench_model::link::mold_verdicts(&default, &bfd, &times(Linker::Mold), study.looks)
                        .into_iter()
                        .map(|(other, c, verdict)| ClaimVerdict {
                            compared: format!("mold vs {other}"),
                            verdict,
                            text: describe(verdict, c.as_ref(), claim.low, claim.high),
                        })
                })
                .collect();
            LevelSummary { debuginfo: level.debuginfo, artifacts: level.artifacts.clone(), linkers: rows, verdicts }
        })
        .collect();
    LinkSummary {
        project: study.project.clone(),
        default_linker: study.default_linker.clone(),
        runs: study.runs,
        looks: study.looks,
        total_seconds: study.total_seconds,
        levels,
    }
}

/// Which interval is which: the table's are each pair's own 95% intervals; the claim lines'
/// are corrected for the two comparisons and every look (`link::mold_verdicts`), so the same
/// pair gets a wider one there.
pub fn intervals_note(looks: u32) -> String {
    let looks = looks.max(1);
    let confidence = 100.0 - 5.0 / f64::from(2 * looks);
    let why =
        if looks > 1 { format!("the two comparisons and {looks} looks") } else { "the two comparisons".to_owned() };
    format!(
        "intervals: the table's are 95% for each pair on its own; the claim's are {confidence:.2}% (Bonferroni over \
         {why}), so they are wider for the same pair"
    )
}

/// rustc's output name without cargo's metadata hash: `example_app-a60a1f2b3c4d5e6f` is
/// `example_app`, the name a person knows the binary by.
fn without_hash(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((stem, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => stem,
        _ => name,
    }
}

/// The terminal view, uncoloured.
pub fn text(s: &LinkSummary) -> String {
    styled(s).plain()
}

/// The terminal view, safe for a terminal, its verdicts painted when `color`.
pub fn terminal(s: &LinkSummary, color: bool) -> String {
    styled(s).terminal(color)
}

/// The terminal view with each verdict toned.
fn styled(s: &LinkSummary) -> Styled {
    let mut out = Styled::default();
    let _ = writeln!(out, "default linker: {}", s.default_linker.as_deref().unwrap_or("unknown"));
    for level in &s.levels {
        let arts: Vec<String> =
            level.artifacts.iter().map(|(n, b)| format!("{} ({})", without_hash(n), bytes(*b))).collect();
        let _ = writeln!(out, "\ndebuginfo={}: relinking {}", level.debuginfo, arts.join(", "));
        let mut t = Table::new(&[
            ("linker", Align::Left),
            ("median", Align::Right),
            ("vs default [95% CI]", Align::Right),
            ("p", Align::Right),
            ("vs bfd [95% CI]", Align::Right),
            ("n", Align::Right),
            ("", Align::Left),
        ]);
        for r in &level.linkers {
            let note = match (&r.error, &r.linked_by) {
                (Some(e), _) => format!("{}: {}", r.status.as_str(), first_line(e)),
                (None, Some(l)) => format!("linked by {l}; {}", r.verified.as_deref().unwrap_or("")),
                _ => String::new(),
            };
            let reference = |l: Linker, c: &Option<buildbench_model::stats::Comparison>| match c {
                _ if r.linker == l && r.status == LinkerStatus::Ok => "reference".to_owned(),
                Some(c) => speedup(c),
                None => "-".to_owned(),
            };
            t.row(vec![
                r.linker.to_string(),
                opt_seconds(r.stats.as_ref().map(|s| s.median)),
                reference(Linker::Default, &r.vs_default),
                r.vs_default.as_ref().map_or_else(String::new, |c| p_value(c.p_value)),
                reference(Linker::Bfd, &r.vs_bfd),
                crate::format::runs(r.samples.len()),
                note,
            ]);
        }
        out.append(t.styled());
        if !level.verdicts.is_empty() {
            let _ = writeln!(out, "{}", intervals_note(s.looks));
        }
        for v in &level.verdicts {
            let _ = write!(out, "claim \"mold links 2-5x faster\", {}: ", v.compared);
            out.push_verdict(v.verdict, &v.text);
            out.push('\n');
        }
    }
    let measured = s.levels.iter().flat_map(|l| &l.linkers).map(|r| r.samples.len()).max().unwrap_or(0);
    let stopped = if s.looks > 1 {
        format!(
            " (of at most {}: stopped once both verdicts were decided, intervals corrected for {} looks)",
            s.runs, s.looks
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "\n{measured} measured relinks per linker and level{stopped}; total {:.1}s including the capture builds.",
        s.total_seconds
    );
    out
}

#[cfg(test)]
mod tests {
    use super::without_hash;

    #[test]
    fn binaries_are_named_without_cargos_hash() {
        assert_eq!(without_hash("example_app-a60a1f2b3c4d5e6f"), "example_app");
        assert_eq!(without_hash("my-tool"), "my-tool");
        assert_eq!(without_hash("my-tool-0123"), "my-tool-0123");
    }
}
