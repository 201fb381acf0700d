//! `Pipfile.lock`: packages under `default` and `develop` (the `dev` group). Versions
//! are exact pins (`"==2.1.1"`). Git packages (`"git": url, "ref": sha`) carry their
//! commit and no version. A package in both sections at the same version is a plain
//! dependency.

use lockgate_syntax::Node;

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::formats::npm::merge_groups;
use crate::formats::requirements::normalize_name;
use crate::package::{Ecosystem, Package};
use crate::tree::{self, line_of, parse_json, text};

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let root = parse_json(&input.path, input.text)?;
    let mut packages: Vec<Package> = Vec::new();
    for (section, groups) in [("default", &[][..]), ("develop", &["dev"][..])] {
        for (key, detail) in tree::entries(&root, section) {
            let Some(name) = key.as_str() else {
                continue;
            };
            let version = text(detail, "version")
                .and_then(|v| v.strip_prefix("==").map(String::from))
                .unwrap_or_default();
            let commit = git_commit(detail);
            if version.is_empty() && commit.is_none() {
                continue;
            }
            let name = normalize_name(name);
            if let Some(existing) = packages
                .iter_mut()
                .find(|p| p.name == name && p.version == version && p.commit == commit)
            {
                merge_groups(existing, groups);
                continue;
            }
            packages.push(
                Package::new(Ecosystem::PyPI, name, version, input.at(line_of(key)))
                    .with_commit(commit)
                    .with_groups(groups.iter().copied()),
            );
        }
    }
    Ok(packages)
}

fn git_commit(detail: &Node) -> Option<String> {
    detail.get("git")?;
    text(detail, "ref")
}
