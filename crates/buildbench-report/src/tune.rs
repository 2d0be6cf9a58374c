//! `buildbench tune`: its result as terminal text and as an HTML page: the outcome (the
//! selection's and the confirmation's speedups), the winner's trade-offs and snippet, the space,
//! the search's path (every candidate of every stage, when it was dropped and why) and a chart
//! of the budget spent per stage.

use std::fmt::Write as _;

use buildbench_model::tune::{Entry, Stage, Tune};

use crate::format::{ratio, seconds, speedup};
use crate::html_escape::escape;
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
    // The guide's presets, raced in the same stage as the winner's combination.
    let stage_mean = |c: usize| {
        tune.search
            .entries
            .iter()
            .find(|e| e.stage == Stage::Combinations && e.candidate == c)
            .and_then(|e| mean(&e.samples))
    };
    let presets: Vec<String> = tune
        .presets
        .iter()
        .filter_map(|(name, c)| {
            let (base, m) = (stage_mean(0)?, stage_mean(*c)?);
            Some(format!("{name} {}", ratio(base / m)))
        })
        .collect();
    if let (false, Some(base), Some(w)) = (presets.is_empty(), stage_mean(0), stage_mean(o.winner)) {
        lines.push(format!(
            "  in the same stage: the winner {}, the guide's presets {}",
            ratio(base / w),
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

/// The terminal text: outcome, trade-offs, snippet, space, the search's path, the budget.
pub fn text(tune: &Tune, snippet: &[(String, String)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tune ({} builds): {} of {} budget used",
        tune.objective(),
        clock(tune.search.spent),
        clock(tune.search.settings.budget)
    );
    for line in outcome_lines(tune) {
        let _ = writeln!(out, "{line}");
    }
    if tune.winner().is_some() && tune.confirmed_winner().is_none() {
        let _ = writeln!(out, "  nothing to adopt: the winner was not confirmed faster on fresh samples");
    }
    if tune.confirmed_winner().is_some() {
        if !tune.tradeoffs.is_empty() {
            let _ = writeln!(out, "  trade-offs:");
            for t in &tune.tradeoffs {
                let _ = writeln!(out, "    - {t}");
            }
        }
        for (file, text) in snippet {
            let _ = writeln!(out, "  {file}:");
            for line in text.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    let _ = writeln!(out, "\nsearch path:");
    out.push_str(&path_table(tune).render());
    let stages: Vec<String> =
        stage_seconds(tune).iter().map(|(s, t)| format!("{} {}", s.as_str(), clock(*t))).collect();
    let _ = writeln!(out, "budget: {} (of {})", stages.join(", "), clock(tune.search.settings.budget));
    if !tune.space.left_out.is_empty() {
        let left: Vec<String> = tune.space.left_out.iter().map(|(o, why)| format!("{o} ({why})")).collect();
        let _ = writeln!(out, "not searched: {}", left.join("; "));
    }
    out
}

/// A stacked bar of the seconds each stage took, with the budget marked.
pub fn budget_svg(tune: &Tune) -> String {
    const WIDTH: f64 = 720.0;
    const COLORS: [&str; 4] = ["#8c8c8c", "#4e79a7", "#f28e2b", "#59a14f"];
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
        let color = COLORS.get(i % COLORS.len()).copied().unwrap_or("#888");
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.1}\" y=\"10\" width=\"{w:.1}\" height=\"24\" fill=\"{color}\"><title>{} {}</title></rect>",
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

/// The self-contained HTML page of a tune.
pub fn page(tune: &Tune, snippet: &[(String, String)]) -> String {
    let mut page = crate::page::Page::new(&format!("buildbench tune: {}", tune.project));
    let mut head = format!(
        "<h1>buildbench tune</h1>\n<p class=\"muted\">{} · goal: {} builds · --allow {}{}</p>\n",
        escape(&tune.project),
        escape(&tune.objective()),
        if tune.allow.is_empty() {
            "nothing".to_owned()
        } else {
            tune.allow.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(",")
        },
        if tune.cargo_args.is_empty() {
            String::new()
        } else {
            format!(" · cargo arguments: {}", escape(&tune.cargo_args.join(" ")))
        }
    );
    head.push_str("<h2>Outcome</h2>\n<ul>\n");
    for line in outcome_lines(tune) {
        let _ = writeln!(head, "<li>{}</li>", escape(line.trim()));
    }
    head.push_str("</ul>\n");
    if tune.confirmed_winner().is_some() {
        if !tune.tradeoffs.is_empty() {
            head.push_str("<h3>What it costs</h3>\n<ul>\n");
            for t in &tune.tradeoffs {
                let _ = writeln!(head, "<li>{}</li>", escape(t));
            }
            head.push_str("</ul>\n");
        }
        head.push_str(
            "<h3>To adopt it</h3>\n<p><code>buildbench apply</code> on this folder writes these, or add them yourself:</p>\n",
        );
        for (file, text) in snippet {
            let _ = writeln!(head, "<h4>{}</h4>\n<pre>{}</pre>", escape(file), escape(text));
        }
    }
    page.push(head);
    let mut space = String::from("<h2>The space</h2>\n<ul>\n");
    for d in &tune.space.dimensions {
        let options: Vec<String> = d.options.iter().map(|o| format!("{} ({})", o.label, o.tradeoff)).collect();
        let _ = writeln!(space, "<li><b>{}</b>: {}</li>", escape(&d.name), escape(&options.join("; ")));
    }
    for (o, why) in &tune.space.left_out {
        let _ = writeln!(space, "<li class=\"muted\">not searched: {}: {}</li>", escape(o), escape(why));
    }
    space.push_str("</ul>\n");
    if let Some(s) = &tune.shares {
        let _ = writeln!(
            space,
            "<p>From the default build's timing report (<code>whatif</code>): the final links are {} of it, code generation and links {}; options that cannot save more than that are bounded by it.</p>",
            crate::format::percent(s.link),
            crate::format::percent(s.codegen_and_link)
        );
    }
    page.push(space);
    let mut path = String::from(
        "<h2>The search</h2>\n<p>Every candidate of every stage: singles against the default, combinations of those \
         that helped raced against the leader, then the winner against the default on fresh samples.</p>\n",
    );
    path.push_str(&path_table(tune).html());
    page.push(path);
    let mut budget = String::from("<h2>Budget</h2>\n<div class=\"chart\">\n");
    budget.push_str(&budget_svg(tune));
    budget.push_str("</div>\n");
    page.push(budget);
    page.render()
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
        let text = text(&t, &snippet);
        assert!(text.contains("winner: mold+debug=0") && text.contains("confirmed speedup:"), "{text}");
        assert!(text.contains("search path:") && text.contains("singles") && text.contains("confirmation"), "{text}");
        let html = page(&t, &snippet);
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
