//! `pnpm-lock.yaml`, lockfile versions 5 to 9. Packages are the keys of `packages`:
//!
//! | version | key                                   |
//! |---------|---------------------------------------|
//! | 5.x     | `/name/1.0.0_peer@2`, `registry.npmjs.org/@scope/name/1.0.0` |
//! | 6.x     | `/name@1.0.0(peer@2)`                 |
//! | 9.x     | `name@1.0.0` (peer variants live in `snapshots`) |
//!
//! A package's own `name` / `version` fields (git, tarball and `file:` dependencies)
//! override what the key says. Keys that carry no numeric version (`github.com/u/repo`)
//! and have no `version` field are skipped: there is nothing to match. Git dependencies
//! carry `resolution.commit` or the commit of a codeload tarball URL.
//!
//! Groups: v5/v6 write `dev: true` and `optional: true` on packages. v9 keeps
//! `optional: true` (on `snapshots`) but no longer writes `dev`, so a v9 package is `dev`
//! when the importers' `devDependencies` reach it through `snapshots` and their
//! `dependencies`/`optionalDependencies` do not ([`v9_groups`]). A package nothing
//! reaches keeps no group: hiding a package as dev-only needs evidence.

use std::collections::{HashMap, HashSet};

use lockgate_syntax::Node;

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::formats::npm::commit_of;
use crate::package::{Ecosystem, Package};
use crate::tree::{self, flag, line_of, parse_yaml, text};

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let Some(root) = parse_yaml(&input.path, input.text)? else {
        return Ok(Vec::new());
    };
    if root.is_null() {
        return Ok(Vec::new());
    }
    if root.as_map().is_none() {
        return Err(input.error(line_of(&root), "not a pnpm lockfile (expected a mapping)"));
    }
    let major = text(&root, "lockfileVersion")
        .and_then(|v| v.split('.').next().and_then(|m| m.parse::<u32>().ok()))
        .unwrap_or(5);
    let v9 = (major >= 9).then(|| v9_groups(&root));
    let mut packages = Vec::new();
    for (key, detail) in tree::entries(&root, "packages") {
        let Some(path) = key.as_str() else {
            continue;
        };
        let (key_name, key_version) =
            name_and_version(path, major).map_err(|message| input.error(line_of(key), message))?;
        let name = text(detail, "name").or(key_name).unwrap_or_default();
        let version = text(detail, "version").or(key_version).unwrap_or_default();
        if name.is_empty() || version.is_empty() {
            continue;
        }
        let mut groups = Vec::new();
        match &v9 {
            Some(v9) => {
                let groups_of = v9.get(path.trim_matches('\'')).copied().unwrap_or_default();
                if groups_of.dev_only() {
                    groups.push("dev");
                }
                if groups_of.optional_only() {
                    groups.push("optional");
                }
            }
            None => {
                if flag(detail, "dev") {
                    groups.push("dev");
                }
                if flag(detail, "optional") {
                    groups.push("optional");
                }
            }
        }
        packages.push(
            Package::new(Ecosystem::Npm, name, version, input.at(line_of(key)))
                .with_commit(commit(detail))
                .with_groups(groups),
        );
    }
    Ok(packages)
}

/// How a v9 package (`name@version`, peers stripped) is reached.
#[derive(Debug, Default, Clone, Copy)]
struct Reach {
    /// From an importer's `dependencies` or `optionalDependencies`.
    prod: bool,
    /// From an importer's `devDependencies`.
    dev: bool,
    /// Some snapshot of it lacks `optional: true`.
    required_snapshot: bool,
    /// It has a snapshot at all.
    has_snapshot: bool,
}

impl Reach {
    fn dev_only(self) -> bool {
        self.dev && !self.prod
    }

    fn optional_only(self) -> bool {
        self.has_snapshot && !self.required_snapshot
    }
}

/// Walks v9 `snapshots` from the importers and says, per `packages` key, how it is
/// reached. Each snapshot is visited at most once per root kind.
fn v9_groups(root: &Node) -> HashMap<String, Reach> {
    let snapshots = root.get("snapshots").and_then(Node::as_map);
    let mut reach: HashMap<String, Reach> = HashMap::new();
    for (key, snapshot) in snapshots.into_iter().flat_map(|m| m.iter()) {
        let Some(key) = key.as_str() else { continue };
        let entry = reach.entry(without_peers(key).to_string()).or_default();
        entry.has_snapshot = true;
        if !flag(snapshot, "optional") {
            entry.required_snapshot = true;
        }
    }
    for (dev, sections) in [
        (false, &["dependencies", "optionalDependencies"][..]),
        (true, &["devDependencies"][..]),
    ] {
        let mut queue: Vec<String> = Vec::new();
        for (_, importer) in tree::entries(root, "importers") {
            for section in sections {
                for (name, spec) in tree::entries(importer, section) {
                    // v9 importers write `{specifier, version}`.
                    let version = spec.get("version").and_then(Node::scalar_text);
                    queue.extend(
                        name.as_str()
                            .zip(version)
                            .and_then(|(n, v)| snapshot_key(n, &v)),
                    );
                }
            }
        }
        let mut visited: HashSet<String> = HashSet::new();
        while let Some(key) = queue.pop() {
            if !visited.insert(key.clone()) {
                continue;
            }
            let entry = reach.entry(without_peers(&key).to_string()).or_default();
            if dev {
                entry.dev = true;
            } else {
                entry.prod = true;
            }
            let Some(snapshot) = snapshots.and_then(|m| m.get(&key)) else {
                continue;
            };
            for section in ["dependencies", "optionalDependencies"] {
                for (name, version) in tree::entries(snapshot, section) {
                    let next = name
                        .as_str()
                        .zip(version.scalar_text())
                        .and_then(|(n, v)| snapshot_key(n, &v));
                    queue.extend(next.filter(|k| !visited.contains(k)));
                }
            }
        }
    }
    reach
}

/// The `snapshots` key a dependency `name: version` points at: `name@version`, or the
/// version itself for aliases (`string-width@4.2.3`); `None` for `link:` dependencies.
fn snapshot_key(name: &str, version: &str) -> Option<String> {
    if version.starts_with("link:") || version.is_empty() {
        return None;
    }
    let before_peers = without_peers(version);
    if before_peers.get(1..).is_some_and(|rest| rest.contains('@')) {
        return Some(version.to_string());
    }
    Some(format!("{name}@{version}"))
}

/// `name@1.0.0(peer@2)` → `name@1.0.0`.
fn without_peers(key: &str) -> &str {
    key.split('(').next().unwrap_or(key)
}

fn commit(detail: &Node) -> Option<String> {
    let resolution = detail.get("resolution")?;
    if let Some(commit) = text(resolution, "commit") {
        return Some(commit);
    }
    text(resolution, "tarball")
        .filter(|t| t.starts_with("https://codeload.github.com/"))
        .and_then(|t| commit_of(&t))
}

type NameAndVersion = (Option<String>, Option<String>);

/// The name and version a `packages` key encodes, either possibly absent.
fn name_and_version(path: &str, major: u32) -> Result<NameAndVersion, String> {
    if path.starts_with("file:") {
        // Local dependencies always carry `name` and `version` fields.
        return Ok((None, None));
    }
    if major >= 9 {
        let (name, version) = split_at_version(path);
        return Ok((Some(name), version));
    }
    let segments: Vec<&str> = path.split('/').collect();
    let Some(rest) = segments.get(1..).filter(|r| !r.is_empty()) else {
        return Err(format!("invalid package path `{path}`"));
    };
    let (name, rest) = match rest {
        [scope, name, rest @ ..] if scope.starts_with('@') => (format!("{scope}/{name}"), rest),
        [name, rest @ ..] => ((*name).to_string(), rest),
        [] => return Ok((None, None)),
    };
    let version = match rest.first() {
        Some(version) => Some((*version).to_string()),
        None => {
            // v6 style: `/name@1.0.0(peer@2)`.
            let joined = rest_of_path(path);
            let (v6_name, v6_version) = split_at_version(&joined);
            if let Some(version) = v6_version {
                return Ok((Some(v6_name), numeric(&version)));
            }
            None
        }
    };
    Ok((Some(name), version.as_deref().and_then(numeric)))
}

/// Everything after the leading registry host or `/`.
fn rest_of_path(path: &str) -> String {
    path.split_once('/')
        .map_or(path, |(_, rest)| rest)
        .to_string()
}

/// `@scope/name@1.0.0(peer@2)` → (`@scope/name`, `1.0.0`).
fn split_at_version(spec: &str) -> (String, Option<String>) {
    let spec = spec.trim_matches('\'');
    let (scoped, body) = match spec.strip_prefix('@') {
        Some(body) => (true, body),
        None => (false, spec),
    };
    let (name, version) = match body.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (body, None),
    };
    let name = if scoped {
        format!("@{name}")
    } else {
        name.to_string()
    };
    let version = version
        .map(|v| v.split('(').next().unwrap_or(v).to_string())
        .filter(|v| !v.is_empty());
    (name, version)
}

/// A v5 version segment without its peer suffix (`1.0.0_peer@2` → `1.0.0`); `None` when
/// it does not start with a digit (a git path segment, not a version).
fn numeric(version: &str) -> Option<String> {
    let version = version.split('_').next().unwrap_or(version);
    let version = version.split('(').next().unwrap_or(version);
    version
        .starts_with(|c: char| c.is_ascii_digit())
        .then(|| version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_each_lockfile_version() {
        let cases = [
            (
                "/foo/1.4.0_@types+babel__core@7.1.14",
                5,
                Some("foo"),
                Some("1.4.0"),
            ),
            (
                "registry.npmjs.org/@foo/bar/1.1.0",
                5,
                Some("@foo/bar"),
                Some("1.1.0"),
            ),
            (
                "/@typescript-eslint/types@5.57.1",
                6,
                Some("@typescript-eslint/types"),
                Some("5.57.1"),
            ),
            (
                "/acorn-jsx@5.3.2(acorn@8.7.0)",
                6,
                Some("acorn-jsx"),
                Some("5.3.2"),
            ),
            ("acorn@8.11.3", 9, Some("acorn"), Some("8.11.3")),
            ("github.com/kevva/is-positive", 5, Some("kevva"), None),
        ];
        for (path, major, name, version) in cases {
            let (n, v) = name_and_version(path, major).unwrap();
            assert_eq!((n.as_deref(), v.as_deref()), (name, version), "{path}");
        }
        assert!(name_and_version("axios@1.2.5", 5).is_err());
    }

    fn groups_in(text: &str) -> Vec<(String, Vec<String>)> {
        let input = Input {
            path: "pnpm-lock.yaml".into(),
            fs_path: std::path::Path::new("pnpm-lock.yaml"),
            text,
            files: &crate::NoFiles,
            distro: None,
            problems: Default::default(),
        };
        parse(&input)
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.groups))
            .collect()
    }

    #[test]
    fn v9_groups_come_from_reachability_and_snapshot_flags() {
        let text = "lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      a: {specifier: ^1, version: 1.0.0}
    optionalDependencies:
      u: {specifier: ^8, version: 8.3.2}
    devDependencies:
      d: {specifier: ^1, version: 1.0.0(a@1.0.0)}
packages:
  a@1.0.0: {resolution: {integrity: x}}
  d@1.0.0: {resolution: {integrity: x}}
  shared@2.0.0: {resolution: {integrity: x}}
  devonly@3.0.0: {resolution: {integrity: x}}
  u@8.3.2: {resolution: {integrity: x}}
snapshots:
  a@1.0.0:
    dependencies: {shared: 2.0.0}
  d@1.0.0(a@1.0.0):
    dependencies: {shared: 2.0.0, devonly: 3.0.0}
  shared@2.0.0: {}
  devonly@3.0.0: {}
  u@8.3.2:
    optional: true
";
        let groups = groups_in(text);
        let of = |name: &str| {
            groups
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, g)| g.join(","))
                .unwrap()
        };
        assert_eq!(of("a"), "");
        assert_eq!(of("d"), "dev");
        assert_eq!(of("shared"), "", "reached from production too");
        assert_eq!(of("devonly"), "dev");
        assert_eq!(of("u"), "optional");
    }

    #[test]
    fn v6_groups_come_from_package_flags() {
        let text = "lockfileVersion: '6.0'
packages:
  /is-number@7.0.0:
    resolution: {integrity: x}
    dev: true
  /uuid@8.0.0:
    resolution: {integrity: x}
    dev: false
    optional: true
";
        let groups = groups_in(text);
        assert_eq!(
            groups[0],
            ("is-number".to_string(), vec!["dev".to_string()])
        );
        assert_eq!(
            groups[1],
            ("uuid".to_string(), vec!["optional".to_string()])
        );
    }
}
