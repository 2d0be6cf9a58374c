//! A command as a value: program, arguments, environment and working directory.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

/// One process to run, printable exactly as a shell line before it is spawned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// Variables set on top of the inherited environment, in the order they were added.
    pub env: Vec<(String, OsString)>,
    /// Variables removed from the inherited environment.
    pub env_remove: Vec<String>,
    pub cwd: Option<PathBuf>,
    /// The process group is killed once this much time has passed (a binary that never ends).
    pub timeout: Option<std::time::Duration>,
    /// A cargo build whose units' CPU time is to be followed (`cpu::Poller`).
    pub poll_units: bool,
}

impl Invocation {
    pub fn new(program: impl Into<PathBuf>) -> Invocation {
        Invocation {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            env_remove: Vec::new(),
            cwd: None,
            timeout: None,
            poll_units: false,
        }
    }

    /// Follows the CPU time of every unit the cargo build starts (see `cpu`).
    pub fn poll_units(mut self) -> Invocation {
        self.poll_units = true;
        self
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Invocation {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Invocation {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets a variable; a later value for the same name replaces the earlier one.
    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Invocation {
        self.env.retain(|(k, _)| k != key);
        self.env_remove.retain(|k| k != key);
        self.env.push((key.to_owned(), value.into()));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Invocation {
        self.env.retain(|(k, _)| k != key);
        if !self.env_remove.iter().any(|k| k == key) {
            self.env_remove.push(key.to_owned());
        }
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Invocation {
        self.cwd = Some(dir.into());
        self
    }

    pub fn timeout(mut self, limit: std::time::Duration) -> Invocation {
        self.timeout = Some(limit);
        self
    }

    /// The exact shell line: `cd DIR && env -u X A=1 program args...`, every word quoted as needed.
    pub fn shell_line(&self) -> String {
        let mut words = Vec::new();
        if let Some(cwd) = &self.cwd {
            words.push(format!("cd {} &&", shell_quote(&cwd.to_string_lossy())));
        }
        if !self.env_remove.is_empty() {
            words.push("env".to_owned());
            words.extend(self.env_remove.iter().map(|k| format!("-u {}", shell_quote(k))));
        }
        for (key, value) in &self.env {
            words.push(format!("{key}={}", shell_quote(&value.to_string_lossy())));
        }
        words.push(shell_quote(&self.program.to_string_lossy()));
        words.extend(self.args.iter().map(|a| shell_quote(&a.to_string_lossy())));
        words.join(" ")
    }

    /// The `std::process::Command` that runs this invocation.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        for key in &self.env_remove {
            command.env_remove(key);
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        if let Some(cwd) = &self.cwd {
            command.current_dir(cwd);
        }
        command
    }
}

/// Quotes `word` for a POSIX shell only when it needs it.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c));
    if plain { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_exactly_what_runs() {
        let inv = Invocation::new("cargo")
            .args(["build", "--config", "profile.dev.debug=false"])
            .env("CARGO_TARGET_DIR", "/tmp/t d")
            .env_remove("RUSTFLAGS")
            .cwd("/p");
        assert_eq!(
            inv.shell_line(),
            "cd /p && env -u RUSTFLAGS CARGO_TARGET_DIR='/tmp/t d' cargo build --config profile.dev.debug=false"
        );
    }

    #[test]
    fn quotes_what_the_shell_would_split_or_expand() {
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
        assert_eq!(shell_quote("-Clink-arg=-Wl,--as-needed"), "-Clink-arg=-Wl,--as-needed");
    }

    #[test]
    fn the_command_runs_with_the_environment_shown() {
        let inv = Invocation::new("sh").args(["-c", "printf %s \"$BB_X\""]).env("BB_X", "first").env("BB_X", "second");
        let out = inv.command().output().expect("sh runs");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "second");
    }
}
