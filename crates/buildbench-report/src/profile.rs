//! `buildbench profile`'s outputs: the terminal summary, Markdown, and the HTML section with
//! a stacked bar per crate and the table of the costliest macros; and the "smaller crates"
//! estimate from the plain build's unit graph.

use std::fmt::Write as _;

use buildbench_model::profile::{Activity, CrateProfile, ProfileReport, ProfiledBuild, SplitEstimate};
use buildbench_model::{Sample, UnitTiming};
use buildbench_timings::whatif::{Graph, Scale};

use crate::format::seconds;
use crate::html_escape::escape;
use crate::view::View;
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

/// What `buildbench profile` shows, in every format (`export::write`), `top` rows per table:
/// its heading, then `sections`.
pub fn view(r: &ProfileReport, top: usize) -> View {
    let mut view = View::new("buildbench profile");
    let head = view.section(1, Some(&format!("buildbench profile: {}", r.project)));
    if !r.cargo_args.is_empty() {
        head.text(&format!("cargo arguments: {}", r.cargo_args.join(" ")));
    }
    sections(&mut view, r, top);
    view
}

/// Where rustc's time goes, as sections of a view (`view`, and the study's report with
/// `--self-profile`): per build, the overhead and activities, the stacked bars per crate (HTML
/// only), the crate, macro and query tables; then the guide's verdicts and the warnings.
pub fn sections(view: &mut View, r: &ProfileReport, top: usize) {
    view.section(2, Some("Where rustc's time goes")).note(&r.toolchain);
    for b in &r.builds {
        build_sections(view, b, top);
    }
    if !r.verdicts.is_empty() {
        let items = r
            .verdicts
            .iter()
            .map(|v| {
                let mut item = crate::view::styled(&format!("{}: ", v.text));
                item.push_verdict(v.verdict, &v.detail);
                item
            })
            .collect();
        view.section(3, Some("The guide's frontend advice, from the clean build")).list(items);
    }
    if !r.warnings.is_empty() {
        let warnings: Vec<String> = r.warnings.iter().map(|w| format!("warning: {w}")).collect();
        view.section(3, None).text(&warnings.join("\n"));
    }
}

/// One profiled build: its overhead and activities, the bars per crate, and the three tables.
fn build_sections(view: &mut View, b: &ProfiledBuild, top: usize) {
    let legend: Vec<(crate::page::Swatch, &str)> =
        Activity::ALL.iter().map(|a| (crate::page::Swatch::Fill(colour(*a)), a.label())).collect();
    let shown = top.min(b.crates.len());
    view.section(3, Some(&format!("{} build", b.scenario))).text(&overhead_line(b)).text(&activity_line(b)).figure(
        &format!("rustc self time per crate, {} build", b.scenario),
        draw_crates(b, top),
        &legend,
        &format!(
            "One bar per crate ({shown} of {}, the costliest), split by what rustc spent its time on.",
            b.crates.len()
        ),
    );
    view.section(4, Some(&format!("Crates by rustc self time (seconds; {shown} of {})", b.crates.len())))
        .table(crate_table(b, top));
    let macros = view.section(4, Some("Costliest proc macros"));
    if b.macros.is_empty() {
        macros.text("No proc macro was expanded.");
    } else {
        macros.text(&format!(
            "By expansion time, summed over the crates using them: {:.1}% of frontend time.",
            if b.frontend() > 0.0 { b.proc_macro_seconds() / b.frontend() * 100.0 } else { 0.0 }
        ));
        macros.table(macro_table(b, top));
    }
    macros.note(MACRO_RULES);
    view.section(4, Some("Slowest rustc activities and queries (self time, as measureme's summarize)"))
        .table(query_table(b, top.min(15)));
}

/// A colour per activity (`0xRRGGBB`), thirteen that stay apart: every pair differs by at least
/// 25 in CIE L*a*b* (ΔE 1976), where about 2 is the smallest difference a reader sees and the
/// blues this replaced differed by 10. Codegen is orange and linking red, as in cargo's own
/// timings page.
pub fn colour(a: Activity) -> u32 {
    match a {
        Activity::Parsing => 0xcab2d6,
        Activity::MacroExpansion => 0x6a3d9a,
        Activity::NameResolution => 0x17becf,
        Activity::TypeChecking => 0x1f77b4,
        Activity::TraitSolving => 0x2b3d26,
        Activity::BorrowChecking => 0x33a02c,
        Activity::Mir => 0xb2df8a,
        Activity::Lints => 0xb3446c,
        Activity::Metadata => 0x882d17,
        Activity::OtherFrontend => 0x008856,
        Activity::Incremental => 0x7f7f7f,
        Activity::Codegen => 0xff7f00,
        Activity::Link => 0xd62728,
    }
}

/// The stacked bars' geometry, in SVG pixels: crate labels, bars, the total after each bar.
const BARS: (f64, f64, f64) = (230.0, 520.0, 90.0);
/// A bar's row and the space under the bars for the axis.
const ROW: (f64, f64) = (20.0, 44.0);

/// A stacked horizontal bar per crate (self time by activity), `top` crates, with an axis of
/// seconds under them. The legend is the figure's (`html_section`); each piece of a bar names
/// its activity and time on hover.
pub fn draw_crates(b: &ProfiledBuild, top: usize) -> String {
    let crates: Vec<&CrateProfile> = b.crates.iter().take(top).collect();
    let max = crates.iter().map(|c| c.total()).fold(0.0, f64::max);
    if crates.is_empty() || !(max.is_finite() && max > 0.0) {
        return String::new();
    }
    let (label_w, bar_w, total_w) = BARS;
    let (row_h, axis_h) = ROW;
    let (ticks, decimals) = crate::charts::ticks(max);
    // The axis ends at its last tick, at or beyond the longest bar.
    let axis_max = ticks.last().copied().unwrap_or(max).max(max);
    let scale = bar_w / axis_max;
    let bars_h = row_h * crates.len() as f64;
    let (width, height) = (label_w + bar_w + total_w, 8.0 + bars_h + axis_h);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"13\">\n",
    );
    for (row, c) in crates.iter().enumerate() {
        let y = 8.0 + row as f64 * row_h;
        // A name too long for its column is cut, whole on hover.
        let label = crate_label(c);
        let fits = ((label_w - 10.0) / (13.0 * 0.6)) as usize;
        let shown = if label.chars().count() > fits {
            format!("{}…", label.chars().take(fits.saturating_sub(1)).collect::<String>())
        } else {
            label.clone()
        };
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}</text>",
            label_w - 6.0,
            y + 13.0,
            escape(&label),
            escape(&shown)
        );
        let mut x = label_w;
        for a in Activity::ALL {
            let s = c.seconds(a);
            if !(s.is_finite() && s > 0.0) {
                continue;
            }
            let w = s * scale;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"#{:06x}\"><title>{}: {} {}</title></rect>",
                row_h - 4.0,
                colour(a),
                escape(&crate_label(c)),
                a.label(),
                seconds(s)
            );
            x += w;
        }
        let _ = writeln!(svg, "<text x=\"{:.1}\" y=\"{}\">{}</text>", x + 4.0, y + 13.0, seconds(c.total()));
    }
    // The axis: a line under the bars, a tick and a label per step, and its title.
    let axis_y = 8.0 + bars_h + 2.0;
    let _ = writeln!(
        svg,
        "<line x1=\"{label_w}\" y1=\"{axis_y}\" x2=\"{:.1}\" y2=\"{axis_y}\" stroke=\"#59636e\"/>",
        label_w + axis_max * scale
    );
    for t in &ticks {
        let x = label_w + t * scale;
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{axis_y}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#59636e\"/><text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{t:.decimals$}</text>",
            axis_y + 4.0,
            axis_y + 17.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">rustc self time (seconds)</text>",
        label_w + bar_w / 2.0,
        axis_y + 36.0
    );
    svg.push_str("</svg>\n");
    svg
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

    /// CIE L*a*b* of an sRGB colour (D65), for the distance between two colours.
    fn lab(c: u32) -> [f64; 3] {
        let [_, r, g, b] = c.to_be_bytes();
        let linear = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        let (r, g, b) = (linear(r), linear(g), linear(b));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| if t > 0.008856 { t.cbrt() } else { 7.787 * t + 16.0 / 116.0 };
        [116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))]
    }

    /// Issue 25: the legend's thirteen colours held several blues a reader could not tell apart
    /// (ΔE 10 between parsing and name resolution).
    #[test]
    fn every_activity_has_a_colour_far_from_every_other() {
        assert!((lab(0xffffff)[0] - 100.0).abs() < 0.1 && lab(0x000000)[0].abs() < 0.1);
        for (i, a) in Activity::ALL.iter().enumerate() {
            for b in &Activity::ALL[i + 1..] {
                let (x, y) = (lab(colour(*a)), lab(colour(*b)));
                let distance = x.iter().zip(&y).map(|(p, q)| (p - q).powi(2)).sum::<f64>().sqrt();
                assert!(distance >= 25.0, "{a:?} and {b:?} are {distance:.1} apart");
            }
        }
    }

    /// Issue 25: the stacked bars had no axis. They get one in seconds, with ticks that reach
    /// past the longest bar, inside the chart's box.
    #[test]
    fn the_stacked_bars_have_an_axis_of_seconds() {
        let mut long = krate("a-crate-with-a-name-far-too-long-for-its-column", 0.4);
        long.version = None;
        let build = ProfiledBuild {
            scenario: Scenario::Clean,
            wall_seconds: 10.0,
            span_only: true,
            plain_seconds: None,
            cpu_seconds: None,
            plain_cpu_seconds: None,
            crates: vec![long, krate("b", 0.1)],
            macros: Vec::new(),
            queries: Vec::new(),
            total_self_seconds: 6.5,
        };
        let svg = draw_crates(&build, 10);
        assert!(svg.contains("viewBox=\"0 0 840 "), "{svg}");
        assert!(svg.contains(">rustc self time (seconds)</text>"), "{svg}");
        // 13 activities of 0.4 s: 5.2 s, ticks every second up to 6.
        for tick in ["0", "1", "2", "3", "4", "5", "6"] {
            assert!(svg.contains(&format!("text-anchor=\"middle\">{tick}</text>")), "{tick}: {svg}");
        }
        assert!(!svg.contains(">7</text>"), "{svg}");
        // The long name is cut to its column and whole on hover.
        assert!(svg.contains("<title>a-crate-with-a-name-far-too-long-for-its-column (dep)</title>a-crate-with-a-name-far-too…</text>"), "{svg}");
        assert_eq!(crate::charts::ticks(0.05), (vec![0.0, 0.01, 0.02, 0.03, 0.04, 0.05], 2));
        assert_eq!(crate::charts::ticks(47.0).0, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
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
            let render = |f: crate::export::Format, top: usize| {
                String::from_utf8_lossy(&crate::export::exporter(f).view(&view(&report, top))).into_owned()
            };
            let html = render(crate::export::Format::Html, 25);
            assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "{seconds}");
            let md = render(crate::export::Format::Md, 10);
            assert!(!md.contains("<script>") && !md.contains("[x](") && md.contains("\\[x\\]"), "{seconds}: {md}");
            assert!(render(crate::export::Format::Table, 10).contains("script"));
            assert!(!draw_crates(&report.builds[1], 10).contains("<rect"), "nothing to draw for no crates");
        }
    }
}
