//! Every linker buildbench knows, as one table: its word, the flags that select it, the program
//! it needs and the command that installs it, how it marks a binary it linked, how a name read
//! from a binary or a flag is recognised as it, and what a project writes to adopt it.
//!
//! Everything else reads this table: the runner's build flags (`cargo.rs`), `buildbench link`'s
//! replays, the tool checks of `compare`, `link` and `doctor` (`probe.rs`), the linker named
//! inside a binary (`elf.rs`), the report's recommendation and `apply`. Adding a linker is one
//! variant of `Linker` and one row (a `LinkerSpec` constant and its arm in `Linker::spec`) here.
//!
//! Since Rust 1.90 rustc links x86_64 Linux binaries with its bundled rust-lld: it passes
//! `-fuse-ld=lld` and a `-B<sysroot>/lib/rustlib/<host>/bin/gcc-ld` path to `cc`. Choosing any
//! other linker then also needs `-C linker-features=-lld`, so that the linker named next is the
//! one used. Toolchains that do not use rust-lld do not know that flag.

use serde::{Deserialize, Serialize};

use crate::vocabulary::{ParseWordError, Word, word_enum};

word_enum! {
    /// The linker of the final artifacts. `Default` is whatever the toolchain uses unchanged
    /// (rust-lld on x86_64 Linux since Rust 1.90) and is always resolved and named in output.
    /// Each linker has its row in this module's table (`Linker::spec`).
    Linker, "linker" {
        /// The toolchain's own choice, unchanged.
        Default = "default",
        /// GNU ld.
        Bfd = "bfd",
        /// GNU gold.
        Gold = "gold",
        /// LLVM's lld from the system, not rustc's bundled rust-lld.
        Lld = "lld",
        /// mold.
        Mold = "mold",
        /// wild.
        Wild = "wild",
    }
}

/// Every linker's word, comma-separated, in table order: `buildbench link`'s default list.
pub const WORDS: &str = "default,bfd,gold,lld,mold,wild";

/// How the C compiler driver (`cc`, which rustc runs to link) is told to use a linker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// It is not: the toolchain's own choice.
    Unchanged,
    /// `-fuse-ld=NAME`.
    FuseLd(&'static str),
    /// The driver has no `-fuse-ld=` for it (gcc 12 and wild): `-B FOLDER` points the driver at
    /// a folder whose `ld` and `ld.bfd` (`LD_FOLDER_NAMES`) are the linker's program. In a
    /// build, `-fuse-ld=bfd` follows (after any `-fuse-ld` of the project's own, so it wins)
    /// and makes the driver look for `ld.bfd` there first.
    LdFolder,
}

/// The names a `Select::LdFolder` folder gives the linker's program.
pub const LD_FOLDER_NAMES: [&str; 2] = ["ld", "ld.bfd"];

/// What a project's `.cargo/config.toml` sets to adopt a linker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adopt {
    /// Nothing: the toolchain's own choice.
    Nothing,
    /// The same `link-arg` a build selects it with (`Select::FuseLd`).
    AsSelected,
    /// Another C compiler driver as `target.<triple>.linker`, given this `link-arg`
    /// (clang can name any linker with `--ld-path=`).
    Driver {
        /// The driver (`clang`), which must then be installed too.
        driver: &'static str,
        /// The link argument that names the linker (`--ld-path=wild`).
        link_arg: &'static str,
    },
}

/// How a linker marks a binary it linked (read by the runner's `elf.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// Whatever the toolchain's choice marks.
    Toolchain,
    /// No mark at all: a binary without any other linker's mark was linked by it; this is the
    /// name given to such a binary.
    Unmarked(&'static str),
    /// An entry of the `.comment` section that starts with one of these (`mold 1.10.1`). Any
    /// entry `Linker: NAME` (LLD's convention, `COMMENT_LINKER`) names a linker too.
    Comment(&'static [&'static str]),
    /// A section of its own whose text holds a version string that starts with `version`; the
    /// binary is named `vendor` followed by that string (`GNU gold 1.16`).
    Note {
        /// The section (`.note.gnu.gold-version`).
        section: &'static str,
        /// How the version string starts (`gold`).
        version: &'static str,
        /// What goes before it in the name (`GNU `).
        vendor: &'static str,
    },
}

/// The prefix of a `.comment` entry that names the linker after it (`Linker: LLD 22.1.2`).
pub const COMMENT_LINKER: &str = "Linker: ";

/// One way a name (read from a binary, a `--version` line or a `-fuse-ld=` value, lower-cased
/// and without its folder) is recognised as a linker's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The name contains this.
    Contains(&'static str),
    /// The name starts with this.
    StartsWith(&'static str),
    /// The name is this.
    Is(&'static str),
}

impl Mark {
    fn matches(self, name: &str) -> bool {
        match self {
            Mark::Contains(m) => name.contains(m),
            Mark::StartsWith(m) => name.starts_with(m),
            Mark::Is(m) => name == m,
        }
    }
}

/// One row of the table: everything buildbench knows about one linker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkerSpec {
    /// The linker.
    pub linker: Linker,
    /// How a build selects it.
    pub select: Select,
    /// The program that must be on PATH (`None`: the toolchain's own).
    pub program: Option<&'static str>,
    /// The command that installs the program on Debian (or with cargo).
    pub install: Option<&'static str>,
    /// How it marks a binary it linked.
    pub signature: Signature,
    /// How a name is recognised as this linker's (empty: never, for `default`).
    pub names: &'static [Mark],
    /// What a project sets to adopt it.
    pub adopt: Adopt,
    /// A name it leaves in a binary it links, as `Signature` finds it (in `.comment`, or the
    /// version string of its note), for tests; empty when it leaves none.
    pub example: &'static str,
    /// Made to link faster than GNU ld: `buildbench tune` tries it (GNU ld and gold are slower
    /// than today's default rust-lld by design, so a tune never spends builds on them).
    pub fast: bool,
}

const DEFAULT: LinkerSpec = LinkerSpec {
    linker: Linker::Default,
    select: Select::Unchanged,
    program: None,
    install: None,
    signature: Signature::Toolchain,
    names: &[],
    adopt: Adopt::Nothing,
    example: "",
    fast: false,
};

const BFD: LinkerSpec = LinkerSpec {
    linker: Linker::Bfd,
    select: Select::FuseLd("bfd"),
    program: Some("ld.bfd"),
    install: Some("apt-get install -y binutils"),
    signature: Signature::Unmarked("GNU ld (bfd)"),
    // Checked last (`Linker::from_name`): plain `ld` is the weakest of the marks.
    names: &[Mark::Contains("bfd"), Mark::StartsWith("gnu ld"), Mark::Is("ld")],
    adopt: Adopt::AsSelected,
    example: "",
    fast: false,
};

const GOLD: LinkerSpec = LinkerSpec {
    linker: Linker::Gold,
    select: Select::FuseLd("gold"),
    program: Some("ld.gold"),
    install: Some("apt-get install -y binutils"),
    signature: Signature::Note { section: ".note.gnu.gold-version", version: "gold", vendor: "GNU " },
    names: &[Mark::Contains("gold")],
    adopt: Adopt::AsSelected,
    example: "gold 1.16",
    fast: false,
};

const LLD: LinkerSpec = LinkerSpec {
    linker: Linker::Lld,
    select: Select::FuseLd("lld"),
    program: Some("ld.lld"),
    install: Some("apt-get install -y lld"),
    signature: Signature::Comment(&["Linker: LLD"]),
    names: &[Mark::Contains("lld")],
    adopt: Adopt::AsSelected,
    example: "Linker: LLD 14.0.6",
    fast: true,
};

const MOLD: LinkerSpec = LinkerSpec {
    linker: Linker::Mold,
    select: Select::FuseLd("mold"),
    program: Some("mold"),
    install: Some("apt-get install -y mold"),
    signature: Signature::Comment(&["mold "]),
    names: &[Mark::Contains("mold")],
    adopt: Adopt::AsSelected,
    example: "mold 1.10.1 (compatible with GNU ld)",
    fast: true,
};

const WILD: LinkerSpec = LinkerSpec {
    linker: Linker::Wild,
    select: Select::LdFolder,
    program: Some("wild"),
    // wild-linker 0.10.0 is the last release that builds with Rust 1.95.
    install: Some("cargo install wild-linker --version 0.10.0 --locked"),
    signature: Signature::Comment(&["Linker: Wild", "wild "]),
    names: &[Mark::Contains("wild")],
    // gcc has no -fuse-ld=wild; clang can name any linker.
    adopt: Adopt::Driver { driver: "clang", link_arg: "--ld-path=wild" },
    example: "Linker: Wild version 0.10.0",
    fast: true,
};

/// The rustc flag (after `-C`) that turns rust-lld off.
pub const RUST_LLD_OFF: &str = "linker-features=-lld";

/// What a project sets to adopt a linker (see `Linker::adoption`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoption {
    /// `target.<triple>.linker`, when it needs a C compiler driver of its own.
    pub driver: Option<&'static str>,
    /// Flags for `target.<triple>.rustflags`, as separate array items (`-C`, `link-arg=...`).
    pub rustflags: Vec<String>,
    /// What adopting it costs (what must be installed), when anything.
    pub tradeoff: Option<String>,
}

impl Linker {
    /// This linker's row of the table.
    pub fn spec(self) -> &'static LinkerSpec {
        match self {
            Linker::Default => &DEFAULT,
            Linker::Bfd => &BFD,
            Linker::Gold => &GOLD,
            Linker::Lld => &LLD,
            Linker::Mold => &MOLD,
            Linker::Wild => &WILD,
        }
    }

    /// Every row of the table, in the order of `Linker::ALL`.
    pub fn specs() -> impl Iterator<Item = &'static LinkerSpec> {
        Linker::ALL.iter().map(|l| l.spec())
    }

    /// The programs of every linker, in table order: what a study's fingerprint records.
    pub fn programs() -> impl Iterator<Item = &'static str> {
        Linker::specs().filter_map(|s| s.program)
    }

    /// The program this linker needs on PATH and the command that installs it (`None` for
    /// `default`).
    pub fn requirement(self) -> Option<(&'static str, &'static str)> {
        Some((self.spec().program?, self.spec().install?))
    }

    /// The linker whose marks `name` carries (`mold 1.10.1`, `LLD 22.1.2 (rust-lld)`,
    /// `GNU gold 1.16`, `GNU ld (bfd)`, `Wild 0.10.0`, a `-fuse-ld=` value or a program's path).
    /// GNU ld's marks are checked last, as plain `ld` is part of most linkers' names.
    pub fn from_name(name: &str) -> Option<Linker> {
        let lower = name.to_ascii_lowercase();
        let base = lower.rsplit('/').next().unwrap_or(&lower);
        let strong = Linker::specs().filter(|s| s.linker != Linker::Bfd);
        strong.chain([Linker::Bfd.spec()]).find(|s| s.names.iter().any(|m| m.matches(base))).map(|s| s.linker)
    }

    /// The rustc flags that select this linker in a build. They are added after the project's
    /// own rustflags (to the same variable or config key), so for the C compiler driver, where
    /// the last `-fuse-ld` wins, they override a linker the project selects itself.
    /// `ld_folder` is the `Select::LdFolder` folder of this linker, when it needs one.
    pub fn rustc_flags(self, toolchain_uses_rust_lld: bool, ld_folder: Option<&str>) -> Vec<String> {
        let mut flags = Vec::new();
        if self != Linker::Default && toolchain_uses_rust_lld {
            flags.push(format!("-C{RUST_LLD_OFF}"));
        }
        match self.spec().select {
            Select::Unchanged => {}
            Select::FuseLd(name) => flags.push(format!("-Clink-arg={}", fuse_ld(name))),
            Select::LdFolder => {
                flags.push(format!("-Clink-arg=-B{}", ld_folder.unwrap_or("")));
                flags.push(format!("-Clink-arg={}", fuse_ld("bfd")));
            }
        }
        flags
    }

    /// The C compiler driver arguments that select this linker in a link command whose own
    /// choice (`chooses_linker`) was removed: `buildbench link`'s replays.
    pub fn driver_args(self, ld_folder: &str) -> Vec<String> {
        match self.spec().select {
            Select::Unchanged => Vec::new(),
            Select::FuseLd(name) => vec![fuse_ld(name)],
            Select::LdFolder => vec![format!("-B{ld_folder}")],
        }
    }

    /// What a project sets to adopt this linker, where the toolchain's default linker is
    /// rust-lld or not.
    pub fn adoption(self, default_is_rust_lld: bool) -> Adoption {
        let spec = self.spec();
        let mut rustflags = Vec::new();
        if self != Linker::Default && default_is_rust_lld {
            rustflags.extend(["-C".to_owned(), RUST_LLD_OFF.to_owned()]);
        }
        let (driver, link_arg) = match (spec.adopt, spec.select) {
            (Adopt::AsSelected, Select::FuseLd(name)) => (None, Some(fuse_ld(name))),
            (Adopt::Driver { driver, link_arg }, _) => (Some(driver), Some(link_arg.to_owned())),
            _ => (None, None),
        };
        if let Some(arg) = link_arg {
            rustflags.extend(["-C".to_owned(), format!("link-arg={arg}")]);
        }
        let tradeoff = spec.install.map(|install| {
            format!(
                "{} must be installed on every machine and CI runner ({install}){}",
                self.as_str(),
                driver.map_or_else(String::new, |d| format!(", and {d}"))
            )
        });
        Adoption { driver, rustflags, tradeoff }
    }
}

/// The C compiler driver's flag that names a linker: the only place it is spelled.
pub fn fuse_ld(name: &str) -> String {
    format!("-fuse-ld={name}")
}

/// True for a C compiler driver argument that chooses the linker: `-fuse-ld=...`, or the
/// `-B.../gcc-ld` folder through which rustc runs rust-lld.
pub fn chooses_linker(arg: &str) -> bool {
    arg.starts_with("-fuse-ld=") || (arg.starts_with("-B") && arg.ends_with("gcc-ld"))
}

/// The linker family of a name read from a binary or given to `-fuse-ld` (`mold`, `lld`,
/// `gold`, `wild` or `bfd`; see `Linker::from_name`); `None` for anything else.
pub fn linker_family(name: &str) -> Option<&'static str> {
    Linker::from_name(name).map(Linker::as_str)
}

/// True when a default linker's name (`LLD 22.1.2 (rust-lld)`, as `rust_lld_name` gives it)
/// is rustc's bundled rust-lld.
pub fn is_rust_lld(default_linker: &str) -> bool {
    default_linker.contains("rust-lld")
}

/// The name of a toolchain's default linker read from a binary (`LLD 22.1.2`), marked as
/// rust-lld when the toolchain bundles it (`bundled`): rust-lld reports the LLVM version rustc
/// was built with, like a system lld.
pub fn rust_lld_name(linker: String, bundled: bool) -> String {
    if linker.starts_with("LLD") && bundled { format!("{linker} (rust-lld)") } else { linker }
}

/// The linker rustc flags select, the last one given winning as it does for the C compiler
/// driver: `-fuse-ld=NAME` in a `link-arg` or `link-args` (`-C link-arg=-fuse-ld=mold`,
/// `-Clink-args=-fuse-ld=lld -Wl,-O1`, also `--ld-path=`), or rust-lld turned off
/// (`linker-features=-lld`, which leaves the driver's own default, GNU ld). Returns the linker
/// (its word, or the name as written for a linker not in the table) and the flag.
pub fn selected_by(flags: &[String]) -> Option<(String, String)> {
    let mut found = None;
    let mut iter = flags.iter();
    while let Some(flag) = iter.next() {
        let option = match flag.as_str() {
            "-C" | "-Z" | "--codegen" => match iter.next() {
                Some(next) => next.as_str(),
                None => break,
            },
            f => match f.strip_prefix("-C").or_else(|| f.strip_prefix("-Z")).or_else(|| f.strip_prefix("--codegen=")) {
                Some(rest) => rest,
                None => continue,
            },
        };
        let args: Vec<&str> = if let Some(a) = option.strip_prefix("link-arg=") {
            vec![a]
        } else if let Some(a) = option.strip_prefix("link-args=") {
            a.split_whitespace().collect()
        } else if let Some(features) = option.strip_prefix("linker-features=") {
            if features.split(',').any(|f| f.trim() == "-lld") && found.is_none() {
                found = Some((Linker::Bfd.as_str().to_owned(), format!("linker-features={features}")));
            }
            continue;
        } else {
            continue;
        };
        for arg in args {
            if let Some(name) = arg.strip_prefix("-fuse-ld=").or_else(|| arg.strip_prefix("--ld-path=")) {
                let linker = linker_family(name).map_or_else(|| name.to_owned(), str::to_owned);
                found = Some((linker, arg.to_owned()));
            }
        }
    }
    found
}

/// rustc's output name without cargo's metadata hash: `example_app-a60a1f2b3c4d5e6f` is
/// `example_app`, the name a person knows the binary by.
pub fn without_hash(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((stem, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => stem,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_linker_has_a_complete_row() {
        for spec in Linker::specs() {
            let l = spec.linker;
            assert_eq!(l.spec().linker, l);
            if l == Linker::Default {
                assert_eq!(l.rustc_flags(true, Some("/f")), Vec::<String>::new());
                assert_eq!(l.requirement(), None);
                assert_eq!(Linker::from_name("default"), None);
                continue;
            }
            assert_ne!(spec.select, Select::Unchanged, "{l}");
            assert!(l.requirement().is_some(), "{l}: program and install hint");
            assert!(!spec.names.is_empty(), "{l}");
            assert_ne!(spec.adopt, Adopt::Nothing, "{l}");
            assert!(l.rustc_flags(false, Some("/f")).iter().any(|f| f.starts_with("-Clink-arg=")), "{l}");
            assert_eq!(l.rustc_flags(true, Some("/f")).first().map(String::as_str), Some("-Clinker-features=-lld"));
            assert!(!l.driver_args("/f").is_empty(), "{l}");
            assert!(l.adoption(false).rustflags.iter().any(|f| f.starts_with("link-arg=")), "{l}");
            assert!(l.adoption(false).tradeoff.is_some_and(|t| t.contains(spec.install.unwrap_or("?"))), "{l}");
            // Its word, its program and the name it leaves in a binary all name it.
            assert_eq!(Linker::from_name(l.as_str()), Some(l));
            assert_eq!(spec.program.and_then(Linker::from_name), Some(l), "{l}");
            match spec.signature {
                Signature::Unmarked(name) => assert_eq!(Linker::from_name(name), Some(l)),
                Signature::Toolchain => panic!("{l} has no signature"),
                _ => assert_eq!(Linker::from_name(spec.example), Some(l), "{l}: {}", spec.example),
            }
        }
    }

    #[test]
    fn the_word_list_names_every_linker() {
        assert_eq!(WORDS, Linker::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(","));
    }

    #[test]
    fn names_are_recognised_as_before() {
        for (name, family) in [
            ("mold 1.10.1", Some("mold")),
            ("LLD 22.1.2 (rust-lld)", Some("lld")),
            ("GNU gold 1.16", Some("gold")),
            ("GNU ld (bfd)", Some("bfd")),
            ("Wild 0.10.0", Some("wild")),
            ("/usr/bin/ld", Some("bfd")),
            ("ld.lld", Some("lld")),
            ("/opt/mold/bin/ld.mold", Some("mold")),
            ("clang", None),
        ] {
            assert_eq!(linker_family(name), family, "{name}");
        }
    }

    #[test]
    fn build_flags_replay_arguments_and_adoption() {
        assert_eq!(Linker::Mold.rustc_flags(true, None), ["-Clinker-features=-lld", "-Clink-arg=-fuse-ld=mold"]);
        assert_eq!(Linker::Wild.rustc_flags(false, Some("/w")), ["-Clink-arg=-B/w", "-Clink-arg=-fuse-ld=bfd"]);
        assert_eq!(Linker::Lld.driver_args("/w"), ["-fuse-ld=lld"]);
        assert_eq!(Linker::Wild.driver_args("/w"), ["-B/w"]);
        let wild = Linker::Wild.adoption(true);
        assert_eq!(wild.driver, Some("clang"));
        assert_eq!(wild.rustflags, ["-C", "linker-features=-lld", "-C", "link-arg=--ld-path=wild"]);
        assert_eq!(
            Linker::Gold.adoption(false).tradeoff.as_deref(),
            Some("gold must be installed on every machine and CI runner (apt-get install -y binutils)")
        );
        assert_eq!(Linker::Default.adoption(true), Adoption { driver: None, rustflags: vec![], tradeoff: None });
        assert!(chooses_linker("-fuse-ld=lld") && chooses_linker("-B/tc/lib/rustlib/x/bin/gcc-ld"));
        assert!(!chooses_linker("-B/w/wild"));
    }

    #[test]
    fn rust_lld_is_named_and_recognised() {
        let name = rust_lld_name("LLD 22.1.2".to_owned(), true);
        assert_eq!(name, "LLD 22.1.2 (rust-lld)");
        assert!(is_rust_lld(&name));
        assert!(!is_rust_lld(&rust_lld_name("LLD 14.0.6".to_owned(), false)));
    }
}
