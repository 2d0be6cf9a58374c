//! The small `Copy` enums that name each axis of the matrix and each scenario.

use serde::{Deserialize, Serialize};

/// A fixed set of kebab-case words that parse from and print to the same spelling.
pub trait Word: Sized + Copy + 'static {
    /// Every value, in the order used for output.
    const ALL: &'static [Self];
    /// What the word names, for error messages (`linker`, `scenario`).
    const WHAT: &'static str;
    /// The word, as written on the command line and in JSON.
    fn as_str(self) -> &'static str;

    /// Parses one word; the error lists every accepted word.
    fn parse(word: &str) -> Result<Self, ParseWordError> {
        let word = word.trim();
        Self::ALL.iter().copied().find(|v| v.as_str() == word).ok_or_else(|| ParseWordError {
            what: Self::WHAT,
            word: word.to_owned(),
            expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
        })
    }
}

/// A word that is not one of the accepted spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWordError {
    /// What kind of word was expected (`linker`).
    pub what: &'static str,
    /// The word given.
    pub word: String,
    /// The words accepted.
    pub expected: String,
}

impl std::fmt::Display for ParseWordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} {:?}; expected one of: {}", self.what, self.word, self.expected)
    }
}

impl std::error::Error for ParseWordError {}

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant),+
        }

        impl Word for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const WHAT: &'static str = $what;
            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseWordError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as Word>::parse(s)
            }
        }
    };
}
pub(crate) use word_enum;

word_enum! {
    /// The codegen backend rustc uses.
    Backend, "backend" {
        /// LLVM, rustc's default.
        Llvm = "llvm",
        /// Needs a nightly toolchain with the `rustc-codegen-cranelift-preview` component.
        Cranelift = "cranelift",
    }
}

word_enum! {
    /// A compilation cache wrapped around rustc.
    Cache, "cache" {
        /// No cache.
        None = "none",
        /// sccache, with a private server per configuration.
        Sccache = "sccache",
    }
}

word_enum! {
    /// What is built and from which state.
    Scenario, "scenario" {
        /// From an empty target directory.
        Clean = "clean",
        /// Again with nothing changed.
        Noop = "noop",
        /// After a real edit of one workspace source file.
        Incremental = "incremental",
        /// `cargo check` from an empty target directory.
        CheckClean = "check-clean",
        /// `cargo check` after a real edit.
        CheckIncremental = "check-incremental",
        /// Clean build with sccache and an empty cache.
        CleanColdCache = "clean-cold-cache",
        /// Clean build with sccache and a cache filled by a previous build.
        CleanWarmCache = "clean-warm-cache",
    }
}

word_enum! {
    /// Debug information level of the profile, which drives the size of what the linker handles.
    Debuginfo, "debuginfo level" {
        /// Full debug information (the dev profile's default).
        Full = "full",
        /// Line tables only.
        LineTablesOnly = "line-tables-only",
        /// None.
        None = "none",
    }
}

impl Backend {
    /// The toolchain a configuration with this backend uses when none is named: Cranelift
    /// ships only with nightly toolchains (`rustc-codegen-cranelift-preview`).
    pub fn default_toolchain(self) -> Option<&'static str> {
        match self {
            Backend::Cranelift => Some("nightly"),
            Backend::Llvm => None,
        }
    }
}

impl Scenario {
    /// True for scenarios that run `cargo check` rather than `cargo build`.
    pub fn is_check(self) -> bool {
        matches!(self, Scenario::CheckClean | Scenario::CheckIncremental)
    }

    /// True for scenarios that start from an empty target directory.
    pub fn is_clean(self) -> bool {
        matches!(self, Scenario::Clean | Scenario::CheckClean | Scenario::CleanColdCache | Scenario::CleanWarmCache)
    }

    /// True for scenarios that edit a source file before building.
    pub fn edits_source(self) -> bool {
        matches!(self, Scenario::Incremental | Scenario::CheckIncremental)
    }

    /// The scenario whose baseline this one is compared with: the cache scenarios show what a
    /// cache does to a clean build, so they are compared with the baseline's `clean` build.
    pub fn reference(self) -> Scenario {
        match self {
            Scenario::CleanColdCache | Scenario::CleanWarmCache => Scenario::Clean,
            s => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Linker;

    fn round_trip<W: Word + std::fmt::Debug + PartialEq>() {
        for &w in W::ALL {
            assert_eq!(W::parse(w.as_str()), Ok(w));
        }
    }

    #[test]
    fn every_word_parses_back() {
        round_trip::<Backend>();
        round_trip::<Linker>();
        round_trip::<Cache>();
        round_trip::<Scenario>();
        round_trip::<Debuginfo>();
    }

    #[test]
    fn unknown_words_list_the_choices() {
        let err = Linker::parse("ldd").unwrap_err().to_string();
        assert_eq!(err, "unknown linker \"ldd\"; expected one of: default, bfd, gold, lld, mold, wild");
    }

    #[test]
    fn scenario_properties() {
        assert!(Scenario::CheckClean.is_check() && Scenario::CheckClean.is_clean());
        assert!(Scenario::Incremental.edits_source() && !Scenario::Noop.edits_source());
        assert!(Scenario::CleanWarmCache.is_clean());
    }
}
