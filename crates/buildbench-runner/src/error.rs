//! Errors of the runner. Each names the file or command and what fixes it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("{path}: not a cargo project (no Cargo.toml); pass the directory that holds your project's Cargo.toml")]
    NotAProject { path: PathBuf },
    #[error(
        "-Zself-profile needs a nightly toolchain, and `{toolchain}` is not one ({found}); install one with \
         `rustup toolchain install nightly --profile minimal`, or name yours with --toolchain"
    )]
    NeedsNightly { toolchain: String, found: String },
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
    #[error("{path}: {action}: {error}")]
    Io { path: PathBuf, action: &'static str, error: std::io::Error },
    #[error(
        "{path}: {kind}, not a regular file; buildbench reads only files (a pipe or device could block or never end), so name a file or replace it with one"
    )]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("{path}: {bytes} bytes, more than the {} MiB buildbench reads; name the right file", .limit >> 20)]
    TooLarge { path: PathBuf, bytes: u64, limit: u64 },
    #[error("{path}: {problem}")]
    Study { path: PathBuf, problem: String },
    #[error(
        "the study being resumed measured {recorded}, not {given}; run `buildbench compare --resume OUT` without \
         a project, or from that project"
    )]
    OtherProject { recorded: PathBuf, given: PathBuf },
    #[error(
        "path dependencies outside the workspace ({}) would break in a copy of the project; run with \
         --in-place (edited files are restored afterwards)",
        .paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NeedsInPlace { paths: Vec<PathBuf> },
    #[error(
        "path dependencies outside the workspace ({}) would break in the copy of the project that \
         `buildbench profile` builds; profile a workspace whose root holds them",
        .paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    OutsideWorkspace { paths: Vec<PathBuf> },
    #[error("{path}: {problem}")]
    EditFile { path: PathBuf, problem: String },
    /// `buildbench apply` refused to write into the project.
    #[error("{path}: {problem}")]
    Apply { path: PathBuf, problem: String },
    #[error(
        "{path}: not writable, so --in-place could not edit and restore it; run without --in-place (a copy \
         of the project is measured) or make it writable"
    )]
    NotWritable { path: PathBuf },
    #[error("cannot encode the {what}: {detail}")]
    Encode { what: &'static str, detail: String },
    #[error("{path}: unreadable restore journal ({detail}); check the files it names by hand, then delete it")]
    Journal { path: PathBuf, detail: String },
    #[error(
        "no final binary or cdylib was linked{}; `buildbench link` needs a bin or cdylib target (see --bin and -p)",
        .bin.as_deref().map(|b| format!(" for --bin {b}")).unwrap_or_default()
    )]
    NoLinkTarget { bin: Option<String> },
    #[error("{what} {dir} {relation} {project}; buildbench never writes into your project: {hint}")]
    Overlap { what: String, dir: PathBuf, relation: &'static str, project: PathBuf, hint: String },
    #[error(
        "{what} {dir}: the folder is not empty and was not created by buildbench, which would delete its \
         contents; pass a new or empty folder"
    )]
    NotOwned { what: String, dir: PathBuf },
    #[error("{holder}; wait for it to finish or stop it first (lock file {path})")]
    Locked { path: PathBuf, holder: String },
    #[error(
        "{path} changed while buildbench was running (not by buildbench); your version is kept and the study \
         stopped; continue it with `buildbench compare --resume {out}`"
    )]
    ChangedByUser { path: PathBuf, out: PathBuf },
    #[error("{problem}")]
    Revision { problem: String },
    #[error("interrupted{}", resume_hint(.out.as_deref()))]
    Interrupted { out: Option<PathBuf> },
    #[error(
        "the project does not build as it is: the first build ({configuration}) failed in its own source, so every configuration would fail the same way; fix it and run again.\n\n{diagnostic}\n\nfull log: {}\ncommand: {command}",
        .log.display()
    )]
    ProjectDoesNotBuild { configuration: String, diagnostic: String, log: PathBuf, command: String },
    #[error(
        "the disk is full ({during}); buildbench removed its work folder {} (the copy and the target \
         directories) so the disk is not kept full; free some space, then continue the study saved in {} with \
         `buildbench compare --resume {}`",
        .work.display(),
        .out.display(),
        crate::shell_quote(&.out.to_string_lossy())
    )]
    DiskFull { during: String, work: PathBuf, out: PathBuf },
}

impl RunnerError {
    /// Did this fail because the disk (or the user's quota) is full?
    pub fn disk_full(&self) -> bool {
        match self {
            RunnerError::DiskFull { .. } => true,
            RunnerError::Io { error, .. } => {
                matches!(error.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
            }
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, action: &'static str) -> impl FnOnce(std::io::Error) -> RunnerError {
        let path = path.into();
        move |error| RunnerError::Io { path, action, error }
    }
}

fn resume_hint(out: Option<&std::path::Path>) -> String {
    out.map(|out| {
        let quoted = crate::shell_quote(&out.to_string_lossy());
        format!(
            "; the study so far is saved in {}; continue it with `buildbench compare --resume {quoted}`",
            out.display()
        )
    })
    .unwrap_or_default()
}
