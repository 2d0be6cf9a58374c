//! A study's report as a `View` (`crate::view`): what it ran on, the head-vs-base gate, one
//! table per scenario, where the time goes, the claims, the recommendation. The Markdown report
//! is this view in Markdown, and a format without a study report of its own renders it
//! (`Exporter::render`'s default), so a new format reaches `compare` and `report` too.

use buildbench_model::{Scenario, Study};

use crate::across_studies::capitalized;
use crate::color::Tone;
use crate::format::{bytes, mean_interval, opt_seconds, p_values, speedup, verdict};
use crate::summary::{Cell, Outcome};
use crate::view::{View, labelled, styled};
use crate::{Align, StudySummary, Table};

/// The study's report, section by section.
pub fn view(study: &Study, summary: &StudySummary) -> View {
    let mut view = View::new(&format!("buildbench: {}", study.project));
    header(&mut view, study, summary);
    if let Some(gate) = &summary.head_vs_base {
        view.sections.extend(crate::gate::view(gate).sections);
    }
    for &scenario in &study.plan.scenarios {
        scenario_section(&mut view, summary, scenario);
    }
    where_the_time_goes(&mut view, summary);
    if let Some(why) = summary.nothing_to_compare() {
        view.section(2, None).text(why);
        return view;
    }
    claims(&mut view, summary);
    recommendation(&mut view, summary);
    view.section(2, None).text(&format!(
        "Speedup = baseline mean / mean (means, not medians), 95% interval by Fieller's method; significant when Welch's t-test gives p < 0.05 after Holm's correction over all {} comparisons of this report (in brackets) and the change exceeds {:.0}%.",
        summary.comparisons(),
        summary.noise * 100.0
    ));
    view
}

/// The title and what the study ran on and with: machine, toolchains, runs, cargo arguments,
/// merged environments and runners, the linkers.
fn header(view: &mut View, study: &Study, summary: &StudySummary) {
    let env = &study.environment;
    let toolchains: Vec<&str> = env.toolchains.iter().map(|t| t.rustc.as_str()).collect();
    let section = view.section(1, Some(&format!("buildbench: {}", study.project)));
    section.text(&format!(
        "{} · {} cores · {} · {} · {} runs + {} warm-up per cell",
        env.cpu_model,
        env.cores,
        bytes(env.memory_bytes),
        toolchains.join(", "),
        study.plan.runs,
        study.plan.warmup
    ));
    if let Some(args) = crate::format::cargo_args_line(study) {
        section.text(&args);
    }
    if let Some(mixed) = crate::format::mixed(study) {
        section.styled(labelled("", &format!("{}.", capitalized(&mixed)), Some(Tone::Unsure)));
    }
    if let Some(runners) = crate::format::runners(study, summary) {
        section.text(&runners);
    }
    for (toolchain, linker) in &summary.default_linkers {
        section.text(&format!("Default linker ({toolchain}): {linker}"));
    }
    if let Some(own) = &study.own_linker {
        section.text(&crate::format::own_linker(own));
    }
}

/// The table of one scenario's cells (nothing when it has none), significant verdicts toned.
fn scenario_section(view: &mut View, summary: &StudySummary, scenario: Scenario) {
    let cells: Vec<&Cell> = summary.scenario(scenario).collect();
    if cells.is_empty() {
        return;
    }
    let mut table = Table::new(&[
        ("configuration", Align::Left),
        ("median", Align::Right),
        ("mean [95% CI]", Align::Right),
        ("speedup [95% CI]", Align::Right),
        ("p", Align::Right),
        ("verdict", Align::Left),
        ("n", Align::Right),
        ("linked by", Align::Left),
    ]);
    for c in cells {
        let mean = c.stats.as_ref().map_or_else(|| "-".to_owned(), mean_interval);
        let (sp, p, v) = match c.outcome() {
            Outcome::Baseline => ("baseline".to_owned(), String::new(), String::new()),
            Outcome::Compared(k) => (speedup(k), p_values(k), verdict(k).to_owned()),
            Outcome::Failed => {
                ("-".to_owned(), String::new(), c.failure.as_ref().map(|f| f.line()).unwrap_or_default())
            }
            Outcome::Uncompared => ("-".to_owned(), String::new(), String::new()),
        };
        let tone = match c.outcome() {
            Outcome::Compared(k) if k.significant => Some(if k.speedup > 1.0 { Tone::Good } else { Tone::Bad }),
            Outcome::Failed => Some(Tone::Bad),
            _ => None,
        };
        table.row(vec![
            c.configuration.clone(),
            opt_seconds(c.median()),
            mean,
            sp,
            p,
            v,
            crate::format::runs(c.samples.len()),
            c.linked_by.join(", "),
        ]);
        table.tone(5, tone);
    }
    let section = view.section(2, Some(&scenario.to_string()));
    if scenario.reference() != scenario {
        section.text(&format!("Compared with `{}` `{}`.", summary.baseline, scenario.reference()));
    }
    section.table(table);
}

/// The "more or fewer cores" line and the diagnosis, where the study has them.
fn where_the_time_goes(view: &mut View, summary: &StudySummary) {
    if let Some(j) = &summary.jobs {
        view.section(2, None).text(&crate::whatif::jobs_line(j));
    }
    if let Some(d) = &summary.diagnosis {
        crate::diagnose::section(view, d);
    }
}

/// The claims, each with its verdict toned.
fn claims(view: &mut View, summary: &StudySummary) {
    let mut table = Table::new(&[
        ("claim", Align::Left),
        ("verdict", Align::Left),
        ("measured", Align::Left),
        ("compared", Align::Left),
    ]);
    for c in &summary.claims {
        table.row(vec![
            c.text.clone(),
            c.verdict.as_str().to_owned(),
            c.measured.clone(),
            c.compared.clone().unwrap_or_else(|| "-".to_owned()),
        ]);
        // Every verdict is shown in bold in Markdown; "not measured" has no colour.
        table.tone(1, Some(Tone::of_verdict(c.verdict).unwrap_or(Tone::Unsure)));
    }
    view.section(2, Some("Claims")).table(table);
}

/// Per scenario, the configuration to adopt, its files and trade-offs; or to keep the baseline.
fn recommendation(view: &mut View, summary: &StudySummary) {
    let section = view.section(2, Some("Recommendation"));
    if summary.recommendations.is_empty() {
        section.text(&format!("No configuration is significantly faster than `{}`: keep it.", summary.baseline));
    }
    for r in &summary.recommendations {
        let mut line = labelled("", &r.scenario.to_string(), Some(Tone::Good));
        line.push_str(&format!(": use `{}` ({}).", r.configuration, speedup(&r.comparison)));
        section.styled(line);
        for (file, text) in &r.files {
            section.code(file, text);
        }
        section.list(r.tradeoffs.iter().map(|t| styled(&format!("trade-off: {t}"))).collect());
    }
}
