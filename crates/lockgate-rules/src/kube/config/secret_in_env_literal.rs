//! KUBE-040 secret-in-env-literal: a container's environment holds a credential in clear.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::text::{embedded_credential, is_credential_name, is_placeholder_value};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-040",
    name: "secret-in-env-literal",
    title: "Credential written as a literal environment variable",
    severity: Severity::High,
    applies_to: &["workloads"],
    frameworks: &["cis:5.4.1", "nsa:secrets", "mitre:T1552"],
    fix: "Store the value in a Secret and reference it with `valueFrom.secretKeyRef` (better: mount the Secret as a file), then rotate the exposed credential.",
    docs: r#"## What it checks
Every `env` entry of every container (regular, init and ephemeral) that sets a literal
`value` (not `valueFrom`) and either
- has a credential-like name (`DB_PASSWORD`, `apiKey`, `GITHUB_TOKEN`, `CLIENT_SECRET`,
  `BASIC_AUTH`, ...) with a value that is not a placeholder, or
- embeds a credential whatever its name: a password in a URI
  (`postgres://app:pw@db/shop`), a PEM private key, an AWS access key ID, or a
  `password=...` pair of a connection string.

Names that only point at a credential (`DB_PASSWORD_FILE`, `TOKEN_PATH`, `SECRET_NAME`,
`AUTH_URL`) and values that are placeholders or references (`$(VAR)`, `${VAR}`,
`{{ .Values.x }}`, `changeme`, `<password>`, `/run/secrets/db`) are not reported.

## Why it matters
A literal value is part of the manifest: everyone who can read the repository, the CI
logs, the rendered Helm release or the object in the cluster (`get` on Pods or
Deployments, which far more people hold than `get` on Secrets) can read the credential.
It cannot be rotated without a new commit and rollout, git history keeps it after it is
removed, and it is copied into `kubectl describe` output, every old ReplicaSet of a
Deployment's revision history, and Helm's stored releases.

## Example
```yaml
containers:
- name: app
  env:
  - name: DB_PASSWORD
    value: "Tr0ub4dor&3"
```

## Fix
```yaml
containers:
- name: app
  env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: app-db
        key: password
```
Create the Secret out of band (External Secrets, Sealed Secrets, SOPS, or your CI's
secret store), prefer mounting it as a file over an environment variable, and rotate the
credential that was committed: removing it from the manifest does not remove it from
history.

## References
- https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
- https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/
- https://kubernetes.io/docs/concepts/security/secrets-good-practices/
- CIS Kubernetes Benchmark 5.4.1
- MITRE ATT&CK T1552 Unsecured Credentials
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for container in pod.containers() {
        let Some((_, env)) = container.field("env") else {
            continue;
        };
        for variable in env.items() {
            let Some(name) = variable.get("name").and_then(Node::as_str) else {
                continue;
            };
            let Some((key, value)) = variable.entry("value") else {
                continue;
            };
            let Some(text) = value.scalar_text() else {
                continue;
            };
            let problem = if is_credential_name(name) && !is_placeholder_value(&text) {
                format!(
                    "holds a literal credential ({} characters)",
                    text.chars().count()
                )
            } else if let Some(embedded) = embedded_credential(&text) {
                embedded.describe()
            } else {
                continue;
            };
            out.report(
                &META,
                key.span,
                format!(
                    "{} sets `{name}`, which {problem}; reference a Secret with `valueFrom.secretKeyRef` instead",
                    container.describe()
                ),
            );
        }
    }
}
