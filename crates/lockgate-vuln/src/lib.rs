//! Vulnerability matching for lockgate: each ecosystem's own version ordering
//! ([`Ecosystem`], [`Version`], [`compare`]), the base of exact OSV range matching.
//!
//! Every ordering follows the ecosystem's reference implementation (dpkg, apk-tools,
//! rpmvercmp, node-semver, PEP 440 `packaging`, Maven's `ComparableVersion`, RubyGems,
//! NuGet, Composer/PHP `version_compare`, R's `package_version`), as pinned by the
//! upstream fixtures in `../shared/corpora/sbom-osv-scanner/version-comparison/`.
//! Version strings are untrusted: parsing never fails and never panics, numbers of any
//! length compare without overflow, and nothing recurses on input. Every order but
//! Maven's is total (checked on random input); Maven's is not transitive in Maven
//! itself, so sort versions from input with [`sort_versions`] (see [`Version`]).
//!
//! ```
//! use std::cmp::Ordering;
//! use lockgate_vuln::{Ecosystem, Version, compare};
//!
//! let debian = Ecosystem::from_osv("Debian:12").unwrap();
//! assert_eq!(compare(debian, "1.2~rc1-1", "1.2-1"), Ordering::Less);
//!
//! // Parse once, compare many times (range bounds of an advisory).
//! let installed = Version::parse(Ecosystem::PyPI, "2.31.0");
//! let fixed = Version::parse(Ecosystem::PyPI, "2.31.0.post1");
//! assert!(installed < fixed);
//! ```
//!
//! On top of the orderings: the OSV record model ([`osv`]), an advisory database in one
//! file ([`Database`]: import of OSV JSON/YAML files, directories and `all.zip`
//! archives, atomic writes, sources and age; [`update`] downloads OSV's archives
//! resumably and imports them all or nothing), and exact matching ([`match_package`],
//! [`match_packages`]) with severities from CVSS v3 and v4 vectors ([`severity`], [`cvss4`]).
//!
//! Only [`Database`] and [`update`] do I/O (their inputs, the network, their own file); the orderings and
//! the range evaluation are pure.

mod compact;
pub mod cvss4;
mod db;
mod ecosystem;
mod matcher;
pub mod osv;
pub mod severity;
mod update;
mod version;

pub use db::{
    Database, DbError, ImportReport, MAX_ARCHIVE_BYTES, MAX_ARCHIVE_ENTRIES, MAX_DIRECTORY_DEPTH,
    MAX_RECORD_FILE_BYTES, Source, SourceKind, ecosystem_family, normalize_name,
};
pub use ecosystem::{Ecosystem, VersionScheme};
pub use matcher::{Match, MatchOptions, Query, match_package, match_packages};
pub use severity::{Rating, Severity};
pub use update::{
    ArchiveReport, ArchiveStatus, DEFAULT_BASE_URL, DEFAULT_MAX_DOWNLOAD_BYTES, UpdateError,
    UpdateOptions, UpdateReport, update,
};
pub use version::{Version, compare, sort_versions};
