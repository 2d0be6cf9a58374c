//! `buildbench apply` on real projects: a Cargo.toml full of comments edited in place (byte for
//! byte identical outside the keys set), the refusal on a dirty git tree, and the revert when
//! the project no longer builds.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

const CARGO_TOML_TAIL: &str = "\n# Our own dev profile: keep this comment.\n[profile.dev]\ndebug = 1      # enough for backtraces\nsplit-debuginfo = \"unpacked\"\n\n# And a last word.\n";

/// A copy of the example workspace with comments and a dev profile of its own, committed in a
/// fresh git repository.
fn project(dir: &Path) -> PathBuf {
    let project = project_copy(dir);
    let manifest = project.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).expect("Cargo.toml");
    text.push_str(CARGO_TOML_TAIL);
    std::fs::write(&manifest, text).expect("write");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.email=t@example.invalid", "-c", "user.name=t"])
            .args(args)
            .current_dir(&project)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "init"]);
    project
}

/// The recorded example study, with one more configuration whose overrides are `overrides`.
fn study(dir: &Path, name: &str, overrides: &[&str]) -> PathBuf {
    let mut v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("fixtures/studies/example-claims-nightly.json")).expect("fixture"),
    )
    .expect("json");
    v["plan"]["configurations"].as_array_mut().expect("configurations").push(serde_json::json!({
        "name": name, "backend": "llvm", "linker": "default", "cache": "none", "preset": "custom",
        "overrides": overrides,
    }));
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_vec(&v).expect("encode")).expect("write");
    path
}

/// `buildbench apply STUDY --project PROJECT --configuration <the study's file stem>`.
fn apply(study: &Path, project: &Path, extra: &[&str]) -> std::process::Output {
    let name = study.file_stem().and_then(|n| n.to_str()).expect("name");
    let mut args = vec!["apply", s(study), "--project", s(project), "--configuration", name];
    args.extend(extra);
    run(&args)
}

/// The project's files (bytes and mtimes), without git's own (`git status` refreshes its index).
fn files(project: &Path) -> std::collections::BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    tree(project).into_iter().filter(|(p, _)| !p.starts_with(".git")).collect()
}

#[test]
fn apply_edits_in_place_keeps_comments_and_checks_the_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    let original = std::fs::read_to_string(project.join("Cargo.toml")).expect("read");
    let fast = study(dir.path(), "fast", &["profile.dev.debug=0", "profile.dev.codegen-units=64"]);

    // --dry-run shows the diff and writes nothing.
    let before = files(&project);
    let dry = apply(&fast, &project, &["--dry-run"]);
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(
        text.contains("-debug = 1      # enough for backtraces")
            && text.contains("+debug = 0      # enough for backtraces"),
        "{text}"
    );
    assert!(files(&project) == before, "--dry-run wrote nothing");

    let out = apply(&fast, &project, &[]);
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let after = std::fs::read_to_string(project.join("Cargo.toml")).expect("read");
    let expected = original
        .replace("debug = 1      # enough for backtraces", "debug = 0      # enough for backtraces")
        .replace("split-debuginfo = \"unpacked\"\n", "split-debuginfo = \"unpacked\"\ncodegen-units = 64\n");
    assert_eq!(after, expected, "byte for byte the same outside the keys set");
    // Applying it again finds nothing to do.
    let again = apply(&fast, &project, &["--force"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing to write"));
}

#[test]
fn apply_refuses_a_dirty_tree_and_reverts_a_broken_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    let fast = study(dir.path(), "fast", &["profile.dev.debug=0"]);
    // Uncommitted changes in Cargo.toml: refused, nothing written.
    let manifest = project.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).expect("read");
    text.push_str("# work in progress\n");
    std::fs::write(&manifest, &text).expect("write");
    let before = files(&project);
    let out = apply(&fast, &project, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("uncommitted") && stderr.contains("--force"), "{stderr}");
    assert!(files(&project) == before, "a refusal writes nothing");

    // A configuration the project cannot build with: written, built, and put back.
    let broken = study(dir.path(), "broken", &["profile.dev.opt-level=9"]);
    let out = apply(&broken, &project, &["--force"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("does not build") && stderr.contains("optimization level"), "{stderr}");
    let after = files(&project);
    let changed: Vec<_> = after.iter().filter(|(p, v)| before.get(*p) != Some(v)).map(|(p, _)| p.clone()).collect();
    // The build may leave target/; every file apply touched is back, bytes and mtime.
    assert!(changed.iter().all(|p| p.starts_with("target")), "{changed:?}");
    assert_eq!(std::fs::read_to_string(&manifest).expect("read"), text);

    // A name that is not in the study.
    let out = run(&["apply", s(&fast), "--project", s(&project), "--configuration", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fast"));
}

#[test]
fn apply_never_edits_through_a_link_out_of_the_project() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    // The project's .cargo/config.toml is a link to a config shared with other projects.
    let shared = dir.path().join("shared-config.toml");
    std::fs::write(&shared, "# shared by every project here\n").expect("write");
    std::fs::create_dir_all(project.join(".cargo")).expect("mkdir");
    std::os::unix::fs::symlink(&shared, project.join(".cargo/config.toml")).expect("symlink");
    let mold = study(dir.path(), "linked", &["build.jobs=2"]);
    let out = apply(&mold, &project, &["--force"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("outside the project"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&shared).expect("read"), "# shared by every project here\n");
}

#[test]
fn apply_never_writes_through_a_dangling_link_out_of_the_project() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    // .cargo/config.toml is a link to a file outside that does not exist yet.
    let outside = dir.path().join("elsewhere/config.toml");
    std::fs::create_dir_all(project.join(".cargo")).expect("mkdir");
    std::fs::create_dir_all(outside.parent().expect("parent")).expect("mkdir");
    std::os::unix::fs::symlink(&outside, project.join(".cargo/config.toml")).expect("symlink");
    let mold = study(dir.path(), "dangling", &["build.jobs=2"]);
    let out = apply(&mold, &project, &["--force"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!outside.exists(), "nothing was created outside the project");
    assert!(std::fs::symlink_metadata(project.join(".cargo/config.toml")).is_ok(), "the user's link is kept");
}

#[test]
fn apply_refuses_when_git_cannot_tell_whether_files_are_dirty_and_sees_deleted_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    let mold = study(dir.path(), "gitcheck", &["build.jobs=2"]);
    // A broken repository: git cannot answer, so apply cannot know.
    let head = project.join(".git/HEAD");
    let saved = std::fs::read(&head).expect("HEAD");
    std::fs::write(&head, "garbage\n").expect("write");
    let out = apply(&mold, &project, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    std::fs::write(&head, saved).expect("write");
    // A tracked file deleted in the work tree is an uncommitted change too.
    std::fs::create_dir_all(project.join(".cargo")).expect("mkdir");
    std::fs::write(project.join(".cargo/config.toml"), "# tracked\n").expect("write");
    git(&project, &["add", "-A"]);
    git(&project, &["commit", "-q", "-m", "config"]);
    std::fs::remove_file(project.join(".cargo/config.toml")).expect("rm");
    let out = apply(&mold, &project, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("uncommitted changes"));
    assert!(!project.join(".cargo/config.toml").exists(), "the deletion stands");
}

#[test]
fn apply_keeps_crlf_refuses_non_utf8_and_leaves_no_empty_cargo_folder_after_a_failed_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    // A configuration the project cannot build with, written to a .cargo/config.toml that apply
    // creates: the file and the folder go again.
    let broken = study(dir.path(), "nojobs", &["build.jobs=0"]);
    let out = apply(&broken, &project, &["--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!project.join(".cargo").exists(), "no empty .cargo/ left behind");

    // A CRLF config keeps CRLF on every line, old and new.
    std::fs::create_dir_all(project.join(".cargo")).expect("mkdir");
    let config = project.join(".cargo/config.toml");
    std::fs::write(&config, "# ours\r\n[env]\r\nA = \"1\"\r\n").expect("write");
    let jobs = study(dir.path(), "jobs", &["build.jobs=2"]);
    let out = apply(&jobs, &project, &["--force", "--no-check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&config).expect("read");
    assert!(text.contains("jobs = 2") && text.contains("# ours"), "{text}");
    assert!(!text.replace("\r\n", "").contains('\n'), "every line ends in CRLF: {text:?}");

    // A config that is not UTF-8 is refused, not replaced.
    let bytes = b"# \xff\xfe not utf-8\n[build]\n".to_vec();
    std::fs::write(&config, &bytes).expect("write");
    let more = study(dir.path(), "more", &["build.jobs=3"]);
    let out = apply(&more, &project, &["--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not UTF-8"));
    assert_eq!(std::fs::read(&config).expect("read"), bytes);
}

/// When nothing won, keeping the project as it is is the recommendation: `apply` says so,
/// writes nothing and exits 0, so `compare && apply` passes.
#[test]
fn apply_with_nothing_to_do_exits_0_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    let before = files(&project);
    let study = root().join("fixtures/studies/ripgrep-14.1.1-linkers.json");
    let out = run(&["apply", s(&study), s(&project)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("keep the project as it is; nothing written"), "{out:?}");
    assert_eq!(files(&project), before);
}
