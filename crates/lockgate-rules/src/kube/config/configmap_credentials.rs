//! KUBE-041 configmap-credentials: a ConfigMap holds passwords, keys or tokens.

use lockgate_kube::KubeObject;
use lockgate_model::{RuleMeta, Severity};

use crate::text::{embedded_credential, is_credential_name, is_placeholder_value};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-041",
    name: "configmap-credentials",
    title: "ConfigMap holds a credential",
    severity: Severity::High,
    applies_to: &["ConfigMap"],
    frameworks: &["cis:5.4.2", "nsa:secrets", "mitre:T1552.001"],
    fix: "Move the credential into a Secret (created out of band or by External Secrets, Sealed Secrets or SOPS), reference it from the workload, and rotate the exposed credential.",
    docs: r#"## What it checks
Every key of a ConfigMap's `data` that
- has a credential-like name (`db-password`, `API_KEY`, `client_secret`, `auth-token`,
  ...) and a value that is not a placeholder, or
- whatever its name, has a value that embeds a credential:
  - a URI with a password (`postgres://app:pw@db:5432/shop`, `redis://:pw@cache`),
  - a PEM private key (`-----BEGIN RSA PRIVATE KEY-----`, OpenSSH, EC, PKCS#8, PGP),
  - an AWS access key ID (`AKIA...`/`ASIA...` and 16 more characters),
  - a credential setting in a configuration file carried as a value:
    `spring.datasource.password=...`, `password: ...`, `"apiKey": "..."`, or the
    `password=...` pair of a connection string.

Placeholders and references (`${DB_PASSWORD}`, `{{ .Values.x }}`, `changeme`,
`<token>`, `vault:secret/db#password`, `/run/secrets/db`), names that only point at a
credential (`password-file`, `secret-name`, `token-url`) and AWS's documentation example
keys are not reported. `binaryData` is not inspected.

## Why it matters
ConfigMaps are meant for non-confidential configuration, and everything about them
assumes so: they are readable by far more subjects than Secrets (many roles, including
the built-in `view` ClusterRole, grant `get` on ConfigMaps but not on Secrets), encryption
at rest is usually configured for Secrets only, their values are printed by
`kubectl describe`, and they are committed to source control without review by whoever
guards the secrets. A credential in one is readable by anyone who can read the
namespace's configuration, and stays in git history after it is removed.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  db-password: Tr0ub4dor&3
  application.properties: |
    spring.datasource.url=jdbc:postgresql://db:5432/shop
    spring.datasource.password=Tr0ub4dor&3
```

## Fix
```yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  application.properties: |
    spring.datasource.url=jdbc:postgresql://db:5432/shop
    spring.datasource.password=${DB_PASSWORD}
```
and provide `DB_PASSWORD` from a Secret (`valueFrom.secretKeyRef`, or a mounted Secret
file) that is created out of band or from an external store. Rotate the credential that
was committed.

## References
- https://kubernetes.io/docs/concepts/configuration/configmap/
- https://kubernetes.io/docs/concepts/configuration/secret/
- https://kubernetes.io/docs/concepts/security/secrets-good-practices/
- CIS Kubernetes Benchmark 5.4.2
- MITRE ATT&CK T1552.001 Unsecured Credentials: Credentials In Files
"#,
};

pub(crate) fn check(_: &Context<'_>, object: &KubeObject, out: &mut Sink) {
    if object.kind != "ConfigMap" || !object.group().is_empty() {
        return;
    }
    let Some(data) = object.root.get("data").and_then(|d| d.as_map()) else {
        return;
    };
    for (key, value) in data.iter() {
        let Some(name) = key.scalar_text() else {
            continue;
        };
        let Some(text) = value.scalar_text() else {
            continue;
        };
        let problem = if is_credential_name(&name) && !is_placeholder_value(&text) {
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
            format!("ConfigMap key `{name}` {problem}; move it into a Secret"),
        );
    }
}
