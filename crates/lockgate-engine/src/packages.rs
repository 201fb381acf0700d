//! The packages of a directory or an image, through `lockgate-sbom`'s catalogers: a
//! directory is walked by the catalog itself; an image's file tree is searched for the
//! files a cataloger reads (package databases, lockfiles of the applications it holds),
//! and each is read from the image cache, never from the host.

use std::io;
use std::path::{Path, PathBuf};

use lockgate_image::FileTree;
use lockgate_sbom::{Cataloger, FileSource, PackageSet, catalog_file_in};

use crate::image::ImageInput;
use crate::scan::ScanError;

/// What to catalog.
#[derive(Debug, Clone)]
pub enum PackageSource {
    Path(PathBuf),
    Image(Box<ImageInput>),
}

/// The packages of `source`. For an image, also the line that describes the image.
pub fn catalog_packages(source: &PackageSource) -> Result<(PackageSet, Option<String>), ScanError> {
    match source {
        PackageSource::Path(path) => {
            if !path.exists() {
                return Err(ScanError(format!("{} does not exist", path.display())));
            }
            // The scan's own walk: `.gitignore`d build outputs are not the project's
            // packages, and `lockgate scan` leaves them out too.
            let mut walked = crate::sources::Walked::default();
            crate::sources::walk(
                path,
                &globset::GlobSet::empty(),
                None,
                false,
                true,
                &mut walked,
            );
            let mut set = PackageSet::default();
            for (root, files) in &walked.packages {
                set.extend(lockgate_sbom::catalog_files(root, files));
            }
            for (shown, error) in walked.errors {
                set.problems.push(lockgate_sbom::CatalogError::Read {
                    path: std::sync::Arc::from(shown.as_str()),
                    source: io::Error::other(error),
                });
            }
            Ok((set, None))
        }
        PackageSource::Image(input) => {
            let image = lockgate_image::open(&input.reference, &input.open, &mut |_| {})
                .map_err(|e| ScanError(e.to_string()))?;
            let set = catalog_tree(&image.tree);
            let line = format!(
                "image {} ({} layers, {} files)",
                input.reference,
                image.layers.len(),
                image.tree.len()
            );
            Ok((set, Some(line)))
        }
    }
}

/// Package files of an image's tree, cataloged with the tree as the source of the
/// files they refer to.
pub fn catalog_tree(tree: &FileTree) -> PackageSet {
    let files = TreeFiles(tree);
    let mut set = PackageSet::default();
    for (path, node) in tree.iter() {
        if !node.is_file() {
            continue;
        }
        let shown = PathBuf::from(format!("/{path}"));
        if Cataloger::for_path(&shown).is_none() {
            if node.mode & 0o111 != 0 && node.size > 64 {
                set.extend(go_binary(tree, node, &shown));
            }
            continue;
        }
        match files.read(&shown) {
            Ok(bytes) => set.extend(catalog_file_in(&shown, &bytes, &files)),
            Err(source) => set.problems.push(lockgate_sbom::CatalogError::Read {
                path: std::sync::Arc::from(shown.display().to_string()),
                source,
            }),
        }
    }
    set
}

/// The Go build information of an executable ELF file of the image (only its first
/// bytes, section headers and one section are read from the cache).
fn go_binary(tree: &FileTree, node: &lockgate_image::Node, shown: &Path) -> PackageSet {
    let is_elf = tree
        .read_node_prefix(node, 4)
        .is_ok_and(|prefix| prefix.starts_with(b"\x7fELF"));
    if !is_elf {
        return PackageSet::default();
    }
    match tree.open_node(node) {
        Ok(mut reader) => lockgate_sbom::catalog_go_binary(shown, &mut reader),
        Err(source) => PackageSet {
            packages: Vec::new(),
            problems: vec![lockgate_sbom::CatalogError::Read {
                path: std::sync::Arc::from(shown.display().to_string()),
                source,
            }],
        },
    }
}

/// The image's files, read from the cache, as a cataloger's source of referenced files.
struct TreeFiles<'a>(&'a FileTree);

impl FileSource for TreeFiles<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let text = path.to_string_lossy();
        self.0
            .read(&text, lockgate_sbom::MAX_FILE_BYTES)?
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{text} is not a file of the image, or is too large"),
                )
            })
    }
}
