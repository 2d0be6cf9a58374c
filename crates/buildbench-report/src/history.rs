//! Views of the build-time history: series with their change points and the units that moved
//! most across each (`history show`, `history report`), and the CI gate (`history gate`).

use std::fmt::Write as _;

use buildbench_history::{History, HistoryError, Series};
use buildbench_model::stats::changepoint::{ChangePoint, Settings, detect};
use buildbench_model::stats::{Comparison, compare_with, decide_family};
use serde::Serialize;

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
    /// Newest mean / previous segment's mean, less 1 (0.08: 8% slower).
    pub slower_by: f64,
    pub comparison: Comparison,
    pub regression: bool,
}

/// `history gate`: for every series, the newest study's samples against those of the studies
/// since the last change point before it (Welch's t-test); Holm's correction over every series,
/// as `diff` does; a regression is significant and slower by more than `threshold`.
pub fn gate(trends: &[Trend], threshold: f64) -> Vec<GateRow> {
    let mut rows = Vec::new();
    for t in trends {
        let points = &t.series.points;
        let Some((newest, previous)) = points.split_last() else { continue };
        let n = previous.len();
        let start = t.changes.iter().map(|c| c.point.index).filter(|&i| i < n).max().unwrap_or(0);
        let base: Vec<f64> =
            previous.get(start..).unwrap_or(&[]).iter().flat_map(|p| p.samples.iter().copied()).collect();
        if base.len() < 2 || newest.samples.len() < 2 {
            continue;
        }
        let Some(comparison) = compare_with(&base, &newest.samples, &buildbench_model::stats::Settings::wall(0.0))
        else {
            continue;
        };
        rows.push(GateRow {
            configuration: t.series.configuration.clone(),
            scenario: t.series.scenario.clone(),
            commit: newest.commit.clone(),
            slower_by: 1.0 / comparison.speedup - 1.0,
            comparison,
            regression: false,
        });
    }
    decide_family(rows.iter_mut().map(|r| &mut r.comparison), 0.0, 0.05);
    for r in &mut rows {
        r.regression = r.comparison.significant && r.slower_by > threshold;
    }
    rows
}

/// The gate as Markdown.
pub fn gate_markdown(rows: &[GateRow], threshold: f64) -> String {
    let mut out = String::from(
        "| configuration | scenario | newest commit | change vs previous segment | p (Holm) | verdict |\n|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:+.1}% | {} | {} |",
            r.configuration.replace('|', "\\|"),
            r.scenario,
            short(r.commit.as_deref()),
            r.slower_by * 100.0,
            crate::format::p_values(&r.comparison),
            if r.regression { "**regression**" } else { "ok" }
        );
    }
    let _ = writeln!(
        out,
        "\n{} regression(s) beyond {:.0}% (Welch's t-test against the studies since the last change point, Holm over {} series)",
        rows.iter().filter(|r| r.regression).count(),
        threshold * 100.0,
        rows.len()
    );
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
