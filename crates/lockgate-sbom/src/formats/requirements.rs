//! pip requirements files (`requirements.txt` and friends), following `-r` /
//! `--requirement` includes through the catalog run's [`FileSource`].
//!
//! Only exact pins (`name==1.2.3`, `name===1.2.3`) give a version. Anything else
//! (unpinned, `>=`, `~=`, `!=`, wildcards, URLs) gives an empty version: it says which
//! package is wanted, not which version is installed, and matching a range's lower bound
//! as if it were installed is exactly the false positive we refuse to produce. When one
//! file names a package twice (`requests` and `requests==1.2.3`), pip installs what both
//! allow, so the pin wins. Names are normalized as PEP 503 says (`Zope.Interface` →
//! `zope-interface`); extras and environment markers are dropped. Continuation lines
//! (`\` at the end) are joined before comments are stripped, as pip does. Includes are
//! resolved against the including file's directory, cycles are cut, and nesting is
//! bounded; a missing include is a problem, and the rest of the file is still read.
//!
//! [`FileSource`]: crate::FileSource

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use lockgate_model::normalize_lexically as normalize;
use std::sync::Arc;

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::package::{Ecosystem, Package};

/// Deepest `-r` include chain followed.
const MAX_INCLUDE_DEPTH: usize = 16;

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let mut state = State {
        input,
        visited: HashSet::new(),
        packages: Vec::new(),
    };
    state.visited.insert(normalize(input.fs_path));
    state.file(input.fs_path, Arc::clone(&input.path), input.text, 0);
    Ok(state.packages)
}

struct State<'a, 'b> {
    input: &'a Input<'b>,
    visited: HashSet<PathBuf>,
    packages: Vec<Package>,
}

impl State<'_, '_> {
    fn file(&mut self, fs_path: &Path, shown: Arc<str>, text: &str, depth: usize) {
        let mut own: Vec<Package> = Vec::new();
        for (line_number, line) in logical_lines(text) {
            let line = strip_comment(&line);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(include) = include_target(line) {
                self.include(fs_path, &shown, include, line_number, depth);
                continue;
            }
            if line.starts_with('-') {
                // Other options (`-c`, `-e`, `--index-url`, ...) name no package here.
                continue;
            }
            let Some((name, version)) = requirement(line) else {
                continue;
            };
            let found_at = crate::FoundAt {
                path: Arc::clone(&shown),
                line: Some(line_number),
            };
            match own.iter_mut().find(|p| p.name == name) {
                Some(existing) if existing.version.is_empty() && !version.is_empty() => {
                    *existing = Package::new(Ecosystem::PyPI, name, version, found_at);
                }
                Some(_) => {}
                None => own.push(Package::new(Ecosystem::PyPI, name, version, found_at)),
            }
        }
        self.packages.extend(own);
    }

    fn include(
        &mut self,
        from: &Path,
        shown_from: &Arc<str>,
        target: &str,
        line: u32,
        depth: usize,
    ) {
        let base = from.parent().unwrap_or(Path::new(""));
        // Shown and read as joined (interior `.` dropped), so a file reached both by a
        // directory walk and by an include has the same path; `..` is resolved only to
        // detect cycles, because a lexical `..` is wrong under symlinks.
        let path: PathBuf = base.join(target).components().collect();
        if depth >= MAX_INCLUDE_DEPTH {
            self.input.warn(CatalogError::parse(
                shown_from,
                Some(line),
                format!(
                    "`-r {target}` nests more than {MAX_INCLUDE_DEPTH} includes deep; not followed"
                ),
            ));
            return;
        }
        if !self.visited.insert(normalize(&path)) {
            return;
        }
        let shown: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        match self.input.files.read(&path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                self.file(&path, shown, &text, depth + 1);
            }
            Err(source) => self.input.warn(CatalogError::Read {
                path: shown,
                source,
            }),
        }
    }
}

/// Lines with `\`-continuations joined, each numbered by its first physical line.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (number, line) in crate::lines::numbered(text) {
        let trailing = line.len() - line.trim_end_matches('\\').len();
        let continues = trailing % 2 == 1;
        let body = if continues {
            &line[..line.len() - 1]
        } else {
            line
        };
        let (_, joined) = pending.get_or_insert_with(|| (number, String::new()));
        joined.push_str(body);
        if !continues {
            out.extend(pending.take());
        }
    }
    out.extend(pending);
    out
}

/// Drops a `#` comment: at the line start, or after whitespace (as pip requires, so a
/// URL fragment `#egg=x` stays).
fn strip_comment(line: &str) -> String {
    if line.trim_start().starts_with('#') {
        return String::new();
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(at) => line[..at].to_string(),
        None => line.to_string(),
    }
}

fn include_target(line: &str) -> Option<&str> {
    let rest = line
        .strip_prefix("--requirement")
        .or_else(|| line.strip_prefix("-r"))?;
    let rest = rest.trim_start_matches('=').trim();
    (!rest.is_empty()).then_some(rest)
}

/// The normalized name and exact version (empty when not pinned) of a requirement line;
/// `None` for lines that name no package (paths, URLs).
fn requirement(line: &str) -> Option<(String, String)> {
    // Per-requirement options (`--hash=...`) and environment markers follow the spec.
    let spec = line.split(" --").next().unwrap_or(line);
    let spec = spec.split(';').next().unwrap_or(spec).trim();
    if spec.starts_with(['.', '/']) || spec.contains("://") && !spec.contains(" @ ") {
        return None;
    }
    let name_end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let (name, rest) = spec.split_at(name_end);
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(after) => after.split_once(']').map_or("", |(_, r)| r).trim_start(),
        None => rest,
    };
    let version = rest
        .strip_prefix("===")
        .or_else(|| rest.strip_prefix("=="))
        .map(|v| {
            v.trim()
                .split(|c: char| c.is_whitespace() || c == ',')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .filter(|v| !v.contains('*') && !rest.contains(','))
        .unwrap_or_default();
    Some((normalize_name(name), version))
}

/// PEP 503: lowercase, and every run of `-`, `_`, `.` becomes one `-`.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            in_separator = true;
            continue;
        }
        if in_separator && !out.is_empty() {
            out.push('-');
        }
        in_separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_pins_give_versions() {
        let cases = [
            ("Django==2.2.24", Some(("django", "2.2.24"))),
            ("docopt == 0.6.1", Some(("docopt", "0.6.1"))),
            ("keyring >= 4.1.1", Some(("keyring", ""))),
            ("Twisted[http2]==20.3.0", Some(("twisted", "20.3.0"))),
            ("foo==1.* ", Some(("foo", ""))),
            (
                "zope.interface==5.4.0 ; python_version > '3'",
                Some(("zope-interface", "5.4.0")),
            ),
            (
                "boto3==1.26.121 --hash=sha256:f8",
                Some(("boto3", "1.26.121")),
            ),
            ("./downloads/numpy.whl", None),
            ("http://example.com/x.whl", None),
        ];
        for (line, expected) in cases {
            let got = requirement(line);
            assert_eq!(
                got.as_ref().map(|(n, v)| (n.as_str(), v.as_str())),
                expected,
                "{line}"
            );
        }
    }

    #[test]
    fn continuations_join_before_comments_are_stripped() {
        let lines = logical_lines("baz == 7.8.9 # \\\nbaz == 1.2.3\nfoo==\\\n1.0\n");
        assert_eq!(lines[0], (1, "baz == 7.8.9 # baz == 1.2.3".to_string()));
        assert_eq!(lines[1], (3, "foo==1.0".to_string()));
    }
}
