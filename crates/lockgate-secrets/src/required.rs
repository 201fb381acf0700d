//! The literals an expression cannot match without: found once from the expression's
//! syntax, checked on a window before the expression runs.
//!
//! Most windows a rule's keyword selects hold no secret, and for the broad generic rules
//! (a secret-like name assigned a quoted value) the expression's automaton is large, so
//! running it is the costly part of a scan. But every match of such a rule ends with a
//! quote: a line without `"`, `'` or `` ` `` cannot hold one, and `memchr` says so far
//! faster than the automaton. The literal sets come from `regex-syntax`'s extractor: the
//! prefixes or suffixes every match starts or ends with, when there are few of them.

use memchr::memmem;
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};

/// At most this many literals: more would cost more to look for than they save.
const MAX_LITERALS: usize = 8;

/// Literals of which every match contains at least one.
#[derive(Debug, Clone)]
pub(crate) enum Required {
    /// Nothing known: the expression must run.
    Nothing,
    /// Single bytes (one to three), found with one `memchr` pass.
    Bytes(Vec<u8>),
    /// Longer literals, each found with its own searcher.
    Literals(Vec<memmem::Finder<'static>>),
}

impl Required {
    /// What every match of `pattern` (compiled as the catalog compiles it: ASCII mode)
    /// must contain. An expression the syntax layer cannot read requires nothing here;
    /// compiling it reports the error.
    pub(crate) fn of(pattern: &str) -> Required {
        let Ok(hir) = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
        else {
            return Required::Nothing;
        };
        // Classes up to three bytes (a quote, either case of a letter) are expanded; a
        // larger class ends the literal there, so `xoxb-[0-9]+` gives `xoxb-`, not ten.
        let candidates = [ExtractKind::Prefix, ExtractKind::Suffix].map(|kind| {
            let mut extractor = Extractor::new();
            extractor.kind(kind).limit_class(3);
            usable(extractor.extract(&hir))
        });
        // Fewer and longer literals are rarer in text: prefer them.
        let best = candidates.into_iter().flatten().min_by_key(|literals| {
            let shortest = literals.iter().map(Vec::len).min().unwrap_or(0);
            (literals.len(), std::cmp::Reverse(shortest))
        });
        let Some(mut literals) = best else {
            return Required::Nothing;
        };
        if literals.len() <= 3 && literals.iter().all(|l| l.len() == 1) {
            return Required::Bytes(literals.iter().map(|l| l[0]).collect());
        }
        literals.sort();
        literals.dedup();
        Required::Literals(
            literals
                .iter()
                .map(|l| memmem::Finder::new(l).into_owned())
                .collect(),
        )
    }

    /// Whether `window` may hold a match: false only when it lacks every literal.
    pub(crate) fn may_match(&self, window: &[u8]) -> bool {
        match self {
            Required::Nothing => true,
            Required::Bytes(bytes) => match bytes[..] {
                [a] => memchr::memchr(a, window).is_some(),
                [a, b] => memchr::memchr2(a, b, window).is_some(),
                [a, b, c] => memchr::memchr3(a, b, c, window).is_some(),
                _ => true,
            },
            Required::Literals(finders) => finders.iter().any(|f| f.find(window).is_some()),
        }
    }
}

/// The literals of a finite set with no empty member (an empty one would mean that
/// some match needs nothing), if there are few enough to look for.
fn usable(seq: Seq) -> Option<Vec<Vec<u8>>> {
    let literals = seq.literals()?;
    if literals.is_empty()
        || literals.len() > MAX_LITERALS
        || literals.iter().any(|l| l.as_bytes().is_empty())
    {
        return None;
    }
    Some(literals.iter().map(|l| l.as_bytes().to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn required(pattern: &str) -> Vec<String> {
        match Required::of(pattern) {
            Required::Nothing => Vec::new(),
            Required::Bytes(bytes) => bytes.iter().map(|&b| (b as char).to_string()).collect(),
            Required::Literals(finders) => finders
                .iter()
                .map(|f| String::from_utf8_lossy(f.needle()).into_owned())
                .collect(),
        }
    }

    #[test]
    fn finds_the_quotes_a_quoted_assignment_ends_with() {
        let pattern = r#"(?i)(?:secret|token)[ \t]*=[ \t]*["'`](?P<secret>[^\s"'`]{12,})["'`]"#;
        assert_eq!(required(pattern), ["\"", "'", "`"]);
        let required = Required::of(pattern);
        assert!(!required.may_match(b"let token = compute(key);"));
        assert!(required.may_match(b"token = \"abc\""));
    }

    #[test]
    fn prefers_few_long_prefixes() {
        assert_eq!(required(r"ghp_[A-Za-z0-9]{36}"), ["ghp_"]);
        assert_eq!(required(r"(?:xoxb|xoxp)-[0-9]+"), ["xoxb-", "xoxp-"]);
        assert!(!Required::of(r"(?:xoxb|xoxp)-[0-9]+").may_match(b"xoxa-1"));
    }

    #[test]
    fn requires_nothing_when_a_match_may_hold_no_literal() {
        assert!(required(r"[a-z]+").is_empty());
        assert!(required(r"(?:abc)?[0-9]+").is_empty());
        assert!(required(r"(unclosed").is_empty());
        assert!(Required::of(r"[a-z]+").may_match(b""));
    }
}
