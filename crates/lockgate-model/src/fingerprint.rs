//! Stable fingerprints: a finding keeps its fingerprint when lines move, so baselines and
//! waivers survive unrelated edits. Line numbers are deliberately not part of it.

use sha2::{Digest, Sha256};

/// Hashes the parts (rule, path, object identity, message, ...) into 32 hex characters.
/// Parts are length-prefixed so `("ab","c")` and `("a","bc")` differ.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = hasher.finalize();
    let mut out = String::with_capacity(32);
    for byte in &digest[..16] {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_unambiguous() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_eq!(fingerprint(&["x"]).len(), 32);
        // SHA-256 of the length-prefixed part, first 16 bytes, lower-case hex.
        assert!(
            fingerprint(&["x"])
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
}
