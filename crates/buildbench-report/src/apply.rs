//! `buildbench apply`: the files that adopt a configuration, merged into the project's own with
//! `toml_edit` (cargo's TOML editor), so comments, order and formatting outside the keys it sets
//! survive; and a line diff to show before writing. Pure: text in, text out.

use buildbench_model::{Configuration, Study};
use toml_edit::{DocumentMut, Item, Table, Value};

/// What `apply` would write: each file relative to the project root, its current text (if it
/// exists) and the new text; and what adopting the configuration costs.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyPlan {
    pub configuration: String,
    pub files: Vec<FileChange>,
    pub tradeoffs: Vec<String>,
}

/// One file `apply` writes.
#[derive(Debug, Clone, PartialEq)]
pub struct FileChange {
    /// Relative to the project root: `.cargo/config.toml`, `Cargo.toml`, `rust-toolchain.toml`.
    pub path: String,
    pub before: Option<String>,
    pub after: String,
}

impl FileChange {
    /// The file changes (a merge can find every key already set as wanted).
    pub fn changes(&self) -> bool {
        self.before.as_deref() != Some(self.after.as_str())
    }
}

/// The configuration `apply` writes by default: the recommendation of the first scenario that
/// has one (the fastest configuration significantly faster than the baseline).
pub fn recommended(study: &Study, noise: f64) -> Option<String> {
    let summary = crate::summarize(study, noise);
    summary.recommendations.first().map(|r| r.configuration.clone())
}

/// The changes that adopt `configuration`: its snippets (as in the report's recommendation)
/// merged into the project's files. `read` returns a file's current text, `None` when absent.
pub fn plan(
    study: &Study,
    configuration: &Configuration,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<ApplyPlan, String> {
    let triple = buildbench_model::cargo_args::CargoArgs::parse(&study.plan.cargo_args)
        .target_triple()
        .unwrap_or(study.environment.host());
    let rust_lld = study.environment.default_is_rust_lld();
    let (snippets, tradeoffs) = crate::recommend::adoption(configuration, triple, rust_lld);
    let mut files = Vec::new();
    for (path, snippet) in snippets {
        let before = read(&path);
        let after = merge(before.as_deref(), &snippet).map_err(|e| format!("{path}: {e}"))?;
        files.push(FileChange { path, before, after });
    }
    Ok(ApplyPlan { configuration: configuration.name.clone(), files, tradeoffs })
}

/// Merges `snippet` (TOML) into `existing`: every key of the snippet is set in the table of the
/// same path, created where missing; a `rustflags` array keeps the flags already there and gets
/// the missing ones appended. Everything else in `existing` stays byte for byte.
pub fn merge(existing: Option<&str>, snippet: &str) -> Result<String, String> {
    let mut doc: DocumentMut = existing.unwrap_or("").parse().map_err(|e| format!("not valid TOML: {e}"))?;
    let add: DocumentMut = snippet.parse().map_err(|e| format!("buildbench's snippet is not valid TOML: {e}"))?;
    merge_table(doc.as_table_mut(), add.as_table());
    let mut text = doc.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

fn merge_table(into: &mut Table, from: &Table) {
    for (key, item) in from.iter() {
        match item {
            Item::Table(sub) => {
                let entry = into.entry(key).or_insert_with(|| {
                    let mut t = Table::new();
                    // Parents of a nested table (`[profile.dev.package."*"]`) stay implicit.
                    t.set_implicit(true);
                    Item::Table(t)
                });
                if let Some(table) = entry.as_table_mut() {
                    // A table that gets keys of its own is written as a header; one that only
                    // holds other tables stays implicit (no `[profile]` above `[profile.dev]`).
                    if sub.iter().any(|(_, i)| i.is_value()) {
                        table.set_implicit(false);
                    }
                    merge_table(table, sub);
                } else if let Some(inline) = entry.as_inline_table_mut() {
                    for (k, v) in sub.iter() {
                        if let Some(v) = v.as_value() {
                            inline.insert(k, v.clone());
                        }
                    }
                }
            }
            Item::Value(value) => set_value(into, key, value),
            _ => {}
        }
    }
}

fn set_value(table: &mut Table, key: &str, value: &Value) {
    let mut value = value.clone();
    if let Some(existing) = table.get(key).and_then(Item::as_value) {
        // rustflags: the user's flags stay, ours are added once.
        if key == "rustflags"
            && let (Some(old), Some(new)) = (existing.as_array(), value.as_array())
        {
            let mut merged = old.clone();
            for flag in new.iter().filter_map(Value::as_str) {
                if !old.iter().any(|f| f.as_str() == Some(flag)) {
                    merged.push(flag);
                }
            }
            value = Value::Array(merged);
        }
        // Keep what surrounds the old value (a comment after it, the spacing before it).
        *value.decor_mut() = existing.decor().clone();
        if existing.to_string().trim() == value.to_string().trim() {
            return;
        }
    }
    match table.get_mut(key) {
        Some(item) => *item = Item::Value(value),
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

/// A line diff of `before` and `after` in the unified style (`-` removed, `+` added, two lines
/// of context), headed by the file name. Longest common subsequence of lines: the files are
/// small.
pub fn diff(path: &str, before: Option<&str>, after: &str) -> String {
    let a: Vec<&str> = before.unwrap_or("").lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    let near = |k: usize| ops.iter().enumerate().any(|(x, (op, _))| *op != ' ' && x.abs_diff(k) <= 2);
    let mut out = match before {
        Some(_) => format!("--- {path}\n+++ {path}\n"),
        None => format!("--- /dev/null (new file)\n+++ {path}\n"),
    };
    let mut skipped = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near(k) {
            if skipped {
                out.push_str("@@\n");
                skipped = false;
            }
            out.push(*op);
            out.push_str(line);
            out.push('\n');
        } else {
            skipped = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARGO_TOML: &str = r#"# The app. Comments and layout must survive `apply`.
[package]
name = "app"   # the name
version = "0.1.0"

[dependencies]
serde = "1"    # pinned on purpose

# Our dev profile.
[profile.dev]
debug = 1      # enough for backtraces
opt-level = 0
"#;

    #[test]
    fn only_the_keys_set_change_and_comments_survive() {
        let merged = merge(Some(CARGO_TOML), "[profile.dev]\ncodegen-units = 256\ndebug = false\n").unwrap();
        assert_eq!(
            merged,
            CARGO_TOML
                .replace("debug = 1      # enough for backtraces", "debug = false      # enough for backtraces")
                .replace("opt-level = 0\n", "opt-level = 0\ncodegen-units = 256\n")
        );
        // Applying twice changes nothing more.
        let again = merge(Some(&merged), "[profile.dev]\ncodegen-units = 256\ndebug = false\n").unwrap();
        assert_eq!(again, merged);
    }

    #[test]
    fn new_tables_are_added_and_rustflags_keep_the_users() {
        let config = "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Ctarget-cpu=native\"] # fast\n";
        let merged = merge(
            Some(config),
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"link-arg=-Wl,-O1\"]\n\n[build]\nrustc-wrapper = \"sccache\"\n",
        )
        .unwrap();
        assert!(
            merged.contains("rustflags = [\"-Ctarget-cpu=native\", \"-C\", \"link-arg=-Wl,-O1\"] # fast"),
            "{merged}"
        );
        assert!(merged.contains("[build]\nrustc-wrapper = \"sccache\""), "{merged}");
        let nested = merge(None, "[profile.dev.package.\"*\"]\nopt-level = 0\n").unwrap();
        assert_eq!(nested, "[profile.dev.package.\"*\"]\nopt-level = 0\n");
        assert!(merge(Some("not = [toml"), "[a]\nb = 1\n").is_err());
    }

    #[test]
    fn the_diff_shows_what_changes_with_context() {
        let d = diff("Cargo.toml", Some("a\nb\nc\nd\ne\nf\ng\n"), "a\nb\nc\nD\ne\nf\ng\n");
        assert_eq!(d, "--- Cargo.toml\n+++ Cargo.toml\n@@\n b\n c\n-d\n+D\n e\n f\n");
        assert!(diff("rust-toolchain.toml", None, "x\n").starts_with("--- /dev/null (new file)"));
    }
}
