//! `buildbench tune`: its result as terminal text and as an HTML page: the outcome (the
//! selection's and the confirmation's speedups), the winner's trade-offs and snippet, the space,
//! the search's path (every candidate of every stage, when it was dropped and why) and a chart
//! of the budget spent per stage.

use std::fmt::Write as _;

use buildbench_model::tune::{Entry, Stage, Tune};

use crate::format::{ratio, seconds, speedup};
use crate::page::Swatch;
use crate::view::View;
use crate::{Align, Table};

/// `12:34`, or `1:02:03`.
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The files that adopt the winner (as the report's recommendation and `apply` write them),
/// for a build on `host` whose toolchain links with rust-lld or not. Empty without a winner.
pub fn snippet(tune: &Tune, host: &str, default_is_rust_lld: bool) -> Vec<(String, String)> {
    let Some(outcome) = &tune.search.outcome else { return Vec::new() };
    if outcome.winner == 0 {
        return Vec::new();
    }
    let Some(choices) = tune.search.candidates.get(outcome.winner) else { return Vec::new() };
    let configuration = tune.space.configuration(choices);
    crate::recommend::adoption(&configuration, host, default_is_rust_lld).0
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// What became of an entry, in words.
fn fate(tune: &Tune, e: &Entry) -> String {
    let winner = tune.search.outcome.as_ref().map(|o| o.winner);
    match &e.dropped {
        Some(d) => {
            let versus = d.versus.map(|v| format!(" (vs {})", tune.name(v))).unwrap_or_default();
            if d.after == 0 {
                format!("left out: {}{versus}", d.why)
            } else {
                format!("dropped after {} samples at {}: {}{versus}", d.after, clock(d.spent), d.why)
            }
        }
        None if e.candidate == 0 => "the reference".to_owned(),
        None if Some(e.candidate) == winner && e.stage >= Stage::Combinations => "winner".to_owned(),
        None if e.helps => "helps (stopped sampling)".to_owned(),
        None => "raced to the stage's end".to_owned(),
    }
}

/// The search's path: one row per candidate per stage.
pub fn path_table(tune: &Tune) -> Table {
    let mut table = Table::new(&[
        ("stage", Align::Left),
        ("candidate", Align::Left),
        ("samples", Align::Right),
        ("mean", Align::Right),
        ("vs default", Align::Right),
        ("what became of it", Align::Left),
    ]);
    for e in &tune.search.entries {
        let base =
            tune.search.entries.iter().find(|b| b.stage == e.stage && b.candidate == 0).and_then(|b| mean(&b.samples));
        let m = mean(&e.samples);
        let vs = match (base, m) {
            (Some(b), Some(m)) if e.candidate != 0 && m > 0.0 => ratio(b / m),
            _ => "-".to_owned(),
        };
        let preset = tune.presets.iter().find(|(_, c)| *c == e.candidate).map(|(p, _)| format!(" (the guide's {p})"));
        table.row(vec![
            e.stage.as_str().to_owned(),
            format!("{}{}", tune.name(e.candidate), preset.unwrap_or_default()),
            e.samples.len().to_string(),
            m.map_or_else(|| "-".to_owned(), seconds),
            vs,
            fate(tune, e),
        ]);
    }
    table
}

/// Seconds spent in each stage, in order.
pub fn stage_seconds(tune: &Tune) -> Vec<(Stage, f64)> {
    let starts = &tune.search.stage_starts;
    let mut out: Vec<(Stage, f64)> = Vec::new();
    for (i, &(stage, start)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(tune.search.spent, |&(_, t)| t);
        out.push((stage, (end - start).max(0.0)));
    }
    out
}

/// The outcome in lines (shared by the terminal and the page).
fn outcome_lines(tune: &Tune) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(o) = &tune.search.outcome else {
        lines.push("the search did not finish".to_owned());
        return lines;
    };
    if o.winner == 0 {
        // Every summary of a kept project already ends by saying so.
        lines.push(format!("result: {}", o.summary));
        return lines;
    }
    lines.push(format!("winner: {}", tune.name(o.winner)));
    if let Some(s) = &o.selection {
        lines.push(format!(
            "  selection estimate: {} (from the samples that chose it; biased upwards, since it won because they came out fast)",
            speedup(s)
        ));
    }
    // The guide's presets, raced in the same stage as the winner's combination, each with its
    // interval from the stage's rounds.
    let in_stage = |c: usize| tune.search.in_stage(Stage::Combinations, c).map(|c| speedup(&c));
    let presets: Vec<String> =
        tune.presets.iter().filter_map(|(name, c)| Some(format!("{name} {}", in_stage(*c)?))).collect();
    if let (false, Some(w)) = (presets.is_empty(), in_stage(o.winner)) {
        lines.push(format!(
            "  in the same stage: the winner {w}, the guide's presets {} (95% intervals pair by pair over the \
             rounds each raced, not corrected for the selection)",
            presets.join(", ")
        ));
    }
    match &o.confirmed {
        Some(c) => lines.push(format!(
            "  confirmed speedup:  {} on {} fresh samples of each side: {}",
            speedup(c),
            o.confirm_runs,
            if o.confirmed_faster { "faster" } else { "not shown faster: keep the project as it is" }
        )),
        None => lines.push(format!("  not confirmed: {}", o.summary)),
    }
    lines
}

/// The colours of the budget's stages, in order (`0xRRGGBB`).
const STAGE_COLOURS: [u32; 4] = [0x8c8c8c, 0x4e79a7, 0xf28e2b, 0x59a14f];

/// What `buildbench tune` shows, on the terminal and as its page (`report.html`): the goal and
/// budget, the outcome, the winner's trade-offs and snippet, the space, the search's path and
/// the budget spent per stage.
pub fn view(tune: &Tune, snippet: &[(String, String)]) -> View {
    let mut view = View::new(&format!("buildbench tune: {}", tune.project));
    let allow = if tune.allow.is_empty() {
        "nothing".to_owned()
    } else {
        tune.allow.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(",")
    };
    let args = if tune.cargo_args.is_empty() {
        String::new()
    } else {
        format!(" · cargo arguments: {}", tune.cargo_args.join(" "))
    };
    view.section(1, Some(&format!("buildbench tune: {}", tune.project)))
        .note(&format!("goal: {} builds · --allow {allow}{args}", tune.objective()))
        .text(&format!("{} of {} budget used", clock(tune.search.spent), clock(tune.search.settings.budget)));
    outcome_sections(&mut view, tune, snippet);
    space_section(&mut view, tune);
    view.section(2, Some("The search"))
        .text(
            "Every candidate of every stage: singles against the default, combinations of those that helped raced \
             against the leader, then the winner against the default on fresh samples.",
        )
        .table(path_table(tune));
    budget_section(&mut view, tune);
    view
}

/// The outcome and, for a confirmed winner, what it costs and how to adopt it.
fn outcome_sections(view: &mut View, tune: &Tune, snippet: &[(String, String)]) {
    let outcome = view.section(2, Some("Outcome"));
    outcome.list(outcome_lines(tune).iter().map(|l| crate::view::styled(l.trim())).collect());
    if tune.winner().is_some() && tune.confirmed_winner().is_none() {
        outcome.text("nothing to adopt: the winner was not confirmed faster on fresh samples");
    }
    if tune.confirmed_winner().is_none() {
        return;
    }
    if !tune.tradeoffs.is_empty() {
        view.section(3, Some("What it costs")).list(tune.tradeoffs.iter().map(|t| crate::view::styled(t)).collect());
    }
    if !snippet.is_empty() {
        let adopt = view.section(3, Some("To adopt it"));
        adopt.text("`buildbench apply` on this folder writes these, or add them yourself:");
        for (file, text) in snippet {
            adopt.code(file, text);
        }
    }
}

/// The settings searched, each option with its trade-off, those left out, and the bounds the
/// default build's timing report gives.
fn space_section(view: &mut View, tune: &Tune) {
    let mut items: Vec<String> = tune
        .space
        .dimensions
        .iter()
        .map(|d| {
            let options: Vec<String> = d.options.iter().map(|o| format!("{} ({})", o.label, o.tradeoff)).collect();
            format!("{}: {}", d.name, options.join("; "))
        })
        .collect();
    items.extend(tune.space.left_out.iter().map(|(o, why)| format!("not searched: {o}: {why}")));
    let section = view.section(2, Some("The space"));
    section.list(items.iter().map(|i| crate::view::styled(i)).collect());
    if let Some(s) = &tune.shares {
        section.text(&format!(
            "From the default build's timing report (`whatif`): the final links are {} of it, code generation and links {}; options that cannot save more than that are bounded by it.",
            crate::format::percent(s.link),
            crate::format::percent(s.codegen_and_link)
        ));
    }
}

/// The seconds each stage took against the budget, in words and as a bar.
fn budget_section(view: &mut View, tune: &Tune) {
    let stages = stage_seconds(tune);
    let words: Vec<String> = stages.iter().map(|(s, t)| format!("{} {}", s.as_str(), clock(*t))).collect();
    let legend: Vec<(Swatch, &str)> = stages
        .iter()
        .enumerate()
        .map(|(i, (s, _))| {
            (Swatch::Fill(STAGE_COLOURS.get(i % STAGE_COLOURS.len()).copied().unwrap_or(0x888888)), s.as_str())
        })
        .chain(std::iter::once((Swatch::Dashed(0), "budget")))
        .collect();
    view.section(2, Some("Budget"))
        .text(&format!("{} (of {})", words.join(", "), clock(tune.search.settings.budget)))
        .figure("the budget spent per stage", budget_svg(tune), &legend, "One bar per stage, in the order they ran.");
}

/// A stacked bar of the seconds each stage took, with the budget marked.
pub fn budget_svg(tune: &Tune) -> String {
    const WIDTH: f64 = 720.0;
    let stages = stage_seconds(tune);
    let budget = tune.search.settings.budget.max(tune.search.spent).max(f64::MIN_POSITIVE);
    let scale = WIDTH / budget;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"70\" font-family=\"sans-serif\" font-size=\"12\">\n",
        WIDTH + 20.0
    );
    let mut x = 10.0;
    for (i, (stage, secs)) in stages.iter().enumerate() {
        let w = secs * scale;
        let color = STAGE_COLOURS.get(i % STAGE_COLOURS.len()).copied().unwrap_or(0x888888);
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.1}\" y=\"10\" width=\"{w:.1}\" height=\"24\" fill=\"#{color:06x}\"><title>{} {}</title></rect>",
            stage.as_str(),
            clock(*secs)
        );
        if w > 60.0 {
            let _ = writeln!(svg, "<text x=\"{:.1}\" y=\"27\" fill=\"#fff\">{}</text>", x + 4.0, stage.as_str());
        }
        x += w;
    }
    let b = 10.0 + tune.search.settings.budget * scale;
    let _ = writeln!(
        svg,
        "<line x1=\"{b:.1}\" y1=\"4\" x2=\"{b:.1}\" y2=\"40\" stroke=\"#000\" stroke-dasharray=\"3,2\"/>"
    );
    let _ = writeln!(
        svg,
        "<text x=\"10\" y=\"58\">spent {} of the {} budget (dashed line)</text>",
        clock(tune.search.spent),
        clock(tune.search.settings.budget)
    );
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    use buildbench_model::tune::{Allow, Available, Current, Goal, Search, Settings, TUNE_SCHEMA_VERSION, space};

    /// A whole search on made-up times: mold saves 20%, debug=0 10%, the rest nothing.
    fn tune() -> Tune {
        let available = Available {
            linkers: vec![buildbench_model::Linker::Mold],
            default_is_rust_lld: true,
            ..Available::default()
        };
        let space = space(&[Goal::Incremental], &Current::defaults("dev", "a test"), &available, &[]);
        let mut search = Search::new(space.shape(), Settings::with_budget(600.0)).with_voids(space.voids());
        let (mut spent, mut k) = (0.0, 0u32);
        while let Some((_, mut round)) = search.stage() {
            loop {
                for &c in &round {
                    let name = space.name(&search.candidates[c]);
                    let has = |label: &str| name.split('+').any(|l| l == label);
                    let factor = (if has("mold") { 0.8 } else { 1.0 }) * (if has("debug=0") { 0.9 } else { 1.0 });
                    k += 1;
                    let t = 2.0 * factor * (1.0 + 0.01 * f64::from(k % 5));
                    spent += t;
                    search.record(c, Ok(t));
                }
                round = search.next_round(spent);
                if round.is_empty() {
                    break;
                }
            }
        }
        Tune {
            schema_version: TUNE_SCHEMA_VERSION,
            project: "/home/dev/<script>app".to_owned(),
            goal: Goal::Incremental,
            weights: Vec::new(),
            allow: vec![Allow::Runtime],
            cargo_args: vec!["--features".to_owned(), "a&b".to_owned()],
            names: search.candidates.iter().map(|c| space.name(c)).collect(),
            presets: Vec::new(),
            tradeoffs: space.tradeoffs(&search.candidates[search.outcome.as_ref().unwrap().winner]),
            space,
            shares: None,
            search,
            elapsed_seconds: 1.0,
        }
    }

    #[test]
    fn the_page_and_the_text_show_the_outcome_the_path_and_the_budget_with_everything_escaped() {
        let t = tune();
        assert_eq!(t.winner(), Some("mold+debug=0"), "{:?}", t.search.outcome);
        let snippet = snippet(&t, "x86_64-unknown-linux-gnu", true);
        assert!(snippet.iter().any(|(f, text)| f == "Cargo.toml" && text.contains("debug = 0")), "{snippet:?}");
        let render = |f: crate::export::Format| {
            String::from_utf8_lossy(&crate::export::exporter(f).view(&view(&t, &snippet))).into_owned()
        };
        let text = render(crate::export::Format::Table);
        assert!(text.contains("winner: mold+debug=0") && text.contains("confirmed speedup:"), "{text}");
        assert!(text.contains("The search") && text.contains("singles") && text.contains("confirmation"), "{text}");
        assert!(text.contains("Cargo.toml:\n    [profile.") && text.contains("debug = 0"), "{text}");
        let html = render(crate::export::Format::Html);
        assert!(html.contains("&lt;script&gt;app") && !html.contains("<script>app"), "the project is escaped");
        assert!(html.contains("a&amp;b"), "the cargo arguments are escaped");
        assert!(html.contains("<h2>The search</h2>") && html.contains("<svg") && html.contains("What it costs"));
        let stages: Vec<Stage> = stage_seconds(&t).into_iter().map(|(s, _)| s).collect();
        assert_eq!(stages, [Stage::Baseline, Stage::Singles, Stage::Combinations, Stage::Confirmation]);
    }

    #[test]
    fn clock_reads_like_a_clock() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(754.4), "12:34");
        assert_eq!(clock(3723.0), "1:02:03");
    }
}
