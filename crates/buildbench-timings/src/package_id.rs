//! Cargo package ids in both spellings: `name version (source)` (≤1.76) and PackageIdSpec (≥1.77).

/// The name and version named by a package id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageId {
    pub name: String,
    pub version: Option<String>,
}

impl PackageId {
    /// Parses `serde 1.0.0 (registry+https://...)`, `registry+https://...#serde@1.0.229`,
    /// `path+file:///ws/mylib#0.1.0` (name omitted when it equals the last path segment) or
    /// `path+file:///ws/x#name@0.1.0`. Never fails: unknown shapes give the whole text as name.
    pub fn parse(id: &str) -> PackageId {
        let id = id.trim();
        if let Some((url, fragment)) = id.rsplit_once('#') {
            let (name, version) = match fragment.split_once('@') {
                Some((name, version)) => (name.to_owned(), Some(version.to_owned())),
                None if fragment.starts_with(|c: char| c.is_ascii_digit()) => {
                    (last_segment(url).to_owned(), Some(fragment.to_owned()))
                }
                None => (fragment.to_owned(), None),
            };
            return PackageId { name, version };
        }
        let mut words = id.split_whitespace();
        match (words.next(), words.next()) {
            (Some(name), Some(version)) if !version.starts_with('(') => {
                PackageId { name: name.to_owned(), version: Some(version.to_owned()) }
            }
            (Some(name), _) if !name.contains('/') => PackageId { name: name.to_owned(), version: None },
            _ => PackageId { name: last_segment(id).to_owned(), version: None },
        }
    }
}

fn last_segment(url: &str) -> &str {
    let url = url.split('?').next().unwrap_or(url);
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::PackageId;

    fn check(id: &str, name: &str, version: Option<&str>) {
        let got = PackageId::parse(id);
        assert_eq!((got.name.as_str(), got.version.as_deref()), (name, version), "{id}");
    }

    #[test]
    fn both_spellings() {
        check("registry+https://registry.invalid/index#serde@1.0.229", "serde", Some("1.0.229"));
        check("path+file:///home/dev/ws/mylib#0.1.0", "mylib", Some("0.1.0"));
        check("path+file:///home/dev/ws/crates/core#grep-core@0.1.0", "grep-core", Some("0.1.0"));
        check("serde 1.0.0 (registry+https://registry.invalid/index)", "serde", Some("1.0.0"));
        check("git+https://host/repo?branch=x#abc", "abc", None);
        check("", "", None);
    }
}
