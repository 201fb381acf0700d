//! SemVer-like versions: npm, crates.io, Go (and Hex, SwiftURL, Bitnami), plus the
//! close relatives NuGet, Pub and Hackage, which differ only in how many numeric parts
//! they read and in how the tail after them orders.
//!
//! Real-world versions bend SemVer 2 (`v1.2.3`, `1.2.3.4`, `1.2`), so parsing is
//! lenient the way node-semver's loose mode and OSV's tooling are: an optional `v`,
//! then dot-separated digit runs, and everything from the first other character on is
//! the "build" tail (`-pre.1+meta`). Numeric parts past the scheme's count move into
//! the tail as `.N`, where they order like pre-release identifiers.

use std::cmp::Ordering;

use super::number::{Number, cmp_padded};

/// Numeric parts and the unparsed tail of a SemVer-like version.
#[derive(Clone, Debug)]
pub(crate) struct SemverLike {
    components: Vec<Number>,
    /// Starts with the first character that is neither a digit nor a `.`.
    build: Box<str>,
}

impl SemverLike {
    /// npm, crates.io, Go, Pub: three numeric parts.
    pub(crate) fn parse_semver(text: &str) -> SemverLike {
        SemverLike::parse_with_limit(text, Some(3), false)
    }

    /// NuGet: four numeric parts, case-insensitive labels.
    pub(crate) fn parse_nuget(text: &str) -> SemverLike {
        SemverLike::parse_with_limit(text, Some(4), true)
    }

    /// Hackage: any number of numeric parts, case-insensitive labels.
    pub(crate) fn parse_hackage(text: &str) -> SemverLike {
        SemverLike::parse_with_limit(text, None, true)
    }

    fn parse_with_limit(text: &str, max_components: Option<usize>, lowercase: bool) -> SemverLike {
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut components = Vec::new();
        let mut build = String::new();
        let mut run_start = None;
        for (i, c) in text.char_indices() {
            if c.is_ascii_digit() {
                run_start.get_or_insert(i);
                continue;
            }
            if let Some(start) = run_start.take() {
                components.push(Number::from_digits(&text[start..i]));
            }
            if c != '.' {
                build.push_str(&text[i..]);
                break;
            }
        }
        if let Some(start) = run_start {
            components.push(Number::from_digits(&text[start..]));
        }
        if let Some(max) = max_components
            && components.len() > max
        {
            for extra in components.drain(max..) {
                build.push('.');
                build.push_str(&extra.to_string());
            }
        }
        if lowercase {
            build = build.to_lowercase();
        }
        SemverLike {
            components,
            build: build.into(),
        }
    }

    pub(crate) fn compare_semver(&self, other: &SemverLike) -> Ordering {
        cmp_padded(&self.components, &other.components)
            .then_with(|| cmp_prerelease(&self.build, &other.build))
    }

    pub(crate) fn compare_nuget(&self, other: &SemverLike) -> Ordering {
        // Labels were lowercased when parsing.
        self.compare_semver(other)
    }

    /// pub_semver orders build metadata too, as a plain string, after the pre-release.
    pub(crate) fn compare_pub(&self, other: &SemverLike) -> Ordering {
        self.compare_semver(other).then_with(|| {
            let meta = |build: &str| build.split_once('+').map(|(_, m)| m.to_string());
            meta(&self.build)
                .unwrap_or_default()
                .cmp(&meta(&other.build).unwrap_or_default())
        })
    }

    /// Haskell versions are plain number lists: `1.0` is less than `1.0.0`.
    pub(crate) fn compare_hackage(&self, other: &SemverLike) -> Ordering {
        self.compare_semver(other)
            .then_with(|| self.components.len().cmp(&other.components.len()))
    }
}

/// Orders the tails of two SemVer-like versions by their pre-release part (SemVer 2
/// §11): build metadata after `+` is ignored, a version without a pre-release is
/// greater, identifiers compare numerically when both are digits, numbers sort before
/// words, and a longer list of equal identifiers is greater.
pub(crate) fn cmp_prerelease(a: &str, b: &str) -> Ordering {
    let strip = |tail: &str| -> String {
        let pre = tail.split('+').next().unwrap_or("");
        // node-semver does not count the hyphen that introduces the pre-release.
        pre.strip_prefix('-').unwrap_or(pre).to_string()
    };
    let (a, b) = (strip(a), strip(b));
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (Number::parse(x), Number::parse(y)) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}
