//! Which activity a rustc self-profile label belongs to.
//!
//! Labels change between nightlies, so the rules name only the labels that *start* an
//! activity (`type_check_crate`, `mir_borrowck`, `LLVM_passes`) and the queries that belong to
//! one wherever they run (trait solving, metadata decoding). Every other event takes the
//! activity of the event it ran inside: a `layout_of` asked for by the type checker is type
//! checking, the same query asked for by codegen is codegen. An event inside nothing known is
//! `other-frontend`.

use buildbench_model::profile::Activity;

/// The labels that start one activity: those with one of `prefixes`, and the `labels` named
/// in full.
struct Rule {
    activity: Activity,
    prefixes: &'static [&'static str],
    labels: &'static [&'static str],
}

/// The rules, in the order they are tried: the first that matches a label gives its activity.
/// Queries that belong to one activity wherever they are asked for come first: the codegen and
/// MIR prefixes below would otherwise take some of them.
const RULES: &[Rule] = &[
    Rule {
        activity: Activity::TraitSolving,
        prefixes: &["evaluate_", "type_op_", "normalize_", "try_normalize_", "select_", "fulfill_"],
        labels: &[
            "codegen_select_candidate",
            "specialization_graph_of",
            "implied_outlives_bounds",
            "dropck_outlives",
            "method_autoderef_steps",
            "is_copy_raw",
            "is_sized_raw",
            "is_freeze_raw",
            "is_unpin_raw",
            "is_use_cloned_raw",
            "needs_drop_raw",
            "needs_async_drop_raw",
            "has_significant_drop_raw",
            "resolve_instance_raw",
            "instantiate_and_check_impossible_predicates",
            "trait_impls_of",
            "vtable_entries",
        ],
    },
    Rule {
        activity: Activity::Metadata,
        prefixes: &["metadata_"],
        labels: &["generate_crate_metadata", "encode_metadata", "crate_metadata"],
    },
    Rule {
        activity: Activity::Incremental,
        prefixes: &["incr_", "dep_graph", "encode_query_results", "serialize_dep_graph", "save_dep_graph"],
        labels: &[],
    },
    Rule {
        activity: Activity::BorrowChecking,
        prefixes: &["borrowck", "polonius"],
        labels: &["mir_borrowck", "MIR_borrow_checking"],
    },
    Rule {
        activity: Activity::Lints,
        prefixes: &["lint", "early_lint", "late_lint", "pre_AST_expansion_lint"],
        labels: &["module_lints", "crate_lints", "check_mod_deathness", "check_expectations"],
    },
    Rule { activity: Activity::Link, prefixes: &["link_", "run_linker"], labels: &["link"] },
    Rule {
        activity: Activity::Codegen,
        prefixes: &["LLVM", "llvm", "codegen_", "cranelift", "cgu_", "mono"],
        labels: &[
            "collect_and_partition_mono_items",
            "symbol_name",
            "finish_ongoing_codegen",
            "target_machine_factory_inner",
            "partition_and_assert_distinct_symbols",
            "assert_symbols_are_distinct",
            "compute_debuginfo_type_name",
            "items_of_instance",
        ],
    },
    Rule { activity: Activity::Parsing, prefixes: &["parse_"], labels: &["parse_crate"] },
    Rule { activity: Activity::MacroExpansion, prefixes: &["expand_", "macro_expand"], labels: &[] },
    Rule {
        activity: Activity::NameResolution,
        prefixes: &[
            "resolve_crate",
            "late_resolve",
            "resolver_for_lowering",
            "finalize_",
            "resolve_post",
            "hir_",
            "lower_",
        ],
        labels: &[],
    },
    Rule {
        activity: Activity::Mir,
        prefixes: &["mir_", "MIR_", "thir_", "eval_to_", "const_eval", "check_match", "build_mir", "promoted_mir"],
        labels: &["optimized_mir", "instance_mir", "check_unsafety", "check_liveness"],
    },
    Rule {
        activity: Activity::TypeChecking,
        prefixes: &["typeck", "type_check", "coherence", "check_well_formed", "check_mod_type_wf", "wf_checking"],
        labels: &[
            "type_of",
            "fn_sig",
            "predicates_of",
            "explicit_predicates_of",
            "generics_of",
            "adt_def",
            "variances_of",
            "crate_variances",
            "inferred_outlives_of",
            "impl_trait_header",
            "coherent_trait",
            "orphan_check_impl",
            "collect_mod_item_types",
        ],
    },
];

impl Rule {
    /// Whether this rule takes `label`.
    fn matches(&self, label: &str) -> bool {
        self.prefixes.iter().any(|p| label.starts_with(p)) || self.labels.contains(&label)
    }
}

/// The activity a label starts, or `None` for "the activity it runs in".
pub fn activity(label: &str) -> Option<Activity> {
    // `codegen_fn_attrs` is an attribute lookup asked for by every phase (no rule before
    // codegen's takes it).
    if label == "codegen_fn_attrs" {
        return None;
    }
    RULES.iter().find(|r| r.matches(label)).map(|r| r.activity)
}

/// Whether a label is a proc-macro expansion (its argument names the macro).
pub fn is_proc_macro(label: &str) -> bool {
    label.starts_with("expand_") && label.contains("proc_macro")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Activity::*;

    #[test]
    fn the_compilers_phases_fall_where_the_guide_puts_them() {
        for (label, want) in [
            ("parse_crate", Some(Parsing)),
            ("macro_expand_crate", Some(MacroExpansion)),
            ("expand_proc_macro", Some(MacroExpansion)),
            ("expand_derive_proc_macro_outer", Some(MacroExpansion)),
            ("late_resolve_crate", Some(NameResolution)),
            ("type_check_crate", Some(TypeChecking)),
            ("typeck", Some(TypeChecking)),
            ("evaluate_obligation", Some(TraitSolving)),
            ("codegen_select_candidate", Some(TraitSolving)),
            ("mir_borrowck", Some(BorrowChecking)),
            ("MIR_borrow_checking", Some(BorrowChecking)),
            ("mir_built", Some(Mir)),
            ("mir_pass_copy_prop", Some(Mir)),
            ("eval_to_allocation_raw", Some(Mir)),
            ("lint_checking", Some(Lints)),
            ("metadata_decode_entry_type_of", Some(Metadata)),
            ("generate_crate_metadata", Some(Metadata)),
            ("incr_comp_encode_dep_graph", Some(Incremental)),
            ("codegen_crate", Some(Codegen)),
            ("LLVM_passes", Some(Codegen)),
            ("codegen_fn_attrs", None),
            ("link_binary", Some(Link)),
            ("link", Some(Link)),
            ("layout_of", None),
            ("analysis", None),
        ] {
            assert_eq!(activity(label), want, "{label}");
        }
        assert!(is_proc_macro("expand_proc_macro") && is_proc_macro("expand_derive_proc_macro_outer"));
        assert!(!is_proc_macro("expand_crate"));
    }
}
