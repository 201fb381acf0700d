//! Settings that configurable rules read. The engine fills them from `lockgate.toml`
//! (`[settings]`, then the active profile's overrides).

use serde::Deserialize;

/// Tunables of the configurable rules. Every field has a default that works without a
/// configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Registries (or registry paths such as `ghcr.io/acme`) images may come from, for
    /// workload images (KUBE-028) and Dockerfile base images (DOCKER-023). Images are
    /// normalised as the runtime reads them: `debian` is `docker.io/library/debian`, and
    /// `index.docker.io` is `docker.io`. Empty means "not configured": the rules stay
    /// silent.
    pub trusted_registries: Vec<String>,
    /// Images the final stage of a Dockerfile may be built on (DOCKER-024): full names
    /// (`docker.io/library/debian`, or the short `debian`, which means the same), a name
    /// with a tag or digest that must then match too (`debian:12-slim`), or a path
    /// prefix ending in `/*` (`gcr.io/distroless/*`; without a registry, `bitnami/*` is
    /// `docker.io/bitnami/*`). Empty means "not configured": the rule stays silent.
    pub trusted_base_images: Vec<String>,
    /// Labels every object must carry (KUBE-031).
    pub required_labels: Vec<String>,
    /// Replica bounds for Deployments, StatefulSets, ReplicaSets, ReplicationControllers.
    pub min_replicas: Option<i64>,
    pub max_replicas: Option<i64>,
    /// RuntimeClass names that count as sandboxed (gVisor, Kata, ...), for workloads
    /// that must run as root.
    pub sandbox_runtime_classes: Vec<String>,
    /// When true, a namespaced object without `metadata.namespace` counts as deployed to
    /// `default` (it lands wherever the caller's context points).
    pub require_namespace: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            trusted_registries: Vec::new(),
            trusted_base_images: Vec::new(),
            required_labels: Vec::new(),
            min_replicas: None,
            max_replicas: None,
            sandbox_runtime_classes: vec![
                "gvisor".into(),
                "runsc".into(),
                "kata".into(),
                "kata-qemu".into(),
                "kata-clh".into(),
                "kata-fc".into(),
            ],
            require_namespace: false,
        }
    }
}
