//! The "only crate that…" rules of docs/ARCHITECTURE.md, kept by reading the sources: which
//! crate may spawn processes, print, draw charts, touch SQLite or parse command lines, and that
//! every source file opens with its `//!` summary. Test code (files under `tests/`, `benches/`,
//! modules behind `#[cfg(test)]`) and build scripts are exempt: they may spawn and print.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::support::root;

/// A rule: a pattern that only the listed crates' non-test sources may contain.
struct Rule {
    what: &'static str,
    patterns: &'static [&'static str],
    allowed: &'static [&'static str],
}

const RULES: &[Rule] = &[
    Rule {
        what: "spawns a process",
        patterns: &["process::Command", "Command::new("],
        allowed: &["buildbench-runner"],
    },
    Rule {
        what: "prints",
        patterns: &["println!", "eprintln!", "print!(", "eprint!(", "io::stdout()", "io::stderr()"],
        allowed: &["buildbench"],
    },
    Rule { what: "draws charts", patterns: &["plotters::"], allowed: &["buildbench-report"] },
    Rule { what: "touches SQLite", patterns: &["rusqlite::"], allowed: &["buildbench-history"] },
    Rule { what: "parses command lines", patterns: &["clap::"], allowed: &["buildbench"] },
];

/// Every non-test source file: (crate, path, its text with `#[cfg(test)]` items cut off).
fn sources() -> Vec<(String, PathBuf, String)> {
    let mut out = Vec::new();
    let crates = std::fs::read_dir(root().join("crates")).expect("crates/");
    for krate in crates.flatten() {
        let name = krate.file_name().to_string_lossy().into_owned();
        let src = krate.path().join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        let test_modules = test_modules(&files);
        for file in files {
            if test_modules.contains(&file) {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("a source file");
            out.push((name.clone(), file, without_tests(&text)));
        }
    }
    out
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// Files that are modules declared behind `#[cfg(test)]` (`#[cfg(test)] mod simulation;`).
fn test_modules(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(file).expect("a source file");
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            let [attribute, item] = pair else { continue };
            if !attribute.starts_with("#[cfg(test)]") {
                continue;
            }
            let item = ["pub(crate) ", "pub(super) ", "pub "].iter().fold(*item, |i, p| i.strip_prefix(p).unwrap_or(i));
            let Some(name) = item.strip_prefix("mod ") else { continue };
            let Some(name) = name.strip_suffix(';') else { continue };
            // `a.rs` declares `a/name.rs`; `mod.rs`, `lib.rs` and `main.rs` their sibling.
            let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let dir = file.parent().map(Path::to_owned).unwrap_or_default();
            let base = if ["mod", "lib", "main"].contains(&stem.as_str()) { dir } else { dir.join(&stem) };
            out.insert(base.join(format!("{name}.rs")));
            out.insert(base.join(name).join("mod.rs"));
        }
    }
    out
}

/// The text without comments and test code: a `#[cfg(test)]` module declared in one line
/// (`mod simulation;`) is skipped, and one with a body up to its closing brace (braces
/// counted outside string and character literals).
fn without_tests(text: &str) -> String {
    let mut kept = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            if lines.peek().is_some_and(|next| next.trim_end().ends_with(';')) {
                lines.next();
                continue;
            }
            let mut depth = 0i64;
            let mut opened = false;
            for inner in lines.by_ref() {
                depth += braces(inner);
                opened |= inner.contains('{');
                if opened && depth <= 0 {
                    break;
                }
            }
            continue;
        }
        // Doc comments may name what they do not do ("never prints; no println!").
        if line.trim_start().starts_with("//") {
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    kept
}

/// `{` minus `}` in a line of code, outside string and character literals.
fn braces(line: &str) -> i64 {
    let (mut depth, mut in_string, mut escaped) = (0, false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '\'' if !in_string => {
                // A char literal ('{', '\'') or a lifetime ('a): skip a literal whole.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    chars.nth(2);
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                }
            }
            '{' if !in_string => depth += 1,
            '}' if !in_string => depth -= 1,
            '/' if !in_string && chars.peek() == Some(&'/') => break,
            _ => {}
        }
    }
    depth
}

/// The breaches of `rules` in `sources`, one line each.
fn breaches(rules: &[Rule], sources: &[(String, PathBuf, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (krate, file, text) in sources {
        for rule in rules {
            if rule.allowed.contains(&krate.as_str()) {
                continue;
            }
            for pattern in rule.patterns {
                if let Some(line) = text.lines().position(|l| l.contains(pattern)) {
                    out.push(format!(
                        "{} {} (`{pattern}`, line {} of the non-comment text): only {} may",
                        file.strip_prefix(root()).unwrap_or(file).display(),
                        rule.what,
                        line + 1,
                        rule.allowed.join(", ")
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn each_kind_of_work_stays_in_the_crate_that_owns_it() {
    let sources = sources();
    assert!(sources.len() > 50, "found only {} source files", sources.len());
    let found = breaches(RULES, &sources);
    assert!(found.is_empty(), "docs/ARCHITECTURE.md's rules are broken:\n{}", found.join("\n"));
}

#[test]
fn the_rules_catch_a_stray_process_or_print() {
    // The same check on a copy of the sources with a stray `Command::new` in the report crate
    // and a `println!` in the runner: both are named.
    let mut sources = sources();
    let report = sources.iter_mut().find(|(k, _, _)| k == "buildbench-report").expect("the report crate");
    report.2.push_str("fn stray() { let _ = std::process::Command::new(\"sh\"); }\n");
    let runner = sources.iter_mut().find(|(k, _, _)| k == "buildbench-runner").expect("the runner crate");
    runner.2.push_str("fn stray() { println!(\"hello\"); }\n");
    let found = breaches(RULES, &sources);
    assert!(found.iter().any(|b| b.contains("spawns a process") && b.contains("buildbench-report")), "{found:?}");
    assert!(found.iter().any(|b| b.contains("prints") && b.contains("buildbench-runner")), "{found:?}");
    // And a file under `#[cfg(test)]` is recognised as test code.
    let files = vec![root().join("crates/buildbench-model/src/stats/mod.rs")];
    let modules = test_modules(&files);
    assert!(modules.iter().any(|m| m.ends_with("stats/simulation.rs")), "{modules:?}");
}

#[test]
fn every_source_file_opens_with_its_summary() {
    let mut files = Vec::new();
    walk(&root().join("crates"), &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "target"))
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a `//!` summary at the top:\n{}", missing.join("\n"));
}
