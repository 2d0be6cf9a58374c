//! The build-time history's analysis, as pure functions over plain data: a series' change
//! points, its newest shift not yet confirmed and the units that moved most at each (`trend`),
//! and what `history gate` decides (`gate`), which compares the newest study with the same last
//! level. The history crate reads the series and unit times from its database and calls these;
//! the report crate renders the results.

use std::ops::Range;

use serde::Serialize;

use crate::across_studies::{self, Underpowered, cell_power, holm_confidence};
use crate::stats::changepoint::{ChangePoint, NewestShift, Settings, detect};
use crate::stats::power::Power;
use crate::stats::{Comparison, compare_with, decide_family};

/// One unit's seconds in some studies: (unit label, [(study id, seconds)]).
pub type UnitTimes = (String, Vec<(i64, f64)>);

/// One point of a series: one study's cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The study's id in the history.
    pub study: i64,
    /// The project's commit the study measured, when known.
    pub commit: Option<String>,
    /// The branch of that commit, when known.
    pub branch: Option<String>,
    /// ISO 8601; sorts the series.
    pub date: String,
    /// The median wall time of the cell's samples, in seconds.
    pub median: f64,
    /// The 95% confidence interval of the mean, in seconds.
    pub ci95: Option<(f64, f64)>,
    /// The cell's successful samples, in seconds (empty unless asked for).
    pub samples: Vec<f64>,
}

/// A series: one machine, configuration and scenario, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// The machine fingerprint the studies ran on.
    pub machine: String,
    /// The configuration's name.
    pub configuration: String,
    /// The scenario's word.
    pub scenario: String,
    /// One point per study, oldest first.
    pub points: Vec<Point>,
}

/// One series with what was found in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    /// The series the trend is of.
    pub series: Series,
    /// Confirmed change points in the series of medians (at least two studies on the new
    /// level), each with the units whose time changed most across it.
    pub changes: Vec<Change>,
    /// The newest study (or studies) off the last level by more than its prediction interval
    /// allows: a change not yet confirmed by a second study.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest: Option<NewestChange>,
    /// The studies the newest is compared with (indices into `series.points`, end exclusive):
    /// the last level before it. `history show` measures an unconfirmed shift against them and
    /// `history gate` compares the newest study's samples with theirs.
    pub last_level: Range<usize>,
}

/// A change point and its likely cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Where the change is, and its size.
    pub point: ChangePoint,
    /// The commit of the first study of the new level.
    pub commit: Option<String>,
    /// Units (crates) whose time moved most between the last study of the old level and the
    /// first of the new, largest first: (unit, seconds before, seconds after).
    pub units: Vec<(String, f64, f64)>,
}

/// The newest studies off the last level, and their likely cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewestChange {
    /// Where the shift starts, the level it is measured from, its size and significance.
    pub shift: NewestShift,
    /// The commit of the first shifted study.
    pub commit: Option<String>,
    /// The commit of the first study of the last level.
    pub level_commit: Option<String>,
    /// Units (crates) whose time moved most between the last study of the level and the first
    /// shifted one, largest first: (unit, seconds before, seconds after).
    pub units: Vec<(String, f64, f64)>,
}

/// How many of the newest studies of a series change points are looked for in (and the trend
/// chart draws): PELT's pruning saves little on a long series without changes, where its time
/// grows with the square of the length.
pub const WINDOW: usize = 2000;

/// How many units are named behind a change.
const UNITS_NAMED: usize = 5;

/// One series' trend: its change points (in the newest `WINDOW` studies), its newest shift, and
/// the units behind each. `unit_times` reads the unit times of the studies it is given (only
/// called when there is a change to explain).
pub fn trend<E>(series: Series, unit_times: impl FnOnce(&[i64]) -> Result<Vec<UnitTimes>, E>) -> Result<Trend, E> {
    let skip = series.points.len().saturating_sub(WINDOW);
    let medians: Vec<f64> = series.points.iter().skip(skip).map(|p| p.median).collect();
    let found = detect(&medians, &Settings::default()).shifted(skip);
    let last_level = found.last_level(series.points.len());
    // Each change is explained by the pair of studies it lies between: the last of the old
    // level and the first of the new, the two builds the change's commit separates.
    let pairs: Vec<(i64, i64)> = found
        .points
        .iter()
        .map(|c| c.index)
        .chain(found.newest.as_ref().map(|s| s.index))
        .filter_map(|i| Some((series.points.get(i.checked_sub(1)?)?.study, series.points.get(i)?.study)))
        .collect();
    let times = if pairs.is_empty() {
        Vec::new()
    } else {
        let ids: Vec<i64> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
        unit_times(&ids)?
    };
    let units_at = |index: usize| -> Vec<(String, f64, f64)> {
        let pair = index
            .checked_sub(1)
            .and_then(|before| Some((series.points.get(before)?.study, series.points.get(index)?.study)));
        pair.map(|(before, after)| moved(&times, before, after)).unwrap_or_default()
    };
    let commit_at = |index: usize| series.points.get(index).and_then(|p| p.commit.clone());
    let changes = found
        .points
        .into_iter()
        .map(|point| Change { commit: commit_at(point.index), units: units_at(point.index), point })
        .collect();
    let newest = found.newest.map(|shift| NewestChange {
        commit: commit_at(shift.index),
        level_commit: commit_at(shift.level_start),
        units: units_at(shift.index),
        shift,
    });
    Ok(Trend { series, changes, newest, last_level })
}

/// The units whose time moved most from study `before` to study `after`, largest first. A unit
/// missing from one study took no time there (a crate added or removed); when either study has
/// no unit times at all (recorded before the history kept them), none is named.
fn moved(times: &[UnitTimes], before: i64, after: i64) -> Vec<(String, f64, f64)> {
    let at = |list: &[(i64, f64)], id: i64| list.iter().find(|(s, _)| *s == id).map(|(_, t)| *t);
    let recorded = |id: i64| times.iter().any(|(_, list)| at(list, id).is_some());
    if !recorded(before) || !recorded(after) {
        return Vec::new();
    }
    let mut units: Vec<(String, f64, f64)> = times
        .iter()
        .filter_map(|(unit, list)| {
            let (a, b) = (at(list, before), at(list, after));
            (a.is_some() || b.is_some()).then(|| (unit.clone(), a.unwrap_or(0.0), b.unwrap_or(0.0)))
        })
        .collect();
    units.sort_by(|a, b| (b.2 - b.1).abs().total_cmp(&(a.2 - a.1).abs()));
    units.truncate(UNITS_NAMED);
    units
}

/// The gate's verdict on one series: the newest study against the last level before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateRow {
    /// The series' configuration.
    pub configuration: String,
    /// The series' scenario.
    pub scenario: String,
    /// The commit of the newest study.
    pub commit: Option<String>,
    /// How many studies the newest was compared with: the last level before it, as `history
    /// show` names it (`Trend::last_level`).
    pub level_studies: usize,
    /// The commit of the first study of that level.
    pub level_commit: Option<String>,
    /// Newest mean / the last level's mean, less 1 (0.08: 8% slower); `None` when not compared.
    pub slower_by: Option<f64>,
    /// `None` when the newest study or the last level before it has fewer than two samples.
    pub comparison: Option<Comparison>,
    /// Significantly slower by more than the threshold.
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

/// `history gate`: for every series, the newest study's samples against those of the last level
/// before it (`Trend::last_level`: the studies since the last change point, or the level an
/// unconfirmed shift of the newest is measured from; Welch's t-test); Holm's correction over
/// every series, as `diff` does; a regression is significant and slower by more than the
/// threshold. As in `diff`, each series gets its power, and one with too few samples to catch a
/// slowdown of the threshold is underpowered.
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
        // The same level `history show` measures the newest against: the studies since the
        // last change point, or, when the newest studies are an unconfirmed shift, the level
        // before them.
        let level = t.last_level.start.min(previous.len())..t.last_level.end.min(previous.len());
        let segment = previous.get(level.clone()).unwrap_or(&[]);
        let base: Vec<f64> = segment.iter().flat_map(|p| p.samples.iter().copied()).collect();
        let comparison = (base.len() >= 2 && newest.samples.len() >= 2)
            .then(|| compare_with(&base, &newest.samples, &crate::stats::Settings::wall(0.0)))
            .flatten();
        rows.push(GateRow {
            configuration: t.series.configuration.clone(),
            scenario: t.series.scenario.clone(),
            commit: newest.commit.clone(),
            level_studies: segment.len(),
            level_commit: previous.get(level.start).and_then(|p| p.commit.clone()),
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
