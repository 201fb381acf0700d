//! KUBE-033 root-without-sandbox: a pod that may run as root does not use a sandboxed
//! runtime class.

use lockgate_kube::{ContainerView, PodSpecView};
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::is_windows_pod;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-033",
    name: "root-without-sandbox",
    title: "Pod may run as root without a sandboxed runtime",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &["nsa:pod-security", "cis:5.7.3", "mitre:T1611"],
    fix: "Run the containers as a non-root user (`runAsNonRoot: true`, non-zero `runAsUser`); if they must be root, set `runtimeClassName` to a sandboxed runtime such as gVisor or Kata Containers.",
    docs: r#"## What it checks
Pods in which some container (regular, init or ephemeral) may run as root, because its
effective `runAsNonRoot` (the container's, else the pod's) is not `true` and its
effective `runAsUser` is not a non-zero UID, and whose `spec.runtimeClassName` is not
one of the `sandbox-runtime-classes` setting (by default `gvisor`, `runsc`, `kata`,
`kata-qemu`, `kata-clh`, `kata-fc`). Pods with `spec.os.name: windows` are skipped.

## Why it matters
With the default runtime (runc, crun), a container is a set of processes on the node's
kernel separated by namespaces and cgroups. Root in it is root towards that kernel: one
kernel vulnerability, runtime bug (CVE-2019-5736, CVE-2024-21626) or misconfigured mount
is enough to escape to the node and every other pod on it. Running as non-root is the
first fix. When a workload genuinely needs root (legacy images, build tools, some
agents), a sandboxed runtime puts a second boundary under it: gVisor (`runsc`)
intercepts system calls in a user-space kernel, so the container never talks to the
host kernel directly, and Kata Containers runs each pod in a lightweight virtual machine
with its own kernel. An escape from the container then lands in the sandbox, not on the
node.

## Example
```yaml
spec:
  containers:
  - name: builder
    image: registry.example.com/builder:5.1
```

## Fix
```yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
  containers:
  - name: builder
    image: registry.example.com/builder:5.1
```
or, when root cannot be avoided:
```yaml
spec:
  runtimeClassName: gvisor   # a RuntimeClass whose handler is runsc
  containers:
  - name: builder
    image: registry.example.com/builder:5.1
```

## References
- https://kubernetes.io/docs/concepts/containers/runtime-class/
- https://kubernetes.io/docs/concepts/security/linux-kernel-security-constraints/
- https://gvisor.dev/docs/user_guide/quick_start/kubernetes/
- https://katacontainers.io/
"#,
};

/// Whether nothing stops the container's process from being UID 0.
fn may_run_as_root(container: &ContainerView<'_>) -> bool {
    let non_root = container
        .effective("runAsNonRoot")
        .is_some_and(|e| e.value.as_bool() == Some(true));
    let non_zero_uid = container
        .effective("runAsUser")
        .and_then(|e| e.value.as_i64())
        .is_some_and(|uid| uid != 0);
    !non_root && !non_zero_uid
}

pub(crate) fn check(context: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    if is_windows_pod(pod) {
        return;
    }
    let root: Vec<String> = pod
        .containers()
        .filter(may_run_as_root)
        .map(|c| c.describe())
        .collect();
    if root.is_empty() {
        return;
    }
    let runtime_class = pod.field("runtimeClassName");
    let class_name = runtime_class.and_then(|(_, value)| value.as_str());
    if class_name.is_some_and(|name| {
        context
            .settings
            .sandbox_runtime_classes
            .iter()
            .any(|sandbox| sandbox == name)
    }) {
        return;
    }
    let runtime = match class_name {
        Some(name) => format!("runtime class `{name}` is not a sandbox"),
        None => "the pod sets no sandboxed `runtimeClassName`".to_string(),
    };
    out.report(
        &META,
        runtime_class
            .map(|(key, _)| key.span)
            .unwrap_or_else(|| pod.anchor_span()),
        format!("{} may run as root, and {runtime}", root.join(", ")),
    );
}
