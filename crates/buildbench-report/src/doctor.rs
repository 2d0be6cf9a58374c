//! The text of `buildbench doctor`.

use std::fmt::Write as _;

use buildbench_model::Checkup;

use crate::{Align, Table};

pub fn text(c: &Checkup) -> String {
    let mut out = String::from("Toolchains\n");
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
    out.push_str(&indent(&t.render()));
    for (title, tools) in [("Linkers", &c.linkers), ("Caches", &c.caches)] {
        let _ = writeln!(out, "\n{title}");
        let mut t = Table::new(&[("name", Align::Left), ("program", Align::Left), ("status", Align::Left)]);
        for tool in tools {
            let status = match (&tool.version, &tool.install) {
                (Some(v), _) => v.clone(),
                (None, Some(i)) => format!("missing: {i}"),
                (None, None) => "missing".to_owned(),
            };
            t.row(vec![tool.name.clone(), tool.program.clone(), status]);
        }
        out.push_str(&indent(&t.render()));
    }
    if let Some(ms) = c.proxy_overhead_ms {
        let _ = writeln!(out, "\nrustup proxy overhead: {ms:.1} ms per rustc call");
    }
    if c.warnings.is_empty() {
        out.push_str("\nNothing here should spoil a measurement.\n");
    } else {
        out.push_str("\nWarnings\n");
        for w in &c.warnings {
            let _ = writeln!(out, "  - {w}");
        }
    }
    for n in &c.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
