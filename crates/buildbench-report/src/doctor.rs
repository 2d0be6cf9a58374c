//! The text of `buildbench doctor`.

use buildbench_model::Checkup;

use crate::view::{View, styled};
use crate::{Align, Table};

/// What `buildbench doctor` shows, in every format (`export::write`): the toolchains, linkers
/// and caches found, the rustup proxy's overhead, the warnings and notes.
pub fn view(c: &Checkup) -> View {
    let mut view = View::new("buildbench doctor");
    view.section(2, Some("Toolchains")).table(toolchains(c));
    for (title, tools) in [("Linkers", &c.linkers), ("Caches", &c.caches)] {
        view.section(2, Some(title)).table(tools_table(tools));
    }
    let section = view.section(2, None);
    if let Some(ms) = c.proxy_overhead_ms {
        section.text(&format!("rustup proxy overhead: {ms:.1} ms per rustc call"));
    }
    if c.warnings.is_empty() {
        section.text("Nothing here should spoil a measurement.");
    } else {
        view.section(2, Some("Warnings")).list(c.warnings.iter().map(|w| styled(w)).collect());
    }
    if !c.notes.is_empty() {
        let notes: Vec<String> = c.notes.iter().map(|n| format!("note: {n}")).collect();
        view.section(2, None).note(&notes.join("\n"));
    }
    view
}

/// One row per toolchain: its rustc, default linker and whether it has Cranelift.
fn toolchains(c: &Checkup) -> Table {
    let mut t = Table::new(&[
        ("toolchain", Align::Left),
        ("rustc", Align::Left),
        ("default linker", Align::Left),
        ("cranelift", Align::Left),
    ]);
    for tc in &c.toolchains {
        let cranelift = if tc.cranelift {
            "yes".to_owned()
        } else {
            format!("no: {}", tc.cranelift_install.as_deref().unwrap_or(""))
        };
        t.row(vec![
            tc.name.clone(),
            tc.rustc.clone(),
            tc.default_linker.clone().unwrap_or_else(|| "unknown".to_owned()),
            cranelift,
        ]);
    }
    t
}

/// One row per linker or cache: its program and version, or how to install it.
fn tools_table(tools: &[buildbench_model::ToolCheck]) -> Table {
    let mut t = Table::new(&[("name", Align::Left), ("program", Align::Left), ("status", Align::Left)]);
    for tool in tools {
        let status = match (&tool.version, &tool.install) {
            (Some(v), _) => v.clone(),
            (None, Some(i)) => format!("missing: {i}"),
            (None, None) => "missing".to_owned(),
        };
        t.row(vec![tool.name.clone(), tool.program.clone(), status]);
    }
    t
}
