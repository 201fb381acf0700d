//! Cosign key-based signature verification, failing closed.
//!
//! Cosign stores the signatures of an image whose manifest digest is `sha256:<hex>` as an
//! OCI manifest tagged `sha256-<hex>.sig` in the same repository. Each of its layers is a
//! simple-signing payload (`application/vnd.dev.cosign.simplesigning.v1+json`), whose
//! annotation `dev.cosignproject.cosign/signature` holds the base64 ECDSA P-256 / SHA-256
//! signature of the payload's exact bytes. An image verifies when at least one layer's
//! signature verifies under the key AND its payload names this image's digest and the
//! cosign signature type. Anything else (no signature tag, a malformed payload, a payload
//! for another digest, a wrong key, a registry error) is a failure, never a pass.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;

use crate::ImageError;
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registry::{Registry, RegistryOptions};
use crate::spec::ManifestDocument;

pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
const SIGNATURE_TYPE: &str = "cosign container image signature";

/// A public key to verify with.
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads a PEM `PUBLIC KEY` (what `cosign generate-key-pair` writes to `cosign.pub`).
    pub fn from_pem(pem: &str) -> Result<PublicKey, ImageError> {
        VerifyingKey::from_public_key_pem(pem.trim())
            .map(PublicKey)
            .map_err(|e| {
                ImageError::Usage(format!(
                    "the key is not a PEM ECDSA P-256 public key (cosign's format): {e}"
                ))
            })
    }

    /// Whether `signature` (DER, or raw 64-byte r‖s) signs `payload`.
    fn verifies(&self, payload: &[u8], signature: &[u8]) -> bool {
        let parsed = Signature::from_der(signature).or_else(|_| Signature::from_slice(signature));
        parsed.is_ok_and(|signature| self.0.verify(payload, &signature).is_ok())
    }
}

/// A signature that verified.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    /// The payload's `critical.identity.docker-reference`.
    pub docker_reference: String,
    pub payload_digest: Digest,
}

/// The outcome of a verification that passed.
#[derive(Debug, Clone)]
pub struct Verification {
    pub image_digest: Digest,
    pub signature_tag: String,
    pub signatures: Vec<VerifiedSignature>,
}

/// Verifies the image `reference` names in its registry with `key`.
pub fn verify(
    reference: &str,
    key: &PublicKey,
    options: &RegistryOptions,
) -> Result<Verification, ImageError> {
    let parsed = Reference::parse(reference).map_err(|e| {
        ImageError::Usage(format!(
            "{e}; signatures are looked up in a registry, so name the image as registry/repository:tag or @digest"
        ))
    })?;
    let registry = Registry::new(&parsed, options)?;
    let (manifest, _) = registry.fetch_manifest(&parsed, &parsed.manifest_reference())?;
    let image_digest = Digest::of(&manifest);
    if let Some(expected) = &parsed.digest
        && expected != &image_digest
    {
        return Err(ImageError::Refused(format!(
            "{parsed}: the registry returned a manifest with digest {image_digest}, not the one asked for"
        )));
    }
    let signature_tag = format!("sha256-{}.sig", image_digest.hex());
    let signatures_ref = Reference {
        tag: Some(signature_tag.clone()),
        digest: None,
        ..parsed.clone()
    };
    let (bytes, media_type) = registry
        .fetch_manifest(&signatures_ref, &signature_tag)
        .map_err(|e| match e {
            ImageError::Usage(_) => ImageError::Refused(format!(
                "{parsed} ({image_digest}) is not signed: no {signature_tag} in {}/{}",
                parsed.registry, parsed.repository
            )),
            other => other,
        })?;
    let ManifestDocument::Image(signatures) = ManifestDocument::parse(&bytes, Some(&media_type))
        .map_err(|e| ImageError::Refused(format!("{signature_tag}: {e}")))?
    else {
        return Err(ImageError::Refused(format!(
            "{signature_tag} is an index, not a cosign signature manifest"
        )));
    };
    let mut verified = Vec::new();
    let mut failures = Vec::new();
    for (index, layer) in signatures.layers.iter().enumerate() {
        let label = format!("signature {} of {}", index + 1, signatures.layers.len());
        if layer.media_type != SIMPLE_SIGNING {
            failures.push(format!(
                "{label}: media type `{}` is not simple signing",
                layer.media_type
            ));
            continue;
        }
        let Some(encoded) = layer.annotations.get(SIGNATURE_ANNOTATION) else {
            failures.push(format!("{label}: no {SIGNATURE_ANNOTATION} annotation"));
            continue;
        };
        let Ok(signature) = BASE64.decode(encoded.trim()) else {
            failures.push(format!("{label}: the signature is not base64"));
            continue;
        };
        let payload = registry.fetch_document(&signatures_ref, layer, "signature payload")?;
        if !key.verifies(&payload, &signature) {
            failures.push(format!(
                "{label}: the signature does not verify with this key"
            ));
            continue;
        }
        match check_payload(&payload, &image_digest) {
            Ok(docker_reference) => verified.push(VerifiedSignature {
                docker_reference,
                payload_digest: layer.digest.clone(),
            }),
            Err(why) => failures.push(format!("{label}: {why}")),
        }
    }
    if verified.is_empty() {
        let why = if failures.is_empty() {
            "the signature manifest holds no signature".to_string()
        } else {
            failures.join("; ")
        };
        return Err(ImageError::Refused(format!(
            "{parsed} ({image_digest}): no valid signature: {why}"
        )));
    }
    Ok(Verification {
        image_digest,
        signature_tag,
        signatures: verified,
    })
}

/// Checks that a verified payload is a cosign signature of `digest`; returns its
/// docker-reference.
fn check_payload(payload: &[u8], digest: &Digest) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| format!("the payload is not JSON: {e}"))?;
    let critical = value
        .get("critical")
        .ok_or("the payload has no `critical` section")?;
    let kind = critical.get("type").and_then(|t| t.as_str()).unwrap_or("");
    if kind != SIGNATURE_TYPE {
        return Err(format!(
            "the payload type is `{kind}`, not `{SIGNATURE_TYPE}`"
        ));
    }
    let signed = critical
        .pointer("/image/docker-manifest-digest")
        .and_then(|d| d.as_str())
        .ok_or("the payload names no docker-manifest-digest")?;
    if signed != digest.to_string() {
        return Err(format!(
            "the payload signs {signed}, not this image ({digest}): a signature copied from another image"
        ));
    }
    Ok(critical
        .pointer("/identity/docker-reference")
        .and_then(|r| r.as_str())
        .unwrap_or("")
        .to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn payloads_must_name_the_image() {
        let digest = Digest::of(b"manifest");
        let payload = |d: &str, t: &str| {
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"r/app"}},"image":{{"docker-manifest-digest":"{d}"}},"type":"{t}"}},"optional":null}}"#
            )
        };
        assert_eq!(
            check_payload(
                payload(&digest.to_string(), SIGNATURE_TYPE).as_bytes(),
                &digest
            )
            .unwrap(),
            "r/app"
        );
        let other = Digest::of(b"other").to_string();
        assert!(
            check_payload(payload(&other, SIGNATURE_TYPE).as_bytes(), &digest)
                .unwrap_err()
                .contains("another image")
        );
        assert!(check_payload(payload(&digest.to_string(), "x").as_bytes(), &digest).is_err());
        assert!(check_payload(b"not json", &digest).is_err());
    }

    /// Made with `openssl ecparam -name prime256v1 -genkey`, `openssl dgst -sha256 -sign`:
    /// an independent signer.
    const OPENSSL_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7mwKnVbbchifs3sK9ucZi+f06AlB
eB/zjabrdTzFTWNLCUXgdGkJxm5O0NWaFS+AJEUDHZzX6YGsOTVFTVxdUA==
-----END PUBLIC KEY-----";
    const OPENSSL_PAYLOAD: &str = r#"{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/lockgate-test/app"},"image":{"docker-manifest-digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"},"type":"cosign container image signature"},"optional":null}"#;
    const OPENSSL_SIGNATURE: &str = "MEQCIGXPjEbfOBoqp4rx/GHZdWAa1kb1vU2wlVPq9cvjgb7JAiAYfDghYmI0TlTuGVDfBvumJvL7XplaD7C92N+z1+UWPQ==";

    #[test]
    fn verifies_an_openssl_signature_and_nothing_else() {
        let key = PublicKey::from_pem(OPENSSL_KEY).unwrap();
        let signature = BASE64.decode(OPENSSL_SIGNATURE).unwrap();
        assert!(key.verifies(OPENSSL_PAYLOAD.as_bytes(), &signature));
        let tampered = OPENSSL_PAYLOAD.replace("lockgate-test/app", "lockgate-test/apq");
        assert!(!key.verifies(tampered.as_bytes(), &signature));
        let mut flipped = signature.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(!key.verifies(OPENSSL_PAYLOAD.as_bytes(), &flipped));
        assert!(!key.verifies(OPENSSL_PAYLOAD.as_bytes(), b"garbage"));
    }

    #[test]
    fn refuses_keys_that_are_not_p256_public_keys() {
        assert!(
            PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
                .is_err()
        );
        assert!(PublicKey::from_pem("").is_err());
    }
}
