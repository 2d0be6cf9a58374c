//! Errors of the runner. Each names the file or command and what fixes it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("{path}: not a cargo project (no Cargo.toml); pass the directory that holds your project's Cargo.toml")]
    NotAProject { path: PathBuf },
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
    #[error("{path}: {action}: {source}")]
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    #[error("{0}")]
    Plan(String),
    #[error("interrupted; the study so far is saved in {out}; continue it with `buildbench compare --resume {out}`")]
    Interrupted { out: PathBuf },
}

impl RunnerError {
    pub(crate) fn io(path: impl Into<PathBuf>, action: &'static str) -> impl FnOnce(std::io::Error) -> RunnerError {
        let path = path.into();
        move |source| RunnerError::Io { path, action, source }
    }
}
