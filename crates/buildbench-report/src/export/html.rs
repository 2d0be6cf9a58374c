//! One self-contained HTML page: inline CSS and SVG charts, no script, no network. Everything
//! that comes from the project is escaped.

use std::fmt::Write as _;

use buildbench_model::{Scenario, Study};

use super::Exporter;
use crate::StudySummary;
use crate::across_studies::capitalized;
use crate::charts::{ChartData, colour, draw_samples, draw_timeline};
use crate::format::{bytes, mean_interval, opt_seconds, p_values, seconds, speedup, verdict};
use crate::html_escape::{escape, prose};
use crate::page::{Page, Swatch, figure, scrolling};
use crate::summary::{Cell, Failure, Outcome};
use crate::view::View;

pub struct Html;

impl Exporter for Html {
    fn extension(&self) -> &'static str {
        "html"
    }

    fn render(&self, study: &Study, summary: &StudySummary) -> Vec<u8> {
        report_page(study, summary).render().into_bytes()
    }

    fn view(&self, view: &View) -> Vec<u8> {
        view_page(view).render().into_bytes()
    }
}

/// A view as a page in the one shell (`crate::page::Page`): the level-1 heading as the page's
/// `<h1>`, every other section with a heading in a `<section>` of its own, tables in their
/// scrolling boxes and charts as `page::figure`s; callers may push more sections.
pub fn view_page(view: &View) -> Page {
    let mut page = Page::new(&view.title);
    for section in &view.sections {
        let mut out = String::new();
        let level = section.level.clamp(1, 6);
        let wrapped = section.heading.is_some() && level > 1;
        if wrapped {
            out.push_str("<section>\n");
        }
        if let Some(heading) = &section.heading {
            let _ = writeln!(out, "<h{level}>{}</h{level}>", prose(heading));
        }
        for block in &section.blocks {
            out.push_str(&block_html(block));
        }
        if wrapped {
            out.push_str("</section>\n");
        }
        page.push(out);
    }
    page
}

/// One block of a view as HTML, everything escaped.
fn block_html(block: &crate::view::Block) -> String {
    use crate::view::Block;
    match block {
        Block::Paragraph(text) => format!("<p>{}</p>\n", styled_html(text)),
        Block::Note(text) => format!("<p class=\"muted\">{}</p>\n", styled_html(text)),
        Block::Table(table) => table.html(),
        Block::List(items) => {
            let items: String = items.iter().map(|i| format!("<li>{}</li>\n", styled_html(i))).collect();
            format!("<ul>\n{items}</ul>\n")
        }
        Block::Code { label, text } => {
            format!("<p class=\"muted\">{}</p>\n<pre><code>{}</code></pre>\n", escape(label), escape(text.trim_end()))
        }
        Block::Figure { label, svg, legend, caption } => {
            let legend: Vec<(Swatch, &str)> = legend.iter().map(|(s, l)| (*s, l.as_str())).collect();
            figure(label, svg, &legend, &prose(caption))
        }
    }
}

/// Styled text as HTML: prose (its `` `code` `` spans as code), toned spans as the
/// stylesheet's `faster` and `slower` (or strong when undecided), line breaks kept.
fn styled_html(text: &crate::color::Styled) -> String {
    use crate::color::Tone;
    let mut out = String::new();
    for (span, tone) in text.spans() {
        let html = prose(span);
        match tone {
            Some(Tone::Good) => {
                let _ = write!(out, "<span class=\"faster\">{html}</span>");
            }
            Some(Tone::Bad) => {
                let _ = write!(out, "<span class=\"slower\">{html}</span>");
            }
            Some(Tone::Unsure) => {
                let _ = write!(out, "<strong>{html}</strong>");
            }
            None => out.push_str(&html),
        }
    }
    out.trim_end().replace('\n', "<br>\n")
}

/// The study's page (`crate::page::Page`) with the report as its one section; callers add
/// sections of their own (`buildbench report --profile` adds the profile's).
pub fn report_page(study: &Study, summary: &StudySummary) -> Page {
    // Only this page draws charts, so only it computes their data.
    let charts = crate::charts::chart_data(study, summary);
    let mut body = String::new();
    header(&mut body, study, summary);
    if let Some(own) = &study.own_linker {
        let _ = writeln!(body, "<p><strong>{}</strong></p>", prose(&crate::format::own_linker(own)));
    }
    if let Some(gate) = &summary.head_vs_base {
        body.push_str(&crate::gate::html(gate));
    }
    verdicts(&mut body, study, summary);
    for &scenario in &study.plan.scenarios {
        scenario_section(&mut body, summary, &charts, scenario);
    }
    claims_and_advice(&mut body, summary);
    problems(&mut body, study, summary);
    timelines(&mut body, summary, &charts);
    environment(&mut body, study);
    let mut page = Page::new(&format!("buildbench: {}", study.project));
    page.push(body);
    page
}

fn header(out: &mut String, study: &Study, summary: &StudySummary) {
    let _ = writeln!(out, "<h1>buildbench study of <code>{}</code></h1>", escape(&study.project));
    let configs: Vec<String> =
        study.plan.configurations.iter().map(|c| format!("<code>{}</code>", escape(&c.name))).collect();
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} configurations ({}), baseline <code>{}</code>; {} measured runs after {} warm-up per cell{}.</p>",
        configs.len(),
        configs.join(", "),
        escape(&summary.baseline),
        study.plan.runs,
        study.plan.warmup,
        if study.complete { "" } else { "; <strong>the study did not finish</strong>" }
    );
    if let Some(args) = crate::format::cargo_args_line(study) {
        let _ = writeln!(out, "<p><code>{}</code></p>", escape(&args));
    }
    if let Some(mixed) = crate::format::mixed(study) {
        let _ = writeln!(
            out,
            "<p class=\"slower\">{}: speedups between cells measured on different machines are not comparable.</p>",
            capitalized(&mixed)
        );
    }
    if let Some(runners) = crate::format::runners(study, summary) {
        let _ = writeln!(out, "<p>{}</p>", prose(&runners));
    }
    for (toolchain, linker) in &summary.default_linkers {
        let _ = writeln!(
            out,
            "<p>Default linker of the {} toolchain, read from a linked binary: <strong>{}</strong>.</p>",
            escape(toolchain),
            escape(linker)
        );
    }
}

fn verdicts(out: &mut String, study: &Study, summary: &StudySummary) {
    out.push_str("<h2>Summary</h2>\n<ul class=\"verdicts\">\n");
    for &scenario in &study.plan.scenarios {
        let _ = match summary.winner(scenario) {
            Some(cell) => {
                let k = cell.comparison.as_ref().map(speedup).unwrap_or_default();
                writeln!(
                    out,
                    "<li><strong>{scenario}</strong>: fastest is <code>{}</code>, {} vs <code>{}</code> <span class=\"faster\">(significant)</span>; median {} against {}.</li>",
                    escape(&cell.configuration),
                    escape(&k),
                    escape(&summary.baseline),
                    opt_seconds(cell.median()),
                    opt_seconds(summary.cell(&summary.baseline, scenario.reference()).and_then(|c| c.median())),
                )
            }
            None => writeln!(
                out,
                "<li><strong>{scenario}</strong>: no configuration is significantly faster than <code>{}</code>.</li>",
                escape(&summary.baseline)
            ),
        };
    }
    out.push_str("</ul>\n");
}

/// One scenario's section: its table of cells and the chart of every sample (nothing when it
/// has no cells).
fn scenario_section(out: &mut String, summary: &StudySummary, charts: &ChartData, scenario: Scenario) {
    let cells: Vec<_> = summary.scenario(scenario).collect();
    if cells.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h2 id=\"{scenario}\">{scenario}</h2>");
    if scenario.reference() != scenario {
        let _ = writeln!(
            out,
            "<p class=\"muted\">Compared with <code>{}</code> in the {} scenario.</p>",
            escape(&summary.baseline),
            scenario.reference()
        );
    }
    let mut table = String::from(
        "<table class=\"cells\"><tr><th>configuration</th><th>median</th><th>mean [95% CI]</th><th>min–max</th><th>speedup [95% CI]</th>\
         <th>p (Welch; Holm)</th><th>verdict</th><th>n</th><th>notes</th></tr>\n",
    );
    for c in &cells {
        cell_row(&mut table, c);
    }
    table.push_str("</table>");
    out.push_str(&scrolling(&table));
    out.push('\n');
    if let Some(chart) = charts.samples.iter().find(|c| c.scenario == scenario) {
        out.push_str(&figure(
            &format!("every sample of the {scenario} scenario"),
            &draw_samples(chart),
            &samples_legend(chart),
            "Each row is a configuration: its interval and median on the upper line, its samples below it.",
        ));
    }
}

/// One cell's row of its scenario's table.
fn cell_row(table: &mut String, c: &Cell) {
    let (mean, range) = c.stats.as_ref().map_or_else(
        || ("-".to_owned(), "-".to_owned()),
        |s| (with_interval_below(&mean_interval(s)), format!("{}–{}", seconds(s.min), seconds(s.max))),
    );
    let (sp, p, v, class) = match c.outcome() {
        Outcome::Baseline => ("baseline".to_owned(), String::new(), String::new(), ""),
        Outcome::Compared(k) => {
            let class = match verdict(k) {
                "faster" => "faster",
                "slower" => "slower",
                _ => "",
            };
            (with_interval_below(&speedup(k)), p_values(k), verdict(k).to_owned(), class)
        }
        Outcome::Failed => ("-".to_owned(), String::new(), c.status.as_str().to_owned(), "slower"),
        Outcome::Uncompared => ("-".to_owned(), String::new(), String::new(), ""),
    };
    let notes = c.notes();
    let _ = writeln!(
        table,
        "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num {class}\">{}</td><td class=\"num\">{}</td><td class=\"{class}\">{}</td><td class=\"num\">{}</td><td class=\"notes\">{}</td></tr>",
        // A long combined name (`cranelift+mold+fast-dev`) may wrap after a `+`, not inside a word.
        escape(&c.configuration).replace('+', "+<wbr>"),
        opt_seconds(c.median()),
        mean,
        range,
        sp,
        p,
        escape(&v),
        crate::format::runs(c.samples.len()),
        prose(&notes.join("; ")),
    );
}

/// The legend of a scenario's sample chart: the marks this chart has.
fn samples_legend(chart: &crate::charts::SamplesChart) -> Vec<(Swatch, &'static str)> {
    let mut legend = vec![(Swatch::Dot(colour::ACCENT), "a sample")];
    if chart.rows.iter().any(|r| r.baseline) {
        legend.push((Swatch::Dot(colour::BASE), "a sample of the baseline"));
    }
    if chart.rows.iter().any(|r| !r.outliers.is_empty()) {
        legend.push((Swatch::Ring(colour::ACCENT), "flagged outlier"));
    }
    legend.push((Swatch::Line(colour::MEDIAN), "median (the tick)"));
    if chart.rows.iter().any(|r| r.ci95.is_some()) {
        legend.push((Swatch::Fill(colour::CI), "95% interval of the mean"));
    }
    legend
}

/// A value for a table cell, `1.23x [1.10x, 1.40x]` or `1.52s [1.48s, 1.56s]`, with its
/// interval on a line of its own under the value (which keeps the table narrow), escaped.
fn with_interval_below(text: &str) -> String {
    match text.split_once(' ') {
        Some((value, interval)) => format!("{}<span class=\"ci\">{}</span>", escape(value), escape(interval)),
        None => escape(text),
    }
}

fn problems(out: &mut String, study: &Study, summary: &StudySummary) {
    let failed: Vec<_> = summary
        .cells
        .iter()
        .filter_map(|c| match &c.failure {
            Some(Failure::Build { tail, .. }) => Some((c, tail)),
            _ => None,
        })
        .collect();
    if study.unavailable.is_empty() && failed.is_empty() {
        return;
    }
    out.push_str("<h2>Failed and unavailable</h2>\n");
    for u in &study.unavailable {
        let install = u.install.as_deref().map(|i| format!(" Install: <code>{}</code>", escape(i))).unwrap_or_default();
        let _ = writeln!(
            out,
            "<p><code>{}</code> is unavailable: {}.{install}</p>",
            escape(&u.configuration),
            escape(&u.reason)
        );
    }
    for (c, tail) in failed {
        let _ = writeln!(
            out,
            "<h3><code>{}</code> failed in {}</h3>\n<pre>{}</pre>",
            escape(&c.configuration),
            c.scenario,
            escape(tail)
        );
    }
}

fn timelines(out: &mut String, summary: &StudySummary, charts: &ChartData) {
    let Some(scenario) = charts.timeline_scenario else { return };
    let _ = writeln!(out, "<h2>Where the time goes ({scenario})</h2>");
    out.push_str(
        "<p class=\"muted\">Unit timelines of the sample nearest each median, from cargo's <code>--timings</code>.</p>\n",
    );
    for (configuration, t) in &charts.timelines {
        let open = if *configuration == summary.baseline { " open" } else { "" };
        let omitted = if t.omitted > 0 { format!(" ({} shorter units not drawn)", t.omitted) } else { String::new() };
        let _ = writeln!(
            out,
            "<details{open}><summary><code>{}</code>: {} units{omitted}</summary>{}</details>",
            escape(configuration),
            t.rows.len() + t.omitted,
            figure(
                &format!("unit timeline of {configuration}"),
                &draw_timeline(t),
                &crate::charts::timeline_legend(),
                "One bar per unit, from its start to its end."
            )
        );
    }
    // Which crates got faster or slower between the baseline and the fastest configuration.
    let Some(units) = &charts.unit_changes else { return };
    let winner = &units.configuration;
    let mut table = format!(
        "<table><tr><th>unit</th><th>{}</th><th>{}</th><th>change</th></tr>\n",
        escape(&summary.baseline),
        escape(winner)
    );
    for ch in units.changes.iter().take(25) {
        let delta = match (ch.baseline, ch.other) {
            (Some(b), Some(o)) => {
                // Colour says "significant", as everywhere: a difference between two single
                // builds is not (`charts::decide_units`).
                let class = match (ch.significant, o < b) {
                    (false, _) => "",
                    (true, true) => "faster",
                    (true, false) => "slower",
                };
                format!("<td class=\"num {class}\">{}{}</td>", if o >= b { "+" } else { "−" }, seconds((o - b).abs()))
            }
            _ => "<td class=\"num\">only one side</td>".to_owned(),
        };
        let _ = writeln!(
            table,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{delta}</tr>",
            escape(&ch.unit),
            opt_seconds(ch.baseline),
            opt_seconds(ch.other)
        );
    }
    table.push_str("</table>");
    let (n_base, n_other) = units.samples;
    let _ = writeln!(
        out,
        "<h3>Per unit: <code>{}</code> against <code>{}</code></h3>\n{}\n<p class=\"muted\">Durations from the sample nearest each median. \
         A change is coloured only where the unit's durations over all {n_base} and {n_other} samples differ significantly \
         (Welch's t-test, Holm over the units compared, p &lt; 0.05, beyond the {} noise threshold); uncoloured changes may be noise.</p>",
        escape(winner),
        escape(&summary.baseline),
        scrolling(&table),
        crate::format::percent(summary.noise),
    );
}

fn environment(out: &mut String, study: &Study) {
    let e = &study.environment;
    let mut table = String::from("<table class=\"env\">\n");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(table, "<tr><td>{}</td><td>{}</td></tr>", escape(k), escape(&v));
    };
    row("OS", format!("{} (kernel {})", e.os, e.kernel));
    row("CPU", format!("{}, {} cores", e.cpu_model, e.cores));
    row("memory", bytes(e.memory_bytes));
    for t in &e.toolchains {
        row(&format!("toolchain {}", t.name), format!("{}; {}; host {}", t.rustc, t.cargo, t.host));
    }
    for t in &e.tools {
        row(&t.name, t.version.clone());
    }
    row("buildbench", study.buildbench_version.clone());
    table.push_str("</table>");
    out.push_str("<h2>Environment</h2>\n");
    out.push_str(&scrolling(&table));
    out.push('\n');
    if let Some(first) = study.invocations.iter().find(|i| i.configuration == study.plan.baseline) {
        let _ = writeln!(
            out,
            "<details><summary>A baseline build command, exactly as run</summary><pre>{}</pre></details>",
            escape(&first.command)
        );
    }
}

/// The sections after the scenarios: more or fewer cores, the diagnosis, the claims and the
/// recommendation (or why there are none).
fn claims_and_advice(out: &mut String, summary: &StudySummary) {
    if let Some(j) = &summary.jobs {
        jobs_section(out, j);
    }
    if let Some(d) = &summary.diagnosis {
        diagnosis_section(out, d);
    }
    if let Some(why) = summary.nothing_to_compare() {
        let _ = writeln!(out, "<p><strong>{}</strong></p>", escape(why));
        return;
    }
    claims_section(out, summary);
    recommendation_section(out, summary);
}

/// "More or fewer cores": the baseline's clean build replayed at other job counts, with its chart.
fn jobs_section(out: &mut String, j: &crate::whatif::JobsCurve) {
    out.push_str("<h2>More or fewer cores</h2>\n");
    let _ = writeln!(out, "<p>{}</p>", prose(&crate::whatif::jobs_line(j)));
    out.push_str(&figure(
        "predicted wall time against jobs",
        &crate::charts::draw_jobs(&j.curve),
        &[(Swatch::Line(colour::ACCENT), "predicted wall time"), (Swatch::Dashed(colour::BASE), "critical-path floor")],
        "The floor is the longest chain of units that must build one after another: no number of cores beats it.",
    ));
}

/// "Frontend, backend or link?": the check against build split of each build and the findings.
fn diagnosis_section(out: &mut String, d: &crate::diagnose::Diagnosis) {
    out.push_str("<h2>Frontend, backend or link?</h2>\n");
    let mut table = String::from(
        "<table><tr><th>build</th><th>cargo check</th><th>cargo build</th><th>frontend</th><th>codegen</th><th>link</th></tr>\n",
    );
    // Shares are unknown when check was not significantly faster than build.
    let share = |x: Option<f64>| x.map_or_else(|| "unknown".to_owned(), |x| format!("{:.0}%", x * 100.0));
    for s in &d.splits {
        let _ = writeln!(
            table,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            s.build,
            seconds(s.check_seconds),
            seconds(s.build_seconds),
            share(s.frontend_share),
            share(s.codegen_share),
            s.link_seconds.map_or_else(|| "-".to_owned(), |l| format!("{} ({})", seconds(l), share(s.link_share))),
        );
    }
    table.push_str("</table>");
    out.push_str(&scrolling(&table));
    out.push_str("\n<ul>");
    for f in &d.findings {
        let _ = write!(out, "<li>{}</li>", prose(f));
    }
    out.push_str("</ul>\n");
}

/// "The usual claims, checked": each claim with its verdict, coloured where it holds or not.
fn claims_section(out: &mut String, summary: &StudySummary) {
    out.push_str("<h2>The usual claims, checked</h2>\n");
    let mut table = String::from("<table><tr><th>claim</th><th>verdict</th><th>measured</th><th>compared</th></tr>\n");
    for c in &summary.claims {
        let class = match c.verdict {
            buildbench_model::claims::Verdict::Holds => "faster",
            buildbench_model::claims::Verdict::DoesNotHold => "slower",
            _ => "",
        };
        let measured = c.detail.split_once(": ").map_or(c.detail.as_str(), |(_, m)| m);
        let note =
            c.note.as_deref().map(|n| format!("<br><span class=\"muted\">{}</span>", prose(n))).unwrap_or_default();
        let _ = writeln!(
            table,
            "<tr><td>{}{note}</td><td class=\"{class}\">{}</td><td>{}</td><td>{}</td></tr>",
            prose(&c.text),
            c.verdict.as_str(),
            prose(measured),
            escape(c.compared.as_deref().unwrap_or("-"))
        );
    }
    table.push_str("</table>");
    out.push_str(&scrolling(&table));
}

/// "Recommendation": per scenario, the configuration to adopt, its files and trade-offs; or to
/// keep the baseline.
fn recommendation_section(out: &mut String, summary: &StudySummary) {
    out.push_str("\n<h2>Recommendation</h2>\n");
    if summary.recommendations.is_empty() {
        let _ = writeln!(
            out,
            "<p>No configuration is significantly faster than <code>{}</code>: keep it.</p>",
            escape(&summary.baseline)
        );
    }
    for r in &summary.recommendations {
        let _ = writeln!(
            out,
            "<h3>{}: <code>{}</code>, {}</h3>",
            r.scenario,
            escape(&r.configuration),
            escape(&speedup(&r.comparison))
        );
        for (file, text) in &r.files {
            let _ = writeln!(out, "<p><code>{}</code></p><pre>{}</pre>", escape(file), escape(text));
        }
        if !r.tradeoffs.is_empty() {
            out.push_str("<ul>");
            for t in &r.tradeoffs {
                let _ = write!(out, "<li>Trade-off: {}</li>", prose(t));
            }
            out.push_str("</ul>\n");
        }
    }
}
