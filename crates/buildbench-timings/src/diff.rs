//! Unit-by-unit comparison of two builds.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Build, Mode, TargetKind, Unit};

/// The change of one unit that ran in both builds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitChange {
    /// `name v1.0 (kind)` as in `Unit::label`, from the new build.
    pub unit: String,
    pub before: f64,
    pub after: f64,
    /// `after - before`, seconds; negative is faster.
    pub delta: f64,
}

/// How the second build differs from the first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildDiff {
    pub total_before: Option<f64>,
    pub total_after: Option<f64>,
    pub total_delta: Option<f64>,
    /// Units that ran in both builds, largest absolute change first.
    pub changed: Vec<UnitChange>,
    /// Labels of units that ran only in the first build.
    pub only_before: Vec<String>,
    /// Labels of units that ran only in the second build.
    pub only_after: Vec<String>,
}

/// Units are matched by package name, target name, kind and mode; the version only separates
/// two units that share all of those (two versions of one crate in the graph). Units that were
/// fresh count as absent: the diff is about work done.
pub fn diff(before: &Build, after: &Build) -> BuildDiff {
    let mut a = group(before);
    let mut b = group(after);
    let mut changed = Vec::new();
    let mut only_before = Vec::new();
    let mut only_after = Vec::new();
    for (key, mut left) in std::mem::take(&mut a) {
        let mut right = b.remove(&key).unwrap_or_default();
        if let ([l], [r]) = (left.as_slice(), right.as_slice()) {
            changed.push(change(l, r));
            continue;
        }
        left.retain(|l| {
            let found = right.iter().position(|r| r.version == l.version);
            match found {
                Some(j) => {
                    changed.push(change(l, right.remove(j)));
                    false
                }
                None => true,
            }
        });
        only_before.extend(left.iter().map(|u| u.label()));
        only_after.extend(right.iter().map(|u| u.label()));
    }
    only_after.extend(b.values().flatten().map(|u| u.label()));
    changed.sort_by(|x, y| y.delta.abs().total_cmp(&x.delta.abs()));
    only_before.sort();
    only_after.sort();
    let total_delta = match (before.total_seconds, after.total_seconds) {
        (Some(b), Some(a)) => Some(a - b),
        _ => None,
    };
    BuildDiff {
        total_before: before.total_seconds,
        total_after: after.total_seconds,
        total_delta,
        changed,
        only_before,
        only_after,
    }
}

type Key = (String, String, TargetKind, Mode);

fn group(build: &Build) -> BTreeMap<Key, Vec<&Unit>> {
    let mut map: BTreeMap<Key, Vec<&Unit>> = BTreeMap::new();
    for unit in build.units.iter().filter(|u| u.ran() && u.duration.is_some()) {
        // Some formats cannot tell a proc-macro from a library; match them as one kind.
        let kind = if unit.kind == TargetKind::ProcMacro { TargetKind::Lib } else { unit.kind };
        // Library target names are the package name with `-` as `_` in some formats.
        let target = if kind == TargetKind::Lib { unit.name.clone() } else { unit.target.clone() };
        map.entry((unit.name.clone(), target, kind, unit.mode)).or_default().push(unit);
    }
    map
}

fn change(before: &Unit, after: &Unit) -> UnitChange {
    let (b, a) = (before.duration.unwrap_or(0.0), after.duration.unwrap_or(0.0));
    UnitChange { unit: after.label(), before: b, after: a, delta: a - b }
}
