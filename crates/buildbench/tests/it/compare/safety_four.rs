//! Never lose a user's file, round four (the end of issue 24): a refused run leaves no empty
//! output folder, a full disk leaves no `work/` behind, probes stop on Ctrl-C and SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn with_state(state: &Path) -> Command {
    let mut command = buildbench();
    command.env("BUILDBENCH_STATE_DIR", state);
    command
}

/// The project's lock file in the state folder, as buildbench names it: `restore` takes the
/// lock, so the file exists afterwards.
fn project_lock_file(state: &Path, project: &Path) -> PathBuf {
    let output = with_state(state).args(["restore", s(project)]).output().expect("restore");
    assert!(output.status.success(), "{}", stderr(&output));
    let entry = std::fs::read_dir(state.join("locks")).expect("locks").flatten().next().expect("a lock file");
    entry.path()
}

/// Runs buildbench with `args`, expects the refusal (exit 2) that names `why`.
fn refused(state: &Path, args: &[&str], why: &str) {
    let output = with_state(state).args(args).output().expect("runs");
    assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
    assert!(stderr(&output).contains(why), "{args:?}: {}", stderr(&output));
}

#[test]
fn refused_runs_leave_no_output_folder_they_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let state = dir.path().join("state");
    let before = tree(&project);
    let lock_file = project_lock_file(&state, &project);

    // Another run holds the project: compare, link and doctor --diagnose are refused after they
    // resolved the project, when their folders used to be created already.
    let held = std::fs::File::options().read(true).write(true).open(&lock_file).expect("open the lock");
    held.try_lock().expect("lock the project");
    let nested = dir.path().join("new/nested/out");
    let quick = Compare::quick(&project, &nested);
    refused(&state, &quick.args(), "in use by another buildbench run");
    assert!(!dir.path().join("new").exists(), "the folders made for --out are gone too");
    let work = dir.path().join("link-work");
    refused(&state, &["link", s(&project), "--work", s(&work), "--quiet"], "in use by another buildbench run");
    assert!(!work.exists(), "link --work");
    let diagnosis = dir.path().join("diagnosis");
    let doctor = ["doctor", s(&project), "--diagnose", "--out", s(&diagnosis), "--quiet"];
    refused(&state, &doctor, "in use by another buildbench run");
    assert!(!diagnosis.exists(), "doctor --diagnose --out");
    if nightly() {
        let work = dir.path().join("profile-work");
        refused(&state, &["profile", s(&project), "--work", s(&work), "--quiet"], "in use by another buildbench run");
        assert!(!work.exists(), "profile --work");
    }
    // A folder the user made is left as it was: there, empty.
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).expect("mkdir");
    refused(&state, &Compare::quick(&project, &mine).args(), "in use by another buildbench run");
    assert!(mine.is_dir(), "the user's own folder stays");
    assert_eq!(std::fs::read_dir(&mine).expect("list").count(), 0, "and holds nothing of buildbench's");
    held.unlock().expect("unlock");

    // A journal that names a file outside the project: refused when it is read, after the
    // output folder was claimed.
    let journal = state.join("journals").join(lock_file.with_extension("json").file_name().expect("name"));
    std::fs::create_dir_all(journal.parent().expect("journals")).expect("mkdir");
    let planted = serde_json::json!({
        "project": std::fs::canonicalize(&project).expect("resolve"),
        "out": null,
        "files": [{
            "snapshot": { "path": dir.path().join("victim"), "contents": [1], "modified_ns": null },
            "written": [],
            "by_cargo": true
        }]
    });
    std::fs::write(&journal, serde_json::to_vec(&planted).expect("encode")).expect("plant");
    let out = dir.path().join("out");
    refused(&state, &Compare::quick(&project, &out).args(), "outside the project");
    assert!(!out.exists(), "a refused journal");
    std::fs::remove_file(&journal).expect("remove the planted journal");

    // Not a cargo project, and a flag checked against the study's configurations.
    let empty = dir.path().join("not-cargo");
    std::fs::create_dir(&empty).expect("mkdir");
    refused(&state, &Compare::quick(&empty, &out).args(), "not a cargo project");
    refused(&state, &Compare::quick(&project, &out).set("--baseline", "nope").args(), "--baseline");
    assert!(!out.exists(), "refused flags");
    assert_eq!(tree(&project), before);
}

/// Runs `compare` with `args` and `--out MOUNT/out`, where MOUNT is a tmpfs of `size` in a
/// private mount namespace (gone with the run, so what is left is reported from inside it):
/// the exit status, stderr, and which of `out/work` and `out/study.json` remain. `None` when
/// this machine cannot mount.
fn compare_on_a_small_disk(dir: &Path, size: &str, args: &[&str]) -> Option<(Option<i32>, String, bool, bool)> {
    let mount = dir.join("disk");
    std::fs::create_dir_all(&mount).expect("mkdir");
    let script = r#"d=$0 size=$1; shift
mount -t tmpfs -o "size=$size" tmpfs "$d" || exit 99
"$@" --out "$d/out"; rc=$?
test -e "$d/out/work" && echo "left: work"
test -f "$d/out/study.json" && echo "left: study.json"
exit $rc"#;
    let output = Command::new("unshare")
        .args(["-m", "sh", "-c", script, s(&mount), size, env!("CARGO_BIN_EXE_buildbench")])
        .args(args)
        .env("BUILDBENCH_STATE_DIR", dir.join("state"))
        .output()
        .expect("unshare runs");
    let text = stderr(&output);
    if output.status.code() == Some(99) || text.contains("unshare:") {
        require_or_skip("mount", &format!("cannot mount a tmpfs here: {text}"));
        return None;
    }
    let left = String::from_utf8_lossy(&output.stdout).into_owned();
    Some((output.status.code(), text, left.contains("left: work"), left.contains("left: study.json")))
}

#[test]
fn a_full_disk_during_the_copy_leaves_no_work_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    // 3 MB of text the copy cannot fit on a 2 MB disk.
    let line = "padding padding padding padding padding padding padding padding padding padding\n";
    std::fs::write(project.join("padding.txt"), line.repeat(3_000_000 / line.len())).expect("write");
    let args = Compare::new(&project).flag("--quiet").set("--linker", "default").set("--scenario", "clean");
    let Some((code, text, work, study)) = compare_on_a_small_disk(dir.path(), "2m", &args.set("--runs", "1").args())
    else {
        return;
    };
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("disk is full"), "{text}");
    assert!(!work, "work/ was removed: {text}");
    assert!(study, "the study so far stays: {text}");
}

#[test]
fn a_full_disk_during_a_build_stops_the_study_and_removes_its_work_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    // The copy fits on 4 MB; the first build's target directory does not. Even --keep-work
    // gives way: a full disk is freed.
    let args = Compare::new(&project)
        .flag("--quiet")
        .flag("--keep-work")
        .set("--linker", "default")
        .set("--scenario", "clean")
        .set("--runs", "1");
    let Some((code, text, work, study)) = compare_on_a_small_disk(dir.path(), "4m", &args.args()) else {
        return;
    };
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("disk is full"), "{text}");
    assert!(!work, "work/ was removed: {text}");
    assert!(study, "the study so far stays: {text}");
}

#[test]
fn sigterm_during_a_hanging_toolchain_probe_exits_130_at_once_and_leaves_no_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let out = dir.path().join("out");
    sigterm_during_a_probe(dir.path(), &Compare::quick(&project, &out).args());
    assert!(!out.exists(), "nothing was written");
    // `profile` turns a failed toolchain probe into "needs nightly": an interrupted one is
    // still an interrupt.
    sigterm_during_a_probe(dir.path(), &["profile", s(&project), "--quiet"]);
}

/// Runs buildbench with `args` and a `rustc` first on PATH that never answers, sends SIGTERM
/// while it hangs, and expects exit 130 within seconds and no process left.
fn sigterm_during_a_probe(dir: &Path, args: &[&str]) {
    use std::os::unix::fs::PermissionsExt as _;
    use std::time::{Duration, Instant};
    let fake = dir.join("fake-bin");
    let rustc = fake.join("rustc");
    std::fs::create_dir_all(&fake).expect("mkdir");
    std::fs::write(&rustc, "#!/bin/sh\nsleep 600\n").expect("write");
    std::fs::set_permissions(&rustc, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap_or_default());
    let mut child = with_state(&dir.join("state"))
        .args(args)
        .env("PATH", &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let rustc_line = rustc.display().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !processes_mentioning(&fake).iter().any(|p| p.contains(&rustc_line)) {
        assert!(Instant::now() < deadline, "the fake rustc never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let sent = Instant::now();
    while child.try_wait().expect("wait").is_none() && sent.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(20));
    }
    if child.try_wait().expect("wait").is_none() {
        // Still waiting for the probe: kill -9 (the watchdog then ends the probe) and fail.
        let _ = child.kill();
        let _ = child.wait();
        assert_no_process_left(&fake);
        panic!("{args:?}: SIGTERM during a probe was ignored for 15 s");
    }
    let output = child.wait_with_output().expect("output");
    assert_eq!(output.status.code(), Some(130), "{args:?}: {}", stderr(&output));
    assert!(sent.elapsed() < Duration::from_secs(5), "{args:?}: stopped in {:?}", sent.elapsed());
    assert_no_process_left(&fake);
}
