//! KUBE-001 host-process-container: a Windows pod or container runs as a HostProcess.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-001",
    name: "host-process-container",
    title: "Windows HostProcess container",
    severity: Severity::Critical,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:baseline/host-process",
        "cis:5.2.11",
        "nsa:pod-security",
        "mitre:T1611",
    ],
    fix: "Remove `securityContext.windowsOptions.hostProcess` (or set it to false) on the pod and every container.",
    docs: r#"## What it checks
`spec.securityContext.windowsOptions.hostProcess` or any container's
`securityContext.windowsOptions.hostProcess` set to `true`.

## Why it matters
A Windows HostProcess container runs directly on the node with the host's network and
file system, as a node user. It is the Windows equivalent of a privileged container: a
compromise of the container is a compromise of the node.

## Example
```yaml
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
```

## Fix
Remove the field or set it to `false`. Run node management agents as a DaemonSet that is
reviewed and exempted explicitly, not as ordinary workloads.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
- https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    let pod_flag = pod
        .security_context("windowsOptions")
        .and_then(|(_, options)| options.entry("hostProcess"));
    if let Some((key, value)) = pod_flag
        && value.as_bool() == Some(true)
    {
        out.report(&META, key.span, "pod runs as a Windows HostProcess");
    }
    for container in pod.containers() {
        let flag = container
            .security_context("windowsOptions")
            .and_then(|(_, options)| options.entry("hostProcess"));
        if let Some((key, value)) = flag
            && value.as_bool() == Some(true)
        {
            out.report(
                &META,
                key.span,
                format!("{} runs as a Windows HostProcess", container.describe()),
            );
        }
    }
}
