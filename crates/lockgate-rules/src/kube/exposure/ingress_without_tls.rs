//! KUBE-052 ingress-without-tls: an Ingress serves a host over plain HTTP.

use lockgate_kube::KubeObject;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-052",
    name: "ingress-without-tls",
    title: "Ingress serves traffic without TLS",
    severity: Severity::Medium,
    applies_to: &["Ingress"],
    frameworks: &["nsa:network-separation", "mitre:T1040", "mitre:T1557"],
    fix: "Add a `spec.tls` entry whose `hosts` cover every rule's host and whose `secretName` holds the certificate (cert-manager can issue it).",
    docs: r#"## What it checks
An `Ingress` (`networking.k8s.io/v1`, or the removed `extensions/v1beta1` and
`networking.k8s.io/v1beta1`) that
- has no `spec.tls` entries at all: reported at `spec.rules` (or `spec`), or
- has `spec.tls` entries, but a rule's `host` is not listed in any entry's `hosts`:
  reported at that rule's `host`. A wildcard TLS host (`*.example.com`) covers hosts one
  label below it (`shop.example.com`), as in a certificate. A `tls` entry without
  `hosts` counts as covering every host, as the API documents it (the controller's
  default certificate).

## Why it matters
Without TLS the Ingress controller serves the host over plain HTTP: passwords, session
cookies, bearer tokens and personal data cross the network readable and modifiable by
anyone on the path, from a shared Wi-Fi network to a compromised router. A host
missing from `tls.hosts` is served with the controller's default (usually self-signed)
certificate or not at all on HTTPS, which trains users to click through warnings or
pushes them back to HTTP.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  tls:
  - hosts: [shop.example.com]
    secretName: shop-tls
  rules:
  - host: shop.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}
  - host: admin.example.com     # not in any tls.hosts
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: admin, port: {number: 80}}}}]}
```

## Fix
```yaml
spec:
  tls:
  - hosts: [shop.example.com, admin.example.com]
    secretName: shop-tls
```
Issue the certificate with cert-manager (annotation `cert-manager.io/cluster-issuer`) or
provide it in the `secretName` Secret, and let the controller redirect HTTP to HTTPS
(the default for ingress-nginx once TLS is configured).

## References
- https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
- https://kubernetes.io/docs/reference/kubernetes-api/service-resources/ingress-v1/#IngressSpec
- https://kubernetes.io/docs/concepts/services-networking/ingress/
- MITRE ATT&CK T1040 Network Sniffing, T1557 Adversary-in-the-Middle
"#,
};

pub(crate) fn check(_: &Context<'_>, object: &KubeObject, out: &mut Sink) {
    if object.kind != "Ingress" || !matches!(object.group(), "networking.k8s.io" | "extensions") {
        return;
    }
    let Some((spec_key, spec)) = object.root.entry("spec") else {
        return;
    };
    let tls = spec.get("tls").map(Node::items).unwrap_or_default();
    let rules = spec.get("rules").map(Node::items).unwrap_or_default();
    if tls.is_empty() {
        let span = spec
            .entry("rules")
            .or_else(|| spec.entry("tls"))
            .map_or(spec_key.span, |(key, _)| key.span);
        let hosts: Vec<&str> = rules
            .iter()
            .filter_map(|r| r.get("host").and_then(Node::as_str))
            .collect();
        let what = match hosts.as_slice() {
            [] => "Ingress".to_string(),
            [host] => format!("Ingress for host `{host}`"),
            [first, rest @ ..] => format!("Ingress for hosts `{first}` and {} more", rest.len()),
        };
        out.report(
            &META,
            span,
            format!("{what} has no `spec.tls` entries and serves plain HTTP"),
        );
        return;
    }
    let mut covered: Vec<String> = Vec::new();
    for entry in tls {
        match entry.get("hosts").map(Node::items) {
            Some(hosts) if !hosts.is_empty() => covered.extend(
                hosts
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_ascii_lowercase),
            ),
            // No hosts: the controller's default certificate serves every host.
            _ => return,
        }
    }
    for rule in rules {
        let Some((key, host)) = rule.entry("host") else {
            continue;
        };
        let Some(host) = host.as_str().filter(|h| !h.is_empty()) else {
            continue;
        };
        if !covered.iter().any(|tls_host| covers(tls_host, host)) {
            out.report(
                &META,
                key.span,
                format!("host `{host}` is not covered by any `spec.tls` hosts entry and serves plain HTTP"),
            );
        }
    }
}

/// Whether a TLS host (lower-cased, perhaps `*.example.com`) covers a rule's host.
fn covers(tls_host: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if tls_host == host {
        return true;
    }
    // `*.example.com` covers `shop.example.com`, not `example.com` or `a.b.example.com`.
    match (tls_host.strip_prefix("*."), host.split_once('.')) {
        (Some(suffix), Some((label, rest))) => !label.is_empty() && label != "*" && rest == suffix,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn wildcards_cover_one_label() {
        assert!(covers("shop.example.com", "Shop.Example.com"));
        assert!(covers("*.example.com", "shop.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", "a.shop.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(!covers("shop.example.com", "*.example.com"));
    }
}
