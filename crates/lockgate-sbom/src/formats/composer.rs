//! `composer.lock`: `packages` and `packages-dev` (the `dev` group). Each package's
//! `source.reference` is its commit.

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::package::{Ecosystem, Package};
use crate::tree::{line_of, parse_json, text};

pub(crate) fn parse(input: &Input) -> Result<Vec<Package>, CatalogError> {
    let root = parse_json(&input.path, input.text)?;
    let mut packages = Vec::new();
    for (section, groups) in [("packages", &[][..]), ("packages-dev", &["dev"][..])] {
        for entry in root.get(section).map(|n| n.items()).unwrap_or_default() {
            let Some(name) = text(entry, "name") else {
                continue;
            };
            let version = text(entry, "version").unwrap_or_default();
            let commit = entry.get("source").and_then(|s| text(s, "reference"));
            // The entry's `name` key is the line to point at; the entry's own span
            // starts at its `{`.
            let line = entry
                .entry("name")
                .and_then(|(key, _)| line_of(key))
                .or(line_of(entry));
            let licenses: Vec<String> = entry
                .get("license")
                .map(|l| match l.as_str() {
                    Some(one) => vec![one.to_string()],
                    None => l
                        .items()
                        .iter()
                        .filter_map(|i| i.as_str().map(String::from))
                        .collect(),
                })
                .unwrap_or_default();
            packages.push(
                Package::new(Ecosystem::Packagist, name, version, input.at(line))
                    .with_commit(commit)
                    .with_groups(groups.iter().copied())
                    .with_licenses(licenses),
            );
        }
    }
    Ok(packages)
}
