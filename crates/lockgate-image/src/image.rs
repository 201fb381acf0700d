//! Opening an image by what the user typed: a directory or archive on disk (with an
//! optional `:tag` or `@digest` after it), or a registry reference. The result is the same
//! [`Image`] whatever the source: config, layers and the squashed file tree, so the
//! checks give the same findings for the same image read from anywhere.

use std::io::Read;
use std::path::Path;

use crate::ImageError;
use crate::cache::Cache;
use crate::digest::Digest;
use crate::layers::{LayerBlob, SizeLimits, add_layer};
use crate::local::{Files, host_platform, locate};
use crate::reference::Reference;
use crate::registry::{Registry, RegistryOptions};
use crate::spec::ImageConfigFile;
use crate::tree::{FileTree, TreeLimits};

/// How to open images.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// `os/arch[/variant]` for multi-platform images; this machine's when `None`.
    pub platform: Option<String>,
    pub cache: Cache,
    pub size_limits: SizeLimits,
    pub tree_limits: TreeLimits,
    pub registry: RegistryOptions,
}

/// Where an image was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    OciLayout,
    DockerArchive,
    Registry,
}

impl SourceKind {
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::OciLayout => "OCI layout",
            SourceKind::DockerArchive => "docker archive",
            SourceKind::Registry => "registry",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub diff_id: Digest,
    pub digest: Option<Digest>,
    pub size: Option<u64>,
    /// Whether the layer came from the cache rather than its blob.
    pub cached: bool,
}

/// An opened image.
#[derive(Debug)]
pub struct Image {
    /// What the user named.
    pub reference: String,
    pub source: SourceKind,
    /// The manifest's digest (none for docker-save archives of the old format, which
    /// hold no manifest).
    pub manifest_digest: Option<Digest>,
    /// The digest to pin the image by (`name@digest`): the manifest's, or the index's for
    /// a multi-platform image.
    pub pin_digest: Option<Digest>,
    pub config_digest: Digest,
    pub config: ImageConfigFile,
    /// The config file as stored (checked against `config_digest`).
    pub config_bytes: Vec<u8>,
    /// Tags the source gives the image.
    pub names: Vec<String>,
    pub layers: Vec<LayerInfo>,
    pub tree: FileTree,
}

/// What [`open`] reports while it works (for a progress line).
#[derive(Debug, Clone)]
pub enum Progress {
    Resolved { layers: usize },
    Layer { index: usize, cached: bool },
}

/// Opens the image `reference` names.
pub fn open(
    reference: &str,
    options: &OpenOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Image, ImageError> {
    let platform = options.platform.clone().unwrap_or_else(host_platform);
    if let Some((path, selector, forced)) = local_path(reference) {
        return open_local(
            reference,
            &path,
            selector.as_deref(),
            forced,
            &platform,
            options,
            progress,
        );
    }
    let text = reference
        .strip_prefix("docker://")
        .or_else(|| reference.strip_prefix("registry:"))
        .unwrap_or(reference);
    let parsed = Reference::parse(text).map_err(|e| {
        ImageError::Usage(format!(
            "{e}; and no file or directory `{reference}` exists (give an OCI layout directory, a docker-save archive or a registry reference)"
        ))
    })?;
    let registry = Registry::new(&parsed, &options.registry)?;
    let resolved = registry.resolve(&parsed, &platform)?;
    let config_bytes = registry.fetch_document(&parsed, &resolved.manifest.config, "config")?;
    let layers = resolved
        .manifest
        .layers
        .iter()
        .map(|l| (l.digest.clone(), l.size))
        .collect::<Vec<_>>();
    assemble(
        reference,
        SourceKind::Registry,
        Some(resolved.manifest_digest),
        Some(resolved.top_digest),
        resolved.manifest.config.digest.clone(),
        &config_bytes,
        Vec::new(),
        layers
            .iter()
            .map(|(digest, size)| (Some(digest.clone()), Some(*size)))
            .collect(),
        |index| {
            let (digest, size) = &layers[index];
            registry
                .open_blob(&parsed, digest, *size)
                .map(|reader| Box::new(reader) as Box<dyn Read>)
        },
        options,
        progress,
    )
}

/// `PATH`, `PATH:selector` or `PATH@sha256:…` when PATH exists; the prefixes `oci:` and
/// `docker-archive:` say it must be a path. The third value is whether a prefix forced it.
fn local_path(reference: &str) -> Option<(std::path::PathBuf, Option<String>, bool)> {
    let (text, forced) = match reference
        .strip_prefix("oci:")
        .or_else(|| reference.strip_prefix("oci-archive:"))
        .or_else(|| reference.strip_prefix("docker-archive:"))
    {
        Some(rest) => (rest, true),
        None => (reference, false),
    };
    if Path::new(text).exists() {
        return Some((text.into(), None, forced));
    }
    // Split at each `:` or `@` from the right, so paths holding colons still work.
    for (at, _) in text
        .match_indices([':', '@'])
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let (path, selector) = (&text[..at], &text[at + 1..]);
        if !path.is_empty() && Path::new(path).exists() {
            // `@sha256:…` selects by digest, `:tag` by name; both are passed on whole.
            let selector = selector.to_string();
            return Some((path.into(), Some(selector), forced));
        }
    }
    forced.then(|| (text.into(), None, forced))
}

fn open_local(
    reference: &str,
    path: &Path,
    selector: Option<&str>,
    forced: bool,
    platform: &str,
    options: &OpenOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Image, ImageError> {
    if forced && !path.exists() {
        return Err(ImageError::Usage(format!(
            "{} does not exist",
            path.display()
        )));
    }
    let files = if path.is_dir() {
        Files::Directory(path.to_path_buf())
    } else {
        Files::archive(path)?
    };
    let located = locate(&files, selector, platform)?;
    let source = if files.exists("manifest.json") {
        SourceKind::DockerArchive
    } else {
        SourceKind::OciLayout
    };
    let config_bytes = files.read_document(&located.config_name, located.config_digest.as_ref())?;
    let config_digest = located
        .config_digest
        .clone()
        .unwrap_or_else(|| Digest::of(&config_bytes));
    let layers = located.layers;
    assemble(
        reference,
        source,
        located.manifest_digest,
        located.pin_digest,
        config_digest,
        &config_bytes,
        located.names,
        layers.iter().map(|(_, d, s)| (d.clone(), *s)).collect(),
        |index| files.open(&layers[index].0).map(|(_, reader)| reader),
        options,
        progress,
    )
}

/// Parses the config and applies the layers, the same for every source.
#[allow(clippy::too_many_arguments)]
fn assemble<'a>(
    reference: &str,
    source: SourceKind,
    manifest_digest: Option<Digest>,
    pin_digest: Option<Digest>,
    config_digest: Digest,
    config_bytes: &[u8],
    names: Vec<String>,
    blobs: Vec<(Option<Digest>, Option<u64>)>,
    open_blob: impl Fn(usize) -> Result<Box<dyn Read + 'a>, ImageError>,
    options: &OpenOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Image, ImageError> {
    let config: ImageConfigFile = serde_json::from_slice(config_bytes).map_err(|e| {
        ImageError::Refused(format!("{reference}: the image config is not valid: {e}"))
    })?;
    let diff_ids = &config.rootfs.diff_ids;
    if diff_ids.len() != blobs.len() {
        return Err(ImageError::Refused(format!(
            "{reference}: the manifest lists {} layers but the config's rootfs lists {}",
            blobs.len(),
            diff_ids.len()
        )));
    }
    progress(Progress::Resolved {
        layers: blobs.len(),
    });
    let mut tree = FileTree::new(options.tree_limits);
    let mut budget = options.size_limits.max_image_bytes;
    let mut layers = Vec::with_capacity(blobs.len());
    for (index, ((digest, size), diff_id)) in blobs.into_iter().zip(diff_ids).enumerate() {
        let blob = LayerBlob {
            digest: digest.clone(),
            size,
            diff_id: diff_id.clone(),
            name: format!(
                "{reference}: layer {} of {} ({})",
                index + 1,
                diff_ids.len(),
                digest.as_ref().unwrap_or(diff_id).short()
            ),
        };
        let mut failure = None;
        let cached = add_layer(
            &mut tree,
            &options.cache,
            &blob,
            || {
                open_blob(index).map_err(|e| {
                    let message = e.to_string();
                    failure = Some(e);
                    std::io::Error::other(message)
                })
            },
            &options.size_limits,
            &options.tree_limits,
            &mut budget,
        )
        .map_err(|e| {
            failure
                .take()
                .unwrap_or_else(|| ImageError::Refused(e.to_string()))
        })?;
        progress(Progress::Layer { index, cached });
        layers.push(LayerInfo {
            diff_id: diff_id.clone(),
            digest,
            size,
            cached,
        });
    }
    Ok(Image {
        reference: reference.to_string(),
        source,
        manifest_digest,
        pin_digest,
        config_digest,
        config,
        config_bytes: config_bytes.to_vec(),
        names,
        layers,
        tree,
    })
}
