//! npm's `package-lock.json` / `npm-shrinkwrap.json`, lockfile versions 1 to 3.
//!
//! Versions 2 and 3 list every installed package under `packages`, keyed by its
//! `node_modules/...` path; version 1 nests `dependencies` one level per `node_modules`
//! level. Version 2 carries both: `packages` wins. Aliases (`"x": "npm:real@1.0.0"`, or
//! `name` in v2) report the real package. Git dependencies carry their commit (see
//! [`commit_of`]); `file:` dependencies have no version. v2 `link` entries are skipped:
//! the linked directory has its own entry with its version. A package is reported once
//! per version (per commit for git dependencies), at its first entry, with its groups
//! merged over all entries (see [`merge_groups`]).

use std::collections::HashMap;

use lockgate_syntax::Node;

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::package::{Ecosystem, Package};
use crate::tree::{self, flag, line_of, parse_json, text};

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let root = parse_json(&input.path, input.text)?;
    let mut out = Output {
        input,
        seen: HashMap::new(),
        packages: Vec::new(),
    };
    if let Some(packages) = root.get("packages").and_then(Node::as_map) {
        let mut entries: Vec<_> = packages.iter().collect();
        // Shallow paths first, so the hoisted copy of a package is the one reported.
        entries.sort_by_key(|(key, _)| {
            key.as_str()
                .map(|k| (k.matches("node_modules/").count(), k.to_string()))
        });
        for (key, detail) in entries {
            out.v2_entry(key, detail);
        }
    } else {
        out.v1_dependencies(&root, 0);
    }
    Ok(out.packages)
}

struct Output<'a, 'b> {
    input: &'a Input<'b>,
    /// `name@version` (or `name@commit`) already reported, and at which index.
    seen: HashMap<String, usize>,
    packages: Vec<Package>,
}

impl Output<'_, '_> {
    fn push(
        &mut self,
        name: String,
        version: String,
        commit: Option<String>,
        groups: Vec<&str>,
        line: Option<u32>,
        license: Option<String>,
    ) {
        let identity = format!("{name}@{}", commit.as_deref().unwrap_or(&version));
        if let Some(&index) = self.seen.get(&identity) {
            if let Some(existing) = self.packages.get_mut(index) {
                merge_groups(existing, &groups);
            }
            return;
        }
        self.seen.insert(identity, self.packages.len());
        self.packages.push(
            Package::new(Ecosystem::Npm, name, version, self.input.at(line))
                .with_commit(commit)
                .with_groups(groups)
                .with_licenses(license),
        );
    }

    fn v2_entry(&mut self, key: &Node, detail: &Node) {
        let Some(path) = key.as_str().filter(|p| !p.is_empty()) else {
            return;
        };
        if flag(detail, "link") {
            return;
        }
        let name = text(detail, "name").unwrap_or_else(|| name_from_path(path));
        let version = text(detail, "version").unwrap_or_default();
        let commit = text(detail, "resolved").and_then(|r| commit_of(&r));
        let groups = if flag(detail, "dev") {
            vec!["dev"]
        } else if flag(detail, "optional") {
            vec!["optional"]
        } else if flag(detail, "devOptional") {
            vec!["dev", "optional"]
        } else {
            vec![]
        };
        // v2/v3 entries copy `license` from the package's package.json.
        let license = text(detail, "license");
        self.push(name, version, commit, groups, line_of(key), license);
    }

    fn v1_dependencies(&mut self, parent: &Node, depth: usize) {
        // The tree parser already bounds nesting; this keeps the walk honest on its own.
        if depth > 256 {
            return;
        }
        for (key, detail) in tree::entries(parent, "dependencies") {
            let Some(mut name) = key.as_str().map(String::from) else {
                continue;
            };
            let declared = text(detail, "version").unwrap_or_default();
            let mut version = declared.clone();
            if let Some(alias) = declared.strip_prefix("npm:")
                && let Some((real, real_version)) = alias.rsplit_once('@')
                && !real.is_empty()
            {
                name = real.to_string();
                version = real_version.to_string();
            }
            let mut commit = None;
            if declared.starts_with("file:") {
                version.clear();
            } else if let Some(found) = commit_of(&declared) {
                // The "version" is the git URL itself: there is no version to report.
                version.clear();
                commit = Some(found);
            }
            let groups = match (flag(detail, "dev"), flag(detail, "optional")) {
                (true, true) => vec!["dev", "optional"],
                (true, false) => vec!["dev"],
                (false, true) => vec!["optional"],
                (false, false) => vec![],
            };
            self.push(name, version, commit, groups, line_of(key), None);
            self.v1_dependencies(detail, depth + 1);
        }
    }
}

/// One package reached through several paths: it is a plain (production) dependency if
/// any path is; otherwise it belongs to every group of every path.
pub(crate) fn merge_groups(existing: &mut Package, groups: &[&str]) {
    if existing.groups.is_empty() {
        return;
    }
    if groups.is_empty() {
        existing.groups.clear();
        return;
    }
    existing.groups.extend(groups.iter().map(|g| g.to_string()));
    existing.groups.sort();
    existing.groups.dedup();
}

/// `node_modules/a/node_modules/@scope/b` → `@scope/b`; `deps/etag` → `etag`.
fn name_from_path(path: &str) -> String {
    let mut segments = path.rsplit('/');
    let last = segments.next().unwrap_or(path);
    match segments.next() {
        Some(scope) if scope.starts_with('@') => format!("{scope}/{last}"),
        _ => last.to_string(),
    }
}

/// The commit a git dependency is locked to, from its resolved URL or npm's shorthand
/// (`github:user/repo#sha`, `git+ssh://...#sha`, `https://host/x.git#sha`,
/// `https://codeload.github.com/u/r/tar.gz/sha`, `...#commit=sha`, or a github.com /
/// gitlab.com / bitbucket.org URL with `?ref=` or a fragment). Shared with yarn and pnpm.
pub(crate) fn commit_of(resolution: &str) -> Option<String> {
    let is_word =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if let Some((before, fragment)) = resolution.rsplit_once('#') {
        let git_scheme = ["git://", "git+ssh://", "git+https://", "ssh://"]
            .iter()
            .any(|scheme| resolution.starts_with(scheme) || before.contains(&format!("@{scheme}")));
        let https_git = (resolution.starts_with("https://") || before.contains("@https://"))
            && before.ends_with(".git");
        let shorthand = ["github:", "gitlab:", "bitbucket:"]
            .iter()
            .any(|p| resolution.starts_with(p));
        if (git_scheme || https_git || shorthand) && is_word(fragment) {
            return Some(fragment.to_string());
        }
        if let Some(sha) = fragment
            .strip_prefix("commit:")
            .or_else(|| fragment.strip_prefix("commit="))
            .filter(|s| is_word(s))
        {
            return Some(sha.to_string());
        }
    }
    if let Some(rest) = resolution.strip_prefix("https://codeload.github.com/") {
        let parts: Vec<&str> = rest.split('/').collect();
        if let [_, _, "tar.gz", sha] = parts.as_slice()
            && is_word(sha)
        {
            return Some((*sha).to_string());
        }
    }
    let rest = resolution
        .strip_prefix("https://")
        .or_else(|| resolution.strip_prefix("http://"))?;
    let (host, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.rsplit('@').next().unwrap_or(host);
    if !["github.com", "gitlab.com", "bitbucket.org"].contains(&host) {
        return None;
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    if let Some((_, query)) = rest.split_once('?')
        && let Some(reference) = query.split('&').find_map(|kv| kv.strip_prefix("ref="))
    {
        return Some(reference.to_string());
    }
    fragment.filter(|f| !f.is_empty()).map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_resolutions_give_commits() {
        for (resolution, commit) in [
            ("git+ssh://git@github.com/a/b.git#af88", Some("af88")),
            ("github:a/b#d5ac", Some("d5ac")),
            ("https://codeload.github.com/a/b/tar.gz/3b1b", Some("3b1b")),
            ("https://github.com/a/b/archive/x.tgz?ref=abc", Some("abc")),
            ("https://registry.npmjs.org/x/-/x-1.0.0.tgz", None),
            ("1.0.0", None),
        ] {
            assert_eq!(commit_of(resolution).as_deref(), commit, "{resolution}");
        }
    }

    #[test]
    fn names_come_from_the_last_node_modules_segment() {
        assert_eq!(name_from_path("node_modules/a/node_modules/@s/b"), "@s/b");
        assert_eq!(name_from_path("deps/etag"), "etag");
    }
}
