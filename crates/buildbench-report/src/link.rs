//! The results of `buildbench link`: per debuginfo level, each linker's relink times, its
//! speedup over the resolved default linker and over GNU ld (bfd), and the verdict on the
//! "mold links 2-5x faster" claim.

use buildbench_model::claims::{Verdict, describe};
use buildbench_model::linker::without_hash;
use buildbench_model::stats::{Comparison, Summary, WALL_RESOLUTION, compare};
use buildbench_model::{Debuginfo, LinkStudy, Linker, LinkerStatus};
use serde::Serialize;

use crate::format::{bytes, first_line, opt_seconds, p_value, speedup};
use crate::view::View;
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

/// What `buildbench link` shows, in every format (`export::write`): its heading and default
/// linker, then one section per debuginfo level, then how many relinks it took.
pub fn view(s: &LinkSummary) -> View {
    let mut view = View::new("buildbench link");
    view.section(1, Some(&format!("buildbench link: {}", s.project)))
        .text(&format!("Default linker: {}", s.default_linker.as_deref().unwrap_or("unknown")));
    for level in &s.levels {
        level_section(&mut view, level, s.looks);
    }
    view.section(2, None).text(&footer(s));
    view
}

/// One debuginfo level: what was relinked, the table, the note on its intervals and the claim's
/// verdicts, each verdict's word toned by the verdict.
fn level_section(view: &mut View, level: &LevelSummary, looks: u32) {
    let arts: Vec<String> =
        level.artifacts.iter().map(|(n, b)| format!("{} ({})", without_hash(n), bytes(*b))).collect();
    let section = view.section(2, Some(&format!("debuginfo={}: relinking {}", level.debuginfo, arts.join(", "))));
    section.table(level_table(level));
    if !level.verdicts.is_empty() {
        section.text(&intervals_note(looks));
    }
    section.list(
        level
            .verdicts
            .iter()
            .map(|v| {
                let mut item = crate::view::styled(&claim_label(v));
                item.push_verdict(v.verdict, &v.text);
                item
            })
            .collect(),
    );
}

fn level_table(level: &LevelSummary) -> Table {
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
    t
}

/// The last line: how many relinks, whether `--until-verdict` stopped early, the total time.
fn footer(s: &LinkSummary) -> String {
    let measured = s.levels.iter().flat_map(|l| &l.linkers).map(|r| r.samples.len()).max().unwrap_or(0);
    let stopped = if s.looks > 1 {
        format!(
            " (of at most {}: stopped once both verdicts were decided, intervals corrected for {} looks)",
            s.runs, s.looks
        )
    } else {
        String::new()
    };
    format!(
        "{measured} measured relinks per linker and level{stopped}; total {:.1}s including the capture builds.",
        s.total_seconds
    )
}

/// `claim "mold links 2-5x faster", mold vs default: `.
fn claim_label(v: &ClaimVerdict) -> String {
    format!("claim \"mold links 2-5x faster\", {}: ", v.compared)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A summary of one level with the default linker, bfd and mold, names from a hostile project.
    fn summary() -> LinkSummary {
        let row = |linker: Linker, samples: &[f64]| LinkerRow {
            linker,
            status: LinkerStatus::Ok,
            samples: samples.to_vec(),
            stats: Summary::with_resolution(samples, WALL_RESOLUTION),
            vs_default: None,
            vs_bfd: None,
            output_bytes: Some(1000),
            linked_by: Some("<b>ld</b>|x".to_owned()),
            verified: Some("runs --version exactly like the original".to_owned()),
            error: None,
        };
        let mut mold = row(Linker::Mold, &[0.1, 0.11, 0.1]);
        mold.vs_bfd = compare(&[0.5, 0.52, 0.51], &[0.1, 0.11, 0.1], 0.02);
        LinkSummary {
            project: "/p/<script>".to_owned(),
            default_linker: Some("LLD 22.1.2 (rust-lld)".to_owned()),
            runs: 3,
            looks: 1,
            total_seconds: 12.0,
            levels: vec![LevelSummary {
                debuginfo: Debuginfo::Full,
                artifacts: vec![("app-a60a1f2b3c4d5e6f".to_owned(), 2_000_000)],
                linkers: vec![row(Linker::Default, &[0.2, 0.21, 0.2]), row(Linker::Bfd, &[0.5, 0.52, 0.51]), mold],
                verdicts: vec![ClaimVerdict {
                    compared: "mold vs bfd".to_owned(),
                    verdict: Verdict::Holds,
                    text: "holds (2-5x): measured 4.9x [4.5x, 5.3x]".to_owned(),
                }],
            }],
        }
    }

    #[test]
    fn markdown_and_html_show_what_the_terminal_shows_escaped() {
        let s = summary();
        use crate::export::Format;
        let render = |f: Format| String::from_utf8_lossy(&crate::export::exporter(f).view(&view(&s))).into_owned();
        let (text, md, html) = (render(Format::Table), render(Format::Md), render(Format::Html));
        for view in [&text, &md, &html] {
            assert!(view.contains("relinking app (") && !view.contains("a60a1f2b"), "{view}");
            // Markdown escapes the brackets, which would otherwise start a link.
            assert!(view.replace('\\', "").contains("(2-5x): measured 4.9x [4.5x, 5.3x]"), "{view}");
            assert!(view.contains("3 measured relinks per linker and level"), "{view}");
        }
        assert!(md.starts_with("# buildbench link: /p/&lt;script&gt;\n") && md.contains("| mold |"), "{md}");
        assert!(md.contains("- claim \"mold links 2-5x faster\", mold vs bfd: **holds** (2-5x)"), "{md}");
        assert!(html.contains("mold vs bfd: <span class=\"faster\">holds</span> (2-5x)"), "{html}");
        assert!(!md.contains("<b>") && !html.contains("<script>") && !html.contains("<b>ld"), "escaped");
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<td>mold</td>"), "{html}");
    }

    #[test]
    fn binaries_are_named_without_cargos_hash() {
        assert_eq!(without_hash("example_app-a60a1f2b3c4d5e6f"), "example_app");
        assert_eq!(without_hash("my-tool"), "my-tool");
        assert_eq!(without_hash("my-tool-0123"), "my-tool-0123");
    }
}
