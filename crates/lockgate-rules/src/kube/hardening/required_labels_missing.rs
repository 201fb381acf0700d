//! KUBE-031 required-labels-missing: an object lacks labels the configuration requires.

use lockgate_kube::KubeObject;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-031",
    name: "required-labels-missing",
    title: "Object lacks required labels",
    severity: Severity::Low,
    applies_to: &["all objects"],
    frameworks: &["k8s:best-practices"],
    fix: "Add the missing labels under the object's `metadata.labels`.",
    docs: r#"## What it checks
Objects whose own `metadata.labels` lack one of the labels listed in the
`required-labels` setting (for example `app.kubernetes.io/name`, `owner`,
`cost-center`). A label with an empty value counts as present. Labels on a pod
template do not count for the workload object that holds it: `kubectl get
deployment -l ...`, cost reports and ownership lookups read the object's own labels.
The rule is silent while the list is empty.

## Why it matters
Labels are how people and tools find out what an object is and who answers for it.
During an incident, responders need to tell from an unfamiliar Deployment or Secret
which team owns it, which application it belongs to and whether it is expected at
all; an object nobody can attribute is also one nobody patches or removes. Policy
engines, NetworkPolicies, cost allocation and audit queries select by labels too, so
an unlabelled object silently falls outside them.

## Example
```yaml
# lockgate.toml: [settings] required-labels = ["app.kubernetes.io/name", "owner"]
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
```

## Fix
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
    owner: team-shop
```

## References
- https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
- https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
"#,
};

pub(crate) fn check(context: &Context<'_>, object: &KubeObject, out: &mut Sink) {
    let required = &context.settings.required_labels;
    if required.is_empty() {
        return;
    }
    let labels = object.labels();
    let missing: Vec<String> = required
        .iter()
        .filter(|name| {
            labels
                .and_then(|l| l.get(name))
                .is_none_or(|value| value.is_null())
        })
        .map(|name| format!("`{name}`"))
        .collect();
    if missing.is_empty() {
        return;
    }
    let span = object
        .metadata()
        .and_then(|m| m.entry("labels"))
        .map(|(key, _)| key.span)
        .unwrap_or_else(|| object.anchor_span());
    out.report(
        &META,
        span,
        format!(
            "{} lacks required label{} {}",
            object.kind,
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ),
    );
}
