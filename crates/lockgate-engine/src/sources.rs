//! Sources: which files a scan reads. Walks directories (honouring `.gitignore` and
//! `exclude` globs, never following symlinks, so symlink loops cannot hang a walk), picks
//! manifests by extension, every other file for the secrets scanner, and finds Kustomize
//! directories and Helm charts, whose rendered output replaces their raw files.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Files larger than this are reported instead of parsed (configurable: `max-file-size`).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];
const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What walking the inputs found.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// Plain manifest files, in walk order.
    pub files: Vec<PathBuf>,
    /// Every other file, for the secrets scanner (only walked when it runs).
    pub texts: Vec<PathBuf>,
    /// Dockerfiles (by name): Dockerfile rules and the secrets scanner read them.
    pub dockerfiles: Vec<PathBuf>,
    /// Files named on the command line (not found by walking): always held to the
    /// strict standard, since the user said they are manifests.
    pub explicit: Vec<PathBuf>,
    /// Directories holding a kustomization file.
    pub kustomizations: Vec<PathBuf>,
    /// Directories holding a `Chart.yaml`.
    pub charts: Vec<PathBuf>,
    /// Problems met while walking (unreadable directories, ...).
    pub errors: Vec<(String, String)>,
    /// Package files (lockfiles, package databases, executables that may be Go
    /// binaries) under each walked root, when packages are checked.
    pub packages: Vec<(PathBuf, Vec<PathBuf>)>,
}

/// Compiles a path glob the way `.gitignore` reads one: `*` stays within one directory,
/// `**` crosses directories.
pub(crate) fn path_glob(pattern: &str) -> Result<Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
}

pub(crate) fn build_excludes(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = path_glob(pattern).map_err(|e| format!("exclude pattern `{pattern}`: {e}"))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Slash-separated display form of a path, without a leading `./`.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// Display form of a path relative to the current directory when it lies below it
/// (configuration files are found by absolute path; findings show relative ones).
pub(crate) fn display_relative(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    match relative {
        Some(relative) if relative.as_os_str().is_empty() => ".".to_string(),
        Some(relative) => display_path(&relative),
        None => display_path(path),
    }
}

/// Walks one input path. A file given explicitly is always taken, whatever its extension.
/// Whether an exclusion matches `path` as shown, or relative to the directory holding the
/// configuration file (so `exclude = ["vendor/**"]` works from any working directory).
pub(crate) fn is_excluded(excludes: &GlobSet, path: &Path, config_dir: Option<&Path>) -> bool {
    if excludes.is_empty() {
        return false;
    }
    if excludes.is_match(display_path(path)) {
        return true;
    }
    config_dir.is_some_and(|dir| {
        std::path::absolute(path)
            .ok()
            .and_then(|absolute| absolute.strip_prefix(dir).ok().map(Path::to_path_buf))
            .is_some_and(|relative| excludes.is_match(relative))
    })
}

/// Extensions that make `Dockerfile.<ext>` something else: documentation, templates that
/// are not Dockerfiles until rendered, BuildKit's per-Dockerfile ignore file, backups.
const NOT_DOCKERFILE_EXTENSIONS: &[&str] = &[
    "md",
    "markdown",
    "txt",
    "rst",
    "adoc",
    "html",
    "j2",
    "jinja",
    "jinja2",
    "tmpl",
    "tpl",
    "template",
    "erb",
    "mustache",
    "dockerignore",
    "orig",
    "bak",
    "swp",
    "patch",
    "diff",
    "sh",
    "yml",
    "yaml",
    "json",
    "toml",
    "lock",
];

/// Whether a file is a Dockerfile by its name: `Dockerfile`, `Containerfile`,
/// `Dockerfile.prod`, `api.Dockerfile` (any case), but not `Dockerfile.md` or
/// `Dockerfile.j2` (see [`NOT_DOCKERFILE_EXTENSIONS`]).
pub(crate) fn is_dockerfile(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    if let Some((_, extension)) = lower.rsplit_once('.')
        && NOT_DOCKERFILE_EXTENSIONS.contains(&extension)
    {
        return false;
    }
    ["dockerfile", "containerfile"].iter().any(|base| {
        lower == *base
            || lower
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1)
            || lower
                .strip_suffix(base)
                .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1)
    })
}

pub(crate) fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Walks `root`. With `all_files` (the secrets scanner runs), files of any type are taken,
/// hidden ones included (`.env`, `.npmrc`), but never anything under `.git`.
pub(crate) fn walk(
    root: &Path,
    excludes: &GlobSet,
    config_dir: Option<&Path>,
    all_files: bool,
    packages: bool,
    walked: &mut Walked,
) {
    let mut package_files = Vec::new();
    if root.is_file() {
        if packages {
            walked
                .packages
                .push((root.to_path_buf(), vec![root.to_path_buf()]));
        }
        // A file named on the command line is a manifest when its extension says so, or
        // when only manifests are scanned (the user said it is one).
        if is_dockerfile(root) {
            walked.dockerfiles.push(root.to_path_buf());
        } else if has_manifest_extension(root) || !all_files {
            walked.files.push(root.to_path_buf());
        } else {
            walked.texts.push(root.to_path_buf());
        }
        walked.explicit.push(root.to_path_buf());
        return;
    }
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .follow_links(false)
        .hidden(!all_files)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b));
    // Excluded directories are pruned, not just skipped, so nothing below them is read
    // and an excluded chart is not mistaken for plain files.
    let prune = excludes.clone();
    let prune_dir = config_dir.map(Path::to_path_buf);
    builder.filter_entry(move |entry| {
        entry.file_name() != ".git" && !is_excluded(&prune, entry.path(), prune_dir.as_deref())
    });
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                walked.errors.push((display_path(root), error.to_string()));
                continue;
            }
        };
        let path = entry.path();
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            continue;
        }
        // A directory is a chart or a kustomization by the files it holds: seen here as
        // the walk lists them, rather than probed with a stat per directory.
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let is_kustomization = KUSTOMIZATION_FILES.contains(&name);
        if (name == "Chart.yaml" || is_kustomization)
            && (file_type.is_file() || path.is_file())
            && let Some(dir) = path.parent()
        {
            if is_kustomization {
                walked.kustomizations.push(dir.to_path_buf());
            } else {
                walked.charts.push(dir.to_path_buf());
            }
        }
        if !file_type.is_file() {
            continue;
        }
        if packages
            && (lockgate_sbom::claims_by_name(path)
                || entry
                    .metadata()
                    .is_ok_and(|m| lockgate_sbom::is_executable(&m)))
        {
            package_files.push(path.to_path_buf());
        }
        if is_dockerfile(path) {
            walked.dockerfiles.push(path.to_path_buf());
            continue;
        }
        let is_manifest = has_manifest_extension(path);
        if is_manifest && !is_kustomization {
            walked.files.push(path.to_path_buf());
        } else if all_files {
            walked.texts.push(path.to_path_buf());
        }
    }
    if packages {
        walked.packages.push((root.to_path_buf(), package_files));
    }
    // A chart that also holds a kustomization file is rendered as a chart; a directory
    // with two spellings of the kustomization file is one kustomization.
    let mut seen = std::collections::HashSet::new();
    let charts = &walked.charts;
    walked
        .kustomizations
        .retain(|dir| !charts.contains(dir) && seen.insert(dir.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_manifests_and_finds_charts_and_kustomizations() {
        let dir = std::env::temp_dir().join(format!("lockgate-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("chart/templates")).unwrap();
        std::fs::create_dir_all(dir.join("kust")).unwrap();
        std::fs::create_dir_all(dir.join("ignored")).unwrap();
        std::fs::write(dir.join("a.yaml"), "").unwrap();
        std::fs::write(dir.join("kust/skip-me.yaml"), "").unwrap();
        std::fs::create_dir_all(dir.join("vendor/deep")).unwrap();
        std::fs::write(dir.join("vendor/deep/v.yaml"), "").unwrap();
        std::fs::write(dir.join("notes.txt"), "").unwrap();
        std::fs::write(dir.join("chart/Chart.yaml"), "").unwrap();
        std::fs::write(dir.join("chart/templates/d.yaml"), "").unwrap();
        std::fs::write(dir.join("kust/kustomization.yaml"), "").unwrap();
        std::fs::write(dir.join("kust/b.yml"), "").unwrap();
        std::fs::write(dir.join("ignored/c.yaml"), "").unwrap();
        std::fs::write(dir.join(".gitignore"), "ignored/\n").unwrap();
        let mut walked = Walked::default();
        walk(
            &dir,
            &build_excludes(&["**/skip-*.yaml".to_string()]).unwrap(),
            None,
            false,
            false,
            &mut walked,
        );
        let names: Vec<_> = walked
            .files
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().to_string())
            .collect();
        assert!(names.contains(&"a.yaml".to_string()));
        assert!(names.contains(&"kust/b.yml".to_string()));
        assert!(
            !names
                .iter()
                .any(|n| n.contains("ignored") || n.ends_with(".txt"))
        );
        assert_eq!(walked.charts, [dir.join("chart")]);
        assert_eq!(walked.kustomizations, [dir.join("kust")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
