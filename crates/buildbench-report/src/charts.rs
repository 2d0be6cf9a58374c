//! SVG charts drawn with plotters. Chart data is computed apart from drawing, so the data can be
//! tested exactly and the drawing stays a thin layer.

use buildbench_model::{Scenario, Study, UnitTiming};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use serde::Serialize;

use crate::summary::{Status, StudySummary};

/// One configuration's row in a samples chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplesRow {
    pub label: String,
    pub samples: Vec<f64>,
    pub median: f64,
    /// 95% interval of the mean.
    pub ci95: Option<(f64, f64)>,
    /// Positions in `samples` flagged as outliers (drawn hollow).
    pub outliers: Vec<usize>,
    pub baseline: bool,
}

/// Every sample of every configuration in one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplesChart {
    pub scenario: Scenario,
    pub rows: Vec<SamplesRow>,
}

pub fn samples_chart(summary: &StudySummary, scenario: Scenario) -> Option<SamplesChart> {
    let rows: Vec<SamplesRow> = summary
        .scenario(scenario)
        .filter(|c| c.status == Status::Ok)
        .filter_map(|c| {
            let stats = c.stats.as_ref()?;
            Some(SamplesRow {
                label: c.configuration.clone(),
                samples: c.samples.clone(),
                median: stats.median,
                ci95: stats.ci95,
                outliers: stats.outliers.clone(),
                baseline: c.configuration == c.reference,
            })
        })
        .collect();
    (!rows.is_empty()).then_some(SamplesChart { scenario, rows })
}

const BASE: RGBColor = RGBColor(90, 90, 90);
const ACCENT: RGBColor = RGBColor(31, 119, 180);
const CI: RGBColor = RGBColor(255, 127, 14);
const FRONTEND: RGBColor = RGBColor(31, 119, 180);
const CODEGEN: RGBColor = RGBColor(158, 202, 225);
const SCRIPT: RGBColor = RGBColor(255, 187, 120);
const OTHER: RGBColor = RGBColor(180, 180, 180);

/// Can this value be drawn on an axis? plotters computes tick marks by stepping through the
/// range, so a non-finite or absurdly large bound (a corrupt study) would never finish.
fn drawable(x: f64) -> bool {
    x.is_finite() && (0.0..=2.0 * buildbench_model::MAX_SECONDS).contains(&x)
}

/// Horizontal dot plot: one row per configuration, every sample a dot (hollow if an outlier),
/// the 95% interval of the mean as a bar, the median as a tick.
pub fn draw_samples(chart: &SamplesChart) -> String {
    let n = chart.rows.len();
    let longest = chart.rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(4);
    let x_max =
        chart.rows.iter().flat_map(|r| r.samples.iter().copied().chain(r.ci95.map(|c| c.1))).fold(0.0f64, f64::max)
            * 1.08;
    let x_max = if x_max > 0.0 { x_max } else { 1.0 };
    if !drawable(x_max) || chart.rows.iter().flat_map(|r| &r.samples).any(|x| !drawable(*x)) {
        return String::new();
    }
    let mut svg = String::new();
    let height = 70 + 34 * n as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let rows = n as i32;
        let labels: Vec<String> = chart.rows.iter().map(|r| r.label.clone()).collect();
        let built = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size((longest as u32 * 7 + 16).min(260))
            .build_cartesian_2d(0f64..x_max, (0..rows).into_segmented());
        let Ok(mut ctx) = built else { return String::new() };
        let _ = ctx
            .configure_mesh()
            .disable_y_mesh()
            .x_max_light_lines(1)
            .y_labels(n.max(1))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => {
                    usize::try_from(*i).ok().and_then(|i| labels.get(i).cloned()).unwrap_or_default()
                }
                _ => String::new(),
            })
            .x_desc("wall time (seconds)")
            .x_label_formatter(&|x| format!("{x:.2}"))
            .label_style(("sans-serif", 16))
            .draw();
        for (i, row) in chart.rows.iter().enumerate() {
            let y = SegmentValue::CenterOf(i as i32);
            let color = if row.baseline { BASE } else { ACCENT };
            if let Some((low, high)) = row.ci95 {
                let _ = ctx.draw_series(std::iter::once(PathElement::new(
                    vec![(low, y.clone()), (high, y.clone())],
                    CI.stroke_width(4),
                )));
            }
            let _ = ctx.draw_series(row.samples.iter().enumerate().map(|(k, &x)| {
                // A small vertical spread keeps equal values visible as separate dots.
                let dy = (k as i32 % 5 - 2) * 3;
                let style = if row.outliers.contains(&k) { color.stroke_width(1) } else { color.filled() };
                EmptyElement::at((x, y.clone())) + Circle::new((0, dy), 4, style)
            }));
            let _ = ctx.draw_series(std::iter::once(
                EmptyElement::at((row.median, y.clone()))
                    + PathElement::new(vec![(0, -12), (0, 12)], BLACK.stroke_width(2)),
            ));
        }
        let _ = root.present();
    }
    svg
}

/// The predicted wall time against job slots (one point per job count, equally spaced), with
/// the critical-path floor as a dashed line.
pub fn draw_jobs(curve: &buildbench_timings::whatif::Curve) -> String {
    let points: Vec<(u32, f64)> = curve.points.clone();
    let y_max = points.iter().map(|p| p.1).fold(curve.floor, f64::max) * 1.1;
    if points.is_empty() || !drawable(y_max) || !drawable(curve.floor) || y_max <= 0.0 {
        return String::new();
    }
    let n = points.len() as i32;
    let labels: Vec<String> = points.iter().map(|p| p.0.to_string()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (480, 240)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let built = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..y_max);
        let Ok(mut ctx) = built else { return String::new() };
        let _ = ctx
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(points.len())
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => {
                    usize::try_from(*i).ok().and_then(|i| labels.get(i).cloned()).unwrap_or_default()
                }
                _ => String::new(),
            })
            .x_desc("jobs")
            .y_desc("predicted wall time (s)")
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style(("sans-serif", 14))
            .draw();
        let line: Vec<(SegmentValue<i32>, f64)> =
            points.iter().enumerate().map(|(i, p)| (SegmentValue::CenterOf(i as i32), p.1)).collect();
        let _ = ctx.draw_series(std::iter::once(PathElement::new(line.clone(), ACCENT.stroke_width(2))));
        let _ = ctx.draw_series(line.into_iter().map(|(x, y)| Circle::new((x, y), 4, ACCENT.filled())));
        let floor = vec![(SegmentValue::Exact(0), curve.floor), (SegmentValue::Last, curve.floor)];
        let _ = ctx.draw_series(std::iter::once(PathElement::new(floor, BASE.stroke_width(1))));
        let _ = root.present();
    }
    svg
}

/// A vertical line of a trend chart: where the series changed level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChangeLine {
    /// The studies the line is drawn between, numbered from 1 as the chart's axis numbers them:
    /// the last study of the old level and the first of the new.
    pub between: (usize, usize),
    /// A confirmed change point (a solid line), or a shift of the newest studies that is not
    /// yet one (dashed).
    pub confirmed: bool,
}

/// The change lines of a trend chart, in the drawn window (the newest `WINDOW` studies).
pub fn trend_lines(trend: &buildbench_model::history::Trend) -> Vec<ChangeLine> {
    let skip = trend.series.points.len().saturating_sub(buildbench_model::history::WINDOW);
    let confirmed = trend.changes.iter().map(|c| (c.point.index, true));
    let newest = trend.newest.iter().map(|n| (n.shift.index, false));
    confirmed
        .chain(newest)
        .filter(|&(index, _)| index > skip)
        .map(|(index, confirmed)| ChangeLine { between: (index, index + 1), confirmed })
        .collect()
}

/// One history series: the median of each study over the commits (a line), its 95% band (a
/// shaded area), each change point as a vertical red line and a shift of the newest studies
/// that is not yet a change point as a dashed one (`trend_lines`). At most the last 2,000
/// points are drawn.
pub fn draw_trend(trend: &buildbench_model::history::Trend) -> String {
    let all = &trend.series.points;
    let skip = all.len().saturating_sub(buildbench_model::history::WINDOW);
    let points = all.get(skip..).unwrap_or(&[]);
    if points.is_empty() {
        return String::new();
    }
    let y_max = points.iter().map(|p| p.ci95.map_or(p.median, |c| c.1.max(p.median))).fold(0.0, f64::max) * 1.1;
    if !drawable(y_max) || y_max <= 0.0 {
        return String::new();
    }
    let n = points.len().max(2) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 260)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let built = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..(n - 1.0), 0f64..y_max);
        let Ok(mut ctx) = built else { return String::new() };
        let _ = ctx
            .configure_mesh()
            .x_desc("study (oldest to newest)")
            .y_desc("wall time (s)")
            .y_label_formatter(&|y| format!("{y:.1}"))
            .x_label_formatter(&|x| format!("{}", *x as usize + skip + 1))
            .label_style(("sans-serif", 14))
            .draw();
        let band: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, p.ci95.map_or(p.median, |c| c.1)))
            .chain(points.iter().enumerate().rev().map(|(i, p)| (i as f64, p.ci95.map_or(p.median, |c| c.0))))
            .collect();
        let _ = ctx.draw_series(std::iter::once(Polygon::new(band, CI.mix(0.35).filled())));
        let line: Vec<(f64, f64)> = points.iter().enumerate().map(|(i, p)| (i as f64, p.median)).collect();
        let _ = ctx.draw_series(std::iter::once(PathElement::new(line, ACCENT.stroke_width(2))));
        for line in trend_lines(trend) {
            // Halfway between the two studies, in the chart's positions (0 is the first drawn).
            let x = (line.between.0 + line.between.1) as f64 / 2.0 - 1.0 - skip as f64;
            let path = vec![(x, 0.0), (x, y_max)];
            let _ = if line.confirmed {
                ctx.draw_series(std::iter::once(PathElement::new(path, RED.stroke_width(2))))
            } else {
                // Dashed: a shift of the newest studies that is not yet a change point.
                ctx.draw_series(std::iter::once(plotters::element::DashedPathElement::new(
                    path,
                    6,
                    4,
                    RED.stroke_width(2),
                )))
            };
        }
        let _ = root.present();
    }
    svg
}

/// One unit in a timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineRow {
    pub label: String,
    pub start: f64,
    pub duration: f64,
    /// Time until the unit's metadata was ready, where known.
    pub frontend: Option<f64>,
    pub build_script: bool,
}

/// A representative sample's units, in start order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    pub rows: Vec<TimelineRow>,
    /// Units left out to keep the chart readable (the shortest ones).
    pub omitted: usize,
}

/// The most units a timeline draws; shorter ones beyond it are counted, not drawn.
const MAX_TIMELINE_ROWS: usize = 80;

pub fn timeline(units: &[UnitTiming]) -> Timeline {
    let mut kept: Vec<&UnitTiming> = units.iter().collect();
    let omitted = kept.len().saturating_sub(MAX_TIMELINE_ROWS);
    if omitted > 0 {
        kept.sort_by(|a, b| b.duration.total_cmp(&a.duration));
        kept.truncate(MAX_TIMELINE_ROWS);
    }
    kept.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.name.cmp(&b.name)));
    let rows = kept
        .into_iter()
        .map(|u| TimelineRow {
            label: u.label(),
            start: u.start,
            duration: u.duration,
            frontend: u.frontend,
            build_script: u.kind == "build-script",
        })
        .collect();
    Timeline { rows, omitted }
}

/// A Gantt chart: one bar per unit from its start to its end, the frontend part darker.
pub fn draw_timeline(t: &Timeline) -> String {
    let n = t.rows.len().max(1);
    let end = t.rows.iter().map(|r| r.start + r.duration).fold(0.0f64, f64::max).max(0.01) * 1.35;
    if !drawable(end) || t.rows.iter().any(|r| !drawable(r.start) || !drawable(r.duration)) {
        return String::new();
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 50 + 16 * n as u32)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let built = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(6)
            .build_cartesian_2d(0f64..end, n as f64..0f64);
        let Ok(mut ctx) = built else { return String::new() };
        let _ = ctx
            .configure_mesh()
            .disable_y_mesh()
            .x_max_light_lines(1)
            .disable_y_axis()
            .x_desc("seconds since cargo started")
            .x_label_formatter(&|x| format!("{x:.1}"))
            .label_style(("sans-serif", 15))
            .draw();
        for (i, r) in t.rows.iter().enumerate() {
            let (top, bottom) = (i as f64 + 0.12, i as f64 + 0.88);
            let finish = r.start + r.duration;
            if r.build_script {
                let _ = ctx
                    .draw_series(std::iter::once(Rectangle::new([(r.start, top), (finish, bottom)], SCRIPT.filled())));
            } else if let Some(front) = r.frontend.filter(|f| *f > 0.0) {
                let split = (r.start + front).min(finish);
                let _ = ctx.draw_series([
                    Rectangle::new([(r.start, top), (split, bottom)], FRONTEND.filled()),
                    Rectangle::new([(split, top), (finish, bottom)], CODEGEN.filled()),
                ]);
            } else {
                let _ = ctx
                    .draw_series(std::iter::once(Rectangle::new([(r.start, top), (finish, bottom)], OTHER.filled())));
            }
            let label = format!("{} {:.2}s", r.label, r.duration);
            let _ = ctx.draw_series(std::iter::once(
                EmptyElement::at((finish, i as f64 + 0.5)) + Text::new(label, (4, -7), ("sans-serif", 14).into_font()),
            ));
        }
        let _ = root.present();
    }
    svg
}

/// Units of the baseline and of another configuration, matched by package, target, kind and mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitChange {
    pub unit: String,
    pub baseline: Option<f64>,
    pub other: Option<f64>,
}

/// Per-unit durations of two representative samples, the largest change first.
pub fn unit_changes(baseline: &[UnitTiming], other: &[UnitTiming]) -> Vec<UnitChange> {
    // A package present in two versions is named with its version, so the rows can be told apart.
    let all = || baseline.iter().chain(other);
    let label = |u: &UnitTiming| {
        let twice = all().any(|x| x.name == u.name && x.version != u.version);
        match (&u.version, twice) {
            (Some(v), true) => format!("{} v{v}", u.label()),
            _ => u.label(),
        }
    };
    let mut out: Vec<UnitChange> = baseline
        .iter()
        .map(|b| UnitChange {
            unit: label(b),
            baseline: Some(b.duration),
            other: other.iter().find(|o| o.key() == b.key()).map(|o| o.duration),
        })
        .collect();
    for o in other.iter().filter(|o| !baseline.iter().any(|b| b.key() == o.key())) {
        out.push(UnitChange { unit: label(o), baseline: None, other: Some(o.duration) });
    }
    let delta = |c: &UnitChange| (c.other.unwrap_or(0.0) - c.baseline.unwrap_or(0.0)).abs();
    out.sort_by(|a, b| delta(b).total_cmp(&delta(a)).then(a.unit.cmp(&b.unit)));
    out
}

/// Re-exported for the HTML exporter: the study is needed to pick representative samples.
/// Chart data of a study, computed once with its summary; the HTML exporter only draws it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChartData {
    /// Per scenario with results: every sample of every configuration.
    pub samples: Vec<SamplesChart>,
    /// The scenario whose unit timelines are shown: `clean` if measured, else the first.
    pub timeline_scenario: Option<Scenario>,
    /// The timeline of the sample nearest each configuration's median in that scenario.
    pub timelines: Vec<(String, Timeline)>,
    /// Per unit, the baseline against the fastest configuration (the significant winner, else
    /// the one with the lowest median): that configuration and the changes, biggest first.
    pub unit_changes: Option<(String, Vec<UnitChange>)>,
}

/// Computes every chart's data for `summary` (whose cells are already computed).
pub fn chart_data(study: &Study, summary: &StudySummary) -> ChartData {
    let samples = study.plan.scenarios.iter().filter_map(|&s| samples_chart(summary, s)).collect();
    let scenario = study
        .plan
        .scenarios
        .iter()
        .copied()
        .find(|s| *s == Scenario::Clean)
        .or_else(|| study.plan.scenarios.first().copied());
    let Some(scenario) = scenario else { return ChartData { samples, ..ChartData::default() } };
    // The samples grouped by cell once, so each timeline reads only its own cell's samples.
    let runs = study.cells();
    let units =
        |configuration: &str, scenario| runs.representative(configuration, scenario).map(|s| s.units.as_slice());
    let timelines = summary
        .scenario(scenario)
        .filter(|c| c.status == Status::Ok)
        .filter_map(|c| Some((c.configuration.clone(), timeline(units(&c.configuration, scenario)?))))
        .collect();
    let fastest = summary.winner(scenario).or_else(|| {
        summary
            .scenario(scenario)
            .filter(|c| c.configuration != summary.baseline && c.status == Status::Ok)
            .min_by(|a, b| a.median().unwrap_or(f64::MAX).total_cmp(&b.median().unwrap_or(f64::MAX)))
    });
    let unit_changes = fastest.and_then(|winner| {
        summary.cell(&summary.baseline, scenario.reference())?;
        let base = units(&summary.baseline, scenario.reference())?;
        let other = units(&winner.configuration, scenario)?;
        Some((winner.configuration.clone(), unit_changes(base, other)))
    });
    ChartData { samples, timeline_scenario: Some(scenario), timelines, unit_changes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, kind: &str, mode: &str, start: f64, duration: f64) -> UnitTiming {
        UnitTiming {
            name: name.into(),
            version: None,
            target: name.into(),
            kind: kind.into(),
            mode: mode.into(),
            start,
            duration,
            frontend: Some(duration / 2.0),
            codegen: None,
            link: None,
            id: None,
            unblocked: Vec::new(),
            unblocked_rmeta: Vec::new(),
            dependencies: Vec::new(),
            cpu_seconds: None,
        }
    }

    #[test]
    fn timeline_orders_by_start_and_names_build_scripts() {
        let t =
            timeline(&[unit("b", "lib", "build", 1.0, 0.5), unit("a", "build-script", "run-custom-build", 0.2, 0.1)]);
        let labels: Vec<&str> = t.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["a (build script run)", "b"]);
        assert_eq!(t.omitted, 0);
        let svg = draw_timeline(&t);
        assert!(svg.starts_with("<svg") && svg.contains("<rect"), "{svg}");
    }

    #[test]
    fn long_timelines_keep_the_longest_units() {
        let units: Vec<UnitTiming> =
            (0..100).map(|i| unit(&format!("u{i}"), "lib", "build", i as f64, i as f64 / 10.0)).collect();
        let t = timeline(&units);
        assert_eq!((t.rows.len(), t.omitted), (80, 20));
        assert!(t.rows.iter().all(|r| r.duration >= 2.0));
    }

    #[test]
    fn unit_changes_keep_syn_1_and_syn_2_apart() {
        let syn = |version: &str, duration: f64| UnitTiming {
            version: Some(version.into()),
            ..unit("syn", "lib", "build", 0.0, duration)
        };
        let c = unit_changes(&[syn("1.0.109", 1.0), syn("2.0.100", 3.0)], &[syn("1.0.109", 1.0), syn("2.0.100", 1.5)]);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!((c[0].unit.as_str(), c[0].baseline, c[0].other), ("syn v2.0.100", Some(3.0), Some(1.5)));
        assert_eq!((c[1].unit.as_str(), c[1].baseline, c[1].other), ("syn v1.0.109", Some(1.0), Some(1.0)));
    }

    #[test]
    fn unit_changes_put_the_biggest_mover_first() {
        let a = [unit("x", "lib", "build", 0.0, 1.0), unit("y", "lib", "build", 0.0, 2.0)];
        let b = [
            unit("x", "lib", "build", 0.0, 0.9),
            unit("y", "lib", "build", 0.0, 1.0),
            unit("z", "bin", "build", 0.0, 0.2),
        ];
        let c = unit_changes(&a, &b);
        assert_eq!(c[0].unit, "y");
        assert_eq!((c[0].baseline, c[0].other), (Some(2.0), Some(1.0)));
        assert!(c.iter().any(|u| u.unit == "z (bin z)" && u.baseline.is_none()));
    }

    #[test]
    fn samples_chart_draws_every_sample() {
        let chart = SamplesChart {
            scenario: Scenario::Clean,
            rows: vec![SamplesRow {
                label: "default".into(),
                samples: vec![1.0, 1.1, 1.2],
                median: 1.1,
                ci95: Some((0.9, 1.3)),
                outliers: vec![],
                baseline: true,
            }],
        };
        let svg = draw_samples(&chart);
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        assert!(svg.contains("\ndefault\n"), "{svg}");
    }
}
