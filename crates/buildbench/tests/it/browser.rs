//! The HTML report in a real browser: headless Chromium renders it, draws the SVG charts and
//! reports no console errors. Skipped (with a message) where Chromium is not installed; CI
//! installs Debian's `chromium`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

#[test]
fn the_html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        require_or_skip("chromium", "chromium is not installed (apt-get install -y chromium)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let study = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/studies/ripgrep-14.1.1-linkers.json");
    let report = dir.path().join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_buildbench"))
        .arg("report")
        .arg(&study)
        .arg("-o")
        .arg(&report)
        .output()
        .expect("buildbench runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

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
