//! `buildbench tune`: the space of settings a project can change (`space.rs`), the search over
//! it under a time budget with a confirmation on fresh samples (`search.rs`, a pure state
//! machine), the record a tune leaves (`Tune`, the `tune.json` schema), and the seeded Monte
//! Carlo check of the search (`simulation.rs`).

mod search;
#[cfg(test)]
mod simulation;
mod space;

use serde::{Deserialize, Serialize};

pub use search::{Dropped, Entry, Mark, Outcome, Search, Settings, Stage};
pub use space::{
    Allow, Available, Change, Choice, Current, Dimension, Goal, Objective, Setting, Shares, Space, Touches,
    guide_presets, space,
};

/// Version of the `tune.json` schema.
pub const TUNE_SCHEMA_VERSION: u32 = 1;

/// What a tune leaves in its folder as `tune.json`: the space, the search's whole path and its
/// outcome. The confirmation is also a study of its own (`study.json`), which `report` and
/// `apply` read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tune {
    /// `TUNE_SCHEMA_VERSION`.
    pub schema_version: u32,
    /// The project measured.
    pub project: String,
    /// What was optimised (with several goals, the heaviest: `Objective::primary`).
    pub goal: Goal,
    /// With several goals, each with its weight: the search minimised their weighed sum.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weights: Vec<(Goal, f64)>,
    /// The `--allow` given.
    pub allow: Vec<Allow>,
    /// The user's cargo arguments.
    pub cargo_args: Vec<String>,
    /// The settings searched and those left out.
    pub space: Space,
    /// The baseline's shares that bounded what options could save, when its timing report
    /// had them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<Shares>,
    /// The name of every candidate, by its index in `search.candidates`.
    pub names: Vec<String>,
    /// The guide's presets raced beside the combinations: `(preset, candidate)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presets: Vec<(String, usize)>,
    /// The search: every candidate in every stage, the marks, the outcome.
    pub search: Search,
    /// What adopting the winner costs, one line per setting.
    pub tradeoffs: Vec<String>,
    /// Seconds the tune took from the first build to the last.
    pub elapsed_seconds: f64,
}

impl Tune {
    /// A candidate's name.
    pub fn name(&self, candidate: usize) -> &str {
        self.names.get(candidate).map_or("?", String::as_str)
    }

    /// What the search minimised, in words: `incremental`, or `3×incremental + 1×clean`.
    pub fn objective(&self) -> String {
        if self.weights.len() > 1 {
            Objective { weights: self.weights.clone() }.label()
        } else {
            self.goal.as_str().to_owned()
        }
    }

    /// The winner's name, when the search ended with one other than the baseline.
    pub fn winner(&self) -> Option<&str> {
        self.search.outcome.as_ref().filter(|o| o.winner != 0).map(|o| self.name(o.winner))
    }

    /// The winner when the confirmation showed it faster: the only one worth adopting (what
    /// `apply` writes).
    pub fn confirmed_winner(&self) -> Option<&str> {
        self.search.outcome.as_ref().filter(|o| o.winner != 0 && o.confirmed_faster).map(|o| self.name(o.winner))
    }

    /// Reads a `tune.json`: the schema version must be this one's.
    pub fn from_json(bytes: &[u8]) -> Result<Tune, String> {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let version = value.get("schema_version").and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(TUNE_SCHEMA_VERSION)) {
            return Err(format!("tune.json schema version {version:?}, this buildbench reads {TUNE_SCHEMA_VERSION}"));
        }
        serde_json::from_value(value).map_err(|e| format!("not a tune.json: {e}"))
    }
}
