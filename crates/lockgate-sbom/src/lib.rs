//! Package catalogers: turn lockfiles, manifests and OS package databases into one
//! [`PackageSet`] — every package with its name, exact version, OSV ecosystem, purl,
//! the file and line it was found at, its dependency groups and, for distro packages,
//! the source package that advisories are filed under.
//!
//! Sources feed `(path, bytes)` pairs through [`Cataloger::for_path`] and
//! [`Cataloger::catalog`]: [`catalog_dir`] walks a directory, [`catalog_file`] reads one
//! file's bytes, and an image's file tree can use the same two calls with its own
//! [`FileSource`]. Every input is treated as hostile: sizes, nesting and recursion are
//! bounded, and a file that cannot be parsed becomes a [`CatalogError`] in
//! [`PackageSet::problems`] while the run goes on.
//!
//! This crate must not match vulnerabilities or know about rules; it only says what is
//! installed or locked, and where.
//!
//! | file | ecosystem | line of each package | groups | commit / source |
//! |---|---|---|---|---|
//! | `Cargo.lock` | crates.io | `[[package]]` | — | git commit |
//! | `package-lock.json`, `npm-shrinkwrap.json` (v1–v3) | npm | entry key | `dev`, `optional` | git commit |
//! | `yarn.lock` (v1, berry) | npm | entry header | — | git commit |
//! | `pnpm-lock.yaml` (v5–v9) | npm | `packages` key | `dev`, `optional` (v5/v6) | git commit |
//! | `requirements*.txt` (with `-r`) | PyPI | requirement line | — | — |
//! | `poetry.lock`, `uv.lock` | PyPI | `[[package]]` | Poetry groups, `optional` | git commit |
//! | `Pipfile.lock` | PyPI | entry key | `dev` | git `ref` |
//! | `go.mod` | Go | `require` line | — | — |
//! | `Gemfile.lock`, `gems.locked` | RubyGems | spec line | — | `GIT` revision |
//! | `composer.lock` | Packagist | `name` key | `dev` | source reference |
//! | `gradle.lockfile` | Maven | coordinate line | — | — |
//! | `packages.lock.json` | NuGet | entry key | — | — |
//! | `pom.xml` | Maven | `<dependency>` | scope (`test`, `provided`, ...) | — |
//! | `var/lib/dpkg/status`, `status.d/*` | Debian | stanza | — | `Source:` package |
//! | `lib/apk/db/installed` | Alpine | stanza | — | `o:` origin, `c:` commit |
//! | `var/lib/rpm/rpmdb.sqlite` | rpm | — | — | source rpm |
//! | Go binaries (ELF, Go ≥ 1.18) | Go | — | — | — |
//!
//! Versions are exact or empty: a range (`>=1.2` in requirements, `[1,2)` in a POM) is
//! not an installed version, and reporting its bound would make matching guess.

mod catalog;
mod distro;
pub mod document;
mod error;
mod formats;
mod json;
mod license;
mod lines;
mod package;
pub mod purl;
mod sbom_input;
mod tree;
mod walk;

pub use catalog::{Cataloger, ConfinedFiles, FileSource, LocalFiles, MAX_FILE_BYTES, NoFiles};
pub use distro::Distro;
pub use error::CatalogError;
pub use license::{expression_is_denied, is_spdx_expression};
pub use package::{Ecosystem, FoundAt, Package, PackageSet, SourcePackage};
pub use sbom_input::{SbomPackages, read_sbom};
pub use walk::{
    WalkOptions, catalog_dir, catalog_dir_with, catalog_files, claims_by_name, is_executable,
};

use std::path::Path;

/// Catalogs one file from its bytes, choosing the cataloger by the file's name.
/// A file no cataloger reads gives an empty set. Files it refers to (`-r` includes,
/// parent POMs) are not read: use [`catalog_file_in`] for that.
pub fn catalog_file(path: &Path, bytes: &[u8]) -> PackageSet {
    catalog_file_in(path, bytes, &NoFiles)
}

/// Like [`catalog_file`], resolving files it refers to through `files`.
pub fn catalog_file_in(path: &Path, bytes: &[u8], files: &dyn FileSource) -> PackageSet {
    match Cataloger::for_path(path) {
        Some(cataloger) => cataloger.catalog(path, bytes, files),
        None => PackageSet::default(),
    }
}

/// Catalogs a Go binary from its embedded build information (ELF files built by Go 1.18
/// or later): its modules and the Go release that built it. A file that is no ELF
/// binary, or one not built by Go, gives an empty set; only the section headers and the
/// build-info section are read.
pub fn catalog_go_binary<R: std::io::Read + std::io::Seek>(
    path: &Path,
    file: &mut R,
) -> PackageSet {
    let shown: std::sync::Arc<str> = std::sync::Arc::from(path.to_string_lossy().as_ref());
    let mut set = PackageSet::default();
    match formats::gobinary::read_buildinfo(file) {
        Ok(None) => {}
        Ok(Some(section)) => match formats::gobinary::packages(&shown, &section) {
            Ok(packages) => set.packages = packages,
            Err(error) => set.problems.push(error),
        },
        Err(source) => set.problems.push(CatalogError::Read {
            path: shown,
            source,
        }),
    }
    set
}
