//! Path helpers shared by the crates that name files in findings and packages.

use std::path::{Component, Path, PathBuf};

/// Resolves `.` and `..` lexically, without touching the file system (the path may name
/// a file inside an image, and symlinks are not followed anyway): `a/./b/../c` is `a/c`,
/// and `..` that climbs above the start is kept.
pub fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_resolve_without_the_file_system() {
        assert_eq!(
            normalize_lexically(Path::new("a/./b/../c")),
            PathBuf::from("a/c")
        );
        assert_eq!(
            normalize_lexically(Path::new("../x")),
            PathBuf::from("../x")
        );
        assert_eq!(
            normalize_lexically(Path::new("overlays/prod/../../base")),
            PathBuf::from("base")
        );
    }
}
