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
