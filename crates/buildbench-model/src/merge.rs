//! Joining the shards of a study run on several machines.

use crate::{Block, Environment, ShardBy, Study};

/// What must match for two studies to be comparable: the machine kind and the software.
/// Kernel builds and memory sizes of otherwise identical CI runners vary, so they do not count.
pub fn fingerprint(e: &Environment) -> String {
    format!("{} | {} | {} cores | {}", e.os, e.cpu_model, e.cores, software(e))
}

/// The software part of a fingerprint: toolchains and tools with their versions. Blocks of one
/// study may run on different machines, never with different software.
pub fn software(e: &Environment) -> String {
    let toolchains: Vec<String> = e.toolchains.iter().map(|t| format!("{}={} {}", t.name, t.rustc, t.cargo)).collect();
    let tools: Vec<String> = e.tools.iter().map(|t| format!("{}={}", t.name, t.version)).collect();
    format!("{} | {}", toolchains.join(", "), tools.join(", "))
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
    /// A block of a blocked study with other toolchains or tools, without `allow_mixed`.
    #[error(
        "{name} ran with other toolchains or tools than {first}:\n  {theirs}\n  {ours}\nblocks may run on different machines, but a speedup pooled over them needs the same software; pass --allow-mixed to merge anyway (the report will say so)"
    )]
    OtherSoftware {
        /// The study refused.
        name: String,
        /// The first study.
        first: String,
        /// The refused study's toolchains and tools.
        theirs: String,
        /// The first study's.
        ours: String,
    },
    /// The same block twice: the same shard given twice.
    #[error("{name}: block {block} (shard {block}) is also in another study; were the same shards merged twice?")]
    DuplicateBlock {
        /// The study refused.
        name: String,
        /// The block number.
        block: u32,
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

/// Merges shards of one plan. Refuses studies of different plans. Blocks of a study sharded by
/// block may come from different machines (that is what blocks are for: each block's ratios
/// are taken within its machine), but not with different toolchains or tools. Shards split by
/// cell must come from one kind of machine. Either rule yields to `allow_mixed` (then the other
/// fingerprints are kept in `mixed_environments` and reports say so).
pub fn merge(studies: Vec<(String, Study)>, allow_mixed: bool) -> Result<Study, MergeError> {
    let mut iter = studies.into_iter();
    let Some((first_name, mut merged)) = iter.next() else { return Err(MergeError::NoStudy) };
    let reference_plan = {
        let mut p = merged.plan.clone();
        p.shard = None;
        p
    };
    let blocked = merged.plan.shard.is_some() && merged.plan.shard_by == ShardBy::Block;
    if merged.blocks.is_empty()
        && let Some((k, _)) = merged.plan.shard
    {
        // Shards written before blocks were recorded: the study's own machine is its block's.
        merged.blocks.push(Block { block: k, environment: merged.environment.clone(), started_at: merged.started_at });
    }
    merged.merged_from.push(first_name.clone());
    for (name, study) in iter {
        let mut plan = study.plan.clone();
        plan.shard = None;
        if plan != reference_plan {
            return Err(MergeError::OtherPlan { name, first: first_name });
        }
        let mut blocks = study.blocks.clone();
        if blocks.is_empty()
            && let Some((k, _)) = study.plan.shard
        {
            blocks.push(Block { block: k, environment: study.environment.clone(), started_at: study.started_at });
        }
        for block in blocks {
            if merged.blocks.iter().any(|b| b.block == block.block) {
                return Err(MergeError::DuplicateBlock { name, block: block.block });
            }
            merged.blocks.push(block);
        }
        let differs = if blocked {
            software(&study.environment) != software(&merged.environment)
        } else {
            fingerprint(&study.environment) != fingerprint(&merged.environment)
        };
        if differs {
            if !allow_mixed {
                let (theirs, ours) = if blocked {
                    (software(&study.environment), software(&merged.environment))
                } else {
                    (fingerprint(&study.environment), fingerprint(&merged.environment))
                };
                return Err(if blocked {
                    MergeError::OtherSoftware { name, first: first_name, theirs, ours }
                } else {
                    MergeError::OtherMachine { name, first: first_name, theirs, ours }
                });
            }
            if !merged.mixed_environments.contains(&study.environment) {
                merged.mixed_environments.push(study.environment.clone());
            }
        }
        for sample in study.samples {
            let duplicate = merged.samples.iter().any(|s| {
                s.block == sample.block
                    && s.configuration == sample.configuration
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
    merged.blocks.sort_by_key(|b| b.block);
    Ok(merged)
}
