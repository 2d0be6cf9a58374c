//! Markdown for GitHub job summaries and pull-request comments.

use std::fmt::Write as _;

use buildbench_model::{Scenario, Study};

use super::Exporter;
use crate::StudySummary;
use crate::across_studies::capitalized;
use crate::color::Styled;
use crate::format::{bytes, mean_interval, opt_seconds, p_values, speedup, verdict};
use crate::summary::{Cell, Outcome};
use crate::view::{Block, View};

pub struct Markdown;

/// Text safe inside a Markdown table cell (and anywhere in a Markdown document): no pipes, no
/// line breaks, no HTML, no links or images (`[text](url)`, `![alt](url)`: the brackets are
/// escaped), no control characters. Build output ends up here, so it must not be able to
/// add content to a job summary.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '|' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One block of a view as Markdown, ending in a line break (a snippet under its label, in a
/// fence of its language); empty for a chart, which Markdown
/// leaves out (its numbers are in the text). Everything is escaped (`cell`).
fn block_markdown(block: &Block) -> String {
    match block {
        Block::Paragraph(text) | Block::Note(text) => format!("{}\n", styled(text)),
        Block::Table(table) => table.markdown(),
        Block::List(items) => items.iter().map(|i| format!("- {}\n", styled(i))).collect(),
        Block::Code { label, text } => {
            // A fence longer than any run of backticks in the snippet.
            let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            // The language of `Cargo.toml` is `toml`; a label without a dot names its own.
            let language = label.rsplit('.').next().unwrap_or_default();
            let info: String = language.chars().filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c)).collect();
            let text: String = text.chars().map(|c| if c.is_control() && c != '\n' { ' ' } else { c }).collect();
            format!("{}:\n\n{fence}{info}\n{}\n{fence}\n", cell(label), text.trim_end_matches('\n'))
        }
        Block::Figure { .. } => String::new(),
    }
}

/// Styled text as Markdown: each line escaped, toned spans in bold (their spaces outside the
/// stars, which Markdown needs), lines kept apart by a hard line break.
fn styled(text: &Styled) -> String {
    let mut out = String::new();
    for (span, tone) in text.spans() {
        let escaped = span.split('\n').map(cell).collect::<Vec<_>>().join("  \n");
        match tone {
            Some(_) if !escaped.trim().is_empty() => {
                let start = escaped.len() - escaped.trim_start().len();
                let end = escaped.trim_end().len();
                let _ = write!(out, "{}**{}**{}", &escaped[..start], &escaped[start..end], &escaped[end..]);
            }
            _ => out.push_str(&escaped),
        }
    }
    out.trim_end_matches(['\n', ' ']).to_owned()
}

/// Text safe inside a Markdown code span: no backticks (which would end it) or line breaks.
/// Inside a code span nothing is a link, so nothing else needs escaping.
pub fn code(text: &str) -> String {
    text.chars().map(|c| if c == '`' || c.is_control() { ' ' } else { c }).collect()
}

impl Exporter for Markdown {
    fn extension(&self) -> &'static str {
        "md"
    }

    fn view(&self, view: &View) -> Vec<u8> {
        let mut out = String::new();
        for section in &view.sections {
            if let Some(heading) = &section.heading {
                let hashes = "#".repeat(usize::from(section.level.clamp(1, 6)));
                let _ = writeln!(out, "{}{hashes} {}", if out.is_empty() { "" } else { "\n" }, cell(heading));
            }
            for block in &section.blocks {
                let text = block_markdown(block);
                if !text.is_empty() {
                    let _ = write!(out, "{}{text}", if out.is_empty() { "" } else { "\n" });
                }
            }
        }
        out.into_bytes()
    }

    fn render(&self, study: &Study, summary: &StudySummary) -> Vec<u8> {
        let mut out = String::new();
        header(&mut out, study, summary);
        if let Some(gate) = &summary.head_vs_base {
            out.push_str(&crate::gate::markdown(gate));
            out.push('\n');
        }
        for &scenario in &study.plan.scenarios {
            scenario_table(&mut out, summary, scenario);
        }
        where_the_time_goes(&mut out, summary);
        if let Some(why) = summary.nothing_to_compare() {
            let _ = writeln!(out, "{why}\n");
            return out.into_bytes();
        }
        claims(&mut out, summary);
        recommendation(&mut out, summary);
        let _ = writeln!(
            out,
            "Speedup = baseline mean / mean (means, not medians), 95% interval by Fieller's method; significant when Welch's t-test gives p < 0.05 after Holm's correction over all {} comparisons of this report (in brackets) and the change exceeds {:.0}%.",
            summary.comparisons(),
            summary.noise * 100.0
        );
        out.into_bytes()
    }
}

/// The title and what the study ran on and with: machine, toolchains, runs, cargo arguments,
/// merged environments and runners, the linkers.
fn header(out: &mut String, study: &Study, summary: &StudySummary) {
    let env = &study.environment;
    let _ = writeln!(out, "# buildbench: {}\n", cell(&study.project));
    let toolchains: Vec<String> = env.toolchains.iter().map(|t| cell(&t.rustc)).collect();
    let _ = writeln!(
        out,
        "{} · {} cores · {} · {} · {} runs + {} warm-up per cell\n",
        cell(&env.cpu_model),
        env.cores,
        bytes(env.memory_bytes),
        toolchains.join(", "),
        study.plan.runs,
        study.plan.warmup
    );
    if let Some(args) = crate::format::cargo_args_line(study) {
        let _ = writeln!(out, "{}\n", cell(&args));
    }
    if let Some(mixed) = crate::format::mixed(study) {
        let _ = writeln!(out, "**{}.**\n", capitalized(&mixed));
    }
    if let Some(runners) = crate::format::runners(study, summary) {
        let _ = writeln!(out, "{}\n", cell(&runners));
    }
    for (toolchain, linker) in &summary.default_linkers {
        let _ = writeln!(out, "Default linker ({}): **{}**\n", cell(toolchain), cell(linker));
    }
    if let Some(own) = &study.own_linker {
        let _ = writeln!(out, "{}\n", cell(&crate::format::own_linker(own)));
    }
}

/// The table of one scenario's cells (nothing when it has none).
fn scenario_table(out: &mut String, summary: &StudySummary, scenario: Scenario) {
    let cells: Vec<_> = summary.scenario(scenario).collect();
    if cells.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {scenario}\n");
    if scenario.reference() != scenario {
        let _ = writeln!(out, "Compared with `{}` `{}`.\n", code(&summary.baseline), scenario.reference());
    }
    out.push_str("| configuration | median | mean [95% CI] | speedup [95% CI] | p | verdict | n | linked by |\n");
    out.push_str("|---|--:|--:|--:|--:|---|--:|---|\n");
    for c in cells {
        row(out, c);
    }
    out.push('\n');
}

/// One cell's row of its scenario's table.
fn row(out: &mut String, c: &Cell) {
    let mean = c.stats.as_ref().map_or_else(|| "-".to_owned(), mean_interval);
    let (sp, p, v) = match c.outcome() {
        Outcome::Baseline => ("baseline".to_owned(), String::new(), String::new()),
        Outcome::Compared(k) => (speedup(k), p_values(k), verdict(k).to_owned()),
        Outcome::Failed => ("-".to_owned(), String::new(), c.failure.as_ref().map(|f| f.line()).unwrap_or_default()),
        Outcome::Uncompared => ("-".to_owned(), String::new(), String::new()),
    };
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} |",
        cell(&c.configuration),
        opt_seconds(c.median()),
        mean,
        sp,
        p,
        cell(&v),
        crate::format::runs(c.samples.len()),
        cell(&c.linked_by.join(", "))
    );
}

/// The "more or fewer cores" line and the diagnosis, where the study has them.
fn where_the_time_goes(out: &mut String, summary: &StudySummary) {
    if let Some(j) = &summary.jobs {
        let _ = writeln!(out, "{}\n", cell(&crate::whatif::jobs_line(j)));
    }
    if let Some(d) = &summary.diagnosis {
        let _ =
            writeln!(out, "## Where the time goes\n\n```text\n{}```\n", crate::diagnose::text(d).replace("```", "'''"));
    }
}

/// The claims, each with its verdict.
fn claims(out: &mut String, summary: &StudySummary) {
    out.push_str("## Claims\n\n| claim | verdict | measured | compared |\n|---|---|---|---|\n");
    for c in &summary.claims {
        let _ = writeln!(
            out,
            "| {} | **{}** | {} | {} |",
            cell(&c.text),
            c.verdict.as_str(),
            cell(&c.measured),
            cell(c.compared.as_deref().unwrap_or("-"))
        );
    }
}

/// Per scenario, the configuration to adopt, its files and trade-offs; or to keep the baseline.
fn recommendation(out: &mut String, summary: &StudySummary) {
    out.push_str("\n## Recommendation\n\n");
    if summary.recommendations.is_empty() {
        let _ =
            writeln!(out, "No configuration is significantly faster than `{}`: keep it.\n", cell(&summary.baseline));
    }
    for r in &summary.recommendations {
        let _ = writeln!(out, "**{}**: use `{}` ({}).\n", r.scenario, code(&r.configuration), speedup(&r.comparison));
        for (file, text) in &r.files {
            let _ = writeln!(out, "`{file}`:\n\n```toml\n{}```\n", text.replace("```", "` ` `"));
        }
        for t in &r.tradeoffs {
            let _ = writeln!(out, "- trade-off: {}", cell(t));
        }
        out.push('\n');
    }
}
