//! Every HTML page buildbench writes, in a real browser. Headless Chromium renders each page at
//! 900 and 1400 px, and a script measures what a reader would see: the page never scrolls
//! sideways (a table or chart wider than the text column scrolls in its own box, and
//! preformatted text wraps), every chart sits in a figure with a legend, has a titled axis and
//! no text running off it, and no prose shows literal backticks. The browser reports no console messages, and a screenshot of each
//! page has content. Skipped (with a message) where Chromium is not installed; CI installs
//! Debian's `chromium`.
//!
//! `BUILDBENCH_SCREENSHOTS=DIR` keeps the pages and their screenshots at both widths in DIR, to
//! look at.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::*;

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium with the flags this machine needs (no sandbox as root, no
/// background networking) and a fresh profile.
fn headless(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> Output {
    Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

/// The widths every page is checked at: a narrow laptop window and a wide one.
const WIDTHS: [u32; 2] = [900, 1400];

/// Axis titles the charts use; every chart shows at least one.
const AXES: [&str; 7] = [
    "wall time (seconds)",
    "seconds since cargo started",
    "jobs (cargo -j)",
    "predicted wall time (s)",
    "wall time (s)",
    "rustc self time (seconds)",
    "oldest to newest",
];

/// Measures the page once it has loaded, with every `<details>` open so collapsed charts are
/// measured too, and writes the findings as JSON into `<pre id="bb-layout">`. Text taken from
/// the page has `<`, `>` and `&` replaced, so the dumped DOM holds the JSON as it was written.
const MEASURE: &str = r#"<script>
window.addEventListener('load', () => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const clean = s => s.replace(/[<>&]/g, '?').replace(/\s+/g, ' ').trim().slice(0, 90);
  const style = getComputedStyle(document.body);
  const column = document.body.getBoundingClientRect().right - parseFloat(style.paddingRight) + 1;
  const scrolls = e => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const out = { width: window.innerWidth, scroll_width: document.documentElement.scrollWidth, overflow: [], charts: [], backticks: [] };
  // The outermost element that runs past the column, not each of its descendants too.
  const reported = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > column && !scrolls(e) && !reported.some(p => p.contains(e))) {
      reported.push(e);
      out.overflow.push(clean(e.tagName + ' ' + e.textContent) + ' ends at ' + Math.round(r.right) + ' of ' + Math.round(column));
    }
  }
  // Preformatted text (the timings summary, build output) wraps: none hides text sideways.
  for (const pre of document.querySelectorAll('pre')) {
    if (pre.scrollWidth > pre.clientWidth + 1) out.overflow.push(clean('PRE ' + pre.textContent) + ' hides ' + (pre.scrollWidth - pre.clientWidth) + ' px');
  }
  for (const svg of document.querySelectorAll('svg')) {
    const figure = svg.closest('figure.chart');
    const caption = figure ? figure.querySelector('figcaption') : null;
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')];
    const off = texts.filter(t => {
      const r = t.getBoundingClientRect();
      return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1);
    });
    out.charts.push({
      figure: figure !== null,
      fits: figure !== null && figure.getBoundingClientRect().right <= column,
      caption: caption ? clean(caption.textContent) : '',
      keys: caption ? caption.querySelectorAll('.key .sw').length : 0,
      texts: texts.map(t => clean(t.textContent)),
      off: off.map(t => clean(t.textContent)),
    });
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.textContent.includes('`') && !n.parentElement.closest('pre, code, script')) out.backticks.push(clean(n.textContent));
  }
  const pre = document.createElement('pre');
  pre.id = 'bb-layout';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"#;

/// One page to check: where it is and what it must show.
struct Page {
    name: &'static str,
    path: PathBuf,
    /// At least this many charts.
    charts: usize,
    /// Axis titles that must appear on the page's charts.
    axes: &'static [&'static str],
}

fn ok(out: &Output) {
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Writes every kind of page buildbench has from the recorded fixtures.
fn pages(dir: &Path) -> Vec<Page> {
    let studies = root().join("fixtures/studies");
    let at = |name: &str| dir.join(name);
    ok(&run(&["report", s(&studies.join("ripgrep-14.1.1-linkers.json")), "-o", s(&at("report.html"))]));
    ok(&run(&["report", s(&studies.join("example-claims-nightly.json")), "-o", s(&at("report-claims.html"))]));
    ok(&run(&["report", s(&studies.join("example-workspace-jobs.json")), "-o", s(&at("report-jobs.html"))]));
    // The history of the issue's screenshot: two studies of the same cells.
    let db = at("two.sqlite");
    for (study, commit, date) in [
        ("ripgrep-14.1.1-linkers.json", "3f2a9c1d0b7e4a5f6c8d9e0a1b2c3d4e5f6a7b8c", "2026-11-20"),
        ("ripgrep-14.1.1-incremental-linkers.json", "8e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d", "2026-11-21"),
    ] {
        let study = studies.join(study);
        ok(&run(&["history", "add", s(&study), "--db", s(&db), "--commit", commit, "--date", date]));
    }
    ok(&run(&["history", "report", "--db", s(&db), "-o", s(&at("trend.html"))]));
    // A longer history, 30% slower from its fifth study: change lines and many labels.
    let long = at("long.sqlite");
    let base: Value =
        serde_json::from_slice(&std::fs::read(studies.join("example-claims-nightly.json")).expect("fixture"))
            .expect("json");
    for i in 0..9u32 {
        let mut v = base.clone();
        v["started_at"] = serde_json::json!(1_790_000_000 + u64::from(i) * 3600);
        let factor = if i < 5 { 1.0 } else { 1.3 } * (1.0 + 0.01 * (f64::from(i) * 1.7).sin());
        for sample in v["samples"].as_array_mut().expect("samples") {
            let wall = sample["wall_seconds"].as_f64().expect("wall");
            sample["wall_seconds"] = serde_json::json!(wall * factor);
        }
        let file = at(&format!("study-{i}.json"));
        std::fs::write(&file, serde_json::to_vec(&v).expect("encode")).expect("write");
        let (commit, date) = (format!("{i:x}a{i:x}b{i:x}c{i:x}d{i:x}e"), format!("2026-11-{:02}", i + 1));
        ok(&run(&["history", "add", s(&file), "--db", s(&long), "--commit", &commit, "--date", &date]));
    }
    ok(&run(&["history", "report", "--db", s(&long), "-o", s(&at("trend-long.html"))]));
    let timings = root().join("fixtures/timings/1.95/hyperfine-1.20.0-clean.html");
    ok(&run(&["timings", s(&timings), "-o", s(&at("timeline.html"))]));
    let profiles = root().join("fixtures/selfprofile");
    ok(&run(&["profile", "--from", s(&profiles), s(&fixture_project()), "-q", "-o", s(&at("profile.html"))]));
    // `link`'s page: a real capture and relinks of a copy of the example (no recorded link
    // study is a fixture), with the linkers every machine here has.
    let project = project_copy(&at("link-project"));
    let linkers = if has("mold") { "default,bfd,mold" } else { "default,bfd" };
    ok(&run(&["link", s(&project), "--linker", linkers, "-r", "2", "--fresh", "-q", "-o", s(&at("link.html"))]));
    vec![
        Page {
            name: "report",
            path: at("report.html"),
            charts: 7,
            axes: &["wall time (seconds)", "seconds since cargo started"],
        },
        Page { name: "report-claims", path: at("report-claims.html"), charts: 5, axes: &["wall time (seconds)"] },
        Page {
            name: "report-jobs",
            path: at("report-jobs.html"),
            charts: 6,
            axes: &["jobs (cargo -j)", "predicted wall time (s)", "seconds since cargo started"],
        },
        Page {
            name: "trend",
            path: at("trend.html"),
            charts: 10,
            axes: &["wall time (s)", "commit, oldest to newest"],
        },
        Page { name: "trend-long", path: at("trend-long.html"), charts: 6, axes: &["commit, oldest to newest"] },
        Page { name: "timeline", path: at("timeline.html"), charts: 1, axes: &["seconds since cargo started"] },
        Page { name: "profile", path: at("profile.html"), charts: 1, axes: &["rustc self time (seconds)"] },
        Page { name: "link", path: at("link.html"), charts: 0, axes: &[] },
    ]
}

/// The page with the measuring script, rendered at `width`: the findings and the console.
fn measure(browser: &Path, dir: &Path, page: &Page, width: u32) -> (Value, Vec<String>) {
    let html = std::fs::read_to_string(&page.path).expect("page");
    let (head, tail) = html.rsplit_once("</body>").expect("a page with a body");
    let probe = dir.join(format!("{}-{width}-probe.html", page.name));
    std::fs::write(&probe, format!("{head}{MEASURE}</body>{tail}")).expect("write");
    let size = format!("--window-size={width},2000");
    let dom = headless(
        browser,
        &dir.join(format!("profile-{}-{width}", page.name)),
        &["--enable-logging=stderr", "--v=0", &size, "--dump-dom"],
        &probe,
    );
    let text = String::from_utf8_lossy(&dom.stdout);
    let json = text
        .split_once("<pre id=\"bb-layout\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| json)
        .unwrap_or_else(|| panic!("{} at {width}: no measurements in the dumped page", page.name));
    let log = String::from_utf8_lossy(&dom.stderr);
    let console = log.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_owned).collect();
    (serde_json::from_str(json).expect("measurements are JSON"), console)
}

#[test]
fn every_html_page_fits_900_and_1400_px_with_legends_and_labelled_axes() {
    let Some(browser) = chromium() else {
        require_or_skip("chromium", "chromium is not installed (apt-get install -y chromium)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let keep = std::env::var_os("BUILDBENCH_SCREENSHOTS").map(PathBuf::from);
    let pages = pages(dir.path());
    let mut problems = Vec::new();
    let mut two_studies = Value::Null;
    for page in &pages {
        for width in WIDTHS {
            let at = format!("{} at {width} px", page.name);
            let (m, console) = measure(&browser, dir.path(), page, width);
            if page.name == "trend" {
                two_studies = m.clone();
            }
            if !console.is_empty() {
                problems.push(format!("{at}: console messages {console:?}"));
            }
            assert_eq!(m["width"], width, "{at}: the window is not {width} px wide");
            if m["scroll_width"].as_u64().unwrap_or(u64::MAX) > u64::from(width) {
                problems.push(format!("{at}: the page scrolls sideways ({} px wide)", m["scroll_width"]));
            }
            for e in m["overflow"].as_array().into_iter().flatten() {
                problems.push(format!("{at}: wider than the text column: {e}"));
            }
            for e in m["backticks"].as_array().into_iter().flatten() {
                problems.push(format!("{at}: literal backticks: {e}"));
            }
            let charts = m["charts"].as_array().cloned().unwrap_or_default();
            if charts.len() < page.charts {
                problems.push(format!("{at}: {} charts, expected at least {}", charts.len(), page.charts));
            }
            let mut titles = Vec::new();
            for (i, c) in charts.iter().enumerate() {
                let texts: Vec<&str> = c["texts"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                let chart = format!("{at}, chart {}", i + 1);
                if c["figure"] != true || c["fits"] != true {
                    problems.push(format!("{chart}: not in a figure that fits the column"));
                }
                if c["keys"].as_u64().unwrap_or(0) < 2 || c["caption"].as_str().unwrap_or("").len() < 20 {
                    problems.push(format!("{chart}: no legend: {}", c["caption"]));
                }
                if !texts.iter().any(|t| AXES.iter().any(|a| t.contains(a))) {
                    problems.push(format!("{chart}: no axis title among {texts:?}"));
                }
                for t in c["off"].as_array().into_iter().flatten() {
                    problems.push(format!("{chart}: text runs off the chart: {t}"));
                }
                titles.extend(texts);
            }
            for axis in page.axes {
                if !titles.contains(axis) {
                    problems.push(format!("{at}: no chart titles an axis {axis:?}"));
                }
            }
            if let Some(keep) = &keep {
                std::fs::create_dir_all(keep).expect("screenshot folder");
                let shot = keep.join(format!("{}-{width}.png", page.name));
                let size = format!("--window-size={width},2400");
                let screenshot = format!("--screenshot={}", shot.display());
                headless(
                    &browser,
                    &dir.path().join(format!("shot-{}-{width}", page.name)),
                    &[&size, &screenshot],
                    &page.path,
                );
                std::fs::copy(&page.path, keep.join(format!("{}.html", page.name))).expect("copy");
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));

    // The trend of two studies names them by commit, once each (its axis read "1 1 1 1 1").
    let charts = two_studies["charts"].as_array().cloned().unwrap_or_default();
    let both = charts.iter().find(|c| c["texts"].as_array().is_some_and(|t| t.iter().any(|t| t == "8e1d2c3b4a")));
    let texts: Vec<&str> =
        both.into_iter().flat_map(|c| c["texts"].as_array()).flatten().filter_map(Value::as_str).collect();
    assert_eq!(texts.iter().filter(|t| **t == "3f2a9c1d0b" || **t == "8e1d2c3b4a").count(), 2, "{texts:?}");
    assert!(!texts.contains(&"1"), "{texts:?}");
}

#[test]
fn the_html_report_renders_in_headless_chromium_with_content() {
    let Some(browser) = chromium() else {
        require_or_skip("chromium", "chromium is not installed (apt-get install -y chromium)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let study = root().join("fixtures/studies/ripgrep-14.1.1-linkers.json");
    let report = dir.path().join("report.html");
    ok(&run(&["report", s(&study), "-o", s(&report)]));

    // The DOM after parsing: the charts are there, as inline SVG.
    let dom = headless(&browser, &dir.path().join("p1"), &["--enable-logging=stderr", "--v=0", "--dump-dom"], &report);
    let html = String::from_utf8_lossy(&dom.stdout);
    assert!(html.matches("<svg").count() >= 7, "charts missing from the rendered DOM");
    let log = String::from_utf8_lossy(&dom.stderr);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");

    // A screenshot with content: far larger than the screenshot of an empty page.
    let shot = dir.path().join("report.png");
    headless(
        &browser,
        &dir.path().join("p2"),
        &["--window-size=1100,2400", &format!("--screenshot={}", shot.display())],
        &report,
    );
    let blank_page = dir.path().join("blank.html");
    std::fs::write(&blank_page, "<!DOCTYPE html><html><body></body></html>").expect("write");
    let blank = dir.path().join("blank.png");
    headless(
        &browser,
        &dir.path().join("p3"),
        &["--window-size=1100,2400", &format!("--screenshot={}", blank.display())],
        &blank_page,
    );
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    assert!(size(&blank) > 0, "the browser wrote no screenshot");
    assert!(
        size(&shot) > 5 * size(&blank),
        "the report looks blank: {} bytes vs {} for an empty page",
        size(&shot),
        size(&blank)
    );
}
