//! `--format` and `-o FILE` for every command: one vocabulary (`buildbench_report::export::Format`,
//! the same words everywhere), each command naming the subset it can produce. A format outside
//! it is refused with the list of those it accepts.

use std::path::Path;

use buildbench_report::export::Format::{self, Html};
use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;

/// What each command writes, by `--format` (and, where a command has one, by `-o FILE`).
pub mod accepts {
    use super::*;

    /// `compare` and `report`: a study in every format (each has a study exporter, so a new
    /// format reaches them without a word here).
    pub const STUDY: &[Format] = &Format::ALL;
    /// The commands that build a view (`buildbench_report::view::View`): every format, their
    /// view through each format's exporter and their own JSON value (so a new format reaches
    /// them without a word here): `link`, `diff`, `gate`, `doctor`, `whatif`, `profile`, `timings`,
    /// `history show`, `history report` (`-o FILE`) and `history gate`.
    pub const VIEW: &[Format] = &Format::ALL;
    /// `timings -o FILE`: the timeline page (or `.svg`, the chart alone, which is no format).
    pub const TIMELINE: &[Format] = &[Html];
}

/// The commands whose `--format` names the format of `-o FILE` (elsewhere `--format` is what
/// goes to stdout, and `-o FILE` takes its format from the extension alone).
const NAMED_BY_FORMAT: &[&str] = &["report"];

/// The `--format` value parser of a command: `command` (for the error) writes `accepted`.
#[derive(Debug, Clone, Copy)]
pub struct Parser {
    command: &'static str,
    accepted: &'static [Format],
}

/// `--format` of `command`, which writes `accepted`; any case, and the aliases (`markdown`).
pub fn parser(command: &'static str, accepted: &'static [Format]) -> Parser {
    Parser { command, accepted }
}

impl TypedValueParser for Parser {
    type Value = Format;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Format, clap::Error> {
        let text = value.to_string_lossy();
        match Format::parse(&text) {
            Some(f) if self.accepted.contains(&f) => Ok(f),
            _ => Err(clap::Error::raw(
                ErrorKind::InvalidValue,
                format!("{}\n", refusal(self.command, &text, self.accepted)),
            )),
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            self.accepted.iter().map(|f| PossibleValue::new(f.as_str()).aliases(f.aliases().iter().copied())),
        ))
    }
}

/// `--format pdf: \`buildbench report\` writes table, json, md, html or csv`.
fn refusal(command: &str, asked: &str, accepted: &[Format]) -> String {
    format!("--format {asked}: `buildbench {command}` writes {}", Format::list(accepted))
}

/// The format of `-o FILE`: `--format` when given, else the file's extension (the one place
/// that reads it, `Format::from_extension`); refused, naming what `command` writes, when the
/// extension names none or one the command cannot produce.
pub fn of_output(command: &str, file: &Path, given: Option<Format>, accepted: &[Format]) -> anyhow::Result<Format> {
    if let Some(f) = given {
        return Ok(f);
    }
    let extensions: Vec<String> = accepted.iter().flat_map(|f| f.extensions()).map(|e| format!(".{e}")).collect();
    match Format::from_extension(file) {
        Some(f) if accepted.contains(&f) => Ok(f),
        found => {
            let ext = file.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
            let what = match found {
                Some(f) => format!("the extension {ext:?} is {f}"),
                None => format!("cannot tell the format from the extension {ext:?}"),
            };
            let way_out = if accepted.len() > 1 && NAMED_BY_FORMAT.contains(&command) {
                format!("; name it with --format {}", accepted.iter().map(|f| f.as_str()).collect::<Vec<_>>().join("|"))
            } else {
                String::new()
            };
            anyhow::bail!(
                "{}: {what}, and `buildbench {command}` writes {} (use {}){way_out}",
                file.display(),
                Format::list(accepted),
                extensions.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use buildbench_report::export::Format::Md;

    use super::*;

    #[test]
    fn a_format_a_command_cannot_write_is_refused_with_what_it_writes() {
        let err = of_output("report", Path::new("r.pdf"), None, accepts::STUDY).unwrap_err().to_string();
        assert!(err.contains("`buildbench report` writes table, json, md, html or csv"), "{err}");
        assert!(err.contains("--format table|json|md|html|csv"), "{err}");
        assert!(!err.contains("  "), "{err}");
        let err = of_output("timings", Path::new("t.md"), None, accepts::TIMELINE).unwrap_err().to_string();
        assert!(err.contains("the extension \"md\" is md, and `buildbench timings` writes html"), "{err}");
        assert_eq!(of_output("report", Path::new("R.HTM"), None, accepts::STUDY).ok(), Some(Html));
        assert_eq!(of_output("report", Path::new("r.pdf"), Some(Md), accepts::STUDY).ok(), Some(Md));
        assert_eq!(
            refusal("gate", "pdf", accepts::VIEW),
            "--format pdf: `buildbench gate` writes table, json, md, html or csv"
        );
        // profile's and link's --format is what goes to stdout: no advice to use it for the file.
        let err = of_output("link", Path::new("r.foo"), None, accepts::VIEW).unwrap_err().to_string();
        assert!(
            err.contains("writes table, json, md, html or csv (use .txt, .json") && !err.contains("--format"),
            "{err}"
        );
    }
}
