//! Python package versions: PEP 440 (`[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`,
//! with the PEP's accepted spellings), and the pre-PEP "legacy" versions that
//! `packaging` used to accept, which order before every valid version.

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;

use super::number::{Number, cmp_padded};

/// The PEP's own reference expression (appendix B), anchored, on lowercased input with
/// surrounding whitespace removed.
const PEP440: &str = r"^v?(?:(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)(?P<pre>[-_\.]?(?P<pre_l>(a|b|c|rc|alpha|beta|pre|preview))[-_\.]?(?P<pre_n>[0-9]+)?)?(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?(?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?)(?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?$";

/// `None` only if the constant expression failed to compile, which the unit tests rule
/// out; every version then parses as legacy rather than panicking.
static PEP440_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(PEP440).ok());

/// A pre-release phase, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Alpha,
    Beta,
    Rc,
}

#[derive(Clone, Debug)]
enum LocalPart {
    Word(Box<str>),
    Number(Number),
}

#[derive(Clone, Debug)]
pub(crate) struct Pep440 {
    epoch: Number,
    release: Vec<Number>,
    pre: Option<(Phase, Number)>,
    post: Option<Number>,
    dev: Option<Number>,
    local: Vec<LocalPart>,
}

#[derive(Clone, Debug)]
pub(crate) enum Pep440Version {
    Valid(Pep440),
    /// setuptools' old `parse_version` key: comparable parts, compared as one string.
    Legacy(Box<str>),
}

impl Pep440Version {
    pub(crate) fn parse(text: &str) -> Pep440Version {
        let lower = text
            .trim_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
            .to_lowercase();
        // Fast path for the common plain release (`2.31.0`): what the expression would
        // capture, without running it.
        let plain = lower.strip_prefix('v').unwrap_or(&lower);
        if plain.split('.').all(|part| Number::parse(part).is_some()) {
            return Pep440Version::Valid(Pep440 {
                epoch: Number::ZERO,
                release: plain.split('.').map(Number::from_digits).collect(),
                pre: None,
                post: None,
                dev: None,
                local: Vec::new(),
            });
        }
        let Some(caps) = PEP440_RE.as_ref().and_then(|re| re.captures(&lower)) else {
            return Pep440Version::Legacy(legacy_key(&text.to_lowercase()).into());
        };
        let group = |name: &str| caps.name(name).map(|m| m.as_str()).unwrap_or("");
        let number = |name: &str| Number::from_digits(group(name));
        let pre = caps.name("pre_l").map(|label| {
            let phase = match label.as_str() {
                "a" | "alpha" => Phase::Alpha,
                "b" | "beta" => Phase::Beta,
                _ => Phase::Rc,
            };
            (phase, number("pre_n"))
        });
        let post = if caps.name("post_n1").is_some() {
            Some(number("post_n1"))
        } else {
            caps.name("post_l").map(|_| number("post_n2"))
        };
        let dev = caps.name("dev_l").map(|_| number("dev_n"));
        let local = match caps.name("local") {
            Some(local) => local
                .as_str()
                .split(['.', '_', '-'])
                .map(|part| match Number::parse(part) {
                    Some(n) => LocalPart::Number(n),
                    None => LocalPart::Word(part.into()),
                })
                .collect(),
            None => Vec::new(),
        };
        Pep440Version::Valid(Pep440 {
            epoch: number("epoch"),
            release: group("release")
                .split('.')
                .map(Number::from_digits)
                .collect(),
            pre,
            post,
            dev,
            local,
        })
    }

    pub(crate) fn compare(&self, other: &Pep440Version) -> Ordering {
        match (self, other) {
            (Pep440Version::Valid(a), Pep440Version::Valid(b)) => a.compare(b),
            (Pep440Version::Legacy(a), Pep440Version::Legacy(b)) => a.cmp(b),
            (Pep440Version::Legacy(_), Pep440Version::Valid(_)) => Ordering::Less,
            (Pep440Version::Valid(_), Pep440Version::Legacy(_)) => Ordering::Greater,
        }
    }
}

impl Pep440 {
    fn compare(&self, other: &Pep440) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| cmp_padded(&self.release, &other.release))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            // No post-release sorts first.
            .then_with(|| self.post.cmp(&other.post))
            // No dev-release sorts last.
            .then_with(|| match (&self.dev, &other.dev) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
            .then_with(|| compare_local(&self.local, &other.local))
    }

    /// `packaging`'s pre-release key: a bare `.devN` sorts before every pre-release of
    /// the same release, and no pre-release after all of them.
    fn pre_key(&self) -> (u8, Option<&(Phase, Number)>) {
        match &self.pre {
            None if self.post.is_none() && self.dev.is_some() => (0, None),
            Some(pre) => (1, Some(pre)),
            None => (2, None),
        }
    }
}

/// Local labels: numbers above words, words case-insensitively, longer above shorter.
fn compare_local(a: &[LocalPart], b: &[LocalPart]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (x, y) {
            (LocalPart::Number(x), LocalPart::Number(y)) => x.cmp(y),
            (LocalPart::Word(x), LocalPart::Word(y)) => x.cmp(y),
            (LocalPart::Number(_), LocalPart::Word(_)) => Ordering::Greater,
            (LocalPart::Word(_), LocalPart::Number(_)) => Ordering::Less,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// setuptools' legacy sort key, joined into one string: digit runs zero-padded to eight
/// places, words prefixed with `*` (`pre`, `preview`, `rc` → `c`; `dev` → `@`; `-` →
/// `final-`), trailing zeros and `final-` markers dropped before words that sort below
/// `final`.
fn legacy_key(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let tokens = legacy_tokens(text)
        .into_iter()
        .chain(std::iter::once("final"));
    for token in tokens {
        if token == "." {
            continue;
        }
        let part = match token {
            "pre" | "preview" | "rc" => "*c".to_string(),
            "dev" => "*@".to_string(),
            "-" => "*final-".to_string(),
            t if t.starts_with(|c: char| c.is_ascii_digit()) => format!("{t:0>8}"),
            t => format!("*{t}"),
        };
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts.concat()
}

/// The runs of `(\d+|[a-z]+|\.|-)` in `text`; everything else is skipped.
fn legacy_tokens(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let len = if c.is_ascii_digit() {
            bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count()
        } else if c.is_ascii_lowercase() {
            bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_lowercase())
                .count()
        } else if c == b'.' || c == b'-' {
            1
        } else {
            0
        };
        if len == 0 {
            i += 1;
            continue;
        }
        // Runs are ASCII, so these are character boundaries.
        if let Some(token) = text.get(i..i + len) {
            tokens.push(token);
        }
        i += len;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_expression_compiles() {
        assert!(PEP440_RE.is_some());
    }
}
