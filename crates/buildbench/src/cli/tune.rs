//! The arguments of `buildbench tune`.

use std::path::PathBuf;

use clap::Args;

pub const TUNE_EXAMPLES: &str = "Examples:
  buildbench tune                                       the edit-build loop, 20 minutes
  buildbench tune --budget 5m --goal clean              clean builds, 5 minutes
  buildbench tune --goal incremental=3,clean=1          three edit-builds for every clean build
  buildbench tune --allow nightly --apply               Cranelift and -Z flags too; write the winner
  buildbench tune ~/src/app -- --features simd          your own build";

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// The cargo project (workspace or package) to tune (default: the current directory).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// How long the search may take, builds included: 20m, 90s, 1h30m.
    #[arg(long, default_value = "20m", value_parser = parse_duration, value_name = "TIME")]
    pub budget: f64,
    /// The build to make faster: incremental (cargo build after an edit), clean (from an empty
    /// target directory), check (cargo check after an edit), or several with weights:
    /// incremental=3,clean=1 (their weighed sum: three edit-builds for every clean build).
    #[arg(long, default_value = "incremental", value_parser = parse_goal, value_name = "GOAL")]
    pub goal: String,
    /// Trade-offs tune may propose: nightly (Cranelift, -Zthreads, -Zshare-generics; needs a
    /// nightly toolchain) and runtime (settings that make the program slower, in optimised
    /// profiles). Default: none of them.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub allow: Vec<String>,
    /// Write the confirmed winner into the project with `buildbench apply`'s safety (diff,
    /// journal, check build, revert on failure).
    #[arg(long)]
    pub apply: bool,
    /// With --apply: write even over files with uncommitted changes in git.
    #[arg(long, requires = "apply")]
    pub force: bool,
    /// Output folder: study.json (the confirmation), tune.json (the search), report.html, and
    /// each stage's own study in stages/ [default: target/buildbench/tune-TIMESTAMP].
    #[arg(short = 'o', long = "output", alias = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Show the space (what would be tried, what is left out and why) and build nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress lines (failures are still printed).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Arguments for every build, after `--`: features, --profile NAME, --target, -p, ...
    #[arg(last = true, value_name = "CARGO ARGS")]
    pub cargo: Vec<String>,
}

/// `--goal`: checked here, so a wrong one is a usage error.
fn parse_goal(text: &str) -> Result<String, String> {
    buildbench_model::tune::Objective::parse(text).map(|_| text.to_owned())
}

/// `20m`, `90s`, `1h30m`, `45` (seconds) → seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let bad = || format!("{text:?} is not a duration (e.g. 20m, 90s, 1h30m)");
    if let Ok(seconds) = t.parse::<f64>() {
        return (seconds.is_finite() && seconds > 0.0).then_some(seconds).ok_or_else(bad);
    }
    let mut total = 0.0;
    let mut number = String::new();
    for ch in t.chars() {
        if ch.is_ascii_digit() || ch == '.' {
            number.push(ch);
            continue;
        }
        let unit = match ch {
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return Err(bad()),
        };
        let n: f64 = number.parse().map_err(|_| bad())?;
        total += n * unit;
        number.clear();
    }
    if !number.is_empty() || !total.is_finite() || total <= 0.0 {
        return Err(bad());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_writes_them() {
        assert_eq!(parse_duration("20m"), Ok(1200.0));
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("45"), Ok(45.0));
        assert!(parse_duration("20 minutes").is_err());
        assert!(parse_duration("0m").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5x").is_err());
    }
}
