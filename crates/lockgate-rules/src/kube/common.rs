//! Helpers shared by Kubernetes rules.

use lockgate_kube::ContainerView;
use lockgate_syntax::Node;

/// A capability as Kubernetes compares it: upper case, without a `CAP_` prefix.
pub(crate) fn capability_name(node: &Node) -> Option<String> {
    let text = node.scalar_text()?;
    let upper = text.trim().to_ascii_uppercase();
    Some(
        upper
            .strip_prefix("CAP_")
            .map(str::to_string)
            .unwrap_or(upper),
    )
}

/// The entries of `securityContext.capabilities.<list>` (`add` or `drop`) with their key.
pub(crate) fn capability_list<'a>(
    container: &ContainerView<'a>,
    list: &str,
) -> Option<(&'a Node, &'a [Node])> {
    let (_, capabilities) = container.security_context("capabilities")?;
    let (key, value) = capabilities.entry(list)?;
    Some((key, value.items()))
}

/// Every `(probe or hook name, handler node)` of a container: liveness, readiness and
/// startup probes, and postStart/preStop lifecycle hooks.
pub(crate) fn probe_and_hook_handlers<'a>(
    container: &ContainerView<'a>,
) -> Vec<(&'static str, &'a Node)> {
    let mut handlers = Vec::new();
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some((_, node)) = container.field(probe) {
            handlers.push((probe, node));
        }
    }
    if let Some((_, lifecycle)) = container.field("lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(node) = lifecycle.get(hook) {
                handlers.push((hook, node));
            }
        }
    }
    handlers
}

/// Whether the pod declares `spec.os.name: windows`. The restricted profile exempts such
/// pods from its Linux-only controls (privilege escalation, seccomp, capabilities).
pub(crate) fn is_windows_pod(pod: &lockgate_kube::PodSpecView<'_>) -> bool {
    pod.spec.path(&["os", "name"]).and_then(Node::as_str) == Some("windows")
}

/// A container's `image` key, its text and the parsed reference. `None` when the image is
/// missing, empty, or a template placeholder (`${IMAGE}`, `{{ .Values.image }}`) that is
/// only resolved at deploy time.
pub(crate) fn container_image<'a>(
    container: &ContainerView<'a>,
) -> Option<(&'a Node, &'a str, lockgate_kube::ImageRef)> {
    let (key, text) = container.image()?;
    if text.contains("${") || text.contains("{{") || text.starts_with('$') {
        return None;
    }
    let image = lockgate_kube::ImageRef::parse(text)?;
    Some((key, text, image))
}

/// Whether a `resources.requests` or `resources.limits` mapping sets `resource`
/// (`cpu`, `memory`) to a non-null quantity.
pub(crate) fn has_quantity(section: Option<&Node>, resource: &str) -> bool {
    section
        .and_then(|s| s.get(resource))
        .is_some_and(|q| !q.is_null())
}

/// Reports every long-running app container of a non-batch pod that lacks `probe`
/// (`livenessProbe`, `readinessProbe`); `what` names it in the message.
pub(crate) fn report_missing_probe(
    pod: &lockgate_kube::PodSpecView<'_>,
    probe: &str,
    what: &str,
    rule: &'static lockgate_model::RuleMeta,
    out: &mut crate::Sink,
) {
    if pod.is_batch() {
        return;
    }
    for container in pod.app_containers() {
        if container
            .field(probe)
            .is_none_or(|(_, value)| value.is_null())
        {
            out.report(
                rule,
                container.anchor_span(),
                format!("{} has no {what}", container.describe()),
            );
        }
    }
}
