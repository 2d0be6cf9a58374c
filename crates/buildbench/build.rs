//! Records the commit buildbench is built from, for `buildbench --version`.

use std::path::Path;
use std::process::Command;

fn main() {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()).filter(|s| !s.is_empty())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    let version = env!("CARGO_PKG_VERSION");
    let long = match &commit {
        Some(c) => format!("{version} (commit {c})"),
        None => format!("{version} (commit unknown: not built from a git checkout)"),
    };
    println!("cargo:rustc-env=BUILDBENCH_LONG_VERSION={long}");
    // Rebuild when HEAD moves; only paths that exist, since a missing one reruns every build.
    let mut watched = false;
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let dir = Path::new(&dir);
        let head = dir.join("HEAD");
        let mut paths = vec![head.clone(), dir.join("packed-refs")];
        if let Ok(text) = std::fs::read_to_string(&head)
            && let Some(reference) = text.trim().strip_prefix("ref: ")
        {
            paths.push(dir.join(reference));
        }
        for p in paths.iter().filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", p.display());
            watched = true;
        }
    }
    if !watched {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
