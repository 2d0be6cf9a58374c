//! Never lose a user's file, round three (issue 24's rest): every file the user names, and
//! every cargo configuration file of the project, goes through one bounded reader that refuses
//! pipes and devices by name before opening them.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs buildbench with `args` and a private state folder; a run that has not ended after 60 s
/// is killed and fails the test (it hung on a pipe).
fn within_a_minute(state: &Path, args: &[&str]) -> Output {
    let mut child = buildbench()
        .env("BUILDBENCH_STATE_DIR", state)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("buildbench {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn a_named_pipe_as_the_projects_cargo_config_is_refused_by_name_in_every_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project_copy(dir.path());
    std::fs::create_dir_all(project.join(".cargo")).expect("mkdir");
    let config = project.join(".cargo/config.toml");
    mkfifo(&config);
    let state = dir.path().join("state");
    let out = dir.path().join("out");
    let study = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/studies/example-claims-nightly.json");
    let commands: [Vec<&str>; 5] = [
        vec!["compare", s(&project), "--out", s(&out), "--dry-run"],
        vec!["apply", study, "--configuration", "mold", "--project", s(&project), "--force"],
        vec!["profile", s(&project)],
        vec!["link", s(&project)],
        vec!["doctor", s(&project)],
    ];
    for args in commands {
        let output = within_a_minute(&state, &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        let err = stderr(&output);
        assert!(err.contains(s(&config)) && err.contains("named pipe"), "{args:?}: {err}");
    }
    assert!(!out.exists(), "a refused run leaves no output folder");
}

#[test]
fn devices_and_pipes_named_as_inputs_are_refused_by_name_before_they_are_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let fifo = dir.path().join("pipe.json");
    mkfifo(&fifo);
    let project = fixture_project();
    let study = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/studies/example-claims-nightly.json");
    let out = dir.path().join("out");
    let cases: [(Vec<&str>, &str, &str); 6] = [
        // Read up to 512 MiB of zeros before; now refused without reading a byte.
        (vec!["compare", s(&project), "--config-file", "/dev/zero", "--dry-run"], "/dev/zero", "character device"),
        (
            vec!["compare", s(&project), "--config-file", s(&fifo), "--dry-run", "--out", s(&out)],
            s(&fifo),
            "named pipe",
        ),
        (vec!["report", "/dev/zero"], "/dev/zero", "character device"),
        (vec!["report", s(&fifo)], s(&fifo), "named pipe"),
        // The history's header check read the whole file: a pipe blocked it forever.
        (vec!["history", "add", "--db", s(&fifo), study], s(&fifo), "not a regular file"),
        (vec!["history", "add", "--db", "/dev/zero", study], "/dev/zero", "not a regular file"),
    ];
    for (args, file, what) in cases {
        let output = within_a_minute(&state, &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        let err = stderr(&output);
        assert!(err.contains(file) && err.contains(what), "{args:?}: {err}");
    }
}
