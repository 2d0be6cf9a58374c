//! `buildbench profile`'s outputs: the terminal summary, Markdown, and the HTML section with
//! a stacked bar per crate and the table of the costliest macros; and the "smaller crates"
//! estimate from the plain build's unit graph.

use std::fmt::Write as _;

use buildbench_model::profile::{Activity, CrateProfile, ProfileReport, ProfiledBuild, SplitEstimate};
use buildbench_model::{Sample, UnitTiming};
use buildbench_timings::whatif::{Graph, Scale};

use crate::color::Styled;
use crate::format::seconds;
use crate::html_escape::escape;
use crate::{Align, Table};

/// The activities the crate table shows in columns (the rest are in "other").
const COLUMNS: [Activity; 7] = [
    Activity::MacroExpansion,
    Activity::NameResolution,
    Activity::TypeChecking,
    Activity::TraitSolving,
    Activity::BorrowChecking,
    Activity::Mir,
    Activity::Codegen,
];

/// The unit graph of a finished build (from its `--timings` report), replayed at `jobs`.
pub fn sample_graph(sample: &Sample, jobs: u32) -> Option<Graph> {
    if sample.units.iter().all(|u| u.unblocked.is_empty() && u.unblocked_rmeta.is_empty()) {
        return None;
    }
    let units: Vec<buildbench_timings::Unit> = sample.units.iter().map(crate::whatif::unit).collect();
    Graph::from_units(&units, sample.cargo_seconds, Some(jobs.max(1))).ok()
}

/// What splitting the project's own crate with the longest frontend (of `own` packages) into
/// two would save, replaying `sample`'s unit graph at `jobs`; and which own crate's split would
/// save the most. `Err` says why there is no estimate.
pub fn split_estimate(sample: &Sample, own: &[String], jobs: u32) -> Result<SplitEstimate, String> {
    let graph =
        sample_graph(sample, jobs).ok_or("the build's timing report has no unit graph (dependency edges) to replay")?;
    let frontend = |u: &UnitTiming| u.frontend.unwrap_or(u.duration);
    let longest = sample
        .units
        .iter()
        .filter(|u| own.contains(&u.name) && graph.nodes.iter().any(|n| n.name == u.name && n.splittable))
        .max_by(|a, b| frontend(a).total_cmp(&frontend(b)))
        .ok_or(
            "the project has no library of its own to split (its code is in binaries, which the replay does not split)",
        )?;
    let scale = Scale::default();
    let replay = |g: &Graph| g.simulate(Some(jobs), &scale).map(|s| s.seconds).map_err(|e| e.to_string());
    let build_seconds = replay(&graph)?;
    let split_seconds = replay(&graph.split(&longest.name, 2).map_err(|e| e.to_string())?)?;
    let best = graph
        .rank_splits(Some(jobs), 2, &scale)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|(name, _, _)| own.contains(name))
        .map(|(name, _, saved)| (name, saved));
    Ok(SplitEstimate {
        package: longest.name.clone(),
        frontend_seconds: frontend(longest),
        build_seconds,
        split_seconds,
        best,
    })
}

fn share(part: f64, whole: f64) -> String {
    if whole > 0.0 { format!("{:.0}%", part / whole * 100.0) } else { "-".to_owned() }
}

fn short(s: f64) -> String {
    if s < 0.0005 {
        "0".to_owned()
    } else if s < 10.0 {
        format!("{s:.3}")
    } else {
        format!("{s:.1}")
    }
}

/// Milliseconds below a second: macro expansions are short.
fn precise(s: f64) -> String {
    if s < 1.0 { format!("{:.1} ms", s * 1000.0) } else { seconds(s) }
}

fn crate_label(c: &CrateProfile) -> String {
    let mut name = c.display_name();
    if c.dependency {
        name.push_str(" (dep)");
    }
    name
}

fn overhead_line(b: &ProfiledBuild) -> String {
    if b.span_only {
        return format!(
            "{} build, read from its profiles (nothing was built): rustc's recorded events span {}.",
            b.scenario,
            seconds(b.wall_seconds)
        );
    }
    let cpu = match (b.cpu_seconds, b.plain_cpu_seconds, b.cpu_overhead()) {
        (Some(c), Some(p), Some(o)) => format!(", CPU time {} against {} ({:+.0}%)", seconds(c), seconds(p), o * 100.0),
        _ => String::new(),
    };
    match (b.plain_seconds, b.overhead()) {
        (Some(plain), Some(o)) => format!(
            "{} build: {} with -Zself-profile, {} without it: {:+.0}% wall time{cpu} (one build of each, so a difference within the machine's run-to-run spread is noise; profiled builds are never timing samples).",
            b.scenario,
            seconds(b.wall_seconds),
            seconds(plain),
            o * 100.0
        ),
        _ => {
            format!("{} build: {} with -Zself-profile (not measured without it).", b.scenario, seconds(b.wall_seconds))
        }
    }
}

fn activity_line(b: &ProfiledBuild) -> String {
    let activities = b.activities();
    let total: f64 = activities.values().sum();
    let frontend = b.frontend();
    let get = |a: Activity| activities.get(&a).copied().unwrap_or(0.0);
    let mut parts: Vec<(Activity, f64)> =
        activities.iter().filter(|(a, _)| a.is_frontend()).map(|(a, s)| (*a, *s)).collect();
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top: Vec<String> =
        parts.iter().take(4).map(|(a, s)| format!("{} {}", a.label(), share(*s, frontend))).collect();
    format!(
        "rustc self time {} over {} crates: frontend {} ({}; of it {}), codegen {} ({}), link {} ({}).",
        seconds(total),
        b.crates.len(),
        seconds(frontend),
        share(frontend, total),
        top.join(", "),
        seconds(get(Activity::Codegen)),
        share(get(Activity::Codegen), total),
        seconds(get(Activity::Link)),
        share(get(Activity::Link), total),
    )
}

fn crate_table(b: &ProfiledBuild, top: usize) -> Table {
    let mut columns: Vec<(&str, Align)> =
        vec![("crate", Align::Left), ("kind", Align::Left), ("self s", Align::Right), ("frontend", Align::Right)];
    for a in COLUMNS {
        columns.push((a.label(), Align::Right));
    }
    columns.push(("of it LLVM", Align::Right));
    columns.push(("CGUs", Align::Right));
    columns.push(("other", Align::Right));
    columns.push(("link", Align::Right));
    let mut table = Table::new(&columns);
    for c in b.crates.iter().take(top) {
        let mut row =
            vec![crate_label(c), c.kind.as_str().to_owned(), short(c.total()), share(c.frontend(), c.total())];
        let shown: f64 = COLUMNS.iter().map(|a| c.seconds(*a)).sum::<f64>() + c.seconds(Activity::Link);
        for a in COLUMNS {
            row.push(short(c.seconds(a)));
        }
        row.push(short(c.llvm_seconds));
        row.push(c.codegen_units.to_string());
        row.push(short((c.total() - shown).max(0.0)));
        row.push(short(c.seconds(Activity::Link)));
        table.row(row);
    }
    table
}

fn macro_table(b: &ProfiledBuild, top: usize) -> Table {
    let mut table = Table::new(&[
        ("macro", Align::Left),
        ("kind", Align::Left),
        ("expansion", Align::Right),
        ("uses", Align::Right),
        ("crates", Align::Left),
    ]);
    for m in b.macros.iter().take(top) {
        let mut crates: Vec<String> = m.crates.iter().take(3).cloned().collect();
        if m.crates.len() > 3 {
            crates.push(format!("+{}", m.crates.len() - 3));
        }
        table.row(vec![
            m.name.clone(),
            format!("{:?}", m.kind).to_lowercase(),
            precise(m.seconds),
            m.expansions.to_string(),
            crates.join(", "),
        ]);
    }
    table
}

fn query_table(b: &ProfiledBuild, top: usize) -> Table {
    let mut table = Table::new(&[
        ("label", Align::Left),
        ("activity", Align::Left),
        ("self time", Align::Right),
        ("% of total", Align::Right),
        ("count", Align::Right),
        ("crates", Align::Right),
    ]);
    for q in b.queries.iter().take(top) {
        table.row(vec![
            q.label.clone(),
            q.activity.label().to_owned(),
            precise(q.self_seconds),
            share(q.self_seconds, b.total_self_seconds),
            q.count.to_string(),
            q.crates.to_string(),
        ]);
    }
    table
}

const MACRO_RULES: &str = "rustc records no time per `macro_rules!` macro: their expansion is part of \"macro expansion\". Expansion time excludes compiling the macro crates and checking the code they generate.";

/// The terminal summary, uncoloured (also `-o FILE.txt`); `top` rows per table.
pub fn text(r: &ProfileReport, top: usize) -> String {
    styled(r, top).plain()
}

/// The terminal summary, safe for a terminal, its verdicts painted when `color`.
pub fn terminal(r: &ProfileReport, top: usize, color: bool) -> String {
    styled(r, top).terminal(color)
}

/// The terminal summary with each verdict toned.
fn styled(r: &ProfileReport, top: usize) -> Styled {
    let mut out = Styled::default();
    let _ = writeln!(out, "buildbench profile: {} ({})", r.project, r.toolchain);
    if !r.cargo_args.is_empty() {
        let _ = writeln!(out, "cargo arguments: {}", r.cargo_args.join(" "));
    }
    for b in &r.builds {
        let _ = writeln!(out, "\n{}", overhead_line(b));
        let _ = writeln!(out, "{}", activity_line(b));
        let _ =
            writeln!(out, "\nCrates by rustc self time (seconds; {} of {}):", top.min(b.crates.len()), b.crates.len());
        out.push_str(&crate_table(b, top).render());
        if b.macros.is_empty() {
            let _ = writeln!(out, "\nNo proc macro was expanded.");
        } else {
            let _ = writeln!(
                out,
                "\nProc macros by expansion time (summed over the crates using them; {:.1}% of frontend time):",
                if b.frontend() > 0.0 { b.proc_macro_seconds() / b.frontend() * 100.0 } else { 0.0 }
            );
            out.push_str(&macro_table(b, top).render());
        }
        let _ = writeln!(out, "{MACRO_RULES}");
        let _ = writeln!(out, "\nSlowest rustc activities and queries (self time, as measureme's summarize):");
        out.push_str(&query_table(b, top.min(15)).render());
    }
    if !r.verdicts.is_empty() {
        let _ = writeln!(out, "\nThe guide's frontend advice, from the clean build:");
        for v in &r.verdicts {
            let _ = write!(out, "  {}: ", v.text);
            out.push_verdict(v.verdict, &v.detail);
            out.push('\n');
        }
    }
    for w in &r.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}

/// Markdown, for a CI job summary.
pub fn markdown(r: &ProfileReport, top: usize) -> String {
    let cell = crate::export::markdown::cell;
    let mut out = format!("# Where rustc's time goes: {}\n\n{}\n", cell(&r.project), cell(&r.toolchain));
    for b in &r.builds {
        let _ =
            writeln!(out, "\n## {} build\n\n{}\n\n{}\n", b.scenario, cell(&overhead_line(b)), cell(&activity_line(b)));
        out.push_str(&crate_table(b, top).markdown());
        out.push_str("\n### Proc macros\n\n");
        out.push_str(&macro_table(b, top).markdown());
        let _ = writeln!(out, "\n{MACRO_RULES}\n\n### Slowest queries\n");
        out.push_str(&query_table(b, top.min(15)).markdown());
    }
    out.push_str("\n## The guide's frontend advice\n\n");
    for v in &r.verdicts {
        let _ = writeln!(out, "- **{}**: {}", cell(&v.text), cell(&v.detail));
    }
    out
}

/// A colour per activity (frontend in cool colours, codegen and link warm).
fn colour(a: Activity) -> &'static str {
    match a {
        Activity::Parsing => "#c6dbef",
        Activity::MacroExpansion => "#6a51a3",
        Activity::NameResolution => "#9ecae1",
        Activity::TypeChecking => "#2171b5",
        Activity::TraitSolving => "#08519c",
        Activity::BorrowChecking => "#41ab5d",
        Activity::Mir => "#a1d99b",
        Activity::Lints => "#d9d9d9",
        Activity::Metadata => "#bdbdbd",
        Activity::OtherFrontend => "#969696",
        Activity::Incremental => "#737373",
        Activity::Codegen => "#fd8d3c",
        Activity::Link => "#d7301f",
    }
}

/// A stacked horizontal bar per crate (self time by activity), `top` crates, with a legend.
pub fn draw_crates(b: &ProfiledBuild, top: usize) -> String {
    let crates: Vec<&CrateProfile> = b.crates.iter().take(top).collect();
    let max = crates.iter().map(|c| c.total()).fold(0.0, f64::max);
    if crates.is_empty() || !(max.is_finite() && max > 0.0) {
        return String::new();
    }
    let (label_w, bar_w, row_h, legend_h) = (260.0, 560.0, 18.0, 44.0);
    let height = legend_h + row_h * crates.len() as f64 + 24.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n",
        label_w + bar_w + 80.0
    );
    for (i, a) in Activity::ALL.iter().enumerate() {
        let (x, y) = (10.0 + (i % 7) as f64 * 120.0, 14.0 + (i / 7) as f64 * 16.0);
        let _ = writeln!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{y}\">{}</text>",
            y - 9.0,
            colour(*a),
            x + 14.0,
            a.label()
        );
    }
    for (row, c) in crates.iter().enumerate() {
        let y = legend_h + row as f64 * row_h;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            y + 12.0,
            escape(&crate_label(c))
        );
        let mut x = label_w;
        for a in Activity::ALL {
            let s = c.seconds(a);
            if !(s.is_finite() && s > 0.0) {
                continue;
            }
            let w = s / max * bar_w;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"><title>{}: {} {}</title></rect>",
                row_h - 4.0,
                colour(a),
                escape(&crate_label(c)),
                a.label(),
                seconds(s)
            );
            x += w;
        }
        let _ = writeln!(svg, "<text x=\"{:.1}\" y=\"{}\">{}</text>", x + 4.0, y + 12.0, seconds(c.total()));
    }
    svg.push_str("</svg>\n");
    svg
}

/// The HTML section: per build, the stacked bars, the macro table and the slowest queries;
/// then the verdicts.
pub fn html_section(r: &ProfileReport, top: usize) -> String {
    let mut out = String::from("<section id=\"profile\">\n<h2>Where rustc's time goes</h2>\n");
    let _ = writeln!(out, "<p>{}</p>", escape(&r.toolchain));
    for b in &r.builds {
        let _ = writeln!(
            out,
            "<h3>{} build</h3>\n<p>{}</p>\n<p>{}</p>",
            b.scenario,
            escape(&overhead_line(b)),
            escape(&activity_line(b))
        );
        out.push_str(&draw_crates(b, top));
        out.push_str("<h4>Costliest proc macros</h4>\n");
        out.push_str(&macro_table(b, top).html());
        let _ = writeln!(out, "<p>{}</p>\n<h4>Slowest queries</h4>", escape(MACRO_RULES));
        out.push_str(&query_table(b, top.min(15)).html());
    }
    out.push_str("<h3>The guide's frontend advice</h3>\n<ul>\n");
    for v in &r.verdicts {
        let _ = writeln!(out, "<li><strong>{}</strong>: {}</li>", escape(&v.text), escape(&v.detail));
    }
    out.push_str("</ul>\n</section>\n");
    out
}

/// A whole HTML page of the section, in the one page shell (`crate::page`).
pub fn html(r: &ProfileReport, top: usize) -> String {
    let mut page = crate::page::Page::new("buildbench profile");
    page.push(format!("<h1>buildbench profile: {}</h1>\n", escape(&r.project))).push(html_section(r, top));
    page.render()
}

#[cfg(test)]
mod tests {
    use buildbench_model::Scenario;
    use buildbench_model::profile::{
        Activities, CrateKind, FrontendVerdict, MacroCost, MacroKind, QueryCost, frontend_verdicts,
    };

    use super::*;

    const EVIL: &str = "\"><script>alert(1)</script>[x](http://e)|";

    fn krate(name: &str, seconds: f64) -> CrateProfile {
        let activities: Activities = Activity::ALL.iter().map(|a| (*a, seconds)).collect();
        CrateProfile {
            name: name.to_owned(),
            package: Some(name.to_owned()),
            version: Some(EVIL.to_owned()),
            kind: CrateKind::Lib,
            dependency: true,
            wall_seconds: seconds,
            activities,
            proc_macro_seconds: seconds,
            llvm_seconds: seconds,
            codegen_units: u32::MAX,
        }
    }

    /// Crafted names, extreme and non-finite numbers, empty builds: every output renders,
    /// nothing from the profile reaches HTML or Markdown unescaped.
    #[test]
    fn every_output_renders_crafted_and_extreme_profiles_escaped() {
        for seconds in [0.0, 1e-12, 1e12, f64::NAN, f64::INFINITY, -1.0] {
            let build = ProfiledBuild {
                scenario: Scenario::Clean,
                wall_seconds: seconds,
                span_only: false,
                plain_seconds: Some(seconds),
                cpu_seconds: Some(seconds),
                plain_cpu_seconds: Some(0.0),
                crates: vec![krate(EVIL, seconds), krate("b", 0.0)],
                macros: vec![MacroCost {
                    name: EVIL.to_owned(),
                    kind: MacroKind::Attribute,
                    seconds,
                    expansions: u64::MAX,
                    crates: vec![EVIL.to_owned(); 5],
                }],
                queries: vec![QueryCost {
                    label: EVIL.to_owned(),
                    activity: Activity::Codegen,
                    self_seconds: seconds,
                    count: 0,
                    crates: 0,
                }],
                total_self_seconds: seconds,
            };
            let mut verdicts = frontend_verdicts(&build, Err(EVIL));
            verdicts.push(FrontendVerdict {
                id: EVIL.to_owned(),
                text: EVIL.to_owned(),
                verdict: buildbench_model::claims::Verdict::Inconclusive,
                measured: Some(seconds),
                threshold: seconds,
                detail: EVIL.to_owned(),
            });
            let empty = ProfiledBuild { crates: Vec::new(), macros: Vec::new(), queries: Vec::new(), ..build.clone() };
            let report = ProfileReport {
                project: EVIL.to_owned(),
                environment: buildbench_model::Environment::default(),
                toolchain: EVIL.to_owned(),
                cargo_args: vec![EVIL.to_owned()],
                events: String::new(),
                builds: vec![build, empty],
                split: None,
                verdicts,
                warnings: vec![EVIL.to_owned()],
            };
            let html = html(&report, 25);
            assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "{seconds}");
            let md = markdown(&report, 10);
            assert!(!md.contains("<script>") && !md.contains("[x](") && md.contains("\\[x\\]"), "{seconds}: {md}");
            assert!(text(&report, 10).contains("script"));
            assert!(!draw_crates(&report.builds[1], 10).contains("<rect"), "nothing to draw for no crates");
        }
    }
}
