//! The one error type of the parsers. Callers add the file name.

/// Why a timing output could not be read. Every message says what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("the file is empty; expected {}", crate::EXPECTED)]
    Empty,
    #[error("the file is binary, not text; expected {}", crate::EXPECTED)]
    Binary,
    #[error("not a cargo timing output (found {found}); expected {}", crate::EXPECTED)]
    Unrecognized { found: String },
    #[error("truncated {format}: {detail}; the file was cut off, regenerate it")]
    Truncated { format: &'static str, detail: String },
    #[error("invalid {format} at line {line}: {message}")]
    Invalid { format: &'static str, line: usize, message: String },
}
