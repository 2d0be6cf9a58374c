//! `compare --rev` and `buildbench gate` on real git repositories: the checkout and its `.git`
//! are only read (bytes and mtimes, `git status`, worktrees and branches, after success,
//! Ctrl-C and kill -9), what the study records, and the revisions that are refused with the fix.

use std::path::Path;
use std::process::Stdio;

use crate::support::*;

/// The paths whose bytes or mtime differ between two snapshots (the snapshots themselves are
/// too large to print).
fn changed(before: &Tree, after: &Tree) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = before.iter().filter(|(p, v)| after.get(*p) != Some(v)).map(|(p, _)| p.clone()).collect();
    out.extend(after.keys().filter(|p| !before.contains_key(*p)).cloned());
    out
}

type Tree = std::collections::BTreeMap<std::path::PathBuf, (Vec<u8>, std::time::SystemTime)>;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What git says about the checkout: status, worktrees, branches. (`--no-optional-locks`: a
/// plain `git status` may rewrite `.git/index` itself, which would hide what buildbench did.)
fn git_state(repo: &Path) -> String {
    [
        git(repo, &["--no-optional-locks", "status", "--porcelain", "--untracked-files=all"]),
        git(repo, &["worktree", "list", "--porcelain"]),
        git(repo, &["branch", "--list", "--all"]),
        git(repo, &["stash", "list"]),
    ]
    .join("\n")
}

/// A one-sample incremental rev study of `revs`, quiet.
fn rev_study(repo: &Path, out: &Path, revs: &str) -> Compare {
    Compare::quick(repo, out)
        .set("--rev", revs)
        .set("--scenario", "incremental")
        .set("--edit", "crates/core/src/lib.rs")
        .set("--runs", "2")
}

#[test]
fn a_rev_study_measures_each_revision_and_leaves_the_checkout_and_its_git_as_they_were() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = git_project(dir.path());
    commit_append(&repo, "crates/core/src/lib.rs", "// a comment only\n", "head: a comment");
    // Uncommitted work and an untracked file: WORKTREE measures them, nothing touches them.
    std::fs::write(repo.join("crates/core/src/extra.rs"), "pub fn extra() {}\n").expect("write");
    let lib = repo.join("crates/core/src/lib.rs");
    let mut text = std::fs::read_to_string(&lib).expect("read");
    text.push_str("pub mod extra;\n");
    std::fs::write(&lib, text).expect("write");
    let state = git_state(&repo);
    let before = tree(&repo);

    let out = dir.path().join("out");
    let args = rev_study(&repo, &out, "base=HEAD~1,HEAD,wt=WORKTREE").set("--gate", "50%");
    let output = buildbench().args(args.args()).output().expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(changed(&before, &tree(&repo)), Vec::<std::path::PathBuf>::new(), "the checkout and .git");
    assert_eq!(git_state(&repo), state);
    assert!(!out.join("work").exists(), "the exports are removed afterwards");
    assert_no_process_left(&out);

    let study: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("study.json")).expect("study")).expect("json");
    let revisions = study["plan"]["revisions"].as_array().expect("revisions");
    let names: Vec<&str> = revisions.iter().map(|r| r["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["base", "HEAD", "wt"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    assert_eq!(revisions[1]["commit"].as_str(), Some(head.trim()));
    assert_eq!(revisions[1]["subject"], "head: a comment");
    assert_eq!(revisions[2]["worktree"], true);
    assert_eq!(study["plan"]["baseline"], "default@base");
    let samples = study["samples"].as_array().expect("samples");
    for name in ["base", "HEAD", "wt"] {
        let measured = samples.iter().filter(|s| s["revision"] == name && s["warmup"] == false).count();
        assert_eq!(measured, 2, "{name}");
    }
    // Samples of base and head took turns.
    let order: Vec<&str> = samples.iter().filter_map(|s| s["revision"].as_str()).collect();
    assert!(order.windows(2).filter(|w| w[0] != w[1]).count() >= 4, "{order:?}");

    // The gate over the saved study, in every format; a 50% threshold passes.
    let table = buildbench().args(["gate", s(&out)]).output().expect("runs");
    assert!(table.status.success(), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("default / incremental @HEAD") && text.contains("@wt"), "{text}");
    let md = buildbench().args(["gate", s(&out), "--format", "md"]).output().expect("runs");
    assert!(String::from_utf8_lossy(&md.stdout).contains("| cell | base | head |"));
    let json = buildbench().args(["gate", s(&out), "--format", "json"]).output().expect("runs");
    let gate: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(gate["schema_version"], 1);
    assert_eq!(gate["cells"].as_array().map(Vec::len), Some(2));
    assert!(out.join("gate.md").is_file() && out.join("report.md").is_file());
    let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(report.contains("## Head vs base"), "{report}");
    // Two samples of each can never show a 1% threshold either way: undecided, which fails
    // with --undecided fail and passes (with a warning naming the cell) by default.
    let strict = buildbench()
        .args(["gate", s(&out), "--threshold", "1%", "--undecided", "fail", "--gate-cells", "default/incremental"])
        .output()
        .expect("runs");
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    // On the table format the verdict ends the table (and is not repeated on stderr).
    assert!(String::from_utf8_lossy(&strict.stdout).contains("undecided (--undecided fail)"), "{strict:?}");
    let unknown = buildbench().args(["gate", s(&out), "--gate-cells", "mold/clean"]).output().expect("runs");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("default/incremental"), "names the cells there are: {}", stderr(&unknown));
}

#[test]
fn a_rev_study_interrupted_or_killed_leaves_the_checkout_as_it_was_and_nothing_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = git_project(dir.path());
    commit_append(&repo, "crates/core/src/lib.rs", "// head\n", "head");
    let state = git_state(&repo);
    let before = tree(&repo);
    for kill in [false, true] {
        let out = dir.path().join(format!("out-{kill}"));
        let args = rev_study(&repo, &out, "HEAD~1,HEAD").set("--runs", "30");
        let mut child = buildbench().args(args.args()).stderr(Stdio::piped()).spawn().expect("starts");
        // Wait until a build of an export runs.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while !processes_mentioning(&out.join("work/rev")).iter().any(|p| p.contains("rustc")) {
            assert!(std::time::Instant::now() < deadline, "no build started");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        if kill {
            child.kill().expect("SIGKILL");
            child.wait().expect("wait");
        } else {
            interrupt(&child);
            let output = child.wait_with_output().expect("wait");
            assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
        }
        assert_no_process_left(&out);
        assert_eq!(changed(&before, &tree(&repo)), Vec::<std::path::PathBuf>::new(), "kill={kill}");
        assert_eq!(git_state(&repo), state, "kill={kill}");
    }
}

#[test]
fn revisions_that_cannot_be_measured_are_refused_with_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = git_project(dir.path());
    let out = dir.path().join("out");
    let refused = |args: Compare, expected: &str| {
        let output = buildbench().args(args.args()).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{expected}: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{expected}: {}", stderr(&output));
        assert!(!out.join("study.json").exists());
    };
    refused(rev_study(&repo, &out, "HEAD~3,HEAD"), "is not a commit");
    refused(rev_study(&repo, &out, "HEAD,HEAD"), "--rev base=HEAD,head=HEAD");
    refused(rev_study(&repo, &out, "HEAD"), "at least two revisions");
    refused(rev_study(&repo, &out, "HEAD,WORKTREE").flag("--in-place"), "drop --in-place");
    let plain = project_copy(dir.path());
    refused(rev_study(&plain, &out, "HEAD,WORKTREE"), "git init");
    // A file the incremental scenario edits that one revision lacks.
    std::fs::write(repo.join("crates/core/src/new.rs"), "pub fn new() {}\n").expect("write");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "new file"]);
    let missing = rev_study(&repo, &out, "HEAD~1,HEAD").set("--edit", "crates/core/src/new.rs");
    let output = buildbench().args(missing.args()).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("does not exist in revision HEAD~1"), "{}", stderr(&output));
    // A head that pins another toolchain than base: one toolchain cannot measure both.
    let pinned = git_project(&dir.path().join("pinned"));
    std::fs::write(pinned.join("rust-toolchain.toml"), "[toolchain]\nchannel = \"nightly\"\n").expect("write");
    git(&pinned, &["add", "-A"]);
    git(&pinned, &["commit", "-q", "-m", "pin nightly"]);
    let output = buildbench().args(rev_study(&pinned, &out, "HEAD~1,HEAD").args()).output().expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("pin different toolchains") && stderr(&output).contains("--toolchain"));
    // Submodules.
    let sub = dir.path().join("sub");
    std::fs::create_dir_all(&sub).expect("mkdir");
    std::fs::write(sub.join("README"), "a submodule\n").expect("write");
    git(&sub, &["init", "-q"]);
    git(&sub, &["add", "-A"]);
    git(&sub, &["commit", "-q", "-m", "sub"]);
    git(&repo, &["submodule", "add", "-q", s(&sub), "vendor/sub"]);
    git(&repo, &["commit", "-q", "-m", "a submodule"]);
    let out2 = dir.path().join("out2");
    let output = buildbench().args(rev_study(&repo, &out2, "HEAD~1,HEAD").args()).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("submodules (vendor/sub)"), "{}", stderr(&output));

    // A dry run shows the exports and changes nothing.
    let before = tree(&repo);
    let dry =
        buildbench().args(rev_study(&repo, &out, "HEAD~2,HEAD~1").flag("--dry-run").args()).output().expect("runs");
    assert!(dry.status.success(), "{}", stderr(&dry));
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(text.contains("[revision HEAD~2") && text.contains("export commit"), "{text}");
    assert!(text.contains("default@HEAD-2 / incremental"), "{text}");
    assert_eq!(changed(&before, &tree(&repo)), Vec::<std::path::PathBuf>::new());
    // A study that is not a rev study cannot be gated.
    let study = dir.path().join("plain-study");
    let output = buildbench().args(Compare::quick(&plain, &study).args()).output().expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let output = buildbench().args(["gate", s(&study)]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--rev BASE,HEAD"), "{}", stderr(&output));
}

#[test]
fn exports_are_isolated_from_the_checkout_its_git_its_cargo_config_and_its_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = git_project(dir.path());
    // The checkout's Cargo.lock is a committed absolute link, and the project is stale so cargo
    // rewrites it; a build script runs git; the head commit adds a cargo config of its own.
    let real = repo.join("Cargo.lock.real");
    std::fs::rename(repo.join("Cargo.lock"), &real).expect("rename");
    std::os::unix::fs::symlink(&real, repo.join("Cargo.lock")).expect("symlink");
    let manifest = repo.join("crates/app/Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .expect("manifest")
        .replace("version.workspace = true", "version = \"0.1.1\"");
    std::fs::write(&manifest, text).expect("write");
    let build = repo.join("crates/app/build.rs");
    let mut script = std::fs::read_to_string(&build).expect("build.rs");
    script.push_str(
        "\n#[allow(dead_code)]\nfn describe() { let _ = std::process::Command::new(\"git\").args([\"describe\", \"--always\", \"--dirty\"]).status(); }\n",
    );
    script = script.replacen("fn main() {", "fn main() {\n    describe();", 1);
    std::fs::write(&build, script).expect("write");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base with a linked lock file"]);
    std::fs::create_dir_all(repo.join(".cargo")).expect("mkdir");
    std::fs::write(repo.join(".cargo/config.toml"), "[build]\nrustflags = [\"--cfg\", \"from_head_config\"]\n")
        .expect("write");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "head adds a cargo config"]);
    let state = git_state(&repo);
    let before = tree(&repo);

    let out = dir.path().join("out");
    let args = rev_study(&repo, &out, "HEAD~1,HEAD").set("--scenario", "clean").flag("--keep-work");
    let output = buildbench().args(args.args()).output().expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        changed(&before, &tree(&repo)),
        Vec::<std::path::PathBuf>::new(),
        "the checkout, .git and the linked lock"
    );
    assert_eq!(git_state(&repo), state);
    // Base was built without head's config, head with it once.
    let fingerprints = |config: &str| -> String {
        let mut text = String::new();
        let root = out.join("work/target").join(config).join("debug/.fingerprint");
        for entry in std::fs::read_dir(&root).expect("fingerprints").flatten() {
            for file in std::fs::read_dir(entry.path()).expect("dir").flatten() {
                if file.path().extension().is_some_and(|e| e == "json") {
                    text.push_str(&std::fs::read_to_string(file.path()).unwrap_or_default());
                }
            }
        }
        text
    };
    assert!(!fingerprints("default@HEAD-1").contains("from_head_config"), "base read head's config");
    let head = fingerprints("default@HEAD");
    assert!(
        head.contains("from_head_config") && !head.contains("from_head_config\\\",\\\"--cfg\\\",\\\"from_head_config")
    );

    // An --out inside the repository is refused for a rev study (cargo would read its config).
    let inside = repo.join("bench-out");
    let output = buildbench().args(rev_study(&repo, &inside, "HEAD~1,HEAD").args()).output().expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("inside the git repository"), "{}", stderr(&output));
    assert!(!inside.exists());
}

#[test]
fn a_gate_with_nothing_measured_fails_and_a_crafted_edit_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = git_project(dir.path());
    commit_append(&repo, "crates/core/src/lib.rs", "// head\n", "head");
    let out = dir.path().join("out");
    let output = buildbench().args(rev_study(&repo, &out, "HEAD~1,HEAD").args()).output().expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let file = out.join("study.json");
    let mut study: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("study")).expect("json");
    // Without head's samples the gate has nothing to go on: it fails, it does not pass.
    let mut no_head = study.clone();
    no_head["samples"].as_array_mut().expect("samples").retain(|s| s["revision"] != "HEAD");
    let crafted = dir.path().join("no-head.json");
    std::fs::write(&crafted, serde_json::to_vec(&no_head).expect("encode")).expect("write");
    let gate = buildbench().args(["gate", s(&crafted)]).output().expect("runs");
    assert_eq!(gate.status.code(), Some(1), "{}", String::from_utf8_lossy(&gate.stdout));
    assert!(String::from_utf8_lossy(&gate.stdout).contains("not measured"));
    let zero = buildbench().args(["gate", s(&out), "--threshold", "0"]).output().expect("runs");
    assert_eq!(zero.status.code(), Some(2));
    // A resumed study naming a file to edit outside the project is refused, and nothing moves.
    study["plan"]["edit_file"] = serde_json::json!("../../outside/x.rs");
    study["complete"] = serde_json::json!(false);
    std::fs::write(&file, serde_json::to_vec(&study).expect("encode")).expect("write");
    let resumed = buildbench().args(["compare", "--resume", s(&out), "--quiet"]).output().expect("runs");
    assert_eq!(resumed.status.code(), Some(2), "{}", stderr(&resumed));
    assert!(stderr(&resumed).contains("without `..`"), "{}", stderr(&resumed));
}
