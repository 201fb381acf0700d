//! Package ecosystems as OSV names them, and the version ordering each one uses.
//!
//! OSV ecosystem strings may carry a release after a colon (`Debian:12`, `Alpine:v3.18`,
//! `Ubuntu:22.04:LTS`, `Red Hat:enterprise_linux:9::appstream`): the ordering depends
//! only on the part before the first colon, so that is all [`Ecosystem::from_osv`] reads.

/// A package ecosystem whose versions lockgate can order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    /// Alpine and the other apk-based distributions (Wolfi, Chainguard, MinimOS).
    Alpine,
    Debian,
    Ubuntu,
    /// RPM-based distributions: Red Hat, AlmaLinux, Rocky Linux, openSUSE, SUSE, Mageia,
    /// openEuler, Azure Linux, Photon OS.
    Rpm,
    Npm,
    CratesIo,
    Go,
    /// Erlang/Elixir packages (hex.pm), SemVer 2.
    Hex,
    /// Swift packages named by URL, SemVer 2.
    SwiftUrl,
    Bitnami,
    PyPI,
    Maven,
    RubyGems,
    NuGet,
    Packagist,
    /// Dart and Flutter packages.
    Pub,
    /// Haskell packages.
    Hackage,
    /// R packages.
    Cran,
}

/// The comparison algorithm behind an [`Ecosystem`]; several ecosystems share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VersionScheme {
    /// apk-tools: numbers, one letter, `_suffix`es, `~hash`, `-rN`.
    Alpine,
    /// dpkg: `epoch:upstream-revision`, with `~` sorting before everything.
    Debian,
    /// rpmvercmp: `epoch:version-release`, `~` before and `^` after the base.
    Rpm,
    /// SemVer 2 as node-semver applies it, tolerant of a `v` prefix and extra numbers.
    SemVer,
    /// PEP 440, with pre-PEP "legacy" versions ordered before all valid ones.
    Pep440,
    /// Maven's `ComparableVersion`.
    Maven,
    /// `Gem::Version`.
    RubyGems,
    /// NuGet: four numeric parts, case-insensitive pre-release labels.
    NuGet,
    /// Composer, close to PHP's `version_compare`.
    Packagist,
    /// pub_semver: SemVer 2, except that build metadata also orders.
    Pub,
    /// Haskell's `Data.Version`: any number of numeric parts, longer is greater.
    Hackage,
    /// R's `package_version`: numbers separated by `.` or `-`, longer is greater.
    Cran,
}

impl Ecosystem {
    /// Every ecosystem, in declaration order.
    pub const ALL: [Ecosystem; 18] = [
        Ecosystem::Alpine,
        Ecosystem::Debian,
        Ecosystem::Ubuntu,
        Ecosystem::Rpm,
        Ecosystem::Npm,
        Ecosystem::CratesIo,
        Ecosystem::Go,
        Ecosystem::Hex,
        Ecosystem::SwiftUrl,
        Ecosystem::Bitnami,
        Ecosystem::PyPI,
        Ecosystem::Maven,
        Ecosystem::RubyGems,
        Ecosystem::NuGet,
        Ecosystem::Packagist,
        Ecosystem::Pub,
        Ecosystem::Hackage,
        Ecosystem::Cran,
    ];

    /// The ecosystem of an OSV `affected[].package.ecosystem` value, or `None` when
    /// lockgate has no ordering for it (such records can still match through their
    /// explicit `versions` lists). The release suffix (`Debian:12`) is ignored; names
    /// are matched exactly as OSV spells them.
    pub fn from_osv(name: &str) -> Option<Ecosystem> {
        let base = name.split(':').next().unwrap_or(name).trim();
        let ecosystem = match base {
            "Alpine" | "Wolfi" | "Chainguard" | "MinimOS" => Ecosystem::Alpine,
            "Debian" => Ecosystem::Debian,
            "Ubuntu" => Ecosystem::Ubuntu,
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia"
            | "openEuler" | "Azure Linux" | "Photon OS" => Ecosystem::Rpm,
            "npm" => Ecosystem::Npm,
            "crates.io" => Ecosystem::CratesIo,
            "Go" => Ecosystem::Go,
            "Hex" => Ecosystem::Hex,
            "SwiftURL" => Ecosystem::SwiftUrl,
            "Bitnami" => Ecosystem::Bitnami,
            "PyPI" => Ecosystem::PyPI,
            "Maven" => Ecosystem::Maven,
            "RubyGems" => Ecosystem::RubyGems,
            "NuGet" => Ecosystem::NuGet,
            "Packagist" => Ecosystem::Packagist,
            "Pub" => Ecosystem::Pub,
            "Hackage" => Ecosystem::Hackage,
            "CRAN" => Ecosystem::Cran,
            _ => return None,
        };
        Some(ecosystem)
    }

    /// The OSV name of this ecosystem (for [`Ecosystem::Rpm`] and [`Ecosystem::Alpine`],
    /// the name of the family's reference distribution).
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::Alpine => "Alpine",
            Ecosystem::Debian => "Debian",
            Ecosystem::Ubuntu => "Ubuntu",
            Ecosystem::Rpm => "Red Hat",
            Ecosystem::Npm => "npm",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Go => "Go",
            Ecosystem::Hex => "Hex",
            Ecosystem::SwiftUrl => "SwiftURL",
            Ecosystem::Bitnami => "Bitnami",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::Pub => "Pub",
            Ecosystem::Hackage => "Hackage",
            Ecosystem::Cran => "CRAN",
        }
    }

    /// The version ordering this ecosystem uses.
    pub fn scheme(self) -> VersionScheme {
        match self {
            Ecosystem::Alpine => VersionScheme::Alpine,
            Ecosystem::Debian | Ecosystem::Ubuntu => VersionScheme::Debian,
            Ecosystem::Rpm => VersionScheme::Rpm,
            Ecosystem::Npm
            | Ecosystem::CratesIo
            | Ecosystem::Go
            | Ecosystem::Hex
            | Ecosystem::SwiftUrl
            | Ecosystem::Bitnami => VersionScheme::SemVer,
            Ecosystem::PyPI => VersionScheme::Pep440,
            Ecosystem::Maven => VersionScheme::Maven,
            Ecosystem::RubyGems => VersionScheme::RubyGems,
            Ecosystem::NuGet => VersionScheme::NuGet,
            Ecosystem::Packagist => VersionScheme::Packagist,
            Ecosystem::Pub => VersionScheme::Pub,
            Ecosystem::Hackage => VersionScheme::Hackage,
            Ecosystem::Cran => VersionScheme::Cran,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_names_with_releases() {
        let cases = [
            ("Debian:12", Ecosystem::Debian),
            ("Alpine:v3.18", Ecosystem::Alpine),
            ("Ubuntu:22.04:LTS", Ecosystem::Ubuntu),
            ("Ubuntu:Pro:18.04:LTS", Ecosystem::Ubuntu),
            ("AlmaLinux:8", Ecosystem::Rpm),
            ("Red Hat:enterprise_linux:9::appstream", Ecosystem::Rpm),
            ("openSUSE:Leap 15.5", Ecosystem::Rpm),
            ("Rocky Linux:9", Ecosystem::Rpm),
            ("crates.io", Ecosystem::CratesIo),
            ("Go", Ecosystem::Go),
            ("npm", Ecosystem::Npm),
            ("PyPI", Ecosystem::PyPI),
            ("Maven", Ecosystem::Maven),
            ("RubyGems", Ecosystem::RubyGems),
            ("NuGet", Ecosystem::NuGet),
            ("Packagist", Ecosystem::Packagist),
            ("CRAN", Ecosystem::Cran),
        ];
        for (name, want) in cases {
            assert_eq!(Ecosystem::from_osv(name), Some(want), "{name}");
        }
        assert_eq!(Ecosystem::from_osv("GitHub Actions"), None);
        assert_eq!(Ecosystem::from_osv(""), None);
        assert_eq!(Ecosystem::from_osv("pypi"), None);
    }

    #[test]
    fn osv_name_round_trips() {
        for ecosystem in Ecosystem::ALL {
            assert_eq!(Ecosystem::from_osv(ecosystem.osv_name()), Some(ecosystem));
        }
    }
}
