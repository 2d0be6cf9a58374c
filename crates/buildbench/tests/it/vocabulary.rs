//! The one vocabulary of flags: README's table of commands × common flags ("One vocabulary of
//! flags") against what `buildbench COMMAND --help` prints, so neither drifts from the other.

use std::collections::BTreeSet;

use crate::support::{buildbench, root};

/// One option of a help page: its names (aliases included), value name, possible values,
/// default and description.
#[derive(Debug, Default)]
struct Opt {
    names: BTreeSet<String>,
    value: Option<String>,
    possible: Vec<String>,
    default: Option<String>,
    text: String,
}

/// What a `--help` page says: the usage line and the options.
#[derive(Debug)]
struct Help {
    usage: String,
    options: Vec<Opt>,
}

impl Help {
    fn option(&self, name: &str) -> Option<&Opt> {
        self.options.iter().find(|o| o.names.contains(name))
    }
}

/// The text between `[label: ` and its `]` in `text`.
fn bracket<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let start = text.find(&format!("[{label}: "))? + label.len() + 3;
    let end = text[start..].find(']')? + start;
    Some(&text[start..end])
}

/// Parses clap's help: an option starts on a line indented 2 (`  -o, --output <DIR>`) or 6
/// spaces (`      --format <FORMAT>`); its description follows on that line or the next ones,
/// indented further.
fn parse_help(text: &str) -> Help {
    let usage = text.lines().find_map(|l| l.strip_prefix("Usage: ")).unwrap_or_default().to_owned();
    let mut options: Vec<Opt> = Vec::new();
    for line in text.lines() {
        let starts_option = (line.starts_with("  -") && !line.starts_with("  --"))
            || (line.starts_with("      --") && !line.starts_with("       "));
        if starts_option {
            // Without a long description anywhere, clap puts each description on the option's
            // own line, after two or more spaces.
            let trimmed = line.trim();
            let (spec, description) = trimmed.split_once("  ").unwrap_or((trimmed, ""));
            let mut opt = Opt { text: description.trim().to_owned(), ..Opt::default() };
            for word in spec.split([',', ' ']).filter(|w| !w.is_empty()) {
                if let Some(v) = word.strip_prefix('<').and_then(|w| w.strip_suffix('>')) {
                    opt.value = Some(v.to_owned());
                } else if word.starts_with('-') {
                    opt.names.insert(word.to_owned());
                }
            }
            options.push(opt);
        } else if let Some(opt) = options.last_mut()
            && line.starts_with("          ")
        {
            opt.text.push(' ');
            opt.text.push_str(line.trim());
        } else if !line.trim().is_empty() && !line.starts_with(' ') {
            // A heading ("Examples:", "Matrix:") ends the option before it.
            options.push(Opt::default());
        }
    }
    for opt in &mut options {
        for label in ["alias", "aliases"] {
            if let Some(list) = bracket(&opt.text, label) {
                opt.names.extend(list.split(", ").map(str::to_owned));
            }
        }
        if let Some(list) = bracket(&opt.text, "possible values") {
            opt.possible = list.split(", ").map(str::to_owned).collect();
        }
        opt.default = bracket(&opt.text, "default").map(str::to_owned);
    }
    options.retain(|o| !o.names.is_empty());
    Help { usage, options }
}

fn help(command: &[&str]) -> Help {
    let output = buildbench().args(command).arg("--help").env("COLUMNS", "100").output().expect("buildbench runs");
    assert!(output.status.success(), "{command:?} --help: {}", String::from_utf8_lossy(&output.stderr));
    parse_help(&String::from_utf8_lossy(&output.stdout))
}

/// README's table: its header cells and, per command, its cells.
fn readme_table() -> (Vec<String>, Vec<Vec<String>>) {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme.split("## One vocabulary of flags").nth(1).expect("README has the vocabulary table");
    let cells = |line: &str| -> Vec<String> {
        line.trim().trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_owned()).collect()
    };
    let mut lines = section.lines().skip_while(|l| !l.starts_with('|')).take_while(|l| l.starts_with('|'));
    let header = cells(lines.next().expect("a header row"));
    let rows: Vec<Vec<String>> = lines.skip(1).map(cells).collect();
    assert!(rows.len() > 10, "{rows:?}");
    assert!(rows.iter().all(|r| r.len() == header.len()), "every row has every column");
    (header, rows)
}

/// The subcommands `buildbench --help` (and `history --help`) lists.
fn subcommands(command: &[&str]) -> Vec<String> {
    let output = buildbench().args(command).arg("--help").output().expect("buildbench runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.split("Commands:")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_command_s_help_matches_the_readme_vocabulary_table() {
    let (header, rows) = readme_table();
    // Every command has a row, and every row is a command.
    let mut commands: Vec<String> = Vec::new();
    for sub in subcommands(&[]) {
        if sub == "history" {
            commands.extend(subcommands(&["history"]).into_iter().map(|s| format!("history {s}")));
        } else {
            commands.push(sub);
        }
    }
    let listed: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    let missing: Vec<&String> = commands.iter().filter(|c| !listed.contains(c)).collect();
    let stale: Vec<&String> = listed.iter().filter(|c| !commands.contains(c)).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "README's \"One vocabulary of flags\" table: add a row for {missing:?}, remove the rows of {stale:?}"
    );
    let mut checked_flags = 0;
    for row in &rows {
        let command: Vec<&str> = row[0].split(' ').collect();
        let h = help(&command);
        let name = &row[0];
        for (column, cell) in header.iter().zip(row).skip(1) {
            match column.as_str() {
                "project" => match cell.as_str() {
                    "[PATH]" => assert!(h.usage.contains("[PATH]"), "{name}: usage {:?} lacks [PATH]", h.usage),
                    "--project PATH" => {
                        assert_eq!(h.option("--project").and_then(|o| o.value.as_deref()), Some("PATH"), "{name}");
                        assert!(!h.usage.contains("PATH]"), "{name}: {}", h.usage);
                    }
                    "" => assert!(!h.usage.contains("PATH") && h.option("--project").is_none(), "{name}"),
                    other => panic!("{name}: unknown project cell {other:?}"),
                },
                "--format" => {
                    let option = h.option("--format");
                    if cell.is_empty() {
                        assert!(option.is_none(), "{name}: README says no --format");
                        continue;
                    }
                    let option = option.unwrap_or_else(|| panic!("{name}: README lists --format {cell}"));
                    let listed: Vec<&str> = cell.split(", ").collect();
                    let (possible, set): (BTreeSet<&str>, BTreeSet<&str>) =
                        (option.possible.iter().map(String::as_str).collect(), listed.iter().copied().collect());
                    assert_eq!(possible, set, "{name}: --format values");
                    // `[default: table]`, or in words (`report`: "the extension of -o FILE, else table").
                    if let Some(default) = &option.default {
                        assert!(default.ends_with(listed[0]), "{name}: the default, {default}, is not listed first");
                    }
                    assert!(option.text.contains("docs/"), "{name}: --format names the document of its JSON");
                }
                flags => {
                    // `-o/--output`: the short and long name of one option, both present or both absent.
                    let (short, long) = flags.split_once('/').unwrap_or_else(|| panic!("column {flags:?}"));
                    let by_short = h.option(short);
                    let by_long = h.option(long);
                    if cell.is_empty() {
                        assert!(by_short.is_none() && by_long.is_none(), "{name}: README says no {flags}");
                        continue;
                    }
                    let option = by_short.unwrap_or_else(|| panic!("{name}: README lists {flags}, help lacks {short}"));
                    assert!(option.names.contains(long), "{name}: {short} is not {long}: {:?}", option.names);
                    if cell != "✓" {
                        assert_eq!(option.value.as_deref(), Some(cell.as_str()), "{name}: {flags} takes {cell}");
                    }
                    checked_flags += 1;
                }
            }
        }
        // Spelled one way: no visible `--out`, and `--profile` only ever cargo's profile.
        assert!(h.option("--out").is_none(), "{name}: --out is -o/--output");
        if let Some(profile) = h.option("--profile") {
            assert!(
                profile.value.as_deref() == Some("NAME") && profile.text.contains("cargo profile"),
                "{name}: --profile must be cargo's profile: {profile:?}"
            );
        }
    }
    assert!(checked_flags >= 15, "the table's flags were checked ({checked_flags})");
}

#[test]
fn report_profile_is_refused_with_its_new_name() {
    let output = buildbench().args(["report", "study.json", "--profile", "p.json"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--self-profile p.json") && stderr.contains("cargo's profile"), "{stderr}");
}

#[test]
fn examples_are_printed_as_written_at_any_width() {
    // Narrow and wide terminals: clap wraps descriptions, never the examples.
    for width in ["40", "200"] {
        for command in ["compare", "timings", "whatif", "profile", "gate", "apply"] {
            let output = buildbench().args([command, "--help"]).env("COLUMNS", width).output().expect("runs");
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            let examples = text.split("Examples:\n").nth(1).unwrap_or_else(|| panic!("{command}: no examples"));
            let lines: Vec<&str> = examples.lines().collect();
            assert!(lines.len() >= 4, "{command}: {examples}");
            for line in lines {
                assert!(
                    line.starts_with("  buildbench ") || line.starts_with("  # ") || line.starts_with("  cargo "),
                    "{command} at {width} columns: a wrapped example line {line:?}"
                );
                assert!(line.chars().count() <= 80, "{command}: {line:?} is wider than 80 columns");
            }
        }
    }
}

#[test]
fn a_mistyped_flag_is_never_sent_to_cargo() {
    // `--linkers` is `--linker`: no tip to pass it after `--`, where cargo would get it.
    let output = buildbench().args(["compare", "--linkers", "mold"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("'--linker'") && !stderr.contains("-- --linkers"), "{stderr}");
    // A cargo flag with no buildbench look-alike: after `--` is where it belongs.
    let output = buildbench().args(["compare", "--features", "simd"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("-- --features"), "{stderr}");
    // A mistyped command gets the command meant.
    let output = buildbench().args(["comapre"]).output().expect("runs");
    assert!(String::from_utf8_lossy(&output.stderr).contains("'compare'"));
}
