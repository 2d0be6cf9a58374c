//! Views of the build-time history: series with their change points, a shift of the newest study
//! not yet confirmed, and the units that moved most at each (`history show`, `history report`),
//! and the CI gate (`history gate`), which compares the newest study with the same last level.
//! What is found and decided is computed in `buildbench_model::history` from the history crate's
//! data; this file only renders it.

use std::fmt::Write as _;

use buildbench_model::history::{HistoryGate, NewestChange, Trend};

use crate::across_studies::{self, capitalized};
use crate::color::Tone;
use crate::format::percent;
use crate::view::{View, labelled, styled};
use crate::{Align, Table, seconds};

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

/// ` (most: unit 1.00s → 1.70s)` for the unit that moved most, or nothing.
fn most(units: &[(String, f64, f64)]) -> String {
    units.first().map(|(u, a, b)| format!(" (most: {u} {} → {})", seconds(*a), seconds(*b))).unwrap_or_default()
}

/// `29.7% slower` or `12.0% faster`, for a ratio of times.
fn slower_or_faster(ratio: f64) -> String {
    if ratio >= 1.0 {
        format!("{:.1}% slower", (ratio - 1.0) * 100.0)
    } else {
        format!("{:.1}% faster", (1.0 - ratio) * 100.0)
    }
}

/// What an unconfirmed shift of the newest studies is, in one sentence for every format: its
/// size against the last level, and that it is not yet a change point.
pub fn newest_sentence(t: &Trend, n: &NewestChange) -> String {
    let shifted = t.series.points.len().saturating_sub(n.shift.index);
    let level = n.shift.index.saturating_sub(n.shift.level_start);
    let level_end = n.shift.index.checked_sub(1).and_then(|i| t.series.points.get(i)).and_then(|p| p.commit.as_deref());
    let (who, confirm) = if shifted <= 1 {
        (format!("the newest study ({}) is", short(n.commit.as_deref())), "a second study".to_owned())
    } else {
        (format!("the newest {shifted} studies (from {}) are", short(n.commit.as_deref())), "more studies".to_owned())
    };
    let span = if level == 1 {
        format!("1 study, {}", short(level_end))
    } else {
        format!("{level} studies, {} to {}", short(n.level_commit.as_deref()), short(level_end))
    };
    format!("{who} {} than the last level ({span}); not yet confirmed by {confirm}", slower_or_faster(n.shift.ratio))
}

/// What `history show` shows, in every format (`export::write`): a table of every series
/// (its trend as a sparkline, its last median, its change points), then a section per series
/// with its last ten studies and what changed at each change point.
pub fn show_view(trends: &[Trend]) -> View {
    let mut view = View::new("buildbench history");
    if trends.is_empty() {
        view.section(2, None).text("no series: add studies with `buildbench history add STUDY`");
        return view;
    }
    view.section(2, None).table(series_table(trends));
    for t in trends {
        series_section(&mut view, t);
    }
    view
}

/// One row per series: its trend, last median and change points.
fn series_table(trends: &[Trend]) -> Table {
    let mut table = Table::new(&[
        ("configuration", Align::Left),
        ("scenario", Align::Left),
        ("studies", Align::Right),
        ("trend", Align::Left),
        ("last median", Align::Right),
        ("change points", Align::Left),
    ]);
    for t in trends {
        let s = &t.series;
        let medians: Vec<f64> = s.points.iter().map(|p| p.median).collect();
        let changes: Vec<String> = t
            .changes
            .iter()
            .map(|c| format!("{} {:+.1}%", short(c.commit.as_deref()), (c.point.ratio - 1.0) * 100.0))
            .chain(t.newest.iter().map(|n| {
                format!(
                    "{} {:+.1}% (newest, not yet confirmed)",
                    short(n.commit.as_deref()),
                    (n.shift.ratio - 1.0) * 100.0
                )
            }))
            .collect();
        table.row(vec![
            s.configuration.clone(),
            s.scenario.clone(),
            s.points.len().to_string(),
            sparkline(&medians),
            medians.last().map_or_else(|| "-".to_owned(), |m| seconds(*m)),
            if changes.is_empty() { "none".to_owned() } else { changes.join(", ") },
        ]);
    }
    table
}

/// One series: its machine, sparkline, last ten studies, and its change points with the units
/// that moved most at each.
fn series_section(view: &mut View, t: &Trend) {
    let s = &t.series;
    let medians: Vec<f64> = s.points.iter().map(|p| p.median).collect();
    let machine: Vec<&str> = s.machine.split(" | ").take(3).collect();
    let heading =
        format!("{} / {}  ({} studies, {})", s.configuration, s.scenario, s.points.len(), machine.join(" | "));
    let mut points = Table::new(&[
        ("date", Align::Left),
        ("commit", Align::Left),
        ("median", Align::Right),
        ("95% interval of the mean", Align::Right),
    ]);
    for p in s.points.iter().rev().take(10).collect::<Vec<_>>().into_iter().rev() {
        points.row(vec![
            p.date.get(..10).unwrap_or(&p.date).to_owned(),
            short(p.commit.as_deref()),
            seconds(p.median),
            p.ci95.map(|(l, h)| format!("[{}, {}]", seconds(l), seconds(h))).unwrap_or_default(),
        ]);
    }
    let mut changes: Vec<String> = t
        .changes
        .iter()
        .map(|c| {
            format!(
                "change at {}: {:+.1}%{}",
                short(c.commit.as_deref()),
                (c.point.ratio - 1.0) * 100.0,
                most(&c.units)
            )
        })
        .collect();
    if let Some(n) = &t.newest {
        changes.push(format!("{}{}", newest_sentence(t, n), most(&n.units)));
    }
    let section = view.section(3, Some(&heading));
    section.text(&sparkline(&medians)).table(points);
    if !changes.is_empty() {
        section.text(&changes.join("\n"));
    }
}

/// `history show --format csv`: one row per point.
pub fn show_csv(trends: &[Trend]) -> String {
    let mut out = String::from("configuration,scenario,date,commit,median,ci_low,ci_high,change_point,newest_shift\n");
    for t in trends {
        for (i, p) in t.series.points.iter().enumerate() {
            let change = t.changes.iter().any(|c| c.point.index == i);
            let shifted = t.newest.as_ref().is_some_and(|n| i >= n.shift.index);
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{}",
                crate::export::csv_field(&t.series.configuration),
                t.series.scenario,
                crate::export::csv_field(&p.date),
                crate::export::csv_field(p.commit.as_deref().unwrap_or("")),
                p.median,
                p.ci95.map_or(String::new(), |c| c.0.to_string()),
                p.ci95.map_or(String::new(), |c| c.1.to_string()),
                change,
                shifted
            );
        }
    }
    out
}

/// What `history gate` shows, in every format (`export::write`; Markdown for a CI job
/// summary): one row per series compared with its last level (regressions and underpowered
/// series toned), how many regressions, what the check catches, and what it cannot tell.
pub fn gate_view(g: &HistoryGate) -> View {
    let mut view = View::new("buildbench history gate");
    let section = view.section(2, None);
    if let Some(why) = g.nothing_compared() {
        section.text(&across_studies::capitalized(&why));
        return view;
    }
    let mut table = Table::new(&[
        ("configuration", Align::Left),
        ("scenario", Align::Left),
        ("newest commit", Align::Left),
        ("last level", Align::Left),
        ("change vs last level", Align::Right),
        ("p (Holm)", Align::Right),
        ("catches (80%)", Align::Right),
        ("verdict", Align::Left),
    ]);
    for r in &g.rows {
        let (verdict, tone) = if r.regression {
            ("regression", Some(Tone::Bad))
        } else if r.underpowered.is_some() {
            ("underpowered", Some(Tone::Unsure))
        } else if r.comparison.is_none() {
            ("-", None)
        } else {
            ("ok", None)
        };
        let level = match r.level_studies {
            0 => "-".to_owned(),
            1 => format!("1 study ({})", short(r.level_commit.as_deref())),
            n => format!("{n} studies from {}", short(r.level_commit.as_deref())),
        };
        table.row(vec![
            r.configuration.clone(),
            r.scenario.clone(),
            short(r.commit.as_deref()),
            level,
            r.slower_by.map_or_else(|| "-".to_owned(), |x| format!("{:+.1}%", x * 100.0)),
            r.comparison.as_ref().map_or_else(|| "-".to_owned(), crate::format::p_values),
            across_studies::detectable(r.power.as_ref()),
            verdict.to_owned(),
        ]);
        table.tone(7, tone);
    }
    section.table(table);
    let compared = g.rows.iter().filter(|r| r.comparison.is_some()).count();
    section.text(&format!(
        "{} regression(s) beyond {} (Welch's t-test against the last level before the newest study, as `history show` names it, Holm over {} series)",
        g.regressions(),
        percent(g.threshold),
        compared
    ));
    section.text(&format!(
        "catches (80%): the smallest slowdown this check calls a regression 80% of the time, at the noise measured within the studies and Holm's strictest step (p < {:.4}).",
        1.0 - g.confidence
    ));
    let underpowered = g.underpowered();
    if !underpowered.is_empty() {
        let mut line = labelled("", "Underpowered", Some(Tone::Unsure));
        line.push_str(&format!(
            ": {}",
            across_studies::underpowered_warning("series", &underpowered, g.threshold, g.allow_underpowered)
        ));
        section.styled(line);
    }
    if !g.first_studies.is_empty() {
        section.text(&format!("First study of {}: nothing before it to compare with.", g.first_studies.join(", ")));
    }
    section.text(&format!("Note: {}", g.note));
    view
}

/// The tone of a change: slower bad, faster good.
fn tone(ratio: f64) -> Tone {
    if ratio > 1.0 { Tone::Bad } else { Tone::Good }
}

/// The legend under a trend chart (`page::figure`): the line and band, and the change lines
/// the chart has.
fn trend_legend(t: &Trend) -> Vec<(crate::page::Swatch, &'static str)> {
    use crate::charts::colour;
    use crate::page::Swatch::{Dashed, Fill, Line};
    let lines = crate::charts::trend_lines(t);
    let mut legend = vec![
        (Line(colour::ACCENT), "median of each study (a dot per study)"),
        (Fill(colour::BAND), "95% interval of each study's mean"),
    ];
    if lines.iter().any(|l| l.confirmed) {
        legend.push((Line(colour::CHANGE), "change point"));
    }
    if lines.iter().any(|l| !l.confirmed) {
        legend.push((Dashed(colour::CHANGE), "newest studies off the last level, not yet confirmed"));
    }
    legend
}

/// What the band means, under every trend chart.
const BAND: &str = "The band is where each study's mean build time lies with 95% confidence, from the spread of its \
                    samples: a move of the line that stays inside the band is within the studies' own noise.";

/// `history report`, in every format (`export::write`; `trend.html` by default): one section
/// per series with its chart (median and 95% band over the commits, change points marked, a
/// legend; HTML only) and, per change point, the units that moved most. The machines the
/// series ran on are named once at the top, and a series names its machine only when the
/// history holds more than one. `commit_url` turns commits into links
/// (`https://github.com/o/r/commit/{}`).
pub fn report_view(trends: &[Trend], commit_url: Option<&str>) -> View {
    let mut view = View::new("buildbench history");
    view.section(1, Some("Build-time history"));
    let machines = machines(trends);
    machines_section(&mut view, &machines);
    for t in trends {
        trend_section(&mut view, t, &machines, commit_url);
    }
    view
}

/// The machines the series ran on, each once, in the order of the series.
fn machines(trends: &[Trend]) -> Vec<&str> {
    let mut machines: Vec<&str> = Vec::new();
    for t in trends {
        if !machines.contains(&t.series.machine.as_str()) {
            machines.push(&t.series.machine);
        }
    }
    machines
}

/// The note of the machines: none, the one every series ran on, or the numbered list the
/// series' headings refer to.
fn machines_section(view: &mut View, machines: &[&str]) {
    let section = view.section(2, None);
    match machines {
        [] => {
            section.text("No series: add studies with `buildbench history add STUDY`.");
        }
        [one] => {
            section.note(&format!("Every series ran on: {one}."));
        }
        many => {
            section.note("The series ran on these machines:");
            section.list(many.iter().enumerate().map(|(i, m)| styled(&format!("{}. {m}", i + 1))).collect());
        }
    }
}

/// One series' section: its heading, its chart, the newest study's shift, and the table of its
/// change points (or that it has none).
fn trend_section(view: &mut View, t: &Trend, machines: &[&str], commit_url: Option<&str>) {
    let s = &t.series;
    let machine = match machines.iter().position(|m| *m == s.machine) {
        Some(i) if machines.len() > 1 => format!(", on machine {}", i + 1),
        _ => String::new(),
    };
    let section = view.section(2, Some(&format!("{} / {}", s.configuration, s.scenario)));
    section.note(&format!("{} {}{machine}.", s.points.len(), if s.points.len() == 1 { "study" } else { "studies" }));
    section.figure(
        &format!("build time of {} / {} over the studies", s.configuration, s.scenario),
        crate::charts::draw_trend(t),
        &trend_legend(t),
        BAND,
    );
    if let Some(n) = &t.newest {
        section.styled(labelled("", &format!("{}.", capitalized(&newest_sentence(t, n))), Some(tone(n.shift.ratio))));
    }
    if t.changes.is_empty() && t.newest.is_none() {
        section.text("No change point.");
        return;
    }
    section.table(changes_table(t, commit_url));
}

/// The table of a series' change points and the newest study's shift: where (linked through
/// `commit_url`), how much (toned), and the units that moved most.
fn changes_table(t: &Trend, commit_url: Option<&str>) -> Table {
    let mut table =
        Table::new(&[("change at", Align::Left), ("change", Align::Right), ("units that moved most", Align::Left)]);
    let rows = t.changes.iter().map(|c| (c.commit.as_deref(), c.point.ratio, &c.units, ""));
    let newest =
        t.newest.iter().map(|n| (n.commit.as_deref(), n.shift.ratio, &n.units, " (newest, not yet confirmed)"));
    for (commit, ratio, units, note) in rows.chain(newest) {
        let units: Vec<String> =
            units.iter().map(|(u, a, b)| format!("{u} {} → {}", seconds(*a), seconds(*b))).collect();
        table.row(vec![
            format!("{}{note}", short(commit)),
            format!("{:+.1}%", (ratio - 1.0) * 100.0),
            units.join("; "),
        ]);
        table.link(0, commit_address(commit, commit_url));
        table.tone(1, Some(tone(ratio)));
    }
    table
}

/// Where `commit_url` (its `{}` replaced by the commit) shows a commit, when there is one and
/// the commit is plain letters and digits.
fn commit_address(commit: Option<&str>, commit_url: Option<&str>) -> Option<String> {
    match (commit, commit_url) {
        (Some(c), Some(url)) if c.chars().all(|x| x.is_ascii_alphanumeric()) => Some(url.replace("{}", c)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use buildbench_model::history::{GateOptions, Point, Series, UnitTimes, gate, trend};

    use super::*;
    use crate::charts::{ChangeLine, trend_lines};
    use crate::export::Format;

    /// A view rendered in `format`, unpainted.
    fn render(view: &View, format: Format) -> String {
        String::from_utf8_lossy(&crate::export::exporter(format).view(view)).into_owned()
    }

    /// `level` with a fixed ±1% jitter of study `i`.
    fn jittered(level: f64, i: usize) -> f64 {
        level * (1.0 + 0.01 * (i as f64 * 1.7).sin())
    }

    /// Eight studies of one cell, commits `c0ffee00` to `c0ffee07`, with `median(i)` seconds and
    /// four samples each; `example-core` takes 1.0 s before `step` and 1.7 s from it, the other
    /// units stay put.
    fn history(median: impl Fn(usize) -> f64, step: usize) -> (Series, Vec<UnitTimes>) {
        let points = (0..8)
            .map(|i| {
                let median = median(i);
                Point {
                    study: i as i64 + 1,
                    commit: Some(format!("c0ffee{i:02}")),
                    branch: Some("main".to_owned()),
                    date: format!("2026-11-{:02}T10:00:00Z", i + 1),
                    median,
                    ci95: Some((median * 0.99, median * 1.01)),
                    samples: [0.99, 1.005, 0.995, 1.01].iter().map(|f| median * f).collect(),
                }
            })
            .collect();
        let series = Series {
            machine: "Linux | example CPU | 8 cores".to_owned(),
            configuration: "default".to_owned(),
            scenario: "clean".to_owned(),
            points,
        };
        let per_study = |f: &dyn Fn(usize) -> f64| (1..=8).map(|id| (id as i64, f(id as usize - 1))).collect();
        let units = vec![
            ("example-core 0.1.0".to_owned(), per_study(&|i| if i < step { 1.0 } else { 1.7 })),
            ("example-bin 0.1.0".to_owned(), per_study(&|i| 0.5 + 0.01 * (i % 3) as f64)),
            ("example-macros 0.1.0".to_owned(), per_study(&|_| 0.3)),
        ];
        (series, units)
    }

    fn trend_of(series: Series, units: Vec<UnitTimes>) -> Trend {
        trend(series, |_| Ok::<_, std::convert::Infallible>(units)).unwrap_or_else(|e| match e {})
    }

    fn gate_of(t: &Trend) -> HistoryGate {
        gate(std::slice::from_ref(t), &GateOptions { threshold: 0.05, allow_underpowered: true })
    }

    /// Issue 23: 2.36 s for seven commits, then 3.06 s at `c0ffee07`. `history show` said
    /// "change at c0ffee06: +13.4%", named the units that moved between the wrong pair, and the
    /// trend drew its line between studies 6 and 7.
    #[test]
    fn only_the_newest_study_slower_is_named_at_it_in_every_output() {
        let (series, units) = history(|i| if i < 7 { jittered(2.36, i) } else { 3.06 }, 7);
        let t = trend_of(series, units);
        assert!(t.changes.is_empty(), "{:?}", t.changes);
        let newest = t.newest.as_ref().expect("the newest study is a shift");
        assert_eq!(newest.commit.as_deref(), Some("c0ffee07"));
        assert!((newest.shift.ratio - 1.30).abs() < 0.01, "{:?}", newest.shift);
        assert_eq!(newest.units[0], ("example-core 0.1.0".to_owned(), 1.0, 1.7));
        assert_eq!(t.last_level, 0..7);

        let text = render(&show_view(std::slice::from_ref(&t)), Format::Table);
        assert!(
            text.contains(
                "the newest study (c0ffee07) is 29.6% slower than the last level (7 studies, c0ffee00 to c0ffee06); not yet confirmed by a second study (most: example-core 0.1.0 1.00s → 1.70s)\n"
            ),
            "{text}"
        );
        assert!(!text.contains("change at"), "{text}");
        let markdown = render(&show_view(std::slice::from_ref(&t)), Format::Md);
        assert!(markdown.contains("| c0ffee07 +29.6% (newest, not yet confirmed) |"), "{markdown}");
        let csv = show_csv(std::slice::from_ref(&t));
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert!(rows[7].contains(",c0ffee07,") && rows[7].ends_with(",false,true"), "{csv}");
        assert!(rows[..7].iter().all(|r| r.ends_with(",false,false")), "{csv}");
        assert_eq!(trend_lines(&t), [ChangeLine { between: (7, 8), confirmed: false }]);
        let html = render(&report_view(std::slice::from_ref(&t), None), Format::Html);
        assert!(html.contains("<p><span class=\"slower\">The newest study (c0ffee07) is 29.6% slower"), "{html}");
        assert!(
            html.contains(
                "<tr><td>c0ffee07 (newest, not yet confirmed)</td><td class=\"n\"><span class=\"slower\">+29.6%</span></td>"
            ),
            "{html}"
        );
        // With --commit-url, the commit links to its forge, in HTML and Markdown.
        let linked = report_view(std::slice::from_ref(&t), Some("https://example.com/c/{}"));
        let html = render(&linked, Format::Html);
        assert!(html.contains("<td><a href=\"https://example.com/c/c0ffee07\">c0ffee07 (newest"), "{html}");
        let md = render(&linked, Format::Md);
        assert!(md.contains("| [c0ffee07 (newest, not yet confirmed)](<https://example.com/c/c0ffee07>) |"), "{md}");
        let json = serde_json::to_value(&t).expect("json");
        assert_eq!(json["newest"]["shift"]["index"], 7);
        assert_eq!(json["last_level"], serde_json::json!({ "start": 0, "end": 7 }));

        // The gate compares the newest study with the same seven studies, and fails.
        let g = gate_of(&t);
        let row = &g.rows[0];
        assert_eq!((row.level_studies, row.level_commit.as_deref()), (7, Some("c0ffee00")));
        assert!(row.slower_by.is_some_and(|s| (s - 0.296).abs() < 0.01), "{row:?}");
        assert!(row.regression && g.fails(), "{row:?}");
        assert!(
            render(&gate_view(&g), Format::Md).contains("| c0ffee07 | 7 studies from c0ffee00 | +29.6% |"),
            "{}",
            render(&gate_view(&g), Format::Md)
        );
    }

    #[test]
    fn a_step_in_the_middle_is_named_at_the_first_study_of_the_new_level_in_every_output() {
        let (series, units) = history(|i| jittered(if i < 4 { 2.36 } else { 3.06 }, i), 4);
        let t = trend_of(series, units);
        assert_eq!(t.newest, None);
        assert_eq!(t.changes.len(), 1, "{:?}", t.changes);
        let change = &t.changes[0];
        assert_eq!((change.point.index, change.commit.as_deref()), (4, Some("c0ffee04")));
        assert!((change.point.ratio - 1.30).abs() < 0.01, "{change:?}");
        // The units that moved between c0ffee03 and c0ffee04.
        assert_eq!(change.units[0], ("example-core 0.1.0".to_owned(), 1.0, 1.7));
        let text = render(&show_view(std::slice::from_ref(&t)), Format::Table);
        assert!(text.contains("change at c0ffee04: +29.7% (most: example-core 0.1.0 1.00s → 1.70s)\n"), "{text}");
        assert!(!text.contains("newest"), "{text}");
        let csv = show_csv(std::slice::from_ref(&t));
        let flagged: Vec<&str> = csv.lines().filter(|r| r.ends_with(",true,false")).collect();
        assert_eq!(flagged.len(), 1, "{csv}");
        assert!(flagged[0].contains(",c0ffee04,"), "{csv}");
        assert_eq!(trend_lines(&t), [ChangeLine { between: (4, 5), confirmed: true }]);
        // The newest study belongs to the new level: compared with the three before it, it
        // passes.
        assert_eq!(t.last_level, 4..7);
        let g = gate_of(&t);
        assert_eq!((g.rows[0].level_studies, g.rows[0].level_commit.as_deref()), (3, Some("c0ffee04")));
        assert!(!g.rows[0].regression, "{:?}", g.rows[0]);
    }

    /// Issue 25: with two studies the x axis read "1 1 1 1 1 1 1 1 1 1 1", counted studies
    /// instead of naming them, and the points had no markers. Each study is named once by its
    /// commit (or its date, without one) and drawn as a dot.
    #[test]
    fn the_trend_axis_names_each_study_by_its_commit_or_date_and_marks_it() {
        use crate::charts::read;
        let (mut series, units) = history(|i| jittered(2.36, i), 8);
        series.points.truncate(2);
        let two = trend_of(series.clone(), units.clone());
        let svg = crate::charts::draw_trend(&two);
        let texts = read::texts(&svg);
        assert_eq!(texts.iter().filter(|t| t.starts_with("c0ffee")).collect::<Vec<_>>(), ["c0ffee00", "c0ffee01"]);
        assert!(texts.contains(&"commit, oldest to newest".to_owned()), "{texts:?}");
        assert!(texts.contains(&"wall time (s)".to_owned()), "{texts:?}");
        assert_eq!(read::elements(&svg, "circle").len(), 2, "a dot per study");

        // Without commits, the dates.
        for p in &mut series.points {
            p.commit = None;
        }
        let svg = crate::charts::draw_trend(&trend_of(series, units.clone()));
        let texts = read::texts(&svg);
        assert_eq!(texts.iter().filter(|t| t.starts_with("2026-")).collect::<Vec<_>>(), ["2026-11-01", "2026-11-02"]);
        assert!(texts.contains(&"study date, oldest to newest".to_owned()), "{texts:?}");

        // Eight studies: each label once, the first among them, at most eight.
        let (series, units) = history(|i| jittered(2.36, i), 8);
        let svg = crate::charts::draw_trend(&trend_of(series, units));
        let labels: Vec<String> = read::texts(&svg).into_iter().filter(|t| t.starts_with("c0ffee")).collect();
        let mut unique = labels.clone();
        unique.dedup();
        assert!(labels.len() >= 4 && labels.len() <= 8 && unique == labels, "{labels:?}");
        assert_eq!(labels[0], "c0ffee00");
        assert_eq!(read::elements(&svg, "circle").len(), 8);
    }

    /// Issue 25: the band was not explained and three lines of machine details repeated above
    /// every chart. The machine is named once; every chart has a legend and says what the band
    /// is.
    #[test]
    fn the_trend_page_names_the_machine_once_and_explains_every_chart() {
        let (series, units) = history(|i| jittered(if i < 4 { 2.36 } else { 3.06 }, i), 4);
        let mut other = series.clone();
        other.configuration = "mold".to_owned();
        let trends = [trend_of(series, units.clone()), trend_of(other, units)];
        let html = render(&report_view(&trends, None), Format::Html);
        assert_eq!(html.matches("Linux | example CPU | 8 cores").count(), 1, "{html}");
        assert_eq!(html.matches("<figure class=\"chart\">").count(), 2);
        assert_eq!(html.matches("95% interval of each study&#39;s mean").count(), 2, "{html}");
        assert_eq!(html.matches("The band is where each study").count(), 2);
        // The line and the band, and the change point both charts have.
        assert_eq!(html.matches("<span class=\"key\">").count(), 6);
        assert_eq!(html.matches("change point</span>").count(), 2, "{html}");
        assert!(!html.contains("not yet confirmed</span>"), "{html}");
        // Two machines: listed once each, and each chart says which.
        let (series, units) = history(|i| jittered(2.36, i), 8);
        let mut elsewhere = series.clone();
        elsewhere.machine = "macOS | M2 | 8 cores".to_owned();
        let html =
            render(&report_view(&[trend_of(series, units.clone()), trend_of(elsewhere, units)], None), Format::Html);
        assert!(html.contains("<li>1. Linux | example CPU | 8 cores</li>\n<li>2. macOS | M2 | 8 cores</li>"), "{html}");
        assert!(html.contains("8 studies, on machine 2."), "{html}");
    }

    #[test]
    fn units_are_named_only_when_both_studies_of_the_pair_have_unit_times() {
        let (series, mut units) = history(|i| jittered(if i < 4 { 2.36 } else { 3.06 }, i), 4);
        for (_, list) in &mut units {
            list.retain(|(study, _)| *study != 4);
        }
        let t = trend_of(series, units);
        assert!(t.changes[0].units.is_empty(), "{:?}", t.changes[0].units);
    }
}
