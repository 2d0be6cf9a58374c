//! Views of the build-time history: series with their change points and the units that moved
//! most across each (`history show`, `history report`), and the CI gate (`history gate`).

use std::fmt::Write as _;

use buildbench_history::{History, HistoryError, Series};
use buildbench_model::stats::changepoint::{ChangePoint, Settings, detect};
use buildbench_model::stats::power::Power;
use buildbench_model::stats::{Comparison, compare_with, decide_family};
use serde::Serialize;

use crate::across_studies::{self, Underpowered, cell_power, holm_confidence};
use crate::export::markdown::cell as md;
use crate::format::percent;
use crate::html_escape::escape;
use crate::seconds;

/// One series with what was found in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub series: Series,
    /// Change points in the series of medians, each with the units whose time changed most
    /// across it: (unit, mean seconds before, mean seconds after).
    pub changes: Vec<Change>,
}

/// A change point and its likely cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub point: ChangePoint,
    /// The commit of the first point after the change.
    pub commit: Option<String>,
    /// Units (crates) whose time moved most across the change, largest first.
    pub units: Vec<(String, f64, f64)>,
}

/// How many of the newest studies of a series change points are looked for in (and the trend
/// chart draws): PELT's pruning saves little on a long series without changes, where its time
/// grows with the square of the length.
pub const WINDOW: usize = 2000;

/// The trends of every series (see `History::series`).
pub fn trends(history: &History, series: Vec<Series>) -> Result<Vec<Trend>, HistoryError> {
    let mut out = Vec::new();
    for s in series {
        let skip = s.points.len().saturating_sub(WINDOW);
        let medians: Vec<f64> = s.points.iter().skip(skip).map(|p| p.median).collect();
        let mut points = detect(&medians, &Settings::default());
        for p in &mut points {
            p.index += skip;
        }
        let mut changes = Vec::new();
        // Every unit time of the series, read once (only when there is a change to explain).
        let unit_times = if points.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<i64> = s.points.iter().map(|p| p.study).collect();
            history.units(&s.configuration, &s.scenario, &ids)?
        };
        let mut bounds: Vec<usize> = vec![skip];
        bounds.extend(points.iter().map(|c| c.index));
        bounds.push(s.points.len());
        for (k, point) in points.into_iter().enumerate() {
            let ids = |a: usize, b: usize| -> Vec<i64> {
                s.points.get(a..b).map(|p| p.iter().map(|x| x.study).collect()).unwrap_or_default()
            };
            let (before, after) = (ids(bounds[k], point.index), ids(point.index, bounds[k + 2]));
            let before_set: std::collections::HashSet<i64> = before.iter().copied().collect();
            let after_set: std::collections::HashSet<i64> = after.iter().copied().collect();
            let mut units: Vec<(String, f64, f64)> = unit_times
                .iter()
                .map(|(unit, times)| {
                    let mean = |ids: &std::collections::HashSet<i64>| {
                        let v: Vec<f64> = times.iter().filter(|(id, _)| ids.contains(id)).map(|(_, t)| *t).collect();
                        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
                    };
                    (unit.clone(), mean(&before_set).unwrap_or(0.0), mean(&after_set).unwrap_or(0.0))
                })
                .collect();
            units.sort_by(|a, b| (b.2 - b.1).abs().total_cmp(&(a.2 - a.1).abs()));
            units.truncate(5);
            let commit = s.points.get(point.index).and_then(|p| p.commit.clone());
            changes.push(Change { point, commit, units });
        }
        out.push(Trend { series: s, changes });
    }
    Ok(out)
}

/// `▁▂▃▄▅▆▇█` from low to high.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(*v), h.max(*v)));
    values
        .iter()
        .map(|v| {
            let x = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            BARS[((x * 7.0).round() as usize).min(7)]
        })
        .collect()
}

fn short(commit: Option<&str>) -> String {
    commit.map_or_else(|| "-".to_owned(), |c| c.chars().take(10).collect())
}

/// `history show` as text: per series, a sparkline and the last points, then the change points.
pub fn show_text(trends: &[Trend]) -> String {
    let mut out = String::new();
    for t in trends {
        let s = &t.series;
        let medians: Vec<f64> = s.points.iter().map(|p| p.median).collect();
        let machine: Vec<&str> = s.machine.split(" | ").take(3).collect();
        let _ = writeln!(
            out,
            "{} / {}  ({} studies, {})",
            s.configuration,
            s.scenario,
            s.points.len(),
            machine.join(" | ")
        );
        let _ = writeln!(out, "  {}", sparkline(&medians));
        for p in s.points.iter().rev().take(10).collect::<Vec<_>>().into_iter().rev() {
            let ci = p.ci95.map(|(l, h)| format!(" [{}, {}]", seconds(l), seconds(h))).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}  {:<10}  {}{ci}",
                p.date.get(..10).unwrap_or(&p.date),
                short(p.commit.as_deref()),
                seconds(p.median)
            );
        }
        for c in &t.changes {
            let _ = writeln!(
                out,
                "  change at {}: {:+.1}%{}",
                short(c.commit.as_deref()),
                (c.point.ratio - 1.0) * 100.0,
                c.units
                    .first()
                    .map(|(u, a, b)| format!(" (most: {u} {} → {})", seconds(*a), seconds(*b)))
                    .unwrap_or_default()
            );
        }
        out.push('\n');
    }
    if trends.is_empty() {
        out.push_str("no series: add studies with `buildbench history add STUDY`\n");
    }
    out
}

/// `history show --format md`.
pub fn show_markdown(trends: &[Trend]) -> String {
    let mut out = String::from(
        "| configuration | scenario | studies | trend | last median | change points |\n|---|---|---|---|---|---|\n",
    );
    for t in trends {
        let s = &t.series;
        let medians: Vec<f64> = s.points.iter().map(|p| p.median).collect();
        let changes: Vec<String> = t
            .changes
            .iter()
            .map(|c| format!("{} {:+.1}%", short(c.commit.as_deref()), (c.point.ratio - 1.0) * 100.0))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            s.configuration.replace('|', "\\|"),
            s.scenario,
            s.points.len(),
            sparkline(&medians),
            medians.last().map_or_else(|| "-".to_owned(), |m| seconds(*m)),
            if changes.is_empty() { "none".to_owned() } else { changes.join(", ") }
        );
    }
    out
}

/// `history show --format csv`: one row per point.
pub fn show_csv(trends: &[Trend]) -> String {
    let mut out = String::from("configuration,scenario,date,commit,median,ci_low,ci_high,change_point\n");
    for t in trends {
        for (i, p) in t.series.points.iter().enumerate() {
            let change = t.changes.iter().any(|c| c.point.index == i);
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                crate::export::csv_field(&t.series.configuration),
                t.series.scenario,
                crate::export::csv_field(&p.date),
                crate::export::csv_field(p.commit.as_deref().unwrap_or("")),
                p.median,
                p.ci95.map_or(String::new(), |c| c.0.to_string()),
                p.ci95.map_or(String::new(), |c| c.1.to_string()),
                change
            );
        }
    }
    out
}

/// The gate's verdict on one series: the newest study against the segment before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateRow {
    pub configuration: String,
    pub scenario: String,
    pub commit: Option<String>,
    /// Newest mean / previous segment's mean, less 1 (0.08: 8% slower); `None` when not
    /// compared.
    pub slower_by: Option<f64>,
    /// `None` when the newest study or the segment before it has fewer than two samples.
    pub comparison: Option<Comparison>,
    pub regression: bool,
    /// What the comparison could detect at the noise measured within the studies, at the
    /// confidence of Holm's first step over the series compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<Power>,
    /// Set when the series has too few samples to catch a slowdown of the threshold: the gate
    /// fails unless `--allow-underpowered`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub underpowered: Option<Underpowered>,
}

/// How `history gate` decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateOptions {
    /// Slower by more than this (and significant) is a regression.
    pub threshold: f64,
    /// Pass even when a series is underpowered (it is still named).
    pub allow_underpowered: bool,
}

/// `history gate`'s result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryGate {
    /// Slower by more than this (and significant) is a regression.
    pub threshold: f64,
    /// What the differences include besides the code's (the studies' runners and times), and
    /// the gate for pull requests that measures both revisions on one runner.
    pub note: String,
    /// The confidence each series' power is computed at: Holm's first step, 1 − 0.05/m over
    /// the m series compared.
    pub confidence: f64,
    /// Underpowered series do not fail the gate.
    pub allow_underpowered: bool,
    /// Every series with a study before its newest.
    pub rows: Vec<GateRow>,
    /// Series (`configuration/scenario`) whose newest study is their only one: nothing came
    /// before it to compare with.
    pub first_studies: Vec<String>,
}

impl HistoryGate {
    /// Series whose newest study is a regression.
    pub fn regressions(&self) -> usize {
        self.rows.iter().filter(|r| r.regression).count()
    }

    /// The underpowered series, each as `across_studies::describe` names it.
    pub fn underpowered(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter_map(|r| {
                let u = r.underpowered.as_ref()?;
                Some(across_studies::describe(&format!("{}/{}", r.configuration, r.scenario), u))
            })
            .collect()
    }

    /// Why nothing was compared, when nothing was: one line, as `diff` says it.
    pub fn nothing_compared(&self) -> Option<String> {
        if self.rows.iter().any(|r| r.comparison.is_some()) {
            return None;
        }
        let why = if !self.rows.is_empty() {
            "no series has two samples both in its newest study and in the studies before it"
        } else if !self.first_studies.is_empty() {
            "every series has a single study, so nothing came before the newest (add studies of earlier commits with `buildbench history add`)"
        } else {
            "the history has no series for this selection"
        };
        Some(format!("nothing was compared: {why}; the check fails"))
    }

    /// Does the gate fail? On a regression, nothing compared, or an underpowered series
    /// without `allow_underpowered`.
    pub fn fails(&self) -> bool {
        self.regressions() > 0
            || self.nothing_compared().is_some()
            || (!self.allow_underpowered && self.rows.iter().any(|r| r.underpowered.is_some()))
    }
}

/// One side's values grouped by block (`stats::blocks::Groups`, owned).
type Blocks = Vec<(u32, Vec<f64>)>;

/// `history gate`: for every series, the newest study's samples against those of the studies
/// since the last change point before it (Welch's t-test); Holm's correction over every series,
/// as `diff` does; a regression is significant and slower by more than the threshold. As in
/// `diff`, each series gets its power, and one with too few samples to catch a slowdown of the
/// threshold is underpowered.
pub fn gate(trends: &[Trend], options: &GateOptions) -> HistoryGate {
    let threshold = options.threshold;
    let mut rows = Vec::new();
    let mut first_studies = Vec::new();
    // Per row, the segment and the newest study as groups for `cell_power`: each study is a
    // block of its own, so the noise is measured within studies.
    let mut sides: Vec<[Blocks; 2]> = Vec::new();
    for t in trends {
        let points = &t.series.points;
        let Some((newest, previous)) = points.split_last() else { continue };
        if previous.is_empty() {
            first_studies.push(format!("{}/{}", t.series.configuration, t.series.scenario));
            continue;
        }
        let n = previous.len();
        let start = t.changes.iter().map(|c| c.point.index).filter(|&i| i < n).max().unwrap_or(0);
        let segment = previous.get(start..).unwrap_or(&[]);
        let base: Vec<f64> = segment.iter().flat_map(|p| p.samples.iter().copied()).collect();
        let comparison = (base.len() >= 2 && newest.samples.len() >= 2)
            .then(|| compare_with(&base, &newest.samples, &buildbench_model::stats::Settings::wall(0.0)))
            .flatten();
        rows.push(GateRow {
            configuration: t.series.configuration.clone(),
            scenario: t.series.scenario.clone(),
            commit: newest.commit.clone(),
            slower_by: comparison.as_ref().map(|c| 1.0 / c.speedup - 1.0),
            comparison,
            regression: false,
            power: None,
            underpowered: None,
        });
        sides.push([
            (0..).zip(segment).map(|(i, p)| (i, p.samples.clone())).collect(),
            vec![(u32::MAX, newest.samples.clone())],
        ]);
    }
    decide_family(rows.iter_mut().filter_map(|r| r.comparison.as_mut()), 0.0, 0.05);
    let confidence = holm_confidence(across_studies::family_size(rows.iter().map(|r| r.comparison.as_ref())));
    for (r, [base, new]) in rows.iter_mut().zip(&sides) {
        r.regression =
            r.comparison.as_ref().is_some_and(|c| c.significant) && r.slower_by.is_some_and(|s| s > threshold);
        let power = cell_power(base, new, threshold, confidence);
        r.power = power.power;
        r.underpowered = power.underpowered;
    }
    HistoryGate {
        threshold,
        note: across_studies::note(threshold),
        confidence,
        allow_underpowered: options.allow_underpowered,
        rows,
        first_studies,
    }
}

/// The gate as Markdown.
pub fn gate_markdown(g: &HistoryGate) -> String {
    if let Some(why) = g.nothing_compared() {
        return format!("{}\n", md(&across_studies::capitalized(&why)));
    }
    let mut out = String::from(
        "| configuration | scenario | newest commit | change vs previous segment | p (Holm) | catches (80%) | verdict |\n|---|---|---|---|---|---|---|\n",
    );
    for r in &g.rows {
        let verdict = if r.regression {
            "**regression**"
        } else if r.underpowered.is_some() {
            "**underpowered**"
        } else if r.comparison.is_none() {
            "-"
        } else {
            "ok"
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            md(&r.configuration),
            md(&r.scenario),
            md(&short(r.commit.as_deref())),
            r.slower_by.map_or_else(|| "-".to_owned(), |x| format!("{:+.1}%", x * 100.0)),
            r.comparison.as_ref().map_or_else(|| "-".to_owned(), crate::format::p_values),
            across_studies::detectable(r.power.as_ref()),
            verdict
        );
    }
    let compared = g.rows.iter().filter(|r| r.comparison.is_some()).count();
    let _ = writeln!(
        out,
        "\n{} regression(s) beyond {} (Welch's t-test against the studies since the last change point, Holm over {} series)",
        g.regressions(),
        percent(g.threshold),
        compared
    );
    let _ = writeln!(
        out,
        "\n*catches (80%)*: the smallest slowdown this check calls a regression 80% of the time, at the noise measured within the studies and Holm's strictest step (p < {:.4}).",
        1.0 - g.confidence
    );
    let underpowered = g.underpowered();
    if !underpowered.is_empty() {
        let _ = writeln!(
            out,
            "\n**Underpowered**: {}",
            md(&across_studies::underpowered_warning("series", &underpowered, g.threshold, g.allow_underpowered))
        );
    }
    if !g.first_studies.is_empty() {
        let _ =
            writeln!(out, "\nFirst study of {}: nothing before it to compare with.", md(&g.first_studies.join(", ")));
    }
    let _ = writeln!(out, "\n**Note**: {}", g.note);
    out
}

/// `history report`: a self-contained page with one chart per series (median and 95% band over
/// the commits, change points marked) and, per change point, the units that moved most.
/// `commit_url` turns commits into links (`https://github.com/o/r/commit/{}`).
pub fn report_html(trends: &[Trend], commit_url: Option<&str>) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>buildbench history</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}.slower{color:#b00}.faster{color:#070}</style>\n</head>\n<body>\n<h1>Build-time history</h1>\n",
    );
    let link = |c: Option<&str>| -> String {
        let Some(c) = c else { return "-".to_owned() };
        let text = escape(&short(Some(c)));
        match commit_url {
            Some(url) if c.chars().all(|x| x.is_ascii_alphanumeric()) => {
                format!("<a href=\"{}\">{text}</a>", escape(&url.replace("{}", c)))
            }
            _ => text,
        }
    };
    for t in trends {
        let s = &t.series;
        let _ = writeln!(
            out,
            "<h2>{} / {}</h2>\n<p>{} studies, {}</p>",
            escape(&s.configuration),
            escape(&s.scenario),
            s.points.len(),
            escape(&s.machine)
        );
        out.push_str(&crate::charts::draw_trend(t));
        if t.changes.is_empty() {
            out.push_str("<p>No change point.</p>\n");
            continue;
        }
        out.push_str("<table><tr><th>change at</th><th>change</th><th>units that moved most</th></tr>\n");
        for c in &t.changes {
            let class = if c.point.ratio > 1.0 { "slower" } else { "faster" };
            let units: Vec<String> =
                c.units.iter().map(|(u, a, b)| format!("{} {} → {}", escape(u), seconds(*a), seconds(*b))).collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"{class}\">{:+.1}%</td><td>{}</td></tr>",
                link(c.commit.as_deref()),
                (c.point.ratio - 1.0) * 100.0,
                units.join("<br>")
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
