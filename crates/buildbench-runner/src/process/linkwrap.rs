//! The linker wrapper: a hidden mode of the buildbench binary that cargo uses as the linker.
//!
//! `compare` sets `target.<host>.linker` to the buildbench executable with
//! `BUILDBENCH_LINKER_MODE=time`; rustc then calls buildbench with the exact linker arguments,
//! and buildbench runs the real linker (`BUILDBENCH_REAL_LINKER`, default `cc`) with the same
//! arguments, the same standard streams and the same exit status, and appends one JSON line
//! (output file, seconds, exit status) to `BUILDBENCH_LINK_LOG`. The wrapper's own cost is one
//! extra process start (about a millisecond; measured in docs/link.md).
//!
//! With `BUILDBENCH_LINKER_MODE=capture`, it also copies the link's inputs that rustc deletes
//! afterwards (its temporary directory and the `.o` files) into `BUILDBENCH_LINK_CAPTURE` and
//! saves the command rewritten to use the copies, so `buildbench link` can replay the link alone.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Variables that make buildbench act as a linker.
pub const MODE: &str = "BUILDBENCH_LINKER_MODE";
pub const REAL: &str = "BUILDBENCH_REAL_LINKER";
pub const LOG: &str = "BUILDBENCH_LINK_LOG";
pub const CAPTURE: &str = "BUILDBENCH_LINK_CAPTURE";

/// One link as the wrapper saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// The `-o` file.
    pub output: PathBuf,
    pub seconds: f64,
    pub exit_code: Option<i32>,
}

/// A link command saved for replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedLink {
    pub cwd: PathBuf,
    /// The real linker driver (`cc`).
    pub program: PathBuf,
    /// Arguments, with deleted temporary inputs pointing at their copies.
    pub args: Vec<String>,
    /// The output file of the original link.
    pub output: PathBuf,
}

/// What the wrapper did as the linker: the linker's exit status, and the wrapper's own problems
/// for the CLI to print on stderr (rustc shows a failed link's stderr).
#[derive(Debug)]
pub struct Linked {
    pub code: i32,
    pub warnings: Vec<String>,
}

/// If this process was started as a linker, links and returns the exit status; otherwise `None`.
pub fn run_if_linker() -> Option<Linked> {
    let mut warnings = Vec::new();
    let mode = std::env::var(MODE).ok()?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let real = std::env::var_os(REAL).map_or_else(|| PathBuf::from("cc"), PathBuf::from);
    let strings: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let output = output_of(&strings).unwrap_or_default();
    if mode == crate::build::cargo::WrapperMode::Capture.as_str()
        && let Some(dir) = std::env::var_os(CAPTURE)
        && let Err(e) = capture(Path::new(&dir), &real, &strings, &output)
    {
        warnings.push(format!("buildbench linker wrapper: could not capture the link of {}: {e}", output.display()));
    }
    let started = Instant::now();
    let status = std::process::Command::new(&real).args(&args).status();
    let seconds = started.elapsed().as_secs_f64();
    let code = match &status {
        Ok(s) => s.code(),
        Err(e) => {
            warnings.push(format!("buildbench linker wrapper: cannot run the linker `{}`: {e}", real.display()));
            Some(127)
        }
    };
    if let Some(log) = std::env::var_os(LOG) {
        let record = LinkRecord { output, seconds, exit_code: code };
        if let Ok(mut line) = serde_json::to_vec(&record) {
            line.push(b'\n');
            // One short write with O_APPEND: links that run at the same time do not interleave.
            if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(&log) {
                let _ = file.write_all(&line);
            }
        }
    }
    Some(Linked { code: code.unwrap_or(1), warnings })
}

/// The file after `-o` (or glued as `-oFILE`).
pub fn output_of(args: &[String]) -> Option<PathBuf> {
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if a == "-o" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(rest) = a.strip_prefix("-o")
            && !rest.is_empty()
            && !a.starts_with("-or")
        {
            return Some(PathBuf::from(rest));
        }
    }
    None
}

/// Reads the link log of one build. Lines that do not parse are skipped.
pub fn read_log(path: &Path) -> Vec<LinkRecord> {
    std::fs::read_to_string(path).unwrap_or_default().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// Is `path` inside one of rustc's temporary directories (`.../rustcXXXXXX/...`)?
fn rustc_temp_dir(path: &Path) -> Option<PathBuf> {
    // rustc names them `rustc` followed by six random letters and digits.
    let is_temp = |n: &str| {
        n.strip_prefix("rustc").is_some_and(|rest| rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
    };
    path.ancestors().find(|a| a.file_name().and_then(|n| n.to_str()).is_some_and(is_temp)).map(Path::to_owned)
}

/// Copies of what rustc deletes after a link, made while one link is captured.
struct Keeper {
    inputs: PathBuf,
    /// rustc's temporary directories copied so far, and where.
    temps: Vec<(PathBuf, PathBuf)>,
    files: usize,
}

impl Keeper {
    /// The argument rewritten to point at copies of anything rustc deletes: a path inside one
    /// of rustc's temporary directories (symbols.o, a cdylib's version script, raw-dylib
    /// stubs), whole or after a prefix such as `-Wl,--version-script=` or `-L`; an object file
    /// of the crate being linked; and a response file `@FILE`, whose arguments are rewritten
    /// the same way.
    fn keep(&mut self, arg: &str, is_input: bool) -> std::io::Result<String> {
        if let Some(file) = arg.strip_prefix('@')
            && Path::new(file).is_file()
        {
            return self.keep_response_file(Path::new(file)).map(|copy| format!("@{}", copy.display()));
        }
        if let Some(at) = arg.find('/') {
            let (prefix, path) = arg.split_at(at);
            if let Some(temp) = rustc_temp_dir(Path::new(path)) {
                let copy = match self.temps.iter().find(|(from, _)| *from == temp) {
                    Some((_, to)) => to.clone(),
                    None => {
                        let to = self.inputs.join(format!("tmp{}", self.temps.len()));
                        crate::files::fsutil::copy_tree(&temp, &to, &[]).map_err(std::io::Error::other)?;
                        self.temps.push((temp.clone(), to.clone()));
                        to
                    }
                };
                let inside = Path::new(path).strip_prefix(&temp).unwrap_or(Path::new(""));
                return Ok(format!("{prefix}{}", copy.join(inside).display()));
            }
        }
        let path = Path::new(arg);
        if is_input && arg.ends_with(".o") && path.is_file() {
            // Object files of the crate being linked: rustc deletes them unless -C save-temps.
            self.files += 1;
            let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
            let to = self.inputs.join(format!("{}-{name}", self.files));
            std::fs::copy(path, &to)?;
            return Ok(to.display().to_string());
        }
        Ok(arg.to_owned())
    }

    /// A copy of the response file `file` with each of its arguments kept (one per line, with
    /// the backslash escapes rustc writes for a GNU-style driver).
    fn keep_response_file(&mut self, file: &Path) -> std::io::Result<PathBuf> {
        let text = std::fs::read_to_string(file)?;
        let mut out = String::new();
        for line in text.lines() {
            let arg = unescape(line);
            let kept = self.keep(&arg, !arg.starts_with('-'))?;
            out.push_str(&escape(&kept));
            out.push('\n');
        }
        self.files += 1;
        let to = self.inputs.join(format!("{}-response-file", self.files));
        std::fs::write(&to, out)?;
        Ok(to)
    }
}

fn unescape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next().unwrap_or('\\') } else { c });
    }
    out
}

fn escape(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len());
    for c in arg.chars() {
        if c == '\\' || c == ' ' || c == '"' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Copies what rustc will delete after the link and saves the rewritten command.
fn capture(dir: &Path, real: &Path, args: &[String], output: &Path) -> std::io::Result<()> {
    let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "link".to_owned());
    let inputs = dir.join(format!("{name}.inputs"));
    std::fs::create_dir_all(&inputs)?;
    let mut keeper = Keeper { inputs, temps: Vec::new(), files: 0 };
    let mut rewritten = Vec::with_capacity(args.len());
    let mut previous: Option<&str> = None;
    for arg in args {
        let is_input = !arg.starts_with('-') && previous != Some("-o");
        rewritten.push(if previous == Some("-o") { arg.clone() } else { keeper.keep(arg, is_input)? });
        previous = Some(arg);
    }
    let captured = CapturedLink {
        cwd: std::env::current_dir()?,
        program: real.to_owned(),
        args: rewritten,
        output: output.to_owned(),
    };
    let json = serde_json::to_vec_pretty(&captured).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(format!("{name}.json")), json)
}

/// Reads every captured link in `dir`.
pub fn captured(dir: &Path) -> Vec<CapturedLink> {
    let mut out: Vec<CapturedLink> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
        .collect();
    out.sort_by(|a, b| a.output.cmp(&b.output));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_output() {
        let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(output_of(&args(&["-m64", "a.o", "-o", "/t/app-1234", "-pie"])), Some(PathBuf::from("/t/app-1234")));
        assert_eq!(output_of(&args(&["-o/t/x"])), Some(PathBuf::from("/t/x")));
        assert_eq!(output_of(&args(&["a.o"])), None);
    }

    #[test]
    fn a_version_script_and_a_response_file_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join("rustcAbC123");
        std::fs::create_dir_all(&temp).unwrap();
        std::fs::write(temp.join("list"), "{ global: f; local: *; };").unwrap();
        std::fs::write(temp.join("symbols.o"), "o").unwrap();
        let response = dir.path().join("args");
        std::fs::write(
            &response,
            format!("{}\n-Wl,--version-script={}/list\n", temp.join("symbols.o").display(), temp.display()),
        )
        .unwrap();
        let capture_dir = dir.path().join("capture");
        let args = vec![
            format!("-Wl,--version-script={}/list", temp.display()),
            format!("@{}", response.display()),
            "-o".to_owned(),
            "/t/libx.so".to_owned(),
        ];
        capture(&capture_dir, Path::new("cc"), &args, Path::new("/t/libx.so")).unwrap();
        // rustc deletes its temporary directory after the link.
        std::fs::remove_dir_all(&temp).unwrap();
        let link = &captured(&capture_dir)[0];
        let script = link.args[0].strip_prefix("-Wl,--version-script=").unwrap();
        assert_eq!(std::fs::read_to_string(script).unwrap(), "{ global: f; local: *; };");
        let kept = std::fs::read_to_string(link.args[1].strip_prefix('@').unwrap()).unwrap();
        for line in kept.lines() {
            let path = line.rsplit('=').next().unwrap();
            assert!(Path::new(path).is_file(), "{path} is kept");
        }
        assert_eq!(link.args[3], "/t/libx.so");
    }

    #[test]
    fn recognises_rustc_temporary_directories() {
        assert_eq!(
            rustc_temp_dir(Path::new("/t/debug/deps/rustckuA8lu/symbols.o")),
            Some(PathBuf::from("/t/debug/deps/rustckuA8lu"))
        );
        assert_eq!(rustc_temp_dir(Path::new("/t/debug/deps/app.rcgu.o")), None);
        assert_eq!(rustc_temp_dir(Path::new("/src/rustc-perf/x.o")), None);
    }
}
