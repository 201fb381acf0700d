//! Secrets in sources: the secrets scanner's hits turned into findings, for whole texts
//! and for the values inside Kubernetes objects that the text alone does not show
//! plainly (Secret `data` is base64; an env var's name and value sit on two lines).
//!
//! A finding never holds the secret: its message shows the redacted form, and the secret
//! only enters the fingerprint as a hash.

use std::collections::HashSet;
use std::sync::Arc;

use lockgate_kube::KubeObject;
use lockgate_model::{Finding, ObjectRef, Span};
use lockgate_secrets::{Scanner, SecretHit};
use lockgate_syntax::Node;
use sha2::{Digest, Sha256};

use crate::analyze::Analyzer;

/// File extensions of archives, which are skipped (and counted) rather than searched.
const ARCHIVE_EXTENSIONS: &[&str] = &[
    "zip", "jar", "war", "ear", "apk", "aar", "whl", "egg", "nupkg", "gem", "tar", "tgz", "gz",
    "bz2", "xz", "zst", "lz4", "7z", "rar", "deb", "rpm", "crate", "iso", "dmg", "cab",
];

pub(crate) fn is_archive(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ARCHIVE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A hash of the secret, so two different secrets on one line get different fingerprints
/// and a moved secret keeps its fingerprint, without the fingerprint revealing it.
pub(crate) fn secret_identity(secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"lockgate-secret-v1\0");
    hasher.update(secret);
    let digest = hasher.finalize();
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Turns one hit into a finding at `span` (the secret's own place, or the object key
/// holding it), with `context` appended to the message.
pub(crate) fn hit_finding(
    analyzer: &Analyzer<'_>,
    path: &Arc<str>,
    hit: &SecretHit,
    secret: &[u8],
    span: Span,
    object: Option<Arc<ObjectRef>>,
    context: &str,
) -> Finding {
    let message = if hit.redacted.is_empty() {
        format!(
            "{}: the file type holds private keys{context}",
            hit.rule.spec.title
        )
    } else {
        format!("{} `{}`{context}", hit.rule.spec.title, hit.redacted)
    };
    let mut finding = analyzer.finding(hit.rule.meta, path, span, object, message);
    finding.identity = Some(secret_identity(secret));
    finding.redact_line = !hit.redacted.is_empty();
    finding
}

/// Secrets found in one source, kept only to redact them from other messages about the
/// same source: a Rego policy may quote the value it judged. Never printed; its `Debug`
/// says only how many there are.
#[derive(Default)]
pub(crate) struct SecretValues(Vec<(String, String)>);

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretValues({} kept for redaction)", self.0.len())
    }
}

impl SecretValues {
    /// Keeps `raw` (with the redacted form findings show) unless it is too short to
    /// replace safely in free text.
    pub fn add(&mut self, raw: &[u8], redacted: &str) {
        let raw = String::from_utf8_lossy(raw).trim().to_string();
        if redacted.is_empty() || raw.chars().count() < 8 {
            return;
        }
        if !self.0.iter().any(|(known, _)| *known == raw) {
            self.0.push((raw, redacted.to_string()));
            // Longest first, so a secret that contains another is replaced whole.
            self.0.sort_by_key(|(raw, _)| std::cmp::Reverse(raw.len()));
        }
    }

    /// `text` with every kept secret replaced by its redacted form.
    pub fn redact(&self, text: String) -> String {
        self.0.iter().fold(text, |text, (raw, redacted)| {
            if text.contains(raw.as_str()) {
                text.replace(raw.as_str(), redacted)
            } else {
                text
            }
        })
    }
}

/// Secret findings for a whole text (a file's bytes, stdin, a diff's added lines).
pub(crate) fn text_findings(
    analyzer: &Analyzer<'_>,
    scanner: &Scanner,
    path: &Arc<str>,
    bytes: &[u8],
) -> Vec<Finding> {
    text_findings_keeping(analyzer, scanner, path, bytes, &mut SecretValues::default())
}

/// [`text_findings`], also keeping the secrets in `values` for redaction.
pub(crate) fn text_findings_keeping(
    analyzer: &Analyzer<'_>,
    scanner: &Scanner,
    path: &Arc<str>,
    bytes: &[u8],
    values: &mut SecretValues,
) -> Vec<Finding> {
    scanner
        .scan(Some(path), bytes)
        .iter()
        .map(|hit| {
            let secret = &bytes[hit.range.clone()];
            values.add(secret, &hit.redacted);
            hit_finding(analyzer, path, hit, secret, hit.span, None, "")
        })
        .collect()
}

/// Secret findings for the values of one object that a text search cannot judge alone:
/// Secret `data` (decoded from base64) and container env vars (name and value joined, so
/// the name gives the generic rules their context). `seen` holds (rule, line) of the
/// text findings already reported, so a secret is not reported twice.
pub(crate) fn object_findings(
    analyzer: &Analyzer<'_>,
    scanner: &Scanner,
    path: &Arc<str>,
    object: &KubeObject,
    identity: &Arc<ObjectRef>,
    seen: &HashSet<(String, u32)>,
    kept: &mut SecretValues,
) -> Vec<Finding> {
    // (where, what, the text searched, the value as written when it was encoded)
    let mut values: Vec<(Span, String, Vec<u8>, Option<String>)> = Vec::new();
    if object.kind == "Secret" && object.api_version == "v1" {
        for (key, value) in object
            .root
            .get("data")
            .and_then(Node::as_map)
            .into_iter()
            .flat_map(|m| m.iter())
        {
            let (Some(name), Some(encoded)) = (key.as_str(), value.as_str()) else {
                continue;
            };
            let Some(decoded) = decode_base64(encoded) else {
                continue;
            };
            let mut text = format!("{name}=").into_bytes();
            text.extend_from_slice(&decoded);
            values.push((
                value.span,
                format!(" in Secret data key `{name}` (base64-decoded)"),
                text,
                Some(encoded.to_string()),
            ));
        }
    }
    if let Some(pod) = object.pod_spec() {
        for container in pod.containers() {
            let Some((_, env)) = container.field("env") else {
                continue;
            };
            for entry in env.items() {
                let (Some(name), Some(value_node)) =
                    (entry.get("name").and_then(Node::as_str), entry.get("value"))
                else {
                    continue;
                };
                let Some(value) = value_node.as_str() else {
                    continue;
                };
                values.push((
                    value_node.span,
                    format!(" in env var `{name}` of {}", container.describe()),
                    format!("{name}={value}").into_bytes(),
                    None,
                ));
            }
        }
    }
    let mut findings = Vec::new();
    for (span, context, text, encoded) in values {
        for hit in scanner.scan(Some(path), &text) {
            let secret = &text[hit.range.clone()];
            kept.add(secret, &hit.redacted);
            if let Some(encoded) = &encoded {
                kept.add(encoded.as_bytes(), &hit.redacted);
            }
            if seen.contains(&(hit.rule.meta.id.to_string(), span.line)) {
                continue;
            }
            findings.push(hit_finding(
                analyzer,
                path,
                &hit,
                secret,
                span,
                Some(Arc::clone(identity)),
                &context,
            ));
        }
    }
    findings
}

/// Base64 as Kubernetes reads Secret data (standard alphabet, padding optional,
/// whitespace ignored); `None` when the value is not base64.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        }
    }
    let symbols: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let body = symbols
        .strip_suffix(b"==")
        .or_else(|| symbols.strip_suffix(b"="))
        .unwrap_or(&symbols);
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= sextet(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVs\nbG8=").unwrap(), b"hello");
        assert!(decode_base64("not base64!").is_none());
    }

    #[test]
    fn identities_differ_per_secret_and_hide_it() {
        let a = secret_identity(b"ghp_aaaa");
        assert_ne!(a, secret_identity(b"ghp_aaab"));
        assert!(!a.contains("ghp"));
    }
}
