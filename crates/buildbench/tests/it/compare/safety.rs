//! The promises about the user's files, one test per way they were once broken, on real builds
//! of the example workspace: the project tree is byte-identical afterwards (contents and
//! modification times), no process, port or temporary folder is left, and the exit status and
//! message are the documented ones.

use super::*;

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
}

/// Runs buildbench with its own state folder (restore journals and project locks).
fn run_with_state(args: &[&str], state: &Path) -> Output {
    buildbench().env("BUILDBENCH_STATE_DIR", state).args(args).output().expect("buildbench runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_output_or_work_folder_overlapping_the_project_is_refused_and_nothing_is_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = dir.path().join("q");
    let project = q.join("work/proj");
    copy_dir(&fixture_project(), &project);
    std::fs::create_dir_all(q.join("sibling")).expect("mkdir");
    std::fs::write(q.join("sibling/notes.txt"), "an unrelated project").expect("write");
    let before = tree(&q);
    let cases = [
        (q.clone(), "contains the project"),
        (project.clone(), "is the project itself"),
        (project.join("results"), "lies inside the project"),
        (project.join("crates/app/../.."), "is the project itself"),
    ];
    for (out, relation) in &cases {
        let output = run(&["compare", s(&project), "--out", s(out), "--quiet"]);
        assert_eq!(output.status.code(), Some(2), "--out {}: {}", out.display(), stderr(&output));
        assert!(stderr(&output).contains(relation), "--out {}: {}", out.display(), stderr(&output));
        let output = run(&["link", s(&project), "--work", s(out), "--runs", "2", "--quiet"]);
        assert_eq!(output.status.code(), Some(2), "--work {}: {}", out.display(), stderr(&output));
        assert!(stderr(&output).contains(relation), "{}", stderr(&output));
    }
    // `--out .` from the project root.
    let output = buildbench().current_dir(&project).args(["compare", "--out", ".", "--quiet"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(tree(&q), before, "nothing under the parent folder changed");
}

#[test]
fn a_work_folder_holding_user_files_is_never_emptied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let work = dir.path().join("mine");
    std::fs::create_dir_all(work.join("src")).expect("mkdir");
    std::fs::write(work.join("src/important.rs"), "// keep me").expect("write");
    let output = run(&["link", s(&project), "--work", s(&work), "--runs", "2", "--quiet"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("not created by buildbench"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(work.join("src/important.rs")).expect("kept"), "// keep me");
    // The same for an output folder with someone else's files.
    let output = run(&["compare", s(&project), "--out", s(&work), "--quiet"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(work.join("src/important.rs").is_file());
}

#[test]
fn a_symlinked_source_file_is_never_edited_through_the_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let main = project.join("crates/app/src/main.rs");
    std::fs::rename(&main, outside.join("real_main.rs")).expect("move");
    std::os::unix::fs::symlink(outside.join("real_main.rs"), &main).expect("symlink");
    let (before, before_outside) = (tree(&project), tree(&outside));
    let out = dir.path().join("out");
    let output = run(&Compare::new(&project)
        .set("--linker", "default")
        .set("--scenario", "incremental")
        .set("--runs", "2")
        .set("--warmup", "0")
        .set("--out", s(&out))
        .flag("--quiet")
        .args());
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(tree(&outside), before_outside, "the file behind the link is untouched, mtime included");
    assert_eq!(tree(&project), before);
    // In place, editing it would change a file outside the project: refused before building.
    let output = run(&["compare", s(&project), "--in-place", "--scenario", "incremental", "--dry-run"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("outside the project"), "{}", stderr(&output));
}

/// An `--in-place` study of the incremental scenario with `runs` samples.
fn in_place(project: &Path, out: &Path, runs: &str) -> Compare {
    Compare::quick(project, out).flag("--in-place").set("--scenario", "incremental").set("--runs", runs)
}

fn start_with_state(args: &[&str], state: &Path, out: &Path, samples: usize) -> Child {
    let mut command = buildbench();
    command.env("BUILDBENCH_STATE_DIR", state).args(args);
    start_until(command, out, samples)
}

/// Waits (a minute at most) until `file` holds `edit`, the mark of buildbench's edit.
fn wait_until_edited(file: &Path, edit: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(file).expect("the edited file").contains(edit) {
        assert!(Instant::now() < deadline, "{edit} never came");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn sighup_sigterm_and_sigquit_restore_in_place_edits_and_leave_no_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let state = dir.path().join("state");
    let before = tree(&project);
    for (i, name) in ["HUP", "TERM", "QUIT"].into_iter().enumerate() {
        let out = dir.path().join(format!("out-{i}"));
        let child = start_with_state(&in_place(&project, &out, "50").args(), &state, &out, 1);
        signal(&child, name);
        let output = child.wait_with_output().expect("wait");
        assert_eq!(output.status.code(), Some(130), "SIG{name}: {}", stderr(&output));
        assert_eq!(tree(&project), before, "SIG{name}: the edited file is restored, bytes and mtime");
        assert_no_process_left(&out);
    }
    assert!(!state.join("journals").read_dir().is_ok_and(|mut d| d.next().is_some()), "no journal left");
}

#[test]
fn after_kill_9_any_later_run_restores_first_and_nothing_keeps_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let state = dir.path().join("state");
    let before = tree(&project);
    let out = dir.path().join("out");
    let main = project.join("crates/app/src/main.rs");
    let mut child = start_with_state(&in_place(&project, &out, "50").args(), &state, &out, 1);
    // Kill it while the file is edited (every incremental sample follows an edit).
    wait_until_edited(&main, "buildbench_edit");
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    // The watchdog stops cargo and rustc at once.
    assert_no_process_left(&out);
    assert!(std::fs::read_to_string(&main).expect("main.rs").contains("buildbench_edit"), "left edited by the kill");

    // A new run, in a new output folder and without --resume, puts the file back first and
    // measures the project as it really is.
    let out2 = dir.path().join("out2");
    let output = run_with_state(&in_place(&project, &out2, "1").args(), &state);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("restored"), "{}", stderr(&output));
    assert_eq!(tree(&project), before);

    // `buildbench restore` does the same on its own.
    let out3 = dir.path().join("out3");
    let mut child = start_with_state(&in_place(&project, &out3, "50").args(), &state, &out3, 1);
    wait_until_edited(&main, "buildbench_edit");
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let output = run_with_state(&["restore", s(&project)], &state);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("restored"), "{}", stderr(&output));
    assert_eq!(tree(&project), before);
    assert_no_process_left(&out3);
}

#[test]
fn a_file_saved_during_an_in_place_run_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let state = dir.path().join("state");
    let out = dir.path().join("out");
    let main = project.join("crates/app/src/main.rs");
    let child = start_with_state(&in_place(&project, &out, "50").args(), &state, &out, 1);
    // Save while a build runs (just after an edit), as an editor does: a new file renamed over
    // the old one. (A save in the very microsecond of buildbench's own edit cannot be told
    // apart; that is not what this test is about.)
    wait_until_edited(&main, "buildbench_edit_2");
    std::thread::sleep(Duration::from_millis(30));
    let mine = "fn main() { println!(\"the user's own work\"); }\n";
    let saved = main.with_extension("rs.tmp");
    std::fs::write(&saved, mine).expect("the user saves the file");
    std::fs::rename(&saved, &main).expect("the editor replaces the file");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("changed while buildbench was running"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&main).expect("main.rs"), mine, "the user's version is kept");
    assert_no_process_left(&out);
}

#[test]
fn a_read_only_project_is_refused_before_anything_is_built() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let state = dir.path().join("state");
    let before = tree(&project);
    let out = dir.path().join("out");
    let mut args = vec![s(&project).to_owned(), buildbench_path(), s(&state).to_owned()];
    args.extend(in_place(&project, &out, "1").args().iter().map(|a| (*a).to_owned()));
    // A read-only bind mount in a private mount namespace: even root cannot write there.
    let output = Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(r#"p=$0 bb=$1 st=$2; shift 2; mount --bind -o ro "$p" "$p" && BUILDBENCH_STATE_DIR="$st" exec "$bb" "$@""#)
        .args(&args)
        .output()
        .expect("unshare runs");
    let text = stderr(&output);
    if output.status.code() != Some(2) && (text.contains("unshare") || text.contains("mount")) {
        require_or_skip("mount", &format!("cannot make a read-only mount here: {text}"));
        return;
    }
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("not writable"), "{text}");
    // Refused before the output folder was made: nothing was built, and no empty folder is left.
    assert!(!out.exists(), "no output folder left by a refused run");
    assert!(!state.join("journals").read_dir().is_ok_and(|mut d| d.next().is_some()), "no journal left");
    assert_eq!(tree(&project), before);
}

fn buildbench_path() -> String {
    env!("CARGO_BIN_EXE_buildbench").to_owned()
}

#[test]
fn resume_takes_the_project_from_the_study_and_refuses_another() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let other = dir.path().join("other");
    copy_dir(&fixture_project(), &other);
    let out = dir.path().join("out");
    let output = run(&Compare::quick(&project, &out).args());
    assert!(output.status.success(), "{}", stderr(&output));
    // From anywhere, without a project: the study's own.
    let output = buildbench().current_dir(dir.path()).args(["compare", "--resume", s(&out), "--quiet"]).output();
    let output = output.expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    // With another project: refused, nothing measured into the study.
    let samples = study(&out)["samples"].as_array().map(Vec::len);
    let output = run(&["compare", s(&other), "--resume", s(&out), "--quiet"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("the study being resumed measured"), "{}", stderr(&output));
    assert_eq!(study(&out)["samples"].as_array().map(Vec::len), samples);
}

#[test]
fn two_runs_on_one_output_folder_are_refused_with_the_holders_pid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let out = dir.path().join("out");
    let long = Compare::quick(&project, &out).set("--scenario", "noop").set("--runs", "200");
    let child = start_and_wait(&long.args(), &out, 1);
    let output = run(&["compare", "--resume", s(&out), "--quiet"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("in use by another buildbench run (PID {})", child.id())),
        "{}",
        stderr(&output)
    );
    interrupt(&child);
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert_eq!(study(&out)["samples"].as_array().map(Vec::len).map(|n| n >= 1), Some(true));
}

#[test]
fn the_private_sccache_server_is_stopped_after_kill_9() {
    if !has("sccache") {
        require_or_skip("sccache", "sccache is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let out = dir.path().join("out");
    let study = Compare::quick(&project, &out).set("--cache", "sccache").set("--scenario", "noop").set("--runs", "200");
    let mut child = start_and_wait(&study.args(), &out, 1);
    let ports: Vec<(PathBuf, u16)> =
        serde_json::from_slice(&std::fs::read(out.join("work/sccache-ports.json")).expect("ports recorded"))
            .expect("ports");
    assert!(!ports.is_empty());
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    assert_no_process_left(&out);
    for (_, port) in ports {
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "port {port} still listening");
    }
}

#[test]
fn every_exit_path_removes_the_temporary_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    let link = |extra: &[&str]| {
        buildbench()
            .env("TMPDIR", &tmp)
            .args(["link", s(&project), "--linker", "default", "--runs", "2", "--quiet"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let leftovers = || -> Vec<PathBuf> {
        std::fs::read_dir(&tmp).expect("tmp").flatten().map(|e| e.path()).filter(|p| !p.starts_with(&project)).collect()
    };
    // Success.
    let output = link(&[]).wait_with_output().expect("wait");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(leftovers(), Vec::<PathBuf>::new(), "after success");
    // Failure: a project that does not build.
    let broken = dir.path().join("broken");
    copy_dir(&fixture_project(), &broken);
    std::fs::write(broken.join("crates/core/src/lib.rs"), "pub fn f() -> u32 { \"x\" }\n").expect("write");
    let output =
        buildbench().env("TMPDIR", &tmp).args(["link", s(&broken), "--runs", "2", "--quiet"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(leftovers(), Vec::<PathBuf>::new(), "after a failed build");
    // SIGINT and SIGKILL while the capture build runs.
    for kill in [false, true] {
        let mut child = link(&[]);
        let deadline = Instant::now() + Duration::from_secs(60);
        while leftovers().is_empty() {
            assert!(Instant::now() < deadline, "no temporary folder seen");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(300));
        if kill {
            child.kill().expect("SIGKILL");
            child.wait().expect("wait");
        } else {
            interrupt(&child);
            let status = child.wait().expect("wait");
            assert_eq!(status.code(), Some(130), "an interrupted link exits 130");
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while !leftovers().is_empty() {
            assert!(
                Instant::now() < deadline,
                "left behind after {}: {:?}",
                if kill { "SIGKILL" } else { "SIGINT" },
                leftovers()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_no_process_left(&tmp);
    }
}

#[test]
fn an_unusable_toolchain_is_named_and_its_install_hint_is_shell_quoted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    let output = run(&["compare", s(&project), "--toolchain", "nightly; rm -rf /", "--linker", "default", "--dry-run"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("rustup toolchain install 'nightly; rm -rf /' --profile minimal"), "{text}");
}

#[test]
fn kill_9_during_a_hanging_build_leaves_no_process_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    // A build script that would run for ten minutes: only the watchdog can end it in time.
    std::fs::write(
        project.join("crates/app/build.rs"),
        "fn main() { std::thread::sleep(std::time::Duration::from_secs(600)); }\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let mut child = buildbench()
        .args(Compare::quick(&project, &out).args())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !processes_mentioning(&out).iter().any(|p| p.contains("build-script-build")) {
        assert!(Instant::now() < deadline, "the build script never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let killed = Instant::now();
    assert_no_process_left(&out);
    assert!(killed.elapsed() < Duration::from_secs(5), "the build was stopped, not waited for");
}
