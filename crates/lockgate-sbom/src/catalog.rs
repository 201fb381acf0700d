//! Which cataloger reads which file, and the one entry point every source uses:
//! `(path, bytes)` in, packages out. Directories, image file trees and single files all
//! come through [`Cataloger::for_path`] and [`Cataloger::catalog`].

use std::cell::RefCell;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::CatalogError;
use crate::formats;
use crate::package::PackageSet;

/// Files larger than this are not read. The largest real lockfiles are tens of MB
/// (a big monorepo's `package-lock.json`); a dpkg status of a full desktop is ~5 MB.
pub const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// Reads files that a cataloged file refers to: `-r other.txt` in requirements files, a
/// parent `pom.xml`. Directories use the local file system; images pass their file tree.
pub trait FileSource {
    /// The bytes of `path`; `io::ErrorKind::NotFound` when there is no such file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
}

/// A [`FileSource`] with no files: references to other files are reported as missing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFiles;

impl FileSource for NoFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} is not available to this catalog run", path.display()),
        ))
    }
}

/// The local file system, reading at most [`MAX_FILE_BYTES`] per file.
#[derive(Debug, Default, Clone, Copy)]
pub struct LocalFiles;

impl FileSource for LocalFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let file = std::fs::File::open(path)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("larger than {MAX_FILE_BYTES} bytes"),
            ));
        }
        Ok(bytes)
    }
}

/// The local file system below one directory: files that resolve (after symlinks and
/// `..`) outside it are refused, so a hostile `-r ../../../etc/shadow` or parent POM
/// path cannot pull unrelated files into a report. [`crate::catalog_dir`] uses it.
#[derive(Debug, Clone)]
pub struct ConfinedFiles {
    root: PathBuf,
}

impl ConfinedFiles {
    /// Confines reads to `root` (resolved now; a root that cannot be resolved admits
    /// nothing).
    pub fn new(root: &Path) -> ConfinedFiles {
        ConfinedFiles {
            root: std::fs::canonicalize(root).unwrap_or_default(),
        }
    }
}

impl FileSource for ConfinedFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let resolved = std::fs::canonicalize(path)?;
        if self.root.as_os_str().is_empty() || !resolved.starts_with(&self.root) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is outside the scanned directory {}",
                    path.display(),
                    self.root.display()
                ),
            ));
        }
        LocalFiles.read(&resolved)
    }
}

/// A file being cataloged, as the format parsers see it.
pub(crate) struct Input<'a> {
    /// The path as reported in locations and errors.
    pub path: Arc<str>,
    /// The path for resolving references to other files through `files`.
    pub fs_path: &'a Path,
    pub text: &'a str,
    pub files: &'a dyn FileSource,
    /// For OS package databases: the system's distribution, from its os-release file.
    pub distro: Option<crate::Distro>,
    /// Problems that do not stop this file's parse (a missing `-r` include).
    pub problems: RefCell<Vec<CatalogError>>,
}

impl Input<'_> {
    /// The purl namespace and `distro` qualifier of an OS package: the distribution's
    /// ID (`debian`, `ubuntu`) and `ID-VERSION_ID` (`debian-12`), else `default`.
    pub(crate) fn distro_purl_parts(&self, default: &'static str) -> (String, String) {
        match &self.distro {
            Some(distro) => (
                distro.id.clone(),
                distro
                    .version_id
                    .as_ref()
                    .map(|v| format!("{}-{v}", distro.id))
                    .unwrap_or_default(),
            ),
            None => (default.to_string(), String::new()),
        }
    }

    pub(crate) fn at(&self, line: Option<u32>) -> crate::FoundAt {
        crate::FoundAt {
            path: Arc::clone(&self.path),
            line,
        }
    }

    /// Records a problem and goes on parsing.
    pub(crate) fn warn(&self, error: CatalogError) {
        self.problems.borrow_mut().push(error);
    }

    /// A problem that leaves the file's packages standing.
    pub(crate) fn incomplete(&self, line: Option<u32>, message: impl Into<String>) -> CatalogError {
        CatalogError::Incomplete {
            path: Arc::clone(&self.path),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn error(&self, line: Option<u32>, message: impl Into<String>) -> CatalogError {
        CatalogError::parse(&self.path, line, message)
    }
}

/// One file format this crate can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cataloger {
    CargoLock,
    NpmLock,
    YarnLock,
    PnpmLock,
    RequirementsTxt,
    PoetryLock,
    PipfileLock,
    UvLock,
    GoMod,
    GemfileLock,
    ComposerLock,
    GradleLockfile,
    NugetLock,
    MavenPom,
    DpkgStatus,
    ApkInstalled,
    RpmSqlite,
}

impl Cataloger {
    /// Every cataloger, in the order a directory walk tries them.
    pub const ALL: [Cataloger; 17] = [
        Cataloger::CargoLock,
        Cataloger::NpmLock,
        Cataloger::YarnLock,
        Cataloger::PnpmLock,
        Cataloger::RequirementsTxt,
        Cataloger::PoetryLock,
        Cataloger::PipfileLock,
        Cataloger::UvLock,
        Cataloger::GoMod,
        Cataloger::GemfileLock,
        Cataloger::ComposerLock,
        Cataloger::GradleLockfile,
        Cataloger::NugetLock,
        Cataloger::MavenPom,
        Cataloger::DpkgStatus,
        Cataloger::ApkInstalled,
        Cataloger::RpmSqlite,
    ];

    /// A short stable name (`cargo-lock`, `dpkg-status`), for reports and options.
    pub fn name(self) -> &'static str {
        match self {
            Cataloger::CargoLock => "cargo-lock",
            Cataloger::NpmLock => "npm-lock",
            Cataloger::YarnLock => "yarn-lock",
            Cataloger::PnpmLock => "pnpm-lock",
            Cataloger::RequirementsTxt => "requirements-txt",
            Cataloger::PoetryLock => "poetry-lock",
            Cataloger::PipfileLock => "pipfile-lock",
            Cataloger::UvLock => "uv-lock",
            Cataloger::GoMod => "go-mod",
            Cataloger::GemfileLock => "gemfile-lock",
            Cataloger::ComposerLock => "composer-lock",
            Cataloger::GradleLockfile => "gradle-lockfile",
            Cataloger::NugetLock => "nuget-lock",
            Cataloger::MavenPom => "maven-pom",
            Cataloger::DpkgStatus => "dpkg-status",
            Cataloger::ApkInstalled => "apk-installed",
            Cataloger::RpmSqlite => "rpm-sqlite",
        }
    }

    /// The cataloger for a file, decided by its name (and, for OS databases, its
    /// directory): `Cargo.lock`, `var/lib/dpkg/status`, `lib/apk/db/installed`, ...
    pub fn for_path(path: &Path) -> Option<Cataloger> {
        let file_name = path.file_name()?.to_str()?;
        let parent = path
            .parent()
            .map(|p| p.to_string_lossy().replace('\\', "/"));
        let parent = parent.as_deref().unwrap_or("");
        let cataloger = match file_name {
            "Cargo.lock" => Cataloger::CargoLock,
            "package-lock.json" | "npm-shrinkwrap.json" => Cataloger::NpmLock,
            "yarn.lock" => Cataloger::YarnLock,
            "pnpm-lock.yaml" => Cataloger::PnpmLock,
            "poetry.lock" => Cataloger::PoetryLock,
            "Pipfile.lock" => Cataloger::PipfileLock,
            "uv.lock" => Cataloger::UvLock,
            "go.mod" => Cataloger::GoMod,
            "Gemfile.lock" | "gems.locked" => Cataloger::GemfileLock,
            "composer.lock" => Cataloger::ComposerLock,
            "gradle.lockfile" | "buildscript-gradle.lockfile" => Cataloger::GradleLockfile,
            "packages.lock.json" => Cataloger::NugetLock,
            "pom.xml" => Cataloger::MavenPom,
            "status" if parent.ends_with("var/lib/dpkg") => Cataloger::DpkgStatus,
            "installed" if parent.ends_with("lib/apk/db") => Cataloger::ApkInstalled,
            "rpmdb.sqlite"
                if parent.ends_with("var/lib/rpm") || parent.ends_with("usr/lib/sysimage/rpm") =>
            {
                Cataloger::RpmSqlite
            }
            _ if parent.ends_with("var/lib/dpkg/status.d") && !file_name.ends_with(".md5sums") => {
                // Distroless images: one status stanza per file.
                Cataloger::DpkgStatus
            }
            _ if parent.ends_with("gradle/dependency-locks")
                && file_name.ends_with(".lockfile") =>
            {
                Cataloger::GradleLockfile
            }
            _ if is_requirements_file(file_name, parent) => Cataloger::RequirementsTxt,
            _ => return None,
        };
        Some(cataloger)
    }

    /// Parses one file. `path` is reported in locations and errors; `files` resolves the
    /// other files this one refers to. A file that cannot be parsed gives no packages and
    /// one problem; problems that do not stop the parse (a missing include) come with
    /// the packages that could be read.
    pub fn catalog(self, path: &Path, bytes: &[u8], files: &dyn FileSource) -> PackageSet {
        let text = match self {
            // Binary: read from the bytes by its own parser.
            Cataloger::RpmSqlite => std::borrow::Cow::Borrowed(""),
            _ => String::from_utf8_lossy(bytes),
        };
        let input = Input {
            path: Arc::from(path.to_string_lossy().as_ref()),
            fs_path: path,
            text: text.strip_prefix('\u{feff}').unwrap_or(&text),
            files,
            distro: match self {
                Cataloger::DpkgStatus | Cataloger::ApkInstalled | Cataloger::RpmSqlite => {
                    crate::distro::of_database(path, files)
                }
                _ => None,
            },
            problems: RefCell::new(Vec::new()),
        };
        let parsed = match self {
            Cataloger::CargoLock => formats::cargo::parse(&input),
            Cataloger::NpmLock => formats::npm::parse(&input),
            Cataloger::YarnLock => formats::yarn::parse(&input),
            Cataloger::PnpmLock => formats::pnpm::parse(&input),
            Cataloger::RequirementsTxt => formats::requirements::parse(&input),
            Cataloger::PoetryLock => formats::poetry::parse(&input),
            Cataloger::PipfileLock => formats::pipfile::parse(&input),
            Cataloger::UvLock => formats::uv::parse(&input),
            Cataloger::GoMod => formats::gomod::parse(&input),
            Cataloger::GemfileLock => formats::gemfile::parse(&input),
            Cataloger::ComposerLock => formats::composer::parse(&input),
            Cataloger::GradleLockfile => formats::gradle::parse(&input),
            Cataloger::NugetLock => formats::nuget::parse(&input),
            Cataloger::MavenPom => formats::maven::parse(&input),
            Cataloger::DpkgStatus => formats::dpkg::parse(&input),
            Cataloger::ApkInstalled => formats::apk::parse(&input),
            // A binary SQLite file: parsed from the bytes, not the lossy text.
            Cataloger::RpmSqlite => formats::rpm::parse(&input, bytes),
        };
        let mut set = PackageSet {
            packages: Vec::new(),
            problems: input.problems.into_inner(),
        };
        match parsed {
            Ok(packages) => set.packages = packages,
            Err(error) => set.problems.push(error),
        }
        set
    }
}

/// `requirements.txt`, `requirements-dev.txt`, `dev-requirements.txt`, and any `.txt`
/// in a `requirements/` directory (a common layout: `requirements/base.txt`).
fn is_requirements_file(file_name: &str, parent: &str) -> bool {
    let Some(stem) = file_name.strip_suffix(".txt") else {
        return false;
    };
    stem.contains("requirements") || parent.ends_with("/requirements") || parent == "requirements"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_databases_are_recognized_by_their_directory() {
        assert_eq!(
            Cataloger::for_path(Path::new("img/var/lib/dpkg/status")),
            Some(Cataloger::DpkgStatus)
        );
        assert_eq!(Cataloger::for_path(Path::new("notes/status")), None);
        assert_eq!(
            Cataloger::for_path(Path::new("/lib/apk/db/installed")),
            Some(Cataloger::ApkInstalled)
        );
    }

    #[test]
    fn requirements_variants_are_recognized() {
        for path in [
            "requirements.txt",
            "requirements-dev.txt",
            "requirements/base.txt",
        ] {
            assert_eq!(
                Cataloger::for_path(Path::new(path)),
                Some(Cataloger::RequirementsTxt),
                "{path}"
            );
        }
        assert_eq!(Cataloger::for_path(Path::new("notes.txt")), None);
    }
}
