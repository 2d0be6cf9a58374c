//! What the end-to-end tests share: paths, the executable, tree snapshots, tool checks, and a
//! builder for `compare` arguments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bundled example workspace.
pub fn fixture_project() -> PathBuf {
    root().join("fixtures/projects/example-workspace")
}

/// A private copy of the example project in `dir/project`, so tests never share state.
pub fn project_copy(dir: &Path) -> PathBuf {
    let to = dir.join("project");
    copy_dir(&fixture_project(), &to);
    to
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        if entry.file_name() == "target" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file under `root` with its bytes and modification time: "byte-identical" made testable.
pub fn tree(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let modified = std::fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
                out.insert(
                    path.strip_prefix(root).expect("inside").to_owned(),
                    (std::fs::read(&path).expect("read"), modified),
                );
            }
        }
    }
    out
}

/// The `buildbench` executable, ready for arguments.
pub fn buildbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_buildbench"))
}

/// Builds of different tests share two cores. The one test that compares two clocks of the
/// same link (the wrapper's and cargo's) runs its builds alone: it takes this lock for writing,
/// every other `run` for reading.
pub static MACHINE: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Runs `buildbench ARGS` to the end.
pub fn run(args: &[&str]) -> Output {
    let _shared = MACHINE.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    buildbench().args(args).output().expect("buildbench runs")
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Is `program` on PATH?
pub fn has(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// Says "skipped: why" for a test that needs `tool` and this machine lacks it, or fails when
/// CI requires it: `BUILDBENCH_REQUIRE_TOOLS` lists the tools `.ci/run` installed (comma
/// separated, or `all`), so nothing it installed is ever skipped silently.
pub fn require_or_skip(tool: &str, why: &str) {
    let required = std::env::var("BUILDBENCH_REQUIRE_TOOLS").unwrap_or_default();
    let listed = required.split(',').map(str::trim).any(|t| t == tool || t == "all");
    assert!(!listed, "{tool} is required here (BUILDBENCH_REQUIRE_TOOLS={required}) but: {why}");
    eprintln!("skipped: {why}");
}

/// The arguments of one `buildbench compare`, built up as a test needs them.
pub struct Compare {
    args: Vec<String>,
    /// After `--`: cargo's arguments.
    cargo: Vec<String>,
}

impl Compare {
    /// `compare PROJECT --out OUT`, one measured sample of the default linker's clean build, no
    /// warm-up, quiet: the smallest real study. Later calls replace these settings.
    pub fn quick(project: &Path, out: &Path) -> Compare {
        Compare::new(project)
            .set("--out", s(out))
            .flag("--quiet")
            .set("--linker", "default")
            .set("--scenario", "clean")
            .set("--runs", "1")
            .set("--warmup", "0")
    }

    /// `compare PROJECT` with buildbench's defaults.
    pub fn new(project: &Path) -> Compare {
        Compare { args: vec!["compare".to_owned(), s(project).to_owned()], cargo: Vec::new() }
    }

    /// Sets `flag` to `value`, replacing an earlier value.
    pub fn set(mut self, flag: &str, value: &str) -> Compare {
        if let Some(i) = self.args.iter().position(|a| a == flag) {
            self.args[i + 1] = value.to_owned();
        } else {
            self.args.extend([flag.to_owned(), value.to_owned()]);
        }
        self
    }

    /// Adds a flag without a value (`--in-place`, `--allow-partial`).
    pub fn flag(mut self, flag: &str) -> Compare {
        self.args.push(flag.to_owned());
        self
    }

    /// Cargo arguments, passed after `--`.
    pub fn cargo(mut self, args: &[&str]) -> Compare {
        self.cargo.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    pub fn args(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.args.iter().map(String::as_str).collect();
        if !self.cargo.is_empty() {
            out.push("--");
            out.extend(self.cargo.iter().map(String::as_str));
        }
        out
    }
}

/// Processes that mention `path` in their command line, working directory or environment
/// (cargo, rustc, linkers and sccache servers of a test all do).
pub fn processes_mentioning(path: &Path) -> Vec<String> {
    let needle = path.to_string_lossy().into_owned();
    let mut found = Vec::new();
    let me = std::process::id().to_string();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.chars().all(|c| c.is_ascii_digit()) || name == me {
            continue;
        }
        let dir = entry.path();
        let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        let environ = std::fs::read(dir.join("environ")).unwrap_or_default();
        let cwd = std::fs::read_link(dir.join("cwd")).unwrap_or_default();
        let text = |b: &[u8]| String::from_utf8_lossy(b).replace('\0', " ");
        if text(&cmdline).contains(&needle) || text(&environ).contains(&needle) || cwd.starts_with(path) {
            found.push(format!("{name}: {}", text(&cmdline)));
        }
    }
    found
}

/// Waits (a few seconds at most) until no process mentions `path`.
pub fn assert_no_process_left(path: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let left = processes_mentioning(path);
        if left.is_empty() {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "processes left behind: {left:#?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Is a nightly toolchain installed? Says "skipped: ..." (or fails where CI requires one) when not.
pub fn nightly() -> bool {
    let ok = Command::new("rustc").args(["+nightly", "-V"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        require_or_skip("nightly", "no nightly toolchain (rustup toolchain install nightly --profile minimal)");
    }
    ok
}

/// Sends SIGINT (Ctrl-C) to `child`.
pub fn interrupt(child: &std::process::Child) {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
}

/// Runs git in `repo` with a fixed identity; panics with git's message when it fails.
pub fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "user.name=buildbench tests", "-c", "user.email=tests@buildbench.invalid"])
        .args(["-c", "protocol.file.allow=always", "-c", "init.defaultBranch=main"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The example project as a git repository in `dir/repo`, its files in one commit ("base").
pub fn git_project(dir: &Path) -> PathBuf {
    let repo = dir.join("repo");
    copy_dir(&fixture_project(), &repo);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    repo
}

/// Appends `text` to `file` in `repo` and commits it with `message`.
pub fn commit_append(repo: &Path, file: &str, text: &str, message: &str) {
    let path = repo.join(file);
    let mut contents = std::fs::read_to_string(&path).expect("read");
    contents.push_str(text);
    std::fs::write(&path, contents).expect("write");
    git(repo, &["commit", "-q", "-a", "-m", message]);
}
