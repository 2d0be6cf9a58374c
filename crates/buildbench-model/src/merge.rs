//! Joining the shards of a study run on several machines.

use crate::{Block, Environment, Plan, Sample, ShardBy, Study};

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
    let reference_plan = unsharded(&merged.plan);
    let blocked = merged.plan.shard.is_some() && merged.plan.shard_by == ShardBy::Block;
    merged.blocks = own_blocks(&merged);
    merged.merged_from.push(first_name.clone());
    for (name, study) in iter {
        if unsharded(&study.plan) != reference_plan {
            return Err(MergeError::OtherPlan { name, first: first_name });
        }
        add_blocks(&mut merged, &name, own_blocks(&study))?;
        check_environment(&mut merged, &study, &name, &first_name, blocked, allow_mixed)?;
        add_samples(&mut merged, &name, study.samples)?;
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

/// A shard's plan without its shard: what every shard of one study has in common.
fn unsharded(plan: &Plan) -> Plan {
    let mut p = plan.clone();
    p.shard = None;
    p
}

/// A study's blocks. Shards written before blocks were recorded have none: the study's own
/// machine is its block's.
fn own_blocks(study: &Study) -> Vec<Block> {
    let mut blocks = study.blocks.clone();
    if blocks.is_empty()
        && let Some((k, _)) = study.plan.shard
    {
        blocks.push(Block { block: k, environment: study.environment.clone(), started_at: study.started_at });
    }
    blocks
}

/// Adds the `blocks` of study `name` to `merged`; refuses a block it has already.
fn add_blocks(merged: &mut Study, name: &str, blocks: Vec<Block>) -> Result<(), MergeError> {
    for block in blocks {
        if merged.blocks.iter().any(|b| b.block == block.block) {
            return Err(MergeError::DuplicateBlock { name: name.to_owned(), block: block.block });
        }
        merged.blocks.push(block);
    }
    Ok(())
}

/// Checks that `study` (named `name`) ran with the software of `merged` (whose first study is
/// `first`) if `blocked` (a study sharded by block), else on the same kind of machine; with
/// `allow_mixed`, keeps its environment in `mixed_environments` instead of refusing it.
fn check_environment(
    merged: &mut Study,
    study: &Study,
    name: &str,
    first: &str,
    blocked: bool,
    allow_mixed: bool,
) -> Result<(), MergeError> {
    // Blocks may run on different machines, never with different software.
    let key = if blocked { software } else { fingerprint };
    let (theirs, ours) = (key(&study.environment), key(&merged.environment));
    if theirs == ours {
        return Ok(());
    }
    if !allow_mixed {
        let (name, first) = (name.to_owned(), first.to_owned());
        return Err(if blocked {
            MergeError::OtherSoftware { name, first, theirs, ours }
        } else {
            MergeError::OtherMachine { name, first, theirs, ours }
        });
    }
    if !merged.mixed_environments.contains(&study.environment) {
        merged.mixed_environments.push(study.environment.clone());
    }
    Ok(())
}

/// Adds the `samples` of study `name` to `merged`; refuses a sample it has already (the same
/// block, cell, warm-up or not, and number).
fn add_samples(merged: &mut Study, name: &str, samples: Vec<Sample>) -> Result<(), MergeError> {
    for sample in samples {
        let duplicate = merged.samples.iter().any(|s| {
            s.block == sample.block
                && s.configuration == sample.configuration
                && s.scenario == sample.scenario
                && s.warmup == sample.warmup
                && s.index == sample.index
        });
        if duplicate {
            return Err(MergeError::Duplicate {
                name: name.to_owned(),
                number: sample.index + 1,
                configuration: sample.configuration,
                scenario: sample.scenario,
            });
        }
        merged.samples.push(sample);
    }
    Ok(())
}
