//! Self time per activity, per label and per macro, from one rustc run's interval events.
//!
//! rustc's events nest on each thread (an activity contains the queries it asks for), so
//! sorting a thread's events by start (and longest first) and keeping a stack of the open ones
//! gives each event its parent. An event's self time is its duration less its children's;
//! summed over events, self times add up to the time the thread spent recording, never count
//! a nanosecond twice.

use std::collections::HashMap;

use buildbench_model::profile::{Activities, Activity};

use crate::classify;

/// One interval event: a label already interned by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub thread: u32,
    /// Nanoseconds since any fixed origin.
    pub start: u64,
    pub end: u64,
    /// Index into the labels the caller keeps.
    pub label: u32,
    /// For proc-macro expansions: index of the macro's name in the caller's labels.
    pub arg: Option<u32>,
}

/// What one label did in one rustc run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LabelTotal {
    pub self_ns: u64,
    pub count: u64,
    /// The activity the label counted towards most often.
    pub activity: Option<Activity>,
}

/// One macro's expansions in one rustc run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MacroTotal {
    pub ns: u64,
    pub expansions: u64,
}

/// Everything aggregated from one rustc run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Nanoseconds per activity.
    pub activities: HashMap<Activity, u64>,
    /// Per label index.
    pub labels: HashMap<u32, LabelTotal>,
    /// Per macro-name index.
    pub macros: HashMap<u32, MacroTotal>,
    /// First start to last end.
    pub wall_ns: u64,
    /// The first event's start (nanoseconds since the Unix epoch, as rustc records them).
    pub first_ns: u64,
}

impl Totals {
    /// Seconds per activity.
    pub fn seconds(&self) -> Activities {
        self.activities.iter().map(|(a, ns)| (*a, *ns as f64 / 1e9)).collect()
    }

    /// Nanoseconds of proc-macro expansion.
    pub fn proc_macro_ns(&self) -> u64 {
        self.macros.values().map(|m| m.ns).sum()
    }
}

struct Open {
    end: u64,
    label: u32,
    activity: Activity,
    in_macro: bool,
}

/// Aggregates `events`; `label_of` gives an interned label's text.
pub fn aggregate<'a>(mut events: Vec<Event>, label_of: impl Fn(u32) -> &'a str) -> Totals {
    let mut totals = Totals::default();
    if let (Some(first), Some(last)) = (events.iter().map(|e| e.start).min(), events.iter().map(|e| e.end).max()) {
        totals.wall_ns = last.saturating_sub(first);
        totals.first_ns = first;
    }
    events.sort_unstable_by(|a, b| {
        a.thread.cmp(&b.thread).then(a.start.cmp(&b.start)).then(b.end.cmp(&a.end)).then(a.label.cmp(&b.label))
    });
    let mut rules: HashMap<u32, (Option<Activity>, bool)> = HashMap::new();
    let mut counted: HashMap<(u32, Activity), u64> = HashMap::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut thread = None;
    for e in events {
        if thread != Some(e.thread) {
            stack.clear();
            thread = Some(e.thread);
        }
        // Close what ended before this event starts, and anything it is not inside of (events
        // that overlap without nesting are treated as siblings).
        while stack.last().is_some_and(|top| top.end <= e.start || top.end < e.end) {
            stack.pop();
        }
        let duration = e.end.saturating_sub(e.start);
        let (rule, is_macro) = *rules.entry(e.label).or_insert_with(|| {
            let text = label_of(e.label);
            (classify::activity(text), classify::is_proc_macro(text))
        });
        let parent = stack.last();
        let activity = rule.or(parent.map(|p| p.activity)).unwrap_or(Activity::OtherFrontend);
        if let Some(p) = parent {
            // The parent's self time loses what ran inside it.
            if let Some(ns) = totals.activities.get_mut(&p.activity) {
                *ns = ns.saturating_sub(duration);
            }
            if let Some(l) = totals.labels.get_mut(&p.label) {
                l.self_ns = l.self_ns.saturating_sub(duration);
            }
        }
        *totals.activities.entry(activity).or_default() += duration;
        let label = totals.labels.entry(e.label).or_default();
        label.self_ns += duration;
        label.count += 1;
        *counted.entry((e.label, activity)).or_default() += 1;
        let in_macro = parent.is_some_and(|p| p.in_macro);
        if is_macro
            && !in_macro
            && let Some(arg) = e.arg
        {
            // The outermost expansion event of a macro holds the whole of it (a derive's outer
            // event holds the proc-macro call and the work around it).
            let m = totals.macros.entry(arg).or_default();
            m.ns += duration;
            m.expansions += 1;
        }
        stack.push(Open { end: e.end, label: e.label, activity, in_macro: in_macro || (is_macro && e.arg.is_some()) });
    }
    let mut best: HashMap<u32, (u64, Activity)> = HashMap::new();
    for ((label, activity), n) in counted {
        let entry = best.entry(label).or_insert((n, activity));
        if n > entry.0 || (n == entry.0 && activity < entry.1) {
            *entry = (n, activity);
        }
    }
    for (label, (_, activity)) in best {
        if let Some(l) = totals.labels.get_mut(&label) {
            l.activity = Some(activity);
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: [&str; 7] = [
        "analysis",
        "type_check_crate",
        "layout_of",
        "evaluate_obligation",
        "codegen_crate",
        "expand_derive_proc_macro_outer",
        "expand_proc_macro",
    ];
    const ARG: u32 = 100;

    fn label(i: u32) -> &'static str {
        if i == ARG { "#[derive(Serialize)]" } else { LABELS.get(i as usize).copied().unwrap_or("?") }
    }

    fn ev(thread: u32, start: u64, end: u64, label: u32) -> Event {
        Event { thread, start, end, label, arg: None }
    }

    #[test]
    fn self_times_nest_and_children_inherit_their_parents_activity() {
        let events = vec![
            // Recorded at their ends, children first, as rustc writes them.
            ev(1, 20, 30, 2),  // layout_of inside type checking
            ev(1, 40, 45, 3),  // trait solving inside type checking
            ev(1, 10, 60, 1),  // type_check_crate
            ev(1, 0, 100, 0),  // analysis
            ev(1, 70, 90, 2),  // layout_of directly inside analysis: other frontend
            ev(2, 50, 200, 4), // codegen on another thread
            Event { thread: 1, start: 100, end: 110, label: 6, arg: Some(ARG) },
            Event { thread: 1, start: 99, end: 112, label: 5, arg: Some(ARG) },
        ];
        let t = aggregate(events, label);
        assert_eq!(t.activities.get(&Activity::TypeChecking), Some(&45)); // 50 − 5
        assert_eq!(t.activities.get(&Activity::TraitSolving), Some(&5));
        // analysis: 100 − 50 − 20 = 30, plus layout_of's 20 inheriting it.
        assert_eq!(t.activities.get(&Activity::OtherFrontend), Some(&50));
        assert_eq!(t.activities.get(&Activity::Codegen), Some(&150));
        assert_eq!(t.activities.get(&Activity::MacroExpansion), Some(&13));
        let total: u64 = t.activities.values().sum();
        assert_eq!(total, 100 + 150 + 13);
        assert_eq!(t.labels.get(&2).map(|l| (l.self_ns, l.count)), Some((30, 2)));
        // The derive counts once, with its outer event's time.
        assert_eq!(t.macros.get(&ARG), Some(&MacroTotal { ns: 13, expansions: 1 }));
        assert_eq!(t.wall_ns, 200);
    }

    #[test]
    fn empty_and_overlapping_input_does_not_panic() {
        assert_eq!(aggregate(Vec::new(), label), Totals::default());
        let t = aggregate(vec![ev(1, 0, 10, 0), ev(1, 5, 20, 1), ev(1, 30, 20, 2)], label);
        assert_eq!(t.activities.values().sum::<u64>(), 10 + 15);
    }
}
