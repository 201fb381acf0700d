//! Walking a directory for package files.
//!
//! Skipped directories, and why: VCS metadata (`.git`, `.hg`, `.svn`) holds no package
//! files of the project; `node_modules` holds installed copies of what the project's npm
//! lockfile already lists (and every nested `package.json`/lockfile there would be
//! counted again, with the wrong location). `vendor/` and `target/` are *not* skipped:
//! vendored code is shipped code, and a scanner that hides it misses what is deployed.
//! Symlinks below the root are not followed (no loops, no escaping the scanned tree),
//! depth is bounded, and files that package files refer to (`-r` includes, parent POMs)
//! are read only from inside the root ([`ConfinedFiles`]).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::{Cataloger, ConfinedFiles, MAX_FILE_BYTES};
use crate::error::CatalogError;
use crate::package::PackageSet;

/// How [`catalog_dir_with`] walks.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Directory names never entered.
    pub skip_dirs: Vec<String>,
    /// Deepest directory level entered below the root.
    pub max_depth: usize,
    /// Files larger than this are reported as problems, not read.
    pub max_file_bytes: u64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            skip_dirs: [".git", ".hg", ".svn", "node_modules"]
                .map(String::from)
                .to_vec(),
            max_depth: 64,
            max_file_bytes: MAX_FILE_BYTES,
        }
    }
}

/// Catalogs every package file under `root` (or `root` itself when it is a file) with
/// the default [`WalkOptions`].
pub fn catalog_dir(root: &Path) -> PackageSet {
    catalog_dir_with(root, &WalkOptions::default())
}

/// Catalogs every package file under `root`. Files are visited in name order, so the
/// result is the same on every run.
pub fn catalog_dir_with(root: &Path, options: &WalkOptions) -> PackageSet {
    let mut set = PackageSet::default();
    // The root itself was named by the user: follow it if it is a symlink.
    match fs::metadata(root) {
        Ok(meta) if meta.is_dir() => {
            let files = ConfinedFiles::new(root);
            walk(root, 0, options, &files, &mut set);
        }
        Ok(_) => {
            // A single file given directly, read when some cataloger claims its name;
            // what it refers to may come from its own directory.
            if let Some(cataloger) = Cataloger::for_path(root) {
                let parent = root.parent().filter(|p| !p.as_os_str().is_empty());
                let files = ConfinedFiles::new(parent.unwrap_or(Path::new(".")));
                catalog_one(root, cataloger, options, &files, &mut set);
            }
        }
        Err(source) => set.problems.push(CatalogError::Read {
            path: path_text(root),
            source,
        }),
    }
    drop_repeats(&mut set);
    set
}

/// A file read both on its own and through another's `-r` include gives the same
/// packages twice; keep the first of each (purl, file, line).
/// Catalogs files another walker found under `root` (lockgate's scan walker, which
/// honours `.gitignore` and the configuration's exclusions): the files a cataloger
/// claims by name, and executable ELF files for Go build information. References to
/// other files are read only from inside `root`. Files under `node_modules` are left
/// out, as [`catalog_dir`] leaves them.
pub fn catalog_files(root: &Path, files: &[PathBuf]) -> PackageSet {
    let options = WalkOptions::default();
    let confined = ConfinedFiles::new(if root.is_file() {
        root.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    } else {
        root
    });
    let mut set = PackageSet::default();
    for path in files {
        let skipped = path.components().any(|c| {
            c.as_os_str()
                .to_str()
                .is_some_and(|name| options.skip_dirs.iter().any(|s| s == name))
        });
        if skipped {
            continue;
        }
        match Cataloger::for_path(path) {
            Some(cataloger) => catalog_one(path, cataloger, &options, &confined, &mut set),
            None => catalog_if_go_binary(path, &mut set),
        }
    }
    drop_repeats(&mut set);
    set
}

/// Whether [`catalog_files`] would look at `path`, judged by its name alone: a file a
/// cataloger claims. Executable files are candidates too (Go binaries); the walker asks
/// [`is_executable`] for those.
pub fn claims_by_name(path: &Path) -> bool {
    Cataloger::for_path(path).is_some()
}

/// Whether a file has an execute bit (a possible Go binary).
pub fn is_executable(metadata: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        false
    }
}

fn drop_repeats(set: &mut PackageSet) {
    let mut seen = HashSet::new();
    set.packages.retain(|p| {
        seen.insert((
            p.purl.clone(),
            Arc::clone(&p.found_at.path),
            p.found_at.line,
            p.groups.clone(),
        ))
    });
}

fn walk(
    dir: &Path,
    depth: usize,
    options: &WalkOptions,
    files: &ConfinedFiles,
    set: &mut PackageSet,
) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) => {
            set.problems.push(CatalogError::Read {
                path: path_text(dir),
                source,
            });
            return;
        }
    };
    let mut children: Vec<(PathBuf, fs::FileType)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_type().ok().map(|t| (e.path(), t)))
        .collect();
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, file_type) in children {
        if file_type.is_dir() {
            let skipped = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| options.skip_dirs.iter().any(|s| s == n));
            if !skipped && depth < options.max_depth {
                walk(&path, depth + 1, options, files, set);
            }
        } else if file_type.is_file() {
            match Cataloger::for_path(&path) {
                Some(cataloger) => catalog_one(&path, cataloger, options, files, set),
                None => catalog_if_go_binary(&path, set),
            }
        }
    }
}

fn catalog_one(
    path: &Path,
    cataloger: Cataloger,
    options: &WalkOptions,
    files: &ConfinedFiles,
    set: &mut PackageSet,
) {
    let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > options.max_file_bytes {
        set.problems.push(CatalogError::TooLarge {
            path: path_text(path),
            size,
            limit: options.max_file_bytes,
        });
        return;
    }
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(source) => {
            set.problems.push(CatalogError::Read {
                path: path_text(path),
                source,
            });
            return;
        }
    };
    set.extend(cataloger.catalog(path, &bytes, files));
}

/// Executable ELF files are read for Go build information (only their headers and one
/// section); other files are not opened.
fn catalog_if_go_binary(path: &Path, set: &mut PackageSet) {
    if !fs::metadata(path).is_ok_and(|m| is_executable(&m)) {
        return;
    }
    let Ok(mut file) = fs::File::open(path) else {
        return;
    };
    let mut prefix = [0u8; 4];
    if std::io::Read::read_exact(&mut file, &mut prefix).is_err()
        || !crate::formats::gobinary::is_elf(&prefix)
    {
        return;
    }
    set.extend(crate::catalog_go_binary(path, &mut file));
}

fn path_text(path: &Path) -> Arc<str> {
    Arc::from(path.to_string_lossy().as_ref())
}
