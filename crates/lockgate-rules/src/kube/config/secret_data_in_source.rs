//! KUBE-042 secret-data-in-source: a Secret manifest carries its data.

use lockgate_kube::KubeObject;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::text::{decode_base64, is_placeholder_value};
use crate::{Context, Sink};

/// How many key names a message lists before it only counts.
const LISTED_KEYS: usize = 5;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-042",
    name: "secret-data-in-source",
    title: "Secret with data committed to source",
    // High, like a literal credential anywhere else: `data` is only base64-encoded, so the
    // manifest exposes the credential in clear to every reader of the repository, and git
    // history keeps it after the file is changed. Placeholder values are not counted, so
    // templates that are filled in at deploy time stay quiet.
    severity: Severity::High,
    applies_to: &["Secret"],
    frameworks: &["cis:5.4.2", "nsa:secrets", "mitre:T1552.001"],
    fix: "Do not commit Secret data: create the Secret out of band, or commit an encrypted or indirect form instead (External Secrets `ExternalSecret`, a Sealed Secrets `SealedSecret`, a SOPS-encrypted file), then rotate the exposed values.",
    docs: r#"## What it checks
A `Secret` (core `v1`) whose `data` or `stringData` holds at least one key with a real
value. Keys whose value is empty or a placeholder (`${DB_PASSWORD}`, `{{ .Values.x }}`,
`changeme`, or the base64 encoding of one) are not counted, so an empty
`kubernetes.io/service-account-token` Secret (which the control plane fills in) and
templates rendered at deploy time stay quiet. The finding points at `data` or
`stringData` and counts the keys; it never shows a value.

## Why it matters
`data` is base64-encoded, not encrypted, and `stringData` is plain text: a Secret
manifest in a repository is the credential in clear for everyone who can read the
repository, its forks, CI logs and build caches. Removing the file later does not help,
because git history keeps every version. The cluster-side protections of Secrets (RBAC
on `secrets`, encryption at rest) do nothing for a copy that lives in source control.

## Example
```yaml
apiVersion: v1
kind: Secret
metadata: {name: app-db}
type: Opaque
stringData:
  password: Tr0ub4dor&3
```

## Fix
Keep the Secret out of the repository and commit something that is safe to publish:
- an External Secrets Operator `ExternalSecret` that names the entry in Vault, AWS
  Secrets Manager, GCP Secret Manager or Azure Key Vault;
- a Bitnami Sealed Secrets `SealedSecret`, encrypted for the cluster's controller;
- a SOPS-encrypted manifest decrypted by Flux, Argo CD or your CI;
- or create the Secret out of band (`kubectl create secret ...` from a secret store in
  the deploy pipeline).

Then rotate every value that was committed.

## References
- https://kubernetes.io/docs/concepts/configuration/secret/
- https://kubernetes.io/docs/concepts/security/secrets-good-practices/
- https://kubernetes.io/docs/tasks/configmap-secret/managing-secret-using-kubectl/
- https://external-secrets.io/
- https://github.com/bitnami-labs/sealed-secrets
- https://github.com/getsops/sops
- CIS Kubernetes Benchmark 5.4.2
"#,
};

pub(crate) fn check(_: &Context<'_>, object: &KubeObject, out: &mut Sink) {
    if object.kind != "Secret" || !object.group().is_empty() {
        return;
    }
    for (field, encoded) in [("data", true), ("stringData", false)] {
        let Some((key, data)) = object.root.entry(field) else {
            continue;
        };
        let Some(data) = data.as_map() else {
            continue;
        };
        let names: Vec<String> = data
            .iter()
            .filter(|(_, value)| holds_value(value, encoded))
            .filter_map(|(name, _)| name.scalar_text())
            .collect();
        if names.is_empty() {
            continue;
        }
        let mut listed = names
            .iter()
            .take(LISTED_KEYS)
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if names.len() > LISTED_KEYS {
            listed.push_str(", ...");
        }
        let count = match names.len() {
            1 => "1 key".to_string(),
            n => format!("{n} keys"),
        };
        let kind = if encoded {
            "base64-encoded, not encrypted"
        } else {
            "in plain text"
        };
        out.report(
            &META,
            key.span,
            format!(
                "Secret `{field}` commits {count} ({listed}) to source, {kind}; use External Secrets, Sealed Secrets or SOPS, or create the Secret out of band"
            ),
        );
    }
}

/// Whether a data value is a real value: not empty and not a placeholder (for `data`,
/// neither before nor after base64 decoding).
fn holds_value(value: &Node, encoded: bool) -> bool {
    let Some(text) = value.scalar_text() else {
        return false;
    };
    if text.trim().is_empty() {
        return false;
    }
    if !encoded {
        return !is_placeholder_value(&text);
    }
    match decode_base64(&text) {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(decoded) => !decoded.trim().is_empty() && !is_placeholder_value(&decoded),
            // Binary data (a keystore, a DER key) is a real value.
            Err(_) => true,
        },
        // Not base64 (Kubernetes would reject it): judge the text as written.
        None => !is_placeholder_value(&text),
    }
}
