//! Container images for lockgate: an image named by an OCI layout directory, a
//! `docker save`/`podman save` archive or a registry reference is resolved to its config
//! and layers, every blob is checked against its digest as it streams, and the layers are
//! squashed into a read-only [`FileTree`] (an index over a cache of uncompressed layers,
//! never an extraction). Hostile images (path traversal, escaping links, decompression
//! bombs, truncated or altered blobs) are refused with an error that says what and where.
//!
//! This crate reads images; it does not judge them: the checks are rules in
//! `lockgate-rules`, wired by the engine.

mod cache;
mod digest;
mod image;
mod layers;
mod local;
mod reference;
mod registry;
mod spec;
pub mod tar_stream;
mod tree;
mod verify;

pub use cache::{Cache, cache_home};
pub use digest::Digest;
pub use image::{Image, LayerInfo, OpenOptions, Progress, SourceKind, open};
pub use layers::SizeLimits;
pub use reference::Reference;
pub use registry::RegistryOptions;
pub use spec::{History, ImageConfigFile, RuntimeConfig};
pub use tree::{FileTree, Node, NodeKind, NodeReader, TreeLimits};
pub use verify::{PublicKey, Verification, VerifiedSignature, verify};

/// Why an image could not be opened. Each message names the image (and the layer and
/// entry, where one is at fault) and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The reference names nothing usable (no such path, tag or platform).
    #[error("{0}")]
    Usage(String),
    /// The image is malformed or hostile and was refused.
    #[error("{0}")]
    Refused(String),
    /// Reading local files failed.
    #[error("{0}")]
    Io(String),
    /// The registry could not be reached, refused access or failed.
    #[error("{0}")]
    Registry(String),
}
