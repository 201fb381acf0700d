//! `poetry.lock`: every `[[package]]`. Git sources carry `resolved_reference` as the
//! commit. Groups: `optional = true` → `optional`; old lockfiles' `category = "dev"` →
//! `dev`; Poetry 2's `groups = [...]` lists the groups, and a package in `main` is a
//! plain dependency.

use serde::Deserialize;

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::formats::requirements::normalize_name;
use crate::lines::{header_lines, parse_toml};
use crate::package::{Ecosystem, Package};

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    #[serde(default)]
    optional: bool,
    category: Option<String>,
    groups: Option<Vec<String>>,
    source: Option<Source>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(rename = "type")]
    kind: Option<String>,
    resolved_reference: Option<String>,
}

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let lock: PoetryLock = parse_toml(input)?;
    let lines = header_lines(input.text, "[[package]]", lock.package.len());
    Ok(lock
        .package
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let commit = p
                .source
                .filter(|s| s.kind.as_deref() == Some("git"))
                .and_then(|s| s.resolved_reference);
            let mut groups: Vec<String> = match p.groups {
                Some(groups) if !groups.iter().any(|g| g == "main") => groups,
                _ => Vec::new(),
            };
            if p.category.as_deref() == Some("dev") {
                groups.push("dev".to_string());
            }
            if p.optional {
                groups.push("optional".to_string());
            }
            Package::new(
                Ecosystem::PyPI,
                normalize_name(&p.name),
                p.version,
                input.at(lines.get(i).copied()),
            )
            .with_commit(commit)
            .with_groups(groups)
        })
        .collect())
}
