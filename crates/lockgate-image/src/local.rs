//! Images on disk: OCI image layouts (a directory, or a tar of one such as `skopeo copy
//! oci-archive:` writes), and `docker save` / `podman save` output (a tar, or the
//! directory it unpacks to), which holds `manifest.json` and, from Docker 25 on, an OCI
//! layout beside it.
//!
//! Both are read through [`Files`]: named files in a directory or in an archive. An
//! archive is indexed once (its tar headers, seeking over the data), then each file is
//! read in place, so a multi-gigabyte archive is never copied or held in memory.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::ImageError;
use crate::digest::{Digest, VerifyingReader};
use crate::spec::{Descriptor, DockerArchiveEntry, Index, ManifestDocument};
use crate::tar_stream::{EntryKind, Seekable, TarStream};

/// Manifests, indexes, configs and `manifest.json` above this size are refused.
pub const MAX_DOCUMENT: u64 = 4 << 20;

/// Named files in a directory or an archive.
pub enum Files {
    Directory(PathBuf),
    Archive {
        path: PathBuf,
        /// Name → (data offset, size).
        entries: HashMap<String, (u64, u64)>,
    },
}

impl Files {
    /// Indexes an archive (plain tar; `docker save` and `skopeo` write them uncompressed).
    pub fn archive(path: &Path) -> Result<Files, ImageError> {
        let file = File::open(path)
            .map_err(|e| ImageError::Usage(format!("cannot open {}: {e}", path.display())))?;
        let mut stream =
            TarStream::new(Seekable::new(BufReader::new(file)).map_err(|e| io_error(path, e))?);
        let mut entries = HashMap::new();
        let not_tar = |e: io::Error| {
            ImageError::Refused(format!(
                "{} is not a readable image archive (a tar from `docker save`, `podman save` or `skopeo copy`): {e}",
                path.display()
            ))
        };
        while let Some(entry) = stream.next_entry().map_err(not_tar)? {
            if entry.kind != EntryKind::File {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path);
            let name = name.trim_start_matches("./").to_string();
            if entries.len() >= 100_000 {
                return Err(ImageError::Refused(format!(
                    "{} holds more than 100,000 files: not an image archive",
                    path.display()
                )));
            }
            entries.insert(name, (entry.data_offset, entry.size));
        }
        Ok(Files::Archive {
            path: path.to_path_buf(),
            entries,
        })
    }

    pub fn exists(&self, name: &str) -> bool {
        match self {
            Files::Directory(dir) => safe_name(name).is_some_and(|n| dir.join(n).is_file()),
            Files::Archive { entries, .. } => entries.contains_key(name),
        }
    }

    /// The file's size and a reader of it.
    pub fn open(&self, name: &str) -> Result<(u64, Box<dyn Read + '_>), ImageError> {
        let missing = || ImageError::Refused(format!("{} has no file `{name}`", self.describe()));
        match self {
            Files::Directory(dir) => {
                let relative = safe_name(name).ok_or_else(missing)?;
                let path = dir.join(relative);
                let file = File::open(&path).map_err(|e| match e.kind() {
                    io::ErrorKind::NotFound => missing(),
                    _ => io_error(&path, e),
                })?;
                let size = file.metadata().map_err(|e| io_error(&path, e))?.len();
                Ok((size, Box::new(BufReader::with_capacity(256 << 10, file))))
            }
            Files::Archive { path, entries } => {
                let &(offset, size) = entries.get(name).ok_or_else(missing)?;
                let mut file = File::open(path).map_err(|e| io_error(path, e))?;
                file.seek(SeekFrom::Start(offset))
                    .map_err(|e| io_error(path, e))?;
                Ok((
                    size,
                    Box::new(BufReader::with_capacity(256 << 10, file.take(size))),
                ))
            }
        }
    }

    /// A small file (a JSON document), whole, checked against `digest` when given.
    pub fn read_document(
        &self,
        name: &str,
        digest: Option<&Digest>,
    ) -> Result<Vec<u8>, ImageError> {
        let (size, reader) = self.open(name)?;
        if size > MAX_DOCUMENT {
            return Err(ImageError::Refused(format!(
                "{} file `{name}` is {size} bytes; image documents are at most {MAX_DOCUMENT}",
                self.describe()
            )));
        }
        let mut verified = VerifyingReader::new(
            reader,
            digest.cloned(),
            None,
            format!("`{name}` in {}", self.describe()),
        );
        let mut bytes = Vec::new();
        verified
            .read_to_end(&mut bytes)
            .map_err(|e| ImageError::Refused(e.to_string()))?;
        Ok(bytes)
    }

    pub fn describe(&self) -> String {
        match self {
            Files::Directory(dir) => dir.display().to_string(),
            Files::Archive { path, .. } => path.display().to_string(),
        }
    }
}

/// A relative name with no `..`, no absolute part: the documents of a hostile archive
/// name the files to read, and must not name `/etc/shadow`.
fn safe_name(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    path.components()
        .all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
        .then(|| path.to_path_buf())
}

fn io_error(path: &Path, error: io::Error) -> ImageError {
    ImageError::Io(format!("{}: {error}", path.display()))
}

/// The blob path of a digest in an OCI layout.
pub fn blob_name(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}

/// Whether an image name in an archive (`docker.io/team/app:1`, as skopeo writes, or
/// `team/app:1`, as docker does) is the one asked for (`team/app:1`, or just the tag `1`).
fn same_name(tag: &str, wanted: &str) -> bool {
    if tag == wanted || tag.rsplit_once(':').is_some_and(|(_, t)| t == wanted) {
        return true;
    }
    match (
        crate::reference::Reference::parse(tag),
        crate::reference::Reference::parse(wanted),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// How one image of a local source is found: its config and layers by name.
pub struct LocalImage {
    pub manifest_digest: Option<Digest>,
    /// The digest of what the layout's index points at (an index for multi-platform).
    pub pin_digest: Option<Digest>,
    pub config_name: String,
    pub config_digest: Option<Digest>,
    /// (file name, descriptor digest, descriptor size)
    pub layers: Vec<(String, Option<Digest>, Option<u64>)>,
    /// The names the image carries (`RepoTags`, `org.opencontainers.image.ref.name`).
    pub names: Vec<String>,
}

/// Picks the image `selector` names (a tag or a digest; `None` when there is one image)
/// in an OCI layout or a docker-save tree, for `platform` when it is a multi-platform
/// index.
pub fn locate(
    files: &Files,
    selector: Option<&str>,
    platform: &str,
) -> Result<LocalImage, ImageError> {
    // Docker 25+ writes both; manifest.json names the tags `docker save` was given.
    if files.exists("manifest.json") {
        return locate_docker(files, selector);
    }
    if files.exists("index.json") {
        return locate_oci(files, selector, platform);
    }
    Err(ImageError::Usage(format!(
        "{} is neither an OCI image layout (no index.json) nor a docker-save archive (no manifest.json)",
        files.describe()
    )))
}

fn locate_docker(files: &Files, selector: Option<&str>) -> Result<LocalImage, ImageError> {
    let bytes = files.read_document("manifest.json", None)?;
    let images: Vec<DockerArchiveEntry> = serde_json::from_slice(&bytes).map_err(|e| {
        ImageError::Refused(format!(
            "{}: manifest.json is not valid: {e}",
            files.describe()
        ))
    })?;
    let tags = |image: &DockerArchiveEntry| image.repo_tags.clone().unwrap_or_default();
    let chosen = match selector {
        None if images.len() == 1 => &images[0],
        None => {
            let all: Vec<String> = images.iter().flat_map(tags).collect();
            return Err(ImageError::Usage(format!(
                "{} holds {} images; name one after a colon: {}",
                files.describe(),
                images.len(),
                all.join(", ")
            )));
        }
        Some(wanted) => images
            .iter()
            .find(|image| tags(image).iter().any(|tag| same_name(tag, wanted)))
            .ok_or_else(|| {
                ImageError::Usage(format!(
                    "{} has no image tagged `{wanted}` (it has: {})",
                    files.describe(),
                    images.iter().flat_map(tags).collect::<Vec<_>>().join(", ")
                ))
            })?,
    };
    // The config is named after its digest (`<hex>.json`, or `blobs/sha256/<hex>`).
    let config_digest = chosen
        .config
        .rsplit('/')
        .next()
        .map(|name| name.trim_end_matches(".json"))
        .and_then(Digest::from_hex);
    let layers = chosen
        .layers
        .iter()
        .map(|name| {
            let digest = name
                .strip_prefix("blobs/sha256/")
                .and_then(Digest::from_hex);
            (name.clone(), digest, None)
        })
        .collect();
    Ok(LocalImage {
        manifest_digest: None,
        pin_digest: None,
        config_name: chosen.config.clone(),
        config_digest,
        layers,
        names: tags(chosen),
    })
}

fn locate_oci(
    files: &Files,
    selector: Option<&str>,
    platform: &str,
) -> Result<LocalImage, ImageError> {
    let bytes = files.read_document("index.json", None)?;
    let index: Index = serde_json::from_slice(&bytes).map_err(|e| {
        ImageError::Refused(format!(
            "{}: index.json is not valid: {e}",
            files.describe()
        ))
    })?;
    let name_of = |d: &Descriptor| {
        d.annotations
            .get("org.opencontainers.image.ref.name")
            .cloned()
            .unwrap_or_default()
    };
    let descriptor = match selector {
        Some(wanted) if wanted.starts_with("sha256:") => index
            .manifests
            .iter()
            .find(|d| d.digest.to_string() == wanted),
        Some(wanted) => index.manifests.iter().find(|d| {
            let name = name_of(d);
            name == wanted || name.rsplit_once(':').is_some_and(|(_, tag)| tag == wanted)
        }),
        None if index.manifests.len() == 1 => index.manifests.first(),
        None => {
            return Err(ImageError::Usage(format!(
                "{} holds {} images; name one after a colon: {}",
                files.describe(),
                index.manifests.len(),
                index
                    .manifests
                    .iter()
                    .map(|d| {
                        let name = name_of(d);
                        if name.is_empty() {
                            d.digest.to_string()
                        } else {
                            name
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    .ok_or_else(|| {
        ImageError::Usage(format!(
            "{} has no image `{}`",
            files.describe(),
            selector.unwrap_or_default()
        ))
    })?
    .clone();
    let names = vec![name_of(&descriptor)]
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect();
    let pin_digest = descriptor.digest.clone();
    let manifest = resolve_manifest(
        |digest| files.read_document(&blob_name(digest), Some(digest)),
        descriptor,
        platform,
        &files.describe(),
    )?;
    Ok(LocalImage {
        manifest_digest: Some(manifest.0),
        pin_digest: Some(pin_digest),
        config_name: blob_name(&manifest.1.config.digest),
        config_digest: Some(manifest.1.config.digest.clone()),
        layers: manifest
            .1
            .layers
            .iter()
            .map(|l| (blob_name(&l.digest), Some(l.digest.clone()), Some(l.size)))
            .collect(),
        names,
    })
}

/// Follows a descriptor through indexes (choosing `platform`) to an image manifest; returns
/// the manifest's digest and the manifest.
pub fn resolve_manifest(
    mut fetch: impl FnMut(&Digest) -> Result<Vec<u8>, ImageError>,
    mut descriptor: Descriptor,
    platform: &str,
    source: &str,
) -> Result<(Digest, crate::spec::Manifest), ImageError> {
    // Indexes may nest; real ones nest once at most.
    for _ in 0..4 {
        let bytes = fetch(&descriptor.digest)?;
        let document =
            ManifestDocument::parse(&bytes, Some(&descriptor.media_type)).map_err(|e| {
                ImageError::Refused(format!(
                    "{source}: manifest {}: {e}",
                    descriptor.digest.short()
                ))
            })?;
        match document {
            ManifestDocument::Image(manifest) => return Ok((descriptor.digest, manifest)),
            ManifestDocument::Index(index) => {
                descriptor = select_platform(&index, platform).ok_or_else(|| {
                    let available: Vec<String> = index
                        .manifests
                        .iter()
                        .filter_map(|d| d.platform.as_ref())
                        .map(|p| format!("{}/{}", p.os, p.architecture))
                        .collect();
                    ImageError::Usage(format!(
                        "{source}: no image for platform {platform} (available: {}); choose one with --platform",
                        available.join(", ")
                    ))
                })?;
            }
        }
    }
    Err(ImageError::Refused(format!(
        "{source}: indexes nested too deep"
    )))
}

/// The entry of `index` for `platform` (`os/arch[/variant]`); an entry without platform
/// counts when it is the only one.
pub fn select_platform(index: &Index, platform: &str) -> Option<Descriptor> {
    let mut parts = platform.split('/');
    let (os, arch, variant) = (parts.next()?, parts.next()?, parts.next());
    let matching = index.manifests.iter().find(|d| {
        d.platform.as_ref().is_some_and(|p| {
            p.os == os
                && p.architecture == arch
                && variant.is_none_or(|v| p.variant.as_deref() == Some(v))
        })
    });
    matching
        .or_else(|| (index.manifests.len() == 1).then(|| &index.manifests[0]))
        .cloned()
}

/// The platform of this machine in OCI terms.
pub fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("linux/{arch}")
}
