//! Errors of the runner. Each names the file or command and what fixes it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("{path}: not a cargo project (no Cargo.toml); pass the directory that holds your project's Cargo.toml")]
    NotAProject { path: PathBuf },
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
    #[error("{path}: {action}: {error}")]
    Io { path: PathBuf, action: &'static str, error: std::io::Error },
    #[error("{0}")]
    Plan(String),
    #[error("{what} {dir} {relation} {project}; buildbench never writes into your project: {hint}")]
    Overlap { what: String, dir: PathBuf, relation: &'static str, project: PathBuf, hint: String },
    #[error(
        "{what} {dir}: the folder is not empty and was not created by buildbench, which would delete its \
         contents; pass a new or empty folder"
    )]
    NotOwned { what: String, dir: PathBuf },
    #[error("{path}: {holder}; wait for it to finish or stop it first")]
    Locked { path: PathBuf, holder: String },
    #[error(
        "{path} changed while buildbench was running (not by buildbench); your version is kept and the study \
         stopped; continue it with `buildbench compare --resume {out}`"
    )]
    ChangedByUser { path: PathBuf, out: PathBuf },
    #[error("interrupted{}", resume_hint(.out.as_deref()))]
    Interrupted { out: Option<PathBuf> },
}

impl RunnerError {
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
