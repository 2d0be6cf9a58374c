//! Which activity a rustc self-profile label belongs to.
//!
//! Labels change between nightlies, so the rules name only the labels that *start* an
//! activity (`type_check_crate`, `mir_borrowck`, `LLVM_passes`) and the queries that belong to
//! one wherever they run (trait solving, metadata decoding). Every other event takes the
//! activity of the event it ran inside: a `layout_of` asked for by the type checker is type
//! checking, the same query asked for by codegen is codegen. An event inside nothing known is
//! `other-frontend`.

use buildbench_model::profile::Activity;

/// The activity a label starts, or `None` for "the activity it runs in".
pub fn activity(label: &str) -> Option<Activity> {
    use Activity::*;
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| label.starts_with(p));
    // Queries that belong to one activity wherever they are asked for come first: the codegen
    // and MIR prefixes below would otherwise take some of them.
    if starts(&["evaluate_", "type_op_", "normalize_", "try_normalize_", "select_", "fulfill_"])
        || matches!(
            label,
            "codegen_select_candidate"
                | "specialization_graph_of"
                | "implied_outlives_bounds"
                | "dropck_outlives"
                | "method_autoderef_steps"
                | "is_copy_raw"
                | "is_sized_raw"
                | "is_freeze_raw"
                | "is_unpin_raw"
                | "is_use_cloned_raw"
                | "needs_drop_raw"
                | "needs_async_drop_raw"
                | "has_significant_drop_raw"
                | "resolve_instance_raw"
                | "instantiate_and_check_impossible_predicates"
                | "trait_impls_of"
                | "vtable_entries"
        )
    {
        return Some(TraitSolving);
    }
    if starts(&["metadata_"]) || matches!(label, "generate_crate_metadata" | "encode_metadata" | "crate_metadata") {
        return Some(Metadata);
    }
    if starts(&["incr_", "dep_graph", "encode_query_results", "serialize_dep_graph", "save_dep_graph"]) {
        return Some(Incremental);
    }
    if matches!(label, "mir_borrowck" | "MIR_borrow_checking") || starts(&["borrowck", "polonius"]) {
        return Some(BorrowChecking);
    }
    if starts(&["lint", "early_lint", "late_lint", "pre_AST_expansion_lint"])
        || matches!(label, "module_lints" | "crate_lints" | "check_mod_deathness" | "check_expectations")
    {
        return Some(Lints);
    }
    if starts(&["link_", "run_linker"]) || label == "link" {
        return Some(Link);
    }
    if starts(&["LLVM", "llvm", "codegen_", "cranelift", "cgu_", "mono"])
        || matches!(
            label,
            "collect_and_partition_mono_items"
                | "symbol_name"
                | "finish_ongoing_codegen"
                | "target_machine_factory_inner"
                | "partition_and_assert_distinct_symbols"
                | "assert_symbols_are_distinct"
                | "compute_debuginfo_type_name"
                | "items_of_instance"
        )
    {
        // `codegen_fn_attrs` is an attribute lookup asked for by every phase.
        return (label != "codegen_fn_attrs").then_some(Codegen);
    }
    if label == "parse_crate" || starts(&["parse_"]) {
        return Some(Parsing);
    }
    if starts(&["expand_", "macro_expand"]) {
        return Some(MacroExpansion);
    }
    if starts(&[
        "resolve_crate",
        "late_resolve",
        "resolver_for_lowering",
        "finalize_",
        "resolve_post",
        "hir_",
        "lower_",
    ]) {
        return Some(NameResolution);
    }
    if starts(&["mir_", "MIR_", "thir_", "eval_to_", "const_eval", "check_match", "build_mir", "promoted_mir"])
        || matches!(label, "optimized_mir" | "instance_mir" | "check_unsafety" | "check_liveness")
    {
        return Some(Mir);
    }
    if starts(&["typeck", "type_check", "coherence", "check_well_formed", "check_mod_type_wf", "wf_checking"])
        || matches!(
            label,
            "type_of"
                | "fn_sig"
                | "predicates_of"
                | "explicit_predicates_of"
                | "generics_of"
                | "adt_def"
                | "variances_of"
                | "crate_variances"
                | "inferred_outlives_of"
                | "impl_trait_header"
                | "coherent_trait"
                | "orphan_check_impl"
                | "collect_mod_item_types"
        )
    {
        return Some(TypeChecking);
    }
    None
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
