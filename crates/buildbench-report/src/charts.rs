//! SVG charts drawn with plotters. Chart data is computed apart from drawing, so the data can be
//! tested exactly and the drawing stays a thin layer.

use buildbench_model::history::Point;
use buildbench_model::{Sample, Scenario, Study, UnitTiming};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
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

/// The charts' colours, `0xRRGGBB`: each mark is drawn with one of these and its legend
/// (`page::Swatch`) shows the same number, so a legend cannot disagree with its chart.
pub mod colour {
    /// The baseline's samples, the floor of the jobs chart.
    pub const BASE: u32 = 0x5a5a5a;
    /// Other configurations' samples, lines of predictions and medians.
    pub const ACCENT: u32 = 0x1f77b4;
    /// The 95% interval of a mean.
    pub const CI: u32 = 0xff7f0e;
    /// The trend's band: the interval's orange at 35% on white, drawn opaque so the legend's
    /// swatch is the colour seen.
    pub const BAND: u32 = 0xffd3ab;
    /// The median tick.
    pub const MEDIAN: u32 = 0x000000;
    /// A change point in a trend.
    pub const CHANGE: u32 = 0xd62728;
    /// A unit's frontend (until its metadata was ready), in timelines.
    pub const FRONTEND: u32 = 0x1f77b4;
    /// The rest of a unit: codegen, linking.
    pub const CODEGEN: u32 = 0x9ecae1;
    /// Build scripts, compiled or run.
    pub const SCRIPT: u32 = 0xffbb78;
    /// A unit with no frontend/codegen split reported.
    pub const OTHER: u32 = 0xb4b4b4;
}

/// A chart colour as plotters takes it.
pub fn rgb(c: u32) -> RGBColor {
    let [_, r, g, b] = c.to_be_bytes();
    RGBColor(r, g, b)
}

/// Can this value be drawn on an axis? plotters computes tick marks by stepping through the
/// range, so a non-finite or absurdly large bound (a corrupt study) would never finish.
fn drawable(x: f64) -> bool {
    x.is_finite() && (0.0..=2.0 * buildbench_model::MAX_SECONDS).contains(&x)
}

/// The pixels a label of `text` takes in a plotters font of `size`: plotters writes it as a
/// font of `size / 1.24` px, and 0.6 em is a little more than a sans-serif font's average
/// advance (about 0.55 em), so a label placed by this fits. plotters' SVG backend measures no
/// text, so placements that must not run off a chart use this.
fn text_width(text: &str, size: f64) -> f64 {
    px_width(text, size / 1.24)
}

/// Where the marks of a samples row sit, in pixels from the row's centre line: the interval
/// bar and the median tick in the upper lane, the dots in the lower one, so no dot is hidden
/// under the bar.
pub mod lanes {
    /// The interval bar's centre line (4 px thick).
    pub const BAR: i32 = -8;
    /// The median tick, from and to.
    pub const TICK: (i32, i32) = (-14, -2);
    /// The dots' centres: this and the next three lower steps of 3 px, by sample.
    pub const DOTS: i32 = 4;
    /// The dots' radius.
    pub const RADIUS: i32 = 4;
}

/// An axis of `n` equal slots (rows of a strip chart, studies of a trend) in integer
/// coordinates: slot `i` is centred on `2i + 1`, the boundary before it is `2i`, and the axis
/// runs from 0 to `2n`, so the first and last slots have half a slot of room beyond them and
/// the labels sit exactly on the slots (`with_key_points`).
fn slots(n: usize) -> std::ops::Range<i32> {
    0..2 * n.max(1) as i32
}

/// Where slot `i` is centred.
fn slot(i: usize) -> i32 {
    2 * i as i32 + 1
}

/// The slot centred on `v`, if `v` is a slot's centre.
fn of_slot(v: i32) -> Option<usize> {
    (v % 2 == 1).then(|| usize::try_from(v / 2).ok()).flatten()
}

/// Horizontal strip chart: one row per configuration, every sample a dot (hollow if an
/// outlier) in the row's lower lane, the 95% interval of the mean as a bar and the median as a
/// tick in its upper lane (`lanes`). The legend is the figure's (`report`'s HTML).
pub fn draw_samples(chart: &SamplesChart) -> String {
    let n = chart.rows.len();
    let longest = chart.rows.iter().map(|r| text_width(&r.label, 17.0)).fold(30.0, f64::max);
    let x_max =
        chart.rows.iter().flat_map(|r| r.samples.iter().copied().chain(r.ci95.map(|c| c.1))).fold(0.0f64, f64::max)
            * 1.08;
    let x_max = if x_max > 0.0 { x_max } else { 1.0 };
    if !drawable(x_max) || chart.rows.iter().flat_map(|r| &r.samples).any(|x| !drawable(*x)) {
        return String::new();
    }
    let mut svg = String::new();
    // 40 px a row, and the margins and the axis.
    let height = 64 + 40 * n as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let labels: Vec<String> = chart.rows.iter().map(|r| r.label.clone()).collect();
        let built = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size((longest as u32 + 20).min(280))
            .build_cartesian_2d(0f64..x_max, slots(n).with_key_points((0..n).map(slot).collect()));
        let Ok(mut ctx) = built else { return String::new() };
        let _ = ctx
            .configure_mesh()
            .disable_y_mesh()
            .x_max_light_lines(1)
            .y_label_formatter(&|v| of_slot(*v).and_then(|i| labels.get(i).cloned()).unwrap_or_default())
            .x_desc("wall time (seconds)")
            .x_label_formatter(&|x| format!("{x:.2}"))
            .label_style(("sans-serif", 17))
            .axis_desc_style(("sans-serif", 17))
            .draw();
        for (i, row) in chart.rows.iter().enumerate() {
            let y = slot(i);
            let colour = rgb(if row.baseline { colour::BASE } else { colour::ACCENT });
            if let Some((low, high)) = row.ci95 {
                // The bar in pixels from its low end, so it sits in its lane.
                let length = ctx.backend_coord(&(high, y)).0 - ctx.backend_coord(&(low, y)).0;
                let _ = ctx.draw_series(std::iter::once(
                    EmptyElement::at((low, y))
                        + PathElement::new(
                            vec![(0, lanes::BAR), (length, lanes::BAR)],
                            rgb(colour::CI).stroke_width(4),
                        ),
                ));
            }
            let _ = ctx.draw_series(row.samples.iter().enumerate().map(|(k, &x)| {
                // A small vertical spread keeps equal values visible as separate dots.
                let dy = lanes::DOTS + (k as i32 % 4) * 3;
                let style = if row.outliers.contains(&k) { colour.stroke_width(1) } else { colour.filled() };
                EmptyElement::at((x, y)) + Circle::new((0, dy), lanes::RADIUS, style)
            }));
            let _ = ctx.draw_series(std::iter::once(
                EmptyElement::at((row.median, y))
                    + PathElement::new(
                        vec![(0, lanes::TICK.0), (0, lanes::TICK.1)],
                        rgb(colour::MEDIAN).stroke_width(2),
                    ),
            ));
        }
        let _ = root.present();
    }
    svg
}

/// The label of the jobs chart's floor line.
pub fn floor_label(floor: f64) -> String {
    format!("critical-path floor {}", crate::format::seconds(floor))
}

/// The predicted wall time against job slots (one point per job count, equally spaced), with
/// the critical-path floor as a dashed line labelled with its time.
pub fn draw_jobs(curve: &buildbench_timings::whatif::Curve) -> String {
    let points: Vec<(u32, f64)> = curve.points.clone();
    let y_max = points.iter().map(|p| p.1).fold(curve.floor, f64::max) * 1.1;
    if points.is_empty() || !drawable(y_max) || !drawable(curve.floor) || y_max <= 0.0 {
        return String::new();
    }
    let n = points.len();
    let labels: Vec<String> = points.iter().map(|p| p.0.to_string()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 280)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let built = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(slots(n).with_key_points((0..n).map(slot).collect()), 0f64..y_max);
        let Ok(mut ctx) = built else { return String::new() };
        let _ = ctx
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&|v| of_slot(*v).and_then(|i| labels.get(i).cloned()).unwrap_or_default())
            .y_max_light_lines(1)
            .x_desc("jobs (cargo -j)")
            .y_desc("predicted wall time (s)")
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 16))
            .draw();
        let line: Vec<(i32, f64)> = points.iter().enumerate().map(|(i, p)| (slot(i), p.1)).collect();
        let accent = rgb(colour::ACCENT);
        let _ = ctx.draw_series(std::iter::once(PathElement::new(line.clone(), accent.stroke_width(2))));
        let _ = ctx.draw_series(line.into_iter().map(|(x, y)| Circle::new((x, y), 4, accent.filled())));
        let base = rgb(colour::BASE);
        let end = slots(n).end;
        let floor = vec![(0, curve.floor), (end, curve.floor)];
        let _ = ctx.draw_series(std::iter::once(plotters::element::DashedPathElement::new(
            floor,
            6,
            4,
            base.stroke_width(2),
        )));
        // The label sits at the line's right end, under it where there is room (the curve is
        // never below the floor, so nothing is drawn there), else above it.
        let room = ctx.backend_coord(&(end, 0.0)).1 - ctx.backend_coord(&(end, curve.floor)).1;
        let (vpos, dy) = if room >= 24 { (VPos::Top, 5) } else { (VPos::Bottom, -5) };
        let style = TextStyle::from(("sans-serif", 16).into_font()).color(&base).pos(Pos::new(HPos::Right, vpos));
        let _ = ctx.draw_series(std::iter::once(
            EmptyElement::at((end, curve.floor)) + Text::new(floor_label(curve.floor), (-6, dy), style),
        ));
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

/// What a trend's x axis calls a study: its commit (10 characters, as the page's tables
/// write it), else its date.
pub fn trend_label(p: &Point) -> String {
    match &p.commit {
        Some(c) => c.chars().take(10).collect(),
        None => p.date.get(..10).unwrap_or(&p.date).to_owned(),
    }
}

/// The title of a trend's x axis: what its labels are (`trend_label`).
pub fn trend_axis(points: &[Point]) -> &'static str {
    match points.iter().filter(|p| p.commit.is_some()).count() {
        0 => "study date, oldest to newest",
        n if n == points.len() => "commit, oldest to newest",
        _ => "commit (or date, where none was recorded), oldest to newest",
    }
}

/// A trend draws a dot on each study up to this many studies; beyond it, the line alone.
const TREND_MARKERS: usize = 200;

/// The most labels a trend's axis carries.
const TREND_LABELS: usize = 8;

/// The trend's size: the whole chart, and its plot's width (less the margins and the y axis).
const TREND_SIZE: (u32, u32) = (760, 280);
const TREND_PLOT: f64 = 664.0;

/// The studies (positions in the drawn window of `n`) whose label the trend's axis shows:
/// every one while `most` fit, else `most` spread evenly, the oldest and the newest among
/// them.
pub fn trend_ticks(n: usize, most: usize) -> Vec<usize> {
    let most = most.max(2);
    if n <= most {
        return (0..n).collect();
    }
    let last = most - 1;
    // Rounded to the nearest study.
    let mut ticks: Vec<usize> = (0..=last).map(|k| (2 * k * (n - 1) + last) / (2 * last)).collect();
    ticks.dedup();
    ticks
}

/// One history series: the median of each study (a line with a dot per study) over the
/// studies, oldest to newest, its x axis labelled with their commits or dates (`trend_label`,
/// at most eight labels); its 95% band (a shaded area); each change point as a vertical red
/// line and a shift of the newest studies that is not yet a change point as a dashed one
/// (`trend_lines`). At most the last 2,000 points are drawn. The legend is the figure's.
pub fn draw_trend(trend: &buildbench_model::history::Trend) -> String {
    let all = &trend.series.points;
    let skip = all.len().saturating_sub(buildbench_model::history::WINDOW);
    let points = all.get(skip..).unwrap_or(&[]);
    if points.is_empty() {
        return String::new();
    }
    let y_max = points.iter().map(|p| p.ci95.map_or(p.median, |c| c.1.max(p.median))).fold(0.0, f64::max) * 1.1;
    if !drawable(y_max) || y_max <= 0.0 || points.iter().any(|p| !drawable(p.median)) {
        return String::new();
    }
    let n = points.len();
    let labels: Vec<String> = points.iter().map(trend_label).collect();
    // As many labels as fit side by side with a gap, eight at most.
    let widest = labels.iter().map(|l| text_width(l, 16.0)).fold(0.0, f64::max);
    let ticks = trend_ticks(n, ((TREND_PLOT / (widest + 16.0)) as usize).min(TREND_LABELS));
    let at = slot;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, TREND_SIZE).into_drawing_area();
        let _ = root.fill(&WHITE);
        // The plot is `TREND_PLOT` wide: 760 less 12 left, 24 right and the y axis's 60.
        let built = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(slots(n).with_key_points(ticks.into_iter().map(slot).collect()), 0f64..y_max);
        let Ok(mut ctx) = built else { return String::new() };
        let _ = ctx
            .configure_mesh()
            .disable_x_mesh()
            .y_max_light_lines(1)
            .x_label_formatter(&|v| of_slot(*v).and_then(|i| labels.get(i).cloned()).unwrap_or_default())
            .x_desc(trend_axis(points))
            .y_desc("wall time (s)")
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 16))
            .draw();
        let (high, low) = (|p: &Point| p.ci95.map_or(p.median, |c| c.1), |p: &Point| p.ci95.map_or(p.median, |c| c.0));
        let band: Vec<(i32, f64)> = match points {
            // One study: its interval across the chart, so the band is seen.
            [p] => vec![(0, high(p)), (2, high(p)), (2, low(p)), (0, low(p))],
            _ => points
                .iter()
                .enumerate()
                .map(|(i, p)| (at(i), high(p)))
                .chain(points.iter().enumerate().rev().map(|(i, p)| (at(i), low(p))))
                .collect(),
        };
        let _ = ctx.draw_series(std::iter::once(Polygon::new(band, rgb(colour::BAND).filled())));
        let accent = rgb(colour::ACCENT);
        let line: Vec<(i32, f64)> = points.iter().enumerate().map(|(i, p)| (at(i), p.median)).collect();
        let _ = ctx.draw_series(std::iter::once(PathElement::new(line.clone(), accent.stroke_width(2))));
        if points.len() <= TREND_MARKERS {
            let _ = ctx.draw_series(line.into_iter().map(|(x, y)| Circle::new((x, y), 3, accent.filled())));
        }
        let change = rgb(colour::CHANGE);
        for line in trend_lines(trend) {
            // On the boundary between the two studies' slots: before the first new one's.
            let x = slot(line.between.1 - 1 - skip) - 1;
            let path = vec![(x, 0.0), (x, y_max)];
            let _ = if line.confirmed {
                ctx.draw_series(std::iter::once(PathElement::new(path, change.stroke_width(2))))
            } else {
                // Dashed: a shift of the newest studies that is not yet a change point.
                ctx.draw_series(std::iter::once(plotters::element::DashedPathElement::new(
                    path,
                    6,
                    4,
                    change.stroke_width(2),
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

/// The legend of every timeline (`page::figure`): the bars' colours.
pub fn timeline_legend() -> [(crate::page::Swatch, &'static str); 4] {
    use crate::page::Swatch::Fill;
    [
        (Fill(colour::FRONTEND), "frontend (until metadata)"),
        (Fill(colour::CODEGEN), "codegen and the rest"),
        (Fill(colour::SCRIPT), "build scripts"),
        (Fill(colour::OTHER), "no split reported"),
    ]
}

/// A timeline's label of a unit: its name and duration, the name cut (`…`) where the label
/// would take more than two thirds of the plot's width.
fn timeline_label(r: &TimelineRow) -> String {
    let duration = format!(" {:.2}s", r.duration);
    let most = TIMELINE.plot * 2.0 / 3.0;
    if px_width(&r.label, TIMELINE.font) + px_width(&duration, TIMELINE.font) <= most {
        return format!("{}{duration}", r.label);
    }
    let keep = (most / px_width("m", TIMELINE.font)) as usize;
    let name: String = r.label.chars().take(keep.saturating_sub(duration.chars().count() + 1)).collect();
    format!("{name}…{duration}")
}

/// The pixels a label of `text` takes in a font of `px` pixels: 0.6 em a character
/// (`text_width`).
fn px_width(text: &str, px: f64) -> f64 {
    text.chars().count() as f64 * px * 0.6
}

/// The timeline's geometry, in SVG pixels.
struct TimelineGeometry {
    /// The whole chart's width.
    width: f64,
    /// The plot's left edge and width.
    left: f64,
    plot: f64,
    /// Above the first row, a row's height, and the room under the rows for the axis.
    top: f64,
    row: f64,
    axis: f64,
    /// The labels' font size.
    font: f64,
}

const TIMELINE: TimelineGeometry =
    TimelineGeometry { width: 760.0, left: 10.0, plot: 740.0, top: 6.0, row: 18.0, axis: 48.0, font: 13.0 };

/// Where a unit's label goes: right of its bar when it fits there, else left of the bar.
fn label_right(r: &TimelineRow, end: f64) -> bool {
    let plot = TIMELINE.plot;
    let width = px_width(&timeline_label(r), TIMELINE.font) + 6.0;
    (r.start + r.duration) / end * plot + width <= plot || r.start / end * plot < width
}

/// The end of a timeline's time axis: at a tick (`ticks`), a third beyond the last unit's end
/// at least, and far enough for every label to fit right or left of its bar (`label_right`).
fn timeline_end(t: &Timeline) -> f64 {
    let plot = TIMELINE.plot;
    let nice = |end: f64| ticks(end).0.last().copied().unwrap_or(end).max(end);
    let mut end = nice(t.rows.iter().map(|r| r.start + r.duration).fold(0.0f64, f64::max).max(0.01) * 1.35);
    // Widening the axis moves every bar left: a label that fitted on the left may no longer,
    // so this settles in a few rounds.
    for _ in 0..4 {
        let needed = t
            .rows
            .iter()
            .filter(|r| {
                let width = px_width(&timeline_label(r), TIMELINE.font) + 6.0;
                let finish = (r.start + r.duration) / end * plot;
                finish + width > plot && r.start / end * plot < width
            })
            .map(|r| {
                let width = px_width(&timeline_label(r), TIMELINE.font) + 6.0;
                (r.start + r.duration) * plot / (plot - width).max(plot / 4.0)
            })
            .fold(end, f64::max);
        if needed <= end {
            break;
        }
        end = nice(needed);
    }
    end
}

/// Ticks for an axis from 0 to at least `max`: a step of 1, 2, 2.5 or 5 times a power of ten
/// giving at most about six intervals, the last tick at or beyond `max`, and the decimals its
/// labels need.
pub(crate) fn ticks(max: f64) -> (Vec<f64>, usize) {
    let raw = max / 6.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    // The fewest decimals that write the step exactly (0.25 needs two).
    let decimals =
        (0..6).find(|d| ((step * 10f64.powi(*d)).round() - step * 10f64.powi(*d)).abs() < 1e-6).unwrap_or(6) as usize;
    // A hair below the quotient, so 0.05 / 0.01 (5.000000000000001) ends at 0.05.
    let count = (max / step - 1e-9).ceil().clamp(1.0, 20.0) as usize;
    ((0..=count).map(|i| i as f64 * step).collect(), decimals)
}

/// What hovering a unit's bar says: the unit, when it ran, and its parts.
fn timeline_title(r: &TimelineRow) -> String {
    let seconds = crate::format::seconds;
    let parts = match r.frontend.filter(|f| *f > 0.0 && !r.build_script) {
        Some(front) => format!(
            "; frontend {}, codegen and the rest {}",
            seconds(front.min(r.duration)),
            seconds((r.duration - front).max(0.0))
        ),
        None => String::new(),
    };
    format!(
        "{}: {} from {} to {}{parts}",
        r.label,
        seconds(r.duration),
        seconds(r.start),
        seconds(r.start + r.duration)
    )
}

/// A Gantt chart: one bar per unit from its start to its end, the frontend part darker
/// (`timeline_legend`), each labelled with its name and duration beside it, inside the chart,
/// and naming its times and parts on hover (`timeline_title`); an axis of seconds under the
/// bars. Drawn as plain SVG, which is what lets every bar carry its hover text.
pub fn draw_timeline(t: &Timeline) -> String {
    use crate::html_escape::escape;
    use std::fmt::Write as _;
    let end = timeline_end(t);
    if !drawable(end) || t.rows.iter().any(|r| !drawable(r.start) || !drawable(r.duration)) {
        return String::new();
    }
    let g = &TIMELINE;
    let x = |s: f64| g.left + s / end * g.plot;
    let rows_h = g.row * t.rows.len().max(1) as f64;
    let height = g.top + rows_h + g.axis;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" \
         font-family=\"sans-serif\" font-size=\"{f}\">\n<rect width=\"{w}\" height=\"{height}\" fill=\"#ffffff\"/>\n",
        w = g.width,
        f = g.font
    );
    let (ticks, decimals) = ticks(end);
    let axis_y = g.top + rows_h + 2.0;
    let ticks: Vec<f64> = ticks.into_iter().filter(|t| *t <= end).collect();
    for (k, tick) in ticks.iter().enumerate() {
        // The labels at the ends of the axis align with it, so they stay inside the chart.
        let anchor = match k {
            0 => "start",
            k if k + 1 == ticks.len() => "end",
            _ => "middle",
        };
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#d1d9e0\"/><text x=\"{x:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{tick:.decimals$}</text>",
            g.top,
            axis_y + 4.0,
            axis_y + 17.0,
            x = x(*tick)
        );
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\" stroke=\"#59636e\"/>\n<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">seconds since cargo started</text>",
        g.left,
        g.left + g.plot,
        g.left + g.plot / 2.0,
        axis_y + 38.0
    );
    for (i, r) in t.rows.iter().enumerate() {
        let (y, h) = (g.top + i as f64 * g.row + 2.0, g.row - 4.0);
        let finish = r.start + r.duration;
        let bar = |from: f64, to: f64, c: u32| {
            format!(
                "<rect x=\"{:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{h}\" fill=\"#{c:06x}\"/>",
                x(from),
                (x(to) - x(from)).max(1.0)
            )
        };
        let bars = if r.build_script {
            bar(r.start, finish, colour::SCRIPT)
        } else if let Some(front) = r.frontend.filter(|f| *f > 0.0) {
            let split = (r.start + front).min(finish);
            bar(r.start, split, colour::FRONTEND) + &bar(split, finish, colour::CODEGEN)
        } else {
            bar(r.start, finish, colour::OTHER)
        };
        let (lx, anchor) = if label_right(r, end) { (x(finish) + 4.0, "start") } else { (x(r.start) - 4.0, "end") };
        let _ = writeln!(
            svg,
            "<g><title>{}</title>{bars}<text x=\"{lx:.1}\" y=\"{:.1}\" dominant-baseline=\"central\" text-anchor=\"{anchor}\">{}</text></g>",
            escape(&timeline_title(r)),
            y + h / 2.0,
            escape(&timeline_label(r))
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// A unit's identity across builds: package, version, target, kind and mode
/// (`UnitTiming::key`).
type UnitKey = (String, Option<String>, String, String, String);

fn owned_key(u: &UnitTiming) -> UnitKey {
    let (name, version, target, kind, mode) = u.key();
    (name.to_owned(), version.map(str::to_owned), target.to_owned(), kind.to_owned(), mode.to_owned())
}

/// Units of the baseline and of another configuration, matched by package, target, kind and mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitChange {
    pub unit: String,
    pub baseline: Option<f64>,
    pub other: Option<f64>,
    /// The unit's times over every sample of the two configurations differ significantly
    /// (`decide_units`); false where that was not tested or there were too few samples.
    pub significant: bool,
    #[serde(skip)]
    key: UnitKey,
}

/// Per-unit durations of two representative samples, the largest change first. None is
/// significant until `decide_units` says so.
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
            significant: false,
            key: owned_key(b),
        })
        .collect();
    for o in other.iter().filter(|o| !baseline.iter().any(|b| b.key() == o.key())) {
        out.push(UnitChange {
            unit: label(o),
            baseline: None,
            other: Some(o.duration),
            significant: false,
            key: owned_key(o),
        });
    }
    let delta = |c: &UnitChange| (c.other.unwrap_or(0.0) - c.baseline.unwrap_or(0.0)).abs();
    out.sort_by(|a, b| delta(b).total_cmp(&delta(a)).then(a.unit.cmp(&b.unit)));
    out
}

/// Decides which unit changes are significant, so a report colours only those: for each unit
/// built on both sides, its durations in every given sample of each side are compared with
/// Welch's t-test at the resolution of cargo's timings (10 ms), Holm-adjusted over the units
/// compared, and must differ by more than `noise`. A unit with fewer than
/// `stats::MIN_SAMPLES` durations on a side has no test, so a single sample a side (where
/// every difference would look like one) colours nothing.
pub fn decide_units(changes: &mut [UnitChange], baseline: &[&Sample], other: &[&Sample], noise: f64) {
    use buildbench_model::stats::{Settings, TIMINGS_RESOLUTION, compare_with, decide_family};
    // Each side's durations per unit, gathered in one pass over its samples.
    let times = |samples: &[&Sample]| {
        let mut by_unit: std::collections::HashMap<UnitKey, Vec<f64>> = std::collections::HashMap::new();
        for u in samples.iter().flat_map(|s| &s.units) {
            by_unit.entry(owned_key(u)).or_default().push(u.duration);
        }
        by_unit
    };
    let (before, after) = (times(baseline), times(other));
    let settings = Settings { noise, resolution: TIMINGS_RESOLUTION, confidence: 0.95, pilot: None };
    let mut tested: Vec<(usize, buildbench_model::stats::Comparison)> = changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, compare_with(before.get(&c.key)?, after.get(&c.key)?, &settings)?)))
        .collect();
    decide_family(tested.iter_mut().map(|(_, c)| c), noise, 1.0 - settings.confidence);
    for (i, c) in tested {
        if let Some(change) = changes.get_mut(i) {
            change.significant = c.significant;
        }
    }
}

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
    /// the one with the lowest median).
    pub unit_changes: Option<UnitChanges>,
}

/// The per-unit table's data: the baseline against one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitChanges {
    /// The configuration compared with the baseline.
    pub configuration: String,
    /// How many samples of the baseline and of the configuration the significance rests on.
    pub samples: (usize, usize),
    /// The changes, biggest first (`unit_changes`), decided (`decide_units`).
    pub changes: Vec<UnitChange>,
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
        let mut changes = unit_changes(base, other);
        let all = |configuration: &str, scenario| runs.successful(configuration, scenario).collect::<Vec<&Sample>>();
        let sides = (all(&summary.baseline, scenario.reference()), all(&winner.configuration, scenario));
        decide_units(&mut changes, &sides.0, &sides.1, summary.noise);
        Some(UnitChanges {
            configuration: winner.configuration.clone(),
            samples: (sides.0.len(), sides.1.len()),
            changes,
        })
    });
    ChartData { samples, timeline_scenario: Some(scenario), timelines, unit_changes }
}

/// Reading drawn SVG back, for tests: elements, their attributes, their texts.
#[cfg(test)]
pub(crate) mod read {
    /// The opening tags of the elements named `tag`, attributes included, in order.
    pub fn elements<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
        svg.match_indices(&format!("<{tag} "))
            .filter_map(|(i, _)| svg.get(i..))
            .map(|rest| rest.get(..rest.find('>').unwrap_or(rest.len())).unwrap_or(rest))
            .collect()
    }

    /// An attribute's value.
    pub fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
        let key = format!(" {name}=\"");
        let start = element.find(&key)? + key.len();
        element.get(start..)?.split('"').next()
    }

    /// An attribute's value as a number.
    pub fn number(element: &str, name: &str) -> Option<f64> {
        attr(element, name)?.parse().ok()
    }

    /// The texts drawn, trimmed, without their hover titles, in order.
    pub fn texts(svg: &str) -> Vec<String> {
        svg.split("<text ")
            .skip(1)
            .filter_map(|t| {
                let body = t.get(t.find('>')? + 1..t.find("</text>")?)?;
                let body = match (body.find("<title>"), body.find("</title>")) {
                    (Some(a), Some(b)) => format!("{}{}", body.get(..a)?, body.get(b + 8..)?),
                    _ => body.to_owned(),
                };
                Some(body.trim().to_owned())
            })
            .collect()
    }
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

    /// Issue 25: the per-unit table coloured every difference between two single builds.
    /// Only a difference that holds over the samples of both sides is significant.
    #[test]
    fn only_a_unit_slower_in_every_sample_is_a_significant_change() {
        let build = |k: usize, slow: f64| Sample {
            configuration: "c".into(),
            scenario: Scenario::Clean,
            index: k as u32,
            warmup: false,
            wall_seconds: 3.0,
            user_seconds: 3.0,
            system_seconds: 0.0,
            max_rss_bytes: 0,
            exit_code: Some(0),
            success: true,
            stderr_tail: None,
            fresh_units: None,
            dirty_units: None,
            cargo_seconds: None,
            units: vec![
                // Unchanged, with a little noise.
                unit("steady", "lib", "build", 0.0, 1.0 + 0.02 * (k % 3) as f64),
                // Slower in every sample of the other side.
                unit("slower", "lib", "build", 1.0, slow + 0.02 * (k % 2) as f64),
            ],
            critical_path: Vec::new(),
            critical_path_seconds: None,
            sccache: None,
            artifacts: Vec::new(),
            links: Vec::new(),
            block: None,
            revision: None,
        };
        let base: Vec<Sample> = (0..5).map(|k| build(k, 1.0)).collect();
        let other: Vec<Sample> = (0..5).map(|k| build(k + 1, 2.0)).collect();
        fn refs(v: &[Sample]) -> Vec<&Sample> {
            v.iter().collect()
        }
        let mut changes = unit_changes(&base[0].units, &other[0].units);
        decide_units(&mut changes, &refs(&base), &refs(&other), 0.02);
        let significant: Vec<(&str, bool)> = changes.iter().map(|c| (c.unit.as_str(), c.significant)).collect();
        assert_eq!(significant, [("slower", true), ("steady", false)]);
        // One sample a side: the same difference, but no test, so nothing is significant.
        let mut single = unit_changes(&base[0].units, &other[0].units);
        decide_units(&mut single, &refs(&base[..1]), &refs(&other[..1]), 0.02);
        assert!(single.iter().all(|c| !c.significant), "{single:?}");
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

    /// Issue 25: the dots sat under the interval bar. The bar and the median tick have the
    /// upper lane of a row, the dots the lower one: no dot touches a bar.
    #[test]
    fn the_samples_are_dots_below_the_interval_bar_never_under_it() {
        let row = |label: &str, at: f64, baseline: bool| SamplesRow {
            label: label.into(),
            samples: (0..8).map(|k| at + 0.01 * f64::from(k % 3)).collect(),
            median: at + 0.01,
            ci95: Some((at - 0.02, at + 0.04)),
            outliers: vec![7],
            baseline,
        };
        let chart = SamplesChart {
            scenario: Scenario::Clean,
            rows: vec![row("default", 10.0, true), row("mold", 8.0, false), row("lld", 9.0, false)],
        };
        let svg = draw_samples(&chart);
        let bars: Vec<f64> = read::elements(&svg, "polyline")
            .into_iter()
            .filter(|e| read::attr(e, "stroke") == Some("#FF7F0E"))
            .map(|e| {
                let points = read::attr(e, "points").unwrap_or("");
                let ys: Vec<f64> =
                    points.split_whitespace().filter_map(|p| p.split(',').nth(1)?.parse().ok()).collect();
                assert!(ys.windows(2).all(|w| w[0] == w[1]), "a horizontal bar: {e}");
                ys[0]
            })
            .collect();
        assert_eq!(bars.len(), 3, "{svg}");
        let dots: Vec<(f64, f64)> = read::elements(&svg, "circle")
            .into_iter()
            .map(|e| (read::number(e, "cy").unwrap_or(f64::NAN), read::number(e, "r").unwrap_or(f64::NAN)))
            .collect();
        assert_eq!(dots.len(), 24);
        for (cy, r) in dots {
            for bar in &bars {
                // The bar is 4 px thick.
                assert!((cy - bar).abs() >= r + 2.0 + 1.0, "a dot at {cy} (r {r}) touches the bar at {bar}");
            }
            // Each dot is just below one bar: its own row's.
            assert!(bars.iter().any(|b| cy > *b && cy - b < 24.0), "a dot at {cy} is below no bar: {bars:?}");
        }
        // A hollow outlier per row.
        assert_eq!(
            svg.matches("fill=\"none\" stroke=\"#1F77B4\"").count()
                + svg.matches("fill=\"none\" stroke=\"#5A5A5A\"").count(),
            3
        );
    }

    #[test]
    fn axis_ticks_are_round_steps_that_reach_past_the_maximum() {
        assert_eq!(ticks(134.0), (vec![0.0, 25.0, 50.0, 75.0, 100.0, 125.0, 150.0], 0));
        assert_eq!(ticks(1.3), (vec![0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5], 2));
        assert_eq!(ticks(5.2).0, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn a_long_trend_labels_eight_studies_from_the_oldest_to_the_newest() {
        assert_eq!(trend_ticks(0, 8), Vec::<usize>::new());
        assert_eq!(trend_ticks(3, 8), [0, 1, 2]);
        assert_eq!(trend_ticks(9, 8), [0, 1, 2, 3, 5, 6, 7, 8]);
        assert_eq!(trend_ticks(9, 5), [0, 2, 4, 6, 8]);
        let t = trend_ticks(2000, 8);
        assert_eq!((t.len(), t[0], t[7]), (8, 0, 1999), "{t:?}");
        assert_eq!((slot(0), slot(3), of_slot(7), of_slot(6), slots(4)), (1, 7, Some(3), None, 0..8));
    }

    /// Issue 25: the cores chart's floor line had no label.
    #[test]
    fn the_floor_of_the_jobs_chart_is_a_labelled_dashed_line() {
        let curve = buildbench_timings::whatif::Curve {
            points: vec![(1, 40.0), (2, 22.0), (4, 14.0), (8, 11.0), (16, 10.5)],
            floor: 10.2,
            critical_seconds: 10.2,
            chain: Vec::new(),
            ranges: Vec::new(),
            uncertain: Vec::new(),
        };
        let svg = draw_jobs(&curve);
        let texts = read::texts(&svg);
        assert!(texts.contains(&"critical-path floor 10.2s".to_owned()), "{texts:?}");
        assert!(texts.contains(&"jobs (cargo -j)".to_owned()) && texts.contains(&"predicted wall time (s)".to_owned()));
        // Dashed: several short grey pieces at the floor's height.
        let pieces =
            read::elements(&svg, "polyline").into_iter().filter(|e| read::attr(e, "stroke") == Some("#5A5A5A"));
        assert!(pieces.count() > 5, "{svg}");
        // The label is under the line, where the curve never is.
        let label = read::elements(&svg, "text").into_iter().find(|e| read::attr(e, "fill") == Some("#5A5A5A"));
        assert_eq!(label.and_then(|l| read::attr(l, "text-anchor")), Some("end"));
        assert_eq!(label.and_then(|l| read::attr(l, "dy")), Some("0.76em"));
    }

    /// Issue 25: a unit ending near the end of the build had its label cut at the chart's
    /// right edge. A label that does not fit right of its bar goes left of it, and the axis
    /// widens for one that fits neither side.
    #[test]
    fn every_timeline_label_stays_inside_the_chart() {
        let long = "a-dependency-with-a-long-name-that-finishes-last";
        let t = timeline(&[
            unit("small", "lib", "build", 0.0, 1.0),
            unit(long, "lib", "build", 2.0, 8.0),
            unit("app-with-a-rather-long-name-too", "bin", "build", 0.0, 9.9),
        ]);
        // A label longer than half the chart is cut.
        let app = t.rows.iter().find(|r| r.label.starts_with("app")).map(timeline_label);
        assert_eq!(app.as_deref(), Some("app-with-a-rather-long-name-too (bin app-with-a-rather-l… 9.90s"));
        let svg = draw_timeline(&t);
        let width = TIMELINE.width;
        let mut checked = 0;
        for (e, text) in read::elements(&svg, "text").into_iter().zip(read::texts(&svg)) {
            // The units' labels: a name and a duration such as `9.90s`.
            let is_label =
                text.rsplit(' ').next().and_then(|d| d.strip_suffix('s')).is_some_and(|d| d.parse::<f64>().is_ok());
            if !is_label {
                continue;
            }
            let x = read::number(e, "x").unwrap_or(f64::NAN);
            let w = px_width(&text, TIMELINE.font);
            let (left, right) = match read::attr(e, "text-anchor") {
                Some("end") => (x - w, x),
                _ => (x, x + w),
            };
            assert!(left >= 0.0 && right <= width, "{text}: {left:.0} to {right:.0} of {width}");
            checked += 1;
        }
        assert_eq!(checked, 3, "{svg}");
        assert!(svg.contains(">seconds since cargo started</text>"), "{svg}");
        // Hovering a bar names the unit, its times and parts.
        assert!(
            svg.contains(
                "<g><title>small: 1.00s from 0.00s to 1.00s; frontend 0.50s, codegen and the rest 0.50s</title>"
            ),
            "{svg}"
        );
    }
}
