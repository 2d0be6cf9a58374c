//! Joining the shards of a study run on several machines.

use crate::{Environment, Study};

/// What must match for two studies to be comparable: the machine kind and the software.
/// Kernel builds and memory sizes of otherwise identical CI runners vary, so they do not count.
pub fn fingerprint(e: &Environment) -> String {
    let toolchains: Vec<String> = e.toolchains.iter().map(|t| format!("{}={} {}", t.name, t.rustc, t.cargo)).collect();
    let tools: Vec<String> = e.tools.iter().map(|t| format!("{}={}", t.name, t.version)).collect();
    format!("{} | {} | {} cores | {} | {}", e.os, e.cpu_model, e.cores, toolchains.join(", "), tools.join(", "))
}

/// Why shards cannot be merged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MergeError {
    /// No study was given.
    #[error("no study to merge")]
    NoStudy,
    /// A study of another plan.
    #[error(
        "{name}: its plan (configurations, scenarios, runs) differs from {first}'s; only shards of one study can be merged"
    )]
    OtherPlan {
        /// The study refused.
        name: String,
        /// The first study.
        first: String,
    },
    /// A study from another machine or toolchain, without `allow_mixed`.
    #[error(
        "{name} ran on a different machine or toolchain than {first}:\n  {theirs}\n  {ours}\npass --allow-mixed to merge anyway (the report will say so)"
    )]
    OtherMachine {
        /// The study refused.
        name: String,
        /// The first study.
        first: String,
        /// The refused study's fingerprint.
        theirs: String,
        /// The first study's fingerprint.
        ours: String,
    },
    /// The same sample twice: the same shard given twice.
    #[error(
        "{name}: sample {number} of {configuration} / {scenario} is also in another study; were the same shards merged twice?"
    )]
    Duplicate {
        /// The study refused.
        name: String,
        /// The sample's number (from 1).
        number: u32,
        /// Its configuration.
        configuration: String,
        /// Its scenario.
        scenario: crate::Scenario,
    },
}

/// Merges shards of one plan. Refuses studies of different plans, and studies from different
/// machines or toolchains unless `allow_mixed` (then the other fingerprints are kept in
/// `mixed_environments` and reports say so).
pub fn merge(studies: Vec<(String, Study)>, allow_mixed: bool) -> Result<Study, MergeError> {
    let mut iter = studies.into_iter();
    let Some((first_name, mut merged)) = iter.next() else { return Err(MergeError::NoStudy) };
    let reference_plan = {
        let mut p = merged.plan.clone();
        p.shard = None;
        p
    };
    merged.merged_from.push(first_name.clone());
    for (name, study) in iter {
        let mut plan = study.plan.clone();
        plan.shard = None;
        if plan != reference_plan {
            return Err(MergeError::OtherPlan { name, first: first_name });
        }
        if fingerprint(&study.environment) != fingerprint(&merged.environment) {
            if !allow_mixed {
                return Err(MergeError::OtherMachine {
                    name,
                    first: first_name,
                    theirs: fingerprint(&study.environment),
                    ours: fingerprint(&merged.environment),
                });
            }
            if !merged.mixed_environments.contains(&study.environment) {
                merged.mixed_environments.push(study.environment.clone());
            }
        }
        for sample in study.samples {
            let duplicate = merged.samples.iter().any(|s| {
                s.configuration == sample.configuration
                    && s.scenario == sample.scenario
                    && s.warmup == sample.warmup
                    && s.index == sample.index
            });
            if duplicate {
                return Err(MergeError::Duplicate {
                    name,
                    number: sample.index + 1,
                    configuration: sample.configuration,
                    scenario: sample.scenario,
                });
            }
            merged.samples.push(sample);
        }
        merged.invocations.extend(study.invocations);
        for u in study.unavailable {
            if !merged.unavailable.contains(&u) {
                merged.unavailable.push(u);
            }
        }
        merged.complete &= study.complete;
        merged.started_at = merged.started_at.min(study.started_at);
        merged.merged_from.push(name);
    }
    merged.plan.shard = None;
    Ok(merged)
}
