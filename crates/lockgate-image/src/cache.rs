//! The image cache: each layer's uncompressed tar under its diff ID (the digest of the
//! uncompressed content, which the image config lists), and config blobs under their
//! digest. A file lands there only after its digest was checked, through a temporary file
//! renamed into place, so a crash or a refused blob never leaves a partial entry and two
//! scans can share the cache.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::digest::Digest;

#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

/// lockgate's cache directory, shared by the image cache and the vulnerability
/// database: `$LOCKGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/lockgate`, else
/// `~/.cache/lockgate`, else a directory under the system's temp dir.
pub fn cache_home() -> PathBuf {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty("LOCKGATE_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = non_empty("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("lockgate");
    }
    if let Some(home) = non_empty("HOME") {
        return PathBuf::from(home).join(".cache/lockgate");
    }
    std::env::temp_dir().join("lockgate-cache")
}

impl Cache {
    /// A cache in `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Cache> {
        let root = root.into();
        for sub in ["layers", "blobs", "tmp"] {
            fs::create_dir_all(root.join(sub)).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot create the image cache in {}: {e} (choose another with --cache-dir or LOCKGATE_CACHE_DIR)",
                        root.display()
                    ),
                )
            })?;
        }
        Ok(Cache { root })
    }

    /// `images` under [`cache_home`].
    pub fn default_root() -> PathBuf {
        cache_home().join("images")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the uncompressed tar of the layer with this diff ID lives.
    pub fn layer_path(&self, diff_id: &Digest) -> PathBuf {
        self.root
            .join("layers")
            .join(format!("{}.tar", diff_id.hex()))
    }

    /// Where a small blob (a config) with this digest lives.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs").join(digest.hex())
    }

    /// A new temporary file in the cache, removed when dropped unless committed.
    pub fn temporary(&self) -> io::Result<Temporary> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "{}-{}-{nanos}.part",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = self.root.join("tmp").join(name);
        let file = File::options().write(true).create_new(true).open(&path)?;
        Ok(Temporary {
            path,
            file: Some(file),
        })
    }

    /// Stores a small verified blob.
    pub fn store_blob(&self, digest: &Digest, bytes: &[u8]) -> io::Result<()> {
        use std::io::Write;
        let mut temporary = self.temporary()?;
        temporary.file()?.write_all(bytes)?;
        temporary.commit(&self.blob_path(digest))
    }
}

/// A file being written into the cache.
#[derive(Debug)]
pub struct Temporary {
    path: PathBuf,
    file: Option<File>,
}

impl Temporary {
    pub fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("temporary cache file already committed"))
    }

    /// Moves the finished file to `destination` (atomically: same file system). No
    /// sync: it cost more than a quarter of a cold image scan, and readers check that a
    /// cached layer is complete (its end-of-archive marker) instead.
    pub fn commit(mut self, destination: &Path) -> io::Result<()> {
        self.file.take();
        fs::rename(&self.path, destination)
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = fs::remove_file(&self.path);
        }
    }
}
