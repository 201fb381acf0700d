//! Content digests (`sha256:<64 hex>`) and a reader that checks one while it streams:
//! every blob lockgate reads, from a registry, a layout or an archive, passes through it,
//! so a truncated, padded or altered blob is refused before anything trusts its content.

use std::fmt;
use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

/// A validated `sha256:` digest. Other algorithms are refused when parsed: every image
/// tool writes sha256, and a digest lockgate cannot check is no better than none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    hex: String,
}

impl Digest {
    /// Parses `sha256:<64 lowercase hex>`.
    pub fn parse(text: &str) -> Result<Digest, String> {
        let Some(hex) = text.strip_prefix("sha256:") else {
            return Err(match text.split_once(':') {
                Some((algorithm, _)) => format!(
                    "digest `{}` uses `{}`; lockgate checks sha256 digests only",
                    shorten(text),
                    shorten(algorithm)
                ),
                None => format!(
                    "`{}` is not a digest (expected sha256:<64 hex digits>)",
                    shorten(text)
                ),
            });
        };
        Digest::from_hex(hex).ok_or_else(|| {
            format!(
                "`{}` is not a sha256 digest (expected 64 lowercase hex digits)",
                shorten(text)
            )
        })
    }

    /// From the 64 hex digits alone (`blobs/sha256/<hex>`, `<hex>.json`).
    pub fn from_hex(hex: &str) -> Option<Digest> {
        let valid = hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| Digest {
            hex: hex.to_string(),
        })
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest {
            hex: hex(&Sha256::digest(bytes)),
        }
    }

    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// `sha256:abcdef012345`, for messages.
    pub fn short(&self) -> String {
        format!("sha256:{}", &self.hex[..12])
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Digest::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Hostile documents can hold megabytes in a "digest"; messages quote at most this much.
fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Reads through `inner`, hashing what passes, and fails the read that would go past
/// `expected_size` or that reaches the end with the wrong size or digest. The error is
/// `InvalidData` with a message naming the blob, so callers report it as it is.
pub struct VerifyingReader<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
    expected: Option<Digest>,
    expected_size: Option<u64>,
    what: String,
    finished: bool,
}

impl<R: Read> VerifyingReader<R> {
    /// `what` names the blob in errors ("layer 2 of lockgate-test/app:1").
    pub fn new(
        inner: R,
        expected: Option<Digest>,
        expected_size: Option<u64>,
        what: String,
    ) -> Self {
        VerifyingReader {
            inner,
            hasher: Sha256::new(),
            read: 0,
            expected,
            expected_size,
            what,
            finished: false,
        }
    }

    /// The digest of everything read; meaningful once the end was reached.
    pub fn digest(&self) -> Digest {
        Digest {
            hex: hex(&self.hasher.clone().finalize()),
        }
    }

    fn check_end(&mut self) -> io::Result<()> {
        if let Some(size) = self.expected_size
            && self.read != size
        {
            return Err(invalid(format!(
                "{} is truncated: {} bytes where its descriptor says {size}",
                self.what, self.read
            )));
        }
        if let Some(expected) = &self.expected {
            let actual = self.digest();
            if &actual != expected {
                return Err(invalid(format!(
                    "{} does not match its digest: expected {expected}, got {actual}; the blob was altered or corrupted",
                    self.what
                )));
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        let count = self.inner.read(buf)?;
        if count == 0 {
            self.finished = true;
            self.check_end()?;
            return Ok(0);
        }
        self.read += count as u64;
        if let Some(size) = self.expected_size
            && self.read > size
        {
            return Err(invalid(format!(
                "{} is longer than the {size} bytes its descriptor says",
                self.what
            )));
        }
        self.hasher.update(&buf[..count]);
        Ok(count)
    }
}

pub(crate) fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const EMPTY: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_and_refuses_digests() {
        assert_eq!(Digest::parse(EMPTY).unwrap(), Digest::of(b""));
        assert!(Digest::parse("sha512:abc").unwrap_err().contains("sha256"));
        assert!(Digest::parse("sha256:ABC").is_err());
        assert!(Digest::parse(&EMPTY.to_uppercase()).is_err());
        assert!(
            Digest::parse("latest")
                .unwrap_err()
                .contains("not a digest")
        );
        let long = format!("sha256:{}", "x".repeat(10_000));
        assert!(Digest::parse(&long).unwrap_err().len() < 200);
    }

    #[test]
    fn verifying_reader_accepts_the_right_blob() {
        let blob = b"hello layer".to_vec();
        let mut reader = VerifyingReader::new(
            &blob[..],
            Some(Digest::of(&blob)),
            Some(blob.len() as u64),
            "blob".into(),
        );
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, blob);
    }

    #[test]
    fn verifying_reader_refuses_altered_truncated_and_padded_blobs() {
        let blob = b"hello layer".to_vec();
        let digest = Digest::of(&blob);
        let read = |data: &[u8], size: u64| {
            let mut reader =
                VerifyingReader::new(data, Some(digest.clone()), Some(size), "layer 1".into());
            let mut out = Vec::new();
            reader.read_to_end(&mut out).unwrap_err().to_string()
        };
        assert!(read(b"hellO layer", 11).contains("does not match its digest"));
        assert!(read(b"hello", 11).contains("truncated"));
        assert!(read(b"hello layer and more", 11).contains("longer than"));
    }
}
