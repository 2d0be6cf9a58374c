//! The user's own cargo arguments (`compare ... -- <cargo build arguments>`): which are refused
//! because they would break the measurement, and what the rest select (packages, targets, the
//! target triple). Pure.

/// Why a cargo argument cannot be passed through.
pub fn refused(args: &[String]) -> Result<(), String> {
    let mut targets = 0;
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let value = |iter: &mut std::iter::Peekable<std::slice::Iter<'_, String>>| {
            inline.clone().or_else(|| iter.next().cloned()).unwrap_or_default()
        };
        let why = match flag {
            "--target-dir" => Some(
                "buildbench gives every configuration a target directory of its own (and never touches yours); \
                 drop --target-dir"
                    .to_owned(),
            ),
            "--timings" => Some("buildbench already passes --timings to every build and reads its report".to_owned()),
            "--message-format" => Some(
                "buildbench reads cargo's JSON messages (--message-format=json-render-diagnostics); drop it".to_owned(),
            ),
            "--color" => Some("buildbench parses cargo's output, which must stay free of colour codes".to_owned()),
            "--manifest-path" => Some("give the project (or its Cargo.toml) as the PATH argument instead".to_owned()),
            "--unit-graph" | "--build-plan" => Some(format!("{flag} prints a plan instead of building")),
            "--config" => {
                let v = value(&mut iter);
                config_refused(&v)
            }
            "--target" => {
                let _ = value(&mut iter);
                targets += 1;
                (targets > 1).then(|| "one --target per study (each target triple is its own build)".to_owned())
            }
            _ => None,
        };
        if let Some(why) = why {
            return Err(format!("cargo argument {arg:?} cannot be passed through: {why}"));
        }
    }
    Ok(())
}

/// The `--config` keys buildbench sets itself, and why a user's value would break a study.
pub(crate) fn config_refused(value: &str) -> Option<String> {
    let Some((key, _)) = value.split_once('=') else {
        return Some(
            "a --config file cannot be checked for the keys buildbench sets; pass KEY=VALUE overrides, or \
             `buildbench compare --set KEY=VALUE` to make them a configuration of their own"
                .to_owned(),
        );
    };
    let key = key.trim();
    let parts: Vec<&str> = key.split('.').collect();
    let owned = matches!(
        parts.as_slice(),
        ["build", "rustflags" | "rustc-wrapper" | "target-dir" | "rustc"]
            | ["target", _, "rustflags" | "linker"]
            | ["profile", _, "codegen-backend"]
    );
    owned.then(|| {
        format!(
            "buildbench sets {key} itself for each configuration (linker, backend, cache); use the matrix \
             axes (--linker, --backend, --cache), --set, or --scan instead"
        )
    })
}

/// The target triple of `--target`, if the arguments name one.
pub fn target_triple(args: &[String]) -> Option<&str> {
    buildbench_model::cargo_arg(args, &["--target"])
}

/// What the arguments build, as far as choosing the file to edit goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `-p`/`--package` (none: the workspace's default members).
    pub packages: Vec<String>,
    /// `--exclude` (with `--workspace`).
    pub exclude: Vec<String>,
    /// `--bin NAME`.
    pub bins: Vec<String>,
    /// `--lib`.
    pub lib: bool,
    /// `--features`/`-F`, `--all-features` and `--no-default-features`, as arguments to pass on
    /// (to `cargo metadata`, whose dependency graph depends on them).
    pub features: Vec<String>,
}

impl Selection {
    /// Reads `-p`, `--package`, `--exclude`, `--bin` and `--lib`, in either `--flag value` or
    /// `--flag=value` form.
    pub fn parse(args: &[String]) -> Selection {
        let mut out = Selection::default();
        let mut iter = args.iter();
        while let Some(a) = iter.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
                _ => (a.as_str(), None),
            };
            let mut value = || inline.clone().or_else(|| iter.next().cloned());
            match flag {
                "-p" | "--package" => out.packages.extend(value()),
                "--exclude" => out.exclude.extend(value()),
                "--bin" => out.bins.extend(value()),
                "--lib" => out.lib = true,
                "--features" | "-F" => {
                    if let Some(v) = value() {
                        out.features.extend(["--features".to_owned(), v]);
                    }
                }
                "--all-features" | "--no-default-features" => out.features.push(flag.to_owned()),
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn arguments_that_break_a_measurement_are_refused_with_the_reason() {
        for (list, expected) in [
            (&["--target-dir", "x"][..], "target directory of its own"),
            (&["--timings=html"][..], "already passes --timings"),
            (&["--message-format", "json"][..], "JSON messages"),
            (&["--config", "build.rustflags=['-Cdebuginfo=0']"][..], "build.rustflags itself"),
            (&["--config=target.x86_64-unknown-linux-gnu.linker='clang'"][..], "linker itself"),
            (&["--config", "extra.toml"][..], "cannot be checked"),
            (&["--target", "a", "--target", "b"][..], "one --target"),
        ] {
            let err = refused(&args(list)).unwrap_err();
            assert!(err.contains(expected), "{list:?}: {err}");
        }
        let fine = args(&[
            "--features",
            "x",
            "--profile",
            "fastcheck",
            "--target",
            "x86_64-unknown-linux-gnu",
            "--workspace",
            "--exclude",
            "a",
            "--locked",
            "--config",
            "profile.dev.debug=0",
            "-Zthreads=2",
        ]);
        assert_eq!(refused(&fine), Ok(()));
        assert_eq!(target_triple(&fine), Some("x86_64-unknown-linux-gnu"));
        assert_eq!(target_triple(&args(&["--target=wasm32-unknown-unknown"])), Some("wasm32-unknown-unknown"));
    }

    #[test]
    fn the_selection_names_packages_and_targets() {
        let s = Selection::parse(&args(&["-p", "app", "--package=core", "--bin", "tool", "--lib", "--exclude", "x"]));
        assert_eq!(s.packages, ["app", "core"]);
        assert_eq!(s.bins, ["tool"]);
        assert!(s.lib);
        assert_eq!(s.exclude, ["x"]);
    }
}
