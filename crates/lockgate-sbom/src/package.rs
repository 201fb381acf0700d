//! The catalog's data: a [`Package`], its [`Ecosystem`], where it was found, and the
//! [`PackageSet`] a scan produces.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::error::CatalogError;
use crate::purl;

/// A package ecosystem, named as OSV names it, so a package can be matched against OSV
/// records without translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    CratesIo,
    Npm,
    PyPI,
    Go,
    Maven,
    RubyGems,
    NuGet,
    Packagist,
    Debian,
    Alpine,
    /// rpm-based distributions; their advisories are filed per distribution (see
    /// [`crate::Distro::osv_ecosystem`]).
    Rpm,
}

impl Ecosystem {
    /// The OSV ecosystem name (`"crates.io"`, `"PyPI"`, ...).
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Go => "Go",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::Debian => "Debian",
            Ecosystem::Alpine => "Alpine",
            // No OSV ecosystem is named after rpm itself: a package of an unknown
            // distribution matches nothing.
            Ecosystem::Rpm => "RPM",
        }
    }

    /// The package-url type (`cargo`, `npm`, `pypi`, `golang`, `maven`, `gem`, `nuget`,
    /// `composer`, `deb`, `apk`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::CratesIo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Go => "golang",
            Ecosystem::Maven => "maven",
            Ecosystem::RubyGems => "gem",
            Ecosystem::NuGet => "nuget",
            Ecosystem::Packagist => "composer",
            Ecosystem::Debian => "deb",
            Ecosystem::Alpine => "apk",
            Ecosystem::Rpm => "rpm",
        }
    }
}

/// Serialized as its OSV name, the form every report and OSV query uses.
impl Serialize for Ecosystem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.osv_name())
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.osv_name())
    }
}

/// Where a package was declared: the file and, when the format allows, the 1-based line
/// of the package's entry (the line a finding should point at).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FoundAt {
    /// Shared by every package of one file.
    pub path: Arc<str>,
    pub line: Option<u32>,
}

impl FoundAt {
    /// As a finding location; an unknown line becomes line 1 so reports still render a
    /// valid region.
    pub fn to_location(&self) -> lockgate_model::Location {
        let line = self.line.unwrap_or(1);
        lockgate_model::Location {
            path: Arc::clone(&self.path),
            span: lockgate_model::Span::point(line, 1),
        }
    }
}

/// The source package a distro binary package was built from (`Source:` in dpkg, `o:`
/// in apk). Distro advisories are keyed by source package, so matching goes through it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SourcePackage {
    pub name: String,
    /// Set only when it differs from the binary package's version (dpkg writes
    /// `Source: name (version)` in that case).
    pub version: Option<String>,
}

/// One package version found in a lockfile, manifest or package database.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Package {
    /// The name as the ecosystem spells it (`@babel/core`, `org.slf4j:slf4j-api`,
    /// `github.com/pkg/errors`).
    pub name: String,
    /// The exact version; empty when the format pins a commit or a path instead.
    pub version: String,
    pub ecosystem: Ecosystem,
    /// A package-url (`pkg:npm/%40babel/core@7.0.0`).
    pub purl: String,
    pub found_at: FoundAt,
    /// Dependency groups the format states (`dev`, `optional`, a Maven scope such as
    /// `test`, a Poetry/uv group name). Empty means a normal, required dependency.
    pub groups: Vec<String>,
    /// The VCS commit pinned by the lockfile, for git dependencies.
    pub commit: Option<String>,
    /// The distro source package, for Debian and Alpine packages.
    pub source: Option<SourcePackage>,
    /// The distribution and release of an OS package database's system, when its
    /// os-release file was found.
    pub distro: Option<crate::Distro>,
    /// The licence the package file states, as written (an SPDX expression such as
    /// `MIT OR Apache-2.0` where the format uses them); empty when it states none.
    pub license: Option<String>,
}

impl Package {
    /// A package with its purl computed; groups, commit and source are empty.
    pub fn new(
        ecosystem: Ecosystem,
        name: impl Into<String>,
        version: impl Into<String>,
        found_at: FoundAt,
    ) -> Package {
        let name = name.into();
        let version = version.into();
        let purl = purl::for_package(ecosystem, &name, &version);
        Package {
            name,
            version,
            ecosystem,
            purl,
            found_at,
            groups: Vec::new(),
            commit: None,
            source: None,
            distro: None,
            license: None,
        }
    }

    pub(crate) fn with_groups<I, S>(mut self, groups: I) -> Package
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups = groups.into_iter().map(Into::into).collect();
        self.groups.sort();
        self.groups.dedup();
        self
    }

    /// Sets the stated licence; several (Composer's `license` array, which offers a
    /// choice) are joined with `OR`.
    pub(crate) fn with_licenses<I, S>(mut self, licenses: I) -> Package
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.license = join_licenses(licenses);
        self
    }

    pub(crate) fn with_commit(mut self, commit: Option<String>) -> Package {
        self.commit = commit.filter(|c| !c.is_empty());
        self
    }
}

/// One licence expression for a list of licences offered as a choice: `None` for none,
/// the licence itself for one, else `A OR (B AND C)`.
pub(crate) fn join_licenses<I, S>(licenses: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let parts: Vec<String> = licenses
        .into_iter()
        .map(|l| l.as_ref().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(
            parts
                .iter()
                .map(|p| {
                    if p.contains(' ') {
                        format!("({p})")
                    } else {
                        p.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" OR "),
        ),
    }
}

/// Every package found by one catalog run, and every file that could not be read or
/// parsed. A broken file is reported in `problems` and the run goes on.
#[derive(Debug, Default)]
pub struct PackageSet {
    pub packages: Vec<Package>,
    pub problems: Vec<CatalogError>,
}

impl PackageSet {
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty() && self.problems.is_empty()
    }

    /// Adds another set's packages and problems to this one.
    pub fn extend(&mut self, other: PackageSet) {
        self.packages.extend(other.packages);
        self.problems.extend(other.problems);
    }

    /// The packages of one ecosystem.
    pub fn of(&self, ecosystem: Ecosystem) -> impl Iterator<Item = &Package> {
        self.packages
            .iter()
            .filter(move |p| p.ecosystem == ecosystem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_serialize_with_osv_ecosystem_names() {
        let package = Package::new(
            Ecosystem::CratesIo,
            "smallvec",
            "0.6.9",
            FoundAt {
                path: Arc::from("Cargo.lock"),
                line: Some(12),
            },
        );
        let json = serde_json::to_value(&package).unwrap();
        assert_eq!(json["ecosystem"], "crates.io");
        assert_eq!(json["purl"], "pkg:cargo/smallvec@0.6.9");
        assert_eq!(json["found_at"]["line"], 12);
        assert_eq!(package.found_at.to_location().span.line, 12);
    }
}
