//! The scanner: rules compiled together for one run. One pass over a text finds every
//! rule keyword ([`crate::keywords`]); each rule's expression then runs only on the windows
//! (usually single lines) around its keywords, so the cost of a rule is paid where its
//! keyword occurs, not on every byte.

use std::collections::HashSet;
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use lockgate_model::Span;

use crate::catalog::{Catalog, CatalogError, SecretRule};
use crate::keywords::KeywordSet;
use crate::{entropy::shannon_entropy, noise, redact};

/// Lines longer than this are searched in windows of this size around each keyword.
const LONG_LINE_WINDOW: usize = 8 * 1024;
/// How far either side of its window a match may reach on a long line.
const WINDOW_OVERLAP: usize = 1024;
/// How much text a multi-line rule sees from the line of its keyword.
const MULTILINE_WINDOW: usize = 64 * 1024;
/// The inline marker that allows a line.
const ALLOW_MARKER: &[u8] = b"lockgate:allow";

/// Noise control shared by all rules, from `[secrets]` in `lockgate.toml`.
#[derive(Debug, Clone, Default)]
pub struct ScanSettings {
    /// Rule IDs that do not run.
    pub disabled: HashSet<String>,
    /// Globs of paths never scanned for secrets (lock files, fixtures).
    pub allow_paths: Vec<String>,
    /// Substrings (any case) that make any secret a false positive.
    pub stopwords: Vec<String>,
    /// Expressions over the secret that make it a false positive.
    pub allow: Vec<String>,
}

/// Paths allowed by default: files full of hashes and generated identifiers.
pub const DEFAULT_ALLOW_PATHS: &[&str] = &[
    "**/Cargo.lock",
    "**/package-lock.json",
    "**/npm-shrinkwrap.json",
    "**/yarn.lock",
    "**/pnpm-lock.yaml",
    "**/poetry.lock",
    "**/Pipfile.lock",
    "**/uv.lock",
    "**/go.sum",
    "**/composer.lock",
    "**/Gemfile.lock",
    "**/packages.lock.json",
    "**/gradle.lockfile",
    "**/*.min.js",
    "**/*.map",
    // pip's list of an installed distribution's files, their hashes and sizes.
    "**/*.dist-info/RECORD",
];

/// One secret found in a text.
#[derive(Debug, Clone)]
pub struct SecretHit {
    pub rule: Arc<SecretRule>,
    /// Byte range of the secret itself (empty for file-name rules).
    pub range: std::ops::Range<usize>,
    /// Where the secret is, 1-based lines and character columns.
    pub span: Span,
    /// The secret as it may be shown: prefix and length.
    pub redacted: String,
}

/// Rules compiled for one run, with their keyword automaton.
#[derive(Debug)]
pub struct Scanner {
    rules: Vec<Arc<SecretRule>>,
    keywords: KeywordSet,
    /// For each keyword, the rules it selects.
    keyword_rules: Vec<Vec<u32>>,
    /// Rules that look at file names only.
    path_rules: Vec<u32>,
    allow_paths: GlobSet,
    stopwords: Vec<String>,
    allow: Vec<regex::bytes::Regex>,
    /// The `public` values of every rule: a value published as a sample key is nobody's
    /// credential, whichever rule (a provider's, or a generic assignment) finds it.
    public: HashSet<Box<[u8]>>,
}

impl Scanner {
    /// The keyword search of the enabled rules, for its benchmark.
    #[doc(hidden)]
    pub fn keyword_set(&self) -> &KeywordSet {
        &self.keywords
    }

    /// Compiles the enabled rules of `catalogs` with the run's noise settings.
    pub fn new(catalogs: &[&Catalog], settings: &ScanSettings) -> Result<Scanner, CatalogError> {
        let config_error = |message: String| CatalogError {
            source: "lockgate.toml [secrets]".into(),
            rule: None,
            message,
        };
        let rules: Vec<Arc<SecretRule>> = catalogs
            .iter()
            .flat_map(|c| c.rules.iter())
            .filter(|r| !settings.disabled.contains(r.meta.id))
            .cloned()
            .collect();
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<u32>> = Vec::new();
        let mut path_rules = Vec::new();
        let mut keyword_index: std::collections::HashMap<&str, usize> = Default::default();
        for (index, rule) in rules.iter().enumerate() {
            let index = u32::try_from(index).map_err(|_| config_error("too many rules".into()))?;
            if !rule.has_regex() {
                path_rules.push(index);
                continue;
            }
            for keyword in &rule.spec.keywords {
                match keyword_index.get(keyword.as_str()) {
                    Some(&at) => keyword_rules[at].push(index),
                    None => {
                        keyword_index.insert(keyword.as_str(), patterns.len());
                        patterns.push(keyword.clone());
                        keyword_rules.push(vec![index]);
                    }
                }
            }
        }
        let keywords = KeywordSet::new(&patterns).map_err(config_error)?;
        let mut allow_paths = GlobSetBuilder::new();
        for pattern in DEFAULT_ALLOW_PATHS
            .iter()
            .copied()
            .chain(settings.allow_paths.iter().map(String::as_str))
        {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| config_error(format!("allow-paths `{pattern}`: {e}")))?;
            allow_paths.add(glob);
        }
        let allow = settings
            .allow
            .iter()
            .map(|p| {
                regex::bytes::Regex::new(p).map_err(|e| config_error(format!("allow `{p}`: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let public = catalogs
            .iter()
            .flat_map(|c| c.rules.iter())
            .flat_map(|r| &r.spec.public)
            .map(|value| value.as_bytes().into())
            .collect();
        Ok(Scanner {
            rules,
            keywords,
            keyword_rules,
            path_rules,
            allow_paths: allow_paths
                .build()
                .map_err(|e| config_error(e.to_string()))?,
            stopwords: settings
                .stopwords
                .iter()
                .map(|s| s.to_lowercase())
                .collect(),
            allow,
            public,
        })
    }

    pub fn rules(&self) -> &[Arc<SecretRule>] {
        &self.rules
    }

    /// Whether a path is allowed (never scanned for secrets).
    pub fn is_allowed_path(&self, path: &str) -> bool {
        self.allow_paths.is_match(path)
    }

    /// Rules that fire on the file name alone (a `.p12` keystore is a secret whatever its
    /// bytes), checked before a binary file is skipped.
    pub fn scan_path(&self, path: &str) -> Vec<SecretHit> {
        if self.is_allowed_path(path) {
            return Vec::new();
        }
        self.path_rules
            .iter()
            .map(|&i| &self.rules[i as usize])
            .filter(|rule| rule.applies_to_path(Some(path)))
            .map(|rule| SecretHit {
                rule: Arc::clone(rule),
                range: 0..0,
                span: Span::point(1, 1),
                redacted: String::new(),
            })
            .collect()
    }

    /// Finds the secrets in `text` (any bytes; invalid UTF-8 is searched as is).
    /// `path` selects path-scoped rules and allowed paths; `None` for stdin.
    pub fn scan(&self, path: Option<&str>, text: &[u8]) -> Vec<SecretHit> {
        if path.is_some_and(|p| self.is_allowed_path(p)) {
            return Vec::new();
        }
        let windows = group_by_rule(self.candidate_windows(path, text), self.rules.len());
        let mut found: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
        for (rule_index, start, end) in windows {
            let rule = &self.rules[rule_index as usize];
            let window = &text[start..end];
            if !rule.required().may_match(window) {
                continue;
            }
            let Some(compiled) = rule.regex() else {
                continue;
            };
            // Most windows hold no match: a search that may stop at the first match
            // state, and needs no capture slots, says so for less than `captures_iter`.
            if !compiled.regex.is_match(window) {
                continue;
            }
            for captures in compiled.regex.captures_iter(window) {
                let Some(secret) = captures
                    .get(compiled.secret_group)
                    .or_else(|| captures.get(0))
                else {
                    continue;
                };
                let range = start + secret.start()..start + secret.end();
                let whole = captures
                    .get(0)
                    .map_or(range.clone(), |m| start + m.start()..start + m.end());
                if self.is_noise(rule, &text[range.clone()])
                    || line_allows(text, whole.start, whole.end)
                {
                    continue;
                }
                found.push((rule_index, range));
            }
        }
        found.sort_unstable_by_key(|(rule, range)| (range.start, range.end, *rule));
        found.dedup();
        // A generic rule gives way to a provider rule that found the same secret.
        let specific: Vec<std::ops::Range<usize>> = found
            .iter()
            .filter(|(rule, _)| !self.rules[*rule as usize].is_generic())
            .map(|(_, range)| range.clone())
            .collect();
        found.retain(|(rule, range)| {
            !self.rules[*rule as usize].is_generic()
                || !specific
                    .iter()
                    .any(|s| s.start < range.end && range.start < s.end)
        });
        let mut lines = LineCounter::new(text);
        found
            .into_iter()
            .map(|(rule_index, range)| {
                let (line, column) = lines.position(range.start);
                let (end_line, end_column) = lines.position_after(range.end);
                let secret = String::from_utf8_lossy(&text[range.clone()]);
                SecretHit {
                    rule: Arc::clone(&self.rules[rule_index as usize]),
                    span: Span {
                        line,
                        column,
                        end_line,
                        end_column,
                    },
                    redacted: redact(&secret),
                    range,
                }
            })
            .collect()
    }

    /// (rule, window start, window end) for every keyword occurrence.
    fn candidate_windows(&self, path: Option<&str>, text: &[u8]) -> Vec<(u32, usize, usize)> {
        let mut windows = Vec::new();
        let mut line = 0..0;
        let mut searched_to = 0;
        self.keywords.find(text, |at, keyword| {
            if !(line.start <= at && at < line.end) {
                // Keywords hold no newline and come in order of start, so a later keyword
                // starts at or after the end of an earlier one's line; search back no
                // further than that.
                let base = if at >= searched_to { searched_to } else { 0 };
                let start = memchr::memrchr(b'\n', &text[base..at]).map_or(base, |i| base + i + 1);
                let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i);
                line = start..end;
                searched_to = end;
            }
            for &rule_index in &self.keyword_rules[keyword] {
                let rule = &self.rules[rule_index as usize];
                if !rule.applies_to_path(path) {
                    continue;
                }
                let long_line = line.end - line.start > LONG_LINE_WINDOW;
                let (start, end) = if rule.spec.multiline {
                    // From the keyword's line (or, on a very long line, from just
                    // before the keyword) for 64 KiB, or to the rule's `window-end`
                    // after the keyword.
                    let start = if long_line {
                        at.saturating_sub(WINDOW_OVERLAP).max(line.start)
                    } else {
                        line.start
                    };
                    let mut end = (start + MULTILINE_WINDOW).min(text.len());
                    if let Some(stop) = rule.spec.window_end.as_deref()
                        && let Some(found) = memchr::memmem::find(&text[at..end], stop.as_bytes())
                    {
                        end = at + found;
                    }
                    (start, end)
                } else if !long_line {
                    (line.start, line.end)
                } else {
                    let block = (at - line.start) / LONG_LINE_WINDOW;
                    let block_start = line.start + block * LONG_LINE_WINDOW;
                    (
                        block_start.saturating_sub(WINDOW_OVERLAP).max(line.start),
                        (block_start + LONG_LINE_WINDOW + WINDOW_OVERLAP).min(line.end),
                    )
                };
                windows.push((rule_index, start, end));
            }
        });
        windows
    }

    fn is_noise(&self, rule: &SecretRule, secret: &[u8]) -> bool {
        if noise::is_placeholder(secret) || self.public.contains(secret) {
            return true;
        }
        if let Some(minimum) = rule.spec.entropy
            && shannon_entropy(secret) < minimum
        {
            return true;
        }
        let Some(allow) = rule.allow() else {
            return true;
        };
        if allow.iter().chain(&self.allow).any(|r| r.is_match(secret)) {
            return true;
        }
        if rule.stopwords.is_empty() && self.stopwords.is_empty() {
            return false;
        }
        let lower = String::from_utf8_lossy(secret).to_lowercase();
        rule.stopwords
            .iter()
            .chain(&self.stopwords)
            .any(|w| lower.contains(w.as_str()))
    }
}

/// Up to this many windows are put in order by a plain sort.
const SORTED_WINDOWS: usize = 64;

/// `(rule, start, end)` windows grouped by rule, so that each rule's expression runs on all
/// its windows in a row while its automaton is in cache, and without repeats (a line found
/// through two keywords of one rule). Many windows are grouped by a counting sort, which
/// keeps text order within a rule, so repeats stay next to each other: it is linear, where
/// sorting whole tuples was 2 % of a scan's instructions. (A repeat that still slipped
/// through would only cost time: hits are deduplicated.)
fn group_by_rule(mut windows: Vec<(u32, usize, usize)>, rules: usize) -> Vec<(u32, usize, usize)> {
    if windows.len() <= SORTED_WINDOWS {
        windows.sort_unstable();
        windows.dedup();
        return windows;
    }
    let mut next = vec![0usize; rules + 1];
    for &(rule, _, _) in &windows {
        next[rule as usize + 1] += 1;
    }
    for rule in 1..next.len() {
        next[rule] += next[rule - 1];
    }
    let mut grouped = vec![(0, 0, 0); windows.len()];
    for window in windows {
        let slot = &mut next[window.0 as usize];
        grouped[*slot] = window;
        *slot += 1;
    }
    grouped.dedup();
    grouped
}

/// Whether a line of the match carries `lockgate:allow`.
fn line_allows(text: &[u8], start: usize, end: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &text[..start]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &text[end..]).map_or(text.len(), |i| end + i);
    memchr::memmem::find(&text[line_start..line_end], ALLOW_MARKER).is_some()
}

/// Turns increasing byte offsets into 1-based line and character columns in one pass.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u32,
    line_start: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn position(&mut self, offset: usize) -> (u32, u32) {
        if offset < self.offset {
            // Offsets only decrease for overlapping hits; restart from the top.
            *self = LineCounter::new(self.text);
        }
        for i in memchr::memchr_iter(b'\n', &self.text[self.offset..offset]) {
            self.line = self.line.saturating_add(1);
            self.line_start = self.offset + i + 1;
        }
        self.offset = offset;
        let column = self.text[self.line_start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        (self.line, u32::try_from(column + 1).unwrap_or(u32::MAX))
    }

    /// Position of the last byte before `end` (spans are inclusive of their last column).
    fn position_after(&mut self, end: usize) -> (u32, u32) {
        let saved = (self.offset, self.line, self.line_start);
        let position = self.position(end.max(1) - 1);
        (self.offset, self.line, self.line_start) = saved;
        position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_grouped_by_rule_without_repeats() {
        // Few windows take the plain sort, many the counting sort: both must give each
        // rule's windows together, in text order, each once.
        for copies in [1, 40] {
            let mut windows = Vec::new();
            for line in 0..copies {
                let at = 100 * line;
                // Two keywords of rule 2 on one line, then rules 0 and 2 again.
                windows.extend([(2, at, at + 50), (2, at, at + 50), (0, at, at + 50)]);
                windows.push((2, at + 60, at + 90));
            }
            let grouped = group_by_rule(windows.clone(), 3);
            let mut expected = windows;
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(grouped, expected, "{copies} copies");
        }
    }

    #[test]
    fn public_values_are_reported_by_no_rule() {
        // A Firebase test key listed by the Google API key rule: neither that rule nor the
        // generic assignment rule may report it; a key of the same shape still fires.
        let catalog = crate::builtin_catalog().expect("catalog");
        let scanner = Scanner::new(&[catalog], &ScanSettings::default()).expect("scanner");
        let public = b"api_key = \"AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM\"\n";
        assert!(scanner.scan(Some("app.py"), public).is_empty());
        let private = b"api_key = \"AIzaOjgpTQsatw7I44BoTdXPsLTvMhEeb3Hkrps\"\n";
        let ids: Vec<_> = scanner
            .scan(Some("app.py"), private)
            .iter()
            .map(|h| h.rule.id())
            .collect();
        assert_eq!(ids, ["SEC-106"]);
    }
}
