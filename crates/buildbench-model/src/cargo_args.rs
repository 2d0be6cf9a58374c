//! The user's own cargo arguments (`compare ... -- <cargo build arguments>`), parsed once: each
//! flag with its value, in `--flag value` or `--flag=value` form (`-p NAME`, `-j 4` too). Every
//! question about them is answered here: a flag's value, the cargo profile, the target triple,
//! what they build (`Selection`), which are refused because they would break a measurement,
//! and the arguments of a `cargo rustc` that builds one chosen target. Pure.

/// cargo's flags that take a value, as the next argument or (for `--` flags) after `=`.
const VALUE_FLAGS: &[&str] = &[
    "-p",
    "--package",
    "--exclude",
    "--bin",
    "--example",
    "--test",
    "--bench",
    "-F",
    "--features",
    "--profile",
    "--target",
    "--target-dir",
    "--config",
    "-j",
    "--jobs",
    "--manifest-path",
    "--message-format",
    "--color",
    "-Z",
    "--lockfile-path",
    "--artifact-dir",
];

/// One cargo argument: a flag and its value, as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg<'a> {
    /// The flag (`--target`), or the argument itself when it is not a flag with a value.
    pub flag: &'a str,
    /// Its value, inline (`--target=x`) or the next argument (`--target x`); `None` for a flag
    /// without one, or one given last without its value.
    pub value: Option<&'a str>,
    /// The arguments it was given as (one, or the flag and its value).
    pub raw: &'a [String],
}

/// The user's cargo arguments, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CargoArgs<'a> {
    args: Vec<Arg<'a>>,
}

impl<'a> CargoArgs<'a> {
    /// Parses `args`; never fails (what each question needs is checked where it is asked).
    pub fn parse(args: &'a [String]) -> CargoArgs<'a> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v)),
                _ => (a.as_str(), None),
            };
            let takes_value = VALUE_FLAGS.contains(&flag);
            let (value, used) = match inline {
                Some(v) => (Some(v), 1),
                None if takes_value => match args.get(i + 1) {
                    Some(next) => (Some(next.as_str()), 2),
                    None => (None, 1),
                },
                None => (None, 1),
            };
            out.push(Arg { flag, value, raw: args.get(i..i + used).unwrap_or_default() });
            i += used;
        }
        CargoArgs { args: out }
    }

    /// Every argument, in order.
    pub fn args(&self) -> &[Arg<'a>] {
        &self.args
    }

    /// The value of the first of these flags given (`["-j", "--jobs"]`).
    pub fn value(&self, names: &[&str]) -> Option<&'a str> {
        self.args.iter().find(|a| names.contains(&a.flag)).and_then(|a| a.value)
    }

    /// The cargo profile being built: `release` for `--release`/`-r`, `--profile`'s value,
    /// else `dev`.
    pub fn profile(&self) -> &'a str {
        for a in &self.args {
            match a.flag {
                "--release" | "-r" => return "release",
                "--profile" => return a.value.unwrap_or("dev"),
                _ => {}
            }
        }
        "dev"
    }

    /// The target triple of `--target`, if the arguments name one.
    pub fn target_triple(&self) -> Option<&'a str> {
        self.value(&["--target"])
    }

    /// What the arguments build, as far as choosing the file to edit goes.
    pub fn selection(&self) -> Selection {
        let mut out = Selection::default();
        for a in &self.args {
            let value = a.value.map(str::to_owned);
            match a.flag {
                "-p" | "--package" => out.packages.extend(value),
                "--exclude" => out.exclude.extend(value),
                "--bin" => out.bins.extend(value),
                "--lib" => out.lib = true,
                _ => {}
            }
        }
        out
    }

    /// `--features`/`-F`, `--all-features` and `--no-default-features`, as arguments to pass
    /// on (to `cargo metadata`, whose dependency graph depends on them).
    pub fn features(&self) -> Vec<String> {
        let mut out = Vec::new();
        for a in &self.args {
            match (a.flag, a.value) {
                ("--features" | "-F", Some(v)) => out.extend(["--features".to_owned(), v.to_owned()]),
                ("--all-features" | "--no-default-features", _) => out.push(a.flag.to_owned()),
                _ => {}
            }
        }
        out
    }

    /// The arguments without those that choose packages and targets (`-p`, `--bin`,
    /// `--workspace`, ...): for a `cargo rustc` that builds one chosen target with the rest
    /// (profile, features, target triple) unchanged.
    pub fn without_selection(&self) -> Vec<&'a str> {
        self.args
            .iter()
            .filter(|a| {
                !matches!(
                    a.flag,
                    "-p" | "--package"
                        | "--bin"
                        | "--example"
                        | "--test"
                        | "--bench"
                        | "--exclude"
                        | "--lib"
                        | "--bins"
                        | "--examples"
                        | "--tests"
                        | "--benches"
                        | "--all-targets"
                        | "--workspace"
                        | "--all"
                )
            })
            .flat_map(|a| a.raw.iter().map(String::as_str))
            .collect()
    }

    /// Why an argument cannot be passed through, if one cannot.
    pub fn refused(&self) -> Result<(), String> {
        let mut targets = 0;
        for a in &self.args {
            let why = match a.flag {
                "--target-dir" => Some(
                    "buildbench gives every configuration a target directory of its own (and never touches yours); \
                     drop --target-dir"
                        .to_owned(),
                ),
                "--timings" => {
                    Some("buildbench already passes --timings to every build and reads its report".to_owned())
                }
                "--message-format" => Some(
                    "buildbench reads cargo's JSON messages (--message-format=json-render-diagnostics); drop it"
                        .to_owned(),
                ),
                "--color" => Some("buildbench parses cargo's output, which must stay free of colour codes".to_owned()),
                "--manifest-path" => {
                    Some("give the project (or its Cargo.toml) as the PATH argument instead".to_owned())
                }
                "--unit-graph" | "--build-plan" => Some(format!("{} prints a plan instead of building", a.flag)),
                "--config" => config_refused(a.value.unwrap_or_default()),
                "--target" => {
                    targets += 1;
                    (targets > 1).then(|| "one --target per study (each target triple is its own build)".to_owned())
                }
                _ => None,
            };
            if let Some(why) = why {
                let arg = a.raw.first().map_or(a.flag, String::as_str);
                return Err(format!("cargo argument {arg:?} cannot be passed through: {why}"));
            }
        }
        Ok(())
    }
}

/// The arguments every subcommand passes to cargo: its own `--package`, `--bin`, `--release`
/// and `--jobs`, then the user's, checked with `CargoArgs::refused`.
pub fn assemble(
    package: Option<&str>,
    bin: Option<&str>,
    release: bool,
    jobs: Option<u32>,
    passthrough: &[String],
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    if let Some(p) = package {
        out.extend(["-p".to_owned(), p.to_owned()]);
    }
    if let Some(b) = bin {
        out.extend(["--bin".to_owned(), b.to_owned()]);
    }
    if release {
        out.push("--release".to_owned());
    }
    if let Some(j) = jobs {
        out.extend(["-j".to_owned(), j.to_string()]);
    }
    out.extend(passthrough.iter().cloned());
    CargoArgs::parse(&out).refused()?;
    Ok(out)
}

/// The `--config` keys buildbench sets itself, and why a user's value would break a study.
pub fn config_refused(value: &str) -> Option<String> {
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
}

impl Selection {
    /// Reads `-p`, `--package`, `--exclude`, `--bin` and `--lib`, in either `--flag value` or
    /// `--flag=value` form.
    pub fn parse(args: &[String]) -> Selection {
        CargoArgs::parse(args).selection()
    }
}

/// Whether a cargo config `target.'cfg(...)'` key applies to a target whose `rustc --print cfg`
/// lines are `cfg` (`unix`, `target_os="linux"`, ...): `all(..)`, `any(..)`, `not(..)`, a name,
/// or `name = "value"`. `None` when the key cannot be read (then the caller must not rely on
/// it).
pub fn cfg_matches(key: &str, cfg: &[String]) -> Option<bool> {
    let inner = key.trim().strip_prefix("cfg(")?.strip_suffix(')')?;
    let (value, rest) = cfg_expr(inner.trim(), cfg)?;
    rest.trim().is_empty().then_some(value)
}

/// One cfg expression at the start of `text`: its value and the text after it.
fn cfg_expr<'a>(text: &'a str, cfg: &[String]) -> Option<(bool, &'a str)> {
    let text = text.trim_start();
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    let (name, rest) = text.split_at(end);
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    if let Some(list) = rest.strip_prefix('(') {
        let mut values = Vec::new();
        let mut rest = list.trim_start();
        while !rest.starts_with(')') {
            let (value, after) = cfg_expr(rest, cfg)?;
            values.push(value);
            rest = after.trim_start();
            rest = rest.strip_prefix(',').map_or(rest, str::trim_start);
        }
        let rest = rest.get(1..)?;
        let value = match name {
            "all" => values.iter().all(|v| *v),
            "any" => values.iter().any(|v| *v),
            "not" if values.len() == 1 => !values.first()?,
            _ => return None,
        };
        return Some((value, rest));
    }
    if let Some(after) = rest.strip_prefix('=') {
        let after = after.trim_start().strip_prefix('"')?;
        let close = after.find('"')?;
        let line = format!("{name}=\"{}\"", after.get(..close)?);
        return Some((cfg.contains(&line), after.get(close + 1..)?));
    }
    Some((cfg.iter().any(|c| c == name), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfg_keys_are_read_against_the_targets_cfg() {
        let linux: Vec<String> =
            ["unix", "target_os=\"linux\"", "target_env=\"gnu\"", "target_arch=\"x86_64\"", "debug_assertions"]
                .map(str::to_owned)
                .into();
        assert_eq!(cfg_matches("cfg(all(windows, target_env = \"msvc\"))", &linux), Some(false));
        assert_eq!(cfg_matches("cfg(unix)", &linux), Some(true));
        assert_eq!(cfg_matches("cfg(target_os = \"linux\")", &linux), Some(true));
        assert_eq!(cfg_matches("cfg(any(target_os = \"macos\", all(unix, not(windows))))", &linux), Some(true));
        assert_eq!(cfg_matches("cfg(not(target_env=\"gnu\"))", &linux), Some(false));
        assert_eq!(cfg_matches("cfg(all())", &linux), Some(true));
        assert_eq!(cfg_matches("cfg(unix", &linux), None);
        assert_eq!(cfg_matches("cfg(frobnicate(unix))", &linux), None);
        assert_eq!(cfg_matches("x86_64-unknown-linux-gnu", &linux), None);
    }

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
            let given = args(list);
            let err = CargoArgs::parse(&given).refused().unwrap_err();
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
        let parsed = CargoArgs::parse(&fine);
        assert_eq!(parsed.refused(), Ok(()));
        assert_eq!(parsed.target_triple(), Some("x86_64-unknown-linux-gnu"));
        assert_eq!(parsed.profile(), "fastcheck");
        let wasm = args(&["--target=wasm32-unknown-unknown"]);
        assert_eq!(CargoArgs::parse(&wasm).target_triple(), Some("wasm32-unknown-unknown"));
        assert_eq!(
            assemble(Some("app"), None, true, Some(2), &args(&["--timings"])).unwrap_err(),
            "cargo argument \"--timings\" cannot be passed through: buildbench already passes --timings to every build and reads its report"
        );
        assert_eq!(
            assemble(Some("app"), Some("tool"), true, Some(2), &[]).unwrap(),
            ["-p", "app", "--bin", "tool", "--release", "-j", "2"]
        );
    }

    #[test]
    fn the_selection_names_packages_and_targets() {
        let s = Selection::parse(&args(&["-p", "app", "--package=core", "--bin", "tool", "--lib", "--exclude", "x"]));
        assert_eq!(s.packages, ["app", "core"]);
        assert_eq!(s.bins, ["tool"]);
        assert!(s.lib);
        assert_eq!(s.exclude, ["x"]);
    }

    #[test]
    fn values_profiles_and_the_arguments_of_one_target() {
        let given =
            args(&["-j", "4", "--release", "--features=x", "-p", "app", "--bin=tool", "--workspace", "-F", "y"]);
        let parsed = CargoArgs::parse(&given);
        assert_eq!(parsed.value(&["-j", "--jobs"]), Some("4"));
        assert_eq!(parsed.value(&["--features"]), Some("x"));
        assert_eq!(parsed.profile(), "release");
        assert_eq!(parsed.without_selection(), ["-j", "4", "--release", "--features=x", "-F", "y"]);
        for (list, profile) in [(&[][..], "dev"), (&["-r"][..], "release"), (&["--profile=bench"][..], "bench")] {
            assert_eq!(CargoArgs::parse(&args(list)).profile(), profile);
        }
        assert_eq!(CargoArgs::parse(&args(&["--jobs"])).value(&["--jobs"]), None);
    }
}
