//! Parsed versions and their comparison, one module per ordering scheme.
//!
//! A [`Version`] is parsed once and compared many times: matching a package against
//! advisory ranges compares one installed version with many range bounds. Parsing is
//! total (any string gives a version: what a scheme cannot read ranks the way its
//! reference implementation ranks it, usually below valid versions), so a malformed
//! version in a lockfile or an advisory never aborts a scan.

mod alpine;
mod cran;
mod debian;
mod maven;
mod number;
mod packagist;
mod pep440;
mod rpm;
mod rubygems;
mod semver;

use std::cmp::Ordering;
use std::fmt;

use crate::ecosystem::{Ecosystem, VersionScheme};

/// A version string parsed with the ordering of one ecosystem.
///
/// Two versions compare by their ecosystem's rules when they share a
/// [`VersionScheme`]; versions of different schemes are never meaningfully ordered
/// and compare by scheme. Equality is the ecosystem's: `1.0` and `1.0.0` are equal
/// Maven versions.
///
/// # Total order
///
/// Every scheme but Maven is a total order on all strings, garbage included (the
/// tests check it on random input), so `sort`, `BTreeMap` and binary search are safe. Maven's own `ComparableVersion` is
/// not transitive (`1.sp < 1-alpha < 1 < 1.sp`: a `.qualifier` ranks below any
/// `-qualifier`, and a missing part sits between `alpha` and `sp`), and lockgate
/// follows Maven exactly because a matcher must agree with it on every pair. The
/// standard library's sorts may panic on such a comparator: sort versions that came
/// from input with [`sort_versions`], which never panics.
#[derive(Clone)]
pub struct Version {
    text: Box<str>,
    parsed: Parsed,
}

#[derive(Clone, Debug)]
enum Parsed {
    Alpine(alpine::AlpineVersion),
    Debian(debian::DebianVersion),
    Rpm(rpm::RpmVersion),
    SemVer(semver::SemverLike),
    Pep440(pep440::Pep440Version),
    Maven(maven::MavenVersion),
    RubyGems(rubygems::RubyGemsVersion),
    NuGet(semver::SemverLike),
    Packagist(packagist::PackagistVersion),
    Pub(semver::SemverLike),
    Hackage(semver::SemverLike),
    Cran(cran::CranVersion),
}

impl Version {
    /// Parses `text` with the ordering of `ecosystem`. Never fails: see the module docs.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Version {
        Version::parse_scheme(ecosystem.scheme(), text)
    }

    /// Parses `text` with an ordering scheme directly.
    pub fn parse_scheme(scheme: VersionScheme, text: &str) -> Version {
        let parsed = match scheme {
            VersionScheme::Alpine => Parsed::Alpine(alpine::AlpineVersion::parse(text)),
            VersionScheme::Debian => Parsed::Debian(debian::DebianVersion::parse(text)),
            VersionScheme::Rpm => Parsed::Rpm(rpm::RpmVersion::parse(text)),
            VersionScheme::SemVer => Parsed::SemVer(semver::SemverLike::parse_semver(text)),
            VersionScheme::Pep440 => Parsed::Pep440(pep440::Pep440Version::parse(text)),
            VersionScheme::Maven => Parsed::Maven(maven::MavenVersion::parse(text)),
            VersionScheme::RubyGems => Parsed::RubyGems(rubygems::RubyGemsVersion::parse(text)),
            VersionScheme::NuGet => Parsed::NuGet(semver::SemverLike::parse_nuget(text)),
            VersionScheme::Packagist => Parsed::Packagist(packagist::PackagistVersion::parse(text)),
            VersionScheme::Pub => Parsed::Pub(semver::SemverLike::parse_semver(text)),
            VersionScheme::Hackage => Parsed::Hackage(semver::SemverLike::parse_hackage(text)),
            VersionScheme::Cran => Parsed::Cran(cran::CranVersion::parse(text)),
        };
        Version {
            text: text.into(),
            parsed,
        }
    }

    /// The string this version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The ordering scheme this version was parsed with.
    pub fn scheme(&self) -> VersionScheme {
        match &self.parsed {
            Parsed::Alpine(_) => VersionScheme::Alpine,
            Parsed::Debian(_) => VersionScheme::Debian,
            Parsed::Rpm(_) => VersionScheme::Rpm,
            Parsed::SemVer(_) => VersionScheme::SemVer,
            Parsed::Pep440(_) => VersionScheme::Pep440,
            Parsed::Maven(_) => VersionScheme::Maven,
            Parsed::RubyGems(_) => VersionScheme::RubyGems,
            Parsed::NuGet(_) => VersionScheme::NuGet,
            Parsed::Packagist(_) => VersionScheme::Packagist,
            Parsed::Pub(_) => VersionScheme::Pub,
            Parsed::Hackage(_) => VersionScheme::Hackage,
            Parsed::Cran(_) => VersionScheme::Cran,
        }
    }
}

/// Compares two version strings with the ordering of `ecosystem`.
///
/// Parses both on every call: when one side is compared many times, parse it once
/// with [`Version::parse`] instead.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Ordering {
    Version::parse(ecosystem, a).cmp(&Version::parse(ecosystem, b))
}

/// Sorts versions by their [`Ord`] order, stably, without ever panicking, even where
/// the order is not total (Maven, see [`Version`]): such versions then end up in an
/// order that is consistent with some of their comparisons.
pub fn sort_versions(versions: &mut [Version]) {
    let n = versions.len();
    // Bottom-up merge sort of positions: merging only ever picks one side, so an
    // inconsistent comparison cannot break it, and nothing recurses.
    let mut order: Vec<usize> = (0..n).collect();
    let mut merged = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            for slot in &mut merged[start..end] {
                let take_left = j >= end || (i < mid && versions[order[j]] >= versions[order[i]]);
                if take_left {
                    *slot = order[i];
                    i += 1;
                } else {
                    *slot = order[j];
                    j += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    // Move each version to its place: `target[i]` is where the version now at `i` goes.
    let mut target = vec![0; n];
    for (place, &from) in order.iter().enumerate() {
        target[from] = place;
    }
    for i in 0..n {
        while target[i] != i {
            let j = target[i];
            versions.swap(i, j);
            target.swap(i, j);
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.parsed, &other.parsed) {
            (Parsed::Alpine(a), Parsed::Alpine(b)) => a.compare(b),
            (Parsed::Debian(a), Parsed::Debian(b)) => a.compare(b),
            (Parsed::Rpm(a), Parsed::Rpm(b)) => a.compare(b),
            (Parsed::SemVer(a), Parsed::SemVer(b)) => a.compare_semver(b),
            (Parsed::Pep440(a), Parsed::Pep440(b)) => a.compare(b),
            (Parsed::Maven(a), Parsed::Maven(b)) => a.compare(b),
            (Parsed::RubyGems(a), Parsed::RubyGems(b)) => a.compare(b),
            (Parsed::NuGet(a), Parsed::NuGet(b)) => a.compare_nuget(b),
            (Parsed::Packagist(a), Parsed::Packagist(b)) => a.compare(b),
            (Parsed::Pub(a), Parsed::Pub(b)) => a.compare_pub(b),
            (Parsed::Hackage(a), Parsed::Hackage(b)) => a.compare_hackage(b),
            (Parsed::Cran(a), Parsed::Cran(b)) => a.compare(b),
            _ => self.scheme().cmp(&other.scheme()),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}({:?})", self.scheme(), self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    /// One line per behaviour that tells the ecosystems apart.
    #[test]
    fn each_ecosystem_uses_its_own_rules() {
        let cases = [
            (Ecosystem::Debian, "1:1.0", "2.0", Greater),
            (Ecosystem::Ubuntu, "1.0~rc1", "1.0", Less),
            (Ecosystem::Alpine, "1.2.3_rc1-r0", "1.2.3-r0", Less),
            (Ecosystem::Alpine, "1.2.3_p1-r0", "1.2.3-r5", Greater),
            (Ecosystem::Rpm, "1.0^git1", "1.0", Greater),
            (Ecosystem::Rpm, "1.0~beta", "1.0", Less),
            (Ecosystem::Npm, "1.0.0-alpha.10", "1.0.0-alpha.9", Greater),
            (Ecosystem::CratesIo, "1.0.0+build", "1.0.0", Equal),
            (Ecosystem::Go, "v1.2.3", "1.2.3", Equal),
            (Ecosystem::PyPI, "1.0.dev1", "1.0a1", Less),
            (Ecosystem::PyPI, "1!0.1", "2.0", Greater),
            (Ecosystem::Maven, "1.0-SNAPSHOT", "1.0", Less),
            (Ecosystem::Maven, "1.0.RELEASE", "1", Equal),
            (Ecosystem::RubyGems, "1.0.0.beta1", "1.0.0", Less),
            (Ecosystem::NuGet, "1.0.0.0-BETA", "1.0-beta", Equal),
            (Ecosystem::Packagist, "v1.0.0-RC1", "1.0.0-beta2", Greater),
            (Ecosystem::Pub, "1.0.0+2", "1.0.0+1", Greater),
            (Ecosystem::Hackage, "1.0", "1.0.0", Less),
            (Ecosystem::Cran, "1.0-1", "1.0.1", Equal),
        ];
        for (ecosystem, a, b, want) in cases {
            assert_eq!(compare(ecosystem, a, b), want, "{ecosystem:?}: {a} vs {b}");
            assert_eq!(
                compare(ecosystem, b, a),
                want.reverse(),
                "{ecosystem:?}: {b} vs {a}"
            );
        }
    }

    #[test]
    fn different_schemes_order_by_scheme() {
        let debian = Version::parse(Ecosystem::Debian, "1.0");
        let npm = Version::parse(Ecosystem::Npm, "1.0");
        assert_ne!(debian, npm);
        assert_eq!(debian.cmp(&npm), npm.cmp(&debian).reverse());
        assert_eq!(debian.as_str(), "1.0");
        assert_eq!(debian.scheme(), VersionScheme::Debian);
    }

    #[test]
    fn sort_versions_sorts() {
        let mut versions: Vec<Version> = ["1.10.0", "1.2.0", "1.2.0-rc.1", "0.9.9", "1.2.0"]
            .iter()
            .map(|v| Version::parse(Ecosystem::Npm, v))
            .collect();
        sort_versions(&mut versions);
        let sorted: Vec<&str> = versions.iter().map(Version::as_str).collect();
        assert_eq!(sorted, ["0.9.9", "1.2.0-rc.1", "1.2.0", "1.2.0", "1.10.0"]);
        sort_versions(&mut []);
    }
}
