//! Container image references (`registry/repo:tag@sha256:...`), normalised the way the
//! container runtime reads them, so `nginx` means `docker.io/library/nginx`.

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host, `docker.io` when the reference names none.
    pub registry: String,
    /// Repository path within the registry (`library/nginx`).
    pub repository: String,
    pub tag: Option<String>,
    /// `algorithm:hex` when pinned by digest.
    pub digest: Option<String>,
    /// Whether the reference named its registry explicitly.
    pub explicit_registry: bool,
}

impl ImageRef {
    /// Parses a reference; `None` for an empty or whitespace-containing string.
    pub fn parse(reference: &str) -> Option<ImageRef> {
        let reference = reference.trim();
        if reference.is_empty() || reference.contains(char::is_whitespace) {
            return None;
        }
        let (name_and_tag, digest) = match reference.split_once('@') {
            Some((name, digest)) => (name, Some(digest.to_string())),
            None => (reference, None),
        };
        // A tag is after the last ':' that follows the last '/', so a registry port
        // (`host:5000/app`) is not mistaken for a tag.
        let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
            Some(i) => (
                &name_and_tag[..last_slash + i],
                Some(name_and_tag[last_slash + i + 1..].to_string()),
            ),
            None => (name_and_tag, None),
        };
        if name.is_empty() {
            return None;
        }
        let (registry, repository, explicit_registry) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_ascii_lowercase(), rest.to_string(), true)
            }
            Some(_) => ("docker.io".to_string(), name.to_string(), false),
            None => ("docker.io".to_string(), format!("library/{name}"), false),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
            _ => registry,
        };
        Some(ImageRef {
            registry,
            repository,
            tag: tag.filter(|t| !t.is_empty()),
            digest: digest.filter(|d| !d.is_empty()),
            explicit_registry,
        })
    }

    /// `registry/repository`, the form trusted-registry prefixes are matched against.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    pub fn is_latest_or_untagged(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref().is_none_or(|t| t == "latest")
    }

    /// Whether `prefix` (a registry such as `ghcr.io`, or a registry and path such as
    /// `ghcr.io/acme/`) covers this image. Prefixes match on path boundaries.
    pub fn is_from(&self, prefix: &str) -> bool {
        let prefix = prefix.trim().trim_end_matches('/').to_ascii_lowercase();
        if prefix.is_empty() {
            return false;
        }
        let (registry, path) = match prefix.split_once('/') {
            Some((registry, path)) => (registry, Some(path)),
            None => (prefix.as_str(), None),
        };
        let registry = match registry {
            "index.docker.io" | "registry-1.docker.io" => "docker.io",
            other => other,
        };
        if registry != self.registry {
            return false;
        }
        match path {
            None => true,
            Some(path) => {
                self.repository == path || self.repository.starts_with(&format!("{path}/"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_hub_shorthand_ports_tags_and_digests() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(r.full_name(), "docker.io/library/nginx");
        assert!(r.is_latest_or_untagged());
        let r = ImageRef::parse("localhost:5000/team/app:1.2").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.tag.as_deref()),
            ("localhost:5000", Some("1.2"))
        );
        let r = ImageRef::parse("ghcr.io/acme/app@sha256:abc").unwrap();
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        assert!(!r.is_latest_or_untagged());
        assert!(
            ImageRef::parse("app:latest")
                .unwrap()
                .is_latest_or_untagged()
        );
    }

    #[test]
    fn trusted_prefixes_match_on_path_boundaries() {
        let r = ImageRef::parse("ghcr.io/acme/app:1").unwrap();
        assert!(r.is_from("ghcr.io"));
        assert!(r.is_from("ghcr.io/acme"));
        assert!(!r.is_from("ghcr.io/ac"));
        assert!(!r.is_from("ghcr.i"));
        assert!(
            ImageRef::parse("nginx:1")
                .unwrap()
                .is_from("docker.io/library")
        );
        assert!(ImageRef::parse("nginx:1").unwrap().is_from("docker.io"));
    }
}
