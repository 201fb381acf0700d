//! The documents of the OCI image spec and of Docker's image format that lockgate reads:
//! index (and Docker manifest list), manifest, descriptor, image config, and `docker save`'s
//! `manifest.json`. Only the fields lockgate uses; unknown fields are ignored, as the specs
//! require of readers.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::digest::Digest;

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// What a registry is asked for (the `Accept` header), most specific first.
pub const MANIFEST_MEDIA_TYPES: &[&str] = &[
    OCI_INDEX,
    OCI_MANIFEST,
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST,
];

/// A pointer to a blob or a manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(default)]
    pub platform: Option<Platform>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Platform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
}

/// An OCI image index or a Docker manifest list, and OCI layouts' `index.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
}

/// An OCI image manifest or a Docker schema 2 manifest (the same shape).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
}

/// Either kind of document a manifest reference can name. Told apart by `mediaType`
/// when present, else by shape (`manifests` for an index, `config` for a manifest), as
/// older tools leave `mediaType` out.
#[derive(Debug, Clone)]
pub enum ManifestDocument {
    Index(Index),
    Image(Manifest),
}

impl ManifestDocument {
    pub fn parse(bytes: &[u8], declared: Option<&str>) -> Result<ManifestDocument, String> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let media_type = value
            .get("mediaType")
            .and_then(|v| v.as_str())
            .or(declared)
            .unwrap_or("");
        let is_index = match media_type {
            OCI_INDEX | DOCKER_MANIFEST_LIST => true,
            OCI_MANIFEST | DOCKER_MANIFEST => false,
            _ => value.get("manifests").is_some(),
        };
        if is_index {
            serde_json::from_value(value)
                .map(ManifestDocument::Index)
                .map_err(|e| format!("not an image index: {e}"))
        } else if value.get("schemaVersion").and_then(|v| v.as_u64()) == Some(1) {
            Err("Docker schema 1 manifests are not supported (deprecated since 2017); re-push the image with a current tool".into())
        } else {
            serde_json::from_value(value)
                .map(ManifestDocument::Image)
                .map_err(|e| format!("not an image manifest: {e}"))
        }
    }
}

/// The image configuration (`application/vnd.oci.image.config.v1+json`, and Docker's,
/// which has the same fields).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ImageConfigFile {
    pub architecture: String,
    pub os: String,
    pub created: Option<String>,
    pub config: RuntimeConfig,
    pub rootfs: RootFs,
    pub history: Vec<History>,
}

/// How a container of the image runs: `config` inside the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RuntimeConfig {
    #[serde(rename = "User")]
    pub user: Option<String>,
    #[serde(rename = "ExposedPorts")]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(rename = "Env")]
    pub env: Option<Vec<String>>,
    #[serde(rename = "Entrypoint")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd")]
    pub cmd: Option<Vec<String>>,
    #[serde(rename = "WorkingDir")]
    pub working_dir: Option<String>,
    #[serde(rename = "Labels")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "Healthcheck")]
    pub healthcheck: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RootFs {
    #[serde(rename = "type")]
    pub kind: String,
    pub diff_ids: Vec<Digest>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct History {
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub comment: Option<String>,
    pub empty_layer: bool,
}

/// One image of `docker save`'s `manifest.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerArchiveEntry {
    pub config: String,
    #[serde(default)]
    pub repo_tags: Option<Vec<String>>,
    pub layers: Vec<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const D: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn tells_indexes_from_manifests_without_media_type() {
        let index = format!(r#"{{"schemaVersion":2,"manifests":[{{"digest":"{D}","size":1}}]}}"#);
        assert!(matches!(
            ManifestDocument::parse(index.as_bytes(), None).unwrap(),
            ManifestDocument::Index(_)
        ));
        let manifest =
            format!(r#"{{"schemaVersion":2,"config":{{"digest":"{D}","size":1}},"layers":[]}}"#);
        assert!(matches!(
            ManifestDocument::parse(manifest.as_bytes(), None).unwrap(),
            ManifestDocument::Image(_)
        ));
        let v1 = r#"{"schemaVersion":1,"fsLayers":[]}"#;
        assert!(
            ManifestDocument::parse(v1.as_bytes(), None)
                .unwrap_err()
                .contains("schema 1")
        );
    }

    #[test]
    fn refuses_bad_digests_inside_documents() {
        let manifest = r#"{"config":{"digest":"sha256:../../etc/passwd","size":1}}"#;
        assert!(ManifestDocument::parse(manifest.as_bytes(), None).is_err());
    }
}
